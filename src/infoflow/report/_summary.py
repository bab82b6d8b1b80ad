"""Build ``summary.json`` from a run folder's saved results: one answer per research question.

Pipeline place: **report**, reading what train / flow / structure / bottleneck / dynamics wrote.
Nothing is recomputed here; every number the HTML states comes from this dict, so the page and
``summary.json`` always agree. Keys are the same every run; a missing stage gives its section the
answer ``"unavailable"`` and a note instead of numbers.

Decision rules (stated in the report's Methods table too)
---------------------------------------------------------
* Q1 direction and Q2 layers, for both flow measures (TE and the seed's TDMI - MI): see
  :mod:`infoflow.report._flowanswers`. Q1 follows the test of trained against untrained networks of
  the same architecture where the run has them, else the structure stage's graph null; Q2 follows
  the structure stage's layer test. Failing to reject is "no" only where the test had power.
* Q3 bottleneck: "yes" when a compression phase (a fall beyond a drifting-curve null, after a fitting phase, in
  more than half the seeds) appears under every information-plane estimator not at its ceiling,
  "no" under none, "inconclusive" when they disagree (the Saxe et al. 2018 situation) or all are
  at their ceiling.
* Q4 indicators: "yes" when some indicator's detrended, prewhitened fluctuations lead the
  validation loss's (Holm over indicators); "inconclusive" when one moves with it but none leads;
  "no" otherwise.
* Q5 phases: "yes"/"no" when more than half the seeds show / do not show a step in gradient SNR
  beyond a smooth decline (parametric bootstrap, all parameters together); else "inconclusive".
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

from infoflow import __version__
from infoflow._defaults import DEFAULT_ALPHA
from infoflow.report._network import effective_network_summary


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"report: {path} is corrupt ({exc}); re-run its stage.") from None


def read_metrics(path: Path) -> list[dict[str, float]]:
    """metrics.csv as a list of rows (numbers as floats)."""
    with open(path, newline="") as fh:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def seed_dirs(run_dir: Path) -> list[Path]:
    dirs = sorted((p for p in Path(run_dir).glob("seed_*") if p.is_dir()),
                  key=lambda p: int(p.name.split("_")[1]) if p.name.split("_")[1].isdigit() else 0)
    return dirs or [Path(run_dir)]


def _mean(values: list[float]) -> float | None:
    vals = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return sum(vals) / len(vals) if vals else None


def _sd(values: list[float]) -> float | None:
    vals = [v for v in values if v is not None]
    if len(vals) < 2:
        return None
    m = sum(vals) / len(vals)
    return math.sqrt(sum((v - m) ** 2 for v in vals) / (len(vals) - 1))


def _r(x: Any, digits: int = 4) -> Any:
    """Round floats for display-stable JSON (the HTML shows the same rounded values)."""
    if isinstance(x, float):
        return None if math.isnan(x) else round(x, digits)
    return x


def _unavailable(why: str) -> dict[str, Any]:
    return {"answer": "unavailable", "sentence": why, "table": {}, "notes": [why]}


def build_summary(run_dir: str | Path) -> dict[str, Any]:
    """Collect every number the report states into one JSON-safe dict (see module docstring)."""
    run_dir = Path(run_dir)
    seeds = seed_dirs(run_dir)
    options = read_json(run_dir / "run_options.json") or {}
    alpha = float(options.get("alpha", DEFAULT_ALPHA))
    summary: dict[str, Any] = {
        "infoflow_version": __version__,
        "run": {"name": run_dir.name, "path": str(run_dir.resolve()), "seeds": [p.name for p in seeds],
                "title": _title(seeds, options)},
        "setup": _setup(run_dir, seeds, options),
        "q1_direction": _direction(seeds, alpha),
        "q2_layers": _layers(seeds, alpha),
    }
    dyn = read_json(run_dir / "dynamics.json")
    summary["q3_bottleneck"] = _bottleneck(dyn) if dyn else _unavailable(
        "No training history (dynamics.json) for this run: the bottleneck needs per-epoch recordings.")
    summary["q4_indicators"] = _indicators(dyn, alpha) if dyn else _unavailable(
        "No training history (dynamics.json): indicators of learning need per-epoch recordings and losses.")
    summary["q5_phases"] = _phases(dyn) if dyn else _unavailable(
        "No gradient statistics (dynamics.json): drift and diffusion need the per-minibatch gradients of training.")
    summary["methods"] = _methods(seeds[0], options, dyn, alpha)
    summary["significant_edges"] = significant_edges(seeds[0], options.get("measure", "te"))
    network = effective_network_summary(seeds[0])
    summary["effective_network"] = network
    if network is not None and summary["q1_direction"].get("answer") != "unavailable":
        summary["q1_direction"].setdefault("table", {}).update(
            {f"effective network: {k}": v for k, v in network["table"].items()})
        summary["q1_direction"].setdefault("notes", []).append(network["sentence"])
    summary["warnings"] = saved_warnings(seeds[0])
    return summary


# ----------------------------------------------------------------------------------------- sections
_ARCH_LABELS = {"fully_recurrent": "a fully recurrent network", "elman": "an Elman network", "gru": "a GRU network",
                "lstm": "an LSTM network"}


def _config(run_dir: Path, seeds: list[Path]) -> dict[str, Any]:
    return read_json(seeds[0] / "config.json") or read_json(run_dir / "config.json") or {}


def _title(seeds: list[Path], options: dict[str, Any]) -> str:
    """The report's heading: what was analysed (a user's recording, or the trained architecture)."""
    analysed = options.get("analysed")
    if analysed:
        name = Path(str(analysed.get("source", "recording")))
        name = name.parent if name.name == "recording.zarr" else name
        return f"Information flow in {name.name or 'a recording'} ({analysed.get('neurons', '?')} neurons)"
    cfg = read_json(seeds[0] / "config.json") or {}
    arch = cfg.get("arch") or options.get("arch")
    return f"Information flow in {_ARCH_LABELS.get(str(arch), 'a recurrent network')}"


def _setup(run_dir: Path, seeds: list[Path], options: dict[str, Any]) -> dict[str, Any]:
    analysed = options.get("analysed")
    if analysed:
        return _setup_analysed(analysed, options)
    cfg = _config(run_dir, seeds)
    rows: dict[str, Any] = {
        "dataset": cfg.get("dataset_label", cfg.get("dataset", "user recording")),
        "architecture": cfg.get("arch", "n/a"),
        "network units": cfg.get("n_units", "n/a"),
        "seeds": len(seeds),
    }
    finals, persist, best = [], [], []
    for d in seeds:
        if (d / "metrics.csv").exists():
            m = read_metrics(d / "metrics.csv")
            finals.append(m[-1]["test_loss"])
            persist.append(m[-1].get("persistence_test_loss", float("nan")))
            best.append(min(r["val_loss"] for r in m))
    if finals:
        rows["epochs"] = int(read_metrics(seeds[0] / "metrics.csv")[-1]["epoch"])
        rows["test MSE (standardised), mean over seeds"] = _r(_mean(finals))
        rows["test MSE, SD over seeds"] = _r(_sd(finals))
        rows["persistence baseline test MSE"] = _r(_mean(persist))
        mean_final, mean_persist = _mean(finals), _mean(persist)
        # the baseline is missing (NaN) in metrics.csv files written before it was recorded
        rows["beats persistence"] = ("n/a" if mean_final is None or mean_persist is None
                                     else bool(mean_final < mean_persist))
    else:
        rows["training"] = "none (user-supplied recording)"
    return rows


def _setup_analysed(analysed: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """Set-up rows of ``infoflow analyze``: the recording as given, and the trained run it came from if any."""
    epochs = options.get("epochs")
    rows: dict[str, Any] = {
        "recording": analysed.get("source"),
        "neurons": analysed.get("neurons"),
        "time steps per epoch": analysed.get("time steps"),
        "epochs in the recording": analysed.get("epochs in recording"),
        "epochs analysed": "the only one" if epochs == "all" and analysed.get("epochs in recording") == 1 else epochs,
        "roles": "given" if analysed.get("roles given") else "not given (every neuron hidden)",
    }
    run = analysed.get("trained run")
    if run:
        rows["trained by infoflow"] = (f"{run.get('dataset_label', 'n/a')}, {run.get('arch', 'n/a')}, "
                                      f"{run.get('n_units', 'n/a')} units, {run.get('epochs', 'n/a')} epochs")
    else:
        rows["training history"] = "none given (sections 3-5 need one)"
    return rows


def significant_edges(primary: Path, measure: str) -> dict[str, Any]:
    """Significant pairs of the last analysed epoch: source, target, lag, value (nats) and p-values."""
    path = primary / "flow.nc"
    if not path.exists():
        return {"epoch": None, "measure": measure, "rows": []}
    import numpy as np

    from infoflow._io import load_dataset

    ds = load_dataset(path)
    if "epoch" in ds.dims:
        ds = ds.isel(epoch=-1)
    measure = str(ds.attrs.get("tested", ds.attrs.get("measure", measure)))
    if measure == "te":
        value, lag = ds["te"], ds.get("te_peak_lag")
    else:
        value = ds["flow"].max("lag") if "lag" in ds["flow"].dims else ds["flow"]
        lag = ds.get("peak_lag")
    sig = np.asarray(ds["significant"].values, bool)
    src, dst = np.nonzero(sig)
    vals = np.asarray(value.values, float)
    order = np.argsort(-vals[src, dst], kind="stable")
    names = [str(v) for v in ds["source"].values]
    p = np.asarray(ds["pvalue"].values, float)
    p_adj = np.asarray(ds["pvalue_adjusted"].values, float) if "pvalue_adjusted" in ds else p
    lags = np.asarray(lag.values) if lag is not None else None
    rows = [{"source": names[i], "target": names[j], "lag": int(lags[i, j]) if lags is not None else None,
             "value": _r(float(vals[i, j]), 6), "pvalue": float(f"{p[i, j]:.3g}"),
             "pvalue_adjusted": float(f"{p_adj[i, j]:.3g}")}
            for i, j in zip(src[order].tolist(), dst[order].tolist())]
    epoch = int(ds["epoch"]) if "epoch" in ds.coords and ds["epoch"].size == 1 else None
    return {"epoch": epoch, "measure": measure, "rows": rows}


def saved_warnings(primary: Path) -> list[str]:
    """Warnings the flow and structure stages saved (``flow.nc`` attr, ``structure.json`` key), each once."""
    found: list[str] = []
    if (primary / "flow.nc").exists():
        from infoflow._io import load_dataset

        text = str(load_dataset(primary / "flow.nc").attrs.get("warnings", "") or "")
        found += [line for line in text.split("\n") if line.strip()]
    st = read_json(primary / "structure.json") or {}
    found += [str(w) for w in st.get("warnings", []) if str(w).strip()]
    return list(dict.fromkeys(found))


def _structure_inputs(seeds: list[Path]) -> tuple[list, list[dict], dict] | None:
    """What Q1 and Q2 both read: the (measure, structure.json) pairs, every seed's tracked-epoch
    structure and the untrained comparison; None when no structure stage has run."""
    from infoflow.report import _flowanswers as fa

    pairs = fa.measures(seeds, read_json)
    if not pairs:
        return None
    tracked = [s for s in (read_json(d / "structure_epochs.json") for d in seeds) if s]
    return pairs, tracked, fa.untrained(seeds, read_json)


def _direction(seeds: list[Path], alpha: float) -> dict[str, Any]:
    """Q1 for both measures; the answer follows the untrained-network test where a run has one (see
    :mod:`infoflow.report._flowanswers` for the decision rules)."""
    from infoflow.report import _flowanswers as fa

    inputs = _structure_inputs(seeds)
    if inputs is None:
        return _unavailable("No structure.json: run the flow and structure stages first.")
    pairs, tracked, ut = inputs
    primary = pairs[0][0]
    answers: dict[str, str] = {}
    sentences: list[str] = []
    notes: list[str] = []
    table: dict[str, Any] = {}
    for m, st in pairs:
        label = fa.LABELS[m]
        d = st["directedness"]
        g_answer, g_reason, g_null = fa.graph_direction(st, alpha)
        if m in ut:
            answers[m] = fa.untrained_direction(ut[m])
            s = ut[m]["statistics"]
            sentences.append(fa.untrained_sentence(ut[m], label))
            table[f"{label}: untrained networks compared (seeds' epoch 0 + initialisations)"] = ut[m]["n_untrained"]
            table[f"{label}: strongest flows kept per network (matched density)"] = ut[m]["n_edges"]
            table.update(fa._stat_rows(f"F0, {label}", s["f0"], alpha))
            table.update(fa._stat_rows(f"downhill fraction, {label}", s["downhill_fraction"], alpha))
            for name, c in s.items():
                if "Cliff's delta" in name:
                    role = name.replace(", Cliff's delta)", ")")
                    table[f"{role}, {label}: Cliff's delta trained - untrained [interval], p-value vs untrained"] = (
                        f"{fa._f(c.get('effect'))} [{fa._f(c.get('ci_low'))}, {fa._f(c.get('ci_high'))}], "
                        f"p = {fa._f(c.get('pvalue'))} ({c.get('verdict')})")
            null_used = ("untrained networks of the same architecture (permutation test, seeds pooled as "
                         "exchangeable draws)")
        else:
            answers[m] = g_answer
            null_used = g_null + " (no untrained counterpart: a graph null)"
            sentences.append(f"{label}: F0 = {fa._f(d.get('f0'))} (0 = perfectly layered, 1 = no direction), "
                             f"{fa._f(None if d.get('downhill_fraction') is None else 100 * d['downhill_fraction'])}% "
                             f"of the flow downhill; against the graph null: {g_reason}.")
        table[f"F0, {label} (trained, seed 0)"] = _r(d.get("f0"))
        table[f"F0, {label}: p-value (graph null, seed 0)"] = _r(d.get("f0_pvalue"))
        table[f"downhill fraction, {label} (seed 0)"] = _r(d.get("downhill_fraction"))
        table[f"downhill fraction, {label}: p-value (graph null, seed 0)"] = _r(d.get("downhill_pvalue"))
        table[f"edges tested, {label} (seed 0)"] = d.get("n_edges")
        table[f"{label}: direction answer"] = answers[m]
        table[f"{label}: direction answer rests on"] = f"{fa.GRAPH.format(label=label)}; null: {null_used}"
        table.update(fa.role_rows(st, label, alpha))
        notes += [f"{label}: {n}" for n in st.get("notes", [])]
    last_f0 = [s["epochs"]["f0"][-1] for s in tracked if "epochs" in s]
    first_f0 = [s["epochs"]["f0"][0] for s in tracked if "epochs" in s]
    if last_f0:
        label = fa.LABELS[primary]
        table[f"F0, {label}: last epoch, tracked estimator, mean over seeds"] = _r(_mean(last_f0))
        table[f"F0, {label}: last epoch, SD over seeds"] = _r(_sd(last_f0))
        table[f"F0, {label}: epoch 0, tracked estimator, mean over seeds"] = _r(_mean(first_f0))
    table.update(_ksg_agreement(seeds[0]))
    table.update(fa.probe_rows(seeds))
    answer = answers[primary]
    basis = ("untrained networks of the same architecture" if primary in ut else "a graph null (no untrained networks)")
    sentence = (f"Answer from the bivariate {fa.LABELS[primary]} graph against {basis}. " + " ".join(sentences))
    return {"answer": answer, "sentence": sentence, "table": table, "notes": notes,
            "agreement": fa.agreement(pairs, answers, "direction", primary)}


def _ksg_agreement(primary: Path) -> dict[str, Any]:
    """How well the KSG re-estimate of the last epoch's TE matrix agrees with the tested flow."""
    if not (primary / "te_ksg.nc").exists() or not (primary / "flow.nc").exists():
        return {}
    import numpy as np
    from scipy import stats

    from infoflow._io import load_dataset

    ksg = load_dataset(primary / "te_ksg.nc")
    flow = load_dataset(primary / "flow.nc")
    if "epoch" in flow.dims:
        flow = flow.sel(epoch=int(ksg.attrs["epoch"]))
    a = np.asarray(flow["te"].values, float)
    b = np.asarray(ksg["te_ksg"].sel(source=flow["source"], target=flow["target"]).values, float)
    ok = np.isfinite(a) & np.isfinite(b)
    sig = np.asarray(flow["significant"].values, bool) & ok
    rho = float(stats.spearmanr(a[ok], b[ok]).statistic) if ok.sum() > 2 else None
    return {
        "KSG vs tested estimator: Spearman r of TE over pairs (last epoch)": _r(rho),
        "KSG TE, mean over significant pairs (nats)": _r(float(b[sig].mean())) if sig.any() else None,
        "KSG TE, mean over other pairs (nats)": _r(float(b[ok & ~sig].mean())) if (ok & ~sig).any() else None,
    }


