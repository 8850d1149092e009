"""Turn pydantic validation errors on a YAML file into located rulebook errors.

pydantic reports a value that matches no member of a union once per member,
with the member's name inside the location (``where.people.int``,
``where.people.FieldTest.betwen``). This module walks the parsed data to
tell field names from member names, gathers the errors of one value into a
single message, and names the accepted fields and the nearest one for an
unknown field.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Hashable
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.errors import RulebookError
from facts.documents import Document
from facts.errors import suggestion

# Message text for each union member that pydantic names in a location.
_MEMBER_TEXT = {
    "bool": "true or false",
    "int": "a whole number",
    "str": "text",
    "float": "a number",
    "FieldTest": "a test mapping (eq, ne, lt, le, gt, ge, in, not_in, between)",
    "ParamRef": "a parameter reference {param: NAME}",
    "Fraction": "a number",
}


def errors_from_validation(
    error: ValidationError, doc: Document, spec: Any
) -> list[RulebookError]:
    """Return one located error per bad value of ``doc`` (validated as ``spec``)."""
    groups: dict[tuple[Hashable, ...], list[tuple[dict[str, Any], list[str]]]] = {}
    for detail in error.errors():
        path, members = _split_location(doc.data, tuple(detail["loc"]), detail["type"])
        key = path[:-1] if detail["type"] == "extra_forbidden" else path
        groups.setdefault(key, []).append((dict(detail), members))

    found = []
    for key, details in groups.items():
        unknown = [
            detail for detail, _ in details if detail["type"] == "extra_forbidden"
        ]
        if unknown:
            # A mapping with an unknown key was meant for the model that
            # rejected the key; the other members' complaints add nothing.
            for extra in unknown:
                path, _ = _split_location(doc.data, tuple(extra["loc"]), "extra")
                found.append(_unknown_field(doc, spec, extra, path))
        elif len(details) == 1:
            found.append(_single(doc, key, details[0][0]))
        else:
            found.append(_union(doc, key, details))
    return found


def _split_location(
    data: Any, location: tuple[Any, ...], kind: str
) -> tuple[tuple[Hashable, ...], list[str]]:
    """Split a pydantic location into the path in the data and the union members."""
    path: list[Hashable] = []
    members: list[str] = []
    node = data
    for index, step in enumerate(location):
        last = index == len(location) - 1
        if _has_step(node, step):
            path.append(step)
            node = node[step]
        elif last and kind == "missing" and isinstance(node, dict):
            path.append(step)
        else:
            members.append(str(step))
    return tuple(path), members


def _has_step(node: Any, step: Any) -> bool:
    if isinstance(node, dict):
        return step in node
    return isinstance(node, list) and isinstance(step, int) and step < len(node)


def _place(doc: Document, path: tuple[Hashable, ...]) -> dict[str, Any]:
    position = doc.position(path)
    line, column = position if position else (None, None)
    return {
        "file": doc.path,
        "line": line,
        "column": column,
        "code": _nearest_code(doc.data, path),
    }


def path_text(path: tuple[Hashable, ...]) -> str:
    """Write a data path as ``[2].rules[0].when.where.people``.

    >>> path_text((2, "rules", 0, "when"))
    '[2].rules[0].when'
    """
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".") or "(top level)"


def _unknown_field(
    doc: Document, spec: Any, detail: dict[str, Any], path: tuple[Hashable, ...]
) -> RulebookError:
    name = str(path[-1]) if path else str(detail["loc"][-1])
    allowed = fields_at(spec, tuple(detail["loc"])[:-1])
    problem = f"unknown field {name!r} at {path_text(path)}{suggestion(name, allowed)}"
    if allowed:
        problem += f" (accepted: {', '.join(allowed)})"
    return RulebookError(problem, **_place(doc, path))


def _single(
    doc: Document, path: tuple[Hashable, ...], detail: dict[str, Any]
) -> RulebookError:
    where = path_text(path)
    if detail["type"] == "missing":
        return RulebookError(f"missing field {where}", **_place(doc, path))
    value = detail.get("input")
    shown = "" if isinstance(value, (dict, list)) else f", found {yaml_text(value)}"
    message = str(detail["msg"]).removeprefix("Value error, ")
    return RulebookError(
        f"invalid value at {where}{shown}: {message}", **_place(doc, path)
    )


def _union(
    doc: Document,
    path: tuple[Hashable, ...],
    details: list[tuple[dict[str, Any], list[str]]],
) -> RulebookError:
    accepted: list[str] = []
    for _, members in details:
        text = _member_text(members[-1]) if members else "a valid value"
        if text not in accepted:
            accepted.append(text)
    value = details[0][0].get("input")
    shown = (
        f"found {yaml_text(value)}"
        if not isinstance(value, dict)
        else "found a mapping"
    )
    return RulebookError(
        f"invalid value at {path_text(path)}, {shown}; expected "
        + " or ".join(accepted),
        **_place(doc, path),
    )


def yaml_text(value: Any) -> str:
    """Write a parsed value as it would read in YAML.

    >>> yaml_text([True, None, "a"])
    "[true, null, 'a']"
    """
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(yaml_text(item) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{key}: {yaml_text(item)}" for key, item in value.items())
        return "{" + inner + "}"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _member_text(member: str) -> str:
    if member in _MEMBER_TEXT:
        return _MEMBER_TEXT[member]
    if "to_fraction" in member or "fraction" in member.lower():
        return "a number"
    if member.startswith(("list[", "tuple[")):
        return "a list"
    if member.startswith("literal["):
        return "one of " + member.removeprefix("literal[").rstrip("]")
    return member


def _nearest_code(data: Any, path: tuple[Hashable, ...]) -> str | None:
    """Return the innermost ``id`` or ``code`` on the way to ``path``."""
    found = None
    node = data
    for step in (*path, None):
        if isinstance(node, dict):
            candidate = node.get("id", node.get("code"))
            if isinstance(candidate, str):
                found = candidate
        if step is None:
            break
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        else:
            break
    return found


def fields_at(spec: Any, location: tuple[Any, ...]) -> list[str]:
    """List the fields of the model reached along a pydantic location.

    The location may hold union member names, which pick that member.
    """
    annotation: Any = spec
    steps = list(location)
    while steps:
        annotation = _unwrap(annotation)
        step = steps[0]
        origin = typing.get_origin(annotation)
        arguments = typing.get_args(annotation)
        if origin in (typing.Union, types.UnionType):
            named = [a for a in arguments if getattr(a, "__name__", None) == step]
            if named:
                annotation = named[0]
                steps.pop(0)
            else:
                models = [a for a in arguments if _is_model(_unwrap(a))]
                if not models:
                    return []
                annotation = models[0]
            continue
        steps.pop(0)
        if origin in (list, tuple):
            annotation = arguments[0] if arguments else Any
        elif origin is dict:
            annotation = arguments[1] if len(arguments) == 2 else Any
        elif _is_model(annotation):
            info = annotation.model_fields.get(step) or next(
                (f for f in annotation.model_fields.values() if f.alias == step), None
            )
            if info is None:
                return []
            annotation = info.annotation
        else:
            return []
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(annotation) if _is_model(_unwrap(a))]
        annotation = _unwrap(models[0]) if models else None
    if _is_model(annotation):
        return [info.alias or name for name, info in annotation.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
