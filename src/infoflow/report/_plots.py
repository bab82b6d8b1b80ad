"""The report's figures, drawn from saved results only (flow.nc, structure JSON, metrics, planes).

Figures that a stage already draws (gradient SNR and indicators from ``infoflow.dynamics``, the
information plane from ``infoflow.bottleneck``, progression plots from ``infoflow.structure``) are
reused; this module adds the ones that combine stages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from infoflow.report._figures import figure_block, save_figure
from infoflow.report._summary import read_metrics

ROLE_COLOURS = {"input": "#1f77b4", "hidden": "#7f7f7f", "output": "#d62728"}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def loss_curves(seeds: list[Path], fig_dir: Path) -> list[str]:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    persistence = None
    for i, d in enumerate(seeds):
        if not (d / "metrics.csv").exists():
            continue
        m = read_metrics(d / "metrics.csv")
        ep = [r["epoch"] for r in m]
        ax.plot(ep, [r["train_loss"] for r in m], color="C0", alpha=.7, label="train" if i == 0 else None)
        ax.plot(ep, [r["val_loss"] for r in m], color="C1", alpha=.7, label="validation" if i == 0 else None)
        ax.plot(ep, [r["test_loss"] for r in m], color="C2", alpha=.7, label="test" if i == 0 else None)
        persistence = m[-1].get("persistence_test_loss", persistence)
    if persistence is None:
        plt.close(fig)
        return []
    ax.axhline(persistence, color="k", ls="--", lw=1, label="persistence (test)")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE (standardised units)")
    ax.legend(fontsize=8)
    ax.set_title("Losses, one line per seed")
    return [save_figure(fig, fig_dir, "losses", "Training, validation and test MSE per epoch (every seed) against the "
                        "persistence baseline (predict the last value).")]


MAX_TICK_LABELS = 30  # beyond this many neurons the heat map labels every k-th one


def thinned_ticks(n: int, most: int = MAX_TICK_LABELS) -> list[int]:
    """Tick positions for `n` neurons: all of them up to `most`, else every k-th (at most `most`)."""
    step = max(1, -(-n // most))
    return list(range(0, n, step))


def flow_heatmap(flow, fig_dir: Path, measure: str, stem: str = "flow_matrix") -> list[str]:
    """Flow matrix of the last analysed epoch, neurons grouped by role, significant pairs marked."""
    plt = _plt()
    ds = flow.isel(epoch=-1) if "epoch" in flow.dims else flow
    var = "te" if measure == "te" else "flow"
    mat = ds[var]
    if "lag" in mat.dims:
        mat = mat.max("lag")
    order = np.argsort([{"input": 0, "hidden": 1, "output": 2}[str(r)] for r in ds["source_role"].values],
                       kind="stable")
    values = np.asarray(mat.values, float)[np.ix_(order, order)]
    sig = np.asarray(ds["significant"].values, bool)[np.ix_(order, order)]
    labels = [str(n) for n in ds["source"].values[order]]
    roles = [str(r) for r in ds["source_role"].values[order]]
    fig, ax = plt.subplots(figsize=(6.8, 5.8))
    im = ax.imshow(values, cmap="viridis", interpolation="nearest")
    ys, xs = np.nonzero(sig)
    ax.scatter(xs, ys, s=6, c="white", marker="o", linewidths=0, label="significant")
    ticks = thinned_ticks(len(labels))
    ax.set_xticks(ticks, [labels[i] for i in ticks], rotation=90, fontsize=6)
    ax.set_yticks(ticks, [labels[i] for i in ticks], fontsize=6)
    for tick, i in zip(ax.get_xticklabels(), ticks):
        tick.set_color(ROLE_COLOURS.get(roles[i], "k"))
    for tick, i in zip(ax.get_yticklabels(), ticks):
        tick.set_color(ROLE_COLOURS.get(roles[i], "k"))
    ax.set_xlabel("target neuron")
    ax.set_ylabel("source neuron")
    name = "transfer entropy" if var == "te" else "TDMI - MI (peak over lags)"
    fig.colorbar(im, ax=ax, label=f"{name} (nats)")
    ax.set_title(f"{name}, epoch {int(ds['epoch']) if 'epoch' in ds.coords else ''}")
    ax.legend(loc="upper right", fontsize=7, markerscale=2)
    thinned = "" if len(ticks) == len(labels) else (f" One neuron in every {ticks[1] - ticks[0]} is labelled; the "
                                                    "table of "
                                                     "significant edges names every pair.")
    return [save_figure(fig, fig_dir, stem,
                        f"{name} from each source (row) to each target (column) in nats, neurons grouped by role "
                        "(blue input, grey hidden, red output); white dots mark pairs significant after FDR control."
                        + thinned)]


def flow_graph(flow, structure: dict[str, Any], fig_dir: Path, measure: str, stem: str = "flow_graph") -> list[str]:
    from infoflow.structure import plot_flow_graph

    plt = _plt()
    ds = flow.isel(epoch=-1) if "epoch" in flow.dims else flow
    prog = np.asarray(structure["progression"]["trophic"], float)
    fig, ax = plt.subplots(figsize=(6.8, 5.5))
    plot_flow_graph(ds, prog, weight=measure, ax=ax)
    label_graph_nodes(ax, getattr(fig, "infoflow_data", None), ds)
    label = "TE" if measure == "te" else "TDMI - MI"
    ax.set_title(f"Significant flows ({label}), neurons placed by trophic level")
    return [save_figure(fig, fig_dir, stem, f"Directed graph of significant flows by {label}; the vertical position of "
                        "each neuron is its trophic level (inputs' mean 0, outputs' mean 1).")]


MAX_NODE_LABELS = 40  # beyond this, only input and output neurons are named in the graph


def label_graph_nodes(ax, data: dict[str, Any] | None, flow) -> None:
    """Write each neuron's id beside its node (only inputs and outputs when there are many)."""
    if not data or "x" not in data:
        return
    roles = dict(zip((str(n) for n in flow["source"].values), (str(r) for r in flow["source_role"].values)))
    many = len(data["neurons"]) > MAX_NODE_LABELS
    for name, x, y in zip(data["neurons"], data["x"], data["progression"]):
        if y is None or (many and roles.get(str(name)) == "hidden"):
            continue
        ax.annotate(str(name), (x, y), xytext=(3, 3), textcoords="offset points", fontsize=6, color="#333")


