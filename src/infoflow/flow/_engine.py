"""Per-epoch work units of the all-pairs flow engine (flow layer; users do not import this module).

Everything here is a plain function on NumPy arrays, so the in-process path and the Dask path
(:mod:`infoflow.flow._schedule`) run exactly the same code on exactly the same inputs and give
bitwise-identical numbers. The estimates go through the estimators' own path
(:mod:`infoflow.estimators._pairwise`): the Estimator that ``resolve_estimator`` made (in the
:class:`~infoflow.flow._plan.Plan`), ``prepare`` (KSG: standardise + rank-keyed jitter; Gaussian
copula: normal scores), ``embed`` (lagged pairs / TE embedding) and ``family_matrix`` (the family
module), so a flow cell equals the public ``pairwise_*`` estimate of the same epoch bitwise, also on
tied data (design.md, "Estimators").

Work units:

* :func:`prepare_epoch` - validate one epoch and prepare it once per estimator it needs (the jitter
  depends only on (seed, epoch label) and each neuron's values, never on chunking).
* :func:`observed` - entropy, zero-lag MI, TDMI and TE at every lag for all ordered pairs (or the
  pairs into a group of targets).
* :func:`null_block` - the tested statistic for a block of circular-shift surrogates.
* :func:`autocorr_time` - per-neuron autocorrelation time, which sets the minimum shift.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from infoflow.estimators._pairwise import Estimator, embed, family_matrix, prepare

if TYPE_CHECKING:
    from infoflow.flow._plan import Plan


@dataclass
class Prepared:
    """One epoch prepared for one estimator family: activity (n_time, n_neuron) and input (n_time, C) or None."""

    x: np.ndarray
    cond: np.ndarray | None


@dataclass
class EpochData:
    """One epoch, prepared once for each estimator the plan uses (keyed by method), plus each neuron's sd.

    ``prepared["ksg"]`` always exists (the entropies and autocorrelation times are read from it);
    ``prepared["gaussian_copula"]`` when the method or the screen uses the copula.
    """

    prepared: dict[str, Prepared]
    scale: np.ndarray  # (n_neuron,) standard deviation of each neuron (entropy of the raw data)
    # the neurons whose present values are the input conditioned on (condition_on_input with input
    # neurons), in the input's column order; empty for a recorded `inputs` array or no condition
    cond_neurons: tuple[int, ...] = ()


def epoch_seed(seed: int, epoch_label: int) -> np.random.Generator:
    """The jitter generator of one epoch: seeded by (seed, epoch label), so the prepared data never
    depend on which epochs are analysed together, on the scheduler or on the chunking. Flow's epoch
    equals the public estimators called on that epoch with ``seed=epoch_seed(seed, label)``."""
    return np.random.default_rng([int(seed), int(epoch_label) & 0xFFFFFFFF])


# --------------------------------------------------------------------------- preparation
def prepare_epoch(raw: np.ndarray, cond: np.ndarray | None, *, epoch_label: int, plan: Plan,
                  neuron_names: tuple[str, ...] = (), cond_neurons: tuple[int, ...] = ()) -> EpochData:
    """Check one epoch for NaN/inf, then prepare it (and the input) for each estimator in `plan`.

    `cond_neurons`: the neurons whose activity `cond` holds (input neurons as the input), so that
    each of them, as a target, is not conditioned on its own present value (:func:`_matrix`)."""
    x = np.asarray(raw, dtype=np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        t, n = np.argwhere(bad)[0]
        name = neuron_names[n] if n < len(neuron_names) else n
        raise ValueError(f"information_flow: epoch {epoch_label} has {int(bad.sum())} NaN/inf values "
                         f"(first: time {int(t)}, neuron {name!r}). Remove or interpolate them first.")
    scale = x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)  # constant neurons stay constant (warned about by the API)
    arrays = [x[None]] + ([] if cond is None else [np.asarray(cond, dtype=np.float64)[None]])
    prepared = {}
    for est in plan.estimators():
        # the estimators' own preprocessing of this one epoch (a fresh generator per family)
        out = prepare(dataclasses.replace(est, seed=epoch_seed(plan.seed, epoch_label)), arrays)
        prepared[est.method] = Prepared(x=np.ascontiguousarray(out[0][0]),
                                        cond=None if cond is None else np.ascontiguousarray(out[1][0]))
    return EpochData(prepared=prepared, scale=scale.astype(np.float64),
                     cond_neurons=tuple(int(c) for c in cond_neurons))


def autocorr_time(data: EpochData) -> np.ndarray:
    """Autocorrelation time of each neuron of a prepared epoch (:func:`autocorr_times` of its KSG data)."""
    return autocorr_times(data.prepared["ksg"].x)


def autocorr_times(x: np.ndarray) -> np.ndarray:
    """Autocorrelation time of each column of `x` (n_time, n_neuron): first lag where the
    autocorrelation falls below 1/e.

    Computed by FFT; a neuron whose autocorrelation never falls below 1/e within a quarter of the
    series gets n_time // 4.
    """
    x = x - x.mean(axis=0)
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


def _matrix(est: Estimator, data: EpochData, src: np.ndarray, lag: int, history: int | None, plan: Plan,
            mask: np.ndarray | None) -> np.ndarray:
    """MI (history None) or TE of every (source, target) pair of the epoch prepared for `est`, with
    `src` (the prepared sources, possibly circularly shifted) in place of the sources; only the
    pairs where `mask` (source, target) is True (the others NaN) when it is given."""
    prep = data.prepared[est.method]
    cond = None if prep.cond is None else prep.cond[None]
    xs, ys, Z = embed(src[None], prep.x[None], cond, lag=lag, history=history)
    if data.cond_neurons and Z is not None:
        # an input neuron as target: its own present value is the value predicted, so conditioning on
        # it would leave nothing to explain (every CMI about it 0, or undefined). Its column is set to
        # a constant, which conditions that target on the other inputs only (a constant adds nothing to
        # a max-norm distance, and the copula's projection drops it); Z is embed's own copy.
        first = 0 if history is None else history
        for c, j in enumerate(data.cond_neurons):
            Z[j, :, first + c] = 0.0
    return family_matrix(est, xs, ys, Z, n_jobs=plan.n_jobs, pairs=mask)


def mi_matrix(data: EpochData, src: np.ndarray, plan: Plan, lag: int, *, est: Estimator | None = None,
              mask=None) -> np.ndarray:
    """I(src_i(t); x_j(t + lag) [| input(t + lag)]) for all pairs; `src` is the (possibly shifted) source."""
    return _matrix(est or plan.estimator, data, src, lag, None, plan, mask)


def te_matrix(data: EpochData, src: np.ndarray, plan: Plan, lag: int, *, est: Estimator | None = None,
              mask=None) -> np.ndarray:
    """TE(i -> j) = I(src_i(t - lag); x_j(t) | x_j(t-1..t-history) [, input(t)]) for all pairs."""
    return _matrix(est or plan.estimator, data, src, lag, plan.history, plan, mask)


def _statistic(data: EpochData, src: np.ndarray, plan: Plan, measure: str, *, est: Estimator,
               mask=None) -> np.ndarray:
    """The tested statistic at every lag, shape (n_lag, source, target)."""
    if measure == "te":
        return np.stack([te_matrix(data, src, plan, lag, est=est, mask=mask) for lag in plan.lags])
    mi0 = mi_matrix(data, src, plan, 0, est=est, mask=mask)
    return np.stack([mi_matrix(data, src, plan, lag, est=est, mask=mask) - mi0 for lag in plan.lags])


def observed(data: EpochData, plan: Plan, targets: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every reported estimate for one epoch: entropy, mi, tdmi, te (per lag), in nats.

    `targets` (n_neuron,) bool restricts the work to those target columns (and those neurons'
    entropies), so the observed stage can run as several tasks; the rest is NaN. Each computed cell
    is bitwise the same whatever the split.
    """
    x = data.prepared[plan.method].x
    n_neuron = x.shape[1]
    cols = np.ones(n_neuron, dtype=bool) if targets is None else np.asarray(targets, dtype=bool)
    ent = np.full(n_neuron, np.nan)
    ent_est = plan.entropy_estimator
    standardised = data.prepared["ksg"].x
    for i in np.flatnonzero(cols):
        # Always Kozachenko-Leonenko (KSG family): the Gaussian copula discards the marginals, so it
        # has no entropy. Estimated on the standardised neuron; h(a x) = h(x) + ln|a| undoes that.
        val = float(ent_est.family.entropy(np.ascontiguousarray(standardised[:, [i]]), **ent_est.kwargs()))
        ent[i] = val + np.log(data.scale[i])
    columns = np.broadcast_to(cols, (n_neuron, n_neuron))
    # I(x_i(t); x_i(t)) is infinite for continuous data, and a neuron's own past is already
    # conditioned on in TE: both diagonals are left out (NaN)
    pairs = columns & ~np.eye(n_neuron, dtype=bool)
    mi = mi_matrix(data, x, plan, 0, mask=pairs)
    tdmi = np.stack([mi_matrix(data, x, plan, lag, mask=columns) for lag in plan.lags])
    te = np.stack([te_matrix(data, x, plan, lag, mask=pairs) for lag in plan.lags])
    return {"entropy": ent, "mi": mi, "tdmi": tdmi, "te": te}


