"""``xiaoan rules``: check, test, copy, compare and describe rulebooks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.casefile import case_files, format_report, run_case_files
from engine.checks import CheckFinding, check_rulebook_folder
from engine.edition import copy_rulebook
from engine.errors import RulebookError
from engine.library import resolve_rulebook
from engine.rulebook import load_rulebook_folder


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "rules",
        help="check, test, copy and compare rulebooks",
        description="Work on rulebooks without code: check them, run their "
        "test cases, copy one into a new edition and compare two.",
    )
    subcommands = parser.add_subparsers(
        dest="rules_command", metavar="SUBCOMMAND", required=True
    )

    check = subcommands.add_parser(
        "check",
        help="validate a rulebook and report every mistake with its place",
        description="Validate a rulebook's files against the schema and the "
        "semantic checks. Exit code 1 when any error is found, 0 when only "
        "warnings are.",
    )
    check.add_argument("rulebook", metavar="PATH", help="rulebook id or folder")
    check.set_defaults(run=run_check)

    test = subcommands.add_parser(
        "test",
        help="run a rulebook's test cases and report rule coverage",
        description="Evaluate the cases in the rulebook's tests/ folder (or "
        "the case files given) and compare the results with what each case "
        "expects. Exit code 1 when a case fails or a rule id fires in no case.",
    )
    test.add_argument("rulebook", metavar="PATH", help="rulebook id or folder")
    test.add_argument(
        "cases",
        nargs="*",
        type=Path,
        metavar="CASES",
        help="case files to run instead of the rulebook's tests/*.yaml; "
        "coverage is then reported but not required",
    )
    test.set_defaults(run=run_test)

    new = subcommands.add_parser(
        "new",
        help="start a new rulebook as an editable copy of another",
        description="Copy a rulebook's rule files and test cases into a new "
        "folder, set its id and derives_from, and leave its samples behind.",
    )
    new.add_argument("id", metavar="ID", help="id of the new rulebook")
    new.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="OTHER",
        help="id or folder of the rulebook to copy",
    )
    new.add_argument(
        "--into",
        type=Path,
        metavar="DIR",
        help="folder to create ID in; default: the folder that holds OTHER",
    )
    new.set_defaults(run=run_new)


def _folder(argument: str) -> Path | None:
    try:
        return resolve_rulebook(argument)
    except RulebookError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return None


def format_finding(finding: CheckFinding) -> str:
    """Write one finding as ``severity: file:line:column (id): message``."""
    return f"{finding.severity}: {finding.as_error().message}"


def run_check(args: argparse.Namespace) -> int:
    folder = _folder(args.rulebook)
    if folder is None:
        return 1
    rulebook, findings = check_rulebook_folder(folder)
    for finding in findings:
        print(format_finding(finding))
    errors = sum(1 for finding in findings if finding.is_error)
    warnings = len(findings) - errors
    name = rulebook.id if rulebook is not None else str(folder)
    print(f"{name}: {errors} errors, {warnings} warnings", file=sys.stderr)
    return 1 if errors else 0


def run_test(args: argparse.Namespace) -> int:
    folder = _folder(args.rulebook)
    if folder is None:
        return 1
    rulebook, findings = check_rulebook_folder(folder)
    if rulebook is None:
        for finding in findings:
            print(format_finding(finding), file=sys.stderr)
        return 1
    # Coverage is a requirement of the whole suite, not of a chosen file.
    paths = list(args.cases) or case_files(folder)
    if not paths:
        print(
            f"error: rulebook {rulebook.id} has no test cases; add YAML case "
            f"files under {folder / 'tests'}",
            file=sys.stderr,
        )
        return 1
    report = run_case_files(rulebook, paths, require_coverage=not args.cases)
    sys.stdout.write(format_report(report))
    return 0 if report.passed else 1


def run_new(args: argparse.Namespace) -> int:
    folder = _folder(args.source)
    if folder is None:
        return 1
    try:
        source = load_rulebook_folder(folder)
        target = copy_rulebook(source, args.id, args.into or folder.parent)
    except RulebookError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    print(f"created rulebook {args.id} in {target} (derives from {source.id})")
    print(
        f"next: edit its YAML files, then run `xiaoan rules check {target}` "
        f"and `xiaoan rules test {target}`"
    )
    return 0
