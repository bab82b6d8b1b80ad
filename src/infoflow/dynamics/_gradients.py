"""Drift and diffusion phases from per-minibatch gradient statistics (private).

Pipeline place: reads the gradient statistics the trainer records (``grad_mean_norm``,
``grad_std_norm`` per epoch and parameter group, docs/design.md) and finds the epoch where
training turns from high-SNR drift to low-SNR diffusion (Shwartz-Ziv & Tishby 2017). Users call
``infoflow.dynamics.gradient_snr``, ``detect_transition`` and ``gradient_phases``.
"""

from __future__ import annotations

import math
from collections import namedtuple
from typing import Any

import numpy as np
import xarray as xr

from infoflow import __version__
from infoflow._validation import Anything, Interval, NoneOK, Options, validate_params
from infoflow.dynamics._recordings import as_recordings

GradientSNR = namedtuple("GradientSNR", ["mean_norm", "std_norm", "snr"])
GradientSNR.__doc__ = "Norm of the mean gradient, norm of its elementwise std, and their ratio."

TRANSITION_CRITERION = (
    "ruptures Pelt (model 'l2', min_size) on log10(SNR) over epochs >= 1 with penalty "
    "penalty_factor * 2 * sigma^2 * ln(n) (BIC for a mean shift; sigma = 1.4826*MAD(first differences)/sqrt(2)); "
    "each breakpoint b is scored by ratio = geometric-mean SNR before b / after b; the transition is the breakpoint "
    "with the largest ratio among those with ratio >= min_ratio, else none."
)


