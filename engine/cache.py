"""Keep compiled engines by rulebook content, and free the ones pushed out.

durable-rules 2.0.28 has no way to unregister a ruleset from a host, and a
host never frees its rulesets' native memory: a process that builds a new
:class:`~engine.evaluate.Engine` for every edit of a rulebook grows by
about 0.9 MB per edit (``bench/reload_memory.py``). This cache returns the
same engine while a rulebook's content hash is unchanged, keeps at most
``capacity`` engines, and deletes the native rulesets of the engine it
evicts, so memory stays flat however often a rulebook is edited.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any, NoReturn

from durable import engine as durable_engine

from engine.errors import EngineError
from engine.evaluate import Engine
from engine.result import Evaluation
from engine.rulebook import Rulebook
from facts.readers import FactSet

logger = logging.getLogger(__name__)

DEFAULT_CAPACITY = 4


class EngineCache:
    """Engines keyed by rulebook content hash, least recently used evicted first.

    An evicted engine is closed: its native rulesets are freed and any later
    use raises :class:`EngineError`. Hold an engine from :meth:`engine_for`
    only while fewer than ``capacity`` other rulebooks are requested, or use
    :meth:`evaluate`, which holds the cache's lock for the whole evaluation.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be 1 or more, found {capacity}")
        self.capacity = capacity
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._engines)

    def engine_for(self, rulebook: Rulebook) -> Engine:
        """Return the engine compiled from ``rulebook``'s content, building it once."""
        key = f"{rulebook.id}@{rulebook.content_hash}"
        with self._lock:
            engine = self._engines.get(key)
            if engine is not None:
                self._engines.move_to_end(key)
                return engine
            engine = Engine(rulebook)
            self._engines[key] = engine
            logger.info("compiled rulebook %s (%s)", rulebook.id, rulebook.content_hash)
            while len(self._engines) > self.capacity:
                evicted_key, evicted = self._engines.popitem(last=False)
                close_engine(evicted)
                logger.info("evicted the engine of %s", evicted_key)
            return engine

    def evaluate(self, rulebook: Rulebook, facts: FactSet) -> Evaluation:
        """Evaluate ``facts`` with the cached engine of ``rulebook``."""
        with self._lock:
            return self.engine_for(rulebook).evaluate(facts)

    def clear(self) -> None:
        """Close every cached engine."""
        with self._lock:
            while self._engines:
                _, engine = self._engines.popitem(last=False)
                close_engine(engine)


def close_engine(engine: Engine) -> None:
    """Free the native rulesets of ``engine``; later use raises EngineError."""
    host = engine.session.host
    rulesets = list(host._ruleset_list)
    host._ruleset_list.clear()
    host._ruleset_directory.clear()
    rulebook_id = engine.rulebook.id

    def closed(name: str) -> NoReturn:
        raise EngineError(
            f"the engine of rulebook {rulebook_id} was closed, so ruleset {name} "
            "is gone; get a new engine from the cache"
        )

    # durable-rules looks a missing ruleset up through load_ruleset.
    host.load_ruleset = closed
    for ruleset in rulesets:
        handle: Any = ruleset._handle
        durable_engine.durable_rules_engine.delete_ruleset(handle)


_default = EngineCache()


def engine_for(rulebook: Rulebook) -> Engine:
    """Return the engine of ``rulebook`` from the process-wide cache."""
    return _default.engine_for(rulebook)


def evaluate_cached(rulebook: Rulebook, facts: FactSet) -> Evaluation:
    """Evaluate ``facts`` with the process-wide cache's engine of ``rulebook``."""
    return _default.evaluate(rulebook, facts)
