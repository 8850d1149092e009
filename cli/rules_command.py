"""``xiaoan rules``: check, test, copy, compare and describe rulebooks."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cli.common import sample_files
from engine.casefile import case_files, format_report, run_case_files
from engine.checks import CheckFinding, check_rulebook_folder
from engine.diff import format_outcome, format_rule_changes, outcome_diff, rule_changes
from engine.edition import copy_rulebook
from engine.errors import RulebookError
from engine.library import resolve_rulebook
from engine.rulebook import load_rulebook_folder
from engine.schema import schema_text
from facts.readers import read_facts
from report.atomic import OutputError, write_text_atomic


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
        help="folder to create ID in; default: the folder that contains OTHER "
        "when OTHER is in a source checkout, else the current folder",
    )
    new.set_defaults(run=run_new)

    diff = subcommands.add_parser(
        "diff",
        help="show what changed between two rulebooks and what it does to units",
        description="List the changes from OLD to NEW item by item, rule by "
        "rule and parameter by parameter, then evaluate the facts under both "
        "and show how many units move from each grade to each grade, and the "
        "units whose total or grade changes, largest change first.",
    )
    diff.add_argument("old", metavar="OLD", help="id or folder of the old rulebook")
    diff.add_argument("new", metavar="NEW", help="id or folder of the new rulebook")
    diff.add_argument(
        "facts",
        nargs="*",
        type=Path,
        metavar="FACTS",
        help="facts files to evaluate under both; default: OLD's bundled sample",
    )
    diff.add_argument(
        "--top",
        type=int,
        metavar="N",
        help="list only the N units with the largest change (default: all)",
    )
    diff.set_defaults(run=run_diff)

    schema = subcommands.add_parser(
        "schema",
        help="write the JSON Schema of the rulebook files",
        description="Write the JSON Schema generated from the rulebook model, "
        "for editors that validate YAML as it is typed.",
    )
    schema.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="file to write (replaced atomically); default: standard output",
    )
    schema.set_defaults(run=run_schema)


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
    into = args.into or _default_home(folder)
    try:
        source = load_rulebook_folder(folder)
        target = copy_rulebook(source, args.id, into)
    except RulebookError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    except OSError as error:
        raise OutputError(into, error) from None
    print(f"created rulebook {args.id} in {target} (derives from {source.id})")
    print(
        f"next: edit its YAML files, then run `xiaoan rules check {target}` "
        f"and `xiaoan rules test {target}`"
    )
    return 0


def run_diff(args: argparse.Namespace) -> int:
    if args.top is not None and args.top < 0:
        print("error: --top must be 0 or more", file=sys.stderr)
        return 2
    old_folder = _folder(args.old)
    new_folder = _folder(args.new)
    if old_folder is None or new_folder is None:
        return 1
    try:
        old = load_rulebook_folder(old_folder)
        new = load_rulebook_folder(new_folder)
    except RulebookError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    sys.stdout.write(format_rule_changes(old, new, rule_changes(old, new)))

    paths = list(args.facts) or sample_files(old_folder)
    if not paths:
        print(
            f"error: rulebook {old.id} has no bundled sample; name the facts "
            "files to compare grades",
            file=sys.stderr,
        )
        return 1
    facts = read_facts(paths)
    for fact_error in facts.errors:
        print(f"error (input): {fact_error.message}", file=sys.stderr)
    outcome = outcome_diff(old, new, facts)
    sys.stdout.write("\n")
    sys.stdout.write(format_outcome(old, new, outcome, args.top))
    return 1 if facts.errors else 0


def run_schema(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.output is None:
        sys.stdout.write(text)
        return 0
    write_text_atomic(args.output, text)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _default_home(folder: Path) -> Path:
    """Choose where a new edition goes: beside OTHER, unless OTHER is installed."""
    installed = {"site-packages", "dist-packages"} & set(folder.resolve().parts)
    if installed or not os.access(folder.parent, os.W_OK):
        return Path.cwd()
    return folder.parent
