"""``xiaoan evaluate``: score units and show their grades."""

from __future__ import annotations

import argparse
import sys

from cli.common import add_input_arguments, read_inputs
from engine.evaluate import Engine
from engine.result import Evaluation
from report.json_result import write_json
from report.table import format_table


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="evaluate units and show score, adjustments, vetoes and grade",
        description="Evaluate the units of the facts files against a rulebook.",
    )
    add_input_arguments(parser)
    parser.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="table for people (default), json for programs",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    inputs = read_inputs(args.facts, args.rulebook)
    if inputs.rulebook is None:
        evaluation = Evaluation(rulebook_id=args.rulebook or "", rulebook_hash="")
        evaluation.errors.extend(inputs.errors)
    else:
        evaluation = Engine(inputs.rulebook).evaluate(inputs.facts)
        evaluation.errors[:0] = inputs.errors
    evaluation.warnings.extend(inputs.warnings)

    if args.format == "json":
        places = inputs.rulebook.parameters.display_places if inputs.rulebook else 2
        write_json(evaluation, sys.stdout, places)
    else:
        if inputs.rulebook is not None and evaluation.results:
            sys.stdout.write(format_table(evaluation, inputs.rulebook))
        warned = sum(1 for result in evaluation.results if result.warnings)
        if warned:
            print(
                f"{warned} {'unit has' if warned == 1 else 'units have'} warnings; "
                "--format json lists them",
                file=sys.stderr,
            )
    for error in evaluation.errors:
        label = f"unit {error.unit}" if error.unit else "input"
        print(f"error ({label}): {error.message}", file=sys.stderr)
    return 1 if evaluation.errors else 0
