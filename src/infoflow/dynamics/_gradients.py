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
from infoflow.dynamics._recordings import as_recordings

GradientSNR = namedtuple("GradientSNR", ["mean_norm", "std_norm", "snr"])
GradientSNR.__doc__ = "Norm of the mean gradient, norm of its elementwise std, and their ratio."

TRANSITION_CRITERION = (
    "y = log10(SNR) over the usable epochs. H0: y = smooth trend (Legendre polynomial of degree trend_degree in "
    "u = log(1 + epoch - first epoch), plus decaying exponentials with time constants 1/8, 1/4, 1/2 of the span, "
    "or 1/4 only below 30 epochs) + AR(1) noise. H1: the same trend plus a downward step at epoch b (min_size "
    "epochs each side). Statistic T = max_b (1 - RSS1(b)/RSS0) over downward steps (the likelihood ratio "
    "n*ln(RSS0/RSS1) is monotone in it); p-value by parametric bootstrap (n_boot AR(1) series with the lag-1 "
    "autocorrelation of the best H1 fit's residuals, bias-corrected by (1 + 3 phi)/n + k/n for k trend columns; T does "
    "not depend on the trend or the noise scale). "
    "Found iff p < alpha and both the fitted step and the ratio of geometric-mean SNR before/after it reach "
    "min_ratio. Answer: yes if found; "
    "inconclusive when not found and a min_ratio-fold step at the best-placed epoch would not reach the "
    "bootstrap critical value (too little power), or with too few epochs; no otherwise. Reported beside it: "
    "Shwartz-Ziv & Tishby's criterion, the first epoch e with geometric-mean SNR > 1 before e and < 1 from e on."
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
        raise ValueError("gradient_snr: batch_gradients has NaN/inf values (a diverged step?); drop those batches "
                         "first.")
    mean_norm = np.linalg.norm(g.mean(axis=-2), axis=-1)
    std_norm = np.linalg.norm(g.std(axis=-2, ddof=ddof), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = mean_norm / std_norm
    if g.ndim == 2:
        return GradientSNR(float(mean_norm), float(std_norm), float(snr))
    return GradientSNR(mean_norm, std_norm, snr)


def _trend_basis(ep: np.ndarray, degree: int) -> np.ndarray:
    """Orthonormal columns spanning the smooth null: Legendre polynomials of degree <= `degree` in
    u = log(1 + epoch - first) (a power law is degree 1), and with degree >= 1 decaying exponentials
    exp(-(epoch - first)/tau) (an approach to a floor) for tau = 1/8, 1/4, 1/2 of the span (30 or
    more epochs) or 1/4 of it (fewer)."""
    t = (ep - ep[0]).astype(np.float64)
    u = np.log1p(t)
    u = 2.0 * (u - u.min()) / max(float(np.ptp(u)), 1e-12) - 1.0
    cols = [np.polynomial.legendre.legvander(u, degree)]
    if degree >= 1:
        span = max(float(t[-1]), 1.0)
        taus = (0.125, 0.25, 0.5) if t.size >= 30 else (0.25,)
        cols.append(np.column_stack([np.exp(-t / (f * span)) for f in taus]))
    uu, sv, _ = np.linalg.svd(np.column_stack(cols), full_matrices=False)
    return uu[:, sv > 1e-8 * sv[0]]


def _step_statistic(res0: np.ndarray, steps: np.ndarray, steps_sq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For residuals res0 (..., n) of the trend fit and trend-residualised steps (n, m): the fraction of
    RSS0 removed by each downward step (..., m) and the step coefficients (..., m), by Frisch-Waugh-Lovell."""
    dot = res0 @ steps
    coef = dot / steps_sq
    rss0 = np.sum(res0 * res0, axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(coef < 0, dot * dot / steps_sq / rss0, 0.0)
    return np.nan_to_num(frac), coef


def _ar1(rng: np.random.Generator, phi: float, n_draws: int, n: int) -> np.ndarray:
    """Stationary AR(1) series with unit marginal variance, shape (n_draws, n)."""
    e = rng.standard_normal((n_draws, n))
    out = np.empty_like(e)
    out[:, 0] = e[:, 0]
    scale = math.sqrt(1.0 - phi * phi)
    for t in range(1, n):
        out[:, t] = phi * out[:, t - 1] + scale * e[:, t]
    return out


@validate_params({
    "snr": [Anything()], "epochs": [NoneOK(), Anything()],
    "alpha": [Interval(float, 0, 1, closed="neither")],
    "min_ratio": [Interval(float, 1, None)],
    "min_size": [Interval(int, 1, None)],
    "trend_degree": [Interval(int, 0, 5)],
    "n_boot": [Interval(int, 19, None)],
    "seed": SEED_CONSTRAINTS,
})
def detect_transition(snr: Any, /, *, epochs: Any = None, alpha: float = DEFAULT_ALPHA, min_ratio: float = 2.0,
                      min_size: int = 3, trend_degree: int = 2, n_boot: int = DEFAULT_VERDICT_RESAMPLES,
                      seed: int | np.random.Generator | None = DEFAULT_SEED) -> dict[str, Any]:
    """Test for a drift-to-diffusion transition in a gradient-SNR series against a smooth decline.

    Parameters
    ----------
    snr : array-like of shape (n_epoch,)
        Gradient SNR per epoch (positive; non-finite or non-positive entries, e.g. epoch 0 of the
        per-batch statistics, are dropped).
    epochs : array-like of shape (n_epoch,) or None, default=None
        Epoch labels; None means 0..n_epoch-1.
    alpha : float in (0, 1), default=0.05
        Level of the changepoint test.
    min_ratio : float >= 1, default=2.0
        The fitted step, and the geometric-mean SNR before the step over that after it, must both
        reach this fold (an effect-size floor; a step at the steep start of a trend can be fitted
        large while the SNR barely changes).
    min_size : int, default=3
        Fewest epochs on each side of the step.
    trend_degree : int in [0, 5], default=2
        Degree of the smooth trend in log(1 + epoch) allowed under the null (1 is a power law);
        from 1 on, decaying exponentials (approaches to a floor) are allowed too.
    n_boot : int, default=199
        Parametric-bootstrap draws of the null statistic.
    seed : int, Generator or None, default=0
        Seed of the bootstrap. Same seed, same numbers.

    Returns
    -------
    result : dict
        ``found`` (bool), ``transition_epoch`` (first epoch after the step; None unless found),
        ``answer`` ("yes", "no" or "inconclusive"), ``pvalue``, ``statistic``, ``critical_value``,
        ``step_ratio`` (fitted SNR fold drop at the step), ``detectable_ratio`` (smallest fold step
        the test would detect at its best-placed epoch), ``phi`` (AR(1) coefficient of the noise),
        ``candidate_epoch`` (best step whether significant or not), ``snr_before``/``snr_after``
        (geometric means either side of it) and ``ratio`` (their quotient), ``szt_epoch`` (first
        epoch where Shwartz-Ziv & Tishby's criterion holds: geometric-mean SNR > 1 before, < 1 from
        it on; None if nowhere) and ``szt_criterion`` (whether it holds at the candidate step),
        ``n``, ``reason``, ``criterion``.

    Notes
    -----
    A smooth decline of SNR (a power law, an exponential approach to a floor) is not a phase
    transition; a changepoint search alone cuts any curved decline. Here the null allows a smooth
    trend in log epoch, and a step must explain significantly more than the trend does, judged
    by a parametric bootstrap of the maximum over steps (the likelihood-ratio statistic's
    distribution under a trend with autocorrelated noise). The noise's lag-1 autocorrelation is
    taken from the residuals of the best step model, so that a real step does not inflate it.

    References
    ----------
    Shwartz-Ziv R, Tishby N (2017). arXiv:1703.00810. Davison AC, Hinkley DV (1997). Bootstrap
    Methods and their Application, ch. 4 (parametric bootstrap tests).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> snr = np.r_[np.full(15, 10.0), np.full(15, 0.5)] * np.exp(0.2 * rng.standard_normal(30))
    >>> r = detect_transition(snr)
    >>> r["found"], r["transition_epoch"]
    (True, 15)
    """
    s = np.asarray(getattr(snr, "values", snr), dtype=np.float64).ravel()
    ep = np.arange(s.size) if epochs is None else np.asarray(getattr(epochs, "values", epochs)).ravel()
    if ep.shape != s.shape:
        raise ValueError(f"detect_transition: {ep.size} epoch labels for {s.size} SNR values.")
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(s) & (s > 0)
    s, ep = s[ok], ep[ok].astype(np.float64)
    n = int(s.size)
    out: dict[str, Any] = {"found": False, "transition_epoch": None, "answer": "inconclusive", "pvalue": None,
                           "statistic": None, "critical_value": None, "step_ratio": None, "detectable_ratio": None,
                           "phi": None, "candidate_epoch": None, "snr_before": None, "snr_after": None, "ratio": None,
                           "szt_epoch": None, "szt_criterion": None, "n": n, "alpha": float(alpha),
                           "min_ratio": float(min_ratio), "trend_degree": int(trend_degree), "reason": "",
                           "criterion": TRANSITION_CRITERION}
    need = 2 * min_size + trend_degree + 4
    if n < need:
        out["reason"] = (f"{n} usable epochs; at least {need} are needed (2*min_size + trend_degree + 4) to tell a "
                         "step from a smooth trend")
        return out
    if np.any(np.diff(ep) <= 0):
        raise ValueError("detect_transition: epochs must increase.")
    y = np.log10(s)
    # Shwartz-Ziv & Tishby's own criterion: SNR above 1 before, below 1 after (geometric means)
    csum = np.cumsum(y)
    for b in range(1, n):
        if csum[b - 1] / b > 0 and (csum[-1] - csum[b - 1]) / (n - b) < 0:
            out["szt_epoch"] = int(ep[b])
            break
    q = _trend_basis(ep, trend_degree)
    bs = np.arange(min_size, n - min_size + 1)
    steps = (np.arange(n)[:, None] >= bs[None, :]).astype(np.float64)
    steps = steps - q @ (q.T @ steps)
    steps_sq = np.sum(steps * steps, axis=0)
    res0 = y - q @ (q.T @ y)
    if float(np.sum(res0 * res0)) <= 1e-24 * max(1.0, float(np.sum(y * y))):
        out.update(answer="no", reason="log SNR is fitted exactly by the smooth trend: no step")
        return out
    frac, coef = _step_statistic(res0, steps, steps_sq)
    i = int(np.argmax(np.where(coef < 0, frac, -np.inf))) if np.any(coef < 0) else int(np.argmax(frac))
    b = int(bs[i])
    res1 = res0 - coef[i] * steps[:, i]
    phi = float(np.sum(res1[1:] * res1[:-1]) / max(float(np.sum(res1 * res1)), 1e-300))
    # lag-1 autocorrelation of regression residuals is biased low, by about (1 + 3 phi)/n for a mean
    # (Kendall 1954) plus about 1/n per further fitted column; undo that before simulating
    phi = float(np.clip(phi + (1 + 3 * phi) / n + q.shape[1] / n, 0.0, 0.9))
    rng = check_seed(seed)
    sims = _ar1(rng, phi, n_boot, n)
    sims = sims - (sims @ q) @ q.T
    null = _step_statistic(sims, steps, steps_sq)[0].max(axis=1)
    stat = float(frac[i]) if coef[i] < 0 else 0.0
    pval = float((1 + np.sum(null >= stat)) / (n_boot + 1))
    crit = float(np.quantile(null, 1 - alpha))
    rss1 = float(np.sum(res1 * res1))
    detect = math.sqrt(crit * rss1 / max(1e-300, (1 - crit)) / float(steps_sq.max())) if crit < 1 else math.inf
    step_ratio = float(10 ** (-coef[i]))
    before, after = float(10 ** y[:b].mean()), float(10 ** y[b:].mean())
    out.update(pvalue=pval, statistic=stat, critical_value=crit, step_ratio=step_ratio,
               detectable_ratio=float(10 ** detect) if math.isfinite(detect) else None, phi=phi,
               candidate_epoch=int(ep[b]), snr_before=before, snr_after=after, ratio=before / after,
               szt_criterion=bool(before > 1 > after))
    if coef[i] >= 0:
        out.update(answer="no", reason="no downward step in log SNR beyond its smooth trend")
    elif pval < alpha and min(step_ratio, before / after) >= min_ratio:
        out.update(found=True, answer="yes", transition_epoch=int(ep[b]),
                   reason=(f"SNR steps down {step_ratio:.3g}-fold at epoch {int(ep[b])} beyond a smooth trend "
                           f"(p = {pval:.3g} < {alpha:g}; geometric means {before:.3g} before, {after:.3g} after)"))
    elif pval < alpha:
        out.update(answer="no", reason=(f"a step at epoch {int(ep[b])} is significant (p = {pval:.3g}) but lowers "
                                        f"SNR only {min(step_ratio, before / after):.3g}-fold (fitted step "
                                        f"{step_ratio:.3g}, geometric means {before / after:.3g}), less than "
                                        f"min_ratio={min_ratio:g}"))
    elif not math.isfinite(detect) or 10 ** detect > min_ratio:
        out.update(answer="inconclusive", reason=(f"no significant step (p = {pval:.3g}), but the noise is so large "
                                                  f"that only a "
                                                  f"{10 ** detect if math.isfinite(detect) else math.inf:.3g}"
                                                  f"-fold step would be detected (min_ratio={min_ratio:g})"))
    else:
        out.update(answer="no", reason=(f"no step beyond a smooth trend (p = {pval:.3g} >= {alpha:g}); a "
                                        f"{10 ** detect:.3g}-fold step would have been detected"))
    return out


def seed_agreement(answers: list[str]) -> str:
    """"yes"/"no" when more than half the seeds say so, else "inconclusive" (also for no seeds).

    With each seed tested at level alpha, a strict majority of false "yes" has probability at most
    alpha (exactly alpha for one seed, alpha^2 for two, 3 alpha^2 - 2 alpha^3 for three)."""
    n = len(answers)
    for a in ("yes", "no"):
        if n and sum(x == a for x in answers) * 2 > n:
            return a
    return "inconclusive"


FIXED_VARS = ("grad_fixed_mean_norm", "grad_fixed_std_norm")
TRAINING_VARS = ("grad_mean_norm", "grad_std_norm")


@validate_params({
    "recordings": [Anything()],
    "alpha": [Interval(float, 0, 1, closed="neither")],
    "min_ratio": [Interval(float, 1, None)],
    "min_size": [Interval(int, 1, None)],
    "source": [Options("auto", "fixed", "training")],
    "seed": SEED_CONSTRAINTS,
})
def gradient_phases(recordings: Any, /, *, alpha: float = DEFAULT_ALPHA, min_ratio: float = 2.0, min_size: int = 3,
                    source: str = "auto", seed: int | np.random.Generator | None = DEFAULT_SEED) -> xr.Dataset:
    """Gradient mean/std norms and SNR per epoch, group and seed, with the drift/diffusion verdict.

    Parameters
    ----------
    recordings : Dataset or sequence of Datasets
        Recordings with ``grad_mean_norm`` and ``grad_std_norm`` (epoch, group), one per seed, and
        when recorded ``grad_fixed_mean_norm``/``grad_fixed_std_norm`` (minibatch gradients at the
        fixed end-of-epoch weights, docs/design.md).
    alpha, min_ratio, min_size
        Passed to :func:`detect_transition`.
    source : {"auto", "fixed", "training"}, default="auto"
        Which statistics: "fixed" (at fixed weights; a ValueError when not recorded), "training"
        (the minibatches of the epoch's updates, taken at weights that move between batches), or
        "auto": fixed when every recording has them, else training.
    seed : int, None or numpy.random.Generator, default=0
        Seed of the bootstrap (each seed and group gets its own stream, keyed by one root int: a
        Generator is consumed to draw it, None draws it from fresh entropy).

    Returns
    -------
    phases : Dataset
        ``grad_mean_norm``, ``grad_std_norm``, ``snr`` (seed, epoch, group), where group ``"all"``
        is added: sqrt(sum of squared group norms), exact because groups partition the parameters;
        ``snr_mean``, ``snr_low``, ``snr_high`` (epoch, group): geometric mean and min/max band
        across seeds; per (seed, group) ``transition_epoch`` (NaN: none), ``transition_answer``
        ("yes"/"no"/"inconclusive"), ``transition_pvalue``, ``snr_ratio`` (fitted step fold),
        ``szt_epoch`` (Shwartz-Ziv & Tishby's criterion; NaN: nowhere); per group ``answer`` (seed
        agreement: "yes"/"no" when more than half the seeds say so, else "inconclusive"),
        ``n_seeds_yes`` and ``transition_epoch_mean`` (median transition epoch over the seeds that
        found one, NaN when the answer is not "yes"). Attrs: criterion, source, alpha, min_ratio,
        min_size.
    """
    seed = root_seed(seed)
    require = FIXED_VARS if source == "fixed" else TRAINING_VARS
    recs, seeds = as_recordings(recordings, func="gradient_phases", require=require)
    use_fixed = source == "fixed" or (source == "auto" and all(all(v in ds for v in FIXED_VARS) for ds in recs))
    mean_var, std_var = FIXED_VARS if use_fixed else TRAINING_VARS
    per = []
    for ds in recs:
        m = ds[mean_var].transpose("epoch", "group").astype(np.float64)
        sd = ds[std_var].transpose("epoch", "group").astype(np.float64)
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
    kw = {"alpha": alpha, "min_ratio": min_ratio, "min_size": min_size}
    shape = (ds.sizes["seed"], len(groups))
    te, ratio, pval, szt = (np.full(shape, np.nan) for _ in range(4))
    ans = np.full(shape, "inconclusive", dtype=object)
    for i in range(shape[0]):
        for j, g in enumerate(groups):
            r = detect_transition(ds["snr"].isel(seed=i).sel(group=g).values, epochs=ds["epoch"].values,
                                  seed=np.random.default_rng([seed, i, j]), **kw)
            ans[i, j] = r["answer"]
            for arr, key in ((te, "transition_epoch"), (ratio, "step_ratio"), (pval, "pvalue"), (szt, "szt_epoch")):
                if r[key] is not None:
                    arr[i, j] = r[key]
    answer = [seed_agreement(list(ans[:, j])) for j in range(len(groups))]
    te_mean = [float(np.nanmedian(te[:, j])) if answer[j] == "yes" else np.nan for j in range(len(groups))]
    ds["transition_epoch"] = (("seed", "group"), te)
    ds["transition_answer"] = (("seed", "group"), ans.astype(str))
    ds["transition_pvalue"] = (("seed", "group"), pval)
    ds["snr_ratio"] = (("seed", "group"), ratio)
    ds["szt_epoch"] = (("seed", "group"), szt)
    ds["answer"] = ("group", np.array(answer, dtype=str))
    ds["n_seeds_yes"] = ("group", np.array([int(np.sum(ans[:, j] == "yes")) for j in range(len(groups))]))
    ds["transition_epoch_mean"] = ("group", np.array(te_mean, dtype=float))
    src = ("fixed weights: minibatch gradients at the end-of-epoch weights, no update" if use_fixed else
           "training minibatches (weights move between batches)")
    for name, long, unit in (("grad_mean_norm", "norm of the mean minibatch gradient", "1"),
                             ("grad_std_norm", "norm of the elementwise std of minibatch gradients", "1"),
                             ("snr", "gradient SNR (mean norm / std norm)", "1"),
                             ("snr_mean", "geometric mean of SNR across seeds", "1"),
                             ("snr_low", "min of SNR across seeds", "1"), ("snr_high", "max of SNR across seeds", "1"),
                             ("transition_epoch", "first diffusion epoch per seed (NaN: none)", "epoch"),
                             ("transition_answer", "drift-to-diffusion test per seed", ""),
                             ("transition_pvalue", "p-value of the step against a smooth trend", "1"),
                             ("answer", "seed agreement of the drift-to-diffusion test", ""),
                             ("n_seeds_yes", "seeds with a significant transition", "1"),
                             ("szt_epoch", "first epoch with geometric-mean SNR > 1 before and < 1 after (NaN: none)",
                              "epoch"),
                             ("transition_epoch_mean", "median transition epoch over seeds (NaN: answer not yes)",
                              "epoch"),
                             ("snr_ratio", "fitted SNR fold drop at the best step", "1")):
        ds[name].attrs.update(long_name=long, units=unit)
    ds.attrs = {"long_name": "drift and diffusion phases", "criterion": TRANSITION_CRITERION,
                "gradient_source": src, "alpha": float(alpha), "min_ratio": float(min_ratio),
                "min_size": int(min_size), "band": "min-max across seeds", "infoflow_version": __version__}
    return ds
