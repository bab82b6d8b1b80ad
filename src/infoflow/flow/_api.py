"""``information_flow``: all-pairs information flow with surrogate significance (flow layer).

Sits after :mod:`infoflow.estimators` and before structure / bottleneck / dynamics, which read the
Dataset it returns (saved as ``flow.nc``). Users import it as ``infoflow.flow.information_flow``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from infoflow._defaults import (ACTIVITY_DIMS, DEFAULT_ALPHA, DEFAULT_JITTER, DEFAULT_K, DEFAULT_LAGS,
                                DEFAULT_SEED, DEFAULT_SURROGATES)
from infoflow._validation import (Anything, CallableOK, InstanceOf, Interval, InvalidParameterError, NoneOK,
                                  Options, check_activity, check_lags, validate_params, warn_constant)
from infoflow.flow import _engine, _schedule
from infoflow.flow import _significance as sig

FUNC = "information_flow"
METHODS = ("ksg", "gaussian_copula")
MEASURES = ("te", "flow")


class _Scheduler:
    def is_satisfied_by(self, value: Any) -> bool:
        if value is None or value in ("inprocess", "local"):
            return True
        if isinstance(value, str):
            return "://" in value
        return type(value).__name__ == "Client"

    def __str__(self) -> str:
        return "None, 'inprocess', 'local', a scheduler address 'tcp://host:port' or a distributed.Client"


@validate_params({
    "activity": [Anything()],
    "lags": [Anything()],  # checked by check_lags against the series length
    "method": [Options(*METHODS)],
    "measure": [Options(*MEASURES)],
    "surrogates": [Interval(int, 2, None)],
    "alpha": [Interval(float, 0, 1, closed="neither")],
    "history": [Interval(int, 1, None)],
    "condition_on_input": [InstanceOf(bool)],
    "theiler": [Interval(int, 0, None)],
    "k": [Interval(int, 1, None), NoneOK()],
    "screen": [InstanceOf(bool)],
    "screen_threshold": [Interval(float, 0, 1, closed="right")],
    "null": [Options("fit", "empirical")],
    "sequential": [Options("auto"), InstanceOf(bool)],
    "min_shift": [Interval(int, 1, None), NoneOK()],
    "epochs": [Anything()],  # "all", "last", an epoch label or a list of them; checked against the data
    "roles": [Anything(), NoneOK()],
    "seed": [Interval(int, 0, None)],
    "jitter": [Interval(float, 0, None)],
    "scheduler": [_Scheduler()],
    "block_size": [Interval(int, 1, None), NoneOK()],
    "callback": [CallableOK(), NoneOK()],
})
def information_flow(activity, /, *, lags=DEFAULT_LAGS, method="ksg", measure="te", surrogates=DEFAULT_SURROGATES,
                     alpha=DEFAULT_ALPHA, history=1, condition_on_input=False, theiler=0, k=None, screen=False,
                     screen_threshold=0.1, null="fit", sequential="auto", min_shift=None, epochs="all", roles=None, seed=DEFAULT_SEED,
                     jitter=DEFAULT_JITTER, scheduler=None, block_size=None, callback=None):
    """Information flow between every ordered pair of neurons, with surrogate significance, in nats.

    For each analysed epoch: the entropy of each neuron, the zero-lag mutual information
    I(x_i(t); x_j(t)), the time-delayed MI TDMI_tau(i->j) = I(x_i(t); x_j(t+tau)) at each lag, the
    flow TDMI_tau - MI (the seed project's measure) and its net part, and the transfer entropy
    TE_tau(i->j) = I(x_i(t-tau); x_j(t) | x_j(t-1..t-history)) at each lag. The primary measure
    (`measure`) at its peak over lags is tested against circular time-shift surrogates and FDR-corrected.

    Parameters
    ----------
    activity : DataArray, Dataset or array-like of shape (n_time, n_neuron) or (n_epoch, n_time, n_neuron)
        A recording: an ``activity`` DataArray with dims (time, neuron) or (epoch, time, neuron) and a
        ``role`` coordinate, a recording Dataset (its ``activity``; its ``inputs`` are used by
        `condition_on_input`), or a NumPy array plus `roles`. A dask-backed DataArray (e.g. from
        ``xr.open_zarr``) stays on disk: one epoch at a time is loaded, by the task that needs it.
    lags : int or sequence of int, default=(1, 2, 3)
        Steps tau >= 1 from source to target.
    method : {"ksg", "gaussian_copula"}, default="ksg"
        Estimator family; "gaussian_copula" is fast but only sees monotone-Gaussian dependence.
    measure : {"te", "flow"}, default="te"
        The statistic that gets ``pvalue``/``significant``: the peak over `lags` of TE, or of TDMI - MI.
        TE is the default because it is a conditional mutual information (non-negative in
        expectation, zero under the null, and it already discounts what the target's own past
        predicts); TDMI - MI is a difference of two estimates, not itself an information quantity, and
        is negative wherever the zero-lag dependence exceeds the lagged one.
    surrogates : int, default=100
        Circular time-shift surrogates per epoch (the most any pair gets when `sequential`).
    alpha : float, default=0.05
        Benjamini-Hochberg false discovery rate across the ordered pairs of an epoch.
    history : int, default=1
        Steps of the target's own past conditioned on in TE.
    condition_on_input : bool, default=False
        Condition every MI, TDMI and TE on the network input at the target's time step (the Dataset's
        ``inputs``, else the neurons with role "input"), which strips the daily cycle every neuron shares.
    theiler : int, default=0
        KSG Theiler window: neighbours closer than this many steps in time are ignored.
    k : int or None, default=None
        KSG neighbours; None means 4. Error if set with method="gaussian_copula".
    screen : bool, default=False
        With method="ksg": test every pair first with the Gaussian-copula estimator (and its own
        surrogates, same shifts); only pairs with a screening p-value <= `screen_threshold` get KSG
        surrogates, the others get ``pvalue`` 1 (flagged by ``screened``).
    screen_threshold : float, default=0.1
        Lenient, uncorrected p-value a pair needs in the screen to be tested with KSG.
    null : {"fit", "empirical"}, default="fit"
        "fit": above the top 20% of the surrogates, p-value from an exponential tail fitted to them
        (can go below 1/(surrogates+1), so FDR over many pairs is possible); below, the empirical
        p-value. "empirical": (1 + #exceeding)/(S + 1). The ``null_model`` attr says which was used.
    sequential : "auto" or bool, default="auto"
        Stop drawing surrogates for a pair once its decision is settled (see Notes); ``n_surrogates``
        records how many each pair got. "auto": on for method="ksg", whose surrogates cost
        milliseconds each, off for "gaussian_copula", whose surrogates are nearly free.
    min_shift : int or None, default=None
        Smallest circular shift; None: 5 autocorrelation times of the slowest neuron (estimated per
        epoch, recorded in ``autocorr_time`` and the ``min_shift`` attr).
    epochs : "all", "last", int or list of int, default="all"
        Epoch labels (the ``epoch`` coordinate) to analyse, each on its own.
    roles : list of str or None, default=None
        One role per neuron for NumPy input (default all "hidden"); overrides a DataArray's roles.
    seed : int, default=0
        Seeds the jitter (per epoch) and the surrogate shifts: same seed, same numbers.
    jitter : float, default=1e-10
        Scale of the Gaussian jitter added to standardised data before KSG (ties).
    scheduler : None, "inprocess", "local", str or distributed.Client, default=None
        Where work runs. None: the default ``distributed.Client`` if you created one, else this
        process (the kernels use every core); "local": a new 2-process LocalCluster; "tcp://host:8786":
        that cluster; or a Client. Results are identical whichever is used. Dask starts worker
        processes that re-import your ``__main__``: a script that asks for "local" needs an
        ``if __name__ == "__main__":`` guard (the default needs none).
    block_size : int or None, default=None
        Surrogates per task; None picks about two blocks per worker in the smallest round. On several
        workers each block (and the observed stage) is also split into groups of targets, about
        four tasks per worker per round. Neither changes results.
    callback : callable(done, total) or None
        Called as work units finish.

    Returns
    -------
    flow : xarray.Dataset
        Dims ``source``, ``target``, ``lag``, ``neuron`` (same ids as source/target), and ``epoch``
        when several epochs are analysed (else a scalar ``epoch`` coord). Coords ``source_role``,
        ``target_role``, ``role`` (and ``*_layer`` when the input has ``layer``). Variables, nats:

        - ``entropy`` (neuron): differential entropy of each neuron.
        - ``mi`` (source, target): zero-lag MI; diagonal NaN.
        - ``tdmi`` (lag, source, target): time-delayed MI; the diagonal is self-information.
        - ``flow`` (lag, source, target): tdmi - mi (can be negative); ``net_flow`` (source, target):
          F_ij - F_ji of the peak-over-lags flow; ``peak_lag`` (source, target): lag of peak flow
          (0 on the diagonal).
        - ``te`` (source, target): peak-over-lags TE; ``te_lag`` (lag, source, target); ``te_peak_lag``.
        - ``pvalue`` (source, target): p-value of the peak-over-lags `measure` against the same peak
          over lags of each surrogate; ``pvalue_lag`` (lag, source, target) per lag;
          ``pvalue_adjusted`` (BH); ``significant`` (bool, adjusted p <= alpha).
        - ``<measure>_null_mean``, ``<measure>_null_std``, ``<measure>_z``: the surrogate null of the peak.
        - ``autocorr_time`` (neuron): autocorrelation time (steps) used for the minimum shift.
        - ``n_surrogates`` (source, target): surrogates drawn for the pair (fewer than `surrogates`
          where sequential testing stopped early; 0 on the diagonal and for screened-out pairs).
        - with ``screen=True``: ``screened`` (bool, passed the screen) and ``pvalue_screen``.

        Attrs: estimator, k (KSG), theiler, jitter, seed, surrogates, min_shift, null, alpha, fdr, measure,
        lags, history, condition_on_input, screen, n_samples, infoflow_version, plus the input's attrs.

    See Also
    --------
    infoflow.estimators.pairwise_transfer_entropy, infoflow.flow.to_networkx

    Notes
    -----
    Each epoch is a separate stationary sequence; no lagged pair straddles two. A surrogate shifts
    every source neuron circularly by its own random amount in [min_shift, n_time - min_shift],
    keeping each neuron's autocorrelation and destroying only the source-target alignment; the
    targets stay in place. When the peak over lags is tested, each surrogate contributes its own
    peak over the same lags, so selecting the lag is paid for. With S surrogates an empirical
    p-value is at least 1/(S+1): with S=100 and 156 pairs, BH at 0.05 would need 31 pairs at that
    floor, hence the default tail fit (``null`` attr records which was used). A normal fit would be
    anti-conservative there: MI/TE nulls are right-skewed (2n I is about chi-square), more so for a
    maximum over lags; the exponential tail is heavier. FDR is Benjamini-Hochberg over the
    ordered pairs of each epoch separately.

    With ``screen=True`` the observed KSG estimates are still computed for every pair (that is
    one of S + 1 estimates); only the KSG surrogates are restricted to pairs that pass.

    Sequential testing draws the surrogates in rounds that end at 10, 20, 40, 80, ... and finally
    `surrogates`. After each round a pair stops when its decision is settled: either so many of
    its surrogates reach its observed statistic that a pair with the largest p-value BH could still
    reject (alpha times the share of pairs not yet ruled out) would show that many with
    probability under 0.001 (futility; Besag & Clifford 1991), or (``null="fit"``)
    Benjamini-Hochberg on every pair's current p-value times 10 already rejects it, and then the
    final BH rejects it whatever the other pairs show (acceptance). Its p-value is computed from
    the surrogates it got. Pairs near the threshold get all of them. The rounds depend only on
    `surrogates`, so results are identical for any block size or scheduler.

    Bivariate measures flag indirect paths (a -> b -> c shows a -> c at the summed lag) and common
    drivers: every neuron sees the input's daily cycle, so use `condition_on_input`. TDMI - MI can be
    negative; TE estimates can be slightly negative (noise; never clipped).

    References
    ----------
    Schreiber 2000, doi:10.1103/PhysRevLett.85.461; Kraskov et al. 2004,
    doi:10.1103/PhysRevE.69.066138; Frenzel & Pompe 2007, doi:10.1103/PhysRevLett.99.204101;
    Ince et al. 2017, doi:10.1002/hbm.23471; Benjamini & Hochberg 1995, doi:10.1111/j.2517-6161.1995.tb02031.x;
    Besag & Clifford 1991, doi:10.1093/biomet/78.2.301.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflow.flow import information_flow
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1000, 2)); x[1:, 1] += 0.8 * x[:-1, 0]
    >>> ds = information_flow(x, lags=1, method="gaussian_copula", surrogates=20, scheduler="inprocess")
    >>> bool(ds.significant.sel(source="n0", target="n1")), bool(ds.significant.sel(source="n1", target="n0"))
    (True, False)
    """
    import xarray as xr

    k = _resolve_k(method, k)
    if screen and method != "ksg":
        raise InvalidParameterError(f"{FUNC}: screen=True screens KSG with the Gaussian copula; it needs "
                                    f"method='ksg', got method={method!r}.")
    dataset = activity if isinstance(activity, xr.Dataset) else None
    da = _activity(activity, roles)
    n_time = da.sizes["time"]
    lags = check_lags(lags, n_time=n_time, func=FUNC)
    if 0 in lags:
        raise InvalidParameterError(f"{FUNC}: lags must be >= 1 (lag 0 is the zero-lag MI, always computed); "
                                    f"got {lags}.")
    lags = tuple(sorted(set(lags)))
    _check_samples(n_time, lags, history, k, theiler, method)
    labels = _select_epochs(da, epochs)
    cond = _condition(dataset, da, n_time) if condition_on_input else None

    spec = _engine.Spec(method=method, lags=lags, history=history, k=k, theiler=theiler)
    n_neuron = da.sizes["neuron"]
    executor = _schedule.make_executor(scheduler)
    if isinstance(executor, _schedule.DaskExecutor):
        # One worker thread per core already; estimator threads would oversubscribe (results unchanged).
        spec = _engine.Spec(method=method, lags=lags, history=history, k=k, theiler=theiler, n_jobs=1)
    if sequential == "auto":
        sequential = method == "ksg"
    marks = sig.checkpoints(surrogates, bool(sequential))
    if block_size is None:
        # About two tasks per worker in the smallest round keeps every worker busy in each round.
        block_size = max(1, math.ceil(min(np.diff([0, *marks])) / (2 * executor.n_workers)))
    rounds = _rounds(marks, block_size)
    n_tasks = sum(len(r) * _n_groups(len(r), executor.n_workers, n_neuron, method) for r in rounds)
    n_screen_blocks = len(_rounds([surrogates], block_size)[0])
    n_observed = _n_groups(1, executor.n_workers, n_neuron, method)
    per_epoch = 1 + n_observed + n_tasks + ((n_screen_blocks + 1) if screen else 0)
    progress = {"done": 0, "total": per_epoch * len(labels)}

    def tick() -> None:
        progress["done"] += 1
        if callback is not None:
            callback(progress["done"], progress["total"])

    executor.tick = tick
    names = tuple(str(v) for v in da["neuron"].values)
    try:
        results = []
        for label in labels:
            results.append(_one_epoch(executor, da, label, cond, spec, names=names, measure=measure,
                                      surrogates=surrogates, block_size=block_size, seed=seed, jitter=jitter,
                                      null=null, alpha=alpha, screen=screen, screen_threshold=screen_threshold,
                                      min_shift=min_shift, rounds=rounds))
    finally:
        executor.close()
    return _assemble(da, labels, results, spec=spec, measure=measure, surrogates=surrogates, alpha=alpha,
                     null=null, sequential=bool(sequential), screen=screen, screen_threshold=screen_threshold, seed=seed, jitter=jitter,
                     condition_on_input=condition_on_input)


# --------------------------------------------------------------------------- input handling
def _resolve_k(method: str, k: int | None) -> int:
    if method != "ksg" and k is not None:
        raise InvalidParameterError(f"{FUNC}: k={k} only applies to method='ksg'; drop it for method={method!r}.")
    return DEFAULT_K if k is None else int(k)


def _activity(activity: Any, roles: Any):
    """Validated (epoch, time, neuron) DataArray; dask-backed data stay lazy (checked per epoch later)."""
    import xarray as xr

    da = activity["activity"] if isinstance(activity, xr.Dataset) and "activity" in activity else activity
    if isinstance(da, xr.DataArray) and da.chunks is not None:
        if "epoch" not in da.dims and set(da.dims) == {"time", "neuron"}:
            da = da.expand_dims(epoch=[0])
        if set(da.dims) != set(ACTIVITY_DIMS):
            raise ValueError(f"{FUNC}: activity must have dims (time, neuron) or (epoch, time, neuron); "
                             f"got {tuple(da.dims)}.")
        da = da.transpose(*ACTIVITY_DIMS)
        probe = check_activity(da.isel(time=slice(0, 2)).load(), func=FUNC, roles=roles)
        return da.assign_coords(role=("neuron", probe["role"].values))
    if roles is not None and not isinstance(roles, (list, tuple, np.ndarray)):
        raise InvalidParameterError(f"{FUNC}: roles must be a list of 'input'/'hidden'/'output'; got {roles!r}.")
    da = check_activity(activity, func=FUNC, roles=roles)
    for e in range(da.sizes["epoch"]):
        warn_constant(da.values[e], name="activity", func=FUNC)
    return da


def _check_samples(n_time: int, lags, history: int, k: int, theiler: int, method: str) -> None:
    usable = n_time - max(max(lags), history)
    need = (k + 1 + 2 * theiler) if method == "ksg" else 3
    if usable < max(need, 10):
        raise ValueError(f"{FUNC}: each epoch has {usable} usable samples after lags up to {max(lags)} and "
                         f"history={history}; k={k} with theiler={theiler} needs {max(need, 10)}. Lower the lags, "
                         "history or theiler, or record longer epochs.")


def _select_epochs(da, epochs: Any) -> list:
    available = [v.item() for v in da["epoch"].values]
    if isinstance(epochs, str):
        if epochs == "all":
            return available
        if epochs == "last":
            return available[-1:]
        raise InvalidParameterError(f"{FUNC}: epochs must be 'all', 'last', an epoch label or a list of them; "
                                    f"got {epochs!r}.")
    wanted = [epochs] if isinstance(epochs, numbers.Integral) else epochs
    try:
        wanted = list(wanted)
    except TypeError:
        raise InvalidParameterError(f"{FUNC}: epochs must be 'all', 'last', an epoch label or a list of them; "
                                    f"got {epochs!r}.") from None
    if not wanted:
        raise InvalidParameterError(f"{FUNC}: epochs must not be empty.")
    missing = [w for w in wanted if w not in available]
    if missing:
        shown = available if len(available) <= 12 else [*available[:6], "...", *available[-3:]]
        raise ValueError(f"{FUNC}: epoch(s) {missing} do not exist; the recording has epochs {shown}.")
    return [available[available.index(w)] for w in wanted]


def _condition(dataset, da, n_time: int) -> Any:
    """The network input to condition on: the Dataset's ``inputs`` (time, channel), else role=='input' neurons."""
    if dataset is not None and "inputs" in dataset:
        inputs = dataset["inputs"]
        if "time" not in inputs.dims or inputs.sizes["time"] != n_time:
            raise ValueError(f"{FUNC}: the recording's inputs have dims {dict(inputs.sizes)}; they need a 'time' "
                             f"axis of {n_time} steps to condition on.")
        inputs = inputs.transpose("time", ...)
        arr = np.asarray(inputs.values, dtype=np.float64).reshape(n_time, -1)
        if not np.isfinite(arr).all():
            raise ValueError(f"{FUNC}: the recording's inputs contain NaN/inf; clean them before condition_on_input.")
        return arr
    is_input = np.asarray(da["role"].values) == "input"
    if not is_input.any():
        raise ValueError(f"{FUNC}: condition_on_input=True but the recording has no 'inputs' and no neuron with "
                         "role 'input'. Pass a recording Dataset with 'inputs', or mark the input neurons' roles.")
    return ("neurons", np.flatnonzero(is_input))


