"""The all-pairs engine: pairwise (time-delayed, conditional) MI and transfer entropy of a recording.

Place in the pipeline: public layer of ``infoflow.estimators``, used by ``infoflow.flow`` and by
users through :func:`infoflow.estimators.pairwise_mutual_information` and
:func:`infoflow.estimators.pairwise_transfer_entropy` (re-exported; do not import this module).

Order of work, which fixes what a number may depend on:

1. validate once (types, shapes, NaN, sample counts after lag/history/theiler);
2. preprocess each channel ONCE per recording: KSG standardise + seeded jitter drawn in one call,
   Gaussian copula ranks -> normal scores; so a pair's value never depends on which other
   channels, batches or threads were involved;
3. cut each epoch separately into lagged pairs / TE embeddings (nothing straddles two epochs),
   stack epochs;
4. call the family's ``pairwise_mi`` / ``pairwise_cmi`` (or the torch path with ``device=``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from infoflow import __version__
from infoflow._defaults import DEFAULT_BANDWIDTH, DEFAULT_BINS, DEFAULT_JITTER, DEFAULT_K, DEFAULT_SEED
from infoflow._validation import (
    SEED_CONSTRAINTS,
    Anything,
    InstanceOf,
    Interval,
    InvalidParameterError,
    NoneOK,
    Options,
    Seed,
    check_array,
    check_method_options,
    check_seed,
    validate_params,
    warn_constant,
)
from infoflow.estimators import _preprocess as pp

if TYPE_CHECKING:
    import xarray as xr

METHODS = ("ksg", "gaussian_copula", "gaussian", "binning", "kde")
_MODULE = {"ksg": "ksg", "gaussian_copula": "gcmi", "gaussian": "gaussian", "binning": "binning", "kde": "kde"}
# which methods read each method-specific keyword (anything else raises if the keyword is set)
USED_BY = {
    "k": ("ksg",),
    "theiler": ("ksg",),
    "bins": ("binning",),
    "bandwidth": ("kde",),
    "bias_correct": ("gaussian_copula", "gaussian"),
    "device": ("ksg", "gaussian_copula"),
}

# constraints shared by every public estimator function (validate_params needs one per parameter)
C_DATA = [Anything()]
C_METHOD = [Options(*METHODS)]
C_K = [Interval(int, 1, None), NoneOK()]
C_THEILER = [Interval(int, 0, None)]
C_BINS = [Interval(int, 2, None), NoneOK()]
C_BANDWIDTH = [Interval(float, 0, None, closed="neither"), NoneOK()]
C_BIAS = [InstanceOf(bool), NoneOK()]
C_JITTER = [Interval(float, 0, None)]
C_SEED = SEED_CONSTRAINTS
C_HISTORY = [Interval(int, 1, None)]
C_FLAG = [InstanceOf(bool)]
C_NJOBS = [Interval(int, 1, None), Options(-1), NoneOK()]
C_DEVICE = [Options("cpu", "cuda"), NoneOK()]


@dataclass(frozen=True)
class Estimator:
    """Resolved estimator options: every method-specific keyword has its value (or None if unused)."""

    method: str
    k: int | None
    theiler: int
    bins: int | None
    bandwidth: float | None
    bias_correct: bool
    jitter: float
    seed: Any

    @property
    def family(self):
        # imported on first use: keeps `import infoflow.estimators` light and lets a missing
        # family fail only when it is asked for
        return importlib.import_module(f"infoflow.estimators.{_MODULE[self.method]}")

    def kwargs(self) -> dict[str, Any]:
        """Keywords of the family module's internal contract."""
        if self.method == "ksg":
            return {"k": self.k, "theiler": self.theiler}
        if self.method == "gaussian_copula":
            return {"bias_correct": self.bias_correct, "normalised": True}
        if self.method == "gaussian":
            return {"bias_correct": self.bias_correct}
        if self.method == "binning":
            return {"bins": self.bins}
        return {"bandwidth": self.bandwidth}

    def min_samples(self, n_dims: int) -> tuple[int, str]:
        """Smallest usable sample count for a joint space of `n_dims` dimensions, and why."""
        if self.method == "ksg":
            assert self.k is not None  # resolve_estimator fills k for ksg
            return self.k + 1 + 2 * self.theiler, f"k={self.k} with theiler={self.theiler}"
        if self.method in ("gaussian", "gaussian_copula"):
            return n_dims + 2, f"a {n_dims}-dimensional covariance"
        return 2, f"method={self.method!r}"

    def attrs(self) -> dict[str, Any]:
        """netCDF-safe attrs describing the estimator (no None: 'none' instead; flags as 0/1)."""
        if self.method == "binning":
            reg = f"equal-width bins={self.bins}"
        elif self.method == "kde":
            reg = f"gaussian noise variance={self.bandwidth}"
        elif self.method in ("gaussian", "gaussian_copula") and self.bias_correct:
            reg = "ince bias correction"
        else:
            reg = "none"
        if isinstance(self.seed, np.random.Generator):
            seed: Any = "generator"
        elif self.seed is None:
            seed = "none"
        else:
            seed = int(self.seed)
        return {"estimator": self.method, "k": int(self.k) if self.k is not None else "none",
                "regulariser": reg, "jitter": float(self.jitter) if self.method == "ksg" else 0.0,
                "seed": seed, "theiler": int(self.theiler), "bias_correct": int(self.bias_correct),
                "infoflow_version": __version__}


