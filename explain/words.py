"""Words an inspector reads, in Chinese and English, for facts and their values.

These are names of the fact vocabulary, not numbers of the notice: the
points, targets and cut-offs shown beside them always come from the rulebook
or the result.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Literal

from engine.result import round_half_up

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")

FACT_KINDS: dict[str, tuple[str, str]] = {
    "finding": ("检查发现", "finding"),
    "exclusion": ("检查组认定不涉及", "ruled out by the inspector"),
    "incident": ("事故（案件）", "incident"),
    "petition": ("上访", "petition"),
    "recognition": ("表彰或通报", "recognition"),
    "conviction": ("刑事处罚", "conviction"),
    "measure": ("测量值", "measure"),
    "missing": ("缺少的测量值", "missing measure"),
    "flag": ("情况标志", "flag"),
    "profile": ("学校情况", "profile"),
}

NAMES: dict[str, tuple[str, str]] = {
    # measures
    "director_safety_deployments": (
        "教育局一把手亲自部署、调度、检查安全工作次数",
        "director's safety deployments in the year",
    ),
    "staff_safety_exam_participation_rate": (
        "全员安全知识考试参考率",
        "staff safety exam participation rate",
    ),
    "safety_education_platform_in_use": (
        "安全教育平台开通使用",
        "safety education platform in use",
    ),
    "student_liability_insurance_rate": (
        "学生校方责任险投保率",
        "student school-liability insurance rate",
    ),
    "teacher_liability_insurance_rate": (
        "教师校方责任险投保率",
        "teacher school-liability insurance rate",
    ),
    "student_accident_insurance_rate": (
        "学生意外伤害险投保率",
        "student accident insurance rate",
    ),
    "app_download_rate_staff": (
        "象牙塔APP下载率（领导和安全干部）",
        "Xiangyata app download rate (staff)",
    ),
    "app_download_rate_parents": (
        "象牙塔APP下载率（家长）",
        "Xiangyata app download rate (parents)",
    ),
    "semester_drills_min": (
        "学期应急演练次数（较少的学期）",
        "emergency drills in the semester with fewer",
    ),
    "safety_awareness_rate": ("师生安全创建知晓率", "safety awareness rate"),
    "safety_participation_rate": ("师生安全创建参与率", "safety participation rate"),
    "grid_platform_usage_rate": (
        "安全隐患网格化平台开通使用率",
        "grid platform usage rate",
    ),
    # flags
    "six_implementations_done": (
        "公共安全教育做到“六落实”",
        "public safety education's six implementations done",
    ),
    "mass_health_incident": ("发生群体卫生责任事故", "mass health incident"),
    "three_prevention_standard_met": (
        "“三防”达到配备标准",
        "three-prevention standard met",
    ),
    "liable_harm_case": ("发生应由学校承担责任的侵害案件", "liable harm case"),
    "concealed_incident": ("事件事故不报、瞒报、漏报", "concealed incident"),
    "assessment_fraud": ("考评中弄虚作假", "assessment fraud"),
    "risk_prevention_sound": ("校园风险防范机制健全", "risk prevention sound"),
    "dual_prevention_in_place": (
        "双重预防机制全面落实",
        "dual prevention mechanism in place",
    ),
    # profile keys
    "boarding": ("有住宿学生", "has boarders"),
    "canteen": ("有食堂", "has a canteen"),
    "chemistry_lab": ("有化学实验室", "has a chemistry laboratory"),
    "vehicles": ("有自备车辆", "has vehicles"),
}

VALUES: dict[str, tuple[str, str]] = {
    "injury": ("人身伤害", "injury"),
    "health": ("学校卫生", "health"),
    "mass_poisoning": ("集体中毒", "mass poisoning"),
    "homicide": ("杀人", "homicide"),
    "robbery": ("抢劫", "robbery"),
    "arson": ("纵火", "arson"),
    "burglary": ("入室盗窃", "burglary"),
    "mass_fight": ("集体殴斗", "mass fight"),
    "collapse": ("校舍倒塌", "building collapse"),
    "fire": ("火灾", "fire"),
    "disaster": ("灾害", "disaster"),
    "other": ("其他", "other"),
    "ordinary": ("一般", "ordinary"),
    "major": ("重大", "major"),
    "especially_major": ("特别重大", "especially major"),
    "city": ("市级", "city"),
    "province": ("省级", "province"),
    "national": ("国家级", "national"),
    "commendation": ("表彰", "commendation"),
    "criticism": ("通报批评", "criticism"),
    "warning": ("通报警示", "notified warning"),
    "staff": ("教职员工", "staff member"),
    "student": ("在校生", "student"),
}

TERMS: dict[str, tuple[str, str]] = {
    "county_bureau": ("县（市、区）教育局", "county bureau"),
    "school": ("学校", "school"),
    "veto": ("一票否决", "veto"),
    "vetoes": ("一票否决", "Vetoes"),
    "deduction": ("扣分", "deduction"),
    "lost": ("失分", "Lost points"),
    "adjustment": ("调控指标", "Adjustments"),
    "schools": ("抽查学校", "Sampled schools"),
    "total": ("总分", "total"),
    "grade": ("等级", "grade"),
    "sheet_percent": ("评分表得分率", "sheet percent"),
    "earned": ("得分", "earned"),
    "maximum": ("满分", "maximum"),
    "adjusted": ("调整后得分", "adjusted score"),
    "schools_mean": ("抽查学校平均得分率", "sampled schools' mean"),
    "ignored": ("未计入", "not counted"),
    "not_applicable": ("不涉及", "not applicable"),
}


def word(table: dict[str, tuple[str, str]], key: str, language: Language) -> str:
    """Return the word for ``key`` in ``language``, or ``key`` itself if unknown."""
    pair = table.get(key)
    if pair is None:
        return key
    return pair[0] if language == "zh" else pair[1]


def both(table: dict[str, tuple[str, str]], key: str) -> tuple[str, str]:
    """Return the (Chinese, English) pair for ``key``."""
    return (word(table, key, "zh"), word(table, key, "en"))


def shown(value: Fraction, places: int = 2) -> str:
    """Round an exact number once for display, half up.

    >>> shown(Fraction(2473, 2500))
    '0.99'
    """
    return str(round_half_up(value, places))


def plain(value: object) -> str:
    """Write a fact value as its exact decimal text where it has one.

    >>> plain(Fraction(8971, 10000))
    '0.8971'
    >>> plain(True)
    'true'
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        decimal = Decimal(value.numerator) / Decimal(value.denominator)
        if Fraction(decimal) == value:
            return str(decimal)
        return f"{value.numerator}/{value.denominator}"
    return str(value)
