"""Condition analysis: which conditions can never fire, and which overlap."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from engine.conditions import can_match_same_fact, empty_field
from engine.rulebook import Condition

THRESHOLDS = {"grid_platform_usage": Fraction(9, 10)}


def condition(fact: str, name: str | None = None, **where: Any) -> Condition:
    return Condition.model_validate({"fact": fact, "name": name, "where": where})


@pytest.mark.parametrize(
    ("label", "dead"),
    [
        ("people lt 1 and ge 5", condition("incident", people={"lt": 1, "ge": 5})),
        ("people gt 0 and lt 1", condition("incident", people={"gt": 0, "lt": 1})),
        ("people lt 0", condition("incident", people={"lt": 0})),
        ("reversed between", condition("incident", people={"between": [10, 1]})),
        ("empty in list", condition("incident", type={"in": []})),
        (
            "type in and not_in",
            condition("incident", type={"in": ["fire"], "not_in": ["fire"]}),
        ),
        ("eq and ne", condition("petition", group={"eq": True, "ne": True})),
        (
            "rate above one",
            condition("measure", "grid_platform_usage_rate", value={"gt": 1}),
        ),
        (
            "rate below parameter and above 0.95",
            condition(
                "measure",
                "grid_platform_usage_rate",
                value={"lt": {"param": "grid_platform_usage"}, "ge": "0.95"},
            ),
        ),
        ("ne the only value", condition("incident", people={"eq": 3, "ne": 3})),
    ],
)
def test_condition_never_fires(label: str, dead: Condition) -> None:
    assert empty_field(dead, THRESHOLDS) is not None, label


@pytest.mark.parametrize(
    ("label", "live"),
    [
        ("people between 1 and 10", condition("incident", people={"between": [1, 10]})),
        ("people ge 31", condition("incident", people={"ge": 31})),
        (
            "deduct between 10 and 20",
            condition("incident", deduct={"between": [10, 20]}),
        ),
        (
            "rate below parameter",
            condition(
                "measure",
                "grid_platform_usage_rate",
                value={"lt": {"param": "grid_platform_usage"}},
            ),
        ),
        ("unknown parameter", condition("incident", people={"lt": {"param": "nope"}})),
        ("type not_in", condition("incident", type={"not_in": ["injury", "health"]})),
        ("flag false", condition("flag", "dual_prevention_in_place", value=False)),
        ("people in list", condition("incident", people={"in": [1, 5]})),
    ],
)
def test_condition_can_fire(label: str, live: Condition) -> None:
    assert empty_field(live, THRESHOLDS) is None, label


def test_touching_bands_overlap() -> None:
    low = condition("incident", people={"between": [1, 10]})
    high = condition("incident", people={"between": [10, 20]})
    assert can_match_same_fact(low, high, THRESHOLDS)


def test_adjacent_bands_separate() -> None:
    low = condition("incident", people={"between": [1, 10]})
    high = condition("incident", people={"between": [11, 20]})
    assert not can_match_same_fact(low, high, THRESHOLDS)


def test_whole_numbers_separate_open_bands() -> None:
    low = condition("incident", people={"lt": 11})
    high = condition("incident", people={"gt": 10})
    assert not can_match_same_fact(low, high, THRESHOLDS)


def test_decimal_bounds_overlap_for_rates() -> None:
    low = condition("measure", "safety_awareness_rate", value={"le": "0.5"})
    high = condition("measure", "safety_awareness_rate", value={"ge": "0.5"})
    assert can_match_same_fact(low, high, THRESHOLDS)


def test_named_values_separate() -> None:
    bands = condition("incident", type={"in": ["injury", "health"]})
    others = condition("incident", type={"not_in": ["injury", "health"]})
    assert not can_match_same_fact(bands, others, THRESHOLDS)


def test_untested_field_overlaps() -> None:
    by_level = condition("petition", level="city")
    by_group = condition("petition", group=True)
    assert can_match_same_fact(by_level, by_group, THRESHOLDS)


def test_different_facts_never_overlap() -> None:
    petition = condition("petition", level="city")
    recognition = condition("recognition", level="city")
    assert not can_match_same_fact(petition, recognition, THRESHOLDS)


def test_different_names_never_overlap() -> None:
    first = condition("flag", "assessment_fraud", value=True)
    second = condition("flag", "concealed_incident", value=True)
    assert not can_match_same_fact(first, second, THRESHOLDS)
