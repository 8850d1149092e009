"""Explanations: rule firings → a networkx graph → text, JSON and pictures.

``explain`` reads the engine's results and the rulebook and never scores:
every number it shows is a number of the result. ``what_if`` searches for
the fewest changes to a unit's facts that lift its grade and confirms them
with the engine.
"""

from explain.explanation import Explanation, explain_unit
from explain.graph import ExplainError, build_graph
from explain.text import format_explanation
from explain.whatif import Change, WhatIf, what_if

__all__ = [
    "Change",
    "ExplainError",
    "Explanation",
    "WhatIf",
    "build_graph",
    "explain_unit",
    "format_explanation",
    "what_if",
]
