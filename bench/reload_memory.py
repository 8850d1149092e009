"""Measure resident memory over many edit, load, compile and evaluate cycles.

Each cycle writes a new grid platform threshold into a copy of the bundled
rulebook (so every cycle has a new content hash), loads the copy, gets an
engine and evaluates one county with its sampled schools. ``--mode fresh``
builds a new Engine every cycle, as a caller without the cache would;
``--mode cached`` gets it from ``engine.cache.EngineCache``. Resident memory
(VmRSS from /proc/self/status, so Linux only) is printed every ``--every``
cycles.

    .venv/bin/python bench/reload_memory.py --mode cached --cycles 1000
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from engine.cache import EngineCache
from engine.evaluate import Engine
from engine.rulebook import bundled_rules_folder, load_rulebook_folder
from facts.readers import read_facts

RULEBOOK = "cangzhou-2020"
COUNTY = "xinhua-edu"
THRESHOLD_LINE = "grid_platform_usage: 0.90"


def resident_mib() -> float:
    """Return this process's resident set size in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["fresh", "cached"], default="cached")
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--every", type=int, default=100, help="print every N cycles")
    parser.add_argument(
        "--capacity", type=int, default=4, help="engines the cache keeps (cached mode)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / RULEBOOK
        shutil.copytree(bundled_rules_folder() / RULEBOOK, folder)
        facts = read_facts([folder / "samples" / f"{RULEBOOK}.yaml"])
        facts.units = [
            record
            for record in facts.units
            if record.unit.id == COUNTY or record.unit.county == COUNTY
        ]
        parameters = folder / "parameters.yaml"
        original = parameters.read_text(encoding="utf-8")
        if THRESHOLD_LINE not in original:
            print(f"{parameters} has no line {THRESHOLD_LINE!r}", file=sys.stderr)
            return 1
        cache = EngineCache(args.capacity)

        started = time.perf_counter()
        first = resident_mib()
        print(f"mode={args.mode} cycles={args.cycles} units={len(facts.units)}")
        print(f"{'cycle':>6} {'rss_mib':>8} {'seconds':>8}")
        for cycle in range(args.cycles + 1):
            # Six decimal places at most: the engine compares thresholds as
            # integers scaled by 10**6.
            threshold = f"grid_platform_usage: {0.9 + cycle / 10**6:.6f}"
            parameters.write_text(
                original.replace(THRESHOLD_LINE, threshold), encoding="utf-8"
            )
            rulebook = load_rulebook_folder(folder)
            if args.mode == "cached":
                evaluation = cache.evaluate(rulebook, facts)
            else:
                evaluation = Engine(rulebook).evaluate(facts)
            if evaluation.errors:
                print(evaluation.errors[0].message, file=sys.stderr)
                return 1
            if cycle % args.every == 0:
                elapsed = time.perf_counter() - started
                print(f"{cycle:>6} {resident_mib():>8.1f} {elapsed:>8.1f}")
        growth = resident_mib() - first
        print(f"growth over {args.cycles} cycles: {growth:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
