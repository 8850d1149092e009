"""Write an explanation as text for inspectors, in Chinese or English."""

from __future__ import annotations

from fractions import Fraction

from explain.explanation import (
    AdjustmentView,
    Explanation,
    FiringView,
    LossView,
    VetoView,
    item_codes,
)
from explain.words import NAMES, Language, plain, shown, word

INDENT = "  "


class _Writer:
    def __init__(self, explanation: Explanation, language: Language) -> None:
        self.explanation = explanation
        self.language = language
        self.lines: list[str] = []

    def t(self, zh: str, en: str) -> str:
        return zh if self.language == "zh" else en

    def num(self, value: Fraction) -> str:
        return shown(value, self.explanation.places)

    def signed(self, value: Fraction) -> str:
        text = self.num(value)
        return text if value < 0 else "+" + text

    def line(self, depth: int, text: str) -> None:
        self.lines.append(INDENT * depth + text)

    def blank(self) -> None:
        if self.lines and self.lines[-1]:
            self.lines.append("")


def format_explanation(
    explanation: Explanation, language: Language = "zh", item: str | None = None
) -> str:
    """Return the explanation as text: grade, vetoes, then lost points, most first.

    With ``item`` only that item (and its parts) is shown.
    """
    writer = _Writer(explanation, language)
    _header(writer)
    if item is not None:
        _item_only(writer, item)
        return "\n".join(writer.lines) + "\n"
    _vetoes(writer)
    _losses(writer)
    _ignored(writer)
    if explanation.adjusted is not None:
        _adjustments(writer)
        _schools(writer)
    return "\n".join(writer.lines).rstrip("\n") + "\n"


def _header(w: _Writer) -> None:
    e = w.explanation
    kind = w.t("县（市、区）教育局", "county bureau")
    if e.kind == "school":
        kind = w.t("学校", "school")
    w.line(0, w.t(f"{e.name}（{e.unit}，{kind}）", f"{e.name} ({e.unit}, {kind})"))
    grade = e.grade_name(e.grade, w.language)
    if e.vetoes:
        codes = "、".join(v.code for v in e.vetoes)
        w.line(
            1,
            w.t(
                f"等级：{grade}（一票否决：{codes}）",
                f"grade: {grade} (vetoed by {', '.join(v.code for v in e.vetoes)})",
            ),
        )
    else:
        w.line(1, w.t(f"等级：{grade}", f"grade: {grade}"))
    w.line(1, w.t(f"总分：{w.num(e.total)}", f"total: {w.num(e.total)}"))
    w.line(
        1,
        w.t(
            f"评分表：得 {w.num(e.earned)} 分，满分 {w.num(e.maximum)} 分，"
            f"得分率 {w.num(e.sheet_percent)}",
            f"sheet: {w.num(e.earned)} of {w.num(e.maximum)} points, "
            f"percent {w.num(e.sheet_percent)}",
        ),
    )
    if e.vetoes:
        without = e.grade_name(e.grade_without_vetoes, w.language)
        w.line(
            1,
            w.t(
                f"若没有一票否决，按总分应为：{without}",
                f"without the veto the total would grade: {without}",
            ),
        )


def _fact_lines(w: _Writer, depth: int, firing: FiringView) -> None:
    for fact in firing.facts:
        w.line(
            depth,
            w.t(
                f"事实：{fact.label('zh')}（{fact.field_path}）",
                f"fact: {fact.label('en')} ({fact.field_path})",
            ),
        )


def _vetoes(w: _Writer) -> None:
    e = w.explanation
    if not e.vetoes:
        return
    w.blank()
    w.line(0, w.t("一票否决", "Vetoes (一票否决)"))
    for veto in e.vetoes:
        _veto(w, veto)
    without = e.grade_name(e.grade_without_vetoes, w.language)
    if len(e.vetoes) == 1:
        w.line(
            2,
            w.t(
                f"若无此否决：总分 {w.num(e.total)}，等级为 {without}",
                f"without it: total {w.num(e.total)}, grade {without}",
            ),
        )
    else:
        w.line(
            1,
            w.t(
                f"若以上 {len(e.vetoes)} 项一票否决都没有：总分 {w.num(e.total)}，"
                f"等级为 {without}",
                f"without all {len(e.vetoes)} vetoes: total {w.num(e.total)}, "
                f"grade {without}",
            ),
        )


def _veto(w: _Writer, veto: VetoView) -> None:
    title = f" {veto.title}" if veto.title else ""
    w.line(1, f"{veto.code}{title}")
    w.line(2, w.t(f"条款：{veto.clause}", f"clause (notice): {veto.clause}"))
    for firing in veto.firings:
        case = f"：{firing.rule_text}" if firing.rule_text else ""
        case_en = f": {firing.rule_text}" if firing.rule_text else ""
        w.line(2, w.t(f"规则 {firing.rule}{case}", f"rule {firing.rule}{case_en}"))
        _fact_lines(w, 3, firing)