def _layers(seeds: list[Path], alpha: float) -> dict[str, Any]:
    """Q2 for both measures: the layer test of the structure stage, with the untrained comparison beside it."""
    from infoflow.report import _flowanswers as fa

    inputs = _structure_inputs(seeds)
    if inputs is None:
        return _unavailable("No structure.json: run the flow and structure stages first.")
    pairs, tracked, ut = inputs
    primary = pairs[0][0]
    answers: dict[str, str] = {}
    sentences: list[str] = []
    notes: list[str] = []
    table: dict[str, Any] = {}
    layer_stat = "layering (best mean silhouette, k >= 2)"
    for m, st in pairs:
        label = fa.LABELS[m]
        lay = st["layers"]
        answers[m], reason, null = fa.graph_layers(st, alpha)
        n, p = lay.get("n_layers"), lay.get("pvalue")
        # structure.json written before the layer test recorded its progression: trophic levels of significant pairs
        prog = lay.get("progression_description") or "trophic levels of the graph of significant flows"
        pct = lambda k, lay=lay: fa._f(100 * lay[k] if lay.get(k) is not None else None)  # noqa: E731
        text = (f"{label}: {n} layer{'s' if n != 1 else ''} from clustering the neurons' progression, {prog} "
                f"(p = {fa._f(p)} against {null}; {reason}); {pct('within_fraction')}% of the flow stays within a "
                f"layer, {pct('skip_fraction')}% skips one.")
        if m in ut and layer_stat in ut[m]["statistics"]:
            c = ut[m]["statistics"][layer_stat]
            text += (f" Against {ut[m]['n_untrained']} untrained networks the layering statistic (best mean "
                     "silhouette of SpringRank of the raw flow matrix, as the layer test) "
                     f"differs by {fa._f(c.get('effect'))} (p = {fa._f(c.get('pvalue'))}: {c.get('verdict')}).")
            table.update(fa._stat_rows(f"layering (best silhouette), {label}", c, alpha))
        sentences.append(text)
        key = "number of layers" if m == primary else f"number of layers, {label}"
        table[key] = n
        table[f"layering p-value, {label} (seed 0)"] = _r(p)
        table[f"layers by BIC, {label}"] = lay.get("n_layers_bic")
        table[f"within-layer flow fraction, {label}"] = _r(lay.get("within_fraction"))
        table[f"forward flow fraction, {label}"] = _r(lay.get("forward_fraction"))
        table[f"backward flow fraction, {label}"] = _r(lay.get("backward_fraction"))
        table[f"layer-skipping flow fraction, {label}"] = _r(lay.get("skip_fraction"))
        table[f"{label}: layers answer"] = answers[m]
        table[f"{label}: layers answer rests on"] = f"{fa.GRAPH.format(label=label)}; progression: {prog}; null: {null}"
        notes += [f"{label}: {x}" for x in lay.get("notes", [])]
    counts = [s["epochs"]["n_layers"] for s in tracked if "epochs" in s]
    if counts:
        label = fa.LABELS[primary]
        table[f"layers over tracked epochs (seed 0), {label}"] = ", ".join(str(c) for c in counts[0])
        table[f"layers at last epoch, per seed, {label}"] = ", ".join(str(c[-1]) for c in counts)
    sentence = f"Answer from the bivariate {fa.LABELS[primary]} graph and the layer test's null. " + " ".join(sentences)
    return {"answer": answers[primary], "sentence": sentence, "table": table, "notes": notes,
            "agreement": fa.agreement(pairs, answers, "layers", primary)}


