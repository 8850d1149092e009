"""Explanations: rule firings → a networkx graph → text, JSON and pictures.

``explain`` reads the engine's results and the rulebook and never scores:
every number it shows is a number of the result.
"""

from explain.explanation import Explanation, explain_unit
from explain.graph import ExplainError, build_graph

__all__ = ["ExplainError", "Explanation", "build_graph", "explain_unit"]
