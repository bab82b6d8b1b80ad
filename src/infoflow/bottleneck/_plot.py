"""Information-plane figure (private; users call ``infoflow.bottleneck.plot_information_plane``).

Reads only the Dataset from :func:`information_plane`; draws with matplotlib's object API (no
pyplot state, so it is safe in worker threads) and writes PNG and SVG atomically via infoflow._io.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import xarray as xr

from infoflow._io import atomic_write_bytes


def save_figure(fig, stem: str | os.PathLike, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Write `fig` as ``stem.png`` and ``stem.svg`` (temporary file, then rename)."""
    paths = []
    for fmt in formats:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=110)
        paths.append(atomic_write_bytes(Path(f"{stem}.{fmt}"), buf.getvalue()))
    return paths


def plot_information_plane(plane: xr.Dataset, path: str | os.PathLike) -> list[Path]:
    """Draw the information plane, one panel per estimator, points coloured by epoch.

    Parameters
    ----------
    plane : Dataset
        Result of :func:`infoflow.bottleneck.information_plane`.
    path : path-like
        Output stem; ``.png`` and ``.svg`` are appended (a suffix given is replaced).

    Returns
    -------
    paths : list of Path
        The PNG and SVG files written.

    Notes
    -----
    Each seed is a thin line with points coloured by epoch; the seed mean is the black line, with
    a star at the turning epoch when a compression phase was found. Axes are in nats; each panel
    title gives the estimator, its regulariser and the verdict.
    """
    from matplotlib.figure import Figure

    for v in ("I_X", "I_Y"):
        if v not in plane:
            raise ValueError(f"plot_information_plane: the Dataset has no {v!r}; pass the result of information_plane.")
    ests = [str(e) for e in plane["estimator"].values]
    epochs = plane["epoch"].values.astype(float)
    fig = Figure(figsize=(4.6 * len(ests) + 0.8, 4.2), layout="constrained")
    axes = fig.subplots(1, len(ests), squeeze=False)[0]
    sc = None
    for ax, est in zip(axes, ests):
        ix, iy = plane["I_X"].sel(estimator=est), plane["I_Y"].sel(estimator=est)
        for s in plane["seed"].values:
            x, y = ix.sel(seed=s).values, iy.sel(seed=s).values
            ax.plot(x, y, color="0.7", lw=0.8, zorder=1)
            sc = ax.scatter(x, y, c=epochs, cmap="viridis", s=18, zorder=2, vmin=epochs.min(), vmax=epochs.max())
        mx, my = ix.mean("seed").values, iy.mean("seed").values
        ax.plot(mx, my, color="k", lw=1.4, zorder=3, label=f"mean of {plane.sizes['seed']} seed(s)")
        verdict = (str(plane["compression_finding"].sel(estimator=est).values) if "compression_finding" in plane
                   else "no compression")
        if "turning_epoch" in plane and np.isfinite(plane["turning_epoch"].sel(estimator=est).values):
            te = float(plane["turning_epoch"].sel(estimator=est).values)
            i = int(np.argmin(np.abs(epochs - te)))  # the median over seeds may fall between epochs
            ax.scatter([mx[i]], [my[i]], marker="*", s=160, color="red", zorder=4, label=f"turning epoch {te:g}")
            verdict = "compression"
        if "compression_seed" in plane:
            verdict += f" ({int(plane['compression_seed'].sel(estimator=est).sum())}/{plane.sizes['seed']} seeds)"
        reg = str(plane["regulariser"].sel(estimator=est).values) if "regulariser" in plane.coords else ""
        noise = float(plane.attrs.get("noise_sd", 0.0))
        reg = reg + (f", noise_sd={noise:g}" if noise > 0 and "noise_sd" not in reg else "")
        ax.set_title(f"{est} ({reg})\n{verdict}", fontsize=9)
        ax.set_xlabel("I(X;T) [nats]")
        ax.set_ylabel("I(T;Y) [nats]")
        ax.legend(fontsize=7, loc="lower right")
    if sc is not None:
        fig.colorbar(sc, ax=list(axes), label="epoch")
    fig.suptitle(f"Information plane (X: {plane.attrs.get('window', '?')} steps of input history; T: hidden units)",
                 fontsize=10)
    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix in (".png", ".svg") else stem
    return save_figure(fig, stem)