def _bottleneck(dyn: dict[str, Any]) -> dict[str, Any]:
    comp = dyn.get("compression") or {}
    if not comp:
        return _unavailable("The information plane was not computed for this run.")
    finding = {est: v.get("finding") or ("compression" if v.get("compression") else "no compression")
               for est, v in comp.items()}
    voting = {est: f for est, f in finding.items() if not comp[est].get("excluded")}
    if not voting:
        answer = "inconclusive"
    elif all(f == "compression" for f in voting.values()):
        answer = "yes"
    elif all(f in ("no compression", "falls from initialisation") for f in voting.values()):
        answer = "no"
    else:
        answer = "inconclusive"
    parts = [f"{est} ({comp[est].get('regulariser')}): {f}"
             + (f", {comp[est].get('seeds_compressing')} of {comp[est].get('n_seeds')} seeds compressing"
                if f != "at ceiling" else ", left out of the vote")
             for est, f in finding.items()]
    sentence = ("Compression phase (a rise of I(X;T), then a fall larger than a drifting curve (random walk plus "
                "noise) gives, "
                "while I(T;Y) holds, in more than half the seeds): " + "; ".join(parts) + ".")
    if not voting:
        sentence += " Every estimator is at its ceiling, so none can show a fall."
    elif answer == "inconclusive":
        sentence += " The estimators (or the seeds) disagree, as Saxe et al. (2018) found across regularisers."
    if any(f == "falls from initialisation" for f in voting.values()):
        sentence += (" A fall of I(X;T) from the untrained network with no fitting phase before it is reported as "
                     "'falls from initialisation', not as compression.")
    corr = dyn.get("neuron_correlation") or {}
    table: dict[str, Any] = {}
    for est, v in comp.items():
        table[f"{est}: finding"] = finding[est]
        table[f"{est}: compression"] = bool(v.get("compression"))
        table[f"{est}: seeds compressing"] = f"{v.get('seeds_compressing')} of {v.get('n_seeds')}"
        table[f"{est}: per-seed findings"] = ", ".join(f"{k}: {x}" for k, x in (v.get("finding_seed") or {}).items())
        pv = v.get("pvalue_seed") or {}
        if pv:
            table[f"{est}: p-value of the fall against a drifting curve, per seed"] = ", ".join(
                _fmt(x) for x in pv.values())
        table[f"{est}: turning epoch"] = v.get("turning_epoch")
        if v.get("excluded"):
            table[f"{est}: why left out"] = v.get("reason")
    for est, c in corr.items():
        lows = [v for v in (c.get("low_seed") or {}).values() if v is not None]
        highs = [v for v in (c.get("high_seed") or {}).values() if v is not None]
        table[f"{est}: corr. across neurons of I(h;X) and I(h;Y), mean r"] = _r(c.get("r_mean"))
        table[f"{est}: 95% CI of r (widest over seeds)"] = (f"[{_fmt(min(lows) if lows else None)}, "
                                                            f"{_fmt(max(highs) if highs else None)}]")
    if corr:
        r_vals = [c.get("r_mean") for c in corr.values() if c.get("r_mean") is not None]
        if r_vals and min(r_vals) > 0:
            sentence += (" Neurons that carry more about the input also carry more about the target (r > 0 under every "
                         "estimator): a positive correlation does not by itself contradict a bottleneck, which is a "
                         "statement about the population over training, not across neurons.")
    notes = [f"Criterion: {v.get('criterion')}" for v in list(comp.values())[:1]]
    notes.append("Answer: yes when every estimator not at its ceiling finds compression, no when none does (a fall "
                 "from initialisation is no compression), inconclusive otherwise.")
    notes.append("I(X;T) of a deterministic network is infinite for continuous inputs; each value depends on its "
                 "regulariser (shown beside each estimator, including the noise added to the hidden units).")
    return {"answer": answer, "sentence": sentence, "table": table, "notes": notes}


