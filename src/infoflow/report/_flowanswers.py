"""Questions 1 and 2 of the report (direction, layers) for both flow measures, side by side.

Pipeline place: **report**, reading ``structure.json`` / ``structure_<te|tdmi>.json`` (graph nulls,
seed 0's full test), ``structure_epochs.json`` (tracked estimator, every seed) and ``untrained.json``
(trained networks against untrained ones of the same architecture, written by ``infoflow run``).

Decision rules
--------------
* Q1, a run with untrained networks: "yes" when the trained networks' trophic incoherence F0 is lower
  *and* their downhill fraction higher than the untrained networks' (both one-sided permutation tests
  at alpha; requiring both is an intersection-union test, valid at alpha); "no" when both tests fail
  to reject although each had power >= 0.8 to see a shift of 2 untrained SDs; otherwise
  "inconclusive". A recording with no untrained counterpart (``infoflow analyze``) answers from the
  graph null of the structure stage (its ``verdict`` when the structure stage gives one; else "yes"
  when F0 and downhill fraction both beat the null and "inconclusive" otherwise, since that test
  states no power).
* Q2: the layer test of the structure stage (its ``verdict`` when given; else "yes" when more than one
  layer beats the null, "inconclusive" otherwise); the untrained comparison of the layering
  statistic is reported beside it.
* The one-word answers follow the run's ``measure`` (TE by default); the other measure's answer,
  rows and figures stand beside it, with a paragraph on where the two agree.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

LABELS = {"te": "TE", "flow": "TDMI - MI"}
TAGS = {"te": "te", "flow": "tdmi"}
GRAPH = ("the bivariate {label} graph (every ordered pair tested on its own, not conditioned on the other neurons; "
         "the effective network is reported beside it, not used for this verdict: docs/concepts.md, "
         "'Which graph the verdicts use')")
MEANINGS = ("TDMI - MI is the seed's measure: the time-delayed mutual information from i to j minus their zero-lag "
            "mutual information. It is a difference of two information quantities, not itself one: it is negative "
            "wherever the zero-lag dependence (for instance a shared driver such as the daily cycle every unit sees) "
            "exceeds the lagged one, and it does not discount what the target's own past already predicts. TE is a "
            "conditional mutual information: non-negative, zero when the source adds nothing to the target's own "
            "past, so its surrogate test and the graph built from it are interpretable on their own.")


def _other(measure: str) -> str:
    return "flow" if measure == "te" else "te"


def _f(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


def _r(x: Any, digits: int = 4) -> Any:
    if isinstance(x, float):
        return None if math.isnan(x) else round(x, digits)
    return x


def _word(v: str | None) -> str:
    """Structure-stage verdicts -> report answers ("not available" is an inconclusive answer)."""
    return {"yes": "yes", "no": "no"}.get(v or "", "inconclusive")


def run_dir_of(seeds: list[Path]) -> Path:
    return seeds[0].parent if seeds[0].name.startswith("seed_") else seeds[0]


def measures(seeds: list[Path], read_json) -> list[tuple[str, dict]]:
    """[(measure, structure dict)], the run's measure first; the other only when it was analysed."""
    options = read_json(run_dir_of(seeds) / "run_options.json") or {}
    primary = str(options.get("measure", "te"))
    out = []
    st = read_json(seeds[0] / "structure.json")
    if st is not None:
        primary = str((st.get("settings") or {}).get("weight", primary))
        out.append((primary, st))
    other = _other(primary)
    st2 = read_json(seeds[0] / f"structure_{TAGS[other]}.json")
    if st2 is not None:
        out.append((other, st2))
    return out


def untrained(seeds: list[Path], read_json) -> dict[str, Any]:
    return read_json(run_dir_of(seeds) / "untrained.json") or {}


# ------------------------------------------------------------------------------------------- graph nulls
def _stage_verdict(st: dict, key: str, section: dict, null_noun: str) -> tuple[str | None, str, str]:
    """(verdict, reason, null) the structure stage wrote for `key`: its ``verdicts`` entry, else the
    section's own fields; verdict None for a structure.json written before verdicts existed."""
    v = (st.get("verdicts") or {}).get(key) or {}
    null = v.get("null") or section.get("null_description") or f"{section.get('null', 'rewire')}d {null_noun}"
    return v.get("verdict") or section.get("verdict"), v.get("reason") or section.get("reason") or "", null