def _losses(w: _Writer) -> None:
    e = w.explanation
    w.blank()
    if not e.losses:
        w.line(0, w.t("评分表没有失分。", "The sheet lost no points."))
        return
    lost = sum((loss.lost for loss in e.losses), Fraction(0))
    w.line(
        0,
        w.t(
            f"失分（{len(e.losses)} 项，共 {w.num(lost)} 分，按失分多少排列）",
            f"Lost points ({len(e.losses)} items, {w.num(lost)} points, most first)",
        ),
    )
    for loss in e.losses:
        _loss(w, loss)


def _loss(w: _Writer, loss: LossView) -> None:
    part_of = ""
    if loss.item:
        part_of = w.t(f"（{loss.item} 的一部分）", f" (part of {loss.item})")
    w.line(
        1,
        w.t(
            f"{loss.code}{part_of} 失 {w.num(loss.lost)} 分："
            f"满分 {w.num(loss.maximum)}，得 {w.num(loss.earned)}",
            f"{loss.code}{part_of} lost {w.num(loss.lost)}: "
            f"{w.num(loss.earned)} of {w.num(loss.maximum)}",
        ),
    )
    w.line(2, w.t(f"条款：{loss.clause}", f"clause: {loss.clause}"))
    for deduction in loss.deductions:
        _deduction(w, deduction)
    if loss.capped:
        w.line(
            2,
            w.t(
                f"扣分合计 {w.num(loss.deducted)}，超过满分，该项按 0 分计",
                f"deductions add up to {w.num(loss.deducted)}, more than the "
                "maximum, so the item scores 0",
            ),
        )


def _deduction(w: _Writer, firing: FiringView) -> None:
    points = w.num(firing.points or Fraction(0))
    if firing.measure is not None:
        name = word(NAMES, firing.measure, w.language)
        if firing.missing:
            w.line(
                2,
                w.t(
                    f"· 扣 {points} 分：缺少测量值 {name}（measures.{firing.measure}），"
                    f"该部分 {points} 分不得分（规则 {firing.rule}）",
                    f"· −{points}: measure {firing.measure} is missing, so its "
                    f"{points} points are not earned (rule {firing.rule})",
                ),
            )
            return
        target = plain(firing.target)
        how = {
            "proportional": w.t("按比例得分", "earned in proportion"),
            "all_or_nothing": w.t("未达到目标不得分", "earned only at the target"),
        }.get(firing.shortfall or "", "")
        fact = firing.facts[0] if firing.facts else None
        value = fact.label(w.language) if fact else name
        path = f"（{fact.field_path}）" if fact and w.language == "zh" else ""
        path_en = f" ({fact.field_path})" if fact and w.language == "en" else ""
        w.line(
            2,
            w.t(
                f"· 扣 {points} 分：{value}{path}，目标 {target}，{how}"
                f"（规则 {firing.rule}）",
                f"· −{points}: {value}{path_en}, target {target}, {how} "
                f"(rule {firing.rule})",
            ),
        )
        return
    for fact in firing.facts:
        w.line(
            2,
            w.t(
                f"· 扣 {points} 分：{fact.label('zh')}（{fact.field_path}）",
                f"· −{points}: {fact.label('en')} ({fact.field_path})",
            ),
        )


def _ignored(w: _Writer) -> None:
    e = w.explanation
    if e.not_applicable:
        w.blank()
        w.line(
            0,
            w.t(
                f"不涉及（不计分，也不计入满分）：{'、'.join(e.not_applicable)}",
                "Not applicable (neither earned nor counted in the maximum): "
                + ", ".join(e.not_applicable),
            ),
        )
    for firing in e.ignored:
        for fact in firing.facts:
            w.line(
                1,
                w.t(
                    f"未计入：{fact.label('zh')}（{fact.field_path}）——"
                    f"{firing.reason('zh')}",
                    f"not counted: {fact.label('en')} ({fact.field_path}): "
                    f"{firing.reason('en')}",
                ),
            )


def _adjustments(w: _Writer) -> None:
    e = w.explanation
    w.blank()
    if not e.adjustments:
        w.line(0, w.t("调控指标：无", "Adjustments (调控指标): none"))
    else:
        w.line(
            0,
            w.t(
                "调控指标（加到评分表得分率上）",
                "Adjustments (调控指标), added to the sheet percent",
            ),
        )
        for adjustment in e.adjustments:
            _adjustment(w, adjustment)
    assert e.adjusted is not None
    net = sum((a.points for a in e.adjustments), Fraction(0))
    w.line(
        1,
        w.t(
            f"调整后得分：{w.num(e.adjusted)}（得分率 {w.num(e.sheet_percent)}"
            f"，调控 {w.signed(net)}）",
            f"adjusted score: {w.num(e.adjusted)} (sheet percent "
            f"{w.num(e.sheet_percent)}, adjustments {w.signed(net)})",
        ),
    )
    if e.floored:
        w.line(
            2,
            w.t(
                f"调整后得分不低于 {w.num(e.adjusted)}",
                f"the adjusted score is never below {w.num(e.adjusted)}",
            ),
        )