def resolve_estimator(func: str, method: str, *, k: int | None = None, theiler: int = 0,
                      bins: int | None = None, bandwidth: float | None = None,
                      bias_correct: bool | None = None, jitter: float = DEFAULT_JITTER,
                      seed: Any = DEFAULT_SEED, device: str | None = None) -> Estimator:
    """Check method-specific keywords against the method and fill in their defaults (one place)."""
    check_method_options(func, method, {"k": k, "theiler": theiler or None, "bins": bins,
                                        "bandwidth": bandwidth, "bias_correct": bias_correct,
                                        "device": device}, USED_BY)
    return Estimator(
        method=method,
        k=(DEFAULT_K if k is None else int(k)) if method == "ksg" else None,
        theiler=int(theiler),
        bins=(DEFAULT_BINS if bins is None else int(bins)) if method == "binning" else None,
        bandwidth=(DEFAULT_BANDWIDTH if bandwidth is None else float(bandwidth)) if method == "kde" else None,
        bias_correct=bool(bias_correct),
        jitter=float(jitter),
        seed=seed,
    )


def prepare(est: Estimator, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Per-channel preprocessing of (epoch, time, channel) arrays, once per recording.

    KSG: one jitter draw for all channels together (so a channel's jitter does not depend on the
    pairs formed later); Gaussian copula: normal scores per channel; other methods: raw values.
    """
    if est.method == "ksg":
        sizes = np.cumsum([a.shape[2] for a in arrays])[:-1]
        joint = pp.standardise_and_jitter(np.concatenate(arrays, axis=2), jitter=est.jitter,
                                          rng=check_seed(est.seed))
        return [np.ascontiguousarray(a) for a in np.split(joint, sizes, axis=2)]
    if est.method == "gaussian_copula":
        return [pp.copula_normalise(a) for a in arrays]
    return arrays


def no_conditional(func: str, method: str) -> None:
    """Raise for a conditional quantity (CMI, TE, condition=) asked of a method without one."""
    if method == "kde":
        raise InvalidParameterError(
            f"{func}: method='kde' has no conditional estimator (CMI, transfer entropy, condition=). "
            "Use method='ksg', 'gaussian_copula', 'gaussian' or 'binning'.")


# --------------------------------------------------------------------------- input handling
@dataclass
class Recording:
    """A validated (epoch, time, channel) float64 array plus the labels needed for the output."""

    values: np.ndarray
    ids: list | None = None
    roles: list | None = None
    attrs: dict | None = None
    is_xarray: bool = False


def as_recording(a: Any, *, name: str, func: str, channels: bool = True) -> Recording:
    """Validate a recording: (time, channel) or (epoch, time, channel) array or DataArray.

    With ``channels=False`` (one neuron, the single-pair functions) the accepted shapes are
    (time,) and (epoch, time) and a channel axis of length 1 is added.
    """
    import xarray as xr

    ids = roles = None
    attrs: dict = {}
    is_xr = isinstance(a, xr.DataArray)
    if is_xr:
        da = a
        dims = tuple(da.dims)
        want = ("epoch", "time", "neuron") if channels else ("epoch", "time")
        if channels and "neuron" not in dims and len(dims) == 2 and "time" in dims:
            other = [d for d in dims if d != "time"][0]
            da = da.rename({other: "neuron"})
            dims = tuple(da.dims)
        if not set(dims) <= set(want) or "time" not in dims or (channels and "neuron" not in dims):
            shape = "(time, neuron) or (epoch, time, neuron)" if channels else "(time,) or (epoch, time)"
            raise ValueError(f"{func}: {name} must have dims {shape}; got {dims}.")
        da = da.transpose(*[d for d in want if d in dims])
        if channels:
            if "neuron" in da.coords:
                ids = [str(v) for v in da["neuron"].values]
            if "role" in da.coords:
                roles = [str(r) for r in da["role"].values]
        attrs = dict(da.attrs)
        a = da.values
    ndim = (2, 3) if channels else (1, 2)
    arr = check_array(a, name=name, func=func, ndim=ndim)
    if channels:
        arr = arr[None] if arr.ndim == 2 else arr
    else:
        arr = (arr[None] if arr.ndim == 1 else arr)[:, :, None]
    if arr.shape[1] < 2:
        raise ValueError(f"{func}: {name} has {arr.shape[1]} time steps per epoch; at least 2 are needed.")
    if ids is None and channels:
        ids = [f"n{i}" for i in range(arr.shape[2])]
    return Recording(np.ascontiguousarray(arr), ids, roles, attrs, is_xr)


def as_condition(c: Any, *, n_epoch: int, n_time: int, func: str) -> np.ndarray | None:
    """Validate `condition`: (time,), (time, C) [same for every epoch] or (epoch, time, C)."""
    if c is None:
        return None
    dims = getattr(c, "dims", None)
    if dims is not None and "time" in dims:  # a DataArray: put epoch, time first, channels last
        c = c.transpose(*[d for d in ("epoch", "time") if d in dims], ...)
    arr = check_array(c, name="condition", func=func, ndim=(1, 2, 3))
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim == 2:
        if arr.shape[0] != n_time:
            raise ValueError(f"{func}: condition has {arr.shape[0]} time steps but the data have {n_time}; "
                             "pass it as (time, channel) or (epoch, time, channel) aligned with the data.")
        arr = np.broadcast_to(arr, (n_epoch, *arr.shape))
    elif arr.shape[:2] != (n_epoch, n_time):
        raise ValueError(f"{func}: condition has shape {arr.shape} but the data have {n_epoch} epochs of "
                         f"{n_time} steps; pass (time, channel) or (epoch, time, channel) matching them.")
    warn_constant(arr.reshape(-1, arr.shape[2]), name="condition", func=func)
    return np.ascontiguousarray(arr)


def check_same_grid(x: np.ndarray, y: np.ndarray, *, names: tuple[str, str], func: str) -> None:
    if x.shape[:2] != y.shape[:2]:
        raise ValueError(f"{func}: {names[0]} has {x.shape[0]} epochs x {x.shape[1]} steps but {names[1]} has "
                         f"{y.shape[0]} x {y.shape[1]}; they must be recorded on the same time grid.")


def check_samples(est: Estimator, *, func: str, n_epoch: int, n_time: int, lag: int,
                  history: int | None, n_dims: int) -> int:
    """Usable samples after lag/history (per epoch, then pooled); error naming what used them up."""
    per = pp.usable_steps_mi(n_time, lag) if history is None else pp.usable_steps_te(n_time, lag, history)
    spent = f"lag={lag}" + ("" if history is None else f", history={history}")
    if per < 1:
        raise ValueError(f"{func}: epochs of {n_time} time steps have no usable samples after {spent}. "
                         "Use a smaller lag or history, or record longer epochs.")
    total = n_epoch * per
    need, why = est.min_samples(n_dims)
    if total < need:
        raise ValueError(f"{func}: {total} usable samples ({n_epoch} epoch(s) x {per} steps after {spent}, "
                         f"theiler={est.theiler}); {why} needs at least {need}. Lower k, theiler, lag or "
                         "history, or record longer epochs.")
    return total


# --------------------------------------------------------------------------- the engine
def compute_matrix(est: Estimator, X: np.ndarray, Y: np.ndarray | None, C: np.ndarray | None, *,
                   lag: int, history: int | None, n_jobs: int | None = None,
                   device: str | None = None) -> np.ndarray:
    """(N, M) matrix of I(X_i(t); Y_j(t+lag) [| C(t+lag)]) (history None) or TE(X_i -> Y_j).

    X, Y, C are validated (epoch, time, channel) arrays; Y None means Y = X (same preprocessing,
    so self-pairs see identical values).
    """
    arrays = [X] + ([] if Y is None else [Y]) + ([] if C is None else [C])
    prepped = prepare(est, arrays)
    Xp = prepped[0]
    Yp = Xp if Y is None else prepped[1]
    Cp = prepped[-1] if C is not None else None
    xs, ys, Z = embed(Xp, Yp, Cp, lag=lag, history=history)
    if device is not None:
        from infoflow.estimators import _gpu

        if Z is None:
            out = _gpu.pairwise_mi(xs, ys, est=est, device=device)
        else:
            out = _gpu.pairwise_cmi(xs, ys, Z, est=est, device=device)
    else:
        out = family_matrix(est, xs, ys, Z, n_jobs=n_jobs)
    out = np.array(out, dtype=np.float64)
    # with Y=None: lag-0 self-MI is the entropy (infinite for continuous data); with lag <= history
    # the source sample is already in the target's history, so self-TE is identically zero
    if Y is None and ((history is None and lag == 0) or (history is not None and lag <= history)):
        np.fill_diagonal(out, np.nan)
    return out


def embed(Xp: np.ndarray, Yp: np.ndarray, Cp: np.ndarray | None, *, lag: int,
          history: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Prepared (epoch, time, channel) arrays -> the family functions' inputs.

    Returns sources ``xs`` (n, N), targets ``ys`` (n, M) and each target's conditioning set ``Z``
    (M, n, dz), or None when there is nothing to condition on: the lagged pairs (`history` None; Z is
    the condition at the target's step) or the TE embedding (Z is the target's history, then the
    condition). Used by :func:`compute_matrix` and by the flow engine, which passes circularly
    shifted sources (surrogates) of the same prepared recording.
    """
    if history is None:
        xs, ys, cs = pp.lagged_pairs(Xp, Yp, lag, Cp)
        Z = None if cs is None else np.ascontiguousarray(np.broadcast_to(cs, (ys.shape[1], *cs.shape)))
    else:
        xs, ys, Z, cs = pp.te_embedding(Xp, Yp, lag, history, Cp)
        if cs is not None:
            Z = np.ascontiguousarray(np.concatenate(
                [Z, np.broadcast_to(cs, (ys.shape[1], *cs.shape))], axis=2))
    return xs, ys, Z


def family_matrix(est: Estimator, xs: np.ndarray, ys: np.ndarray, Z: np.ndarray | None, *,
                  n_jobs: int | None = None, pairs: np.ndarray | None = None) -> np.ndarray:
    """(N, M) MI (`Z` None) or CMI matrix of embedded arrays (:func:`embed`) from the family module.

    `pairs` (N, M) bool computes only those cells (the others NaN): KSG takes the pair list in one
    call (each column sorted once, the pairs sharing the threads); the other families compute the
    whole matrix, which costs them about as much, and it is masked. `n_jobs` is KSG's thread count.
    """
    kw = est.kwargs()
    if est.method == "ksg":
        kw.update(n_jobs=n_jobs, pairs=pairs)
    fam = est.family
    out = fam.pairwise_mi(xs, ys, **kw) if Z is None else fam.pairwise_cmi(xs, ys, Z, **kw)
    out = np.array(out, dtype=np.float64)
    if pairs is not None and est.method != "ksg":
        out = np.where(pairs, out, np.nan)
    return out


def _label(mat: np.ndarray, est: Estimator, X: Recording, Y: Recording, *, name: str, long_name: str,
           lag: int, history: int, n_samples: int, conditioned: bool):
    import xarray as xr

    coords: dict[str, Any] = {"source": X.ids, "target": Y.ids}
    if X.roles is not None:
        coords["source_role"] = ("source", X.roles)
    if Y.roles is not None:
        coords["target_role"] = ("target", Y.roles)
    attrs = dict(X.attrs or {})
    attrs.update(est.attrs())
    attrs.update({"long_name": long_name, "units": "nat", "lag": int(lag), "history": int(history),
                  "n_samples": int(n_samples), "conditioned": int(conditioned)})
    return xr.DataArray(mat, dims=("source", "target"), coords=coords, name=name, attrs=attrs)


# --------------------------------------------------------------------------- public functions
@validate_params({
    "X": C_DATA, "Y": C_DATA, "lag": [Interval(int, 0, None)], "condition": C_DATA, "method": C_METHOD,
    "k": C_K, "theiler": C_THEILER, "bins": C_BINS, "bandwidth": C_BANDWIDTH, "bias_correct": C_BIAS,
    "jitter": C_JITTER, "seed": C_SEED, "n_jobs": C_NJOBS, "device": C_DEVICE,
})
def pairwise_mutual_information(X: Any, Y: Any = None, /, *, lag: int = 0, condition: Any = None, method: str = "ksg",
                                k: int | None = None, theiler: int = 0, bins: int | None = None,
                                bandwidth: float | None = None, bias_correct: bool | None = None,
                                jitter: float = DEFAULT_JITTER, seed: Seed = DEFAULT_SEED,
                                n_jobs: int | None = None, device: str | None = None) -> np.ndarray | xr.DataArray:
    """Mutual information between every pair of channels, optionally time-delayed and conditional.

    ``out[i, j] = I(X_i(t); Y_j(t + lag))`` or, with `condition`,
    ``I(X_i(t); Y_j(t + lag) | C(t + lag))``, in nats, pooling all usable t of all epochs.

    Parameters
    ----------
    X : array-like of shape (n_time, N) or (n_epoch, n_time, N), or DataArray
        Sources. A DataArray has dims (time, neuron) or (epoch, time, neuron) (an activity
        recording); epochs are separate sequences, so no pair (t, t + lag) straddles two.
    Y : array-like or DataArray like `X` with M channels, or None, default=None
        Targets, on the same epochs and time steps as `X`. None means ``Y = X``: then the lag-0
        diagonal is NaN, and a lagged diagonal holds each channel's self-information.
    lag : int, default=0
        Steps from the source sample to the target sample.
    condition : array-like of shape (n_time,), (n_time, C) or (n_epoch, n_time, C), or None
        Extra variables conditioned on at the target's time step (e.g. the network input, to
        strip a common driver); a 2-D condition is shared by every epoch. Turns MI into CMI.
    method : {"ksg", "gaussian_copula", "gaussian", "binning", "kde"}, default="ksg"
        Estimator family. "kde" cannot condition.
    k : int or None, default=None
        Neighbours, KSG only; None means DEFAULT_K (4). Larger k: less variance, more bias.
    theiler : int, default=0
        KSG only: neighbours closer than this many rows in time are ignored (autocorrelation).
    bins : int or None, default=None
        Equal-width bins per dimension, binning only; None means DEFAULT_BINS (30).
    bandwidth : float or None, default=None
        Variance of the added Gaussian noise, kde only; None means DEFAULT_BANDWIDTH (0.1).
    bias_correct : bool or None, default=None
        Ince et al.'s analytic bias correction, gaussian_copula and gaussian only; None means False.
    jitter : float, default=1e-10
        KSG only: sd of the Gaussian jitter added to each standardised channel, against ties.
    seed : int, None or numpy Generator, default=0
        Seeds the jitter (drawn once per call, before pairs are formed).
    n_jobs : int or None, default=None
        Threads of the KSG kernels (None or -1: all cores); results do not depend on it.
    device : {"cpu", "cuda"} or None, default=None
        None: the numpy/numba engine. "cuda" (or "cpu", to test it) runs the PyTorch engine,
        for "ksg" and "gaussian_copula"; it equals the CPU engine to ~1e-13. Measured on an H100
        (``benchmarks/gpu.py``): the copula matrices take as long as on the CPU, and the GPU KSG
        (brute force, O(n^2) per pair) is 4-35x *slower* than the numba engine on the same
        machine's 16 cores, so keep None for speed.

    Returns
    -------
    mi : ndarray of shape (N, M), or DataArray with dims (source, target)
        Nats. A DataArray (when `X` or `Y` is one) has neuron-id coords, ``source_role`` /
        ``target_role`` when the input had a ``role`` coord, and attrs long_name, units="nat",
        estimator, k, regulariser, jitter, seed, theiler, lag, history (0), n_samples,
        infoflow_version on top of the input's attrs.

    See Also
    --------
    pairwise_transfer_entropy, mutual_information

    Notes
    -----
    Values may be slightly negative: estimator noise, never clipped. Ties: KSG breaks them with the
    seeded jitter; the Gaussian copula gives tied values their average rank. The Theiler window counts
    rows of the pooled samples, so it also excludes a few neighbours across epoch boundaries
    (conservative). Time-delayed MI of autocorrelated activity mixes shared history with transfer;
    transfer entropy conditions it out.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflow.estimators import pairwise_mutual_information
    >>> x = np.random.default_rng(0).standard_normal((500, 3))
    >>> pairwise_mutual_information(x, method="gaussian_copula").shape
    (3, 3)
    """
    func = "pairwise_mutual_information"
    est = resolve_estimator(func, method, k=k, theiler=theiler, bins=bins, bandwidth=bandwidth,
                            bias_correct=bias_correct, jitter=jitter, seed=seed, device=device)
    Xr = as_recording(X, name="X", func=func)
    Yr = Xr if Y is None else as_recording(Y, name="Y", func=func)
    check_same_grid(Xr.values, Yr.values, names=("X", "Y"), func=func)
    E, T = Xr.values.shape[:2]
    C = as_condition(condition, n_epoch=E, n_time=T, func=func)
    if C is not None:
        no_conditional(func, method)
    n_dims = 2 + (0 if C is None else C.shape[2])
    n = check_samples(est, func=func, n_epoch=E, n_time=T, lag=lag, history=None, n_dims=n_dims)
    warn_constant(Xr.values.reshape(-1, Xr.values.shape[2]), name="X", func=func)
    if Y is not None:
        warn_constant(Yr.values.reshape(-1, Yr.values.shape[2]), name="Y", func=func)
    mat = compute_matrix(est, Xr.values, None if Y is None else Yr.values, C, lag=lag, history=None,
                         n_jobs=n_jobs, device=device)
    if not (Xr.is_xarray or Yr.is_xarray):
        return mat
    long_name = ("conditional " if C is not None else "") + ("time-delayed " if lag else "") + "mutual information"
    return _label(mat, est, Xr, Yr, name="tdmi" if lag else "mi", long_name=long_name, lag=lag, history=0,
                  n_samples=n, conditioned=C is not None)


@validate_params({
    "X": C_DATA, "Y": C_DATA, "lag": [Interval(int, 1, None)], "history": C_HISTORY, "condition": C_DATA,
    "method": C_METHOD, "k": C_K, "theiler": C_THEILER, "bins": C_BINS, "bandwidth": C_BANDWIDTH,
    "bias_correct": C_BIAS, "jitter": C_JITTER, "seed": C_SEED, "n_jobs": C_NJOBS, "device": C_DEVICE,
})
def pairwise_transfer_entropy(X: Any, Y: Any = None, /, *, lag: int = 1, history: int = 1, condition: Any = None,
                              method: str = "ksg", k: int | None = None, theiler: int = 0,
                              bins: int | None = None, bandwidth: float | None = None,
                              bias_correct: bool | None = None, jitter: float = DEFAULT_JITTER,
                              seed: Seed = DEFAULT_SEED, n_jobs: int | None = None,
                              device: str | None = None) -> np.ndarray | xr.DataArray:
    """Transfer entropy from every source channel to every target channel, in nats.

    ``out[i, j] = I(Y_j(t+1); X_i(t+1-lag) | Y_j(t), ..., Y_j(t-history+1) [, C(t+1)])``
    (Schreiber 2000), pooling all usable t of all epochs; no history spans two epochs.

    Parameters
    ----------
    X : array-like of shape (n_time, N) or (n_epoch, n_time, N), or DataArray
        Sources (dims (time, neuron) or (epoch, time, neuron) for a DataArray).
    Y : array-like or DataArray like `X`, or None, default=None
        Targets; None means ``Y = X``. The self-TE diagonal is NaN when ``lag <= history`` (the
        source sample is then part of the target's own history, so it is identically 0).
    lag : int, default=1
        Steps from the source sample to the target's next value.
    history : int, default=1
        Length of the target's own past that is conditioned on.
    condition : array-like of shape (n_time,), (n_time, C) or (n_epoch, n_time, C), or None
        Extra variables conditioned on at the target's step t+1 (added to the conditioning set).
    method, k, theiler, bins, bandwidth, bias_correct, jitter, seed, n_jobs, device
        As in :func:`pairwise_mutual_information`; "kde" has no conditional estimator.

    Returns
    -------
    te : ndarray of shape (N, M), or DataArray with dims (source, target)
        Nats; for DataArray input labelled as in :func:`pairwise_mutual_information`
        (long_name "transfer entropy", attrs lag and history).

    See Also
    --------
    transfer_entropy, pairwise_mutual_information

    Notes
    -----
    Assumes stationarity within an epoch. Small negative values are estimator noise. With the
    Gaussian copula the whole matrix comes from vectorised partial correlations (milliseconds).

    References
    ----------
    Schreiber (2000), Measuring information transfer, doi:10.1103/PhysRevLett.85.461.
    Frenzel & Pompe (2007), doi:10.1103/PhysRevLett.99.204101.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflow.estimators import pairwise_transfer_entropy
    >>> x = np.random.default_rng(0).standard_normal((500, 3))
    >>> pairwise_transfer_entropy(x, method="gaussian").shape
    (3, 3)
    """
    func = "pairwise_transfer_entropy"
    est = resolve_estimator(func, method, k=k, theiler=theiler, bins=bins, bandwidth=bandwidth,
                            bias_correct=bias_correct, jitter=jitter, seed=seed, device=device)
    no_conditional(func, method)
    Xr = as_recording(X, name="X", func=func)
    Yr = Xr if Y is None else as_recording(Y, name="Y", func=func)
    check_same_grid(Xr.values, Yr.values, names=("X", "Y"), func=func)
    E, T = Xr.values.shape[:2]
    C = as_condition(condition, n_epoch=E, n_time=T, func=func)
    n_dims = 2 + history + (0 if C is None else C.shape[2])
    n = check_samples(est, func=func, n_epoch=E, n_time=T, lag=lag, history=history, n_dims=n_dims)
    warn_constant(Xr.values.reshape(-1, Xr.values.shape[2]), name="X", func=func)
    if Y is not None:
        warn_constant(Yr.values.reshape(-1, Yr.values.shape[2]), name="Y", func=func)
    mat = compute_matrix(est, Xr.values, None if Y is None else Yr.values, C, lag=lag, history=history,
                         n_jobs=n_jobs, device=device)
    if not (Xr.is_xarray or Yr.is_xarray):
        return mat
    return _label(mat, est, Xr, Yr, name="te", long_name="transfer entropy", lag=lag, history=history,
                  n_samples=n, conditioned=C is not None)