def progression_histograms(structure: dict[str, Any] | list[tuple[str, dict[str, Any]]], fig_dir: Path) -> list[str]:
    """Histograms by role of both progressions (the seed's two methods), one row per measure."""
    from infoflow.structure import plot_progression_histogram

    pairs = structure if isinstance(structure, list) else [("te", structure)]
    plt = _plt()
    fig, axes = plt.subplots(len(pairs), 2, figsize=(10, 3.8 * len(pairs)), squeeze=False, constrained_layout=True)
    for row, (measure, st) in zip(axes, pairs):
        label = "TE" if measure == "te" else "TDMI - MI"
        for ax, method in zip(row, ("trophic", "hodge")):
            plot_progression_histogram(st, method, ax=ax)
            ax.set_title(f"{label}: progression by {'trophic level' if method == 'trophic' else 'HodgeRank'}")
    rows = " and ".join("TE" if m == "te" else "the seed's TDMI - MI" for m, _ in pairs)
    return [save_figure(fig, fig_dir, "progression_histograms",
                        f"Progression of each neuron along the network by role, one row per measure ({rows}): by "
                        "trophic level of the significant-flow graph (left; the seed's first method) and by the "
                        "HodgeRank potential of the raw net flow values (right; the seed's second method).")]


def f0_over_training(tracked: list[dict[str, Any]], structure: dict[str, Any] | None, fig_dir: Path,
                     untrained: dict[str, Any] | None = None) -> list[str]:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    drew = False
    for i, s in enumerate(tracked):
        if "epochs" not in s:
            continue
        ax.plot(s["epochs"]["epoch"], s["epochs"]["f0"], marker="o", ms=3, color="C0", alpha=.8,
                label="F0, tracked estimator (each seed)" if i == 0 else None)
        drew = True
    if structure is not None:
        d = structure["directedness"]
        null = next((n for n in d.get("nulls", []) if n.get("kind") == "rewire"), None)
        if null and null.get("f0_mean") is not None:
            ax.axhline(null["f0_mean"], color="grey", ls="--", label="rewired null mean")
            if null.get("f0_sd") is not None:
                ax.axhspan(null["f0_mean"] - 2 * null["f0_sd"], null["f0_mean"] + 2 * null["f0_sd"], color="grey",
                           alpha=.15)
        if d.get("f0") is not None:
            ax.axhline(d["f0"], color="C3", label="F0, full estimator (seed 0, last epoch)")
        drew = True
    if untrained:
        vals = [v for v in untrained["statistics"]["f0"]["untrained"] if v is not None]
        if vals:
            ax.scatter(np.zeros(len(vals)) - 0.4, vals, marker="_", s=80, color="k", alpha=.6,
                       label=f"untrained networks ({len(vals)}; {untrained['n_edges']} strongest flows each)")
            last = untrained.get("trained_epoch")
            tv = [v for v in untrained["statistics"]["f0"]["trained"] if v is not None]
            if last is not None and tv:
                ax.scatter(np.full(len(tv), last + 0.4), tv, marker="_", s=80, color="C3",
                           label="trained networks, same matched density")
            drew = True
    if not drew:
        plt.close(fig)
        return []
    ax.set_xlabel("epoch")
    ax.set_ylabel("trophic incoherence F0")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7)
    return [save_figure(fig, fig_dir, "f0_over_training", "Trophic incoherence F0 (0 = perfectly layered, 1 = no "
                        "direction) over training for every seed (tracked estimator), against the rewired-network null "
                        "(mean, band +-2 SD) and, at epoch 0, the untrained networks of the same architecture "
                        "(black ticks, tracked estimator at matched edge density).")]


