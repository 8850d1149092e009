"""The guards against the traps of durable-rules 2.0.28, each shown to work.

Where it is cheap, a test also shows the trap itself on a bare host, so
that a guard which stops being needed (or a trap that changes) is noticed.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import random
import string
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from durable.engine import MessageNotHandledException, MessageObservedException

from engine.assertions import unit_facts
from engine.compiler import CATCH_ALL_RULE, MAX_RULES_PER_KIND, compile_rulebook
from engine.errors import EngineError
from engine.evaluate import Engine
from engine.rulebook import Rulebook
from engine.session import (
    END_FACT_ID,
    END_RULE,
    RuleHost,
    _check_distinct_ids,
    _check_state,
    fnv1a_32,
)
from facts.models import Unit
from facts.readers import facts_from_data
from facts.vocabulary import UnitKind

if TYPE_CHECKING:
    from conftest import Evaluator, UnitFacts


@functools.cache
def colliding_ids() -> tuple[str, str]:
    """Find two different ASCII ids with the same 32-bit FNV-1a hash.

    A birthday search over random eight-character ids finds a pair after
    about 80,000 ids on average; the fixed seed makes the search repeatable.
    """
    generator = random.Random(2020)
    alphabet = string.ascii_letters + string.digits
    seen: dict[int, str] = {}
    for _ in range(400_000):
        text = "".join(generator.choice(alphabet) for _ in range(8))
        digest = fnv1a_32(text)
        if digest in seen and seen[digest] != text:
            return seen[digest], text
        seen[digest] = text
    raise AssertionError("no FNV-1a collision among 400,000 ids")


def bare_host(ruleset: dict[str, Any], name: str = "bare") -> RuleHost:
    """Register ``ruleset`` on a new host that has none of the session's guards."""
    host = RuleHost()
    host.register_rulesets({name: copy.deepcopy(ruleset)})
    return host


def school_unit(make: UnitFacts, **changes: Any) -> Unit:
    return Unit.model_validate(make.school(**changes))


# --- a fact that no rule matches ------------------------------------------------


def test_unmatched_fact_does_not_raise(evaluate: Evaluator) -> None:
    """A profile key that is true matches no rule but the catch-all."""
    result = evaluate.school(findings=[{"id": "F1", "item": "S1.1", "deduct": 1}])
    profile = [r for r in result.facts.values() if r.key == "profile:canteen"]
    assert len(profile) == 1
    assert profile[0].fields["value"] is True
    assert [firing.facts for firing in result.firings] == [("finding:F1",)]
    assert result.items["S1.1"] == 1


def test_catch_all_rule_needed(rulebook: Rulebook, make: UnitFacts) -> None:
    """Without the catch-all rule, the same batch raises and no action runs."""
    ruleset = compile_rulebook(rulebook)[UnitKind.SCHOOL]
    definition = copy.deepcopy(ruleset.definition)
    catch_all = [
        name for name, rule in ruleset.rules.items() if rule.rule_id == CATCH_ALL_RULE
    ]
    assert len(catch_all) == 1
    del definition[catch_all[0]]
    host = bare_host(definition, "without-catch-all")
    recorder: list[Any] = []
    host._recorder = recorder

    unit = school_unit(make, findings=[{"item": "S1.1", "deduct": 1}])
    facts, _ = unit_facts(unit, ruleset)
    assert any(fact["fact"] == "profile" for fact in facts)
    with pytest.raises(MessageNotHandledException):
        host.assert_facts("without-catch-all", [{**f, "sid": "s1"} for f in facts])
    # The finding's rule matched, but its action never ran.
    assert recorder == []


# --- the same fact content twice --------------------------------------------------


def test_identical_findings_both_counted(evaluate: Evaluator) -> None:
    finding = {"item": "S3.1", "deduct": 1, "note": "灭火器过期"}
    result = evaluate.school(findings=[finding, dict(finding)])
    deductions = [f for f in result.firings if f.rule == "finding"]
    assert len(deductions) == 2
    # S3.1 is worth 4: 4 − 1 − 1 = 2
    assert result.items["S3.1"] == 2


def test_identical_content_is_observed_trap() -> None:
    """Two facts with the same content are rejected, which is why each has an id."""
    host = bare_host({"r0": {"all": [{"m": {"fact": "x"}}], "run": END_RULE}})
    fact = {"fact": "x", "sid": "s1"}
    with pytest.raises(MessageObservedException):
        host.assert_facts("bare", [fact, dict(fact)])


