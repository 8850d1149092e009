"""``xiaoan why``: explain a unit's grade, every lost point and every veto."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from cli.common import add_input_arguments, read_inputs
from engine.evaluate import Engine
from explain.explanation import explain_unit, item_codes
from explain.export import dumps_json, explanation_document, graphml_text
from explain.graph import ExplainError
from explain.picture import dot_text, render_picture
from explain.text import format_explanation
from explain.units import UnknownUnitError, find_result, nearest_ids, sampled_results

logger = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "why",
        help="explain a unit's grade: lost points, adjustments and vetoes",
        description="Explain why a unit got its grade: each lost point with the "
        "finding or measure behind it and the rulebook clause, each veto with "
        "the fact that triggered it, and for a county its adjustments and "
        "sampled schools.",
    )
    parser.add_argument("unit", metavar="UNIT", help="id of the unit to explain")
    add_input_arguments(parser)
    parser.add_argument(
        "--lang",
        choices=["zh", "en"],
        default="zh",
        help="language of the text and picture labels (default: zh)",
    )
    parser.add_argument(
        "--item", metavar="CODE", help="explain one item or part code only"
    )
    parser.add_argument(
        "--format",
        choices=["text", "json", "dot", "graphml"],
        default="text",
        help="text for people (default); json with the whole graph; dot for the "
        "picture's Graphviz source; graphml for the whole graph",
    )
    parser.add_argument(
        "--svg", type=Path, metavar="FILE", help="also draw the picture as SVG"
    )
    parser.add_argument(
        "--png", type=Path, metavar="FILE", help="also draw the picture as PNG"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    inputs = read_inputs(args.facts, args.rulebook)
    if inputs.rulebook is None:
        for error in inputs.errors:
            print(f"error: {error.message}", file=sys.stderr)
        return 1
    rulebook = inputs.rulebook
    evaluation = Engine(rulebook).evaluate(inputs.facts)
    try:
        result = find_result(evaluation, args.unit)
        explanation = explain_unit(
            result, rulebook, sampled_results(evaluation, result)
        )
    except (UnknownUnitError, ExplainError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    if args.item is not None and not item_codes(explanation, args.item):
        codes = [
            node.split(":", 1)[1]
            for node in explanation.graph.nodes
            if node.startswith("code:")
        ]
        near = nearest_ids(args.item, codes)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        print(
            f"error: {args.item!r} is not an item or part code of the "
            f"{result.kind} sheet{hint}",
            file=sys.stderr,
        )
        return 1

    if args.format == "json":
        sys.stdout.write(dumps_json(explanation_document(explanation, rulebook.id)))
    elif args.format == "dot":
        sys.stdout.write(dot_text(explanation, args.lang))
    elif args.format == "graphml":
        sys.stdout.write(graphml_text(explanation.graph))
    else:
        sys.stdout.write(format_explanation(explanation, args.lang, args.item))

    for path, image_format in ((args.svg, "svg"), (args.png, "png")):
        if path is None:
            continue
        try:
            render_picture(explanation, path, image_format, args.lang)
        except (ExplainError, OSError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"wrote {path}", file=sys.stderr)
    return 0
