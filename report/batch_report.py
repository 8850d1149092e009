"""Write a batch's output folder: results, tables, registers, logs, run record.

Every file is written atomically. ``run.json`` is removed first and
written last, so a folder without it contains an unfinished run, while a
folder with it contains one run's complete output.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import multiprocessing
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.result import Evaluation, UnitError
from engine.rulebook import Rulebook
from report.atomic import atomic_path, remove_stale_temporaries, write_text_atomic
from report.csv_result import write_csv, write_errors_csv, write_results_csv
from report.json_result import PROGRAM_VERSION, result_document
from report.register import REGISTER_COLUMNS, OpenHazard
from report.self_assessment import SELF_COLUMNS, self_assessment_rows
from report.summary import UnitSummary, write_results_json
from report.xlsx_result import WorkbookContent, write_results_xlsx

logger = logging.getLogger(__name__)

RESULTS_JSON = "results.json"
RESULTS_CSV = "results.csv"
RESULTS_XLSX = "results.xlsx"
ERRORS_CSV = "errors.csv"
FIRINGS_LOG = "firings.jsonl"
HAZARDS_CSV = "hazards.csv"
SELF_ASSESSMENT_CSV = "self_assessment.csv"
RUN_JSON = "run.json"


@dataclass
class BatchReport:
    """The outputs of one batch run, ready to be written."""

    rulebook: Rulebook
    inputs: list[Path]
    summaries: list[UnitSummary]
    errors: list[UnitError]
    hazards: list[OpenHazard]
    as_of: dt.date
    warnings: list[str] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)


def write_batch_report(folder: Path, report: BatchReport) -> list[Path]:
    """Write every output file into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    with contextlib.suppress(FileNotFoundError):
        (folder / RUN_JSON).unlink()
    rulebook = report.rulebook
    written = []

    # The workbook takes longest to write: a forked process writes it while
    # this one writes the other files.
    content = WorkbookContent(report.summaries, report.errors, report.hazards)
    wait_for_workbook = _write_workbook_aside(folder / RESULTS_XLSX, content, rulebook)

    path = folder / RESULTS_JSON
    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        write_results_json(stream, _head(report), report.summaries)
    written.append(path)

    path = folder / RESULTS_CSV
    write_results_csv(path, report.summaries, rulebook)
    written.append(path)

    path = folder / ERRORS_CSV
    write_errors_csv(path, report.errors)
    written.append(path)

    path = folder / FIRINGS_LOG
    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        for summary in report.summaries:
            stream.write(summary.firings_utf8)
            stream.write(b"\n")
    written.append(path)

    path = folder / HAZARDS_CSV
    write_csv(path, REGISTER_COLUMNS, (hazard.row() for hazard in report.hazards))
    written.append(path)

    path = folder / SELF_ASSESSMENT_CSV
    write_csv(path, SELF_COLUMNS, self_assessment_rows(report.summaries))
    written.append(path)

    wait_for_workbook()
    written.append(folder / RESULTS_XLSX)

    path = folder / RUN_JSON
    text = json.dumps(run_record(report), ensure_ascii=False, indent=2) + "\n"
    write_text_atomic(path, text)
    written.append(path)
    logger.info("wrote %d files to %s", len(written), folder)
    return written


def _write_workbook_aside(
    path: Path, content: WorkbookContent, rulebook: Rulebook
) -> Callable[[], None]:
    """Start writing the workbook in a forked process; return a wait function."""
    if "fork" not in multiprocessing.get_all_start_methods():
        write_results_xlsx(path, content, rulebook)
        return lambda: None
    process = multiprocessing.get_context("fork").Process(
        target=_write_results_xlsx_quietly,
        args=(path, content, rulebook),
        daemon=True,
    )
    process.start()

    def wait() -> None:
        process.join()
        if process.exitcode != 0:
            logger.error("writing %s failed (exit code %s)", path, process.exitcode)
            raise RuntimeError(
                f"writing {path} failed in its process (exit code "
                f"{process.exitcode}); its error is logged above"
            )

    return wait


def _write_results_xlsx_quietly(
    path: Path, content: WorkbookContent, rulebook: Rulebook
) -> None:
    # Ctrl-C reaches this child too; the parent ends it on exit (it is a
    # daemon), and its temporary file is removed by the next run.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    write_results_xlsx(path, content, rulebook)


def _head(report: BatchReport) -> dict[str, object]:
    evaluation = Evaluation(report.rulebook.id, report.rulebook.content_hash)
    evaluation.errors = list(report.errors)
    evaluation.warnings = list(report.warnings)
    return result_document(evaluation, report.rulebook.parameters.display_places)


def run_record(report: BatchReport) -> dict[str, Any]:
    """Return what replays the run: rulebook, input hashes, seeds, date, counts."""
    return {
        "program": "xiaoan",
        "program_version": PROGRAM_VERSION,
        "rulebook": report.rulebook.id,
        "rulebook_hash": report.rulebook.content_hash,
        "as_of": report.as_of.isoformat(),
        "inputs": [
            {"path": str(path), "files": input_hashes(path)} for path in report.inputs
        ],
        "samples": [_plain_sample(sample) for sample in report.samples],
        "units": len(report.summaries) + _unit_errors(report.errors),
        "results": len(report.summaries),
        "errors": len(report.errors),
        "vetoed": sum(1 for summary in report.summaries if summary.vetoed),
        "open_hazards": len(report.hazards),
        "warnings": list(report.warnings),
    }


def input_hashes(path: Path) -> list[dict[str, str]]:
    """Return the sha256 of a file, or of every file in a folder, by name."""
    files = (
        sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    )
    hashes = []
    for file in files:
        try:
            digest = sha256_of(file)
        except OSError as error:
            digest = f"unreadable: {error.strerror}"
        hashes.append({"name": file.name, "sha256": digest})
    return hashes


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _unit_errors(errors: list[UnitError]) -> int:
    return len({error.unit for error in errors if error.unit is not None})


def _plain_sample(sample: dict[str, Any]) -> dict[str, Any]:
    return {
        key: str(value) if isinstance(value, Path) else value
        for key, value in sample.items()
    }
