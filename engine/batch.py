"""Evaluate many units in worker processes, with the results of one process.

Each county travels with its schools, so a worker has every sampled school
a county total needs; each worker builds its own :class:`Engine`, because
durable-rules actions cannot be pickled and a host must not be shared.
Workers turn each result into a compact, picklable output with a
``render`` function that the caller passes (the report layer's), so that
whole results never cross a process boundary.

Results and errors come back in the order :meth:`Engine.evaluate` gives
them, whatever the number of workers and whatever order chunks finish in.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from engine.evaluate import Engine, unit_kinds
from engine.result import UnitError, UnitResult
from engine.rulebook import Rulebook
from facts.readers import FactSet, UnitRecord
from facts.vocabulary import UnitKind

logger = logging.getLogger(__name__)

Output = TypeVar("Output")
Render = Callable[[UnitResult, Rulebook], Any]
Progress = Callable[[int, int], None]

# Chunks per worker: enough to balance the load when counties differ in
# size, few enough that sending and collecting them stays cheap.
CHUNKS_PER_WORKER = 8
# At most this many units a chunk (unless one county has more): on Ctrl-C
# the chunks already sent to workers still finish, so they must be short.
# At the 650 units/s a worker reached in one run of 17,700 units on 2 busy
# cores, that is an estimated 0.8 s a chunk.
MAX_CHUNK_UNITS = 500


@dataclass
class BatchResult(Generic[Output]):
    """Rendered outputs in input order and every error, as ``Engine.evaluate``."""

    outputs: list[Output] = field(default_factory=list)
    errors: list[UnitError] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class _Shared:
    """The state every worker reads, set before the workers fork or sent once."""

    rulebook: Rulebook
    records: list[UnitRecord]
    kinds: dict[str, UnitKind | None]
    render: Render
    engine: Engine | None = None


_shared: _Shared | None = None


def default_workers() -> int:
    """Return the number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def evaluate_batch(
    rulebook: Rulebook,
    facts: FactSet,
    render: Render,
    workers: int | None = None,
    progress: Progress | None = None,
) -> BatchResult[Any]:
    """Evaluate every unit of ``facts`` and return each rendered result."""
    started = time.perf_counter()
    workers = workers or default_workers()
    shared = _Shared(rulebook, facts.units, unit_kinds(facts), render)
    groups = county_groups(facts.units)
    total = len(facts.units)
    done = 0
    outputs: dict[int, Any] = {}
    unit_errors: dict[int, UnitError] = {}

    def collect(found: _ChunkResult) -> None:
        nonlocal done
        outputs.update(found.outputs)
        unit_errors.update(found.errors)
        done += found.count
        if progress is not None:
            progress(done, total)

    # The records are long-lived: moved out of the collector's sight, they
    # are not scanned by every full collection (which made evaluation slow
    # down as the input grew), and forked workers share their pages.
    gc.freeze()
    try:
        if workers == 1 or len(groups) <= 1:
            global _shared
            _shared = shared
            try:
                for chunk in _chunks(groups, total, 1):
                    collect(_evaluate_chunk(chunk))
            finally:
                _shared = None
        else:
            for found in _run_pool(shared, groups, total, workers):
                collect(found)
    finally:
        gc.unfreeze()

    result: BatchResult[Any] = BatchResult()
    result.errors = [
        UnitError(error.unit, error.message, error.file) for error in facts.errors
    ]
    # Engine.evaluate evaluates schools before counties and reports errors
    # in that order.
    failed = sorted(
        unit_errors,
        key=lambda index: (
            facts.units[index].unit.kind is UnitKind.COUNTY_BUREAU,
            index,
        ),
    )
    result.errors.extend(unit_errors[index] for index in failed)
    result.outputs = [outputs[index] for index in sorted(outputs)]
    result.seconds = time.perf_counter() - started
    logger.info(
        "batch evaluated %d units (%d errors) with %d workers in %.2f s",
        len(result.outputs),
        len(unit_errors),
        workers,
        result.seconds,
    )
    return result


def county_groups(records: Sequence[UnitRecord]) -> list[list[int]]:
    """Group record indexes so that a county and its schools share a group.

    A school's group is named by its county; any other unit's by its own id,
    so a county bureau joins the group of its schools. Groups keep the order
    in which their first unit appears.
    """
    groups: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        unit = record.unit
        key = unit.county if unit.county is not None else unit.id
        groups.setdefault(key, []).append(index)
    return list(groups.values())


