"""Compression-phase verdict and the neuron-level I(h;X) vs I(h;Y) correlation (private).

Sits after :mod:`infoflow.bottleneck._plane` in the pipeline: both take the per-epoch curves the
information plane produced. Users call them through ``infoflow.bottleneck``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr
from scipy import stats

from infoflow._defaults import DEFAULT_SEED
from infoflow._validation import Anything, InstanceOf, Interval, NoneOK, Options, check_seed, validate_params

COMPRESSION_CRITERION = (
    "Curves are smoothed by a centred 3-epoch running mean (S). e* = epoch of max S(I_X); e_end = epoch of min S(I_X) "
    "after e*. sigma = 1.4826*MAD(second differences)/sqrt(6) of the raw curve (robust SD of its epoch-to-epoch "
    "noise; second differences cancel a linear trend). Compression iff e* is not the last epoch, "
    "S(I_X)(e*) - S(I_X)(e_end) > max(rel_drop*|S(I_X)(e*)|, noise_factor*sigma_X), and "
    "S(I_Y)(e_end) >= S(I_Y)(e*) - max(rel_drop*|S(I_Y)(e*)|, noise_factor*sigma_Y)."
)


def _smooth3(c: np.ndarray) -> np.ndarray:
    """Centred 3-point running mean; the end points average their two available values."""
    if c.size < 3:
        return c.copy()
    s = np.convolve(c, np.ones(3), mode="same")
    cnt = np.convolve(np.ones(c.size), np.ones(3), mode="same")
    return s / cnt


def noise_level(curve: np.ndarray) -> float:
    """Robust SD of the epoch-to-epoch noise of a curve, from its second differences.

    For white noise of SD s, a second difference has variance 6 s^2; a linear trend cancels, so a
    steadily rising or falling curve does not count as noise. MAD scaled by 1.4826 is the SD for
    Gaussian noise and ignores a few jumps. Returns 0.0 for fewer than 3 points.
    """
    c = np.asarray(curve, dtype=np.float64)
    c = c[np.isfinite(c)]
    if c.size < 3:
        return 0.0
    d2 = np.diff(c, n=2)
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


def _curve_verdict(i_x: np.ndarray, i_y: np.ndarray, epochs: np.ndarray, rel_drop: float,
                   noise_factor: float) -> dict[str, Any]:
    ok = np.isfinite(i_x) & np.isfinite(i_y)
    i_x, i_y, epochs = i_x[ok], i_y[ok], epochs[ok]
    out: dict[str, Any] = {"compression": False, "turning_epoch": None, "peak_epoch": None, "end_epoch": None, "fitting_phase": False,
                           "i_x_max": None, "i_x_drop": None, "i_x_threshold": None,
                           "i_y_change": None, "i_y_tolerance": None,
                           "noise_x": None, "noise_y": None, "n_epochs": int(i_x.size), "reason": ""}
    if i_x.size < 3:
        out["reason"] = f"only {i_x.size} finite epochs; at least 3 are needed"
        return out
    sx, sy = noise_level(i_x), noise_level(i_y)
    # judge smoothed curves: a single noisy epoch must not make or break the verdict
    i_x, i_y = _smooth3(i_x), _smooth3(i_y)
    top = int(np.argmax(i_x))
    out.update(noise_x=sx, noise_y=sy, peak_epoch=int(epochs[top]), i_x_max=float(i_x[top]),
               fitting_phase=bool(top > 0))
    if top == i_x.size - 1:
        out["reason"] = "I(X;T) is largest at the last epoch: no fall after the peak"
        return out
    end = top + 1 + int(np.argmin(i_x[top + 1:]))
    drop = float(i_x[top] - i_x[end])
    thr = float(max(rel_drop * abs(i_x[top]), noise_factor * sx))
    dy = float(i_y[end] - i_y[top])
    tol = max(rel_drop * abs(i_y[top]), noise_factor * sy)
    out.update(end_epoch=int(epochs[end]), i_x_drop=drop, i_x_threshold=thr, i_y_change=dy, i_y_tolerance=float(tol))
    if drop <= thr:
        out["reason"] = f"I(X;T) falls by {drop:.4g} nats after its peak, not more than the threshold {thr:.4g}"
    elif dy < -tol:
        out["reason"] = f"I(X;T) falls by {drop:.4g} nats but I(T;Y) falls too ({dy:.4g} < -{tol:.4g})"
    else:
        out["compression"] = True
        out["turning_epoch"] = out["peak_epoch"]
        out["reason"] = (f"I(X;T) falls by {drop:.4g} nats (> {thr:.4g}) from epoch {out['turning_epoch']} to "
                         f"{out['end_epoch']} while I(T;Y) changes by {dy:+.4g} (>= -{tol:.4g})")
    return out


@validate_params({
    "i_x": [Anything()], "i_y": [Anything()],
    "epochs": [NoneOK(), Anything()],
    "rel_drop": [Interval(float, 0, 1, closed="left")],
    "noise_factor": [Interval(float, 0, None)],
})
def compression_verdict(i_x: Any, i_y: Any = None, /, *, epochs: Any = None, rel_drop: float = 0.05,
                        noise_factor: float = 3.0) -> dict[str, Any]:
    """Decide whether a compression phase appears in an information-plane trajectory.

    Parameters
    ----------
    i_x : array-like of shape (n_epoch,), or Dataset
        I(X;T) per epoch in nats, or the Dataset returned by :func:`information_plane` (then `i_y`
        must be omitted and every estimator is judged, on the seed-mean curve and per seed).
    i_y : array-like of shape (n_epoch,)
        I(T;Y) per epoch in nats.
    epochs : array-like of shape (n_epoch,) or None, default=None
        Epoch labels; None means 0..n_epoch-1 (or the Dataset's ``epoch`` coordinate).
    rel_drop : float in [0, 1), default=0.05
        Smallest relative fall of I(X;T) that counts, and the relative fall of I(T;Y) tolerated.
    noise_factor : float, default=3.0
        Multiple of a curve's noise level (see Notes) that a fall must also exceed.

    Returns
    -------
    verdict : dict
        For curves: ``compression`` (bool), ``turning_epoch`` (epoch of max I(X;T) when compression
        is found, else None), ``peak_epoch`` (epoch of max I(X;T) in any case), ``end_epoch``, ``fitting_phase`` (I(X;T) rose before its peak), the
        measured ``i_x_drop``/``i_y_change`` and thresholds in nats, ``noise_x``/``noise_y``,
        ``reason`` (one sentence) and ``criterion``. For a Dataset: ``{estimator: {"mean": verdict of
        the seed-mean curves, "seeds": {seed: verdict}, "n_seeds_compressing": int, "regulariser": str}}``.

    Notes
    -----
    Criterion (recorded in every verdict): both curves are smoothed by a centred 3-epoch running
    mean; let e* be the epoch of maximal smoothed I(X;T) and e_end the epoch of its minimum after
    e*. A compression phase is found iff e* is not the last epoch,
    I_X(e*) - I_X(e_end) > max(rel_drop*|I_X(e*)|, noise_factor*sigma_X) and
    I_Y(e_end) >= I_Y(e*) - max(rel_drop*|I_Y(e*)|, noise_factor*sigma_Y), where sigma is
    1.4826*MAD of the raw curve's second differences / sqrt(6), a robust SD of epoch-to-epoch
    noise. A difference of two smoothed points has SD sigma*sqrt(2/3), so noise_factor=3 is ~3.7 SD.
    The verdict inherits the estimator's regulariser: binning and saturation artefacts can create or
    hide compression (Saxe et al. 2018), so compare estimators.

    References
    ----------
    Shwartz-Ziv R, Tishby N (2017). Opening the black box of deep neural networks via information.
    arXiv:1703.00810. Saxe AM et al. (2018). On the information bottleneck theory of deep learning.
    ICLR. doi:10.1088/1742-5468/ab3985

    Examples
    --------
    >>> v = compression_verdict([1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.5], [0.1, 0.3, 0.4, 0.45, 0.45, 0.45, 0.46])
    >>> v["compression"], v["turning_epoch"]
    (True, 3)
    """
    if isinstance(i_x, xr.Dataset):
        if i_y is not None:
            raise ValueError("compression_verdict: pass either an information-plane Dataset or two curves, not both.")
        return _dataset_verdict(i_x, rel_drop=rel_drop, noise_factor=noise_factor)
    if i_y is None:
        raise ValueError("compression_verdict: i_y is missing; pass the I(T;Y) curve, or the Dataset returned by "
                         "information_plane instead of two curves.")
    x = np.asarray(getattr(i_x, "values", i_x), dtype=np.float64).ravel()
    y = np.asarray(getattr(i_y, "values", i_y), dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"compression_verdict: i_x has {x.size} epochs but i_y has {y.size}; give one value per epoch.")
    ep = np.arange(x.size) if epochs is None else np.asarray(epochs).ravel()
    if ep.shape != x.shape:
        raise ValueError(f"compression_verdict: {ep.size} epoch labels for {x.size} epochs.")
    out = _curve_verdict(x, y, ep, rel_drop, noise_factor)
    out["criterion"] = COMPRESSION_CRITERION
    out["rel_drop"], out["noise_factor"] = float(rel_drop), float(noise_factor)
    return out


def _dataset_verdict(plane: xr.Dataset, *, rel_drop: float, noise_factor: float) -> dict[str, Any]:
    for v in ("I_X", "I_Y"):
        if v not in plane:
            raise ValueError(f"compression_verdict: the Dataset has no {v!r}; pass the result of information_plane.")
    epochs = plane["epoch"].values
    result: dict[str, Any] = {}
    for est in map(str, plane["estimator"].values):
        ix, iy = plane["I_X"].sel(estimator=est), plane["I_Y"].sel(estimator=est)
        mean = _curve_verdict(ix.mean("seed").values, iy.mean("seed").values, epochs, rel_drop, noise_factor)
        seeds = {int(s): _curve_verdict(ix.sel(seed=s).values, iy.sel(seed=s).values, epochs, rel_drop, noise_factor)
                 for s in plane["seed"].values}
        reg = str(plane["regulariser"].sel(estimator=est).values) if "regulariser" in plane.coords else "unknown"
        result[est] = {"mean": mean, "seeds": seeds,
                       "n_seeds_compressing": int(sum(v["compression"] for v in seeds.values())),
                       "n_seeds": len(seeds), "regulariser": reg,
                       "criterion": COMPRESSION_CRITERION, "rel_drop": float(rel_drop),
                       "noise_factor": float(noise_factor)}
    return result


@validate_params({
    "i_x": [Anything()], "i_y": [Anything()],
    "confidence": [Interval(float, 0, 1, closed="neither")],
    "method": [Options("fisher", "bootstrap")],
    "n_boot": [Interval(int, 10, None)],
    "seed": [Interval(int, 0, None), NoneOK(), InstanceOf(np.random.Generator)],
})
def neuron_correlation(i_x: Any, i_y: Any, /, *, confidence: float = 0.95, method: str = "fisher",
                       n_boot: int = 2000, seed: int | None = DEFAULT_SEED) -> dict[str, Any]:
    """Pearson correlation across neurons between I(h;X) and I(h;Y), with a confidence interval.

    Parameters
    ----------
    i_x, i_y : array-like of shape (n_neuron,)
        Per-neuron I(h;X) and I(h;Y) in nats (NaN entries are dropped pairwise).
    confidence : float in (0, 1), default=0.95
    method : {"fisher", "bootstrap"}, default="fisher"
        "fisher": z = atanh(r), interval tanh(z -+ q/sqrt(n-3)), q the normal quantile; assumes
        bivariate normality. "bootstrap": percentile interval over `n_boot` resamples of neurons.
    n_boot : int, default=2000
        Bootstrap resamples (bootstrap only).
    seed : int, None or Generator, default=0
        Seed of the bootstrap resampling.

    Returns
    -------
    result : dict
        ``r``, ``low``, ``high``, ``n`` (neurons used), ``confidence``, ``method``, ``pvalue``
        (two-sided, H0: r = 0, t test). ``r`` and the bounds are None with fewer than 4 neurons.

    Notes
    -----
    A positive correlation says neurons that carry more about the input history also carry more
    about the target. That is expected when the target is predictable from the input (I(h;Y) <=
    I(h;X) for a deterministic h = f(X) by data processing) and does not contradict a bottleneck,
    which concerns how I(X;T) of the population moves over training, not its spread across neurons.

    Examples
    --------
    >>> neuron_correlation([0.1, 0.5, 0.9, 1.3, 2.0], [0.0, 0.1, 0.2, 0.3, 0.5])["r"] > 0.99
    True
    """
    x = np.asarray(getattr(i_x, "values", i_x), dtype=np.float64).ravel()
    y = np.asarray(getattr(i_y, "values", i_y), dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"neuron_correlation: i_x has {x.size} neurons but i_y has {y.size}; give one value per neuron.")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = int(x.size)
    out: dict[str, Any] = {"r": None, "low": None, "high": None, "pvalue": None, "n": n,
                           "confidence": float(confidence), "method": method}
    if n < 4 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return out
    r = float(np.corrcoef(x, y)[0, 1])
    if method == "fisher":
        q = stats.norm.ppf(0.5 + confidence / 2)
        z = math.atanh(min(max(r, -1 + 1e-15), 1 - 1e-15))
        half = q / math.sqrt(n - 3)
        low, high = math.tanh(z - half), math.tanh(z + half)
    else:
        rng = check_seed(seed)
        idx = rng.integers(0, n, size=(n_boot, n))
        xb, yb = x[idx], y[idx]
        xb = xb - xb.mean(axis=1, keepdims=True)
        yb = yb - yb.mean(axis=1, keepdims=True)
        den = np.sqrt((xb ** 2).sum(axis=1) * (yb ** 2).sum(axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            rb = (xb * yb).sum(axis=1) / den
        rb = rb[np.isfinite(rb)]  # resamples drawing one neuron n times have no correlation
        low, high = (float(v) for v in np.quantile(rb, [0.5 - confidence / 2, 0.5 + confidence / 2]))
    t = r * math.sqrt((n - 2) / max(1e-300, 1 - r * r))
    out.update(r=r, low=float(low), high=float(high), pvalue=float(2 * stats.t.sf(abs(t), n - 2)))
    return out
