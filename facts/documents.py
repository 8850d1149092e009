"""Read YAML and JSON documents with exact numbers and source positions.

Numbers with a fraction part are read from their decimal text as
``decimal.Decimal``, never through a binary float. Every mapping key and list
entry keeps the line and column where it appeared, so that an error can point
at the place in the file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from facts.errors import XiaoanError

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is optional
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Location = tuple[Hashable, ...]


class DocumentError(XiaoanError, ValueError):
    """A file that cannot be read or parsed at all."""

    def __init__(
        self,
        path: str | Path,
        problem: str,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        place = self.path
        if line is not None:
            place += f":{line}"
            if column is not None:
                place += f":{column}"
        super().__init__(f"{place}: {problem}")


@dataclass
class Document:
    """Parsed content of one file and the positions of its entries."""

    path: Path
    data: Any
    positions: dict[Location, tuple[int, int]] = field(default_factory=dict)

    def position(self, location: Location) -> tuple[int, int] | None:
        """Return the (line, column) of ``location`` or of its nearest parent."""
        while True:
            if location in self.positions:
                return self.positions[location]
            if not location:
                return None
            location = location[:-1]


class _Constructor(yaml.constructor.SafeConstructor):
    pass


def _construct_float(loader: _Constructor, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        # .inf and .nan are valid YAML floats but never valid facts or points.
        return loader.construct_yaml_float(node)


def _construct_int(loader: _Constructor, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node)).replace("_", "")
    if len(text) > 18 and text.lstrip("+-").isdigit():
        # Python refuses to convert integers of over 4,300 digits; a long
        # integer is kept as a Decimal, which the fact checks then reject
        # by size with a located message.
        return Decimal(text)
    return loader.construct_yaml_int(node)


_Constructor.add_constructor(
    "tag:yaml.org,2002:int",
    _construct_int,  # type: ignore[type-var]
)
_Constructor.add_constructor(
    "tag:yaml.org,2002:float",
    _construct_float,  # type: ignore[type-var]
)


def _build(
    node: yaml.Node, location: Location, doc: Document, constructor: _Constructor
) -> Any:
    doc.positions[location] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if isinstance(key, (dict, list)):
                raise DocumentError(
                    doc.path,
                    "a mapping key must be a plain value",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            if key in mapping:
                raise DocumentError(
                    doc.path,
                    f"duplicate key {key!r}",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            mapping[key] = _build(value_node, (*location, key), doc, constructor)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*location, index), doc, constructor)
            for index, item in enumerate(node.value)
        ]
    return constructor.construct_object(node, deep=True)


def load_yaml(path: Path, text: str | None = None) -> Document:
    """Parse one YAML document, keeping positions of every entry."""
    if text is None:
        text = read_text(path)
    doc = Document(path=path, data=None)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        problem = f"invalid YAML: {error.problem}"
        if mark is None:
            raise DocumentError(path, problem) from None
        raise DocumentError(path, problem, mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as error:
        raise DocumentError(path, f"invalid YAML: {error}") from None
    if node is None:
        return doc
    doc.data = _build(node, (), doc, _Constructor())
    return doc


def load_json(path: Path, text: str | None = None) -> Document:
    """Parse one JSON document; positions are not tracked, for speed."""
    if text is None:
        text = read_text(path)
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=_json_int)
    except json.JSONDecodeError as error:
        raise DocumentError(
            path, f"invalid JSON: {error.msg}", error.lineno, error.colno
        ) from None
    return Document(path=path, data=data)


def _json_int(text: str) -> int | Decimal:
    """Keep long integers as Decimal, as the YAML reader does."""
    return Decimal(text) if len(text) > 18 else int(text)


def load_document(path: Path) -> Document:
    """Parse a ``.json`` file as JSON and anything else as YAML."""
    if path.suffix.lower() == ".json":
        return load_json(path)
    return load_yaml(path)


def read_text(path: Path) -> str:
    """Read a UTF-8 text file (a byte-order mark is allowed)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DocumentError(path, "file not found") from None
    except IsADirectoryError:
        raise DocumentError(path, "is a folder, expected a file") from None
    except UnicodeDecodeError as error:
        raise DocumentError(
            path, f"not UTF-8 text (invalid byte at offset {error.start})"
        ) from None
    except OSError as error:
        raise DocumentError(path, f"cannot be read: {error.strerror}") from None


def is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
