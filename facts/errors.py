"""The product's error tree.

``XiaoanError`` is the root. ``FactError`` reports bad input about a unit, and
``RulebookError`` (in ``engine.errors``) reports a bad rulebook. Both carry the
place of the mistake, so that a message can name the file, unit and field.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MAX_SHOWN = 120


class XiaoanError(Exception):
    """Root of every error the product raises on purpose."""


class FactError(XiaoanError, ValueError):
    """A fact that is missing, malformed or inconsistent.

    The message names the file, the unit, the field, the value found and what
    is accepted, so that an inspector can find and mend the entry.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        unit: str | None = None,
        field: str | None = None,
        value: Any = None,
        expected: str | None = None,
        line: int | None = None,
        parts: list[FactError] | None = None,
    ) -> None:
        self.problem = problem
        self.parts = parts or []
        self.file = str(file) if file is not None else None
        self.unit = unit
        self.field = field
        self.value = value
        self.expected = expected
        self.line = line
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.parts:
            return "\n".join(part.message for part in self.parts)
        place = []
        if self.file is not None:
            place.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.unit is not None:
            place.append(f"unit {self.unit}")
        if self.field is not None:
            place.append(f"field {self.field}")
        text = ", ".join(place)
        text = f"{text}: {self.problem}" if text else self.problem
        if self.value is not None:
            shown = repr(self.value)
            if len(shown) > MAX_SHOWN:
                # A value thousands of characters long would bury the message.
                shown = f"{shown[: MAX_SHOWN - 20]}… ({len(shown)} characters)"
            text += f" (found {shown})"
        if self.expected:
            text += f"; expected {self.expected}"
        return text


def nearest_name(name: str, candidates: Iterable[str]) -> str | None:
    """Return the candidate closest to ``name``, if any is close enough.

    >>> nearest_name("boardng", ["boarding", "canteen"])
    'boarding'
    >>> nearest_name("zzz", ["boarding"]) is None
    True
    """
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def suggestion(name: str, candidates: Iterable[str]) -> str:
    """Return ``"; did you mean X?"`` for the nearest candidate, or ``""``."""
    nearest = nearest_name(name, candidates)
    return f"; did you mean {nearest!r}?" if nearest else ""