# --------------------------------------------------------------------------- one epoch
def _rounds(marks: list[int], block_size: int) -> list[list[slice]]:
    """Surrogate index blocks of each sequential round: round r covers [marks[r-1], marks[r]), split
    into near-equal blocks of at most `block_size`."""
    out, start = [], 0
    for stop in marks:
        n_parts = math.ceil((stop - start) / block_size)
        edges = [start + (stop - start) * i // n_parts for i in range(n_parts + 1)]
        out.append([slice(a, b) for a, b in zip(edges[:-1], edges[1:])])
        start = stop
    return out


TASKS_PER_WORKER = 4
"""A round of surrogates (and the observed stage) is cut into about this many tasks per worker: the
next round waits for the last task of this one, so smaller tasks leave the workers less idle time."""


def _n_groups(n_blocks: int, n_workers: int, n_neuron: int, method: str) -> int:
    """Target groups each of `n_blocks` surrogate blocks is split into: 1 in process, and 1 for the
    Gaussian copula, whose whole matrix costs about what one group's does (its family has no ``pairs=``)."""
    if n_workers <= 1 or method != "ksg":
        return 1
    return max(1, min(n_neuron, math.ceil(TASKS_PER_WORKER * n_workers / n_blocks)))


def _target_groups(active: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """`active` (source, target) cut into `n_groups` masks of contiguous targets with about equal
    numbers of active pairs (some may be empty). Each pair is in exactly one mask."""
    per_target = active.sum(axis=0)
    total = max(int(per_target.sum()), 1)
    middle = np.cumsum(per_target) - per_target / 2.0  # each target's position in the pair order
    group = np.minimum((middle * n_groups / total).astype(np.int64), n_groups - 1)
    return [active & (group == g)[None, :] for g in range(n_groups)]


def _one_epoch(ex, da, label, cond, spec, *, names, measure, surrogates, block_size, seed, jitter, null, alpha,
               screen, screen_threshold, min_shift, rounds) -> dict:
    raw_lazy = da.sel(epoch=label).data
    raw = ex.load(raw_lazy)
    epoch_cond = cond
    if isinstance(cond, tuple):  # input neurons of this very epoch
        epoch_cond = ex.load(da.sel(epoch=label).isel(neuron=cond[1]).data)
    prep = ex.submit(_engine.prepare_epoch, raw, epoch_cond, epoch_label=int(label), seed=seed, jitter=jitter,
                     method=spec.method, neuron_names=names)
    tau_f = ex.submit(_engine.autocorr_time, prep, count=True)
    n_time, n_neuron = da.sizes["time"], da.sizes["neuron"]
    # the observed stage, split by targets on several workers like the surrogate rounds
    obs_cols = np.array_split(np.arange(n_neuron), _n_groups(1, ex.n_workers, n_neuron, spec.method))
    obs_f = [ex.submit(_engine.observed, prep, spec, np.isin(np.arange(n_neuron), c), count=True) for c in obs_cols]
    tau = ex.gather([tau_f])[0]
    shift_min = sig.choose_min_shift(int(tau.max()), lags=spec.lags, history=spec.history,
                                     theiler=spec.theiler) if min_shift is None else int(min_shift)
    # Shifts depend only on (seed, epoch, surrogate count): never on blocks or scheduler.
    rng = np.random.default_rng([int(seed), int(label) & 0xFFFFFFFF, 1])
    shifts = sig.draw_shifts(rng, surrogates, n_neuron, n_time, shift_min, label, alpha=alpha)
    distinct = sig.distinct_shifts(n_time, shift_min)  # surrogates beyond this many repeat a shift

    out: dict[str, Any] = {"autocorr_time": tau, "min_shift": shift_min}
    mask = None
    if screen:
        gc_obs_f = ex.submit(_engine.null_block, prep, spec, measure, np.zeros((1, n_neuron), dtype=np.int64),
                             method="gaussian_copula", count=True)
        # the screen draws every surrogate at once: one round of the same blocks
        gc_null_f = [ex.submit(_engine.null_block, prep, spec, measure, shifts[part], method="gaussian_copula",
                               count=True) for part in _rounds([surrogates], block_size)[0]]
        gc = ex.gather([gc_obs_f, *gc_null_f])
        gc_obs, gc_null = gc[0][0], np.concatenate(gc[1:])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN diagonal
            gc_peak, gc_null_peak = np.nanmax(gc_obs, axis=0), np.nanmax(gc_null, axis=1)
        p_screen = sig.pvalues(gc_peak, gc_null_peak, kind=null, distinct=distinct)["pvalue"]
        mask = np.nan_to_num(p_screen, nan=1.0) <= screen_threshold
        out["pvalue_screen"], out["screened"] = p_screen, mask
    off = ~np.eye(n_neuron, dtype=bool)
    active = off.copy() if mask is None else mask & off
    alive = active.copy()  # tested pairs BH may still reject: neither screened out nor stopped for futility
    counts = np.zeros((n_neuron, n_neuron), dtype=np.int64)
    null_stat = np.full((surrogates, len(spec.lags), n_neuron, n_neuron), np.nan)
    obs = stat = peak_obs = None
    for r, parts in enumerate(rounds):
        # Each block of surrogates is split by targets into groups of about equal numbers of active
        # pairs (only with several workers); a pair's values never depend on its group.
        n_groups = _n_groups(len(parts), ex.n_workers, n_neuron, spec.method)
        tasks = [(part, g) for part in parts for g in _target_groups(active, n_groups) if g.any()]
        futures = [ex.submit(_engine.null_block, prep, spec, measure, shifts[part], mask=g, count=True)
                   for part, g in tasks]
        for _ in range(len(parts) * n_groups - len(tasks)):
            ex.tick()  # empty groups (or nothing left to test) count as done
        got = ex.gather([*obs_f, *futures] if obs is None else futures)
        if obs is None:
            obs, got = _merge_observed(got[:len(obs_f)], obs_cols), got[len(obs_f):]
            stat = obs["te"] if measure == "te" else obs["tdmi"] - obs["mi"][None]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN diagonal
                peak_obs = np.nanmax(stat, axis=0)
        if not futures:
            continue
        stop = parts[-1].stop
        for (part, g), block in zip(tasks, got):
            null_stat[part][:, :, g] = block[:, :, g]
        counts[active] = stop
        if r + 1 < len(rounds):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                peak_so_far = np.nanmax(null_stat[:stop], axis=1)
            accepted, futile = sig.settled(peak_obs, peak_so_far, counts, active, kind=null, alpha=alpha,
                                           tested=off, alive=alive, distinct=distinct)
            active &= ~(accepted | futile)
            alive &= ~futile
    out.update(obs)
    out["n_surrogates"] = counts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN diagonal
        peak_null = np.nanmax(null_stat, axis=1)
    per_lag = sig.pvalues_ragged(stat, null_stat, counts, kind=null, distinct=distinct)
    peak = sig.pvalues_ragged(peak_obs, peak_null, counts, kind=null, distinct=distinct)
    p = peak["pvalue"]
    if mask is not None:
        # Pairs that failed the screen were not tested with KSG: p = 1 (self-pairs stay NaN).
        p = np.where(mask | ~off, p, 1.0)
        per_lag["pvalue"] = np.where(mask[None] | ~off[None], per_lag["pvalue"], 1.0)
    adjusted, significant = sig.fdr(p, alpha)
    out.update(pvalue=p, pvalue_lag=per_lag["pvalue"], pvalue_adjusted=adjusted, significant=significant,
               null_mean=peak["null_mean"], null_std=peak["null_std"], z=peak["z"], pvalue_source=peak["source"])
    return out


# --------------------------------------------------------------------------- result Dataset
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


def _peak(values: np.ndarray, lags) -> tuple[np.ndarray, np.ndarray]:
    finite = np.isfinite(values).any(axis=0)
    filled = np.where(np.isfinite(values), values, -np.inf)
    idx = filled.argmax(axis=0)
    peak = np.where(finite, np.take_along_axis(filled, idx[None], 0)[0], np.nan)
    lag = np.where(finite, np.asarray(lags)[idx], 0)
    return peak, lag.astype(np.int64)


def _netcdf_attrs(attrs: dict) -> dict:
    out = {}
    for key, val in attrs.items():
        if isinstance(val, (bool, np.bool_)):
            out[key] = int(val)
        elif isinstance(val, (str, numbers.Integral, numbers.Real)):
            out[key] = val
        elif isinstance(val, (list, tuple, np.ndarray)) and len(val):
            vals = list(val)
            if all(isinstance(v, (numbers.Real, np.number)) and not isinstance(v, bool) for v in vals):
                out[key] = vals
            elif all(isinstance(v, str) for v in vals):
                # netCDF-3 (scipy engine, used by save_dataset) has no string-list attributes.
                out[key] = ", ".join(vals)
    return out


def _assemble(da, labels, results, *, spec, measure, surrogates, alpha, null, sequential, screen, screen_threshold, seed,
              jitter, condition_on_input):
    import xarray as xr

    from infoflow import __version__

    names = [str(v) for v in da["neuron"].values]
    roles = [str(v) for v in da["role"].values]
    lags = list(spec.lags)
    pair, lag_pair = ("source", "target"), ("lag", "source", "target")
    nat = {"units": "nat"}

    def one(res) -> xr.Dataset:
        flow = res["tdmi"] - res["mi"][None]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            fpeak, peak_lag = _peak(flow, lags)
            te, te_lag = _peak(res["te"], lags)
        variables = {
            "entropy": (("neuron",), res["entropy"], {"long_name": "differential entropy", **nat}),
            "mi": (pair, res["mi"], {"long_name": "zero-lag mutual information", **nat}),
            "tdmi": (lag_pair, res["tdmi"], {"long_name": "time-delayed mutual information I(x_i(t); x_j(t+lag))",
                                             **nat}),
            "flow": (lag_pair, flow, {"long_name": "flow TDMI - MI (not an information quantity; can be negative)",
                                      **nat}),
            "net_flow": (pair, fpeak - fpeak.T, {"long_name": "net flow F_ij - F_ji of peak-over-lags flow", **nat}),
            "peak_lag": (pair, peak_lag, {"long_name": "lag of peak flow (0: none, diagonal)", "units": "step"}),
            "te": (pair, te, {"long_name": "transfer entropy, peak over lags", **nat}),
            "te_lag": (lag_pair, res["te"], {"long_name": "transfer entropy at each lag", **nat}),
            "te_peak_lag": (pair, te_lag, {"long_name": "lag of peak transfer entropy (0: none)", "units": "step"}),
            "pvalue": (pair, res["pvalue"], {"long_name": f"p-value of peak-over-lags {measure}", "units": "1",
                                             "null": null}),
            "pvalue_source": (pair, res["pvalue_source"], {"long_name": "which p-value the pair got", "units": "1",
                                                           "flag_meanings": ", ".join(f"{i}: {m}" for i, m in
                                                                                      enumerate(sig.PVALUE_SOURCES))}),
            "pvalue_lag": (lag_pair, res["pvalue_lag"], {"long_name": f"p-value of {measure} at each lag",
                                                         "units": "1"}),
            "pvalue_adjusted": (pair, res["pvalue_adjusted"], {"long_name": "Benjamini-Hochberg adjusted p-value",
                                                               "units": "1"}),
            "significant": (pair, res["significant"], {"long_name": f"significant {measure} at FDR {alpha}"}),
            f"{measure}_null_mean": (pair, res["null_mean"], {"long_name": f"surrogate mean of peak {measure}",
                                                             **nat}),
            f"{measure}_null_std": (pair, res["null_std"], {"long_name": f"surrogate std of peak {measure}", **nat}),
            f"{measure}_z": (pair, res["z"], {"long_name": f"z-score of peak {measure} against surrogates",
                                              "units": "1"}),
            "n_surrogates": (pair, res["n_surrogates"], {"long_name": "surrogates drawn for the pair (sequential "
                                                          "testing stops settled pairs early)", "units": "1"}),
            "autocorr_time": (("neuron",), res["autocorr_time"], {"long_name": "autocorrelation time (1/e)",
                                                                  "units": "step"}),
        }
        if screen:
            variables["screened"] = (pair, res["screened"], {"long_name": "passed the gaussian-copula screen"})
            variables["pvalue_screen"] = (pair, res["pvalue_screen"], {"long_name": "gaussian-copula screening "
                                                                       "p-value", "units": "1"})
        return xr.Dataset({k: xr.Variable(*v) for k, v in variables.items()})

    parts = [one(r) for r in results]
    if len(parts) == 1:
        ds = parts[0].assign_coords(epoch=labels[0])
    else:
        ds = xr.concat(parts, dim="epoch", data_vars="all", coords="minimal", compat="override")
        ds = ds.assign_coords(epoch=labels)
        ds["min_shift_epoch"] = ("epoch", np.array([r["min_shift"] for r in results]),
                                 {"long_name": "minimum circular shift", "units": "step"})
    coords = {"source": names, "target": names, "neuron": names, "lag": lags,
              "source_role": ("source", roles), "target_role": ("target", roles), "role": ("neuron", roles)}
    if "layer" in da.coords and da["layer"].dims == ("neuron",):
        layer = da["layer"].values
        coords.update(source_layer=("source", layer), target_layer=("target", layer), layer=("neuron", layer))
    ds = ds.assign_coords(coords)
    attrs = _netcdf_attrs(dict(da.attrs))
    attrs.update({
        "long_name": "information flow between neuron pairs", "units": "nat", "estimator": spec.method,
        "theiler": spec.theiler, "jitter": float(jitter), "seed": int(seed), "surrogates": int(surrogates),
        "surrogate_kind": "circular time shift of the source",
        "min_shift": int(max(r["min_shift"] for r in results)), "null": null,
        "null_model": ("exponential (GPD shape 0) tail fitted to the top 20% of surrogates, predictive (Lomax) form, "
                       "beyond the largest surrogate unless the tail is heavy; empirical otherwise (pvalue_source); "
                       "never below 1/(distinct shifts + 1)"
                       if null == "fit" else "empirical rank, (1 + #exceeding) / (surrogates + 1)"),
        "sequential": int(sequential),
        "sequential_rule": ("rounds ending at " + ", ".join(str(m) for m in sig.checkpoints(surrogates, True))
                            + " surrogates; a pair stops for futility when P(Binomial(m, a) >= its exceedances) < "
                            f"{sig.FUTILITY_LEVEL:g}, a = alpha x (pairs still rejectable / pairs tested), the largest "
                            "p-value BH could still reject; or as accepted when BH on the current p-values x "
                            f"{sig.ACCEPT_MARGIN:g} rejects it" if sequential else
                            "off: every tested pair gets every surrogate"),
        "alpha": float(alpha), "fdr": "bh",
        "measure": measure, "tested": f"peak over lags of {measure}", "lags": lags, "history": spec.history,
        "condition_on_input": int(condition_on_input), "screen": int(screen),
        "n_samples": int(da.sizes["time"]), "n_epochs_analysed": len(labels),
        "infoflow_version": __version__,
    })
    if spec.method == "ksg":
        attrs["k"] = spec.k
    if screen:
        attrs.update(screen_estimator="gaussian_copula", screen_threshold=float(screen_threshold),
                     screen_note="pairs that failed the gaussian-copula screen were not tested with KSG; "
                                 "their pvalue is 1")
    ds.attrs = attrs
    return ds

