"""Benchmark ``xiaoan batch`` on synthetic provinces of 1,000 to 34,300 units.

For each size it writes a JSON facts file (see ``synthetic.py``), runs
``xiaoan batch`` in a subprocess several times and reports the median wall
time, units per second and the peak memory of all its processes together
(the sum of their proportional set sizes, sampled every 50 ms, so pages
that forked workers share count once). It then profiles evaluation in one
process to split the time between durable-rules and our code around it,
and times a plain-Python evaluation of the same rulebook, after checking
that both give identical results.

    .venv/bin/python bench/bench_batch.py            # 1,000, 10,000, 34,300
    .venv/bin/python bench/bench_batch.py --sizes 1000 --repeat 1
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from plain_evaluator import PlainEvaluator
from synthetic import generate

from engine.evaluate import Engine
from engine.library import load_rulebook
from engine.result import UnitResult
from engine.rulebook import Rulebook
from facts.readers import FactSet, read_facts
from report.summary import summarize

ROOT = Path(__file__).resolve().parent.parent
XIAOAN = [sys.executable, "-m", "cli.main"]
PROFILED_UNITS = 3000


def write_facts(rulebook: Rulebook, units: int, folder: Path) -> Path:
    """Write a synthetic facts file of ``units`` units; numbers as decimal text."""
    document = generate(rulebook, units)
    text = json.dumps(document, ensure_ascii=False, default=_decimal_marker)
    # Decimals were written as marked strings; unquote them into JSON numbers.
    text = re.sub(r'"@(-?[0-9.]+)@"', r"\1", text)
    path = folder / f"synthetic-{units}.json"
    path.write_text(text, encoding="utf-8")
    return path


def _decimal_marker(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"@{value}@"
    raise TypeError(f"cannot write {type(value).__name__}")


class MemorySampler(threading.Thread):
    """Samples the summed memory of a process and its children until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            total = sum(_memory_kb(pid) for pid in _tree(self.pid))
            self.peak_kb = max(self.peak_kb, total)
            self.stopped.wait(0.05)


def _tree(pid: int) -> list[int]:
    found = [pid]
    index = 0
    while index < len(found):
        try:
            children = Path(f"/proc/{found[index]}/task/{found[index]}/children")
            found.extend(int(child) for child in children.read_text().split())
        except OSError:
            pass
        index += 1
    return found


