"""Figures of network structure: progression histograms by role and the flow graph drawn by progression.

Pipeline place: **structure** -> ``report``/``cli``. Each function returns a matplotlib Figure whose
``infoflow_data`` attribute holds the numbers drawn; :func:`save_figure` writes PNG, SVG and
that data as JSON. matplotlib is imported lazily so the analyses do not pay for it.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from infoflow._io import atomic_write_bytes, atomic_write_json
from infoflow._validation import Anything, InstanceOf, Interval, NoneOK, Options, validate_params
from infoflow.structure._input import WEIGHTS, read_flow
from infoflow.structure._progression import METHODS

_ROLE_COLOURS = {"input": "#1b9e77", "hidden": "#7570b3", "output": "#d95f02", "all": "#555555"}


def _progression_values(result, method):
    """(values, roles or None, neuron ids, label) from a progression DataArray/Dataset, a structure dict or an array."""
    import xarray as xr

    if isinstance(result, dict):
        prog = result.get("progression", {})
        if method not in prog:
            raise ValueError(f"plot_progression_histogram: the result has no {method!r} progression; it has "
                             f"{list(prog)}.")
        vals = np.array([np.nan if v is None else v for v in prog[method]], dtype=float)
        # "progression_normalization": the key of structure.json files written before the rename
        rules = result.get("progression_normalisation") or result.get("progression_normalization") or {}
        return vals, result.get("roles"), result.get("neurons"), rules.get(method, "")
    if isinstance(result, xr.Dataset):
        if method not in result:
            raise ValueError(f"plot_progression_histogram: the Dataset has no {method!r} variable; it has "
                             f"{list(result)}.")
        result = result[method]
    if isinstance(result, xr.DataArray):
        if "epoch" in result.dims:
            result = result.isel(epoch=-1)
        roles = list(result["role"].values) if "role" in result.coords else None
        return (np.asarray(result.values, dtype=float), roles, [str(n) for n in result["neuron"].values],
                result.attrs.get("normalisation", result.attrs.get("normalization", "")))
    vals = np.asarray(result, dtype=float)
    if vals.ndim != 1:
        raise ValueError(f"plot_progression_histogram: progression must be 1-D (one value per neuron); got shape "
                         f"{vals.shape}.")
    return vals, None, [f"n{i}" for i in range(vals.size)], ""


@validate_params({"result": [Anything()], "method": [Options(*METHODS)], "bins": [Interval(int, 1, None)],
                  "ax": [NoneOK(), Anything()]})
def plot_progression_histogram(result: Any, method: str = "trophic", *, bins: int = 20, ax: Any = None) -> Any:
    """Histogram of progression, one stacked colour per role (the seed's figure).

    Parameters
    ----------
    result : DataArray, Dataset, dict or array-like of shape (N,)
        Output of :func:`progression`, a Dataset with one variable per method, the dict of
        :func:`analyze_structure`, or plain values.
    method : {"trophic", "hodge", "springrank"}, default="trophic"
        Which progression to draw when ``result`` holds several.
    bins : int, default=20
    ax : matplotlib Axes or None, default=None

    Returns
    -------
    matplotlib.figure.Figure
        With ``infoflow_data``: bin edges and counts per role.
    """
    import matplotlib.pyplot as plt

    vals, roles, _, norm = _progression_values(result, method)
    finite = np.isfinite(vals)
    fig: Any  # the figure carries infoflow_data (save_figure writes it as JSON)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 3.2), constrained_layout=True)
    else:
        fig = ax.figure
    lo, hi = (vals[finite].min(), vals[finite].max()) if finite.any() else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    groups = ["all"] if roles is None else [r for r in ("input", "hidden", "output") if r in set(roles)]
    role_arr = np.array(["all"] * vals.size if roles is None else roles)
    counts = {g: np.histogram(vals[finite & (role_arr == g)], bins=edges)[0] for g in groups}
    ax.hist([vals[finite & (role_arr == g)] for g in groups], bins=edges, stacked=True,
            color=[_ROLE_COLOURS[g] for g in groups], label=groups)
    ax.set_xlabel(f"progression ({method}{', ' + norm if norm else ''})")
    ax.set_ylabel("neurons")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if roles is not None:
        ax.legend(frameon=False)
    fig.infoflow_data = {"method": method, "bin_edges": edges.tolist(),
                         "counts": {g: c.tolist() for g, c in counts.items()},
                         "n_without_progression": int((~finite).sum())}
    return fig


@validate_params({"flow": [Anything()], "progression": [Anything()],
                  "roles": [NoneOK(), InstanceOf(list, tuple, np.ndarray)],
                  "significant": [NoneOK(), Anything()], "weight": [Options(*WEIGHTS)],
                  "max_edges": [Interval(int, 1, None)], "ax": [NoneOK(), Anything()]})
def plot_flow_graph(flow: Any, progression: Any, *, roles: Any = None, significant: Any = None, weight: str = "te",
                    max_edges: int = 400, ax: Any = None) -> Any:
    """Draw the significant-flow graph with neurons placed by progression on the y-axis.

    Parameters
    ----------
    flow : xarray.Dataset, xarray.DataArray or array-like of shape (N, N)
        As for :func:`progression` (last epoch when there are several).
    progression : DataArray or array-like of shape (N,)
        One value per neuron (e.g. from :func:`progression`).
    roles, significant, weight
        As for :func:`progression`; roles set the x column (inputs left, outputs right).
    max_edges : int, default=400
        Draw only the strongest edges (all are in ``infoflow_data``).
    ax : matplotlib Axes or None, default=None

    Returns
    -------
    matplotlib.figure.Figure
        Downhill edges (to higher progression) blue, uphill red, width by weight; with
        ``infoflow_data``: node positions and edge list.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    fi = read_flow(flow, weight=weight, roles=roles, significant=significant, func="plot_flow_graph")
    h = np.asarray(getattr(progression, "values", progression), dtype=float)
    if h.ndim == 2:
        h = h[-1]
    n = fi.graph.shape[0]
    if h.shape != (n,):
        raise ValueError(f"plot_flow_graph: progression has shape {h.shape}; the flow has {n} neurons.")
    y = np.where(np.isfinite(h), h, np.nanmin(h) - 0.2 if np.isfinite(h).any() else 0.0)
    role_arr = np.array(fi.roles if fi.roles is not None else ["hidden"] * n)
    x = np.zeros(n)
    columns = {"input": (0.0, 0.15), "hidden": (0.25, 0.75), "output": (0.85, 1.0)}
    for role, (a, b) in columns.items():
        idx = np.flatnonzero(role_arr == role)
        if idx.size:
            order = idx[np.argsort(y[idx], kind="stable")]
            # spread along x by rank of progression, so neurons at similar heights do not overlap
            x[order] = np.linspace(a, b, idx.size) if idx.size > 1 else 0.5 * (a + b)
    src, dst = np.nonzero(fi.graph)
    wts = fi.graph[src, dst]
    top = np.argsort(wts)[::-1][:max_edges]
    fig: Any  # the figure carries infoflow_data (save_figure writes it as JSON)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 5), constrained_layout=True)
    else:
        fig = ax.figure
    if top.size:
        segs = np.stack([np.c_[x[src[top]], y[src[top]]], np.c_[x[dst[top]], y[dst[top]]]], axis=1)
        down = y[dst[top]] > y[src[top]]
        lw = 0.3 + 2.7 * wts[top] / wts[top].max()
        colors = np.where(down, "#2b6cb0", "#c53030").tolist()
        ax.add_collection(LineCollection(list(segs), linewidths=lw, colors=colors, alpha=0.35, zorder=1))
    for role in ("input", "hidden", "output"):
        m = role_arr == role
        if m.any():
            ax.scatter(x[m], y[m], s=30, color=_ROLE_COLOURS[role], label=role, zorder=2, edgecolor="white",
                       linewidth=0.5)
    ax.set_xlim(-0.05, 1.05)
    ax.set_xticks([])
    ax.set_ylabel("progression")
    ax.set_title(f"significant flow ({weight}); blue downhill, red uphill", fontsize=9)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.infoflow_data = {
        "neurons": fi.neurons, "x": x.tolist(), "progression": [None if not np.isfinite(v) else float(v) for v in h],
        "edges": [{"source": fi.neurons[s], "target": fi.neurons[t], "weight": float(v)}
                  for s, t, v in zip(src.tolist(), dst.tolist(), wts.tolist())]}
    return fig


def save_figure(fig: Any, path_stem: str | os.PathLike) -> list:
    """Write ``<stem>.png``, ``<stem>.svg`` and, if the figure carries it, ``<stem>.json`` (atomically).

    Returns the list of written paths.
    """
    import io
    from pathlib import Path

    stem = Path(path_stem)
    written = []
    for ext in ("png", "svg"):
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, dpi=150)
        written.append(atomic_write_bytes(stem.with_suffix(f".{ext}"), buf.getvalue()))
    data = getattr(fig, "infoflow_data", None)
    if data is not None:
        written.append(atomic_write_json(stem.with_suffix(".json"), data))
    return written
