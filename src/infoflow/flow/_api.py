"""``information_flow``: all-pairs information flow with surrogate significance (flow layer).

Sits after :mod:`infoflow.estimators` and before structure / bottleneck / dynamics, which read the
Dataset it returns (saved as ``flow.nc``). Users import it as ``infoflow.flow.information_flow``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from infoflow._defaults import (
    DEFAULT_ALPHA,
    DEFAULT_JITTER,
    DEFAULT_LAGS,
    DEFAULT_SEED,
    DEFAULT_SURROGATES,
    FLOW_METHODS,
)
from infoflow._validation import (
    SEED_CONSTRAINTS,
    Anything,
    CallableOK,
    InstanceOf,
    Interval,
    InvalidParameterError,
    NoneOK,
    Options,
    Seed,
    root_seed,
    validate_params,
)
from infoflow.flow import _schedule
from infoflow.flow._assemble import assemble
from infoflow.flow._input import FUNC, read_activity, resolve_k
from infoflow.flow._plan import make_plan
from infoflow.flow._sequential import run_epoch

if TYPE_CHECKING:
    import xarray as xr

METHODS = FLOW_METHODS
MEASURES = ("te", "flow")
PVALUES = ("fit", "empirical")


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
    "pvalue": [Options(*PVALUES)],
    "sequential": [Options("auto"), InstanceOf(bool)],
    "min_shift": [Interval(int, 1, None), NoneOK()],
    "epochs": [Anything()],  # "all", "last", an epoch label or a list of them; checked against the data
    "roles": [Anything(), NoneOK()],
    "seed": SEED_CONSTRAINTS,
    "jitter": [Interval(float, 0, None)],
    "scheduler": [_schedule.SchedulerOption()],
    "block_size": [Interval(int, 1, None), NoneOK()],
    "callback": [CallableOK(), NoneOK()],
})
def information_flow(activity: Any, /, *, lags: int | Sequence[int] = DEFAULT_LAGS, method: str = "ksg",
                     measure: str = "te", surrogates: int = DEFAULT_SURROGATES, alpha: float = DEFAULT_ALPHA,
                     history: int = 1, condition_on_input: bool = False, theiler: int = 0, k: int | None = None,
                     screen: bool = False, screen_threshold: float = 0.1, pvalue: str = "fit",
                     sequential: bool | str = "auto", min_shift: int | None = None, epochs: Any = "all",
                     roles: Any = None, seed: Seed = DEFAULT_SEED, jitter: float = DEFAULT_JITTER,
                     scheduler: Any = None, block_size: int | None = None,
                     callback: Callable[[int, int], Any] | None = None) -> xr.Dataset:
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
        ``inputs``, else the neurons with role "input"; an input neuron as target is conditioned on
        the other input neurons, not on itself), which strips the daily cycle every neuron shares.
    theiler : int, default=0
        KSG Theiler window: neighbours closer than this many steps in time are ignored. It also
        widens the minimum shift, which is all it does with method="gaussian_copula".
    k : int or None, default=None
        KSG neighbours; None means 4. Error if set with method="gaussian_copula".
    screen : bool, default=False
        With method="ksg": test every pair first with the Gaussian-copula estimator (and its own
        surrogates, same shifts); only pairs with a screening p-value <= `screen_threshold` get KSG
        surrogates, the others get ``pvalue`` 1 (flagged by ``screened``).
    screen_threshold : float, default=0.1
        Lenient, uncorrected p-value a pair needs in the screen to be tested with KSG.
    pvalue : {"fit", "empirical"}, default="fit"
        "fit": above the top 20% of the surrogates, p-value from an exponential tail fitted to them
        (can go below 1/(surrogates+1), so FDR over many pairs is possible); below, the empirical
        p-value. "empirical": (1 + #exceeding)/(S + 1). The ``pvalue_model`` attr says which was used.
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
    seed : int, None or numpy.random.Generator, default=0
        Seeds the jitter (per epoch) and the surrogate shifts: same seed, same numbers. Epoch ``e``
        is prepared exactly as the estimators prepare it with
        ``seed=np.random.default_rng([seed, e])``, so each cell of ``mi``, ``tdmi`` and ``te_lag``
        equals :func:`~infoflow.estimators.pairwise_mutual_information` or
        :func:`~infoflow.estimators.pairwise_transfer_entropy` of that epoch with that seed, bitwise.
        A Generator is consumed: one root int is drawn from it and used as the int seed (recorded in
        the ``seed`` attr); None draws that root from fresh entropy.
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

        Attrs: estimator, k (KSG), theiler, jitter, seed, surrogates, min_shift, pvalue, alpha, fdr, measure,
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
    floor, hence the default tail fit (``pvalue`` attr records which was used). A normal fit would be
    anti-conservative there: MI/TE nulls are right-skewed (2n I is about chi-square), more so for a
    maximum over lags; the exponential tail is heavier. FDR is Benjamini-Hochberg over the
    ordered pairs of each epoch separately.

    With ``screen=True`` the observed KSG estimates are still computed for every pair (that is
    one of S + 1 estimates); only the KSG surrogates are restricted to pairs that pass.

    Sequential testing draws the surrogates in rounds that end at 10, 20, 40, 80, ... and finally
    `surrogates`. After each round a pair stops when its decision is settled: either so many of
    its surrogates reach its observed statistic that a pair with the largest p-value BH could still
    reject (alpha times the share of pairs not yet ruled out) would show that many with
    probability under 0.001 (futility; Besag & Clifford 1991), or (``pvalue="fit"``)
    Benjamini-Hochberg on every pair's current p-value times the number of looks at which a pair
    can stop (4 with 100 surrogates) already rejects it, and then the final BH rejects it whatever
    the other pairs show (acceptance). Its p-value is computed from
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
    seed = root_seed(seed)  # a Generator gives one root int; the per-epoch streams are keyed by it
    k = resolve_k(method, k)
    if screen and method != "ksg":
        raise InvalidParameterError(f"{FUNC}: screen=True screens KSG with the Gaussian copula; it needs "
                                    f"method='ksg', got method={method!r}.")
    inp = read_activity(activity, roles=roles, lags=lags, epochs=epochs, condition_on_input=condition_on_input,
                        method=method, k=k, history=history, theiler=theiler)
    executor = _schedule.make_executor(scheduler)
    plan = make_plan(method=method, measure=measure, lags=inp.lags, history=history, k=k, theiler=theiler,
                     surrogates=surrogates, alpha=alpha, pvalue=pvalue, sequential=sequential, block_size=block_size,
                     screen=screen, screen_threshold=screen_threshold, min_shift=min_shift, seed=seed, jitter=jitter,
                     condition_on_input=condition_on_input, n_workers=executor.n_workers,
                     on_dask=isinstance(executor, _schedule.DaskExecutor))
    progress = {"done": 0,
                "total": _schedule.tasks_per_epoch(plan, executor.n_workers, inp.n_neuron) * len(inp.labels)}

    def tick() -> None:
        progress["done"] += 1
        if callback is not None:
            callback(progress["done"], progress["total"])

    executor.tick = tick
    try:
        results = [run_epoch(executor, inp, label, plan) for label in inp.labels]
    finally:
        executor.close()
    return assemble(inp, results, plan)
