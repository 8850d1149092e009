"""A guarded durable-rules session that evaluates one unit at a time.

durable-rules 2.0.28 has traps that fail silently; each has a guard here:

* a fact that no rule matches raises and drops pending actions: the compiler
  adds a catch-all rule that matches every fact and never fires;
* the same fact content twice is rejected as already observed, and fact ids
  are compared by a 32-bit FNV-1a hash: every fact gets an ASCII id whose
  hash is checked to be distinct within the unit;
* session ids are hashed too: one session is live at a time, deleted after
  each unit, and the state returned by every assert is checked to belong to
  the unit's session;
* an exception inside an action is swallowed into the returned state: the
  state is checked and the unit fails with the message;
* the default host starts timer threads that run actions on another thread:
  :class:`RuleHost` starts none, and a lock serialises use of the host;
* at most 1,024 live sessions per ruleset: ``delete_state`` runs after every
  unit, whatever happened;
* ``delete_state`` on a session in which no action ran aborts the process
  (double free), and such an assert returns no state to check: every unit
  also asserts an end fact whose rule always fires and records nothing.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from durable.engine import Host, MessageNotHandledException, MessageObservedException

from engine.compiler import CompiledRuleset
from engine.errors import EngineError

FNV_OFFSET_BASIS = 0x811C9DC5
FNV_PRIME = 16777619

RawFiring = tuple[str, dict[str, dict[str, Any]]]

# The fact kind, fact id and rule name of the end fact asserted with every unit.
END_FACT = "__end_of_unit__"
END_FACT_ID = "end"
END_RULE = "__end_of_unit__"


def fnv1a_32(text: str) -> int:
    """Hash ``text`` as durable-rules hashes ids (FNV-1a, 32 bits).

    The C code hashes ``char`` values, so only ASCII ids hash the same on
    every platform; the engine asserts ASCII ids only.

    >>> hex(fnv1a_32("a"))
    '0xe40c292c'
    """
    value = FNV_OFFSET_BASIS
    for byte in text.encode("ascii"):
        value ^= byte
        value = (value * FNV_PRIME) & 0xFFFFFFFF
    return value


class RuleHost(Host):
    """A durable-rules host without background threads, with recorded actions."""

    def __init__(self) -> None:
        self._recorder: list[RawFiring] | None = None
        super().__init__()

    def _run(self) -> None:
        """Start no timer threads: every action runs in the asserting thread."""

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        if action_name == END_RULE:
            return _ignore

        def record(closure: Any) -> None:
            if self._recorder is None:
                raise EngineError(f"rule {action_name} fired outside an evaluation")
            # ``_m`` maps each pattern name of the rule to the fact it matched.
            self._recorder.append((action_name, closure._m))

        return record


def _ignore(closure: Any) -> None:
    """Run the end rule's action, which records nothing."""


class RuleSession:
    """Evaluates units against compiled rulesets, one unit at a time."""

    def __init__(self, rulesets: list[CompiledRuleset]) -> None:
        self.host = RuleHost()
        self.lock = threading.Lock()
        self._counter = 0
        definitions = {
            ruleset.name: copy.deepcopy(ruleset.definition) for ruleset in rulesets
        }
        for definition in definitions.values():
            definition[END_RULE] = {"all": [{"m": {"fact": END_FACT}}], "run": END_RULE}
        try:
            # register_rulesets removes "run" from the dict it is given.
            self.host.register_rulesets(definitions)
        except Exception as error:  # the C extension raises its own error type
            raise EngineError(
                f"the rule engine rejected the compiled rules: {error}; "
                "run `xiaoan rules check` on the rulebook"
            ) from error

    def fire(
        self, ruleset: CompiledRuleset, facts: list[dict[str, Any]]
    ) -> list[RawFiring]:
        """Assert ``facts`` as one new session and return the recorded firings."""
        end = {"id": END_FACT_ID, "fact": END_FACT}
        _check_distinct_ids([*facts, end])
        with self.lock:
            self._counter += 1
            session_id = f"s{self._counter}"
            asserted = [{**fact, "sid": session_id} for fact in [*facts, end]]
            recorder: list[RawFiring] = []
            self.host._recorder = recorder
            try:
                state = self.host.assert_facts(ruleset.name, asserted)
            except MessageNotHandledException as error:
                raise EngineError(f"a fact matched no rule: {error}") from None
            except MessageObservedException as error:
                raise EngineError(
                    f"a fact was rejected as already observed: {error}"
                ) from None
            finally:
                self.host._recorder = None
                self.host.delete_state(ruleset.name, session_id)
        _check_state(state, session_id)
        for _, matched in recorder:
            for fact in matched.values():
                if fact.get("sid") != session_id:
                    raise EngineError(
                        f"a firing matched fact {fact.get('id')!r} of session "
                        f"{fact.get('sid')!r} while evaluating session {session_id!r}"
                    )
        return recorder


def _check_state(state: Any, session_id: str) -> None:
    if not isinstance(state, dict):
        raise EngineError(f"the rule engine returned no state for session {session_id}")
    if state.get("sid") != session_id:
        raise EngineError(
            f"the rule engine returned the state of session "
            f"{state.get('sid')!r} for session {session_id!r}"
        )
    if "exception" in state:
        raise EngineError(f"a rule action failed: {state['exception']}")


def _check_distinct_ids(facts: list[dict[str, Any]]) -> None:
    # Units number their facts alike (f0, f1, …, end), so the same few id
    # lists come back unit after unit; each is hashed once.
    ids = tuple([fact["id"] for fact in facts])
    if ids in _DISTINCT_IDS:
        return
    seen: dict[int, str] = {}
    for fact_id in ids:
        digest = fnv1a_32(fact_id)
        if digest in seen:
            raise EngineError(
                f"fact ids {seen[digest]!r} and {fact_id!r} share the "
                "engine's 32-bit hash; one would hide the other"
            )
        seen[digest] = fact_id
    if len(_DISTINCT_IDS) >= _DISTINCT_IDS_LIMIT:
        _DISTINCT_IDS.clear()
    _DISTINCT_IDS.add(ids)


# Id lists already checked to hash apart.
_DISTINCT_IDS: set[tuple[str, ...]] = set()
_DISTINCT_IDS_LIMIT = 1024
