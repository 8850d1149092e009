"""Short labels of facts, in Chinese and English, for explanations and pictures."""

from __future__ import annotations

from fractions import Fraction

from engine.result import FactRecord
from explain.words import FACT_KINDS, NAMES, VALUES, Language, plain, word


def fact_label(record: FactRecord, language: Language) -> str:
    """Describe one fact as an inspector would write it down."""
    fields = record.fields
    kind = word(FACT_KINDS, record.kind, language)
    zh = language == "zh"

    def value(name: str) -> str:
        return word(VALUES, str(fields.get(name, "")), language)

    if record.kind == "finding":
        note = str(fields.get("note") or "")
        deduct = plain(fields.get("deduct"))
        if zh:
            return f"{kind} {record.id}：{note + '，' if note else ''}扣 {deduct} 分"
        return f"{kind} {record.id}: {note + ', ' if note else ''}deducts {deduct}"
    if record.kind == "exclusion":
        if zh:
            return f"检查组认定 {record.id} 不涉及"
        return f"{record.id} ruled out by the inspector"
    if record.kind == "incident":
        return _incident_label(record, language)
    if record.kind == "petition":
        group = bool(fields.get("group"))
        bad = bool(fields.get("bad_influence"))
        if zh:
            text = f"{kind} {record.id}：{value('level')}{'群体性' if group else '个人'}上访"
            return text + ("，造成恶劣影响" if bad else "")
        text = f"{kind} {record.id}: {'group' if group else 'individual'} petition"
        text += f" at {value('level')} level"
        return text + (", bad influence" if bad else "")
    if record.kind == "recognition":
        if zh:
            return f"{value('level')}{value('kind')} {record.id}"
        return f"{value('level')} {value('kind')} {record.id}"
    if record.kind == "conviction":
        severe = bool(fields.get("severe"))
        if zh:
            return f"{kind} {record.id}：{value('person')}" + (
                "，情节严重" if severe else ""
            )
        return f"{kind} {record.id}: {value('person')}" + (", severe" if severe else "")
    name = word(NAMES, record.id, language)
    if record.kind == "missing":
        return f"缺少测量值：{name}" if zh else f"missing measure: {name}"
    shown = fields.get("value")
    if isinstance(shown, bool) and record.kind in ("flag", "profile"):
        yes_no = yes_no_word(shown, language)
        return f"{name}：{yes_no}" if zh else f"{name}: {yes_no}"
    return f"{name} = {plain(shown)}"


def yes_no_word(value: bool, language: Language) -> str:
    """Return yes or no in ``language``."""
    if language == "zh":
        return "是" if value else "否"
    return "yes" if value else "no"


def _incident_label(record: FactRecord, language: Language) -> str:
    fields = record.fields
    incident_type = word(VALUES, str(fields.get("type")), language)
    severity = word(VALUES, str(fields.get("severity")), language)
    people = fields.get("people", 0)
    deduct = fields.get("deduct")
    liability = bool(fields.get("liability"))
    if language == "zh":
        text = (
            f"事故（案件） {record.id}：{incident_type}，涉及 {people} 人，{severity}"
        )
        if liability:
            text += "，学校负有责任"
        if isinstance(deduct, Fraction):
            text += f"，检查组酌情扣 {plain(deduct)} 分"
        return text
    text = f"incident {record.id}: {incident_type}, {people} people, {severity}"
    if liability:
        text += ", the school is liable"
    if isinstance(deduct, Fraction):
        text += f", inspector's deduction {plain(deduct)}"
    return text
