"""``xiaoan sample``: draw each county's schools from a roster, reproducibly."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

import yaml

from cli.common import plural
from engine.errors import RulebookError
from engine.library import load_rulebook
from facts.errors import FactError
from facts.sampling import draw_sample, read_roster, sample_facts
from report.atomic import write_text_atomic

logger = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "sample",
        help="draw each county's sampled schools from a roster of all schools",
        description="Draw the rulebook's sample size of schools of different "
        "levels in each county, from a roster (CSV, Excel, YAML or JSON with id, "
        "name, county, level). The same seed and roster always give the same "
        "sample; both are recorded in the facts file written.",
    )
    parser.add_argument("roster", type=Path, metavar="ROSTER", help="roster file")
    parser.add_argument(
        "--seed", type=int, required=True, metavar="N", help="seed of the draw"
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="facts file to write (.yaml or .json); default: standard output",
    )
    parser.add_argument(
        "--rulebook",
        default="cangzhou-2020",
        metavar="ID_OR_PATH",
        help="rulebook whose sample_size applies (default: %(default)s)",
    )
    parser.set_defaults(run=run)


OUT_SUFFIXES = (".yaml", ".yml", ".json")


def run(args: argparse.Namespace) -> int:
    if args.out is not None and args.out.suffix.lower() not in OUT_SUFFIXES:
        print(
            f"error: --out {args.out}: expected a file name ending in .yaml, "
            ".yml or .json",
            file=sys.stderr,
        )
        return 2
    try:
        rulebook = load_rulebook(args.rulebook)
        entries, digest = read_roster(args.roster)
    except (RulebookError, FactError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    size = rulebook.parameters.sample_size
    sample = draw_sample(entries, args.seed, size, args.roster.name, digest)
    drawn_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = sample_facts(entries, sample, rulebook.id, drawn_at)
    if args.out is not None and args.out.suffix.lower() == ".json":
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    else:
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=88)
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(args.out, text)
    for warning in sample.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    drawn = sum(len(schools) for schools in sample.drawn.values())
    print(
        f"drew {plural(drawn, 'school')} in "
        f"{plural(len(sample.drawn), 'county', 'counties')} with seed "
        f"{args.seed}; {plural(len(sample.warnings), 'warning')}",
        file=sys.stderr,
    )
    return 0
