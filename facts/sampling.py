"""Draw each county's sample of schools from a roster, reproducibly.

The draw is random but replayable: each county's schools are sorted by id
and drawn with ``random.Random`` seeded by the seed and the county id, so
the same seed and roster always give the same sample, and one county's
roster changing leaves every other county's draw as it was. The seed and
the roster's sha256 are written with the sample for audit.

A county draws ``sample_size`` schools of different levels where it has
that many levels; with fewer levels, every level is drawn and the rest of
the sample is spread over the levels as evenly as their schools allow; a
county with fewer schools than the sample size gives all of them. Both
cases are warnings.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facts.documents import DocumentError, load_document
from facts.errors import FactError, suggestion
from facts.spreadsheets import cell_value, decode_csv
from facts.vocabulary import Level, UnitKind

logger = logging.getLogger(__name__)

ROSTER_FIELDS = ("id", "name", "county", "level", "kind")
LEVEL_ORDER = {level.value: position for position, level in enumerate(Level)}


@dataclass(frozen=True)
class RosterEntry:
    """A school (or county bureau) on the roster."""

    id: str
    name: str
    county: str | None
    level: str | None
    kind: str = UnitKind.SCHOOL.value


@dataclass
class Sample:
    """The drawn schools of every county, with what is needed to audit it."""

    seed: int
    roster: str
    roster_hash: str
    drawn: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def read_roster(path: Path) -> tuple[list[RosterEntry], str]:
    """Read a roster (CSV, Excel or YAML/JSON list); return entries and sha256."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FactError(f"cannot be read: {error.strerror}", file=path) from None
    digest = hashlib.sha256(raw).hexdigest()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(decode_csv(path), newline="")))
        records = _records_from_rows(path, rows)
    elif suffix in (".xlsx", ".xlsm"):
        records = _records_from_rows(path, _workbook_rows(path))
    else:
        try:
            data = load_document(path).data
        except DocumentError as error:
            raise FactError(str(error)) from None
        if isinstance(data, dict):
            data = data.get("schools", data.get("units"))
        if not isinstance(data, list):
            raise FactError(
                "a roster must be a list of schools",
                file=path,
                expected="a list (or a 'schools' list) of mappings with id, "
                "name, county and level",
            )
        records = [(index + 1, entry) for index, entry in enumerate(data)]
    entries = _entries(path, records)
    if not entries:
        raise FactError(
            "the roster lists no schools",
            file=path,
            expected="one school per row or entry, with id, name, county and level",
        )
    return entries, digest