def _adjustment(w: _Writer, adjustment: AdjustmentView) -> None:
    title = f" {adjustment.title}" if adjustment.title else ""
    vetoed = w.t("（含一票否决）", " (with a veto)") if adjustment.vetoed else ""
    w.line(1, f"{adjustment.code}{title}：{w.signed(adjustment.points)}{vetoed}")
    w.line(2, w.t(f"条款：{adjustment.clause}", f"clause: {adjustment.clause}"))
    for firing in adjustment.firings:
        facts = "；".join(f"{f.label('zh')}（{f.field_path}）" for f in firing.facts)
        facts_en = "; ".join(f"{f.label('en')} ({f.field_path})" for f in firing.facts)
        case = ""
        if firing.rule_text:
            case = w.t(f"：{firing.rule_text}", f": {firing.rule_text}")
        if firing.effect == "veto":
            w.line(
                2,
                w.t(
                    f"· 一票否决：{facts}（规则 {firing.rule}{case}）",
                    f"· veto: {facts_en} (rule {firing.rule}{case})",
                ),
            )
        elif firing.counted:
            points = w.signed(firing.points or Fraction(0))
            w.line(
                2,
                w.t(
                    f"· 计入 {points}：{facts}（规则 {firing.rule}{case}）",
                    f"· counted {points}: {facts_en} (rule {firing.rule}{case})",
                ),
            )
        else:
            points = w.signed(firing.points or Fraction(0))
            w.line(
                2,
                w.t(
                    f"· 未计入 {points}：{facts}——{firing.reason('zh')}",
                    f"· not counted {points}: {facts_en}: {firing.reason('en')}",
                ),
            )


def _schools(w: _Writer) -> None:
    e = w.explanation
    assert e.schools_mean is not None and e.adjusted is not None
    assert e.own_weight is not None and e.schools_weight is not None
    share = plain(100 * e.schools_weight)
    w.blank()
    w.line(
        0,
        w.t(
            f"抽查学校（占总分 {share}%，每校权重相同）",
            f"Sampled schools ({share}% of the total, each school weighs the same)",
        ),
    )
    for school in e.schools:
        grade = e.grade_name(school.grade, w.language) if school.grade else ""
        vetoed = w.t("，一票否决", ", vetoed") if school.vetoed else ""
        counted = ""
        if school.counted != school.percent:
            counted = w.t(
                f"，计入 {w.num(school.counted)}",
                f", counted as {w.num(school.counted)}",
            )
        w.line(
            1,
            w.t(
                f"{school.unit} {school.name}：得分率 {w.num(school.percent)}"
                f"{counted}（{grade}{vetoed}），贡献总分 {w.num(school.contribution)}",
                f"{school.unit} {school.name}: percent {w.num(school.percent)}"
                f"{counted} ({grade}{vetoed}), adds {w.num(school.contribution)} "
                "to the total",
            ),
        )
    own = e.own_weight * e.adjusted
    mean = e.schools_weight * e.schools_mean
    w.line(
        1,
        w.t(
            f"总分 {w.num(e.total)} = {plain(e.own_weight)} × 调整后得分 "
            f"{w.num(e.adjusted)}（{w.num(own)}）+ {plain(e.schools_weight)} × "
            f"抽查学校平均 {w.num(e.schools_mean)}（{w.num(mean)}）",
            f"total {w.num(e.total)} = {plain(e.own_weight)} × adjusted "
            f"{w.num(e.adjusted)} ({w.num(own)}) + {plain(e.schools_weight)} × "
            f"schools' mean {w.num(e.schools_mean)} ({w.num(mean)})",
        ),
    )


def _item_only(w: _Writer, code: str) -> None:
    e = w.explanation
    codes = item_codes(e, code)
    w.blank()
    if code in e.not_applicable:
        w.line(0, w.t(f"{code} 不涉及，不计分。", f"{code} does not apply."))
        return
    losses = [loss for loss in e.losses if loss.code in codes]
    data = e.graph.nodes[f"code:{code}"]
    w.line(
        0,
        w.t(
            f"{code}：满分 {w.num(data['maximum'])}，得 {w.num(data['value'])}",
            f"{code}: {w.num(data['value'])} of {w.num(data['maximum'])}",
        ),
    )
    # An item without parts shows its clause once, under its loss.
    if len(codes) > 1 or not losses:
        clause = data["source"]["clause"]
        w.line(1, w.t(f"条款：{clause}", f"clause: {clause}"))
    if not losses:
        w.line(1, w.t("该项没有失分。", "No points lost on this item."))
    for loss in losses:
        _loss(w, loss)
