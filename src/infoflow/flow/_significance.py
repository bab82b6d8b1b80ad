"""Surrogate significance for the flow engine (flow layer; users do not import this module).

Circular time-shift surrogates, the minimum shift, p-values (empirical, or an exponential tail fitted to
the surrogate statistics beyond the largest surrogate), the sequential stopping rule that spares surrogates
on pairs whose decision is already settled, and Benjamini-Hochberg FDR across pairs.

Short recordings admit few distinct shifts (n_time - 2 min_shift + 1); a surrogate drawn twice is the same
value twice, not new evidence. :func:`draw_shifts` then draws every distinct shift before repeating one and
warns, and :func:`pvalues` tests each pair against its distinct surrogates only, empirically, so no
p-value is below 1 / (distinct + 1). Which p-value each pair got is recorded (:data:`PVALUE_SOURCES`).
"""

from __future__ import annotations

import functools
import warnings

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
HEAVY_TAIL_LEVEL = 0.05
"""The tail counts as heavy (and the fit is not used) when the squared coefficient of variation of the
exceedances is above its upper ``HEAVY_TAIL_LEVEL`` quantile under an exponential tail."""
MIN_SHAPE_TAIL = 10
"""The tail's shape is tested only with at least this many exceedances (50 surrogates or more): with
fewer, a tail of shape 0.5 is told from an exponential less than a fifth of the time, so the test
would only cost fitted p-values."""
PVALUE_SOURCES = ("empirical", "fitted tail", "empirical (heavy tail)",
                  "empirical over every distinct shift (fewer shifts than surrogates)")
"""Codes of ``pvalues(...)["source"]``: which p-value a pair got."""


@functools.cache
def heavy_tail_threshold(n_tail: int) -> float:
    """Upper :data:`HEAVY_TAIL_LEVEL` quantile of the squared coefficient of variation (var / mean^2,
    ddof=1) of ``n_tail`` exponential exceedances, by Monte Carlo with a fixed seed (20,000 samples).

    An exponential tail (generalised Pareto shape 0) gives about 1; a heavier one (shape xi > 0)
    1 / (1 - 2 xi), so a large value says the exponential fit would understate the tail.
    """
    rng = np.random.default_rng(12345)
    y = rng.exponential(size=(20_000, n_tail))
    cv2 = y.var(axis=1, ddof=1) / y.mean(axis=1) ** 2
    return float(np.quantile(cv2, 1.0 - HEAVY_TAIL_LEVEL))


