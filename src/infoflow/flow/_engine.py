"""Per-epoch work units of the all-pairs flow engine (flow layer; users do not import this module).

Everything here is a plain function on NumPy arrays, so the in-process path and the Dask path
(:mod:`infoflow.flow._schedule`) run exactly the same code on exactly the same inputs and give
bitwise-identical numbers. The estimators are the family modules of :mod:`infoflow.estimators`
(``ksg`` and ``gcmi``) called on already prepared, lag-aligned arrays (design.md, "Estimators").

Work units:

* :func:`prepare_epoch` - validate one epoch, standardise every neuron, add the seeded jitter. The
  jitter stream depends only on (seed, epoch label), never on chunking (STYLE section 4).
* :func:`observed` - entropy, zero-lag MI, TDMI and TE at every lag for all ordered pairs (or the
  pairs into a group of targets).
* :func:`null_block` - the tested statistic for a block of circular-shift surrogates.
* :func:`autocorr_time` - per-neuron autocorrelation time, which sets the minimum shift.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from infoflow.flow._plan import Plan

_FAMILY_MODULES = {"ksg": "infoflow.estimators.ksg", "gaussian_copula": "infoflow.estimators.gcmi"}


@dataclass
class EpochData:
    """One prepared epoch: standardised + jittered activity and (optionally) the input to condition on."""

    x: np.ndarray  # (n_time, n_neuron) float64, C-contiguous
    cond: np.ndarray | None  # (n_time, n_cond) float64 or None
    scale: np.ndarray  # (n_neuron,) standard deviation removed from each neuron (for entropies)


# --------------------------------------------------------------------------- estimator families
@lru_cache(maxsize=None)
def _family(method: str):
    return importlib.import_module(_FAMILY_MODULES[method])


@lru_cache(maxsize=None)
def _accepted(fn) -> frozenset | None:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return frozenset(params)


def _call(method: str, name: str, *args, plan: Plan, **extra):
    """Call ``family.<name>(*args, **options, **extra)`` passing only the options that family takes."""
    fn = getattr(_family(method), name)
    opts = {"k": plan.k, "theiler": plan.theiler, "n_jobs": plan.n_jobs, **extra}
    accepted = _accepted(fn)
    if accepted is not None:
        opts = {key: val for key, val in opts.items() if key in accepted}
    return np.asarray(fn(*args, **opts), dtype=np.float64)


# --------------------------------------------------------------------------- preparation
def prepare_epoch(raw: np.ndarray, cond: np.ndarray | None, *, epoch_label: int, seed: int, jitter: float,
                  method: str, neuron_names: tuple[str, ...] = ()) -> EpochData:
    """Check one epoch for NaN/inf, standardise each neuron and add seeded Gaussian jitter.

    The jitter generator is seeded by ``(seed, epoch_label)``, so the prepared data do not depend on
    which epochs are analysed together, on the scheduler or on the chunking.
    """
    x = np.array(raw, dtype=np.float64, order="C", copy=True)
    bad = ~np.isfinite(x)
    if bad.any():
        t, n = np.argwhere(bad)[0]
        name = neuron_names[n] if n < len(neuron_names) else n
        raise ValueError(f"information_flow: epoch {epoch_label} has {int(bad.sum())} NaN/inf values "
                         f"(first: time {int(t)}, neuron {name!r}). Remove or interpolate them first.")
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)  # constant neurons stay constant (warned about by the API)
    x -= mean
    x /= scale
    c = None
    if cond is not None:
        c = np.array(cond, dtype=np.float64, order="C", copy=True)
        c_scale = c.std(axis=0)
        c = (c - c.mean(axis=0)) / np.where(c_scale > 0, c_scale, 1.0)
    if method == "ksg" and jitter > 0:
        # KSG needs tie-free data; drawn once per (recording seed, epoch), before any pair is formed.
        rng = np.random.default_rng([int(seed), int(epoch_label) & 0xFFFFFFFF])
        x += jitter * rng.standard_normal(x.shape)
        if c is not None:
            c += jitter * rng.standard_normal(c.shape)
    return EpochData(x=np.ascontiguousarray(x), cond=None if c is None else np.ascontiguousarray(c),
                     scale=scale.astype(np.float64))


def autocorr_time(data: EpochData) -> np.ndarray:
    """Autocorrelation time of each neuron: first lag where the autocorrelation falls below 1/e.

    Computed by FFT on the standardised series; a neuron whose autocorrelation never falls below 1/e
    within a quarter of the series gets n_time // 4.
    """
    x = data.x - data.x.mean(axis=0)
    n = x.shape[0]
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    f = np.fft.rfft(x, nfft, axis=0)
    acf = np.fft.irfft(f * np.conj(f), nfft, axis=0)[:n]
    acf /= np.where(acf[0] > 0, acf[0], 1.0)
    limit = max(n // 4, 1)
    below = acf[:limit] < np.exp(-1.0)
    tau = np.where(below.any(axis=0), below.argmax(axis=0), limit)
    return tau.astype(np.int64)


# --------------------------------------------------------------------------- pair matrices
def _shift_columns(x: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Circularly shift column i of `x` by ``shifts[i]`` steps (keeps each neuron's autocorrelation)."""
    n = x.shape[0]
    idx = (np.arange(n)[:, None] - shifts[None, :]) % n
    return np.ascontiguousarray(x[idx, np.arange(x.shape[1])[None, :]])


