"""Information plane: I(X;T) and I(T;Y) per epoch for the hidden population and each hidden neuron.

Pipeline place: reads recordings (docs/design.md), calls :mod:`infoflow.estimators` for every
number, and returns a labelled Dataset that :mod:`infoflow.dynamics`, the report and the CLI read
(saved as ``information_plane.nc``). Users call :func:`infoflow.bottleneck.information_plane`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import xarray as xr

from infoflow import __version__
from infoflow._defaults import DEFAULT_ALPHA, DEFAULT_BANDWIDTH, DEFAULT_BINS, DEFAULT_K, DEFAULT_NOISE_SD, DEFAULT_SEED
from infoflow._validation import (
    SEED_CONSTRAINTS,
    Anything,
    CallableOK,
    InfoflowWarning,
    InstanceOf,
    Interval,
    NoneOK,
    Seed,
    root_seed,
    validate_params,
)
from infoflow.bottleneck._recordings import as_recordings, count_tied_units, hidden_activity
from infoflow.bottleneck._verdict import (
    COMPRESSION_CRITERION,
    NOISE_FACTOR,
    REL_DROP,
    _dataset_verdict,
    neuron_correlation,
)

ESTIMATORS = ("binning", "kde", "ksg", "gaussian_copula")
DEFAULT_WINDOW = 24


def input_history(inputs: Any, window: int) -> np.ndarray:
    """Stack the last `window` input vectors into one row per time step.

    Row ``r`` holds ``inputs[r : r + window]`` flattened (oldest first), i.e. the history X_t that
    ends at step ``t = r + window - 1``; it is aligned with activity and target at that ``t``.
    Returns float64 of shape (n_time - window + 1, window * n_channel).
    """
    x = np.asarray(getattr(inputs, "values", inputs), dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    n, c = x.shape
    win = np.lib.stride_tricks.sliding_window_view(x, window, axis=0)  # (n-w+1, c, w)
    return np.ascontiguousarray(win.transpose(0, 2, 1).reshape(n - window + 1, window * c))


def quantile_groups(y: np.ndarray, n_groups: int) -> np.ndarray:
    """Label each sample of a 1-D `y` by its equal-count quantile group, shape (n, 1) float.

    The KDE estimator conditions on groups of equal values (class labels in Saxe et al. 2018); a
    continuous target is grouped into `n_groups` quantile bins first.
    """
    edges = np.quantile(y, np.linspace(0, 1, n_groups + 1)[1:-1])
    return np.searchsorted(edges, y, side="right").astype(np.float64)[:, None]


def _method_options(method: str, bins: int, bandwidth: float, k: int,
                    target_groups: int) -> tuple[dict[str, Any], str]:
    """Keywords for the estimator and the regulariser string recorded with its numbers."""
    if method == "binning":
        return {"bins": bins}, f"bins={bins}"
    if method == "kde":
        return {"bandwidth": bandwidth}, f"noise_variance={bandwidth:g}; Y in {target_groups} quantile groups"
    if method == "ksg":
        return {"k": k}, f"k={k}"
    return {}, "gaussian_copula"


def _mi_target(mutual_information: Callable, t: np.ndarray, y: np.ndarray, y_groups: np.ndarray, est: str,
               kw: dict[str, Any]) -> float:
    """I(T;Y). The KDE bound adds its noise to the second argument and groups rows of the first by
    equality, so T goes second and Y enters as quantile groups (whose ties warn by design)."""
    if est != "kde":
        return float(mutual_information(t, y, method=est, **kw))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*distinct values.*", category=InfoflowWarning)
        return float(mutual_information(y_groups, t, method=est, **kw))


@validate_params({
    "recordings": [Anything()],
    "estimators": [InstanceOf(tuple, list)],
    "window": [Interval(int, 1, None)],
    "bins": [NoneOK(), Interval(int, 2, None)],
    "bandwidth": [NoneOK(), Interval(float, 0, None, closed="neither")],
    "k": [NoneOK(), Interval(int, 1, None)],
    "target_groups": [NoneOK(), Interval(int, 2, None)],
    "noise_sd": [Interval(float, 0, None)],
    "per_neuron": [InstanceOf(bool)],
    "epochs": [NoneOK(), InstanceOf(tuple, list, np.ndarray, range)],
    "max_samples": [NoneOK(), Interval(int, 10, None)],
    "seed": SEED_CONSTRAINTS,
    "callback": [NoneOK(), CallableOK()],
})
def information_plane(recordings: Any, /, *, estimators: Sequence[str] = ("binning", "kde"),
                      window: int = DEFAULT_WINDOW,
                      bins: int | None = None, bandwidth: float | None = None, k: int | None = None,
                      target_groups: int | None = None, noise_sd: float = DEFAULT_NOISE_SD, per_neuron: bool = True,
                      epochs: Sequence[int] | None = None,
                      max_samples: int | None = None, seed: Seed = DEFAULT_SEED,
                      callback: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """I(X;T) and I(T;Y) per epoch, for the hidden population T and each hidden neuron, in nats.

    Parameters
    ----------
    recordings : Dataset or sequence of Datasets
        Recordings in the format of docs/design.md (``activity`` with ``role``, ``inputs``,
        ``target``), one per training seed.
    estimators : sequence of {"binning", "kde", "ksg", "gaussian_copula"}, default=("binning", "kde")
        MI estimators, each applied to every epoch; at least two make the plane comparable.
    window : int, default=24
        Steps of input history in X: X_t = (x_{t-window+1}, ..., x_t), shape (n, window*n_channel).
    bins : int or None, default=None
        Equal-width bins per variable for "binning"; None means DEFAULT_BINS (30).
    bandwidth : float or None, default=None
        Noise variance of the KDE upper bound (Kolchinsky & Tracey); None means DEFAULT_BANDWIDTH (0.1).
    k : int or None, default=None
        KSG neighbours; None means DEFAULT_K (4).
    target_groups : int or None, default=None
        For "kde" only: I(T;Y) conditions on the target grouped into this many equal-count quantile
        groups (the KDE bound needs discrete Y, like the class labels of Saxe et al.); None means
        DEFAULT_BINS (30).
    noise_sd : float, default=0.1
        If > 0, estimate I(X; T + noise_sd*Z) and I(T + noise_sd*Z; Y) with seeded standard Gaussian
        Z (Goldfeld et al. 2019), which is finite for a deterministic network (DEFAULT_NOISE_SD;
        without it the copula's I(X;T) of a deterministic net is 16-20 nats and falls as units
        saturate). It is part of every estimator's regulariser and recorded in it; 0 turns it off.
    per_neuron : bool, default=True
        Also estimate I(h;X), I(h;Y) per hidden neuron and their correlation across neurons.
    epochs : sequence of int or None, default=None
        Epoch labels to analyse; None means all.
    max_samples : int or None, default=None
        Use at most this many evenly spaced time steps per epoch (for speed); None means all.
    seed : int, None or numpy.random.Generator, default=0
        Seed of the added noise; estimators get it too. Same seed, same numbers. A Generator is
        consumed (one root int is drawn from it, recorded in the ``seed`` attr); None draws it from
        fresh entropy.
    callback : callable(done, total) or None
        Progress, once per (recording, epoch).

    Returns
    -------
    plane : Dataset
        ``I_X``, ``I_Y`` (seed, epoch, estimator): population I(X;T), I(T;Y); ``regulariser``
        (estimator) coordinate: the bin count, KDE noise variance or k behind each number;
        ``compression`` (more than half the seeds compress), ``compression_finding``,
        ``at_ceiling``, ``turning_epoch``, ``peak_epoch``, ``fitting_phase``,
        ``compression_reason`` (estimator) and ``compression_seed``,
        ``turning_epoch_seed`` (seed, estimator): the verdict of :func:`compression_verdict`
        (turning epoch NaN when no compression). With ``per_neuron``: ``I_X_neuron``,
        ``I_Y_neuron`` (seed, epoch, estimator, neuron) and ``neuron_corr``, ``neuron_corr_low``,
        ``neuron_corr_high`` (seed, epoch, estimator): Pearson r across neurons of I(h;X) vs I(h;Y)
        with a 95 % Fisher-z interval. Attrs: units "nat", window, noise_sd, bins, bandwidth, k,
        seed, n_samples, criterion, infoflow_version, and the first recording's attrs.

    Notes
    -----
    For a deterministic network and continuous inputs the true I(X;T) is infinite; every finite
    value here is set by its regulariser (bin width, KDE noise variance, k, noise_sd), which is
    therefore stored beside it. Binning treats each row's bin tuple as one symbol, so with many
    neurons and few samples every row is unique and I(X;T) saturates at log(n) for every epoch;
    saturating tanh units fall into the outer bins and look "compressed" (Saxe et al. 2018).
    Time steps within an epoch are autocorrelated, so the effective sample size is below n.

    References
    ----------
    Tishby N, Zaslavsky N (2015). doi:10.1109/ITW.2015.7133169. Shwartz-Ziv R, Tishby N (2017).
    arXiv:1703.00810. Saxe AM et al. (2018). doi:10.1088/1742-5468/ab3985. Kolchinsky A, Tracey BD
    (2017). doi:10.3390/e19070361. Goldfeld Z et al. (2019). ICML, arXiv:1810.05728.
    """
    from infoflow.estimators import mutual_information

    func = "information_plane"
    seed = root_seed(seed)  # the noise streams are keyed by (seed, recording, epoch)
    recs, seeds = as_recordings(recordings, func=func, require=("activity", "inputs", "target"))
    ests = tuple(str(e) for e in estimators)
    if not ests:
        raise ValueError(f"{func}: estimators is empty; choose from {list(ESTIMATORS)}.")
    for name in ests:
        if name not in ESTIMATORS:
            import difflib
            close = difflib.get_close_matches(name, ESTIMATORS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{func}: unknown estimator {name!r}; choose from {list(ESTIMATORS)}.{hint}")
    if len(set(ests)) != len(ests):
        raise ValueError(f"{func}: estimators {list(ests)} has duplicates.")
    bins_ = DEFAULT_BINS if bins is None else bins
    bw = DEFAULT_BANDWIDTH if bandwidth is None else float(bandwidth)
    k_ = DEFAULT_K if k is None else k
    groups = DEFAULT_BINS if target_groups is None else target_groups
    opts = {e: _method_options(e, bins_, bw, k_, groups) for e in ests}
    if noise_sd > 0:
        opts = {e: (kw, f"{reg}; noise_sd={noise_sd:g}") for e, (kw, reg) in opts.items()}

    prepared = []
    for i, ds in enumerate(recs):
        hidden = hidden_activity(ds, func=func)
        if epochs is not None:
            missing = sorted(set(int(e) for e in epochs) - set(int(e) for e in hidden["epoch"].values))
            if missing:
                raise ValueError(f"{func}: recording {i} has no epoch(s) {missing}; it has "
                                 f"{[int(e) for e in hidden['epoch'].values]}.")
            hidden = hidden.sel(epoch=[int(e) for e in epochs])
        inputs = np.asarray(ds["inputs"].transpose("time", ...).values, dtype=np.float64)
        target = np.asarray(ds["target"].values, dtype=np.float64).ravel()
        n_time = hidden.sizes["time"]
        if inputs.shape[0] != n_time or target.shape[0] != n_time:
            raise ValueError(f"{func}: recording {i} has {n_time} activity steps but inputs has {inputs.shape[0]} and "
                             f"target {target.shape[0]}; all three must share the time axis.")
        if not (np.isfinite(inputs).all() and np.isfinite(target).all()):
            raise ValueError(f"{func}: recording {i} has NaN/inf in inputs or target; clean the recording first.")
        if n_time - window + 1 < 20:
            raise ValueError(f"{func}: recording {i} has {n_time} time steps; window={window} leaves "
                             f"{n_time - window + 1} samples and at least 20 are needed. Lower window or record "
                             "longer.")
        x_hist = input_history(inputs, window)
        keep = np.arange(x_hist.shape[0])
        if max_samples is not None and keep.size > max_samples:
            keep = np.unique(np.linspace(0, keep.size - 1, max_samples).round().astype(int))
        y = target[window - 1:][keep]
        prepared.append((hidden, x_hist[keep], y, quantile_groups(y, groups), keep + window - 1))

    total = sum(p[0].sizes["epoch"] for p in prepared)
    done = 0
    per_rec = []
    n_warn = 0
    for i, (hidden, x_hist, y, y_groups, rows) in enumerate(prepared):
        ep_labels = hidden["epoch"].values
        n_ep, n_neu = hidden.sizes["epoch"], hidden.sizes["neuron"]
        ix = np.full((n_ep, len(ests)), np.nan)
        iy = np.full_like(ix, np.nan)
        ixn = np.full((n_ep, len(ests), n_neu), np.nan)
        iyn = np.full_like(ixn, np.nan)
        for e in range(n_ep):
            t = hidden.values[e][rows]
            if noise_sd > 0:
                # one stream per (recording, epoch): numbers do not depend on which estimators run
                t = t + noise_sd * np.random.default_rng([seed, i, int(ep_labels[e])]).standard_normal(t.shape)
            n_warn += count_tied_units(t, func=func)
            # the estimators would repeat the tie warnings for every call (and for tied input
            # channels, e.g. temperatures recorded to 0.1 degree); they are counted once above
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InfoflowWarning)
                for j, est in enumerate(ests):
                    kw = opts[est][0]
                    ix[e, j] = float(mutual_information(x_hist, t, method=est, **kw))
                    iy[e, j] = _mi_target(mutual_information, t, y, y_groups, est, kw)
                    if per_neuron:
                        for n in range(n_neu):
                            h = np.ascontiguousarray(t[:, n])
                            ixn[e, j, n] = float(mutual_information(x_hist, h, method=est, **kw))
                            iyn[e, j, n] = _mi_target(mutual_information, h, y, y_groups, est, kw)
            done += 1
            if callback is not None:
                callback(done, total)
        coords = {"epoch": ep_labels, "estimator": list(ests)}
        parts: dict[str, tuple[tuple[str, ...], np.ndarray]] = {"I_X": (("epoch", "estimator"), ix),
                                                                "I_Y": (("epoch", "estimator"), iy)}
        if per_neuron:
            coords["neuron"] = [str(v) for v in hidden["neuron"].values]
            parts["I_X_neuron"] = (("epoch", "estimator", "neuron"), ixn)
            parts["I_Y_neuron"] = (("epoch", "estimator", "neuron"), iyn)
        per_rec.append(xr.Dataset(parts, coords=coords))
    if n_warn:
        warnings.warn(f"{func}: {n_warn} (recording, epoch, hidden unit) combinations are constant or heavily tied "
                      "(saturated or dead units); their information is unreliable. The count is in "
                      "attrs['n_warnings'].",
                      InfoflowWarning, stacklevel=3)

    plane = xr.concat(per_rec, dim=xr.DataArray(seeds, dims="seed", name="seed"), join="outer")
    plane = plane.assign_coords(regulariser=("estimator", [opts[e][1] for e in ests]))
    if per_neuron:
        plane = _add_neuron_corr(plane)
    for name, long in (("I_X", "I(X;T): input history and hidden population"),
                       ("I_Y", "I(T;Y): hidden population and target"),
                       ("I_X_neuron", "I(h;X): one hidden neuron and input history"),
                       ("I_Y_neuron", "I(h;Y): one hidden neuron and target")):
        if name in plane:
            plane[name].attrs.update(long_name=long, units="nat")
    plane.attrs["n_samples"] = int(prepared[0][1].shape[0])
    plane = _add_verdict(plane)
    attrs = {k_: v for k_, v in recs[0].attrs.items() if isinstance(v, (str, int, float, list))}
    attrs.update({
        "long_name": "information plane", "units": "nat", "window": int(window), "noise_sd": float(noise_sd),
        "bins": int(bins_) if "binning" in ests else "none", "bandwidth": float(bw) if "kde" in ests else "none",
        "k": int(k_) if "ksg" in ests else "none",
        "target_groups": int(groups) if "kde" in ests else "none", "seed": int(seed),
        "n_samples": int(prepared[0][1].shape[0]),
        "n_channel_x": int(prepared[0][1].shape[1]), "n_warnings": int(n_warn),
        "max_samples": "none" if max_samples is None else int(max_samples),
        "compression_criterion": COMPRESSION_CRITERION, "compression_rel_drop": REL_DROP,
        "compression_noise_factor": NOISE_FACTOR, "compression_alpha": DEFAULT_ALPHA,
        "neuron_corr_ci": "Pearson r across hidden neurons, 95% Fisher-z interval",
        "infoflow_version": __version__,
    })
    plane.attrs = attrs
    return plane


def _add_neuron_corr(plane: xr.Dataset) -> xr.Dataset:
    shape = (plane.sizes["seed"], plane.sizes["epoch"], plane.sizes["estimator"])
    r, lo, hi = (np.full(shape, np.nan) for _ in range(3))
    ixn, iyn = plane["I_X_neuron"].values, plane["I_Y_neuron"].values
    for idx in np.ndindex(*shape):
        c = neuron_correlation(ixn[idx], iyn[idx], method="fisher")
        if c["r"] is not None:
            r[idx], lo[idx], hi[idx] = c["r"], c["low"], c["high"]
    dims = ("seed", "epoch", "estimator")
    plane["neuron_corr"] = (dims, r, {"long_name": "corr. across neurons of I(h;X) and I(h;Y)", "units": "1"})
    plane["neuron_corr_low"] = (dims, lo, {"long_name": "lower 95% Fisher-z bound of neuron_corr", "units": "1"})
    plane["neuron_corr_high"] = (dims, hi, {"long_name": "upper 95% Fisher-z bound of neuron_corr", "units": "1"})
    return plane


def _add_verdict(plane: xr.Dataset) -> xr.Dataset:
    # attrs["n_samples"] (set by the caller) decides the ceiling ln n of binning and KDE
    verdict = _dataset_verdict(plane, rel_drop=REL_DROP, noise_factor=NOISE_FACTOR)
    ests = [str(e) for e in plane["estimator"].values]
    seeds = [int(s) for s in plane["seed"].values]

    def _ep(v: dict) -> float:
        return float(v["turning_epoch"]) if v["turning_epoch"] is not None else np.nan

    plane["compression"] = ("estimator", [int(verdict[e]["compression"]) for e in ests],
                            {"long_name": "compression phase in more than half the seeds (1 yes, 0 no)", "units": "1"})
    plane["compression_finding"] = ("estimator", [verdict[e]["finding"] for e in ests],
                                    {"long_name": "finding held by more than half the seeds"})
    plane["at_ceiling"] = ("estimator", [int(verdict[e]["excluded"]) for e in ests],
                           {"long_name": "I(X;T) at the estimator's ceiling ln n: left out of the vote", "units": "1"})
    plane["turning_epoch"] = ("estimator", [np.nan if verdict[e]["turning_epoch"] is None
                                            else float(verdict[e]["turning_epoch"]) for e in ests],
                              {"long_name": "median epoch of max I(X;T) before compression (NaN: none)",
                               "units": "epoch"})
    plane["peak_epoch"] = ("estimator", [np.nan if verdict[e]["mean"]["peak_epoch"] is None
                                         else float(verdict[e]["mean"]["peak_epoch"]) for e in ests],
                           {"long_name": "epoch of the peak before the largest fall of seed-mean I(X;T)",
                            "units": "epoch"})
    plane["fitting_phase"] = ("estimator", [int(verdict[e]["mean"]["fitting_phase"]) for e in ests],
                              {"long_name": "seed-mean I(X;T) rose before its peak (1 yes, 0 no)", "units": "1"})
    plane["compression_reason"] = ("estimator", [verdict[e]["reason"] for e in ests],
                                   {"long_name": "one-sentence reason for the compression verdict"})
    plane["compression_seed"] = (("seed", "estimator"),
                                 [[int(verdict[e]["seeds"][s]["compression"]) for e in ests] for s in seeds],
                                 {"long_name": "compression phase per seed (1 yes, 0 no)", "units": "1"})
    plane["compression_pvalue_seed"] = (("seed", "estimator"),
                                        [[np.nan if verdict[e]["seeds"][s]["pvalue"] is None
                                          else verdict[e]["seeds"][s]["pvalue"] for e in ests] for s in seeds],
                                        {"long_name": "bootstrap p-value of the fall per seed (drifting-curve null)",
                                         "units": "1"})
    plane["finding_seed"] = (("seed", "estimator"), [[verdict[e]["seeds"][s]["finding"] for e in ests] for s in seeds],
                             {"long_name": "compression finding per seed"})
    plane["turning_epoch_seed"] = (("seed", "estimator"), [[_ep(verdict[e]["seeds"][s]) for e in ests] for s in seeds],
                                   {"long_name": "turning epoch per seed (NaN: none)", "units": "epoch"})
    return plane
