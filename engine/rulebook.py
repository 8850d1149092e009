"""The rulebook model: sheets, rules and parameters, loaded from YAML files.

A rulebook is a folder of YAML files (see ``docs/rulebook.md``). Loading
parses each file into the pydantic models below, then checks that the points
add up and that every code a rule names exists. Every number of the notice
lives in these files: the code reads them and contains none of its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal  # noqa: F401 (used by the doctest)
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    field_validator,
)

from engine.errors import RulebookError, RulebookErrors
from engine.validation_errors import errors_from_validation
from facts.documents import Document, DocumentError, load_yaml
from facts.errors import suggestion
from facts.exact import exact_number
from facts.vocabulary import FACT_KINDS, UnitKind


def to_fraction(value: Any) -> Fraction:
    """Convert a number read from YAML (int or Decimal) to an exact Fraction.

    >>> to_fraction(Decimal("0.95"))
    Fraction(19, 20)
    >>> to_fraction(3)
    Fraction(3, 1)
    """
    if isinstance(value, float):
        raise ValueError("expected an exact decimal number")
    return exact_number(value)


def _fraction_text(value: Fraction) -> str | int:
    return value.numerator if value.denominator == 1 else str(value)


Points = Annotated[
    Fraction,
    BeforeValidator(to_fraction),
    PlainSerializer(_fraction_text, return_type=Any),
    WithJsonSchema({"type": "number"}),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


# --- metadata -------------------------------------------------------------


class Period(_Model):
    start: dt.date
    end: dt.date


class Metadata(_Model):
    """The rulebook's identity: its id, the notice it encodes and its dates."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    title: str
    document: str
    issued_by: list[str] = []
    year: int
    assessment_period: Period
    effective: Period | None = None
    derives_from: str | None = None
    covers: list[str] = []
    description: str = ""


# --- sheets ---------------------------------------------------------------


class Part(_Model):
    """A share of an item's points that the notice scores on its own."""

    code: str
    points: Points
    text: str


class Item(_Model):
    """One line of a scoring sheet (考核分项), with its full wording."""

    code: str
    points: Points
    text: str
    parts: list[Part] = []


class Category(_Model):
    """A group of items with a declared total (管理目标)."""

    number: int
    title: str
    total: Points
    items: list[Item]


class Sheet(_Model):
    """A scoring sheet of the notice, scored for the unit kinds it names."""

    id: str
    title: str
    annex: str = ""
    unit_kinds: list[UnitKind]
    total: Points
    categories: list[Category]


# --- conditions -----------------------------------------------------------


class ParamRef(_Model):
    """A reference to a named threshold in the rulebook's parameters."""

    param: str


Scalar = bool | int | Points | str
Value = ParamRef | Scalar


class FieldTest(_Model):
    """A test on one field of a fact; several tests must all hold."""

    eq: Value | None = None
    ne: Value | None = None
    lt: Value | None = None
    le: Value | None = None
    gt: Value | None = None
    ge: Value | None = None
    in_: list[Scalar] | None = Field(None, alias="in")
    not_in: list[Scalar] | None = None
    between: tuple[Value, Value] | None = None

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, arbitrary_types_allowed=True
    )

    def operators(self) -> list[tuple[str, Any]]:
        """List the (operator, operand) pairs that are set, in field order."""
        pairs = []
        for name in ("eq", "ne", "lt", "le", "gt", "ge", "in_", "not_in", "between"):
            operand = getattr(self, name)
            if operand is not None:
                pairs.append((name.rstrip("_"), operand))
        return pairs


class Condition(_Model):
    """A pattern that one fact of a unit must match (or ``count_at_least`` facts).

    ``fact`` is the kind of fact; ``name`` picks a measure, flag or profile
    key; ``where`` maps a field to a value it must equal or to a
    :class:`FieldTest`.
    """

    fact: str
    name: str | None = None
    where: dict[str, FieldTest | Scalar] = {}
    count_at_least: int = Field(1, ge=1, le=8)

    @field_validator("fact")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in FACT_KINDS:
            raise ValueError(
                f"unknown fact kind {value!r}{suggestion(value, FACT_KINDS)} "
                f"(accepted: {', '.join(FACT_KINDS)})"
            )
        return value

    def tests(self) -> list[tuple[str, FieldTest]]:
        """Return the field tests with plain values turned into ``eq`` tests."""
        result = []
        for field_name, test in self.where.items():
            if not isinstance(test, FieldTest):
                test = FieldTest(eq=test)
            result.append((field_name, test))
        return result


