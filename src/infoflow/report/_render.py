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
            lambda name: resources.files("infoflow.report").joinpath("templates", name).read_text("utf-8")),
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
    s = _Obj(summary)
    return env.get_template("report.html.j2").render(
        s=s, sections=sections, setup_rows=setup_rows, method_rows=method_rows,
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
