"""Write a what-if result as text in Chinese or English, or as JSON."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from engine.rulebook import Rulebook
from explain.export import exact_value
from explain.labels import yes_no_word
from explain.whatif import Change, WhatIf
from explain.words import NAMES, Language, plain, shown, word
from report.json_result import shown as shown_number


def _grade_name(rulebook: Rulebook, grade: str, language: Language) -> str:
    parameters = rulebook.parameters
    for named in [*parameters.grades, parameters.failing_grade]:
        if named.grade == grade:
            return named.name_zh if language == "zh" else named.name_en
    return grade


def _change(change: Change, places: int, language: Language) -> str:
    zh = language == "zh"
    points = shown(change.points, places)
    gain = f"挽回 {points} 分" if zh else f"regains {points} points"
    if change.vetoes:
        codes = "、".join(change.vetoes) if zh else ", ".join(change.vetoes)
        lifted = f"解除一票否决 {codes}" if zh else f"lifts veto {codes}"
        gain = (
            lifted
            if not change.points
            else f"{gain}，{lifted}"
            if zh
            else (f"{gain}, {lifted}")
        )

    if change.kind == "rectify":
        fact_id = change.fact.split(":", 1)[1]
        note = f"：{change.note}" if zh and change.note else ""
        note_en = f": {change.note}" if not zh and change.note else ""
        if zh:
            return (
                f"整改检查发现 {fact_id}（{change.field_path}，{change.code}）{note}"
                f"，扣 {plain(change.old)} 分 —— {gain}"
            )
        return (
            f"rectify finding {fact_id} ({change.field_path}, {change.code}){note_en}, "
            f"which deducts {plain(change.old)} — {gain}"
        )

    name_key = change.field_path.split(".", 1)[1]
    name = word(NAMES, name_key, language)
    if change.kind == "set_flag":
        new = change.new is True
        if zh:
            return (
                f"将 {name}（{change.field_path}）由 {'是' if not new else '否'} "
                f"改为 {'是' if new else '否'} —— {gain}"
            )
        return f"set {name} ({change.field_path}) to {'yes' if new else 'no'} — {gain}"
    target = (
        f"，目标 {plain(change.target)}" if zh and change.target is not None else ""
    )
    target_en = (
        f", target {plain(change.target)}"
        if not zh and change.target is not None
        else ""
    )

    new_value = plain(change.new)
    if isinstance(change.new, bool):
        new_value = yes_no_word(change.new, language)
    if change.old is None:
        if zh:
            return f"补报 {name}（{change.field_path}），至少 {new_value}{target} —— {gain}"
        return (
            f"report the missing {name} ({change.field_path}) at "
            f"{new_value} or more{target_en} — {gain}"
        )
    old_value = plain(change.old)
    if isinstance(change.old, bool):
        old_value = yes_no_word(change.old, language)
        if zh:
            return f"将 {name}（{change.field_path}）由 {old_value} 改为 {new_value} —— {gain}"
        return f"set {name} ({change.field_path}) to {new_value} — {gain}"
    if zh:
        return (
            f"将 {name}（{change.field_path}）从 {old_value} 提高到 "
            f"{new_value}{target} —— {gain}"
        )
    return (
        f"raise {name} ({change.field_path}) from {old_value} to "
        f"{new_value}{target_en} — {gain}"
    )


def format_whatif(answer: WhatIf, rulebook: Rulebook, language: Language = "zh") -> str:
    """Return the result as text: the changes, or the reason none suffice."""
    zh = language == "zh"
    places = answer.places
    grade = _grade_name(rulebook, answer.grade, language)
    target = _grade_name(rulebook, answer.target, language)
    total = shown(answer.total, places)
    lines = []
    if zh:
        lines.append(
            f"{answer.name}（{answer.unit}）：现为 {grade}（总分 {total}），目标 {target}"
        )
    else:
        lines.append(
            f"{answer.name} ({answer.unit}): now {grade} (total {total}), "
            f"target {target}"
        )
    if answer.already:
        lines.append(
            f"  已达到 {target}，无需改变。"
            if zh
            else f"  already at {target}; nothing to change."
        )
        return "\n".join(lines) + "\n"
    if not answer.reachable:
        lines.extend(_unreachable(answer, rulebook, language))
        return "\n".join(lines) + "\n"

    count = len(answer.changes)
    points = shown(answer.points, places)
    if zh:
        lines.append(f"  最少需要 {count} 项改变（共挽回评分表 {points} 分）：")
    else:
        lines.append(
            f"  the fewest changes: {count} (regaining {points} sheet points):"
        )
    for index, change in enumerate(answer.changes, 1):
        lines.append(f"    {index}. {_change(change, places, language)}")
    assert answer.total_after is not None and answer.grade_after is not None
    after = shown(answer.total_after, places)
    grade_after = _grade_name(rulebook, answer.grade_after, language)
    if zh:
        lines.append(f"  按改变后的事实重新评估：总分 {after}，等级 {grade_after}")
        if answer.kind == "county_bureau":
            lines.append("  （只改变教育局自身的评分表，抽查学校得分不变）")
    else:
        lines.append(
            f"  evaluated again with these changes: total {after}, {grade_after}"
        )
        if answer.kind == "county_bureau":
            lines.append("  (only the bureau's own sheet changes; its schools stay)")
    return "\n".join(lines) + "\n"


def _unreachable(answer: WhatIf, rulebook: Rulebook, language: Language) -> list[str]:
    zh = language == "zh"
    places = answer.places
    target = _grade_name(rulebook, answer.target, language)
    failing = _grade_name(rulebook, rulebook.parameters.failing_grade.grade, language)
    lines = []
    if answer.blockers:
        lines.append(f"  无法达到 {target}：" if zh else f"  {target} is out of reach:")
        for blocker in answer.blockers:
            facts = "；".join(blocker.labels_zh) if zh else "; ".join(blocker.labels_en)
            if zh:
                lines.append(
                    f"    一票否决 {blocker.veto}（规则 {blocker.rule}）由 {facts} 触发"
                )
                lines.append(f"      条款：{blocker.clause}")
            else:
                lines.append(
                    f"    veto {blocker.veto} (rule {blocker.rule}) was triggered by {facts}"
                )
                lines.append(f"      clause: {blocker.clause}")
        if zh:
            lines.append(
                "  年内发生的事故（案件）、上访、表彰通报和刑事处罚无法撤销，"
                f"所以本年度只能评为 {failing}。"
            )
        else:
            lines.append(
                "  Incidents, petitions, recognitions and convictions of the year "
                f"cannot be undone, so the unit stays {failing} this year."
            )
        return lines

    assert answer.best_total is not None and answer.shortfall is not None
    assert answer.cutoff is not None
    best = shown(answer.best_total, places)
    short = shown(answer.shortfall, places)
    cutoff = plain(answer.cutoff)
    if zh:
        lines.append(
            f"  无法达到 {target}（需总分 {cutoff} 分以上）：即使评分表的失分全部挽回，"
            f"总分最高为 {best}，还差 {short} 分。"
        )
        if answer.adjustments is not None:
            lines.append(
                f"  原因：调控指标合计 {shown(answer.adjustments, places)} 分不能改变，"
                f"抽查学校平均得分率 {shown(answer.schools_mean or Fraction(0), places)} "
                "也不变。"
            )
    else:
        lines.append(
            f"  {target} (a total of {cutoff} or more) is out of reach: even with "
            f"every lost sheet point regained the total is at most {best}, "
            f"{short} short."
        )
        if answer.adjustments is not None:
            lines.append(
                f"  The adjustments ({shown(answer.adjustments, places)}) cannot "
                "change, nor can the sampled schools' mean "
                f"({shown(answer.schools_mean or Fraction(0), places)})."
            )
    return lines


def whatif_document(answer: WhatIf, rulebook_id: str) -> dict[str, Any]:
    """Return the what-if result as a JSON-ready mapping."""
    places = answer.places

    def number(value: Fraction | None) -> Any:
        return shown_number(value, places)

    return {
        "rulebook": rulebook_id,
        "unit": answer.unit,
        "name": answer.name,
        "kind": answer.kind,
        "grade": answer.grade,
        "target": answer.target,
        "already": answer.already,
        "reachable": answer.reachable,
        "total": number(answer.total),
        "total_after": number(answer.total_after),
        "grade_after": answer.grade_after,
        "points": number(answer.points),
        "changes": [
            {
                "kind": change.kind,
                "fact": change.fact,
                "field_path": change.field_path,
                "code": change.code,
                "old": exact_value(change.old),
                "new": exact_value(change.new),
                "new_exact_minimum": exact_value(
                    change.exact if change.exact is not None else change.new
                ),
                "target": exact_value(change.target),
                "points": number(change.points),
                "vetoes": list(change.vetoes),
            }
            for change in answer.changes
        ],
        "blockers": [
            {
                "veto": blocker.veto,
                "rule": blocker.rule,
                "facts": list(blocker.facts),
                "clause": blocker.clause,
            }
            for blocker in answer.blockers
        ],
        "best_total": number(answer.best_total),
        "shortfall": number(answer.shortfall),
        "cutoff": number(answer.cutoff),
    }