# --- 32-bit FNV-1a ids ----------------------------------------------------------


def test_fnv1a_known_values() -> None:
    # The FNV-1a 32-bit offset basis, and the hashes of "a" and "foobar".
    assert fnv1a_32("") == 0x811C9DC5
    assert fnv1a_32("a") == 0xE40C292C
    assert fnv1a_32("foobar") == 0xBF9CF968


def test_fnv1a_matches_durable_hash() -> None:
    """Two ids that collide under fnv1a_32 are taken as one fact by durable-rules."""
    first, second = colliding_ids()
    assert first != second
    assert fnv1a_32(first) == fnv1a_32(second)

    rule = {"r0": {"all": [{"m": {"fact": "x"}}], "run": END_RULE}}
    host = bare_host(rule)
    distinct = [
        {"id": first, "fact": "x", "sid": "s1"},
        {"id": "other", "fact": "x", "sid": "s1"},
    ]
    assert fnv1a_32(first) != fnv1a_32("other")
    host.assert_facts("bare", distinct)

    host = bare_host(rule)
    colliding = [
        {"id": first, "fact": "x", "sid": "s1"},
        {"id": second, "fact": "x", "sid": "s1"},
    ]
    with pytest.raises(MessageObservedException):
        host.assert_facts("bare", colliding)


def test_colliding_ids_rejected() -> None:
    first, second = colliding_ids()
    with pytest.raises(EngineError, match="32-bit hash") as raised:
        _check_distinct_ids([{"id": first}, {"id": "f1"}, {"id": second}])
    assert first in str(raised.value)
    assert second in str(raised.value)


def test_engine_ids_collision_free() -> None:
    ids = [f"f{index}" for index in range(100_000)] + [END_FACT_ID]
    assert len({fnv1a_32(fact_id) for fact_id in ids}) == len(ids)


# --- exceptions inside actions -----------------------------------------------------