def _chunks(groups: list[list[int]], total: int, workers: int) -> Iterator[list[int]]:
    """Pack whole groups into chunks of about ``total / (workers × 8)`` units.

    A chunk contains at most :data:`MAX_CHUNK_UNITS` units unless one group is
    larger.
    """
    target = max(1, min(MAX_CHUNK_UNITS, total // (workers * CHUNKS_PER_WORKER)))
    chunk: list[int] = []
    for group in groups:
        chunk.extend(group)
        if len(chunk) >= target:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class _ChunkResult:
    count: int
    outputs: dict[int, Any]
    errors: dict[int, UnitError]


def _start_worker(shared: _Shared | None) -> None:
    global _shared
    # Ctrl-C reaches the whole process group. The parent stops the workers
    # itself; a worker interrupted inside a rule action would print a
    # traceback from durable-rules instead.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if shared is not None:
        _shared = shared
    assert _shared is not None, "worker started without its shared state"
    _shared.engine = Engine(_shared.rulebook)


def _evaluate_chunk(indexes: list[int]) -> _ChunkResult:
    shared = _shared
    assert shared is not None, "no shared state in this process"
    if shared.engine is None:
        shared.engine = Engine(shared.rulebook)
    records = [shared.records[index] for index in indexes]
    position = {
        record.unit.id: index for record, index in zip(records, indexes, strict=True)
    }
    evaluation = shared.engine.evaluate(FactSet(units=records), shared.kinds)
    outputs = {
        position[result.unit]: shared.render(result, shared.rulebook)
        for result in evaluation.results
    }
    errors = {
        position[error.unit]: error
        for error in evaluation.errors
        if error.unit is not None
    }
    return _ChunkResult(len(indexes), outputs, errors)


def _run_pool(
    shared: _Shared, groups: list[list[int]], total: int, workers: int
) -> Iterator[_ChunkResult]:
    """Run chunks in worker processes; retry a dead worker's units by county."""
    global _shared
    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else "spawn")
    # With fork, workers inherit the records instead of unpickling a copy.
    _shared = shared if fork else None
    initargs = (None if fork else shared,)
    failed: list[list[int]] = []
    try:
        with _stopping(
            ProcessPoolExecutor(workers, context, _start_worker, initargs)
        ) as pool:
            futures: dict[Future[_ChunkResult], list[int]] = {
                pool.submit(_evaluate_chunk, chunk): chunk
                for chunk in _chunks(groups, total, workers)
            }
            for future in as_completed(futures):
                try:
                    yield future.result()
                except BrokenProcessPool:
                    failed.append(futures[future])
        if not failed:
            return
        # A crash in the rule engine takes down the worker and fails every
        # chunk still queued; run those counties alone to find the culprit.
        retry = [index for chunk in failed for index in chunk]
        logger.error(
            "a worker process stopped; evaluating its %d units again, one "
            "county at a time",
            len(retry),
        )
        for group in county_groups([shared.records[index] for index in retry]):
            indexes = [retry[position] for position in group]
            with _stopping(
                ProcessPoolExecutor(1, context, _start_worker, initargs)
            ) as alone:
                try:
                    yield alone.submit(_evaluate_chunk, indexes).result()
                except BrokenProcessPool:
                    yield _lost(shared, indexes)
    finally:
        _shared = None


@contextlib.contextmanager
def _stopping(pool: ProcessPoolExecutor) -> Iterator[ProcessPoolExecutor]:
    """Yield ``pool``; on an interrupt, cancel its queued chunks.

    ``with pool`` would finish every queued chunk first, which takes as long
    as the rest of the run. Here only the chunks already handed to workers
    finish (up to two per worker), because killing a worker mid-chunk
    breaks the pool's pipes and at times hung the exit.
    """
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _lost(shared: _Shared, indexes: list[int]) -> _ChunkResult:
    errors = {}
    for index in indexes:
        record = shared.records[index]
        message = (
            f"{record.file}, unit {record.unit.id}: the worker process that "
            "evaluated this unit's county stopped unexpectedly"
        )
        logger.error("unit %s lost: its worker process stopped", record.unit.id)
        errors[index] = UnitError(record.unit.id, message, str(record.file))
    return _ChunkResult(len(indexes), {}, errors)