def _memory_kb(pid: int) -> int:
    # Pss divides each shared page among the processes that map it.
    for name in (f"/proc/{pid}/smaps_rollup", f"/proc/{pid}/status"):
        try:
            text = Path(name).read_text()
        except OSError:
            continue
        key = "Pss:" if name.endswith("smaps_rollup") else "VmRSS:"
        for line in text.splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def run_batch(facts: Path, out: Path) -> tuple[float, int, float]:
    """Run ``xiaoan batch`` once; return wall seconds, peak KB and CPU seconds.

    CPU seconds are user plus system time of the command and its workers,
    which other load on the machine changes far less than wall time.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        [*XIAOAN, "batch", "--out", str(out), str(facts)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = MemorySampler(process.pid)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.stopped.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"xiaoan batch failed:\n{stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, sampler.peak_kb, cpu


def profile_shares(rulebook: Rulebook, facts: FactSet) -> dict[str, float]:
    """Split one process's evaluation time between durable-rules and our code.

    Host.assert_facts and Host.delete_state are the only calls into
    durable-rules per unit; their time is its C extension and its own
    Python layer (which calls back our small record action). They are
    timed with perf_counter around each call, since cProfile slows Python
    code far more than the C extension and would overstate our share.
    """
    engine = Engine(rulebook)
    host = engine.session.host
    spent = [0.0]

    def timed(method: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started

        return call

    host.assert_facts = timed(host.assert_facts)
    host.delete_state = timed(host.delete_state)
    subset = FactSet(units=facts.units[:PROFILED_UNITS])
    started = time.perf_counter()
    evaluation = engine.evaluate(subset)
    evaluated = time.perf_counter() - started
    for result in evaluation.results:
        summarize(result, rulebook)
    total = time.perf_counter() - started
    return {
        "durable_of_evaluate": spent[0] / evaluated,
        "durable_of_total": spent[0] / total,
        "unit_ms": 1000 * total / len(subset.units),
    }


def top_functions(rulebook: Rulebook, facts: FactSet, count: int = 8) -> list[str]:
    """Return the functions of our code with the most own time under cProfile."""
    engine = Engine(rulebook)
    subset = FactSet(units=facts.units[:PROFILED_UNITS])
    profiler = cProfile.Profile()
    profiler.enable()
    for result in engine.evaluate(subset).results:
        summarize(result, rulebook)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda item: item[1][2],
        reverse=True,
    )
    return [
        f"{Path(filename).name}:{name} {row[2]:.2f} s"
        for (filename, _, name), row in rows[:count]
    ]


def plain_ratio(rulebook: Rulebook, facts: FactSet) -> tuple[float, float, int]:
    """Time the engine and the plain evaluator; check they agree on every unit."""
    engine = Engine(rulebook)
    started = time.perf_counter()
    evaluation = engine.evaluate(facts)
    engine_seconds = time.perf_counter() - started
    plain = PlainEvaluator(rulebook)
    started = time.perf_counter()
    expected = plain.evaluate([record.unit for record in facts.units])
    plain_seconds = time.perf_counter() - started
    mismatches = sum(
        1
        for result in evaluation.results
        if _figures(result) != _plain(expected[result.unit])
    )
    if evaluation.errors:
        mismatches += len(evaluation.errors)
    return engine_seconds, plain_seconds, mismatches


def _figures(result: UnitResult) -> tuple[Any, ...]:
    return (
        result.items,
        sorted(result.not_applicable),
        result.sheet_percent,
        [(adjustment.code, adjustment.points) for adjustment in result.adjustments],
        result.adjusted,
        result.schools_mean,
        result.total,
        sorted(result.vetoes),
        result.grade,
    )


def _plain(result: Any) -> tuple[Any, ...]:
    return (
        result.items,
        result.not_applicable,
        result.sheet_percent,
        result.adjustments,
        result.adjusted,
        result.schools_mean,
        result.total,
        result.vetoes,
        result.grade,
    )


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 34300])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size")
    args = parser.parse_args()

    rulebook = load_rulebook("cangzhou-2020")
    print(f"machine: {machine()}")
    print()
    print(
        "| units | median wall s | units/s | median CPU s (all processes) "
        "| peak memory MB (all processes) | load average |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        largest: Path | None = None
        for size in args.sizes:
            facts = write_facts(rulebook, size, work)
            largest = facts
            runs = [run_batch(facts, work / f"out-{size}") for _ in range(args.repeat)]
            seconds = statistics.median(run[0] for run in runs)
            peak = max(run[1] for run in runs)
            cpu = statistics.median(run[2] for run in runs)
            # The one-minute load average shows how busy other processes
            # kept the machine; wall times are only comparable at low load.
            load = os.getloadavg()[0]
            print(
                f"| {size:,} | {seconds:.1f} | {size / seconds:,.0f} | {cpu:.1f} | "
                f"{peak / 1024:,.0f} | {load:.1f} |",
                flush=True,
            )
        assert largest is not None
        facts_set = read_facts([largest])
    # As in a batch worker, the records stay out of the collector's sight:
    # full collections over a province's objects would be counted as ours.
    gc.freeze()

    shares = profile_shares(rulebook, facts_set)
    print()
    print(
        f"{PROFILED_UNITS:,} units in one process: {shares['unit_ms']:.2f} ms a unit; "
        f"durable-rules {shares['durable_of_evaluate']:.0%} of evaluation, "
        f"{shares['durable_of_total']:.0%} with the batch summaries"
    )
    print(
        "most own time under cProfile: " + "; ".join(top_functions(rulebook, facts_set))
    )
    checked = FactSet(units=facts_set.units[: min(len(facts_set.units), 10000)])
    engine_seconds, plain_seconds, mismatches = plain_ratio(rulebook, checked)
    count = len(checked.units)
    print(
        f"{count:,} units in one process: engine {engine_seconds:.2f} s "
        f"({count / engine_seconds:,.0f}/s), plain Python {plain_seconds:.2f} s "
        f"({count / plain_seconds:,.0f}/s), ratio {engine_seconds / plain_seconds:.1f}; "
        f"units that differ: {mismatches}"
    )
    if mismatches:
        raise SystemExit("the engine and the plain evaluator disagree")


if __name__ == "__main__":
    main()
