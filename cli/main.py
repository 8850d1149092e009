"""The ``xiaoan`` command line: thin commands over facts, engine and explain."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli import (
    batch_command,
    evaluate_command,
    rules_command,
    sample_command,
    template_command,
    whatif_command,
    why_command,
)
from cli.common import configure_logging
from report.atomic import OutputError

COMMANDS = [
    evaluate_command,
    rules_command,
    batch_command,
    template_command,
    sample_command,
    why_command,
    whatif_command,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xiaoan",
        description="xiaoan (校安): evaluate school safety assessments against a "
        "rulebook and explain every lost point.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log progress to standard error"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(commands)
    return parser


def _command_parsers(
    parser: argparse.ArgumentParser,
) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code: 0 ok, 1 errors, 2 usage."""
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        # Report an unknown option with the usage of the command it was given
        # to, not the top-level usage that parse_args would print.
        command_parser = _command_parsers(parser).get(args.command, parser)
        command_parser.error(f"unrecognized arguments: {' '.join(extras)}")
    configure_logging(args.verbose)
    try:
        return int(args.run(args))
    except BrokenPipeError:
        return 1
    except OutputError as error:
        # Every writer goes through report.atomic, which names the target.
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