def _indicators(dyn: dict[str, Any], alpha: float) -> dict[str, Any]:
    corr = dyn.get("indicator_correlations") or {}
    if not corr:
        return _unavailable("No indicator correlations were computed.")
    tracking = [n for n, c in corr.items() if c.get("tracks")]
    leading = [n for n, c in corr.items() if c.get("leads")]
    if leading:
        answer = "yes"
    elif tracking:
        answer = "inconclusive"
    else:
        answer = "no"
    sentence = (f"Beyond the smooth trend all training curves share, {len(tracking)} of {len(corr)} indicators move "
                f"with the validation loss{' (' + ', '.join(tracking) + ')' if tracking else ''} and "
                f"{len(leading)} move before it{' (' + ', '.join(leading) + ')' if leading else ''} "
                f"(Holm-corrected over the {len(corr)} indicators, family-wise alpha {_fmt(alpha)}).")
    if answer == "inconclusive":
        sentence += " Co-movement without a lead does not say the indicator anticipates the loss."
    table: dict[str, Any] = {}
    for name, c in corr.items():
        ll = c.get("lead_lag") or {}
        verdict = "leads" if c.get("leads") else ("tracks" if c.get("tracks") else "neither")
        table[name] = (f"{verdict}; best lag {_fmt(ll.get('best_lag'))} epochs (r = {_fmt(_r(ll.get('best_corr')))}, "
                       f"p = {_fmt(ll.get('pvalue'))}, Holm p = {_fmt(ll.get('pvalue_holm'))}); Spearman r of levels "
                       f"{_fmt(_r(c.get('spearman_mean')))} (descriptive: shared trends make it large)")
    band = dyn.get("settings", {}).get("lead_lag_band")
    notes = [f"Criterion: {band}." if band else "Criterion: prewhitened cross-correlation, Holm over indicators.",
             "Answer: yes when some indicator moves before the loss, inconclusive when some move with it but none "
             "before, no otherwise. Lags count epochs (indicators tracked every few epochs step by that spacing).",
             "Test outcomes (p-values, adjusted Rand indices between epochs' layerings) are not screened as "
             "indicators."]
    return {"answer": answer, "sentence": sentence, "table": table, "notes": notes}