def graph_direction(st: dict, alpha: float) -> tuple[str, str, str]:
    """(answer, reason, null) of "is the flow directed?" against the structure stage's graph null."""
    d = st["directedness"]
    verdict, reason, null = _stage_verdict(st, "direction", d, "graphs (degree-preserving)")
    if verdict:
        return _word(verdict), reason, null
    p_f0, p_down = d.get("f0_pvalue"), d.get("downhill_pvalue")
    sig = [p is not None and p < alpha for p in (p_f0, p_down)]
    if all(sig):
        return "yes", f"F0 and downhill fraction both beat the null (p = {_f(p_f0)}, {_f(p_down)} < {alpha:g})", null
    return "inconclusive", (f"F0 p = {_f(p_f0)}, downhill p = {_f(p_down)}: not both below alpha = {alpha:g}, and this "
                            "test states no power, so failing to reject is not a 'no'"), null


def graph_layers(st: dict, alpha: float) -> tuple[str, str, str]:
    lay = st["layers"]
    verdict, reason, null = _stage_verdict(st, "layers", lay, "graphs")
    if verdict:
        return _word(verdict), reason, null
    n, p = lay.get("n_layers"), lay.get("pvalue")
    if n is not None and n > 1 and p is not None and p < alpha:
        return "yes", f"{n} layers, p = {_f(p)} < {alpha:g}", null
    return "inconclusive", (f"{n} layer(s), p = {_f(p)}: not rejected, and this test states no power, so not a "
                            "'no'"), null


def role_rows(st: dict, label: str, alpha: float) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for t in st["directedness"].get("role_tests", []):
        name = f"{t['later']} after {t['earlier']}, {label}"
        n1, n2 = t.get("n_earlier"), t.get("n_later")
        p_min = t.get("min_pvalue")
        if p_min is None and n1 and n2:
            p_min = 1.0 / math.comb(n1 + n2, n1)
        rows[f"{name}: p-value (Mann-Whitney, seed 0)"] = _r(t.get("pvalue"))
        rows[f"{name}: Cliff's delta (seed 0)"] = _r(t.get("cliffs_delta"))
        if t.get("verdict"):
            verdict = t["verdict"]
        elif p_min is not None and p_min > alpha:
            verdict = "not available"
        else:
            verdict = "yes" if (t.get("pvalue") or 1) <= alpha else "inconclusive"
        if verdict == "not available" and p_min is not None and p_min > alpha:
            verdict = (f"cannot reach significance: {n1} {t['earlier']} and {n2} {t['later']} neuron(s) allow no "
                       f"p-value below {_f(p_min)}")
        elif t.get("reason"):
            verdict = f"{verdict}: {t['reason']}"
        rows[f"{name}: verdict (seed 0)"] = verdict
    return rows


# ------------------------------------------------------------------------------------------- untrained
def _stat_rows(prefix: str, c: dict, alpha: float) -> dict[str, Any]:
    level = round(100 * (1 - alpha))
    return {
        f"{prefix}: mean of trained networks": _r(c.get("trained_mean")),
        f"{prefix}: mean of untrained networks": _r(c.get("untrained_mean")),
        f"{prefix}: trained - untrained": _r(c.get("effect")),
        f"{prefix}: trained - untrained, {level}% interval": f"[{_f(c.get('ci_low'))}, {_f(c.get('ci_high'))}]",
        f"{prefix}: p-value vs untrained networks": _r(c.get("pvalue")),
        f"{prefix}: verdict vs untrained networks": c.get("verdict"),
    }


def untrained_direction(u: dict) -> str:
    s = u["statistics"]
    vs = (s["f0"]["verdict"], s["downhill_fraction"]["verdict"])
    if all(v == "yes" for v in vs):
        return "yes"
    if all(v == "no" for v in vs):
        return "no"
    return "inconclusive"


def untrained_sentence(u: dict, label: str) -> str:
    s = u["statistics"]
    f0, dh = s["f0"], s["downhill_fraction"]
    level = round(100 * (1 - u["alpha"]))
    return (f"{label}: against {u['n_untrained']} untrained networks of the same architecture "
            f"({u.get('n_seed_epoch0', '?')} "
            f"seeds' epoch 0 and {u.get('n_extra_initialisations', '?')} further initialisations, same probe, "
            f"{u.get('estimator', '?')} estimator, the {u['n_edges']} strongest flows of each), the {u['n_trained']} "
            "trained "
            f"networks' trophic incoherence F0 differs by {_f(f0.get('effect'))} ({level}% interval "
            f"{_f(f0.get('ci_low'))} "
            f"to {_f(f0.get('ci_high'))}; p = {_f(f0.get('pvalue'))}) and their downhill fraction by "
            f"{_f(dh.get('effect'))} ({_f(dh.get('ci_low'))} to {_f(dh.get('ci_high'))}; p = {_f(dh.get('pvalue'))}).")


