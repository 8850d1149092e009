"""Pydantic models of the facts file: units and what was found there.

These models check the shape of each fact (types, ranges, known names) and
know nothing of any rulebook: whether an item code exists is checked by the
engine against the rulebook in use.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from facts.exact import exact_number
from facts.vocabulary import (
    IncidentType,
    Level,
    Level3,
    Person,
    RecognitionKind,
    Severity,
    UnitKind,
)

HALF = Fraction(1, 2)


def _whole_number(value: Any) -> int:
    number = exact_number(value)
    if number.denominator != 1:
        raise ValueError("expected a whole number")
    return int(number)


def _serialize_number(value: Fraction) -> Any:
    if value.denominator == 1:
        return value.numerator
    return float(value)


Number = Annotated[
    Fraction,
    BeforeValidator(exact_number),
    PlainSerializer(_serialize_number, return_type=Any),
    WithJsonSchema({"type": "number"}),
]
Count = Annotated[int, BeforeValidator(_whole_number), Field(ge=0)]


def _not_negative(value: Fraction) -> Fraction:
    if value < 0:
        raise ValueError("expected points of 0 or more")
    return value


SelfScore = Annotated[Number, AfterValidator(_not_negative)]


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class Finding(_Fact):
    """An inspector's deduction (扣分) on one item or part."""

    id: str | None = None
    item: str
    deduct: Number
    note: str = ""

    @field_validator("deduct")
    @classmethod
    def _half_steps(cls, value: Fraction) -> Fraction:
        if value <= 0:
            raise ValueError("expected a positive number of points")
        if (value / HALF).denominator != 1:
            raise ValueError("expected points in steps of 0.5")
        return value


class Incident(_Fact):
    """An accident or case at the unit, or, for a county, at its schools."""

    id: str
    type: IncidentType
    people: Count = 0
    severity: Severity = Severity.ORDINARY
    liability: StrictBool = False
    deduct: Number | None = None
    note: str = ""


class Petition(_Fact):
    """A petition (上访) caused by a school liability accident."""

    id: str
    level: Level3
    group: StrictBool = False
    bad_influence: StrictBool = False
    note: str = ""


class Recognition(_Fact):
    """A commendation, criticism or notified warning (通报警示)."""

    id: str
    kind: RecognitionKind
    level: Level3
    note: str = ""


class Conviction(_Fact):
    """A staff member or student convicted and punished."""

    id: str
    person: Person
    severe: StrictBool = False
    note: str = ""


def _rate_value(value: Any) -> Fraction:
    number = exact_number(value)
    if not 0 <= number <= 1:
        raise ValueError("expected a rate between 0 and 1")
    return number


RateValue = Annotated[
    Fraction,
    BeforeValidator(_rate_value),
    PlainSerializer(_serialize_number, return_type=Any),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1}),
]


class Measures(_Fact):
    """Measured facts: rates in 0…1, counts, and yes/no measures."""

    director_safety_deployments: Count | None = None
    staff_safety_exam_participation_rate: RateValue | None = None
    safety_education_platform_in_use: StrictBool | None = None
    student_liability_insurance_rate: RateValue | None = None
    teacher_liability_insurance_rate: RateValue | None = None
    student_accident_insurance_rate: RateValue | None = None
    app_download_rate_staff: RateValue | None = None
    app_download_rate_parents: RateValue | None = None
    semester_drills_min: Count | None = None
    safety_awareness_rate: RateValue | None = None
    safety_participation_rate: RateValue | None = None
    grid_platform_usage_rate: RateValue | None = None


class Flags(_Fact):
    """Named yes/no facts that trigger vetoes."""

    six_implementations_done: StrictBool | None = None
    mass_health_incident: StrictBool | None = None
    three_prevention_standard_met: StrictBool | None = None
    liable_harm_case: StrictBool | None = None
    concealed_incident: StrictBool | None = None
    assessment_fraud: StrictBool | None = None
    risk_prevention_sound: StrictBool | None = None
    dual_prevention_in_place: StrictBool | None = None