def pvalues(obs: np.ndarray, null: np.ndarray, *, kind: str, distinct: int | None = None) -> dict[str, np.ndarray]:
    """p-values of `obs` (...) against `null` (n_surrogate, ...), one-sided (larger = more flow).

    kind="empirical": (1 + #{null >= obs}) / (S + 1), never below 1/(S + 1).
    kind="fit": the empirical p-value wherever a surrogate reaches the observed value (there it is exact
    at every level it can take; taking the smaller of it and a fitted value, as before, gave 5.5%
    rejections at a nominal 5%). Beyond the largest surrogate an exponential tail (a generalised Pareto
    tail with shape 0) fitted to the k exceedances over u, the top :data:`TAIL_FRACTION` of the
    surrogates: p = q * (1 + (obs - u) / (k beta))^-k with q the tail share and beta the mean excess,
    the predictive form that accounts for beta being estimated from k points (it tends to
    q * exp(-(obs - u) / beta) as k grows), capped at 1/(S + 1). This goes below 1/(S + 1), so FDR
    over hundreds of pairs is possible. The fit is not used (the empirical 1/(S + 1) is) when the
    tail is heavier than exponential (:func:`heavy_tail_threshold`: an exponential fit would then
    claim p-values far too small) or when the tail holds repeated values (a shift drawn twice).
    A normal fit would be anti-conservative: MI and TE nulls are right-skewed (2n I is about
    chi-square) and a maximum over lags more so. The z-score against a normal fit is returned as
    well, as a readable effect size.

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
    out = _pvalues_flat(flat_obs, flat_null, kind=kind, repeated=repeated)
    if kind == "fit" and flat_null.shape[0] > 1:
        # a shift drawn twice gives the same value twice: fit those pairs' tails to their distinct values
        with np.errstate(invalid="ignore"):
            twice = np.any(np.diff(np.sort(flat_null, axis=0), axis=0) == 0, axis=0)
        for i in np.flatnonzero(twice & np.all(np.isfinite(flat_null), axis=0)):
            part = _pvalues_flat(flat_obs[i:i + 1], np.unique(flat_null[:, i])[:, None], kind=kind, repeated=False)
            for key, val in part.items():
                out[key][i] = val[0]
    if distinct is not None:
        # the exact test over every admissible shift cannot go below this; neither does an extrapolation
        out["pvalue"] = np.where(np.isfinite(out["pvalue"]), np.maximum(out["pvalue"], 1.0 / (distinct + 1.0)),
                                 out["pvalue"])
    return {key: val.reshape(shape) for key, val in out.items()}


def _pvalues_flat(obs: np.ndarray, null: np.ndarray, *, kind: str, repeated: bool) -> dict[str, np.ndarray]:
    """:func:`pvalues` on obs (P,) and null (S, P), every surrogate taken as distinct."""
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
        n_tail = min(max(MIN_TAIL, int(round(TAIL_FRACTION * n_surr))), n_surr - 1)
        ordered = np.sort(safe_null, axis=0)
        u = ordered[n_surr - n_tail - 1]  # threshold: n_tail surrogates lie above it
        excess = ordered[n_surr - n_tail:] - u[None]
        beta = excess.mean(axis=0)
        q = n_tail / (n_surr + 1.0)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            # Predictive tail of an exponential whose scale is itself estimated from n_tail points
            # (flat prior on the rate): a Lomax, (1 + d / (n_tail beta))^-n_tail. It tends to
            # exp(-d / beta) for many surrogates; with few, the plain exponential is too thin and
            # over-rejects (measured 3-4x at p < 0.001 with 40 surrogates).
            p_tail = q * (1.0 + (obs - u) / (n_tail * beta)) ** (-float(n_tail))
            # the shape is judged only from enough exceedances (a variance of one is undefined)
            heavy = (excess.var(axis=0, ddof=1) / beta**2 > heavy_tail_threshold(n_tail)) if n_tail >= MIN_SHAPE_TAIL \
                else np.zeros(beta.shape, bool)
        beyond = (obs > ordered[-1]) & (beta > 0)
        use = beyond & ~heavy
        p = np.where(use, np.minimum(p_tail, p_emp), p_emp)
        source = np.where(use, 1, np.where(beyond & heavy, 2, 0)).astype(np.int8)
    p = np.where(valid, p, np.nan)
    return {"pvalue": p, "null_mean": np.where(valid, mean, np.nan), "null_std": np.where(valid, std, np.nan),
            "z": np.where(valid & (std > 0), z, np.nan), "source": np.where(valid, source, -1).astype(np.int8)}


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
    for m in np.unique(flat_counts):
        if m == 0:
            continue
        idx = np.flatnonzero(flat_counts == m)
        part = pvalues(flat_obs[..., idx], flat_null[:m][..., idx], kind=kind, distinct=distinct)
        for key, val in part.items():
            out[key][..., idx] = val
    return {key: val.reshape(obs.shape) for key, val in out.items()}


# --------------------------------------------------------------------------- sequential surrogates
FIRST_CHECKPOINT = 10
"""Surrogates every tested pair gets before the first stopping decision; the checkpoints double from here."""
FUTILITY_LEVEL = 1e-3
"""A pair stops for futility when its exceedance count has at most this probability for a pair whose
true p-value is alpha (a one-sided binomial test)."""
ACCEPT_MARGIN = 10.0
"""Early acceptance runs Benjamini-Hochberg on the current p-values multiplied by this margin: it
covers the several looks at each pair and the fit's change with more surrogates."""


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
            distinct: int | None = None) -> tuple[np.ndarray, np.ndarray]:
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
    * acceptance: Benjamini-Hochberg on every tested pair's current p-value times
      :data:`ACCEPT_MARGIN` (stopped pairs keep theirs, untested ones count as 1) rejects it. The
      pairs accepted this way keep p-values at or below alpha r / (n_tests margin), r their number,
      so the final BH rejects every one of them whatever the others show. The margin covers the
      several looks at a pair (its p-values at the checkpoints share their surrogates) and the tail
      fit's change with more surrogates. Only ``pvalue="fit"`` can get there: an empirical p-value
      is at least 1 / (m + 1).
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
    q = np.where(np.isfinite(p_now), np.minimum(p_now * ACCEPT_MARGIN, 1.0), 1.0)
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
