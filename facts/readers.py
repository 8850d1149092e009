"""Read facts files (YAML, JSON) into validated units, one error per bad unit.

A unit with bad facts becomes a :class:`FactError` that names the file, the
unit, the field, the value and what is accepted. The other units of the file
are still returned, so that a batch goes on without them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from facts.documents import Document, DocumentError, load_document
from facts.errors import FactError, suggestion
from facts.models import FactsFile, Unit

logger = logging.getLogger(__name__)


@dataclass
class UnitRecord:
    """A validated unit and where it came from."""

    unit: Unit
    file: Path
    index: int
    document: Document | None = None

    def line(self, *location: Any) -> int | None:
        """Return the line of a field of this unit, such as ``("findings", 2)``."""
        if self.document is None:
            return None
        position = self.document.position(("units", self.index, *location))
        return position[0] if position else None

    def error(
        self,
        problem: str,
        field: str | None = None,
        value: Any = None,
        expected: str | None = None,
        location: tuple[Any, ...] = (),
    ) -> FactError:
        """Build a :class:`FactError` located at a field of this unit."""
        return FactError(
            problem,
            file=self.file,
            unit=self.unit.id,
            field=field,
            value=value,
            expected=expected,
            line=self.line(*location),
        )


@dataclass
class FactSet:
    """Units read from one or more facts files, and the errors found."""

    units: list[UnitRecord] = field(default_factory=list)
    errors: list[FactError] = field(default_factory=list)
    rulebook: str | None = None
    rulebooks: dict[str, str] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    # The kind written on each unit that failed validation, as found.
    failed_kinds: dict[str, object] = field(default_factory=dict)
    # Problems that skip part of an input but do not stop it.
    warnings: list[str] = field(default_factory=list)
    # The item code and its line of each finding of a unit that failed
    # validation, by finding index, so that unknown codes are reported too.
    failed_items: dict[str, dict[int, tuple[object, int | None]]] = field(
        default_factory=dict
    )

    def extend(self, other: FactSet) -> None:
        self.units.extend(other.units)
        self.errors.extend(other.errors)
        for unit_id, kind in other.failed_kinds.items():
            self.failed_kinds.setdefault(unit_id, kind)
        for unit_id, items in other.failed_items.items():
            self.failed_items.setdefault(unit_id, items)
        self.rulebooks.update(other.rulebooks)
        self.samples.extend(other.samples)
        self.warnings.extend(other.warnings)
        if self.rulebook is None:
            self.rulebook = other.rulebook


def read_facts(paths: Sequence[Path]) -> FactSet:
    """Read every file, check unit ids are unique across them, keep going on errors."""
    result = FactSet()
    for path in paths:
        result.extend(read_facts_file(path))
    _drop_duplicate_ids(result)
    return result


def read_facts_file(path: Path) -> FactSet:
    """Read one facts file (by its suffix: ``.json`` as JSON, else YAML).

    An Excel workbook or a folder of CSV files is read as fact sheets.
    """
    from facts.spreadsheets import is_spreadsheet_input, read_spreadsheet_facts

    if is_spreadsheet_input(path):
        return read_spreadsheet_facts(path)
    try:
        document = load_document(path)
    except DocumentError as error:
        return FactSet(
            errors=[
                FactError(
                    str(error).split(": ", 1)[-1], file=error.path, line=error.line
                )
            ]
        )
    facts = facts_from_data(document.data, path, document)
    # Records keep the document for the positions of their fields only, so
    # the parsed data, a second copy of every unit, can be freed.
    document.data = None
    return facts


def facts_from_data(data: Any, path: Path, document: Document | None = None) -> FactSet:
    """Validate already parsed facts data, unit by unit."""
    result = FactSet()
    if not isinstance(data, dict):
        result.errors.append(
            FactError(
                "the top level of a facts file must be a mapping",
                file=path,
                value=type(data).__name__,
                expected="a mapping with a 'units' list",
            )
        )
        return result
    try:
        top = FactsFile.model_validate(data)
    except ValidationError as error:
        result.errors.extend(_fact_errors(error, path, None, FactsFile, document, ()))
        return result
    result.rulebook = top.rulebook
    if top.rulebook is not None:
        result.rulebooks[str(path)] = top.rulebook
    if top.sample is not None:
        result.samples.append({"file": str(path), **top.sample.model_dump()})
    for index, raw in enumerate(top.units):
        unit_id = raw.get("id") if isinstance(raw, dict) else None
        shown_id = unit_id if isinstance(unit_id, str) else None
        if not isinstance(raw, dict):
            result.errors.append(
                FactError(
                    f"units[{index}] is not a mapping",
                    file=path,
                    value=raw,
                    expected="a mapping with id, name, kind and facts",
                    line=_line(document, ("units", index)),
                )
            )
            continue
        try:
            unit = Unit.model_validate(raw)
        except ValidationError as error:
            errors = _fact_errors(
                error, path, shown_id, Unit, document, ("units", index)
            )
            findings = raw.get("findings")
            if shown_id is not None and isinstance(findings, list):
                result.failed_items[shown_id] = {
                    position: (
                        finding.get("item"),
                        _line(document, ("units", index, "findings", position, "item")),
                    )
                    for position, finding in enumerate(findings)
                    if isinstance(finding, dict)
                }
            result.errors.append(_merge(errors))
            if shown_id is not None:
                result.failed_kinds.setdefault(shown_id, raw.get("kind"))
            continue
        result.units.append(UnitRecord(unit, path, index, document))
    return result


def _drop_duplicate_ids(facts: FactSet) -> None:
    seen: dict[str, UnitRecord] = {}
    kept = []
    for record in facts.units:
        first = seen.get(record.unit.id)
        if first is not None:
            facts.errors.append(
                record.error(
                    f"duplicate unit id; first defined in {first.file} "
                    f"(units[{first.index}])",
                    field="id",
                    value=record.unit.id,
                    expected="an id unique across all inputs of a run",
                    location=("id",),
                )
            )
            continue
        seen[record.unit.id] = record
        kept.append(record)
    facts.units = kept


def _merge(errors: list[FactError]) -> FactError:
    """Fold several problems of one unit into one error that lists them all."""
    if len(errors) == 1:
        return errors[0]
    # Every part already names its file, unit and field, so the merged
    # message is just the parts, one a line.
    first = errors[0]
    return FactError(
        first.problem,
        file=first.file,
        unit=first.unit,
        field=first.field,
        value=first.value,
        expected=first.expected,
        line=first.line,
        parts=errors,
    )


def _line(document: Document | None, location: tuple[Any, ...]) -> int | None:
    if document is None:
        return None
    position = document.position(location)
    return position[0] if position else None


def _fact_errors(
    error: ValidationError,
    path: Path,
    unit_id: str | None,
    model: type[BaseModel],
    document: Document | None,
    prefix: tuple[Any, ...],
) -> list[FactError]:
    found = []
    for detail in error.errors():
        location = tuple(detail["loc"])
        field_path = _field_path(location)
        line = _line(document, (*prefix, *location))
        value = detail.get("input")
        if isinstance(value, Decimal):
            # Show the number as written in the file, not as Decimal('0.3').
            value = str(value)
        kind = detail["type"]
        if kind == "extra_forbidden":
            name = str(location[-1])
            allowed = _allowed(model, location[:-1])
            found.append(
                FactError(
                    f"unknown field {name!r}{suggestion(name, allowed)}",
                    file=path,
                    unit=unit_id,
                    field=field_path,
                    line=line,
                    expected="one of " + ", ".join(allowed) if allowed else None,
                )
            )
        elif kind == "missing":
            found.append(
                FactError(
                    "missing required field",
                    file=path,
                    unit=unit_id,
                    field=field_path,
                    line=line,
                )
            )
        else:
            problem = "invalid value"
            expected: str | None = _expected(detail)
            stated = str(detail["msg"]).removeprefix("Value error, ")
            if kind == "value_error" and not stated.startswith("expected "):
                # The validator's message states the problem, not what is expected.
                problem, expected = stated, None
            found.append(
                FactError(
                    problem,
                    file=path,
                    unit=unit_id,
                    field=field_path or None,
                    line=line,
                    value=value if not isinstance(value, (dict, list)) else None,
                    expected=expected,
                )
            )
    return found


def _expected(detail: Any) -> str:
    message = str(detail["msg"])
    context = detail.get("ctx") or {}
    if "expected" in context:
        return f"one of {context['expected']}"
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    message = message[0].lower() + message[1:] if message else message
    message = message.removeprefix("input should be ")
    if message.startswith(("greater than", "less than")):
        # pydantic names only the bound: "greater than or equal to 0".
        message = f"a number {message}"
    return message.removeprefix("expected ")


def _field_path(location: Iterable[Any]) -> str:
    """Write a pydantic location as ``findings[2].deduct``."""
    text = ""
    for step in location:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else str(step)
    return text


def _allowed(model: type[BaseModel], location: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for step in location:
        if isinstance(step, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(str(step))
        if info is None:
            return []
        current = _model_in(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _model_in(argument)
        if found is not None:
            return found
    return None
