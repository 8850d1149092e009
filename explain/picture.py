"""Draw an explanation as a picture: grade at the top, facts at the bottom.

The picture keeps what an inspector needs to see: the grade, the total and
how it is made, vetoes, adjustments, the sampled schools, and every item
that lost points with the deductions and facts behind it. Items at full
marks are left out (the JSON and GraphML outputs keep the whole graph).
Lost points are red; vetoes are red and bold. Graphviz ``dot`` lays it out.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import unicodedata
from fractions import Fraction
from pathlib import Path

import networkx as nx

from explain.clauses import FINDING_RULE
from explain.explanation import Explanation
from explain.graph import ExplainError
from explain.words import Language, shown
from report.atomic import atomic_path

logger = logging.getLogger(__name__)

# A CJK font that fontconfig resolves on Debian with fonts-noto-cjk installed;
# fontconfig falls back to another font when it is absent.
FONT = "Noto Sans CJK SC"

RED = "#c0392b"
LIGHT_RED = "#fdecea"
GREY = "#7f8c8d"
GRADE_COLOURS = {"advanced": "#d5f5e3", "qualified": "#fef9e7"}


def _wrap(text: str, width: int = 18) -> str:
    """Wrap text at ``width`` columns, a CJK character counting two."""
    lines: list[str] = []
    for paragraph in text.strip().splitlines() or [""]:
        current = ""
        columns = 0
        for char in paragraph:
            size = 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
            if columns + size > width * 2 and current:
                lines.append(current)
                current, columns = "", 0
            current += char
            columns += size
        lines.append(current)
    return "\n".join(lines)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


# The picture shows at most this many items that lost points, the largest
# losses first; the text explanation lists them all.
MAX_LOSSES = 12


def _kept(explanation: Explanation) -> set[str]:
    """Return the nodes worth drawing: the result, and the largest losses."""
    graph = explanation.graph
    keep: set[str] = set()
    for node, data in graph.nodes(data=True):
        if data["kind"] in (
            "grade",
            "total",
            "percent",
            "sheet",
            "adjusted",
            "schools_mean",
            "school",
            "adjustment",
            "veto",
        ):
            keep.add(node)
    for loss in explanation.losses[:MAX_LOSSES]:
        keep.add(loss.node)
        keep.update(graph.successors(loss.node))
        for parent in list(graph.successors(loss.node)):
            keep.update(graph.successors(parent))
        for deduction in loss.deductions:
            keep.update(fact.node for fact in deduction.facts)
    for node, data in graph.nodes(data=True):
        if data["kind"] == "firing" and data["effect"] in ("adjustment", "veto"):
            keep.update(graph.predecessors(node))
    return keep


class _Labeller:
    def __init__(self, explanation: Explanation, language: Language) -> None:
        self.explanation = explanation
        self.language = language

    def t(self, zh: str, en: str) -> str:
        return zh if self.language == "zh" else en

    def num(self, value: Fraction) -> str:
        return shown(value, self.explanation.places)

    def label(self, node: str, data: dict) -> str:
        kind = data["kind"]
        e = self.explanation
        name = data["label_zh"] if self.language == "zh" else data["label_en"]

        if kind == "grade":
            text = self.t("等级：", "grade: ") + e.grade_name(e.grade, self.language)
            if e.vetoes:
                text += self.t("\n（一票否决）", "\n(vetoed)")
            return text
        if kind in ("total", "percent", "adjusted", "schools_mean"):
            return f"{name}\n{self.num(data['value'])}"
        if kind == "sheet":
            return self.t(
                f"评分表\n{self.num(data['value'])} / {self.num(data['maximum'])}",
                f"sheet\n{self.num(data['value'])} / {self.num(data['maximum'])}",
            )
        if kind == "category":
            lost = data["maximum"] - data["value"]
            return self.t(
                f"{_wrap(data['label_zh'], 10)}\n失 {self.num(lost)}",
                f"{data['label_en']}\nlost {self.num(lost)}",
            )

        if kind in ("item", "part"):
            code = data["source"]["rule"]
            lost = self.num(data["lost"])
            head = self.t(f"{code} 失 {lost} 分", f"{code} lost {lost}")
            clause = _wrap(data["source"]["clause"], 14)
            first_lines = "\n".join(clause.splitlines()[:3])
            return f"{head}\n{first_lines}"
        if kind == "firing":
            return self._firing(data)
        if kind == "fact":
            return _wrap(name, 16)

        if kind == "veto":
            code = data["source"]["rule"]
            if data["source"].get("title"):
                # An indicator's veto: its own case is shorter than the
                # indicator's whole wording.
                cases = self._veto_cases(node)
                return self.t(
                    f"一票否决 {code}\n{_wrap(cases, 14)}",
                    f"VETO {code}\n{_wrap(cases, 14)}",
                )
            return self.t(
                f"一票否决 {code}\n{_wrap(data['source']['clause'], 14)}",
                f"VETO {code}\n{_wrap(data['source']['clause'], 14)}",
            )
        if kind == "adjustment":
            return f"{_wrap(data['label_zh'], 12)}\n{self.num(data['value'])}"
        if kind == "school":
            return f"{_wrap(name, 12)}\n{self.num(data['percent'])}" + self.t(
                f"\n计入总分 {self.num(data['contribution'])}",
                f"\nadds {self.num(data['contribution'])}",
            )
        return name

    def _veto_cases(self, node: str) -> str:
        graph = self.explanation.graph
        texts = {
            graph.nodes[firing]["source"]["rule_text"]
            for firing in graph.predecessors(node)
        }
        return "\n".join(sorted(text for text in texts if text))

    def _firing(self, data: dict) -> str:
        effect = data["effect"]
        rule = data["rule"]
        if effect == "deduction":
            points = self.num(data["value"])
            if rule == FINDING_RULE:
                return self.t(f"扣 {points}", f"−{points}")
            return self.t(f"扣 {points}\n{rule}", f"−{points}\n{rule}")
        if effect == "adjustment":
            points = self.num(data["value"])
            if data["counted"]:
                return self.t(f"计入 {points}\n({rule})", f"counted {points}\n({rule})")
            return self.t(
                f"未计入 {points}\n({rule})", f"not counted {points}\n({rule})"
            )
        return rule


def dot_text(explanation: Explanation, language: Language = "zh") -> str:
    """Return a Graphviz DOT description of the explanation picture."""
    graph: nx.DiGraph = explanation.graph
    keep = _kept(explanation)
    labeller = _Labeller(explanation, language)
    lines = [
        "digraph explanation {",
        "  rankdir=BT;",
        "  newrank=true;",
        "  nodesep=0.25; ranksep=0.45;",
        f'  graph [fontname="{FONT}", labelloc=t, fontsize=20,'
        f" label={_quote(_title(explanation, language))}];",
        f'  node [fontname="{FONT}", fontsize=11, shape=box, style="rounded,filled",'
        ' fillcolor=white, color="#34495e"];',
        f'  edge [fontname="{FONT}", color="#95a5a6", arrowsize=0.6];',
    ]
    for node in sorted(keep):
        data = graph.nodes[node]
        attributes = _style(data, explanation)
        attributes["label"] = _quote(labeller.label(node, data))
        shown_attributes = ", ".join(f"{k}={v}" for k, v in attributes.items())
        lines.append(f"  {_quote(node)} [{shown_attributes}];")
    facts = sorted(n for n in keep if graph.nodes[n]["kind"] == "fact")
    if facts:
        lines.append("  { rank=min; " + " ".join(_quote(n) for n in facts) + " }")
    lines.append('  { rank=max; "grade" }')
    lines.extend(_edges(explanation, keep, labeller))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _edges(explanation: Explanation, keep: set[str], labeller: _Labeller) -> list[str]:
    """Draw each firing as labelled edges from its facts to what it changed."""
    graph: nx.DiGraph = explanation.graph
    lines = []
    for source, target, data in sorted(graph.edges(data=True)):
        if source in keep and target in keep:
            style = (
                f' [color="{RED}", penwidth=2.5]' if data["role"] == "vetoes" else ""
            )
            lines.append(f"  {_quote(source)} -> {_quote(target)}{style};")
    for node, data in sorted(graph.nodes(data=True)):
        if data["kind"] != "firing":
            continue
        targets = [t for t in graph.successors(node) if t in keep]
        facts = [f for f in graph.predecessors(node) if f in keep]
        if not targets or not facts:
            continue
        label = _quote(labeller.label(node, data))
        if data["effect"] == "veto":
            style = f'color="{RED}", fontcolor="{RED}", penwidth=2.5'
        elif data["effect"] == "deduction" or (data["value"] or 0) < 0:
            style = f'color="{RED}", fontcolor="{RED}"'
        else:
            style = 'color="#27ae60", fontcolor="#27ae60"'
        if not data["counted"]:
            style = f'color="{GREY}", fontcolor="{GREY}", style=dashed'
        for fact in facts:
            for target in targets:
                lines.append(
                    f"  {_quote(fact)} -> {_quote(target)} "
                    f"[label={label}, fontsize=9, {style}];"
                )
    return lines


def _title(explanation: Explanation, language: Language) -> str:
    e = explanation
    grade = e.grade_name(e.grade, language)
    hidden = e.losses[MAX_LOSSES:]
    if language == "zh":
        title = f"{e.name}（{e.unit}）：{grade}，总分 {shown(e.total, e.places)}"
        if hidden:
            lost = shown(sum((loss.lost for loss in hidden), Fraction(0)), e.places)
            title += f"\n另有 {len(hidden)} 项共失 {lost} 分未画出，见文字说明"
        return title
    title = f"{e.name} ({e.unit}): {grade}, total {shown(e.total, e.places)}"
    if hidden:
        lost = shown(sum((loss.lost for loss in hidden), Fraction(0)), e.places)
        title += f"\n{len(hidden)} more items lost {lost} points (see the text)"
    return title


def _style(data: dict, explanation: Explanation) -> dict[str, str]:
    kind = data["kind"]
    if kind == "grade":
        fill = GRADE_COLOURS.get(data["value"], LIGHT_RED)
        colour = RED if data["value"] not in GRADE_COLOURS else "#27ae60"
        return {
            "shape": "box",
            "style": '"rounded,filled,bold"',
            "fillcolor": _quote(fill),
            "color": _quote(colour),
            "penwidth": "3",
            "fontsize": "18",
        }
    if kind == "veto":
        return {
            "shape": "octagon",
            "style": '"filled,bold"',
            "fillcolor": _quote(RED),
            "fontcolor": "white",
            "color": _quote(RED),
            "penwidth": "3",
            "fontsize": "14",
        }
    if kind in ("item", "part", "category"):
        return {
            "color": _quote(RED),
            "fontcolor": _quote(RED),
            "fillcolor": _quote(LIGHT_RED),
        }
    if kind == "firing":
        if data["effect"] == "deduction":
            return {
                "shape": "ellipse",
                "style": "filled",
                "fillcolor": _quote(LIGHT_RED),
                "color": _quote(RED),
                "fontcolor": _quote(RED),
                "fontsize": "10",
            }
        if data["effect"] == "veto":
            return {
                "shape": "ellipse",
                "style": "filled",
                "fillcolor": _quote(LIGHT_RED),
                "color": _quote(RED),
                "fontsize": "10",
            }
        if not data["counted"]:
            return {
                "shape": "ellipse",
                "style": "dashed",
                "color": _quote(GREY),
                "fontcolor": _quote(GREY),
                "fontsize": "10",
            }
        colour = RED if (data["value"] or 0) < 0 else "#27ae60"
        return {
            "shape": "ellipse",
            "color": _quote(colour),
            "fontcolor": _quote(colour),
            "fontsize": "10",
            "style": "solid",
        }
    if kind == "fact":
        return {
            "shape": "note",
            "style": "filled",
            "fillcolor": _quote("#f4f6f7"),
            "fontsize": "10",
        }
    if kind == "adjustment":
        colour = RED if data["value"] < 0 else "#27ae60"
        return {"color": _quote(colour), "fontcolor": _quote(colour)}
    if kind in ("total",):
        return {"style": '"rounded,filled,bold"', "fontsize": "14"}
    return {}


def render_picture(
    explanation: Explanation, path: Path, image_format: str, language: Language = "zh"
) -> None:
    """Draw the explanation into ``path`` as ``svg`` or ``png`` with Graphviz.

    The file is written to a temporary name beside ``path`` and renamed into
    place, so that a failed drawing never leaves half a file.
    """
    program = shutil.which("dot")
    if program is None:
        raise ExplainError(
            "Graphviz 'dot' was not found on PATH; install Graphviz "
            "(Debian: apt-get install graphviz) to draw pictures"
        )
    source = dot_text(explanation, language)
    with atomic_path(path) as temporary:
        command = [program, f"-T{image_format}", "-o", str(temporary)]
        if image_format == "png":
            command.insert(2, "-Gdpi=110")
        completed = subprocess.run(
            command,
            input=source.encode("utf-8"),
            capture_output=True,
            check=False,
            timeout=120,
        )
        if completed.returncode != 0:
            raise ExplainError(
                f"Graphviz failed to draw {path}: "
                f"{completed.stderr.decode('utf-8', 'replace').strip()}"
            )
    logger.info("drew the explanation of %s into %s", explanation.unit, path)
