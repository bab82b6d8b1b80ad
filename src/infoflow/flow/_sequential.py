"""The surrogate test of one epoch: observed estimates, optional screen, sequential rounds, p-values, FDR.

Flow layer; users do not import this module. :func:`run_epoch` submits the work units of
:mod:`._engine` through an executor of :mod:`._schedule` and decides with :mod:`._significance`;
every option comes from one :class:`._plan.Plan`. The returned dict is what :mod:`._assemble`
turns into the epoch's part of the Dataset.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from infoflow.flow import _engine, _schedule
from infoflow.flow import _significance as sig
from infoflow.flow._input import FlowInput
from infoflow.flow._plan import Plan


def _prepare(ex, inp: FlowInput, label, plan: Plan):
    """Submit the preparation of epoch `label` (the raw epoch is read by the task's executor)."""
    da = inp.da
    raw = ex.load(da.sel(epoch=label).data)
    epoch_cond = inp.cond
    cond_neurons: tuple[int, ...] = ()
    if isinstance(inp.cond, tuple):  # input neurons of this very epoch
        epoch_cond = ex.load(da.sel(epoch=label).isel(neuron=inp.cond[1]).data)
        cond_neurons = tuple(int(c) for c in inp.cond[1])
    return ex.submit(_engine.prepare_epoch, raw, epoch_cond, epoch_label=int(label), plan=plan,
                     neuron_names=inp.names, cond_neurons=cond_neurons)


def _screen(ex, prep, plan: Plan, shifts: np.ndarray, n_neuron: int,
            distinct: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian-copula p-value of every pair with every surrogate (one round), and the pairs passing."""
    gc_obs_f = ex.submit(_engine.null_block, prep, plan, plan.measure, np.zeros((1, n_neuron), dtype=np.int64),
                         screen=True, count=True)
    # the screen draws every surrogate at once: one round of the same blocks
    gc_null_f = [ex.submit(_engine.null_block, prep, plan, plan.measure, shifts[part], screen=True,
                           count=True) for part in _schedule.rounds([plan.surrogates], plan.block_size)[0]]
    gc = ex.gather([gc_obs_f, *gc_null_f])
    gc_obs, gc_null = gc[0][0], np.concatenate(gc[1:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN diagonal
        gc_peak, gc_null_peak = np.nanmax(gc_obs, axis=0), np.nanmax(gc_null, axis=1)
    p_screen = sig.pvalues(gc_peak, gc_null_peak, kind=plan.pvalue, distinct=distinct)["pvalue"]
    return p_screen, np.nan_to_num(p_screen, nan=1.0) <= plan.screen_threshold


def run_epoch(ex, inp: FlowInput, label, plan: Plan) -> dict:
    """Every estimate and test result of epoch `label` (arrays in the engine's source x target layout)."""
    prep = _prepare(ex, inp, label, plan)
    tau_f = ex.submit(_engine.autocorr_time, prep, count=True)
    n_time, n_neuron = inp.n_time, inp.n_neuron
    # the observed stage, split by targets on several workers like the surrogate rounds
    obs_cols = np.array_split(np.arange(n_neuron), _schedule.n_groups(1, ex.n_workers, n_neuron, plan.method))
    obs_f = [ex.submit(_engine.observed, prep, plan, np.isin(np.arange(n_neuron), c), count=True)
             for c in obs_cols]
    tau = ex.gather([tau_f])[0]
    shift_min = sig.choose_min_shift(int(tau.max()), lags=plan.lags, history=plan.history,
                                     theiler=plan.theiler) if plan.min_shift is None else plan.min_shift
    # Shifts depend only on (seed, epoch, surrogate count): never on blocks or scheduler.
    rng = np.random.default_rng([plan.seed, int(label) & 0xFFFFFFFF, 1])
    shifts = sig.draw_shifts(rng, plan.surrogates, n_neuron, n_time, shift_min, label, alpha=plan.alpha)
    distinct = sig.distinct_shifts(n_time, shift_min)  # surrogates beyond this many repeat a shift

    out: dict[str, Any] = {"autocorr_time": tau, "min_shift": shift_min}
    mask = None
    if plan.screen:
        out["pvalue_screen"], mask = _screen(ex, prep, plan, shifts, n_neuron, distinct)
        out["screened"] = mask
    off = ~np.eye(n_neuron, dtype=bool)
    active = off.copy() if mask is None else mask & off
    alive = active.copy()  # tested pairs BH may still reject: neither screened out nor stopped for futility
    counts = np.zeros((n_neuron, n_neuron), dtype=np.int64)
    null_stat = np.full((plan.surrogates, len(plan.lags), n_neuron, n_neuron), np.nan)
    obs = stat = peak_obs = None
    for r, parts in enumerate(plan.rounds):
        # Each block of surrogates is split by targets into groups of about equal numbers of active
        # pairs (only with several workers); a pair's values never depend on its group.
        n_groups = _schedule.n_groups(len(parts), ex.n_workers, n_neuron, plan.method)
        blocks = parts
        if isinstance(ex, _schedule.InProcess):
            # here the blocks only count progress: the round is one task, so its surrogates share the
            # kernel calls (each pair's values are the same in any block)
            blocks = (slice(parts[0].start, parts[-1].stop),)
        tasks = [(part, g) for part in blocks for g in _schedule.target_groups(active, n_groups) if g.any()]
        futures = [ex.submit(_engine.null_block, prep, plan, plan.measure, shifts[part], mask=g, count=True)
                   for part, g in tasks]
        for _ in range(len(parts) * n_groups - len(tasks)):
            ex.tick()  # empty groups, nothing left to test or blocks merged here count as done
        got = ex.gather([*obs_f, *futures] if obs is None else futures)
        if obs is None:
            obs, got = _merge_observed(got[:len(obs_f)], obs_cols), got[len(obs_f):]
            stat = obs["te"] if plan.measure == "te" else obs["tdmi"] - obs["mi"][None]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN diagonal
                peak_obs = np.nanmax(stat, axis=0)
        if not futures:
            continue
        stop = parts[-1].stop
        for (part, g), block in zip(tasks, got):
            null_stat[part][:, :, g] = block[:, :, g]
        counts[active] = stop
        if r + 1 < len(plan.rounds):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                peak_so_far = np.nanmax(null_stat[:stop], axis=1)
            assert peak_obs is not None  # set by round 0
            accepted, futile = sig.settled(peak_obs, peak_so_far, counts, active, kind=plan.pvalue, alpha=plan.alpha,
                                           tested=off, alive=alive, distinct=distinct, margin=plan.margin)
            active &= ~(accepted | futile)
            alive &= ~futile
    assert obs is not None  # plan.rounds is never empty
    out.update(obs)
    out["n_surrogates"] = counts
    out.update(_decide(stat, peak_obs, null_stat, counts, mask, off, plan, distinct))
    return out


def _decide(stat, peak_obs, null_stat, counts, mask, off, plan: Plan, distinct: int | None = None) -> dict:
    """p-values of the peak and of each lag from the surrogates each pair got, then BH."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN diagonal
        peak_null = np.nanmax(null_stat, axis=1)
    per_lag = sig.pvalues_ragged(stat, null_stat, counts, kind=plan.pvalue, distinct=distinct)
    peak = sig.pvalues_ragged(peak_obs, peak_null, counts, kind=plan.pvalue, distinct=distinct)
    p = peak["pvalue"]
    if mask is not None:
        # Pairs that failed the screen were not tested with KSG: p = 1 (self-pairs stay NaN).
        p = np.where(mask | ~off, p, 1.0)
        per_lag["pvalue"] = np.where(mask[None] | ~off[None], per_lag["pvalue"], 1.0)
    adjusted, significant = sig.fdr(p, plan.alpha)
    return {"pvalue": p, "pvalue_lag": per_lag["pvalue"], "pvalue_adjusted": adjusted, "significant": significant,
            "null_mean": peak["null_mean"], "null_std": peak["null_std"], "z": peak["z"],
            "pvalue_source": peak["source"]}


def _merge_observed(parts: list[dict], cols: list[np.ndarray]) -> dict:
    """The observed estimates of target groups (columns `cols[g]` of part g) as one set."""
    if len(parts) == 1:
        return parts[0]
    out = {key: np.array(val, copy=True) for key, val in parts[0].items()}
    for part, c in zip(parts[1:], cols[1:]):
        out["entropy"][c] = part["entropy"][c]
        for key in ("mi", "tdmi", "te"):
            out[key][..., c] = part[key][..., c]
    return out