@validate_params({"batch_gradients": [Anything()], "ddof": [Interval(int, 0, 1)]})
def gradient_snr(batch_gradients: Any, /, *, ddof: int = 0) -> GradientSNR:
    """Norm of the mean minibatch gradient, norm of its std, and their ratio (SNR).

    Parameters
    ----------
    batch_gradients : array-like of shape (n_batch, n_param) or (n_epoch, n_batch, n_param)
        One flattened gradient vector per minibatch (of one parameter group or all parameters).
    ddof : {0, 1}, default=0
        Delta degrees of freedom of the elementwise std across batches (0: population std).

    Returns
    -------
    GradientSNR
        ``mean_norm`` = ||mean_b g_b||_2, ``std_norm`` = ||std_b g_b||_2 (elementwise std over
        batches, then the 2-norm over parameters), ``snr`` = mean_norm / std_norm (inf when the std
        is 0 and the mean is not, NaN when both are 0). Floats for 2-D input, arrays of shape
        (n_epoch,) for 3-D input.

    Notes
    -----
    Shwartz-Ziv & Tishby (2017) plot these per layer: in the drift phase the mean dominates
    (SNR >> 1), in the diffusion phase the batch-to-batch fluctuation does (SNR < 1).

    Examples
    --------
    >>> g = [[1.0, 0.0], [3.0, 2.0]]            # mean (2, 1), std (1, 1)
    >>> r = gradient_snr(g)
    >>> round(r.mean_norm, 4), round(r.std_norm, 4), round(r.snr, 4)
    (2.2361, 1.4142, 1.5811)
    """
    g = np.asarray(batch_gradients, dtype=np.float64)
    if g.ndim not in (2, 3):
        raise ValueError(f"gradient_snr: batch_gradients must be (n_batch, n_param) or (n_epoch, n_batch, n_param); "
                         f"got shape {g.shape}.")
    if g.shape[-2] < 1 + ddof:
        raise ValueError(f"gradient_snr: {g.shape[-2]} minibatch gradient(s); at least {1 + ddof} are needed for "
                         f"ddof={ddof}. Record more batches per epoch.")
    if not np.isfinite(g).all():
        raise ValueError("gradient_snr: batch_gradients has NaN/inf values (a diverged step?); drop those batches first.")
    mean_norm = np.linalg.norm(g.mean(axis=-2), axis=-1)
    std_norm = np.linalg.norm(g.std(axis=-2, ddof=ddof), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = mean_norm / std_norm
    if g.ndim == 2:
        return GradientSNR(float(mean_norm), float(std_norm), float(snr))
    return GradientSNR(mean_norm, std_norm, snr)


@validate_params({
    "snr": [Anything()], "epochs": [NoneOK(), Anything()],
    "min_ratio": [Interval(float, 1, None)],
    "penalty_factor": [Interval(float, 0, None, closed="neither")],
    "min_size": [Interval(int, 1, None)],
    "model": [Options("l2", "l1", "normal")],
})
def detect_transition(snr: Any, /, *, epochs: Any = None, min_ratio: float = 2.0, penalty_factor: float = 1.0,
                      min_size: int = 2, model: str = "l2") -> dict[str, Any]:
    """Find the drift-to-diffusion transition in a gradient-SNR series, or report none.

    Parameters
    ----------
    snr : array-like of shape (n_epoch,)
        Gradient SNR per epoch (positive; non-finite or non-positive entries, e.g. epoch 0, are
        dropped).
    epochs : array-like of shape (n_epoch,) or None, default=None
        Epoch labels; None means 0..n_epoch-1.
    min_ratio : float >= 1, default=2.0
        The geometric-mean SNR before the breakpoint must be at least this many times that after.
    penalty_factor : float, default=1.0
        Multiplies the BIC-like penalty 2*sigma^2*ln(n) of the changepoint search (larger: fewer
        breakpoints).
    min_size : int, default=2
        Fewest epochs in a segment.
    model : {"l2", "l1", "normal"}, default="l2"
        ruptures cost model on log10(SNR).

    Returns
    -------
    result : dict
        ``transition_epoch`` (first epoch of the diffusion phase; None if none found),
        ``found`` (bool), ``snr_before``/``snr_after`` (geometric means), ``ratio``,
        ``breakpoints`` (all epochs Pelt proposed), ``penalty``, ``sigma``, ``n``, ``reason``,
        ``criterion``.

    Notes
    -----
    Criterion: Pelt (Killick et al. 2012) on log10 SNR with penalty penalty_factor*2*sigma^2*ln(n),
    sigma the robust noise SD 1.4826*MAD(diff)/sqrt(2); among the breakpoints, the one whose
    before/after ratio of geometric-mean SNR is largest, if that ratio reaches `min_ratio`. A
    smooth decay gives several breakpoints; the ratio rule picks the one splitting high from low.

    References
    ----------
    Shwartz-Ziv R, Tishby N (2017). arXiv:1703.00810. Killick R, Fearnhead P, Eckley IA (2012).
    doi:10.1080/01621459.2012.737745. Truong C, Oudre L, Vayatis N (2020). ruptures.
    doi:10.1016/j.sigpro.2019.107299

    Examples
    --------
    >>> snr = [10, 11, 9, 10, 12, 10, 1, 1.2, 0.9, 1.1, 1, 0.8]
    >>> detect_transition(snr)["transition_epoch"]
    6
    """
    import ruptures as rpt

    s = np.asarray(getattr(snr, "values", snr), dtype=np.float64).ravel()
    ep = np.arange(s.size) if epochs is None else np.asarray(getattr(epochs, "values", epochs)).ravel()
    if ep.shape != s.shape:
        raise ValueError(f"detect_transition: {ep.size} epoch labels for {s.size} SNR values.")
    ok = np.isfinite(s) & (s > 0)
    s, ep = s[ok], ep[ok]
    n = int(s.size)
    out: dict[str, Any] = {"found": False, "transition_epoch": None, "snr_before": None, "snr_after": None,
                           "ratio": None, "breakpoints": [], "penalty": None, "sigma": None, "n": n,
                           "min_ratio": float(min_ratio), "reason": "", "criterion": TRANSITION_CRITERION}
    if n < 2 * min_size:
        out["reason"] = f"{n} usable epochs; at least 2*min_size = {2 * min_size} are needed"
        return out
    y = np.log10(s)
    d = np.diff(y)
    sigma = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2.0)
    # a floor keeps the penalty positive for noise-free series (Pelt would cut everywhere at 0)
    sigma = max(sigma, 1e-3 * max(float(np.std(y)), 1e-12))
    pen = penalty_factor * 2.0 * sigma ** 2 * math.log(n)
    bkps = rpt.Pelt(model=model, min_size=min_size, jump=1).fit(y[:, None]).predict(pen=pen)[:-1]
    out.update(penalty=pen, sigma=sigma, breakpoints=[int(ep[b]) for b in bkps])
    best, best_ratio = None, -np.inf
    for b in bkps:
        ratio = 10 ** (y[:b].mean() - y[b:].mean())
        if ratio > best_ratio:
            best, best_ratio = b, ratio
    if best is None:
        out["reason"] = "the changepoint search found no breakpoint: SNR has no level shift above its noise"
        return out
    out.update(snr_before=float(10 ** y[:best].mean()), snr_after=float(10 ** y[best:].mean()), ratio=float(best_ratio))
    if best_ratio < min_ratio:
        out["reason"] = (f"best breakpoint (epoch {int(ep[best])}) lowers the SNR only {best_ratio:.3g}-fold, "
                         f"less than min_ratio={min_ratio:g}")
        return out
    out.update(found=True, transition_epoch=int(ep[best]),
               reason=f"SNR falls {best_ratio:.3g}-fold at epoch {int(ep[best])} (geometric means "
                      f"{out['snr_before']:.3g} before, {out['snr_after']:.3g} after)")
    return out