def _matrix(method: str, src: np.ndarray, tgt: np.ndarray, z: np.ndarray | None, plan: Plan,
            mask: np.ndarray | None) -> np.ndarray:
    """I(src_i; tgt_j [| z_j]) for rows already aligned in time: every (source, target) pair, or the
    pairs where `mask` (source, target) is True (the others NaN).

    A family that takes ``pairs=`` (KSG) gets the mask in one call: each column is sorted once and
    the pairs share the threads. The others compute whole matrices (cheap for them) and are masked.
    """
    name = "pairwise_mi" if z is None else "pairwise_cmi"
    args = (src, tgt) if z is None else (src, tgt, z)
    if mask is None:
        return _call(method, name, *args, plan=plan)
    accepted = _accepted(getattr(_family(method), name))
    if accepted is None or "pairs" in accepted:
        return _call(method, name, *args, plan=plan, pairs=mask)
    return np.where(mask, _call(method, name, *args, plan=plan), np.nan)


def _cond_stack(cond: np.ndarray | None, rows: slice, n_target: int) -> np.ndarray | None:
    """Conditioning set (n_target, n_rows, C): the input at the target's time step, same for each target."""
    if cond is None:
        return None
    c = cond[rows]
    return np.ascontiguousarray(np.broadcast_to(c, (n_target, *c.shape)))


def mi_matrix(data: EpochData, src: np.ndarray, plan: Plan, lag: int, *, method: str | None = None,
              mask=None) -> np.ndarray:
    """I(src_i(t); x_j(t + lag) [| input(t + lag)]) for all pairs; `src` is the (possibly shifted) source."""
    n = data.x.shape[0]
    s = np.ascontiguousarray(src[: n - lag])
    t = np.ascontiguousarray(data.x[lag:])
    z = _cond_stack(data.cond, slice(lag, n), data.x.shape[1])
    return _matrix(method or plan.method, s, t, z, plan, mask)


