"""Figures of the dynamics analysis: gradient SNR with the phase boundary, indicators vs loss (private).

Reads only the Datasets of :func:`gradient_phases` / :func:`learning_indicators`; matplotlib's
object API (no pyplot state); PNG and SVG written atomically via infoflow._io.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from infoflow._io import atomic_write_bytes


def _save(fig, stem: str | os.PathLike) -> list[Path]:
    stem = Path(stem)
    stem = stem.with_suffix("") if stem.suffix in (".png", ".svg") else stem
    paths = []
    for fmt in ("png", "svg"):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=110)
        paths.append(atomic_write_bytes(Path(f"{stem}.{fmt}"), buf.getvalue()))
    return paths


def plot_gradient_snr(phases: xr.Dataset, path: str | os.PathLike, *,
                      turning_epochs: dict[str, float] | None = None) -> list[Path]:
    """Gradient mean norm, std norm and SNR per group over epochs, with the drift/diffusion boundary.

    Parameters
    ----------
    phases : Dataset
        Result of :func:`gradient_phases`.
    path : path-like
        Output stem; ``.png`` and ``.svg`` are written.
    turning_epochs : dict or None
        ``{estimator: epoch}`` information-plane turning points, drawn as dashed lines.

    Returns
    -------
    paths : list of Path
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.8), layout="constrained")
    axes = fig.subplots(1, 3)
    ep = phases["epoch"].values
    groups = [str(g) for g in phases["group"].values]
    colors = {g: f"C{i}" for i, g in enumerate(groups)}
    for ax, var, label in ((axes[0], "grad_mean_norm", "||mean gradient||"),
                           (axes[1], "grad_std_norm", "||std of gradient||"), (axes[2], "snr", "SNR = mean / std")):
        for g in groups:
            da = phases[var].sel(group=g)
            lw = 2.2 if g == "all" else 1.0
            with np.errstate(invalid="ignore", divide="ignore"):
                mid = 10 ** np.log10(da.where(da > 0)).mean("seed") if var == "snr" else da.mean("seed")
            ax.plot(ep, mid, color=colors[g], lw=lw, label=g)
            ax.fill_between(ep, da.min("seed"), da.max("seed"), color=colors[g], alpha=0.2, lw=0)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
    te = float(phases["transition_epoch_mean"].sel(group="all").values) if "all" in groups else np.nan
    for ax in axes:
        if np.isfinite(te):
            ax.axvline(te, color="k", lw=1.2, label=f"drift -> diffusion (epoch {te:g})")
        for j, (est, tp) in enumerate((turning_epochs or {}).items()):
            if tp is not None and np.isfinite(tp):
                ax.axvline(tp, color=f"C{len(groups) + j}", ls="--", lw=1, label=f"IP turning ({est}, {tp:g})")
    axes[2].axhline(1.0, color="0.5", lw=0.6, ls=":")
    axes[2].legend(fontsize=7)
    title = "Gradient SNR per parameter group (line: seed mean; band: min-max over seeds)"
    if not np.isfinite(te):
        title += "; no drift/diffusion transition found"
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def plot_indicators(indicators: xr.Dataset, path: str | os.PathLike, *, target: str = "val_loss",
                    names: Sequence[str] | None = None) -> list[Path]:
    """Each indicator (seed mean, min-max band) against epochs, with `target` on a twin axis.

    Parameters
    ----------
    indicators : Dataset
        Result of :func:`learning_indicators`.
    path : path-like
        Output stem; ``.png`` and ``.svg`` are written.
    target : str, default="val_loss"
    names : sequence of str or None
        Indicators to draw; None means every non-loss variable.

    Returns
    -------
    paths : list of Path
    """
    from matplotlib.figure import Figure

    names = [str(n) for n in (names or indicators.data_vars) if not str(n).endswith("_loss")]
    ncol = min(3, max(1, len(names)))
    nrow = int(np.ceil(len(names) / ncol)) or 1
    fig = Figure(figsize=(4.2 * ncol, 3.0 * nrow), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()
    ep = indicators["epoch"].values
    for ax, name in zip(axes, names):
        da = indicators[name]
        mean = da.mean("seed").values
        # indicators tracked every few epochs are NaN in between: draw them on their own epochs
        # (a line through NaN would leave the panel empty)
        ok = np.isfinite(mean)
        sparse = ok.sum() < len(ep)
        ax.plot(ep[ok], mean[ok], color="C0", marker="o" if sparse else None, ms=3)
        ax.fill_between(ep[ok], da.min("seed").values[ok], da.max("seed").values[ok], color="C0", alpha=0.25, lw=0)
        unit = da.attrs.get("units", "")
        ax.set_ylabel(f"{name} [{'nats' if unit == 'nat' else unit}]", color="C0", fontsize=8)
        ax.set_xlabel("epoch")
        if target in indicators:
            tw = ax.twinx()
            loss = indicators[target]
            tw.plot(ep, loss.mean("seed"), color="C3", lw=1)
            tw.fill_between(ep, loss.min("seed"), loss.max("seed"), color="C3", alpha=0.15, lw=0)
            tw.set_ylabel(target, color="C3", fontsize=8)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    fig.suptitle(f"Indicators of learning (blue, mean and min-max over {indicators.sizes['seed']} seed(s)) "
                 f"vs {target} (red)", fontsize=10)
    return _save(fig, path)
