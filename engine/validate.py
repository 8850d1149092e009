"""Check a unit's facts against the rulebook: codes, maxima and its county."""

from __future__ import annotations

from engine.checks import format_points
from engine.rulebook import Rulebook
from facts.errors import FactError, suggestion
from facts.readers import UnitRecord
from facts.vocabulary import UnitKind


def check_unit(
    rulebook: Rulebook, record: UnitRecord, kinds: dict[str, UnitKind | None]
) -> list[str]:
    """Raise :class:`FactError` listing every problem; return warnings."""
    unit = record.unit
    sheet = rulebook.sheet_for(unit.kind)
    sheet_codes = rulebook.codes_of(sheet)
    on_sheet = set(sheet_codes)
    problems: list[FactError] = []
    warnings: list[str] = []

    def unknown_code(code: str, field: str, location: tuple[object, ...]) -> FactError:
        if code in rulebook.codes:
            other = rulebook.codes[code].sheet
            problem = (
                f"item {code} belongs to the {other.id} sheet, not to the "
                f"{sheet.id} sheet that scores a {unit.kind.value}"
            )
        else:
            problem = f"unknown item code{suggestion(code, sheet_codes)}"
        return record.error(
            problem,
            field=field,
            value=code,
            expected=f"a code of the {sheet.id} sheet "
            f"({sheet_codes[0]}…{sheet_codes[-1]})",
            location=location,
        )

    for index, finding in enumerate(unit.findings):
        field = f"findings[{index}].item"
        location = ("findings", index, "item")
        if finding.item not in on_sheet:
            problems.append(unknown_code(finding.item, field, location))
            continue
        scored = rulebook.codes[finding.item]
        if scored.is_item and scored.item.parts:
            parts = ", ".join(part.code for part in scored.item.parts)
            problems.append(
                record.error(
                    f"item {finding.item} is scored in parts; name the part",
                    field=field,
                    value=finding.item,
                    expected=f"one of {parts}",
                    location=location,
                )
            )
            continue
        if finding.deduct > scored.points:
            problems.append(
                record.error(
                    f"one finding deducts more than the maximum of {finding.item}",
                    field=f"findings[{index}].deduct",
                    value=format_points(finding.deduct),
                    expected=f"at most {format_points(scored.points)} points",
                    location=("findings", index, "deduct"),
                )
            )

    for index, code in enumerate(unit.not_applicable):
        if code not in on_sheet:
            problems.append(
                unknown_code(
                    code, f"not_applicable[{index}]", ("not_applicable", index)
                )
            )
    for code, points in unit.self_scores.items():
        if code not in on_sheet:
            problems.append(
                unknown_code(code, f"self_scores.{code}", ("self_scores", code))
            )
        elif points > rulebook.codes[code].points:
            problems.append(
                record.error(
                    f"self score above the maximum of {code}",
                    field=f"self_scores.{code}",
                    value=format_points(points),
                    expected=f"at most {format_points(rulebook.codes[code].points)} points",
                    location=("self_scores", code),
                )
            )
    for index, hazard in enumerate(unit.hazards):
        if hazard.item is not None and hazard.item not in on_sheet:
            problems.append(
                unknown_code(
                    hazard.item, f"hazards[{index}].item", ("hazards", index, "item")
                )
            )

    if unit.kind is UnitKind.SCHOOL:
        if unit.county is not None:
            county_kind = kinds.get(unit.county)
            if unit.county in kinds and county_kind is None:
                warnings.append(
                    f"county {unit.county} failed to read, so this school counts "
                    "toward no county total"
                )
            elif county_kind is None:
                problems.append(
                    record.error(
                        "the school's county is not among the inputs",
                        field="county",
                        value=unit.county,
                        expected="the id of a county bureau in the facts"
                        + suggestion(unit.county, _county_ids(kinds)),
                        location=("county",),
                    )
                )
            elif county_kind is not UnitKind.COUNTY_BUREAU:
                problems.append(
                    record.error(
                        "the school's county names a unit that is not a county bureau",
                        field="county",
                        value=unit.county,
                        expected="the id of a unit of kind county_bureau",
                        location=("county",),
                    )
                )
        elif unit.sampled:
            warnings.append("sampled is ignored on a school directly under the city")

    if problems:
        if len(problems) == 1:
            raise problems[0]
        raise FactError(
            problems[0].problem, file=record.file, unit=unit.id, parts=problems
        )
    return warnings


def _county_ids(kinds: dict[str, UnitKind | None]) -> list[str]:
    # Listed only for an error message: building it for every school would
    # cost time in proportion to the number of units, per school.
    return [key for key, kind in kinds.items() if kind is UnitKind.COUNTY_BUREAU]