def test_action_exception_fails_unit(
    rulebook: Rulebook, make: UnitFacts, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = RuleHost.get_action

    def failing_action(self: RuleHost, action_name: str) -> Any:
        if action_name == END_RULE:
            return original(self, action_name)

        def fail(closure: Any) -> None:
            raise RuntimeError("recorder failed on purpose")

        return fail

    # Actions are looked up when rules are registered, so patch before.
    monkeypatch.setattr(RuleHost, "get_action", failing_action)
    engine = Engine(rulebook)
    data = {
        "units": [
            make.school("a", findings=[{"item": "S1.1", "deduct": 1}]),
            make.school("b"),
        ]
    }
    evaluation = engine.evaluate(facts_from_data(data, Path("actions.yaml")))
    assert [error.unit for error in evaluation.errors] == ["a"]
    assert "a rule action failed" in evaluation.errors[0].message
    assert "recorder failed on purpose" in evaluation.errors[0].message
    # A unit on which no rule of the rulebook fires is still evaluated.
    assert [result.unit for result in evaluation.results] == ["b"]


# --- sessions -------------------------------------------------------------------


def test_state_of_other_session_rejected() -> None:
    with pytest.raises(EngineError, match="session 's2' for session 's1'"):
        _check_state({"sid": "s2", "id": "sid-s2"}, "s1")


def test_missing_state_rejected() -> None:
    with pytest.raises(EngineError, match="no state"):
        _check_state(None, "s1")


def test_swallowed_exception_rejected() -> None:
    with pytest.raises(EngineError, match="a rule action failed: boom"):
        _check_state({"sid": "s1", "exception": "boom"}, "s1")


def test_mismatched_session_fails_unit(
    rulebook: Rulebook, make: UnitFacts, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = Engine(rulebook)
    host = engine.session.host
    original = host.assert_facts

    def other_session(ruleset_name: str, facts: list[dict[str, Any]]) -> Any:
        state = original(ruleset_name, facts)
        return {**state, "sid": "s999"}

    monkeypatch.setattr(host, "assert_facts", other_session)
    data = {"units": [make.school("a")]}
    evaluation = engine.evaluate(facts_from_data(data, Path("sessions.yaml")))
    assert evaluation.results == []
    assert len(evaluation.errors) == 1
    assert "state of session 's999'" in evaluation.errors[0].message


def test_state_deleted_after_every_unit(
    rulebook: Rulebook, make: UnitFacts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1,088 sessions in one engine: beyond durable-rules' 1,024 live sessions."""
    engine = Engine(rulebook)
    host = engine.session.host
    original = host.delete_state
    deleted: list[str] = []

    def counting_delete(ruleset_name: str, sid: str) -> None:
        deleted.append(sid)
        original(ruleset_name, sid)

    monkeypatch.setattr(host, "delete_state", counting_delete)
    units = []
    for index in range(1_100):
        findings = [{"item": "S1.1", "deduct": 1}] if index % 3 == 0 else []
        if index % 50 == 0:
            # Fails validation, so it never opens a session.
            findings = [{"item": "S9.9", "deduct": 1}]
        units.append(make.school(f"u{index}", findings=findings))
    for index in range(10):
        # Fails after its rules fired: an injury must name people hurt.
        incident = {"id": "I1", "type": "injury", "people": 0}
        units.append(make.county(f"c{index}", incidents=[incident]))
    evaluation = engine.evaluate(facts_from_data({"units": units}, Path("many.yaml")))

    assert len(evaluation.results) == 1_078
    assert len(evaluation.errors) == 32
    assert len(deleted) == 1_088
    assert len(set(deleted)) == len(deleted)


# --- threads ----------------------------------------------------------------------


def test_rule_host_starts_no_threads(rulebook: Rulebook, make: UnitFacts) -> None:
    before = threading.active_count()
    engine = Engine(rulebook)
    data = {"units": [make.school("a", findings=[{"item": "S1.1", "deduct": 1}])]}
    evaluation = engine.evaluate(facts_from_data(data, Path("threads.yaml")))
    assert evaluation.errors == []
    assert threading.active_count() == before


def test_default_host_starts_threads() -> None:
    """The default durable-rules host starts two timer threads (run apart)."""
    code = (
        "import threading\n"
        "from durable.engine import Host\n"
        "before = threading.active_count()\n"
        "Host()\n"
        "print(threading.active_count() - before)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "2"


def test_threads_share_engine_safely(engine: Engine, make: UnitFacts) -> None:
    """The session lock serialises the host, so threads get the serial results."""
    units = [
        make.school(f"u{index}", findings=[{"item": "S3.1", "deduct": index % 4 + 1}])
        for index in range(40)
    ]

    def run(part: list[dict[str, Any]]) -> list[Any]:
        evaluation = engine.evaluate(facts_from_data({"units": part}, Path("t.yaml")))
        return [(r.unit, r.sheet_percent) for r in evaluation.results]

    serial = run(units)
    with ThreadPoolExecutor(max_workers=4) as pool:
        parts = list(pool.map(run, [units[i::4] for i in range(4)]))
    assert sorted(itertools.chain.from_iterable(parts)) == sorted(serial)


# --- compiled rules ---------------------------------------------------------------


def test_compiled_rules_use_only_all(rulebook: Rulebook) -> None:
    """No none() (which can drop unrelated firings) and no any() in the rules."""
    for ruleset in compile_rulebook(rulebook).values():
        for name, rule in ruleset.definition.items():
            assert set(rule) == {"all", "run"}, name
            assert '"none"' not in json.dumps(rule)


def test_rules_per_kind_within_limit(rulebook: Rulebook) -> None:
    for ruleset in compile_rulebook(rulebook).values():
        assert len(ruleset.rules) <= MAX_RULES_PER_KIND


def test_ruleset_names_carry_content_hash(rulebook: Rulebook) -> None:
    """A changed rulebook registers under new names, so one host can hold both."""
    digest = rulebook.content_hash.split(":")[-1][:16]
    names = [ruleset.name for ruleset in compile_rulebook(rulebook).values()]
    assert len(set(names)) == len(UnitKind)
    for name in names:
        assert name.endswith(digest)


@pytest.mark.parametrize(
    ("group", "value"),
    [
        ("flags", {"six_implementations_done": "true"}),
        ("flags", {"assessment_fraud": 0}),
        ("measures", {"safety_education_platform_in_use": 1}),
        ("profile", {"canteen": "no"}),
    ],
)
def test_loose_types_rejected(
    evaluate: Evaluator, make: UnitFacts, group: str, value: dict[str, Any]
) -> None:
    """durable-rules takes "1" == 1 and true == 1, so the loader must not."""
    changes: dict[str, Any] = {group: value}
    evaluation = evaluate.run(make.school(**changes))
    assert evaluation.results == []
    assert len(evaluation.errors) == 1
    name = next(iter(value))
    assert f"field {group}.{name}" in evaluation.errors[0].message