@validate_params({
    "recordings": [Anything()],
    "min_ratio": [Interval(float, 1, None)],
    "penalty_factor": [Interval(float, 0, None, closed="neither")],
    "min_size": [Interval(int, 1, None)],
})
def gradient_phases(recordings: Any, /, *, min_ratio: float = 2.0, penalty_factor: float = 1.0,
                    min_size: int = 2) -> xr.Dataset:
    """Gradient mean/std norms and SNR per epoch, group and seed, with the drift/diffusion transition.

    Parameters
    ----------
    recordings : Dataset or sequence of Datasets
        Recordings with ``grad_mean_norm`` and ``grad_std_norm`` (epoch, group), one per seed.
    min_ratio, penalty_factor, min_size
        Passed to :func:`detect_transition`.

    Returns
    -------
    phases : Dataset
        ``grad_mean_norm``, ``grad_std_norm``, ``snr`` (seed, epoch, group), where group ``"all"``
        is added: sqrt(sum of squared group norms), exact because groups partition the parameters;
        ``snr_mean``, ``snr_low``, ``snr_high`` (epoch, group): geometric mean and min/max band
        across seeds; ``transition_epoch`` (seed, group) and ``transition_epoch_mean`` (group) from
        the seed-mean log SNR (NaN: none found); ``snr_ratio`` (seed, group). Attrs: criterion,
        min_ratio, penalty_factor, min_size.
    """
    recs, seeds = as_recordings(recordings, func="gradient_phases", require=("grad_mean_norm", "grad_std_norm"))
    per = []
    for ds in recs:
        m = ds["grad_mean_norm"].transpose("epoch", "group").astype(np.float64)
        sd = ds["grad_std_norm"].transpose("epoch", "group").astype(np.float64)
        m_all = np.sqrt((m ** 2).sum("group", skipna=False)).expand_dims(group=["all"])
        sd_all = np.sqrt((sd ** 2).sum("group", skipna=False)).expand_dims(group=["all"])
        m = xr.concat([m, m_all.transpose("epoch", "group")], dim="group")
        sd = xr.concat([sd, sd_all.transpose("epoch", "group")], dim="group")
        per.append(xr.Dataset({"grad_mean_norm": m, "grad_std_norm": sd}))
    ds = xr.concat(per, dim=xr.DataArray(seeds, dims="seed", name="seed"), join="outer")
    with np.errstate(divide="ignore", invalid="ignore"):
        ds["snr"] = ds["grad_mean_norm"] / ds["grad_std_norm"]
        logsnr = np.log10(ds["snr"].where(ds["snr"] > 0))
    ds["snr_mean"] = 10 ** logsnr.mean("seed")
    ds["snr_low"] = ds["snr"].min("seed")
    ds["snr_high"] = ds["snr"].max("seed")
    groups = [str(g) for g in ds["group"].values]
    kw = {"min_ratio": min_ratio, "penalty_factor": penalty_factor, "min_size": min_size}
    te = np.full((ds.sizes["seed"], len(groups)), np.nan)
    ratio = np.full_like(te, np.nan)
    for i, s in enumerate(ds["seed"].values):
        for j, g in enumerate(groups):
            r = detect_transition(ds["snr"].sel(seed=s, group=g).values, epochs=ds["epoch"].values, **kw)
            if r["found"]:
                te[i, j] = r["transition_epoch"]
            if r["ratio"] is not None:
                ratio[i, j] = r["ratio"]
    te_mean = [detect_transition(ds["snr_mean"].sel(group=g).values, epochs=ds["epoch"].values, **kw)["transition_epoch"]
               for g in groups]
    ds["transition_epoch"] = (("seed", "group"), te)
    ds["snr_ratio"] = (("seed", "group"), ratio)
    ds["transition_epoch_mean"] = ("group", np.array([np.nan if t is None else t for t in te_mean], dtype=float))
    for name, long, unit in (("grad_mean_norm", "norm of the mean minibatch gradient", "1"),
                             ("grad_std_norm", "norm of the elementwise std of minibatch gradients", "1"),
                             ("snr", "gradient SNR (mean norm / std norm)", "1"),
                             ("snr_mean", "geometric mean of SNR across seeds", "1"),
                             ("snr_low", "min of SNR across seeds", "1"), ("snr_high", "max of SNR across seeds", "1"),
                             ("transition_epoch", "first diffusion epoch per seed (NaN: none)", "epoch"),
                             ("transition_epoch_mean", "first diffusion epoch of the seed-mean SNR (NaN: none)", "epoch"),
                             ("snr_ratio", "SNR before / after the best breakpoint", "1")):
        ds[name].attrs.update(long_name=long, units=unit)
    ds.attrs = {"long_name": "drift and diffusion phases", "criterion": TRANSITION_CRITERION,
                "min_ratio": float(min_ratio), "penalty_factor": float(penalty_factor), "min_size": int(min_size),
                "band": "min-max across seeds", "infoflow_version": __version__}
    return ds
