"""Surrogate significance for the flow engine (flow layer; users do not import this module).

Circular time-shift surrogates, the minimum shift, p-values (empirical, or beyond the largest surrogate a
generalised Pareto tail whose shape is pooled over the pairs), the sequential stopping rule that spares
surrogates on pairs whose decision is already settled, and Benjamini-Hochberg FDR across pairs.

Short recordings admit few distinct shifts (n_time - 2 min_shift + 1); a surrogate drawn twice is the same
value twice, not new evidence. :func:`draw_shifts` then draws every distinct shift before repeating one and
warns, and :func:`pvalues` tests each pair against its distinct surrogates only, empirically, so no
p-value is below 1 / (distinct + 1). Which p-value each pair got is recorded (:data:`PVALUE_SOURCES`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import stats

from infoflow._validation import InfoflowWarning

MIN_SHIFT_FACTOR = 5
"""Minimum shift = this many autocorrelation times (of the slowest neuron), so a shifted source
shares no memory with its unshifted self."""


def choose_min_shift(tau: int, *, lags: tuple[int, ...], history: int, theiler: int) -> int:
    """Smallest circular shift used by the surrogates, well beyond the autocorrelation time."""
    return int(max(MIN_SHIFT_FACTOR * int(tau), 2 * (max(lags) + history + theiler) + 1, 10))


def distinct_shifts(n_time: int, min_shift: int) -> int:
    """Number of admissible circular shifts, the integers in [min_shift, n_time - min_shift]."""
    return max(int(n_time) - 2 * int(min_shift) + 1, 0)


def draw_shifts(rng: np.random.Generator, n_surrogate: int, n_neuron: int, n_time: int, min_shift: int,
                epoch_label, *, alpha: float | None = None) -> np.ndarray:
    """Shifts (n_surrogate, n_neuron), uniform on [min_shift, n_time - min_shift].

    When fewer distinct shifts exist than surrogates are asked for, each neuron's column runs through a
    random permutation of all of them before repeating one (so its first ``distinct`` rows are all
    different, which :func:`pvalues` relies on), and an InfoflowWarning says so; with ``alpha`` given it
    also says when 1 / (distinct + 1) > alpha, i.e. no pair can be significant.
    """
    if n_time - 2 * min_shift < 1:
        raise ValueError(
            f"information_flow: epoch {epoch_label} has {n_time} time steps, too short for circular-shift "
            f"surrogates with min_shift={min_shift} (it must leave shifts in [min_shift, n_time - min_shift]). "
            "Record longer epochs, or pass a smaller min_shift= (it should stay well beyond the "
            "autocorrelation time, recorded in the result)."
        )
    n_distinct = distinct_shifts(n_time, min_shift)
    if n_distinct >= n_surrogate:
        return rng.integers(min_shift, n_time - min_shift + 1, size=(n_surrogate, n_neuron))
    reps = -(-n_surrogate // n_distinct)
    cols = [np.concatenate([rng.permutation(n_distinct) for _ in range(reps)])[:n_surrogate] for _ in range(n_neuron)]
    msg = (f"information_flow: epoch {epoch_label} has {n_time} time steps, so with min_shift={min_shift} only "
           f"{n_distinct} distinct circular shifts exist for {n_surrogate} surrogates: each pair is tested against its "
           f"{n_distinct} distinct surrogates, empirically (no tail fit), and no p-value is below 1/{n_distinct + 1}.")
    if alpha is not None and 1.0 / (n_distinct + 1) > alpha:
        msg += (f" That is above alpha={alpha:g}, so no pair can be significant: record at least "
                f"{2 * min_shift + int(np.ceil(1 / alpha)) - 1} time steps per epoch.")
    warnings.warn(msg, InfoflowWarning, stacklevel=3)
    return min_shift + np.stack(cols, axis=1)


TAIL_FRACTION = 0.2
"""Share of the surrogates that forms the fitted upper tail (at least :data:`MIN_TAIL` of them)."""
MIN_TAIL = 5
XI_GRID = np.round(np.arange(0.0, 0.801, 0.05), 2)
"""Generalised Pareto tail shapes the fitted tail averages over (flat prior). 0 is the exponential,
the lightest tail extrapolated (a lighter one, e.g. a normal null, is then extrapolated
conservatively); the upper end is above the heaviest shape calibrated (0.5), so that a pair whose
own few exceedances cannot tell its shape still gets a calibrated p-value (the flat prior puts
enough weight on shapes at and above 0.5)."""
_LOG_SCALE = np.linspace(-6.0, 2.5, 120)
"""Quadrature grid of log(scale / mean excess) for the scale, prior d(scale)/scale (Jeffreys)."""
POOL_PAIRS = 100
"""At most this many pairs (evenly spread) pool their exceedances to estimate the common tail shape."""
POOL_EXCEEDANCES = 100
"""The pooled shape counts as the evidence of at most this many exceedances (its log likelihood is
scaled down beyond): the pairs' tails share their shape only approximately, and the top fifth of
the surrogates is not yet the far tail (a Student t(3) null looks lighter there than it is)."""
SHAPE_CHECK_LEVEL = 0.05
"""A pair whose own exceedances reject the pooled shape at this level (likelihood ratio against its best
shape, chi-square(1)) gets the larger of the pooled and its own p-value."""
PVALUE_SOURCES = ("empirical", "fitted tail (shape pooled over pairs)",
                  "fitted tail (the pair's own shape: its tail differs from the pool's)",
                  "empirical over every distinct shift (fewer shifts than surrogates)")
"""Codes of ``pvalues(...)["source"]``: which p-value a pair got."""
_CHUNK = 4_000_000


def _logsumexp(a: np.ndarray, axis: int | None = None, b: np.ndarray | None = None) -> Any:
    """log(sum(b * exp(a))) along `axis` (weights b >= 0, default 1), shifted by the maximum so that it
    neither overflows nor underflows: what scipy.special.logsumexp computes (to rounding). Written
    out because scipy's array-API dispatch costs about 0.2 ms a call, and the fitted tail makes many
    small calls: a third of the effective network's time on the airport net (149,550 calls, 31 s of
    96 s, measured), against about 10 us here."""
    a = np.asarray(a, dtype=np.float64)
    if b is not None:
        with np.errstate(divide="ignore"):
            a = a + np.log(b)
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(a - top), axis=axis, keepdims=True)) + top
    return out.reshape(()).item() if axis is None else out.squeeze(axis=axis)


def _tail_terms(excess: np.ndarray, d: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Generalised Pareto terms of k exceedances per pair, excess (k, P) >= 0 with a positive mean.

    Returns the log marginal likelihood of each shape in :data:`XI_GRID` (n_xi, P), the scale
    integrated out with prior d(scale)/scale on :data:`_LOG_SCALE` (up to a constant per pair), and,
    with `d` (P,) given, the log predictive probability that a new exceedance is above `d`, per shape
    (n_xi, P). For one shape this predictive is exact (the scale prior is the right Haar measure of a
    scale family): for shape 0 it is the Lomax (1 + d / sum(excess))^-k.
    """
    k, n_pair = excess.shape
    mbar = excess.mean(axis=0)
    log_m = np.empty((XI_GRID.size, n_pair))
    log_g = None if d is None else np.empty((XI_GRID.size, n_pair))
    step = max(1, _CHUNK // (k * _LOG_SCALE.size))
    for lo in range(0, n_pair, step):
        sl = slice(lo, lo + step)
        sig = mbar[None, sl] * np.exp(_LOG_SCALE)[:, None]  # (n_sigma, p)
        z = excess[None, :, sl] / sig[:, None, :]  # (n_sigma, k, p)
        for a, xi in enumerate(XI_GRID):
            if xi == 0.0:
                ll = -k * np.log(sig) - z.sum(axis=1)
            else:
                ll = -k * np.log(sig) - (1.0 / xi + 1.0) * np.log1p(xi * z).sum(axis=1)
            log_m[a, sl] = _logsumexp(ll, axis=0)
            if d is not None:
                assert log_g is not None  # allocated with d
                zd = d[None, sl] / sig
                ls = -zd if xi == 0.0 else -np.log1p(xi * zd) / xi
                log_g[a, sl] = _logsumexp(ll + ls, axis=0) - log_m[a, sl]
    return log_m, log_g


def _fitted_tail(excess: np.ndarray, d: np.ndarray, beyond: np.ndarray, pool: np.ndarray | None) -> tuple:
    """Predictive tail probability (P,) of the pairs `beyond` and whether each used its own shape.

    `pool` is the pooled log posterior of the shape (n_xi,), or None to pool over these pairs.
    """
    n_pair = excess.shape[1]
    if pool is None:
        pool = shape_pool(excess)
    g = np.full(n_pair, np.nan)
    own = np.zeros(n_pair, bool)
    idx = np.flatnonzero(beyond)
    if idx.size:
        log_m, log_g = _tail_terms(excess[:, idx], d[idx])
        assert log_g is not None  # computed with d
        w_pool = np.exp(pool - _logsumexp(pool))[:, None]
        g_pool = np.exp(_logsumexp(log_g, b=w_pool, axis=0))
        log_mix = _logsumexp(log_m, b=w_pool, axis=0)
        lr = 2.0 * (log_m.max(axis=0) - log_mix)
        w_own = np.exp(log_m - _logsumexp(log_m, axis=0))
        g_own = np.exp(_logsumexp(log_g, b=w_own, axis=0))
        differs = lr > stats.chi2.isf(SHAPE_CHECK_LEVEL, 1)
        g[idx] = np.where(differs, np.maximum(g_pool, g_own), g_pool)
        own[idx] = differs
    return g, own


def _pool_terms(excess: np.ndarray, most: int = POOL_PAIRS) -> tuple[np.ndarray, int]:
    """Summed log marginal likelihood of each shape (n_xi,) over at most `most` pairs of `excess`
    (k, P), evenly spread, and the number of exceedances it rests on."""
    n_pair = excess.shape[1]
    pick = np.unique(np.linspace(0, n_pair - 1, min(n_pair, most)).round().astype(int))
    log_m, _ = _tail_terms(excess[:, pick], None)
    return log_m.sum(axis=1), int(pick.size * excess.shape[0])


def _temper(total: np.ndarray, n_exceedances: int) -> np.ndarray:
    """Normalised log posterior from summed log likelihoods, tempered to at most
    :data:`POOL_EXCEEDANCES` exceedances' information."""
    total = total * min(1.0, POOL_EXCEEDANCES / max(float(n_exceedances), 1.0))
    return total - _logsumexp(total)


def shape_pool(excess: np.ndarray, most: int = POOL_PAIRS) -> np.ndarray:
    """Pooled log posterior (n_xi,) of a tail shape common to the pairs of `excess` (k, P), flat
    prior on :data:`XI_GRID`; at most `most` pairs (default :data:`POOL_PAIRS`), evenly spread, are
    used, and the pool counts as at most :data:`POOL_EXCEEDANCES` exceedances."""
    return _temper(*_pool_terms(excess, most))


def _exceedances(null: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Top-tail exceedances of the surrogates null (S, P): (excess (k, P), threshold u (P,), sorted null, k)."""
    n_surr = null.shape[0]
    n_tail = min(max(MIN_TAIL, int(round(TAIL_FRACTION * n_surr))), n_surr - 1)
    ordered = np.sort(null, axis=0)
    u = ordered[n_surr - n_tail - 1]  # threshold: n_tail surrogates lie above it
    return ordered[n_surr - n_tail:] - u[None], u, ordered, n_tail


def clean_exceedances(null: np.ndarray) -> tuple[np.ndarray, int]:
    """Top-tail exceedances (k, P') of the columns of `null` (S, P) that can inform a pooled tail shape:
    every value finite, none repeated (a shift drawn twice is no new evidence), and a positive mean
    excess; and k (0 where no column qualifies)."""
    with np.errstate(invalid="ignore"):
        clean = np.all(np.isfinite(null), axis=0) & ~np.any(np.diff(np.sort(null, axis=0), axis=0) == 0, axis=0)
    if not clean.any():
        return np.empty((0, 0)), 0
    excess, _, _, n_tail = _exceedances(null[:, clean])
    return excess[:, excess.mean(axis=0) > 0], n_tail


def pvalues(obs: np.ndarray, null: np.ndarray, *, kind: str, distinct: int | None = None,
            pool: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """p-values of `obs` (...) against `null` (n_surrogate, ...), one-sided (larger = more flow).

    kind="empirical": (1 + #{null >= obs}) / (S + 1), never below 1/(S + 1).
    kind="fit": the empirical p-value wherever a surrogate reaches the observed value (there it is exact
    at every level it can take). Beyond the largest surrogate, a generalised Pareto tail of the k
    exceedances over u, the (k + 1)-th largest of the S surrogates (k = :data:`TAIL_FRACTION` S, at
    least :data:`MIN_TAIL`): p = (k + 1) / (S + 1) * G(obs - u), capped at 1/(S + 1). (k + 1) / (S + 1)
    is exactly P(obs > u) under the null; G is the predictive probability that an exceedance is
    beyond obs - u, averaged over the scale (prior d(scale)/scale, which makes it exact for a known
    shape: for shape 0 the Lomax (1 + d / sum of exceedances)^-k) and over the shape on
    :data:`XI_GRID` (0 to 0.8), weighted by the shape's posterior from all the pairs of the call
    (:func:`shape_pool`: the null of one statistic on one recording has one tail shape, which 20
    exceedances of one pair cannot tell, while hundreds can; tempered to :data:`POOL_EXCEEDANCES`).
    A pair whose own exceedances reject the pooled shape (:data:`SHAPE_CHECK_LEVEL`) gets the larger
    of the pooled and its own p-value. A lone pair pools with itself only and is conservative. The
    exponential tail used before (shape 0 unless a variance test called it heavy) rejected 3.5 times
    too often at 1e-3 on a shape-0.5 null and 17 times at 1e-4 (docs/concepts.md).
    A normal fit would be anti-conservative: MI and TE nulls are right-skewed (2n I is about
    chi-square) and a maximum over lags more so. The z-score against a normal fit is returned as
    well, as a readable effect size.

    `pool`: the shape's log posterior on :data:`XI_GRID` to use (:func:`shape_pool`); default: pooled
    over the pairs of this call.

    `distinct`: the number of distinct admissible shifts; no p-value is reported below
    1/(distinct + 1), the smallest the test over every admissible shift can give. When it is smaller than S, the first
    `distinct` surrogates are the distinct ones (:func:`draw_shifts`) and only they are used,
    empirically, so no p-value is below 1/(distinct + 1). With more distinct shifts than surrogates a
    shift may still be drawn twice (the empirical p-value of draws with replacement is then kept); the
    fit of such a pair uses its distinct values only.

    Returns ``pvalue``, ``null_mean``, ``null_std``, ``z`` and ``source`` (int codes into
    :data:`PVALUE_SOURCES`; -1 where the p-value is NaN).
    """
    repeated = distinct is not None and distinct < null.shape[0]
    if repeated:
        null = null[:distinct]
        kind = "empirical"
    obs = np.asarray(obs, dtype=float)
    shape = obs.shape
    flat_obs, flat_null = obs.reshape(-1), null.reshape(null.shape[0], -1)
    twice = np.zeros(flat_obs.shape, bool)
    if kind == "fit" and flat_null.shape[0] > 1:
        with np.errstate(invalid="ignore"):
            twice = np.any(np.diff(np.sort(flat_null, axis=0), axis=0) == 0, axis=0)
    out = _pvalues_flat(flat_obs, flat_null, kind=kind, repeated=repeated, no_pool=twice, pool=pool)
    pool = out.pop("_pool")
    if twice.any():
        # a shift drawn twice gives the same value twice: fit those pairs' tails to their distinct values,
        # with the shape pooled over the other pairs (their own, where there are none)
        # Given a shape, each column is computed on its own, so pairs with the same number of distinct values
        # go through in one call (a shift drawn twice marks ~10 % of pairs at 20 shifts); without one, each
        # pair is fitted alone, on its own shape.
        todo = np.flatnonzero(twice & np.all(np.isfinite(flat_null), axis=0))
        uniq = {int(i): np.unique(flat_null[:, i]) for i in todo}
        if pool is None:
            batches = [todo[k:k + 1] for k in range(todo.size)]
        else:
            sizes = np.array([uniq[int(i)].size for i in todo], dtype=int)
            batches = [todo[sizes == m] for m in np.unique(sizes)]
        for idx in batches:
            values = np.column_stack([uniq[int(i)] for i in idx])
            part = _pvalues_flat(flat_obs[idx], values, kind=kind, repeated=False, pool=pool)
            part.pop("_pool")
            for key, val in part.items():
                out[key][idx] = val
    if distinct is not None:
        # the exact test over every admissible shift cannot go below this; neither does an extrapolation
        out["pvalue"] = np.where(np.isfinite(out["pvalue"]), np.maximum(out["pvalue"], 1.0 / (distinct + 1.0)),
                                 out["pvalue"])
    return {key: val.reshape(shape) for key, val in out.items()}


def _pvalues_flat(obs: np.ndarray, null: np.ndarray, *, kind: str, repeated: bool,
                  pool: np.ndarray | None = None, no_pool: np.ndarray | None = None) -> dict[str, Any]:
    """:func:`pvalues` on obs (P,) and null (S, P), every surrogate taken as distinct; `pool` as in
    :func:`_fitted_tail` (None: pooled over these pairs, except those marked in `no_pool`). Also
    returns the pool used (``"_pool"``; None where no pair could give one)."""
    n_surr = null.shape[0]
    valid = np.isfinite(obs) & np.all(np.isfinite(null), axis=0)
    safe_null = np.where(np.isfinite(null), null, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_emp = (1.0 + np.sum(safe_null >= obs[None], axis=0)) / (n_surr + 1.0)
        mean = safe_null.mean(axis=0)
        std = safe_null.std(axis=0, ddof=1) if n_surr > 1 else np.zeros_like(mean)
        z = (obs - mean) / std
    p = p_emp
    source = np.full(p.shape, 3 if repeated else 0, dtype=np.int8)
    if kind == "fit" and n_surr >= 2:
        excess, u, ordered, n_tail = _exceedances(safe_null)
        fit_ok = valid & (excess.mean(axis=0) > 0)
        beyond = fit_ok & (obs > ordered[-1])
        poolable = fit_ok if no_pool is None else fit_ok & ~no_pool
        if pool is None and (beyond.any() or (no_pool is not None and no_pool.any())) and poolable.any():
            pool = shape_pool(excess[:, poolable])
        if beyond.any():
            with np.errstate(invalid="ignore"):
                g, own = _fitted_tail(excess, np.where(beyond, obs - u, 0.0), beyond, pool)
            # P(obs > u) = (n_tail + 1) / (S + 1) exactly (u is the (n_tail + 1)-th largest of S)
            p_tail = (n_tail + 1.0) / (n_surr + 1.0) * g
            p = np.where(beyond, np.minimum(p_tail, p_emp), p_emp)
            source = np.where(beyond, np.where(own, 2, 1), 0).astype(np.int8)
    p = np.where(valid, p, np.nan)
    return {"pvalue": p, "null_mean": np.where(valid, mean, np.nan), "null_std": np.where(valid, std, np.nan),
            "z": np.where(valid & (std > 0), z, np.nan), "source": np.where(valid, source, -1).astype(np.int8),
            "_pool": pool}


def pvalues_ragged(obs: np.ndarray, null: np.ndarray, counts: np.ndarray, *, kind: str,
                   distinct: int | None = None) -> dict[str, np.ndarray]:
    """:func:`pvalues` when each pair has its own number of surrogates (sequential testing).

    `obs` has shape (..., source, target), `null` (S, ..., source, target) and `counts` (source,
    target): pair (i, j) is tested against its first ``counts[i, j]`` surrogates; a count of 0 gives NaN.
    """
    lead, n_pair = obs.shape[:-2], counts.size
    flat_obs = obs.reshape(*lead, n_pair)
    flat_null = null.reshape(null.shape[0], *lead, n_pair)
    flat_counts = counts.ravel()
    out = {key: np.full(flat_obs.shape, np.nan) for key in ("pvalue", "null_mean", "null_std", "z")}
    out["source"] = np.full(flat_obs.shape, -1, dtype=np.int8)
    pool = _ragged_pool(flat_null, flat_counts, distinct) if kind == "fit" else None
    for m in np.unique(flat_counts):
        if m == 0:
            continue
        idx = np.flatnonzero(flat_counts == m)
        part = pvalues(flat_obs[..., idx], flat_null[:m][..., idx], kind=kind, distinct=distinct, pool=pool)
        for key, val in part.items():
            out[key][..., idx] = val
    return {key: val.reshape(obs.shape) for key, val in out.items()}


def _ragged_pool(flat_null: np.ndarray, flat_counts: np.ndarray, distinct: int | None) -> np.ndarray | None:
    """One pooled shape for every pair whatever its surrogate count (each pair's own exceedances), so
    that a pair's fitted p-value does not depend on which others stopped with it."""
    total, n_exc = np.zeros(XI_GRID.size), 0
    for m in np.unique(flat_counts):
        m_eff = min(int(m), distinct) if distinct is not None else int(m)
        if m_eff < 2 or (distinct is not None and distinct < m):
            continue
        excess, _ = clean_exceedances(flat_null[:m_eff][..., flat_counts == m].reshape(m_eff, -1))
        if excess.shape[1]:
            t, n = _pool_terms(excess)
            total, n_exc = total + t, n_exc + n
    return _temper(total, n_exc) if n_exc else None


# --------------------------------------------------------------------------- sequential surrogates
FIRST_CHECKPOINT = 10
"""Surrogates every tested pair gets before the first stopping decision; the checkpoints double from here."""
FUTILITY_LEVEL = 1e-3
"""A pair stops for futility when its exceedance count has at most this probability for a pair whose
true p-value is alpha (a one-sided binomial test)."""


def accept_margin(marks) -> float:
    """Margin of the sequential tests' early acceptance (the flow engine's pairs, the effective
    network's max, min and omnibus tests): the number of looks at which a test can be
    accepted (every checkpoint but the last, at least 1), so Benjamini-Hochberg on the p-values
    times it gives each look an equal share 1 / looks of the level a pair's final test gets
    (Bonferroni over the looks): summed over the looks, a null pair is accepted early with
    probability at most that level (each look's p-value being valid), whatever its p-values at
    successive looks have in common (they share their surrogates, so in fact far less). Replaced a flat margin of 10
    (issue 17): on the trained airport net 4 gave the same significant pairs with 41 % fewer
    surrogates, and the measured false-alarm rates did not change; nor did the effective network's
    false parents on its null families and known-parent systems (docs/concepts.md)."""
    return float(max(len(marks) - 1, 1))


def checkpoints(surrogates: int, sequential: bool) -> list[int]:
    """Surrogate counts at which stopping is decided: 10, 20, 40, ... below `surrogates`, then `surrogates`.

    They depend only on `surrogates`, never on the block size or the scheduler, so sequential
    results are identical however the work is split.
    """
    marks = []
    m = FIRST_CHECKPOINT
    while sequential and m < surrogates:
        marks.append(m)
        m *= 2
    return [*marks, surrogates]


def settled(obs: np.ndarray, null: np.ndarray, counts: np.ndarray, active: np.ndarray, *, kind: str,
            alpha: float, tested: np.ndarray, alive: np.ndarray | None = None,
            margin: float, distinct: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Active pairs whose decision more surrogates would not change: (accepted, futile).

    `obs` (source, target) is the observed statistic, `null` (m, source, target) the surrogates drawn
    so far (pair (i, j) uses its first ``counts[i, j]``; the active pairs have all m), `active` the
    pairs still drawing, `tested` the pairs in the BH family (the off-diagonal ones) and `alive`
    the tested pairs that may still be rejected (not stopped for futility, not screened out;
    default: `tested`). Two rules:

    * futility (Besag & Clifford 1991, as a binomial test): among the m surrogates, g reach the
      observed value, and P(X >= g) < :data:`FUTILITY_LEVEL` for X ~ Binomial(m, a). Here a is the
      largest p-value BH could still reject, alpha R / N with N the tested pairs and R the pairs
      alive (BH rejects no p-value above alpha times its share of rejections, and there can be no
      more rejections than pairs alive). The pairs stopped shrink R, so the rule is applied again
      until no more stop. A pair whose p-value is a or below almost never shows so many, so
      stopping costs essentially no power, and its p-value, computed from its m surrogates, is then
      well above a. With every tested pair alive, a = alpha: g >= 5 of 10, 6 of 20, 8 of 40, 12 of 80
      at alpha = 0.05;
    * acceptance: Benjamini-Hochberg on every tested pair's current p-value times `margin`
      (:func:`accept_margin` of the checkpoints, the number of looks; stopped pairs keep theirs,
      untested ones count as 1) rejects it. The
      pairs accepted this way keep p-values at or below alpha r / (n_tests margin), r their number,
      so the final BH rejects every one of them whatever the others show. The margin covers the
      several looks at a pair (its p-values at the checkpoints share their surrogates). Only
      ``pvalue="fit"`` can get there: an empirical p-value is at least 1 / (m + 1).
    """
    if distinct is not None and distinct < null.shape[0]:  # repeats of a shift are no new evidence
        null, counts = null[:distinct], np.minimum(counts, distinct)
    m = null.shape[0]
    alive = tested if alive is None else alive
    p_now = pvalues_ragged(obs, null, counts, kind=kind, distinct=distinct)["pvalue"]
    with np.errstate(invalid="ignore"):
        exceed = np.sum(np.where(np.isfinite(null), null, -np.inf) >= obs[None], axis=0)
    finite = active & np.isfinite(p_now)
    n_tests = max(int(tested.sum()), 1)
    futile = np.zeros_like(active)
    while True:
        level = alpha * min(max(int((alive & ~futile).sum()), 1) / n_tests, 1.0)
        more = finite & ~futile & (stats.binom.sf(exceed - 1, m, level) < FUTILITY_LEVEL)
        if not more.any():
            break
        futile |= more
    q = np.where(np.isfinite(p_now), np.minimum(p_now * margin, 1.0), 1.0)
    rejected = np.zeros_like(active)
    rejected[tested] = fdr(q[tested], alpha)[1]
    return finite & rejected & ~futile, futile


def fdr(p: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg across the finite entries of `p`; returns (adjusted p, significant)."""
    adjusted = np.full(p.shape, np.nan)
    finite = np.isfinite(p)
    if finite.any():
        adjusted[finite] = stats.false_discovery_control(p[finite], method="bh")
    significant = np.zeros(p.shape, dtype=bool)
    significant[finite] = adjusted[finite] <= alpha
    return adjusted, significant