# --- rules ----------------------------------------------------------------


class Applicability(_Model):
    """A profile condition under which items are left out (不涉及)."""

    id: str
    when: Condition
    excludes: list[str]
    reason: str = ""


class MeasureRule(_Model):
    """Scores an item or part from a measured fact against its target."""

    id: str
    code: str
    measure: str
    target: Points | bool
    points: Points
    shortfall: Literal["proportional", "all_or_nothing"]
    text: str = ""


class AdjustmentRule(_Model):
    """One case of an adjustment indicator: its points, a veto, or a rejection.

    ``points_from`` takes the points from a number field of the matched fact
    (negated, since indicators that leave the amount to the inspector are
    deductions), which must lie in ``points_range`` in steps of
    ``points_step``. ``reject`` turns a matching fact into an input error
    with that message.
    """

    id: str
    when: Condition
    points: Points | None = None
    points_from: str | None = None
    points_range: tuple[Points, Points] | None = None
    points_step: Points | None = None
    group: str | None = None
    veto: bool = False
    reject: str | None = None
    text: str = ""


class Adjustment(_Model):
    """An adjustment indicator (调控指标) added to a county's sheet percent."""

    code: str
    title: str = ""
    text: str
    unit_kinds: list[UnitKind]
    combine: Literal["sum", "strongest_per_group"] = "sum"
    rules: list[AdjustmentRule]


class VetoRule(_Model):
    id: str
    when: Condition
    text: str = ""


class Veto(_Model):
    """A one-vote veto (一票否决): any firing rule fails the unit."""

    code: str
    text: str
    unit_kinds: list[UnitKind]
    rules: list[VetoRule]


# --- parameters -----------------------------------------------------------


class GradeName(_Model):
    grade: str
    name_zh: str
    name_en: str


class Grade(GradeName):
    at_least: Points


class Parameters(_Model):
    """Every number the notice leaves open, fixed as data."""

    grades: list[Grade]
    failing_grade: GradeName
    county_own_weight: Points
    county_schools_weight: Points
    sample_size: int = Field(ge=1)
    sample_distinct_levels: bool = True
    vetoed_sampled_school: Literal["as_scored", "zero"]
    adjusted_floor: Points | None
    thresholds: dict[str, Points] = {}
    self_score_margin: Points = Fraction(0)
    display_places: int = Field(2, ge=0, le=6)
    warn_unused_facts: list[str] = []


# --- the rulebook ---------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    """The place of a scored code: its sheet, category, item and maximum."""

    code: str
    points: Fraction
    sheet: Sheet
    category: Category
    item: Item
    part: Part | None

    @property
    def is_item(self) -> bool:
        return self.part is None

    @property
    def text(self) -> str:
        return self.part.text if self.part else self.item.text


FILES = {
    "metadata": "rulebook.yaml",
    "parameters": "parameters.yaml",
    "sheets": "sheets.yaml",
    "applicability": "applicability.yaml",
    "measures": "measures.yaml",
    "adjustments": "adjustments.yaml",
    "vetoes": "vetoes.yaml",
}


class RulebookModel(_Model):
    metadata: Metadata
    parameters: Parameters
    sheets: list[Sheet]
    applicability: list[Applicability] = []
    measures: list[MeasureRule] = []
    adjustments: list[Adjustment] = []
    vetoes: list[Veto] = []