def _workbook_rows(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _records_from_rows(
    path: Path, rows: list[list[Any]]
) -> list[tuple[int, dict[str, Any]]]:
    if not rows:
        return []
    fields = []
    for cell in rows[0]:
        text = "" if cell is None else str(cell).strip()
        name = text.split()[-1] if text.split() else ""
        if name and name not in ROSTER_FIELDS:
            raise FactError(
                f"unknown roster column {text!r}{suggestion(name, ROSTER_FIELDS)}",
                file=path,
                line=1,
                expected="columns " + ", ".join(ROSTER_FIELDS),
            )
        fields.append(name or None)
    if "level" not in fields:
        raise FactError(
            "missing column level",
            file=path,
            line=1,
            expected="columns " + ", ".join(ROSTER_FIELDS),
        )
    records = []
    for number, row in enumerate(rows[1:], start=2):
        values = {
            name: value
            for name, value in zip(fields, row, strict=False)
            if name is not None and value is not None and str(value).strip()
        }
        first = str(row[0]).strip() if row and row[0] is not None else ""
        if not values or first.startswith("说明"):
            continue
        records.append((number, values))
    return records


def _entries(path: Path, records: list[tuple[int, Any]]) -> list[RosterEntry]:
    entries = []
    seen: set[str] = set()
    levels = list(LEVEL_ORDER)
    for line, record in records:
        if not isinstance(record, dict):
            raise FactError(
                "a roster entry must be a mapping",
                file=path,
                line=line,
                value=record,
            )
        text = {key: str(value).strip() for key, value in record.items()}
        school_id = text.get("id", "")
        if not school_id:
            raise FactError("missing school id", file=path, line=line, field="id")
        if school_id in seen:
            raise FactError(
                "duplicate id", file=path, line=line, field="id", value=school_id
            )
        seen.add(school_id)
        # As in fact sheets: "小学 primary", "primary" or "小学".
        kind = str(cell_value(text.get("kind") or UnitKind.SCHOOL.value, "choice"))
        level = str(cell_value(text["level"], "choice")) if text.get("level") else None
        if kind == UnitKind.SCHOOL.value and level is None:
            raise FactError(
                "missing school level",
                file=path,
                line=line,
                unit=school_id,
                field="level",
                expected="one of " + ", ".join(levels),
            )
        if kind == UnitKind.SCHOOL.value and level not in LEVEL_ORDER:
            raise FactError(
                f"unknown school level{suggestion(level or '', levels)}",
                file=path,
                line=line,
                unit=school_id,
                field="level",
                value=level,
                expected="one of " + ", ".join(levels),
            )
        entries.append(
            RosterEntry(
                id=school_id,
                name=text.get("name", ""),
                county=text.get("county") or None,
                level=level,
                kind=kind,
            )
        )
    return entries


def draw_sample(
    entries: list[RosterEntry], seed: int, size: int, roster: str, roster_hash: str
) -> Sample:
    """Draw ``size`` schools per county; see the module docstring for the rule."""
    sample = Sample(seed, roster, roster_hash)
    by_county: dict[str, list[RosterEntry]] = defaultdict(list)
    for entry in entries:
        if entry.kind == UnitKind.SCHOOL.value and entry.county is not None:
            by_county[entry.county].append(entry)
    for county in sorted(by_county):
        schools = sorted(by_county[county], key=lambda entry: entry.id)
        # Seeding with text hashes it with SHA-512, the same on every run
        # and platform, unlike hash().
        rng = random.Random(f"{seed}/{county}")
        drawn, warning = _draw_county(rng, schools, size)
        sample.drawn[county] = sorted(entry.id for entry in drawn)
        if warning:
            sample.warnings.append(f"county {county}: {warning}")
    for warning in sample.warnings:
        logger.warning("%s", warning)
    return sample


def _draw_county(
    rng: random.Random, schools: list[RosterEntry], size: int
) -> tuple[list[RosterEntry], str | None]:
    if len(schools) <= size:
        warning = None
        if len(schools) < size:
            counted = "1 school" if len(schools) == 1 else f"{len(schools)} schools"
            warning = (
                f"only {counted}, fewer than the sample size "
                f"{size}; all of them are sampled"
            )
        return list(schools), warning

    by_level: dict[str, list[RosterEntry]] = defaultdict(list)
    for school in schools:
        by_level[school.level or ""].append(school)
    levels = sorted(
        by_level, key=lambda level: LEVEL_ORDER.get(level, len(LEVEL_ORDER))
    )
    if len(levels) >= size:
        chosen = rng.sample(levels, size)
        drawn = [
            rng.choice(by_level[level]) for level in sorted(chosen, key=levels.index)
        ]
        return drawn, None

    # Fewer levels than the sample size: every level once, then the rest
    # one by one to the levels with schools left, in a random order, so
    # the counts differ by at most one wherever schools allow.
    quota = dict.fromkeys(levels, 0)
    remaining = size
    while remaining:
        open_levels = [level for level in levels if quota[level] < len(by_level[level])]
        order = rng.sample(open_levels, len(open_levels))
        order.sort(key=lambda level: quota[level])
        for level in order[:remaining]:
            quota[level] += 1
            remaining -= 1
            if not remaining:
                break
    drawn = []
    for level in levels:
        drawn.extend(rng.sample(by_level[level], quota[level]))
    counts = ", ".join(f"{level} {quota[level]}" for level in levels)
    warning = (
        f"only {len(levels)} school levels for a sample of {size}; "
        f"sampled schools share levels ({counts})"
    )
    return drawn, warning


def sample_facts(
    entries: list[RosterEntry], sample: Sample, rulebook: str, drawn_at: str = ""
) -> dict[str, Any]:
    """Return a facts document: county bureaus, then schools, sampled marked."""
    drawn = {school for schools in sample.drawn.values() for school in schools}
    names = {
        entry.id: entry.name
        for entry in entries
        if entry.kind == UnitKind.COUNTY_BUREAU.value
    }
    counties = sorted(
        {entry.county for entry in entries if entry.county is not None} | set(names)
    )
    units: list[dict[str, Any]] = [
        {"id": county, "name": names.get(county, county), "kind": "county_bureau"}
        for county in counties
    ]
    for entry in entries:
        if entry.kind != UnitKind.SCHOOL.value:
            continue
        unit: dict[str, Any] = {
            "id": entry.id,
            "name": entry.name,
            "kind": "school",
        }
        if entry.county is not None:
            unit["county"] = entry.county
        if entry.level is not None:
            unit["level"] = entry.level
        if entry.county is not None:
            unit["sampled"] = entry.id in drawn
        units.append(unit)
    record: dict[str, Any] = {
        "seed": sample.seed,
        "roster": sample.roster,
        "roster_hash": f"sha256:{sample.roster_hash}",
    }
    if drawn_at:
        record["drawn_at"] = drawn_at
    if sample.warnings:
        record["note"] = "; ".join(sample.warnings)
    return {"rulebook": rulebook, "sample": record, "units": units}
