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

from infoflow._defaults import DEFAULT_ALPHA, DEFAULT_SEED, DEFAULT_VERDICT_RESAMPLES
from infoflow._validation import (
    SEED_CONSTRAINTS,
    Anything,
    Interval,
    NoneOK,
    Options,
    check_seed,
    root_seed,
    validate_params,
)

REL_DROP = 0.05
"""Default smallest fall of I(X;T) (and largest tolerated fall of I(T;Y)) counted, relative to the peak."""
NOISE_FACTOR = 3.0
"""Default smallest fall counted, in robust SDs of the epoch-to-epoch noise."""

COMPRESSION_CRITERION = (
    "Curves are smoothed by a centred 3-epoch running mean (S). The fall is the largest drawdown of S(I_X): "
    "D = max over e_end of [max_{e<=e_end} S(I_X)(e) - S(I_X)(e_end)], from the peak e* to e_end. Null for drifting "
    "curves (parametric bootstrap, n_boot draws): a random walk with drift observed with white noise (local-level "
    "model), its step and noise SDs from the variance and lag-1 covariance of the raw increments after removing "
    "their mean before and after e*, the drift from their overall mean; p = (1 + #{D_null >= D}) / (n_boot + 1). "
    "sigma = 1.4826*MAD(second differences)/sqrt(6) (robust SD of epoch-to-epoch noise). Compression iff p < alpha, "
    "D > max(rel_drop*|S(I_X)(e*)|, noise_factor*sigma_X), a fitting phase precedes the fall "
    "(S(I_X)(e*) - S(I_X)(first) > rel_drop*|S(I_X)(e*)|) and S(I_Y)(e_end) >= S(I_Y)(e*) - "
    "max(rel_drop*|S(I_Y)(e*)|, noise_factor*sigma_Y). A fall beyond the thresholds from the first epoch with no "
    "fitting phase is reported as 'falls from initialisation'. An estimator whose I(X;T) lies within "
    "rel_drop*ceiling of its ceiling (ln n for binning and the KDE bound) in at least half the epochs is 'at "
    "ceiling' and left out of the vote. Over seeds, a finding needs more than half of them."
)

FINDINGS = ("compression", "falls from initialisation", "no compression", "at ceiling", "seeds disagree",
            "too few epochs")
CEILING_ESTIMATORS = ("binning", "kde")
"""Estimators whose I(X;T) cannot exceed ln(n samples): binning (n distinct rows) and the KDE bound."""


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


def _max_drawdown(c: np.ndarray) -> np.ndarray:
    """Largest fall below the running maximum along the last axis."""
    return np.max(np.maximum.accumulate(c, axis=-1) - c, axis=-1)


def _smooth3_rows(c: np.ndarray) -> np.ndarray:
    """:func:`_smooth3` of every row of a 2-D array."""
    if c.shape[-1] < 3:
        return c.copy()
    s = c.copy()
    s[:, 1:-1] = (c[:, :-2] + c[:, 1:-1] + c[:, 2:]) / 3.0
    s[:, 0] = (c[:, 0] + c[:, 1]) / 2.0
    s[:, -1] = (c[:, -2] + c[:, -1]) / 2.0
    return s


def _null_drawdowns(x: np.ndarray, top: int, rng: np.random.Generator, n_draws: int) -> np.ndarray:
    """Largest drawdowns of smoothed curves drawn from the drifting null fitted to `x`: a random walk
    with drift (step SD sigma_w) observed with white noise (SD sigma_e), a local-level model.

    The increments d_t of such a curve have variance sigma_w^2 + 2 sigma_e^2 and lag-1 covariance
    -sigma_e^2. They are measured after removing the increments' mean before and after the peak
    `top` (a rise-then-fall would otherwise count as noise); the drift is the mean increment."""
    d = np.diff(x)
    seg = np.arange(d.size) < top
    r = d.copy()
    for part in (seg, ~seg):
        if part.any():
            r[part] -= r[part].mean()
    # one more degree of freedom for the split, chosen by the data (at the peak)
    dof = max(1, r.size - int(seg.any()) - int((~seg).any()) - 1)
    g0 = float(np.sum(r * r)) / dof
    g1 = float(np.sum(r[1:] * r[:-1])) / max(1, dof - 1)
    var_e = min(max(0.0, -g1), g0 / 2)
    var_w = max(0.0, g0 - 2 * var_e)
    n = x.size
    level = np.cumsum(d.mean() + math.sqrt(var_w) * rng.standard_normal((n_draws, n)), axis=1)
    sims = level + math.sqrt(var_e) * rng.standard_normal((n_draws, n))
    return _max_drawdown(_smooth3_rows(sims))