def null_block(data: EpochData, plan: Plan, measure: str, shifts: np.ndarray, *, screen: bool = False,
               mask: np.ndarray | None = None) -> np.ndarray:
    """Tested statistic under circular time-shift surrogates, shape (n_surrogate, n_lag, source, target).

    Row s of `shifts` shifts every source neuron by its own amount; targets stay in place, so each
    pair's surrogate keeps both autocorrelations and destroys only their alignment in time. `mask`
    (source, target) restricts the work to the pairs that are True (screening); others are NaN.
    ``screen=True`` uses the plan's screening estimator (the Gaussian copula) instead of its own.
    """
    est = plan.screen_estimator if screen else plan.estimator
    assert est is not None  # plans with screen=True carry a screening estimator
    x = data.prepared[est.method].x
    n_time, n_neuron = x.shape
    n_lag = len(plan.lags)
    out = np.empty((shifts.shape[0], n_lag, n_neuron, n_neuron))
    # KSG estimates each pair on its own columns only, so the surrogates of a block can go to the
    # kernels together, as extra source columns: one call per lag for the whole batch, the targets
    # sorted once per call, the pairs of every surrogate sharing the threads. Bitwise the same as one
    # surrogate at a time. (The copula's matrix products are kept per surrogate: their rounding could
    # depend on the shape of the product.)
    batch = max(1, BATCH_VALUES // (n_time * n_neuron)) if est.method == "ksg" else 1
    for s0 in range(0, shifts.shape[0], batch):
        rows = shifts[s0:s0 + batch]
        m = len(rows)
        src = np.concatenate([_shift_columns(x, row) for row in rows], axis=1) if m > 1 else _shift_columns(x, rows[0])
        stat = _statistic(data, src, plan, measure, est=est, mask=None if mask is None else np.tile(mask, (m, 1)))
        stat = stat.reshape(n_lag, m, n_neuron, n_neuron).transpose(1, 0, 2, 3)
        for s in range(m):
            for arr in stat[s]:
                np.fill_diagonal(arr, np.nan)
        out[s0:s0 + m] = stat
    return out


BATCH_VALUES = 1 << 21
"""Most source values (time steps x neurons x surrogates) one KSG kernel call of :func:`null_block`
takes: 16 MB of shifted sources, about five times that with their embedding and sort arrays."""