def _phases(dyn: dict[str, Any]) -> dict[str, Any]:
    raw = dyn.get("phase_transition") or {}
    pt = {g: v for g, v in raw.items() if isinstance(v, dict)}
    if not pt:
        return _unavailable("No gradient statistics were recorded.")
    overall = pt.get("all", {})
    epoch = overall.get("transition_epoch")
    answer = overall.get("answer") or ("yes" if epoch is not None else "no")
    n_yes, n_seeds = overall.get("n_seeds_yes"), overall.get("n_seeds")
    szt = {k: v for k, v in (overall.get("szt_epoch_seed") or {}).items() if v is not None}
    if answer == "yes":
        sentence = (f"Gradient signal-to-noise steps down from a drift to a diffusion phase beyond a smooth decline in "
                    f"{n_yes} of {n_seeds} seeds (all parameters), at epoch {_fmt(epoch)} (median over those seeds).")
    elif answer == "no":
        sentence = ("No step in gradient signal-to-noise beyond a smooth decline in most seeds: SNR changes "
                    "gradually, not in two phases.")
    else:
        sentence = (f"Undecided: {n_yes} of {n_seeds} seeds show a step in gradient signal-to-noise beyond a smooth "
                    "decline; the others do not, or their noise would hide a step.")
    sentence += (f" Shwartz-Ziv & Tishby's own criterion (SNR above 1 before, below 1 after) holds from epoch "
                 f"{', '.join(_fmt(v) for v in szt.values())} (seeds {', '.join(szt)})." if szt else
                 " Shwartz-Ziv & Tishby's own criterion (SNR above 1 before, below 1 after) holds in no seed.")
    comparison = dyn.get("comparison") or {}
    table: dict[str, Any] = {}
    if raw.get("gradient_source"):
        table["gradient statistics"] = raw["gradient_source"]
    for group, v in pt.items():
        table[f"{group}: answer (seed agreement)"] = v.get("answer")
        table[f"{group}: answer per seed"] = ", ".join(str(x) for x in (v.get("answer_seed") or {}).values())
        table[f"{group}: transition epoch (median over seeds)"] = v.get("transition_epoch")
        per_seed = v.get("transition_epoch_seed") or {}
        table[f"{group}: transition epoch per seed"] = ", ".join(_fmt(x) for x in per_seed.values())
        pv = v.get("pvalue_seed") or {}
        if pv:
            table[f"{group}: p-value per seed (step vs smooth trend)"] = ", ".join(_fmt(x) for x in pv.values())
        sz = v.get("szt_epoch_seed") or {}
        if sz:
            table[f"{group}: SNR > 1 before / < 1 after, from epoch (per seed)"] = ", ".join(
                _fmt(x) for x in sz.values())
    for est, c in comparison.items():
        table[f"vs information-plane turning point ({est})"] = c.get("note") or _fmt(c.get("difference"))
    notes = [f"Criterion: {raw['criterion']}"] if raw.get("criterion") else []
    notes.append("Answer: yes / no when more than half the seeds say so, otherwise inconclusive.")
    return {"answer": answer, "sentence": sentence, "table": table, "notes": notes}