def _curve_verdict(i_x: np.ndarray, i_y: np.ndarray, epochs: np.ndarray, rel_drop: float, noise_factor: float,
                   alpha: float = DEFAULT_ALPHA, n_boot: int = DEFAULT_VERDICT_RESAMPLES,
                   rng: np.random.Generator | None = None, ceiling: float | None = None) -> dict[str, Any]:
    ok = np.isfinite(i_x) & np.isfinite(i_y)
    i_x, i_y, epochs = i_x[ok], i_y[ok], epochs[ok]
    out: dict[str, Any] = {"compression": False, "finding": "too few epochs", "turning_epoch": None,
                           "peak_epoch": None, "end_epoch": None, "fitting_phase": False, "at_ceiling": False,
                           "ceiling": None if ceiling is None else float(ceiling), "pvalue": None,
                           "i_x_max": None, "i_x_drop": None, "i_x_rise": None, "i_x_threshold": None,
                           "i_y_change": None, "i_y_tolerance": None,
                           "noise_x": None, "noise_y": None, "n_epochs": int(i_x.size), "alpha": float(alpha),
                           "reason": ""}
    if i_x.size < 4:
        out["reason"] = f"only {i_x.size} finite epochs; at least 4 are needed"
        return out
    if ceiling is not None:
        near = float(np.mean(i_x >= ceiling - rel_drop * abs(ceiling)))
        if near >= 0.5:
            out.update(at_ceiling=True, finding="at ceiling",
                       reason=(f"I(X;T) lies within {100 * rel_drop:g}% of its ceiling {ceiling:.4g} nats in "
                               f"{100 * near:.0f}% of the epochs: the estimator is saturated and cannot show a fall; "
                               "left out of the vote"))
            return out
    sx, sy = noise_level(i_x), noise_level(i_y)
    rng = check_seed(DEFAULT_SEED if rng is None else rng)
    x_s, y_s = _smooth3(i_x), _smooth3(i_y)
    dd = np.maximum.accumulate(x_s) - x_s
    end = int(np.argmax(dd))
    top = int(np.argmax(x_s[:end + 1]))
    drop = float(dd[end])
    null = _null_drawdowns(i_x, top, rng, n_boot)
    pval = float((1 + np.sum(null >= drop - 1e-12 * max(1.0, abs(drop)))) / (n_boot + 1))
    thr = float(max(rel_drop * abs(x_s[top]), noise_factor * sx))
    rise = float(x_s[top] - x_s[0])
    fitting = bool(top > 0 and rise > rel_drop * abs(x_s[top]))
    dy = float(y_s[end] - y_s[top])
    tol = float(max(rel_drop * abs(y_s[top]), noise_factor * sy))
    out.update(noise_x=sx, noise_y=sy, peak_epoch=int(epochs[top]), end_epoch=int(epochs[end]),
               i_x_max=float(np.max(x_s)), i_x_drop=drop, i_x_rise=rise, i_x_threshold=thr, i_y_change=dy,
               i_y_tolerance=tol, fitting_phase=fitting, pvalue=pval)
    if drop <= thr:
        out.update(finding="no compression",
                   reason=f"I(X;T) falls by at most {drop:.4g} nats, not more than the threshold {thr:.4g}")
    elif not fitting:
        out.update(finding="falls from initialisation",
                   reason=(f"I(X;T) falls by {drop:.4g} nats from epoch {out['peak_epoch']} with no fitting phase "
                           f"before it (rise {rise:.4g} nats): a fall from initialisation, not a compression phase"))
    elif pval >= alpha:
        out.update(finding="no compression",
                   reason=(f"I(X;T) falls by {drop:.4g} nats after a rise, but a "
                           f"drifting curve (random walk plus noise) falls as far (p = {pval:.3g} >= {alpha:g})"))
    elif dy < -tol:
        out.update(finding="no compression",
                   reason=f"I(X;T) falls by {drop:.4g} nats but I(T;Y) falls too ({dy:.4g} < -{tol:.4g})")
    else:
        out.update(compression=True, finding="compression", turning_epoch=out["peak_epoch"],
                   reason=(f"I(X;T) rises by {rise:.4g} nats, then falls by {drop:.4g} nats (> {thr:.4g}; p = "
                           f"{pval:.3g} against a drifting curve) from epoch {out['peak_epoch']} to "
                           f"{out['end_epoch']} while I(T;Y) changes by {dy:+.4g} (>= -{tol:.4g})"))
    return out


