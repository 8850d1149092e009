"""Errors raised while loading a rulebook or evaluating units."""

from __future__ import annotations

from pathlib import Path

from facts.errors import XiaoanError


class RulebookError(XiaoanError, ValueError):
    """A rulebook that is malformed or whose numbers do not add up.

    The message names the file, the line and column where known, the rule or
    item id, what was found and what is accepted.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        code: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.code = code
        super().__init__(self.message)

    @property
    def message(self) -> str:
        place = self.file or ""
        if self.file and self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        if self.code:
            place = f"{place} ({self.code})" if place else self.code
        return f"{place}: {self.problem}" if place else self.problem


class RulebookErrors(RulebookError):
    """Several rulebook mistakes found in one check, reported together."""

    def __init__(self, errors: list[RulebookError]) -> None:
        self.errors = errors
        super().__init__("\n".join(error.message for error in errors))

    @property
    def message(self) -> str:
        return "\n".join(error.message for error in self.errors)


class EngineError(XiaoanError, RuntimeError):
    """The rule engine failed or returned a state that cannot be trusted."""