class Rulebook:
    """A loaded, checked rulebook with look-ups by code."""

    def __init__(
        self,
        model: RulebookModel,
        folder: Path | None = None,
        documents: dict[str, Document] | None = None,
    ) -> None:
        self.model = model
        self.folder = folder
        self.documents = documents or {}
        self.codes: dict[str, Scored] = {}
        for sheet in model.sheets:
            for category in sheet.categories:
                for item in category.items:
                    self.codes[item.code] = Scored(
                        item.code, item.points, sheet, category, item, None
                    )
                    for part in item.parts:
                        self.codes[part.code] = Scored(
                            part.code, part.points, sheet, category, item, part
                        )
        self.content_hash = _content_hash(model)

    @property
    def id(self) -> str:
        return self.model.metadata.id

    @property
    def metadata(self) -> Metadata:
        return self.model.metadata

    @property
    def parameters(self) -> Parameters:
        return self.model.parameters

    def sheet_for(self, kind: UnitKind) -> Sheet:
        for sheet in self.model.sheets:
            if kind in sheet.unit_kinds:
                return sheet
        raise RulebookError(f"no sheet scores units of kind {kind.value}", code=self.id)

    def codes_of(self, sheet: Sheet) -> list[str]:
        """Return every item and part code of ``sheet`` in sheet order."""
        return [code for code, scored in self.codes.items() if scored.sheet is sheet]

    def threshold(self, name: str) -> Fraction:
        return self.parameters.thresholds[name]

    def locate(
        self, key: str, location: tuple[Any, ...]
    ) -> tuple[str | None, int | None, int | None]:
        """Return (file, line, column) of an entry of the file ``key``."""
        doc = self.documents.get(key)
        if doc is None:
            return (None, None, None)
        position = doc.position(location)
        line, column = position if position else (None, None)
        return (str(doc.path), line, column)


def _content_hash(model: RulebookModel) -> str:
    """Hash the rules and parameters (not samples or test cases) of a rulebook."""
    payload = json.dumps(
        model.model_dump(mode="json", by_alias=True),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


_FILE_MODELS: dict[str, Any] = {
    "metadata": Metadata,
    "parameters": Parameters,
    "sheets": list[Sheet],
    "applicability": list[Applicability],
    "measures": list[MeasureRule],
    "adjustments": list[Adjustment],
    "vetoes": list[Veto],
}


def load_rulebook_folder(folder: Path, *, check: bool = True) -> Rulebook:
    """Load and check the rulebook in ``folder``; raise every mistake found.

    With ``check=False`` only the files' syntax and schema are checked, for
    a caller that runs :func:`engine.checks.check_rulebook` itself to see
    its warnings as well as its errors.
    """
    from engine.checks import check_rulebook  # checks import this module

    if not folder.is_dir():
        raise RulebookError("rulebook folder not found", file=folder)
    errors: list[RulebookError] = []
    documents: dict[str, Document] = {}
    parts: dict[str, Any] = {}
    for key, name in FILES.items():
        path = folder / name
        if not path.exists():
            if key in ("metadata", "parameters", "sheets"):
                errors.append(RulebookError(f"missing file {name}", file=folder))
            continue
        try:
            doc = load_yaml(path)
        except DocumentError as error:
            errors.append(
                RulebookError(
                    str(error).split(": ", 1)[-1],
                    file=error.path,
                    line=error.line,
                    column=error.column,
                )
            )
            continue
        documents[key] = doc
        if doc.data is None and key in ("metadata", "parameters"):
            errors.append(
                RulebookError(
                    f"{name} is empty; expected a mapping of its fields "
                    "(see docs/rulebook.md)",
                    file=path,
                )
            )
            continue
        parts[key] = doc.data if doc.data is not None else []
    if errors:
        raise RulebookErrors(errors)

    from pydantic import TypeAdapter

    validated: dict[str, Any] = {}
    for key, data in parts.items():
        spec = _FILE_MODELS[key]
        try:
            validated[key] = TypeAdapter(spec).validate_python(data)
        except ValidationError as error:
            errors.extend(errors_from_validation(error, documents[key], spec))
    if errors:
        raise RulebookErrors(errors)

    model = RulebookModel(**validated)
    rulebook = Rulebook(model, folder, documents)
    if not check:
        return rulebook
    problems = [finding for finding in check_rulebook(rulebook) if finding.is_error]
    if problems:
        raise RulebookErrors([finding.as_error() for finding in problems])
    return rulebook


def bundled_rules_folder() -> Path:
    """Return the folder that contains the rulebooks shipped with the product."""
    import rules

    return Path(rules.__file__).parent