class Profile(_Fact):
    """The school's facilities; an absent key leaves its items in."""

    boarding: StrictBool | None = None
    canteen: StrictBool | None = None
    chemistry_lab: StrictBool | None = None
    vehicles: StrictBool | None = None


class Hazard(_Fact):
    """A hidden danger (安全隐患) found, for the rectification register."""

    id: str
    item: str | None = None
    description: str = ""
    found: dt.date
    deadline: dt.date | None = None
    rectified: dt.date | None = None
    note: str = ""

    @model_validator(mode="after")
    def _dates_in_order(self) -> Hazard:
        if self.deadline is not None and self.deadline < self.found:
            raise ValueError(f"deadline {self.deadline} is before found {self.found}")
        if self.rectified is not None and self.rectified < self.found:
            raise ValueError(f"rectified {self.rectified} is before found {self.found}")
        return self


class Unit(_Fact):
    """A county education bureau or a school, with every fact about it."""

    id: str = Field(min_length=1)
    name: str = ""
    kind: UnitKind
    county: str | None = None
    level: Level | None = None
    sampled: StrictBool = False
    profile: Profile = Profile()
    findings: list[Finding] = []
    not_applicable: list[str] = []
    measures: Measures = Measures()
    incidents: list[Incident] = []
    petitions: list[Petition] = []
    recognitions: list[Recognition] = []
    convictions: list[Conviction] = []
    flags: Flags = Flags()
    self_scores: dict[str, SelfScore] = {}
    hazards: list[Hazard] = []
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _empty_blocks(cls, data: Any) -> Any:
        """Read a block written with nothing under it (``findings:``) as empty."""
        if isinstance(data, dict):
            blocks = (
                "profile",
                "findings",
                "not_applicable",
                "measures",
                "incidents",
                "petitions",
                "recognitions",
                "convictions",
                "flags",
                "self_scores",
                "hazards",
            )
            data = {
                key: value
                for key, value in data.items()
                if not (key in blocks and value is None)
            }
        return data

    @field_validator("id")
    @classmethod
    def _plain_id(cls, value: str) -> str:
        if value != value.strip() or any(ch in value for ch in "\n\t"):
            raise ValueError("expected an id without surrounding spaces or line breaks")
        return value

    @field_validator("incidents", "petitions", "recognitions", "convictions", "hazards")
    @classmethod
    def _unique_ids(cls, entries: list[Any], info: ValidationInfo) -> list[Any]:
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            if entry.id in seen:
                raise ValueError(
                    f"duplicate id {entry.id!r} at {info.field_name}[{index}]; "
                    "ids must be unique within the unit"
                )
            seen.add(entry.id)
        return entries

    @model_validator(mode="after")
    def _consistent(self) -> Unit:
        if self.kind is UnitKind.COUNTY_BUREAU:
            if self.county is not None:
                raise ValueError(
                    "a county bureau cannot belong to a county; remove the county field"
                )
            if self.level is not None:
                raise ValueError(
                    "a county bureau has no school level; remove the level field"
                )
        self._check_ids_across_lists()
        return self

    def _check_ids_across_lists(self) -> None:
        """Reject an id used by two facts of the unit, such as incident and petition X1."""
        seen: dict[str, str] = {}
        lists = ("findings", "incidents", "petitions", "recognitions", "convictions")
        for name in lists:
            for index, entry in enumerate(getattr(self, name)):
                if entry.id is None:
                    continue
                place = f"{name}[{index}]"
                if entry.id in seen:
                    raise ValueError(
                        f"duplicate id {entry.id!r} at {place}, already used at "
                        f"{seen[entry.id]}; ids must be unique within the unit"
                    )
                seen[entry.id] = place


class SampleRecord(_Fact):
    """The audit record of how the sampled schools of a facts file were drawn."""

    seed: int
    roster: str = ""
    roster_hash: str = ""
    drawn_at: str = ""
    note: str = ""


class FactsFile(_Fact):
    """The top level of a facts file."""

    rulebook: str | None = None
    units: list[Any]
    sample: SampleRecord | None = None
    note: str = ""