def untrained_comparison(untrained: dict[str, Any], fig_dir: Path) -> list[str]:
    """Trained against untrained networks, every statistic, both measures (one column per measure)."""
    if not untrained:
        return []
    plt = _plt()
    measures = [m for m in ("te", "flow") if m in untrained]
    names = list(untrained[measures[0]]["statistics"])
    fig, axes = plt.subplots(1, len(measures), figsize=(6.4 * len(measures), 0.5 * len(names) + 1.6), squeeze=False,
                             sharey=True, gridspec_kw={"wspace": 0.25})
    rng = np.random.default_rng(0)  # vertical jitter for readability only
    for ax, m in zip(axes[0], measures):
        stats_m = untrained[m]["statistics"]
        for i, name in enumerate(names):
            c = stats_m[name]
            u = np.array([v for v in c["untrained"] if v is not None], float)
            t = np.array([v for v in c["trained"] if v is not None], float)
            ax.scatter(u, i + rng.uniform(-.15, .15, u.size), s=10, color="grey", alpha=.7,
                       label="untrained" if i == 0 else None)
            ax.scatter(t, np.full(t.size, i), s=28, color="C3", marker="D",
                       label="trained (each seed)" if i == 0 else None)
            ax.text(1.02, i, f"p = {c['pvalue']:.3g}" if c.get("pvalue") is not None else "n/a",
                    transform=ax.get_yaxis_transform(), fontsize=7, va="center")
        ax.set_yticks(range(len(names)), [n.replace(" (", "\n(") for n in names], fontsize=6)
        ax.set_title(f"{'TE' if m == 'te' else 'TDMI - MI'}: {untrained[m]['n_trained']} trained vs "
                     f"{untrained[m]['n_untrained']} untrained", fontsize=9)
    axes[0][0].invert_yaxis()
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc="lower center", ncol=2, bbox_to_anchor=(0.5, -0.02))
    return [save_figure(fig, fig_dir, "untrained_comparison",
                        "Each statistic of the trained networks (red, one per seed, last epoch) against untrained "
                        "networks "
                        "of the same architecture (grey: every seed's epoch 0 and further initialisations), tracked "
                        "estimator, the same number of strongest flows per network; p: one-sided permutation test of "
                        "the difference in means (F0 lower, the others higher, means more structure).")]


