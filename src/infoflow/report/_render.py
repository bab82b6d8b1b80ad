"""Render ``report.html`` from a summary dict and figure blocks (no computation happens here)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import jinja2

SECTION_TITLES = {
    "q1_direction": "Is there a general direction of information flow?",
    "q2_layers": "Does the flow form structures similar to layers?",
    "q3_bottleneck": "Does the information bottleneck apply?",
    "q4_indicators": "Are complexity and MI with Y useful indicators of learning?",
    "q5_phases": "Do drift and diffusion phases appear?",
}


MAX_EDGE_ROWS = 50  # the HTML table shows the strongest; summary.json lists every significant edge


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "n/a"}[value]
    if isinstance(value, float):
        if value != value:  # NaN
            return "n/a"
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def render_report(summary: dict[str, Any], figures: dict[str, list[str]]) -> str:
    """Return the HTML page for `summary` (as written to summary.json) and figure blocks by section."""
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: (resources.files("infoflow.report") / "templates" / name).read_text("utf-8")),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    sections = []
    for number, (key, title) in enumerate(SECTION_TITLES.items(), start=1):
        sec = summary[key]
        sections.append({
            "id": key, "number": number, "title": title, "answer": sec["answer"], "sentence": sec["sentence"],
            "rows": [(k, _fmt(v)) for k, v in sec.get("table", {}).items()],
            "notes": sec.get("notes", []), "figures": figures.get(key, []),
            "agreement": sec.get("agreement", ""),  # Q1/Q2: where TE and the seed's TDMI - MI agree
        })
    setup_rows = [(k, _fmt(v)) for k, v in summary["setup"].items()]
    method_rows = [(k, _fmt(v)) for k, v in summary["methods"].items()]
    edges = summary.get("significant_edges") or {"rows": []}
    edge_rows = [(e["source"], e["target"], _fmt(e["lag"]), _fmt(e["value"]), _fmt(e["pvalue"]),
                  _fmt(e["pvalue_adjusted"])) for e in edges["rows"][:MAX_EDGE_ROWS]]
    s = _Obj(summary)
    return env.get_template("report.html.j2").render(
        s=s, title=summary["run"].get("title", "Information flow"), sections=sections, setup_rows=setup_rows,
        method_rows=method_rows, edge_rows=edge_rows, n_edges=len(edges["rows"]), edge_epoch=edges.get("epoch"),
        edge_measure=edges.get("measure", "te"), max_edge_rows=MAX_EDGE_ROWS, warnings=summary.get("warnings", []),
        figures={"setup": figures.get("setup", [])})


class _Obj:
    """Attribute access to nested dicts for the template (``s.run.name``)."""

    def __init__(self, d: dict[str, Any]):
        self._d = d

    def __getattr__(self, name: str) -> Any:
        try:
            v = self._d[name]
        except KeyError:
            raise AttributeError(name) from None
        return _Obj(v) if isinstance(v, dict) else v
