"""Shared fixtures: the bundled rulebook, one engine, and builders of good units.

A good unit has every measure at its target, every flag on the side that
fires no veto and (for a school) a profile in which every item applies, so
that it scores full marks with no warning. A test states only what it
changes. A mapping in a change is merged key by key, and ``None`` removes a
key: ``measures={"grid_platform_usage_rate": None}`` leaves the measure out.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from engine.evaluate import Engine
from engine.library import load_rulebook
from engine.result import Evaluation, UnitError, UnitResult
from engine.rulebook import Rulebook
from facts.readers import facts_from_data

RULEBOOK_ID = "cangzhou-2020"
FIXTURES = Path(__file__).parent / "fixtures"

GOOD_COUNTY: dict[str, Any] = {
    "name": "测试县教育局",
    "kind": "county_bureau",
    "measures": {
        "director_safety_deployments": 4,
        "staff_safety_exam_participation_rate": Decimal("1.00"),
        "safety_education_platform_in_use": True,
        "student_liability_insurance_rate": Decimal("1.00"),
        "teacher_liability_insurance_rate": Decimal("1.00"),
        "student_accident_insurance_rate": Decimal("0.50"),
        "grid_platform_usage_rate": Decimal("1.00"),
    },
    "flags": {"dual_prevention_in_place": True},
}

GOOD_SCHOOL: dict[str, Any] = {
    "name": "测试学校",
    "kind": "school",
    "level": "primary",
    "profile": {
        "boarding": True,
        "canteen": True,
        "chemistry_lab": True,
        "vehicles": True,
    },
    "measures": {
        "app_download_rate_staff": Decimal("1.00"),
        "app_download_rate_parents": Decimal("1.00"),
        "semester_drills_min": 1,
        "safety_awareness_rate": Decimal("0.95"),
        "safety_participation_rate": Decimal("0.95"),
        "grid_platform_usage_rate": Decimal("1.00"),
    },
    "flags": {
        "six_implementations_done": True,
        "mass_health_incident": False,
        "three_prevention_standard_met": True,
        "liable_harm_case": False,
        "concealed_incident": False,
        "assessment_fraud": False,
        "risk_prevention_sound": True,
        "dual_prevention_in_place": True,
    },
}

# Five different levels, as the sampling plan requires.
SAMPLE_LEVELS = (
    "kindergarten",
    "primary",
    "junior_middle",
    "senior_high",
    "vocational",
)


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def county(unit_id: str = "county-a", **changes: Any) -> dict[str, Any]:
    """Return the facts of a good county bureau with ``changes`` applied."""
    return _merge({"id": unit_id, **GOOD_COUNTY}, changes)


def school(unit_id: str = "school-a", **changes: Any) -> dict[str, Any]:
    """Return the facts of a good city-direct school with ``changes`` applied."""
    return _merge({"id": unit_id, **GOOD_SCHOOL}, changes)


def sampled_schools(county_id: str, count: int = 5) -> list[dict[str, Any]]:
    """Return ``count`` good sampled schools of ``county_id``, of different levels."""
    return [
        school(
            f"{county_id}-s{index + 1}",
            county=county_id,
            sampled=True,
            level=SAMPLE_LEVELS[index % len(SAMPLE_LEVELS)],
        )
        for index in range(count)
    ]


class Evaluator:
    """Evaluates unit facts built in a test with the real engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def run(self, *units: dict[str, Any], file: str = "test.yaml") -> Evaluation:
        """Validate ``units`` as one facts file and evaluate them."""
        data = {"rulebook": RULEBOOK_ID, "units": list(units)}
        return self.engine.evaluate(facts_from_data(data, Path(file)))

    def school(self, **changes: Any) -> UnitResult:
        """Evaluate one city-direct school; fail the test on any error."""
        return self.only(self.run(school(**changes)), "school-a")

    def county(
        self, schools: list[dict[str, Any]] | None = None, **changes: Any
    ) -> UnitResult:
        """Evaluate one county with five good sampled schools (or ``schools``)."""
        if schools is None:
            schools = sampled_schools("county-a")
        evaluation = self.run(county(**changes), *schools)
        return self.only(evaluation, "county-a")

    @staticmethod
    def only(evaluation: Evaluation, unit_id: str) -> UnitResult:
        assert evaluation.errors == [], [error.message for error in evaluation.errors]
        return result_of(evaluation, unit_id)

    def error(self, *units: dict[str, Any]) -> UnitError:
        """Evaluate ``units`` and return the one error expected."""
        evaluation = self.run(*units)
        assert len(evaluation.errors) == 1, evaluation.errors
        return evaluation.errors[0]


def result_of(evaluation: Evaluation, unit_id: str) -> UnitResult:
    """Return the result of ``unit_id``; fail the test if it is missing."""
    found = [result for result in evaluation.results if result.unit == unit_id]
    assert len(found) == 1, f"{unit_id} has {len(found)} results"
    return found[0]


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return load_rulebook(RULEBOOK_ID)


@pytest.fixture(scope="session")
def engine(rulebook: Rulebook) -> Engine:
    return Engine(rulebook)


class UnitFacts:
    """Builders of good unit facts, for tests that assemble their own inputs."""

    county = staticmethod(county)
    school = staticmethod(school)
    sampled_schools = staticmethod(sampled_schools)


@pytest.fixture
def evaluate(engine: Engine) -> Iterator[Evaluator]:
    yield Evaluator(engine)


@pytest.fixture
def make() -> UnitFacts:
    return UnitFacts()
