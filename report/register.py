"""The hazard register (隐患整改台账): hazards still open on a given date.

A hazard is open on a date when it was found on or before that date and
not rectified by then; it is overdue when its deadline has also passed.
Hazards found later, or rectified by the date, are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from facts.readers import UnitRecord
from report.csv_result import Cell, header

REGISTER_COLUMNS = [
    header("单位代码", "unit"),
    header("单位名称", "name"),
    header("隐患编号", "hazard"),
    header("考核项", "item"),
    header("隐患描述", "description"),
    header("发现日期", "found"),
    header("整改期限", "deadline"),
    header("整改日期", "rectified"),
    header("状态", "status"),
    header("逾期天数", "days_overdue"),
]


@dataclass(frozen=True)
class OpenHazard:
    unit: str
    name: str
    hazard: str
    item: str | None
    description: str
    found: dt.date
    deadline: dt.date | None
    rectified: dt.date | None
    overdue_days: int

    @property
    def status(self) -> str:
        return "overdue" if self.overdue_days > 0 else "open"

    def row(self) -> list[Cell]:
        return [
            self.unit,
            self.name,
            self.hazard,
            self.item,
            self.description,
            self.found.isoformat(),
            self.deadline.isoformat() if self.deadline else None,
            self.rectified.isoformat() if self.rectified else None,
            "逾期 overdue" if self.overdue_days > 0 else "未整改 open",
            self.overdue_days,
        ]


def open_hazards(records: Iterable[UnitRecord], as_of: dt.date) -> list[OpenHazard]:
    """List the hazards open on ``as_of``, by unit in input order."""
    found = []
    for record in records:
        unit = record.unit
        for hazard in unit.hazards:
            if hazard.found > as_of:
                continue
            if hazard.rectified is not None and hazard.rectified <= as_of:
                continue
            overdue = 0
            if hazard.deadline is not None and hazard.deadline < as_of:
                overdue = (as_of - hazard.deadline).days
            found.append(
                OpenHazard(
                    unit=unit.id,
                    name=unit.name,
                    hazard=hazard.id,
                    item=hazard.item,
                    description=hazard.description,
                    found=hazard.found,
                    deadline=hazard.deadline,
                    rectified=hazard.rectified,
                    overdue_days=overdue,
                )
            )
    return found
