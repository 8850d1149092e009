"""Generate synthetic facts for benchmarks: counties, their schools, city schools.

The mix follows a province: every county has five sampled schools of
different levels and many schools that were not sampled; a share of the
units carry findings, incidents, missing measures and facts that veto.
Numbers are written as decimal text so that the facts read back exactly.
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction
from typing import Any

from engine.rulebook import Rulebook
from facts.vocabulary import Level, UnitKind

LEVELS = [level.value for level in Level]
SCHOOL_FLAGS_TRUE = (
    "six_implementations_done",
    "three_prevention_standard_met",
    "risk_prevention_sound",
    "dual_prevention_in_place",
)
SCHOOL_FLAGS_FALSE = (
    "mass_health_incident",
    "liable_harm_case",
    "concealed_incident",
    "assessment_fraud",
)
COUNTY_MEASURES = {
    "director_safety_deployments": "count",
    "staff_safety_exam_participation_rate": "rate",
    "safety_education_platform_in_use": "boolean",
    "student_liability_insurance_rate": "rate",
    "teacher_liability_insurance_rate": "rate",
    "student_accident_insurance_rate": "rate",
    "grid_platform_usage_rate": "rate",
}
SCHOOL_MEASURES = {
    "app_download_rate_staff": "rate",
    "app_download_rate_parents": "rate",
    "semester_drills_min": "count",
    "safety_awareness_rate": "rate",
    "safety_participation_rate": "rate",
    "grid_platform_usage_rate": "rate",
}
DEDUCTED_TYPES = ("homicide", "mass_fight", "collapse", "fire", "other")


def generate(
    rulebook: Rulebook, units: int, seed: int = 2020, schools_per_county: int = 200
) -> dict[str, Any]:
    """Return a facts document of ``units`` units, about 2% of them city schools."""
    rng = random.Random(seed)
    leaves = {
        kind: _leaf_codes(rulebook, kind)
        for kind in (UnitKind.COUNTY_BUREAU, UnitKind.SCHOOL)
    }
    documents: list[dict[str, Any]] = []
    city_schools = max(1, units // 50)
    county_units = units - city_schools
    counties = max(1, round(county_units / (schools_per_county + 1)))
    per_county = [county_units // counties] * counties
    for index in range(county_units % counties):
        per_county[index] += 1

    for number, size in enumerate(per_county, start=1):
        county_id = f"county-{number:04d}"
        documents.append(_county(rng, county_id, number, leaves))
        for school in range(1, size):
            sampled = school <= rulebook.parameters.sample_size
            level = (
                LEVELS[school - 1]
                if sampled and school <= len(LEVELS)
                else rng.choice(LEVELS)
            )
            documents.append(
                _school(
                    rng,
                    f"{county_id}-s{school:04d}",
                    county_id,
                    level,
                    sampled,
                    leaves,
                )
            )
    for school in range(1, city_schools + 1):
        documents.append(
            _school(rng, f"city-s{school:04d}", None, rng.choice(LEVELS), False, leaves)
        )
    return {"rulebook": rulebook.id, "units": documents}


def _leaf_codes(rulebook: Rulebook, kind: UnitKind) -> list[tuple[str, Fraction]]:
    sheet = rulebook.sheet_for(kind)
    return [
        (code, rulebook.codes[code].points)
        for code in rulebook.codes_of(sheet)
        if not (rulebook.codes[code].is_item and rulebook.codes[code].item.parts)
    ]


def _findings(
    rng: random.Random, leaves: list[tuple[str, Fraction]]
) -> list[dict[str, Any]]:
    findings = []
    for index in range(rng.choice((0, 1, 2, 2, 3, 4, 6))):
        code, points = rng.choice(leaves)
        steps = int(min(points, Fraction(3)) * 2)
        deduct = Decimal(rng.randint(1, steps)) / 2
        findings.append(
            {"id": f"F{index + 1}", "item": code, "deduct": deduct, "note": "现场检查"}
        )
    return findings


def _measures(rng: random.Random, kinds: dict[str, str]) -> dict[str, Any]:
    measures: dict[str, Any] = {}
    for name, kind in kinds.items():
        if rng.random() < 0.04:
            continue  # a missing measure earns 0 with a warning
        if kind == "count":
            measures[name] = rng.choice((0, 1, 2, 3, 4, 5, 6))
        elif kind == "boolean":
            measures[name] = rng.random() < 0.9
        elif name == "grid_platform_usage_rate" and rng.random() < 0.02:
            measures[name] = Decimal("0.85")  # below the veto threshold
        else:
            measures[name] = Decimal(rng.randint(8000, 10000)) / 10000
    return measures


def _county(
    rng: random.Random,
    county_id: str,
    number: int,
    leaves: dict[UnitKind, list[tuple[str, Fraction]]],
) -> dict[str, Any]:
    unit: dict[str, Any] = {
        "id": county_id,
        "name": f"第{number}县教育局",
        "kind": "county_bureau",
        "findings": _findings(rng, leaves[UnitKind.COUNTY_BUREAU]),
        "measures": _measures(rng, COUNTY_MEASURES),
        "flags": {"dual_prevention_in_place": rng.random() < 0.97},
    }
    incidents = []
    for index in range(rng.choice((0, 0, 1, 2))):
        if rng.random() < 0.5:
            incident: dict[str, Any] = {
                "id": f"I{index + 1}",
                "type": rng.choice(("injury", "health")),
                "people": rng.randint(1, 25),
            }
        else:
            incident = {
                "id": f"I{index + 1}",
                "type": rng.choice(DEDUCTED_TYPES),
                "deduct": Decimal(rng.randint(20, 40)) / 2,
            }
        if rng.random() < 0.03:
            incident["severity"] = "major"
        incidents.append(incident)
    unit["incidents"] = incidents
    unit["petitions"] = [
        {
            "id": f"P{index + 1}",
            "level": rng.choice(("city", "province", "national")),
            "group": rng.random() < 0.2,
        }
        for index in range(rng.choice((0, 0, 0, 1, 2)))
    ]
    unit["recognitions"] = [
        {
            "id": f"R{index + 1}",
            "kind": rng.choice(("commendation", "commendation", "criticism")),
            "level": rng.choice(("city", "province", "national")),
        }
        for index in range(rng.choice((0, 1, 1, 2)))
    ]
    unit["convictions"] = [
        {"id": "K1", "person": rng.choice(("staff", "student"))}
        for _ in range(1 if rng.random() < 0.1 else 0)
    ]
    if rng.random() < 0.3:
        codes = [code for code, _ in leaves[UnitKind.COUNTY_BUREAU]]
        unit["self_scores"] = {
            code: rulebook_points
            for code, rulebook_points in (
                (code, _points(leaves[UnitKind.COUNTY_BUREAU], code))
                for code in rng.sample(codes, 4)
            )
        }
    if rng.random() < 0.3:
        unit["hazards"] = _hazards(rng)
    return unit


def _school(
    rng: random.Random,
    school_id: str,
    county: str | None,
    level: str,
    sampled: bool,
    leaves: dict[UnitKind, list[tuple[str, Fraction]]],
) -> dict[str, Any]:
    flags = {name: True for name in SCHOOL_FLAGS_TRUE}
    flags.update({name: False for name in SCHOOL_FLAGS_FALSE})
    if rng.random() < 0.02:
        name = rng.choice((*SCHOOL_FLAGS_TRUE, *SCHOOL_FLAGS_FALSE))
        flags[name] = not flags[name]  # a veto
    unit: dict[str, Any] = {
        "id": school_id,
        "name": f"{school_id} 学校",
        "kind": "school",
        "level": level,
        "profile": {
            "boarding": rng.random() < 0.3,
            "canteen": rng.random() < 0.7,
            "chemistry_lab": level not in ("kindergarten", "primary"),
            "vehicles": rng.random() < 0.1,
        },
        "findings": _findings(rng, leaves[UnitKind.SCHOOL]),
        "measures": _measures(rng, SCHOOL_MEASURES),
        "flags": flags,
    }
    if county is not None:
        unit["county"] = county
        unit["sampled"] = sampled
    if rng.random() < 0.05:
        unit["incidents"] = [
            {
                "id": "I1",
                "type": rng.choice(("injury", "fire", "other")),
                "people": rng.randint(0, 3),
                "liability": rng.random() < 0.3,
            }
        ]
    if rng.random() < 0.2:
        unit["self_scores"] = {
            code: _points(leaves[UnitKind.SCHOOL], code)
            for code in rng.sample([code for code, _ in leaves[UnitKind.SCHOOL]], 5)
        }
    if rng.random() < 0.1:
        unit["hazards"] = _hazards(rng)
    return unit


def _points(leaves: list[tuple[str, Fraction]], code: str) -> int | Decimal:
    points = dict(leaves)[code]
    if points.denominator == 1:
        return int(points)
    return Decimal(points.numerator) / points.denominator


def _hazards(rng: random.Random) -> list[dict[str, Any]]:
    hazards = []
    for index in range(rng.randint(1, 3)):
        found = f"2020-12-{rng.randint(10, 20):02d}"
        hazard: dict[str, Any] = {
            "id": f"H{index + 1}",
            "description": "消防通道堵塞",
            "found": found,
            "deadline": f"2020-12-{rng.randint(21, 31):02d}",
        }
        if rng.random() < 0.5:
            hazard["rectified"] = f"2020-12-{rng.randint(21, 31):02d}"
        hazards.append(hazard)
    return hazards
