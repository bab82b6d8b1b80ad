"""Surrogate significance for the flow engine (flow layer; users do not import this module).

Circular time-shift surrogates, the minimum shift, p-values (empirical, or an exponential tail fitted to
the surrogate statistics), the sequential stopping rule that spares surrogates on pairs whose
decision is already settled, and Benjamini-Hochberg FDR across pairs.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

MIN_SHIFT_FACTOR = 5
"""Minimum shift = this many autocorrelation times (of the slowest neuron), so a shifted source
shares no memory with its unshifted self."""


def choose_min_shift(tau: int, *, lags: tuple[int, ...], history: int, theiler: int) -> int:
    """Smallest circular shift used by the surrogates, well beyond the autocorrelation time."""
    return int(max(MIN_SHIFT_FACTOR * int(tau), 2 * (max(lags) + history + theiler) + 1, 10))


def draw_shifts(rng: np.random.Generator, n_surrogate: int, n_neuron: int, n_time: int, min_shift: int,
                epoch_label) -> np.ndarray:
    """Shifts (n_surrogate, n_neuron), uniform on [min_shift, n_time - min_shift]."""
    if n_time - 2 * min_shift < 1:
        raise ValueError(
            f"information_flow: epoch {epoch_label} has {n_time} time steps, too short for circular-shift "
            f"surrogates with min_shift={min_shift} (it must leave shifts in [min_shift, n_time - min_shift]). "
            "Record longer epochs, or pass a smaller min_shift= (it should stay well beyond the "
            "autocorrelation time, recorded in the result)."
        )
    return rng.integers(min_shift, n_time - min_shift + 1, size=(n_surrogate, n_neuron))


TAIL_FRACTION = 0.2
"""Share of the surrogates that forms the fitted upper tail (at least :data:`MIN_TAIL` of them)."""
MIN_TAIL = 5


def pvalues(obs: np.ndarray, null: np.ndarray, *, kind: str) -> dict[str, np.ndarray]:
    """p-values of `obs` (...) against `null` (n_surrogate, ...), one-sided (larger = more flow).

    kind="empirical": (1 + #{null >= obs}) / (S + 1), never below 1/(S + 1).
    kind="fit": below the tail threshold u (the top :data:`TAIL_FRACTION` of the surrogates) the
    empirical p-value; above it an exponential tail (a generalised Pareto tail with shape 0)
    fitted to the k exceedances, p = q * (1 + (obs - u) / (k beta))^-k with q the tail share and
    beta the mean excess: the predictive form that accounts for beta being estimated from k points
    (it tends to q * exp(-(obs - u) / beta) as k grows). This goes below 1/(S + 1), so FDR over
    hundreds of pairs is possible. A normal
    fit would be anti-conservative there: MI and TE nulls are right-skewed (2n I is about
    chi-square) and a maximum over lags more so, while the exponential tail is heavier than a
    Gaussian or chi-square tail of the same mean excess. The z-score against a normal fit is
    returned as well, as a readable effect size.
    """
    n_surr = null.shape[0]
    valid = np.isfinite(obs) & np.all(np.isfinite(null), axis=0)
    safe_null = np.where(np.isfinite(null), null, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_emp = (1.0 + np.sum(safe_null >= obs[None], axis=0)) / (n_surr + 1.0)
        mean = safe_null.mean(axis=0)
        std = safe_null.std(axis=0, ddof=1) if n_surr > 1 else np.zeros_like(mean)
        z = (obs - mean) / std
    p = p_emp
    if kind == "fit":
        n_tail = min(max(MIN_TAIL, int(round(TAIL_FRACTION * n_surr))), n_surr - 1)
        ordered = np.sort(safe_null, axis=0)
        u = ordered[n_surr - n_tail - 1]  # threshold: n_tail surrogates lie above it
        beta = (ordered[n_surr - n_tail:] - u[None]).mean(axis=0)
        q = n_tail / (n_surr + 1.0)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            # Predictive tail of an exponential whose scale is itself estimated from n_tail points
            # (flat prior on the rate): a Lomax, (1 + d / (n_tail beta))^-n_tail. It tends to
            # exp(-d / beta) for many surrogates; with few, the plain exponential is too thin and
            # over-rejects (measured 3-4x at p < 0.001 with 40 surrogates).
            p_tail = q * (1.0 + (obs - u) / (n_tail * beta)) ** (-float(n_tail))
        p = np.where((obs > u) & (beta > 0), np.minimum(p_tail, p_emp), p_emp)
    p = np.where(valid, p, np.nan)
    return {"pvalue": p, "null_mean": np.where(valid, mean, np.nan), "null_std": np.where(valid, std, np.nan),
            "z": np.where(valid & (std > 0), z, np.nan)}


def pvalues_ragged(obs: np.ndarray, null: np.ndarray, counts: np.ndarray, *, kind: str) -> dict[str, np.ndarray]:
    """:func:`pvalues` when each pair has its own number of surrogates (sequential testing).

    `obs` has shape (..., source, target), `null` (S, ..., source, target) and `counts` (source,
    target): pair (i, j) is tested against its first ``counts[i, j]`` surrogates; a count of 0 gives NaN.
    """
    lead, n_pair = obs.shape[:-2], counts.size
    flat_obs = obs.reshape(*lead, n_pair)
    flat_null = null.reshape(null.shape[0], *lead, n_pair)
    flat_counts = counts.ravel()
    out = {key: np.full(flat_obs.shape, np.nan) for key in ("pvalue", "null_mean", "null_std", "z")}
    for m in np.unique(flat_counts):
        if m == 0:
            continue
        idx = np.flatnonzero(flat_counts == m)
        part = pvalues(flat_obs[..., idx], flat_null[:m][..., idx], kind=kind)
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
            alpha: float, tested: np.ndarray, alive: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
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
      fit's change with more surrogates. Only ``null="fit"`` can get there: an empirical p-value
      is at least 1 / (m + 1).
    """
    m = null.shape[0]
    alive = tested if alive is None else alive
    p_now = pvalues_ragged(obs, null, counts, kind=kind)["pvalue"]
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
