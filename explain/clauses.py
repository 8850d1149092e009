"""Find the rulebook clause behind each rule firing: the wording a point was lost under."""

from __future__ import annotations

from dataclasses import dataclass

from engine.compiler import EXCLUSION_RULE, FINDING_RULE
from engine.result import Firing
from engine.rulebook import (
    Adjustment,
    AdjustmentRule,
    Applicability,
    MeasureRule,
    Rulebook,
    Veto,
    VetoRule,
)

MISSING_SUFFIX = ".missing"


@dataclass(frozen=True)
class Clause:
    """The rulebook's wording behind a firing or a score.

    ``text`` is the notice's wording (the item, part, indicator or veto);
    ``rule_text`` is the wording of the one case that fired, where the
    rulebook gives the case its own (an adjustment band, a veto rule, a
    measure rule).
    """

    rule: str
    code: str
    text: str
    rule_text: str = ""
    title: str = ""


class ClauseIndex:
    """Look up rules of a rulebook by id and items, indicators and vetoes by code."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        model = rulebook.model
        self.measures: dict[str, MeasureRule] = {m.id: m for m in model.measures}
        self.applicability: dict[str, Applicability] = {
            a.id: a for a in model.applicability
        }
        self.adjustments: dict[str, Adjustment] = {a.code: a for a in model.adjustments}
        self.adjustment_rules: dict[str, tuple[Adjustment, AdjustmentRule]] = {
            rule.id: (adjustment, rule)
            for adjustment in model.adjustments
            for rule in adjustment.rules
        }
        self.vetoes: dict[str, Veto] = {v.code: v for v in model.vetoes}
        self.veto_rules: dict[str, tuple[Veto, VetoRule]] = {
            rule.id: (veto, rule) for veto in model.vetoes for rule in veto.rules
        }

    def item(self, code: str) -> Clause:
        """Return the wording of an item or part."""
        scored = self.rulebook.codes[code]
        return Clause(rule=code, code=code, text=scored.text)

    def measure(self, rule_id: str) -> MeasureRule | None:
        """Return the measure rule of a firing's rule id (its own or its missing case)."""
        return self.measures.get(rule_id.removesuffix(MISSING_SUFFIX))

    def firing(self, firing: Firing) -> Clause:
        """Return the clause that a firing applied."""
        if firing.effect == "deduction":
            text = self.rulebook.codes[firing.code].text
            measure = self.measure(firing.rule)
            rule_text = measure.text if measure is not None else ""
            return Clause(firing.rule, firing.code, text, rule_text)
        if firing.effect == "exclusion":
            if firing.rule == EXCLUSION_RULE:
                return Clause(firing.rule, firing.code, firing.detail)
            applicability = self.applicability.get(firing.rule)
            reason = applicability.reason if applicability else firing.detail
            return Clause(firing.rule, firing.code, reason)
        if firing.rule in self.adjustment_rules:
            adjustment, rule = self.adjustment_rules[firing.rule]
            return Clause(
                firing.rule,
                adjustment.code,
                adjustment.text,
                rule.text,
                adjustment.title,
            )
        if firing.rule in self.veto_rules:
            veto, veto_rule = self.veto_rules[firing.rule]
            return Clause(firing.rule, veto.code, veto.text, veto_rule.text)
        return Clause(firing.rule, firing.code, firing.detail)

    def veto(self, code: str) -> Clause:
        """Return the notice's wording of a veto code (a veto or an indicator)."""
        if code in self.vetoes:
            return Clause(code, code, self.vetoes[code].text)
        adjustment = self.adjustments.get(code)
        if adjustment is not None:
            return Clause(code, code, adjustment.text, title=adjustment.title)
        return Clause(code, code, "")

    def adjustment(self, code: str) -> Clause:
        """Return the notice's wording of an adjustment indicator."""
        adjustment = self.adjustments[code]
        return Clause(code, code, adjustment.text, title=adjustment.title)


__all__ = ["FINDING_RULE", "Clause", "ClauseIndex"]
