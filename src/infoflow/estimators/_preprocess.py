"""Preprocessing shared by the estimator families: turning validated recordings into aligned samples.

Place in the pipeline: between the public functions (``_api``, ``pairwise``) and the family modules
(``ksg``, ``gcmi``, ``gaussian``, ``binning``, ``kde``). Users do not import it.

Everything here works on whole recordings shaped (epoch, time, channel), *before* pairs are formed:

* :func:`standardise_and_jitter` (KSG): scale each channel to unit sd and add seeded Gaussian jitter,
  drawn once per recording so a pair's value never depends on batching or chunking (same seed,
  same numbers however the work is cut: docs/design.md, "Public functions").
* :func:`copula_normalise` (Gaussian copula): ranks -> standard normal scores, once per channel.
* :func:`lagged_pairs` / :func:`te_embedding`: cut each epoch separately, so no lagged pair and no
  history ever spans two epochs, then stack the epochs.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy import special, stats


def standardise_and_jitter(arr: np.ndarray, *, jitter: float, rng: np.random.Generator) -> np.ndarray:
    """Standardise each channel of an (epoch, time, channel) array and add Gaussian jitter.

    Standardisation pools all epochs and times of a channel. A constant channel is only centred
    (its sd is 0), so the jitter alone breaks its ties. The jitter has sd `jitter` relative to the
    unit sd.

    Each channel's jitter is drawn from a generator keyed by one draw from `rng`, a hash of the
    channel's dense ranks after standardising (ties kept) and, among channels whose ranks are identical, their order of
    appearance. So the jitter belongs to the variable, not to its position: I(X;Y) = I(Y;X)
    exactly, and a pairwise matrix of permuted channels is the permuted matrix, also on tied data
    (where the jitter decides the neighbour order). Ranks are unchanged by shifting or positively
    rescaling a channel, so KSG keeps its affine invariance; identical channels (x and a copy of x)
    still get different jitter, so their ties are broken. The jitter is fixed once per recording,
    before pairs are formed, so chunking or batching never changes a value (docs/design.md).
    """
    flat = arr.reshape(-1, arr.shape[-1])
    mean = flat.mean(axis=0)
    sd = flat.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    out = (arr - mean) / sd
    if jitter > 0:
        base = int(rng.integers(0, 2**63 - 1))
        noise = np.empty(out.shape)
        seen: dict[int, int] = {}
        for c in range(arr.shape[-1]):
            # ranks of the standardised values: values that standardising merges (closer than
            # rounding) count as one, so a*v + b ranks exactly like v
            dense_ranks = np.unique(out[..., c], return_inverse=True)[1]
            key = zlib.crc32(dense_ranks.astype(np.int64).tobytes())
            seen[key] = seen.get(key, -1) + 1
            noise[..., c] = np.random.default_rng([base, key, seen[key]]).standard_normal(arr.shape[:-1])
        out = out + jitter * noise
    return np.ascontiguousarray(out, dtype=np.float64)


def copula_normalise(arr: np.ndarray) -> np.ndarray:
    """Map each channel of an (epoch, time, channel) array to standard normal scores via its ranks.

    Ranks pool all epochs and times of a channel; ties get their *average* rank (deterministic,
    independent of sample order), so tied values map to the same score. Scores are
    ``Phi^-1(rank / (n + 1))`` (Ince et al. 2017, doi:10.1002/hbm.23471).
    """
    # channels as contiguous rows: sorting along the last axis is several times faster
    rows = np.ascontiguousarray(arr.reshape(-1, arr.shape[-1]).T)
    n = rows.shape[1]
    order = np.argsort(rows, axis=1)
    # without ties the scores are a permutation of n fixed quantiles: n ndtri calls, not n * channels
    table = special.ndtri(np.arange(1.0, n + 1.0) / (n + 1.0))
    scores = np.empty(rows.shape)
    np.put_along_axis(scores, order, table[None, :], axis=1)
    tied = (np.diff(np.take_along_axis(rows, order, axis=1), axis=1) == 0).any(axis=1)
    if tied.any():  # average ranks only where needed: rankdata is slower than one argsort
        ranks = stats.rankdata(rows[tied], method="average", axis=1)
        scores[tied] = special.ndtri(ranks / (n + 1.0))
    return np.ascontiguousarray(scores.T.reshape(arr.shape), dtype=np.float64)


def usable_steps_mi(n_time: int, lag: int) -> int:
    """Number of (t, t + lag) pairs inside one epoch of `n_time` steps."""
    return n_time - lag


def te_start(lag: int, history: int) -> int:
    """First time index t whose target history t-history+1.. and source t+1-lag both exist."""
    return max(history - 1, lag - 1)


def usable_steps_te(n_time: int, lag: int, history: int) -> int:
    """Number of target steps t+1 inside one epoch for which the whole TE embedding exists."""
    return n_time - 1 - te_start(lag, history)


def lagged_pairs(x: np.ndarray, y: np.ndarray, lag: int, cond: np.ndarray | None = None):
    """Align ``x(t)`` with ``y(t + lag)`` (and ``cond(t + lag)``) epoch by epoch, then stack epochs.

    Parameters are (epoch, time, channel) arrays with the same epoch and time sizes. Returns 2-D
    (n_samples, channel) arrays; pairs never straddle two epochs.
    """
    n_time = x.shape[1]
    xs = x[:, : n_time - lag].reshape(-1, x.shape[2])
    ys = y[:, lag:].reshape(-1, y.shape[2])
    cs = None if cond is None else cond[:, lag:].reshape(-1, cond.shape[2])
    return (np.ascontiguousarray(xs), np.ascontiguousarray(ys),
            None if cs is None else np.ascontiguousarray(cs))


def te_embedding(x: np.ndarray, y: np.ndarray, lag: int, history: int, cond: np.ndarray | None = None):
    """Transfer-entropy embedding per epoch: source, target future, target history (+ condition).

    For each epoch and each t with a full embedding: source ``x(t + 1 - lag)``, future
    ``y(t + 1)``, history ``y(t), ..., y(t - history + 1)`` and condition ``cond(t + 1)``.

    Returns
    -------
    src : (n, N) ; fut : (n, M) ; hist : (M, n, history) ; cnd : (n, C) or None
        With n = n_epoch * usable_steps_te(n_time, lag, history).
    """
    n_time = x.shape[1]
    t0 = te_start(lag, history)
    ts = np.arange(t0, n_time - 1)
    src = x[:, ts + 1 - lag].reshape(-1, x.shape[2])
    fut = y[:, ts + 1].reshape(-1, y.shape[2])
    # hist[j, s, h] = y_j(t_s - h): one conditioning block per target column
    hist = np.stack([y[:, ts - h] for h in range(history)], axis=-1)  # (E, T', M, history)
    hist = np.moveaxis(hist, 2, 0).reshape(y.shape[2], -1, history)
    cnd = None if cond is None else cond[:, ts + 1].reshape(-1, cond.shape[2])
    return (np.ascontiguousarray(src), np.ascontiguousarray(fut), np.ascontiguousarray(hist),
            None if cnd is None else np.ascontiguousarray(cnd))


def target_times(n_time: int, lag: int, history: int | None) -> np.ndarray:
    """Time indices of the target sample of each usable step (MI: t + lag; TE: t + 1)."""
    if history is None:
        return np.arange(lag, n_time)
    return np.arange(te_start(lag, history) + 1, n_time)