# ------------------------------------------------------------------------------------------- agreement
def _progression(st: dict) -> list[float]:
    return [float("nan") if v is None else float(v) for v in st["progression"]["trophic"]]


def _rank_gaps(a: list[float], b: list[float], neurons: list[str], top: int = 3) -> list[str]:
    import numpy as np
    from scipy.stats import rankdata

    x, y = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return []
    rx, ry = rankdata(x[ok]), rankdata(y[ok])
    names = [n for n, k in zip(neurons, ok) if k]
    order = np.argsort(-np.abs(rx - ry))[:top]
    return [f"{names[i]} (rank {int(rx[i])} by one, {int(ry[i])} by the other)"
            for i in order if abs(rx[i] - ry[i]) >= 3]


def agreement(pairs: list[tuple[str, dict]], answers: dict[str, str], what: str, primary: str) -> str:
    """A paragraph: do the two measures agree on `what`, where not (roles, neurons), what each means."""
    import numpy as np
    from scipy.stats import spearmanr

    if len(pairs) < 2:
        return ("Only one measure was analysed for this folder, so the two measures cannot be compared. " + MEANINGS)
    (m1, s1), (m2, s2) = pairs[0], pairs[1]
    l1, l2 = LABELS[m1], LABELS[m2]
    a1, a2 = answers.get(m1), answers.get(m2)
    parts = [f"{l1} answers '{a1}', {l2} answers '{a2}': the measures {'agree' if a1 == a2 else 'disagree'} on {what}."]
    if what == "direction":
        t1 = {(t["earlier"], t["later"]): t for t in s1["directedness"].get("role_tests", [])}
        t2 = {(t["earlier"], t["later"]): t for t in s2["directedness"].get("role_tests", [])}
        diffs: list[str] = []
        same: list[str] = []
        for key in t1:
            if key in t2:
                d1, d2 = t1[key].get("cliffs_delta"), t2[key].get("cliffs_delta")
                if d1 is None or d2 is None:
                    continue
                text = f"{key[1]} after {key[0]} (Cliff's delta {_f(d1, 2)} by {l1}, {_f(d2, 2)} by {l2})"
                (same if np.sign(round(d1, 6)) == np.sign(round(d2, 6)) else diffs).append(text)
        if diffs:
            parts.append("They order these roles differently: " + "; ".join(diffs) + ".")
        if same:
            parts.append("They order these roles the same way: " + "; ".join(same) + ".")
    else:
        n1, n2 = s1["layers"].get("n_layers"), s2["layers"].get("n_layers")
        parts.append(f"Layers found: {n1} by {l1}, {n2} by {l2}.")
    x, y = _progression(s1), _progression(s2)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() >= 3:
        rho = float(spearmanr(np.asarray(x)[ok], np.asarray(y)[ok]).statistic)
        parts.append(f"The neurons' trophic progressions by the two measures have Spearman r = {rho:.2f}.")
        gaps = _rank_gaps(x, y, list(s1.get("neurons") or []))
        if gaps:
            parts.append("Neurons placed most differently: " + ", ".join(gaps) + ".")
    parts.append(MEANINGS)
    parts.append(f"The one-word answer follows {LABELS[primary]}, the run's measure (option `measure`): TE by default "
                 "because it is an information quantity with a null at zero, so its significant-flow graph does not "
                 "depend on how strong the zero-lag dependence is.")
    return " ".join(parts)


def probe_rows(seeds: list[Path]) -> dict[str, Any]:
    """The probe-versus-windows check recorded in every seed's recording attrs (training runs only)."""
    import xarray as xr

    rows: dict[str, Any] = {}
    checks = []
    for d in seeds:
        path = d / "recording.zarr"
        if not path.exists():
            continue
        try:
            attrs = xr.open_zarr(path).attrs
        except Exception:  # noqa: BLE001 - an unreadable store just has no check to show
            continue
        if "probe_check" in attrs:
            checks.append((d.name, attrs))
    if checks:
        first = checks[0][1]
        rows["probe: kind"] = str(first.get("probe", "stateful run"))
        rows["probe: zero-state steps dropped before the flow"] = first.get("probe_transient_steps")
        ratios = [a.get("probe_loss_ratio") for _, a in checks if a.get("probe_loss_ratio") is not None]
        if ratios:
            rows["probe: probe MSE / windowed MSE, per seed (last epoch)"] = ", ".join(f"{r:.3f}" for r in ratios)
        rows["probe: check (seed 0)"] = str(checks[0][1]["probe_check"])
    return rows