def _methods(primary: Path, options: dict[str, Any], dyn: dict[str, Any] | None, alpha: float) -> dict[str, Any]:
    rows: dict[str, Any] = {"units": "nats", "alpha (FDR, tests)": alpha}
    try:
        from infoflow._io import load_dataset

        attrs = load_dataset(primary / "flow.nc").attrs
        # "null" is the name flow.nc files written before the rename to "pvalue" give the p-value model
        for key in ("estimator", "k", "measure", "surrogates", "pvalue", "null", "min_shift", "theiler", "history",
                    "condition_on_input", "screen", "n_samples"):
            if key in attrs:
                rows[f"flow: {key}"] = attrs[key] if not hasattr(attrs[key], "item") else attrs[key].item()
    except (FileNotFoundError, ValueError):
        rows["flow"] = "not computed"
    for key in ("track_method", "track_every", "track_surrogates", "n_null", "ip_estimators", "ip_window"):
        if key in options:
            rows[f"run: {key}"] = options[key]
    if dyn:
        settings = dyn.get("settings", {})
        for key in ("entropy_method", "tc_method", "mi_method", "lead_lag_band"):
            if key in settings:
                rows[f"dynamics: {key}"] = settings[key]
    rows["decision rules"] = ("see infoflow.report._summary and _flowanswers: Q1 F0 and downhill fraction of trained "
                              "vs untrained "
                              "networks (runs) or vs a graph null (recordings), both measures; Q2 the layer test; "
                              "Q3 compression under each estimator; Q4 tracking and leading the validation loss; "
                              "Q5 changepoint in gradient SNR")
    return rows


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float):
        return f"{x:.3g}"
    return str(x)
