"""The fact vocabulary: every kind of fact a unit can carry, and its fields.

Rulebook conditions may only name facts and fields listed here; the facts
file may only use these names. A rulebook that scores a new measure needs the
measure added here first, because the facts file is a contract with the
people who fill it in.
"""

from __future__ import annotations

from enum import Enum


class UnitKind(str, Enum):
    COUNTY_BUREAU = "county_bureau"
    SCHOOL = "school"


class Level(str, Enum):
    KINDERGARTEN = "kindergarten"
    PRIMARY = "primary"
    JUNIOR_MIDDLE = "junior_middle"
    SENIOR_HIGH = "senior_high"
    COMPLETE_MIDDLE = "complete_middle"
    NINE_YEAR = "nine_year"
    TWELVE_YEAR = "twelve_year"
    VOCATIONAL = "vocational"
    SPECIAL = "special"


class IncidentType(str, Enum):
    INJURY = "injury"
    HEALTH = "health"
    MASS_POISONING = "mass_poisoning"
    HOMICIDE = "homicide"
    ROBBERY = "robbery"
    ARSON = "arson"
    BURGLARY = "burglary"
    MASS_FIGHT = "mass_fight"
    COLLAPSE = "collapse"
    FIRE = "fire"
    DISASTER = "disaster"
    OTHER = "other"


class Severity(str, Enum):
    ORDINARY = "ordinary"
    MAJOR = "major"
    ESPECIALLY_MAJOR = "especially_major"


class Level3(str, Enum):
    """Level of a petition or a recognition: city, province or national."""

    CITY = "city"
    PROVINCE = "province"
    NATIONAL = "national"


class RecognitionKind(str, Enum):
    COMMENDATION = "commendation"
    CRITICISM = "criticism"
    WARNING = "warning"


class Person(str, Enum):
    STAFF = "staff"
    STUDENT = "student"


class MeasureType(str, Enum):
    RATE = "rate"
    COUNT = "count"
    BOOLEAN = "boolean"


MEASURES: dict[str, MeasureType] = {
    "director_safety_deployments": MeasureType.COUNT,
    "staff_safety_exam_participation_rate": MeasureType.RATE,
    "safety_education_platform_in_use": MeasureType.BOOLEAN,
    "student_liability_insurance_rate": MeasureType.RATE,
    "teacher_liability_insurance_rate": MeasureType.RATE,
    "student_accident_insurance_rate": MeasureType.RATE,
    "app_download_rate_staff": MeasureType.RATE,
    "app_download_rate_parents": MeasureType.RATE,
    "semester_drills_min": MeasureType.COUNT,
    "safety_awareness_rate": MeasureType.RATE,
    "safety_participation_rate": MeasureType.RATE,
    "grid_platform_usage_rate": MeasureType.RATE,
}

FLAGS: tuple[str, ...] = (
    "six_implementations_done",
    "mass_health_incident",
    "three_prevention_standard_met",
    "liable_harm_case",
    "concealed_incident",
    "assessment_fraud",
    "risk_prevention_sound",
    "dual_prevention_in_place",
)

PROFILE_KEYS: tuple[str, ...] = ("boarding", "canteen", "chemistry_lab", "vehicles")

# Fields that rule conditions may test, per kind of fact. ``name`` and
# ``value`` belong to the named facts (measures, flags, profile keys).
EVENT_FIELDS: dict[str, dict[str, type | type[Enum]]] = {
    "incident": {
        "type": IncidentType,
        "people": int,
        "severity": Severity,
        "liability": bool,
        "deduct": float,
    },
    "petition": {"level": Level3, "group": bool, "bad_influence": bool},
    "recognition": {"kind": RecognitionKind, "level": Level3},
    "conviction": {"person": Person, "severe": bool},
}

NAMED_FACTS: dict[str, tuple[str, ...]] = {
    "measure": tuple(MEASURES),
    "flag": FLAGS,
    "profile": PROFILE_KEYS,
}

FACT_KINDS: tuple[str, ...] = (*EVENT_FIELDS, *NAMED_FACTS)
