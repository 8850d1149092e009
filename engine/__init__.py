"""The rule engine: rulebooks, their compilation to durable-rules, scoring."""

from engine.errors import EngineError, RulebookError
from engine.evaluate import Engine
from engine.library import load_rulebook
from engine.result import Evaluation, Firing, UnitError, UnitResult, round_half_up
from engine.rulebook import Rulebook

__all__ = [
    "Engine",
    "EngineError",
    "Evaluation",
    "Firing",
    "Rulebook",
    "RulebookError",
    "UnitError",
    "UnitResult",
    "load_rulebook",
    "round_half_up",
]