@validate_params({
    "i_x": [Anything()], "i_y": [Anything()],
    "epochs": [NoneOK(), Anything()],
    "rel_drop": [Interval(float, 0, 1, closed="left")],
    "noise_factor": [Interval(float, 0, None)],
    "alpha": [Interval(float, 0, 1, closed="neither")],
    "n_boot": [Interval(int, 19, None)],
    "ceiling": [NoneOK(), Interval(float, None, None)],
    "seed": SEED_CONSTRAINTS,
})
def compression_verdict(i_x: Any, i_y: Any = None, /, *, epochs: Any = None, rel_drop: float = REL_DROP,
                        noise_factor: float = NOISE_FACTOR, alpha: float = DEFAULT_ALPHA,
                        n_boot: int = DEFAULT_VERDICT_RESAMPLES, ceiling: float | None = None,
                        seed: int | np.random.Generator | None = DEFAULT_SEED) -> dict[str, Any]:
    """Decide whether a compression phase appears in an information-plane trajectory.

    Parameters
    ----------
    i_x : array-like of shape (n_epoch,), or Dataset
        I(X;T) per epoch in nats, or the Dataset returned by :func:`information_plane` (then `i_y`
        must be omitted and every estimator is judged per seed, with seed agreement).
    i_y : array-like of shape (n_epoch,)
        I(T;Y) per epoch in nats.
    epochs : array-like of shape (n_epoch,) or None, default=None
        Epoch labels; None means 0..n_epoch-1 (or the Dataset's ``epoch`` coordinate).
    rel_drop : float in [0, 1), default=0.05
        Smallest relative fall of I(X;T) that counts, the relative rise that makes a fitting phase,
        the relative fall of I(T;Y) tolerated, and the closeness to the ceiling that saturates.
    noise_factor : float, default=3.0
        Multiple of a curve's noise level (see Notes) that a fall must also exceed.
    alpha : float in (0, 1), default=0.05
        Level of the test of the fall against a drifting curve.
    n_boot : int, default=199
        Draws of the parametric-bootstrap null.
    ceiling : float or None, default=None
        Largest value the estimator can return (ln n for binning); None: no ceiling check. For a
        Dataset it is ln(attrs["n_samples"]) for binning and KDE, none for the others.
    seed : int, Generator or None, default=0
        Seed of the bootstrap. Same seed, same numbers.

    Returns
    -------
    verdict : dict
        For curves: ``compression`` (bool), ``finding`` (one of "compression", "falls from
        initialisation", "no compression", "at ceiling", "too few epochs"), ``turning_epoch``
        (epoch of the peak before the fall when compression is found, else None), ``peak_epoch``,
        ``end_epoch``, ``fitting_phase``, ``at_ceiling``, ``pvalue``, the measured ``i_x_drop``,
        ``i_x_rise``, ``i_y_change`` and thresholds in nats, ``noise_x``/``noise_y``, ``reason``
        (one sentence) and ``criterion``. For a Dataset: ``{estimator: {"compression": bool,
        "finding": str (a finding held by more than half the seeds, else "seeds disagree"),
        "excluded": bool (at ceiling), "reason", "mean": verdict of the seed-mean curves, "seeds":
        {seed: verdict}, "n_seeds_compressing", "n_seeds", "regulariser", ...}}``.

    Notes
    -----
    Criterion (recorded in every verdict, :data:`COMPRESSION_CRITERION`): the fall is the largest
    drawdown of the 3-epoch smoothed I(X;T); it must exceed what a drifting curve gives (a
    random walk with drift seen through white noise, fitted to the curve's own increments and
    simulated: a parametric bootstrap), be larger than max(rel_drop*peak, noise_factor*sigma) with sigma =
    1.4826*MAD(second
    differences)/sqrt(6), follow a fitting phase, and leave I(T;Y) within tolerance. The verdict
    inherits the estimator's regulariser: binning and saturation artefacts can create or hide
    compression (Saxe et al. 2018), so compare estimators; an estimator pinned at its ceiling
    says nothing and is left out.

    References
    ----------
    Shwartz-Ziv R, Tishby N (2017). Opening the black box of deep neural networks via information.
    arXiv:1703.00810. Saxe AM et al. (2018). On the information bottleneck theory of deep learning.
    ICLR. doi:10.1088/1742-5468/ab3985

    Examples
    --------
    >>> ix = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.5, 1.2]
    >>> v = compression_verdict(ix, [0.1, 0.3, 0.4, 0.45, 0.45, 0.45, 0.46, 0.46, 0.46, 0.46, 0.46, 0.46])
    >>> v["compression"], v["turning_epoch"]
    (True, 5)
    """
    kw: dict[str, Any] = {"rel_drop": rel_drop, "noise_factor": noise_factor, "alpha": alpha, "n_boot": n_boot}
    if isinstance(i_x, xr.Dataset):
        if i_y is not None:
            raise ValueError("compression_verdict: pass either an information-plane Dataset or two curves, not both.")
        return _dataset_verdict(i_x, seed=seed, **kw)
    if i_y is None:
        raise ValueError("compression_verdict: i_y is missing; pass the I(T;Y) curve, or the Dataset returned by "
                         "information_plane instead of two curves.")
    x = np.asarray(getattr(i_x, "values", i_x), dtype=np.float64).ravel()
    y = np.asarray(getattr(i_y, "values", i_y), dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"compression_verdict: i_x has {x.size} epochs but i_y has {y.size}; "
                         "give one value per epoch.")
    ep = np.arange(x.size) if epochs is None else np.asarray(epochs).ravel()
    if ep.shape != x.shape:
        raise ValueError(f"compression_verdict: {ep.size} epoch labels for {x.size} epochs.")
    out = _curve_verdict(x, y, ep, rng=check_seed(seed), ceiling=ceiling, **kw)
    out["criterion"] = COMPRESSION_CRITERION
    out["rel_drop"], out["noise_factor"] = float(rel_drop), float(noise_factor)
    return out