def te_matrix(data: EpochData, src: np.ndarray, plan: Plan, lag: int, *, method: str | None = None,
              mask=None) -> np.ndarray:
    """TE(i -> j) = I(src_i(t - lag); x_j(t) | x_j(t-1..t-history) [, input(t)]) for all pairs."""
    x = data.x
    n, n_neuron = x.shape
    h = plan.history
    t0 = max(h, lag)
    rows = slice(t0, n)
    s = np.ascontiguousarray(src[t0 - lag: n - lag])
    tgt = np.ascontiguousarray(x[rows])
    past = np.stack([x[t0 - d: n - d] for d in range(1, h + 1)], axis=-1)  # (rows, neuron, history)
    z = np.transpose(past, (1, 0, 2))  # (neuron, rows, history)
    if data.cond is not None:
        c = np.broadcast_to(data.cond[rows], (n_neuron, *data.cond[rows].shape))
        z = np.concatenate([z, c], axis=-1)
    return _matrix(method or plan.method, s, tgt, np.ascontiguousarray(z), plan, mask)


def _statistic(data: EpochData, src: np.ndarray, plan: Plan, measure: str, *, method: str | None = None,
               mask=None, mi0: np.ndarray | None = None) -> np.ndarray:
    """The tested statistic at every lag, shape (n_lag, source, target)."""
    if measure == "te":
        return np.stack([te_matrix(data, src, plan, lag, method=method, mask=mask) for lag in plan.lags])
    if mi0 is None:
        mi0 = mi_matrix(data, src, plan, 0, method=method, mask=mask)
    return np.stack([mi_matrix(data, src, plan, lag, method=method, mask=mask) - mi0 for lag in plan.lags])


def observed(data: EpochData, plan: Plan, targets: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every reported estimate for one epoch: entropy, mi, tdmi, te (per lag), in nats.

    `targets` (n_neuron,) bool restricts the work to those target columns (and those neurons'
    entropies), so the observed stage can run as several tasks; the rest is NaN. Each computed cell
    is bitwise the same whatever the split.
    """
    x = data.x
    n_neuron = x.shape[1]
    cols = np.ones(n_neuron, dtype=bool) if targets is None else np.asarray(targets, dtype=bool)
    ent = np.full(n_neuron, np.nan)
    for i in np.flatnonzero(cols):
        # Always Kozachenko-Leonenko (KSG family): the Gaussian copula discards the marginals, so it
        # has no entropy. Estimated on the standardised neuron; h(a x) = h(x) + ln|a| undoes that.
        val = float(_call("ksg", "entropy", np.ascontiguousarray(x[:, [i]]), plan=plan))
        ent[i] = val + np.log(data.scale[i])
    columns = np.broadcast_to(cols, (n_neuron, n_neuron))
    # I(x_i(t); x_i(t)) is infinite for continuous data (STYLE section 5), and a neuron's own past
    # is already conditioned on in TE: both diagonals are left out (NaN)
    pairs = columns & ~np.eye(n_neuron, dtype=bool)
    mi = mi_matrix(data, x, plan, 0, mask=pairs)
    tdmi = np.stack([mi_matrix(data, x, plan, lag, mask=columns) for lag in plan.lags])
    te = np.stack([te_matrix(data, x, plan, lag, mask=pairs) for lag in plan.lags])
    return {"entropy": ent, "mi": mi, "tdmi": tdmi, "te": te}


def null_block(data: EpochData, plan: Plan, measure: str, shifts: np.ndarray, *, method: str | None = None,
               mask: np.ndarray | None = None) -> np.ndarray:
    """Tested statistic under circular time-shift surrogates, shape (n_surrogate, n_lag, source, target).

    Row s of `shifts` shifts every source neuron by its own amount; targets stay in place, so each
    pair's surrogate keeps both autocorrelations and destroys only their alignment in time. `mask`
    (source, target) restricts the work to the pairs that are True (screening); others are NaN.
    """
    out = np.empty((shifts.shape[0], len(plan.lags), data.x.shape[1], data.x.shape[1]))
    for s, row in enumerate(shifts):
        src = _shift_columns(data.x, row)
        stat = _statistic(data, src, plan, measure, method=method, mask=mask)
        for arr in stat:
            np.fill_diagonal(arr, np.nan)
        out[s] = stat
    return out