def layers_figure(structure: dict[str, Any], tracked: list[dict[str, Any]], fig_dir: Path, stem: str = "layers",
                  label: str = "") -> list[str]:
    plt = _plt()
    lay = structure["layers"]
    prog = np.asarray(lay["progression"], float)
    assign = np.asarray(lay["assignment"])
    roles = structure.get("roles") or ["hidden"] * len(prog)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    ax = axes[0]
    rng = np.random.default_rng(0)  # horizontal jitter for readability only
    for r in ("input", "hidden", "output"):
        idx = [i for i, x in enumerate(roles) if x == r]
        if idx:
            ax.scatter(assign[idx] + rng.uniform(-.15, .15, len(idx)), prog[idx], c=ROLE_COLOURS[r], label=r, s=18)
    ax.set_xlabel("layer")
    ax.set_ylabel(f"progression ({lay.get('method', 'trophic')}, {lay.get('graph', 'significant')} flow)")
    ax.set_xticks(range(int(lay["n_layers"])))
    ax.legend(fontsize=7)
    ax.set_title(f"{label + ': ' if label else ''}{lay['n_layers']} layer(s)")
    ax = axes[1]
    fr = {k: lay.get(k) or 0.0 for k in ("within_fraction", "forward_fraction", "backward_fraction",
                                          "skip_forward_fraction", "skip_backward_fraction")}
    ax.bar(range(len(fr)), list(fr.values()), color="C0")
    ax.set_xticks(range(len(fr)), [k.replace("_fraction", "").replace("_", " ") for k in fr], rotation=20, fontsize=8)
    ax.set_ylabel("fraction of total flow")
    ax.set_title("where the flow goes")
    figs = [save_figure(fig, fig_dir, stem, f"{label + ': ' if label else ''}Neurons by layer and progression (left); "
                                            "fraction of the flow that stays "
                        "within a layer, moves forward or backward, or skips layers (right).")]
    counts = [(s["epochs"]["epoch"], s["epochs"]["n_layers"]) for s in tracked if "epochs" in s]
    if counts:
        fig, ax = plt.subplots(figsize=(6.5, 3.2))
        for i, (ep, n) in enumerate(counts):
            ax.step(ep, n, where="mid", alpha=.8, label=f"seed {i}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("number of layers")
        ax.legend(fontsize=7)
        figs.append(save_figure(fig, fig_dir, "layers_over_training",
                                "Number of layers found at each tracked epoch, per seed (tracked estimator)."))
    return figs


def information_planes(plane, fig_dir: Path) -> list[str]:
    from infoflow.bottleneck import plot_information_plane

    paths = plot_information_plane(plane, fig_dir / "information_plane")
    png = next((Path(p) for p in paths if str(p).endswith(".png")), None)
    blocks = []
    if png is not None:
        blocks.append(embed_png(png, "Information plane: I(X;T) against I(T;Y) of the hidden population, one panel per "
                                "estimator, points coloured by epoch (nats; each panel's regulariser in its title)."))
    blocks += neuron_scatter(plane, fig_dir)
    return blocks


def neuron_scatter(plane, fig_dir: Path) -> list[str]:
    if "I_X_neuron" not in plane:
        return []
    plt = _plt()
    ests = [str(e) for e in plane["estimator"].values
            if np.isfinite(plane["I_X_neuron"].sel(estimator=e).values).any()]
    if not ests:
        return []
    fig, axes = plt.subplots(1, len(ests), figsize=(4.2 * len(ests), 3.6), squeeze=False)
    for ax, est in zip(axes[0], ests):
        sub = plane.sel(estimator=est).isel(epoch=-1)
        for s in range(sub.sizes.get("seed", 1)):
            one = sub.isel(seed=s) if "seed" in sub.dims else sub
            ax.scatter(one["I_X_neuron"].values, one["I_Y_neuron"].values, s=14, alpha=.7, label=f"seed {s}")
        ax.set_xlabel("I(h;X) (nats)")
        ax.set_ylabel("I(h;Y) (nats)")
        ax.set_title(est)
    axes[0][0].legend(fontsize=7)
    return [save_figure(fig, fig_dir, "neuron_ix_iy", "Each hidden neuron's information about the input history, "
                        "I(h;X), against its information about the target, I(h;Y), at the last epoch (nats).")]


def embed_png(png: Path, caption: str) -> str:
    """A <figure> block for a PNG another stage already wrote (``figures/<stem>.png``)."""
    return figure_block(Path(png).read_bytes(), Path(png).stem, caption)