def _ceiling(plane: xr.Dataset, est: str) -> float | None:
    n = plane.attrs.get("n_samples")
    if est in CEILING_ESTIMATORS and isinstance(n, (int, float, np.integer, np.floating)) and n > 1:
        return float(math.log(float(n)))
    return None


def _dataset_verdict(plane: xr.Dataset, *, rel_drop: float, noise_factor: float, alpha: float = DEFAULT_ALPHA,
                     n_boot: int = DEFAULT_VERDICT_RESAMPLES,
                     seed: int | np.random.Generator | None = DEFAULT_SEED) -> dict[str, Any]:
    for v in ("I_X", "I_Y"):
        if v not in plane:
            raise ValueError(f"compression_verdict: the Dataset has no {v!r}; pass the result of information_plane.")
    epochs = plane["epoch"].values
    base = root_seed(seed)
    kw: dict[str, Any] = {"rel_drop": rel_drop, "noise_factor": noise_factor, "alpha": alpha, "n_boot": n_boot}
    result: dict[str, Any] = {}
    for j, est in enumerate(map(str, plane["estimator"].values)):
        ix, iy = plane["I_X"].sel(estimator=est), plane["I_Y"].sel(estimator=est)
        ceil = _ceiling(plane, est)
        mean = _curve_verdict(ix.mean("seed").values, iy.mean("seed").values, epochs,
                              rng=np.random.default_rng([base, j, 10 ** 6]), ceiling=ceil, **kw)
        seeds = {int(s): _curve_verdict(ix.sel(seed=s).values, iy.sel(seed=s).values, epochs,
                                        rng=np.random.default_rng([base, j, i]), ceiling=ceil, **kw)
                 for i, s in enumerate(plane["seed"].values)}
        n_seeds = len(seeds)
        counts = {f: sum(v["finding"] == f for v in seeds.values()) for f in FINDINGS}
        finding = next((f for f in FINDINGS if 2 * counts[f] > n_seeds), "seeds disagree")
        comp = finding == "compression"
        turning = [v["turning_epoch"] for v in seeds.values() if v["turning_epoch"] is not None]
        summary = ", ".join(f"{c} {f}" for f, c in counts.items() if c)
        reason = (f"{summary} of {n_seeds} seeds" + (" (more than half must agree)" if finding == "seeds disagree"
                                                    else ""))
        if finding == "at ceiling":
            reason = next(v["reason"] for v in seeds.values() if v["finding"] == "at ceiling")
        reg = str(plane["regulariser"].sel(estimator=est).values) if "regulariser" in plane.coords else "unknown"
        result[est] = {"compression": comp, "finding": finding, "excluded": finding == "at ceiling",
                       "reason": reason, "ceiling": ceil,
                       "turning_epoch": float(np.median(turning)) if comp and turning else None,
                       "mean": mean, "seeds": seeds,
                       "n_seeds_compressing": counts["compression"], "n_seeds": n_seeds,
                       "finding_counts": counts, "regulariser": reg,
                       "criterion": COMPRESSION_CRITERION, "rel_drop": float(rel_drop),
                       "noise_factor": float(noise_factor), "alpha": float(alpha)}
    return result


@validate_params({
    "i_x": [Anything()], "i_y": [Anything()],
    "confidence": [Interval(float, 0, 1, closed="neither")],
    "method": [Options("fisher", "bootstrap")],
    "n_boot": [Interval(int, 10, None)],
    "seed": SEED_CONSTRAINTS,
})
def neuron_correlation(i_x: Any, i_y: Any, /, *, confidence: float = 0.95, method: str = "fisher",
                       n_boot: int = 2000, seed: int | np.random.Generator | None = DEFAULT_SEED) -> dict[str, Any]:
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
        raise ValueError(f"neuron_correlation: i_x has {x.size} neurons but i_y has {y.size}; give one value per "
                         "neuron.")
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
