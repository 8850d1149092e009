"""``xiaoan what-if``: the fewest changes that lift a unit to a better grade."""

from __future__ import annotations

import argparse
import logging
import sys

from cli.common import add_input_arguments, read_inputs
from engine.evaluate import Engine
from explain.export import dumps_json
from explain.graph import ExplainError
from explain.units import UnknownUnitError
from explain.whatif import what_if
from explain.whatif_text import format_whatif, whatif_document

logger = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "what-if",
        help="the smallest set of changes to the facts that lifts a unit's grade",
        description="Find the smallest set of changes (rectify a finding, raise "
        "a measure, set a flag behind a veto) that lifts the unit to the "
        "target grade, confirmed by evaluating the changed facts again. Exit "
        "code 0 also when the target is out of reach; the answer says why.",
    )
    parser.add_argument("unit", metavar="UNIT", help="id of the unit")
    add_input_arguments(parser)
    parser.add_argument(
        "--grade",
        choices=["advanced", "qualified"],
        help="target grade (default: the next grade up)",
    )
    parser.add_argument(
        "--lang",
        choices=["zh", "en"],
        default="zh",
        help="language of the output (default: zh)",
    )
    parser.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text for people (default), json for programs",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    inputs = read_inputs(args.facts, args.rulebook)
    if inputs.rulebook is None:
        for error in inputs.errors:
            print(f"error: {error.message}", file=sys.stderr)
        return 1
    rulebook = inputs.rulebook
    engine = Engine(rulebook)
    evaluation = engine.evaluate(inputs.facts)
    try:
        answer = what_if(engine, inputs.facts, evaluation, args.unit, args.grade)
    except (UnknownUnitError, ExplainError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.format == "json":
        sys.stdout.write(dumps_json(whatif_document(answer, rulebook.id)))
    else:
        sys.stdout.write(format_whatif(answer, rulebook, args.lang))
    return 0
