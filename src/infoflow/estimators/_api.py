"""Public single-variable and single-pair estimators: entropy, MI, conditional MI, transfer entropy.

Place in the pipeline: public layer of ``infoflow.estimators`` (re-exported there; do not import
this module). Each function validates once at entry (``infoflow._validation``), resolves the
method-specific keywords in one place (:func:`._pairwise.resolve_estimator`), preprocesses the
data as the all-pairs engine does (so a pair here equals its cell there), then calls one family
module (``ksg``, ``gcmi``, ``gaussian``, ``binning``, ``kde``). Results are in nats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from infoflow._defaults import DEFAULT_JITTER, DEFAULT_SEED
from infoflow._validation import Constraint, Interval, Seed, check_array, validate_params, warn_constant
from infoflow.estimators import _preprocess as pp
from infoflow.estimators._pairwise import (
    C_BANDWIDTH,
    C_BIAS,
    C_BINS,
    C_DATA,
    C_FLAG,
    C_HISTORY,
    C_JITTER,
    C_K,
    C_METHOD,
    C_SEED,
    C_THEILER,
    Estimator,
    as_condition,
    as_recording,
    check_same_grid,
    check_samples,
    compute_matrix,
    no_conditional,
    prepare,
    resolve_estimator,
)

if TYPE_CHECKING:
    import xarray as xr


def _samples(a: Any, *, name: str, func: str) -> np.ndarray:
    """(n,) or (n, d) data -> float64 (n, d)."""
    arr = check_array(a, name=name, func=func, ndim=(1, 2))
    return np.ascontiguousarray(arr[:, None] if arr.ndim == 1 else arr)


def _check_n(est: Estimator, n: int, n_dims: int, *, func: str) -> None:
    need, why = est.min_samples(n_dims)
    if n < need:
        raise ValueError(f"{func}: {n} samples; {why} needs at least {need}. Record more samples"
                         + (" or lower k or theiler." if est.method == "ksg" else "."))


def _check_lengths(func: str, **arrays: np.ndarray) -> None:
    lengths = {k: v.shape[0] for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        seen = ", ".join(f"{k} has {v}" for k, v in lengths.items())
        raise ValueError(f"{func}: the variables must have one sample per row and the same length; {seen}.")


def _is_xr(*objs: Any) -> bool:
    import xarray as xr

    return any(isinstance(o, xr.DataArray) for o in objs)


def _scalar(value: float, est: Estimator, *, like: Any, long_name: str, n: int, lag: int = 0,
            history: int = 0, name: str):
    """float for numpy input; 0-d DataArray with attrs (input attrs kept) for DataArray input."""
    import xarray as xr

    if not _is_xr(*like):
        return float(value)
    attrs: dict[str, Any] = {}
    for o in like:
        if isinstance(o, xr.DataArray):
            attrs.update(o.attrs)
            break
    attrs.update(est.attrs())
    attrs.update({"long_name": long_name, "units": "nat", "lag": int(lag), "history": int(history),
                  "n_samples": int(n)})
    return xr.DataArray(float(value), name=name, attrs=attrs)


def _call(est: Estimator, what: str, *arrays: np.ndarray) -> float:
    """Preprocess the variables together (one jitter draw) and call the family function `what`."""
    prepped = [p[0] for p in prepare(est, [a[None] for a in arrays])]
    return float(getattr(est.family, what)(*prepped, **est.kwargs()))


_COMMON: dict[str, Sequence[Constraint]] = {"method": C_METHOD, "k": C_K, "bins": C_BINS, "bandwidth": C_BANDWIDTH,
                                             "jitter": C_JITTER, "seed": C_SEED}


@validate_params({"x": C_DATA, **_COMMON})
def entropy(x: Any, /, *, method: str = "ksg", k: int | None = None, bins: int | None = None,
            bandwidth: float | None = None, jitter: float = DEFAULT_JITTER,
            seed: Seed = DEFAULT_SEED) -> float | xr.DataArray:
    """Estimate the entropy of `x`, in nats.

    Parameters
    ----------
    x : array-like of shape (n,) or (n, d), or DataArray
        Samples (rows) of a one- or multi-dimensional variable.
    method : {"ksg", "gaussian", "binning", "kde"}, default="ksg"
        "ksg": Kozachenko-Leonenko differential entropy (max-norm); "gaussian": 1/2 ln det(2 pi e C);
        "binning": plug-in entropy of equal-width bins (a *discrete* entropy); "kde": upper bound
        on the differential entropy of x + N(0, bandwidth). "gaussian_copula" raises: the copula
        discards the marginals.
    k : int or None, default=None
        Neighbours, KSG only; None means DEFAULT_K (4).
    bins : int or None, default=None
        Bins per dimension, binning only; None means DEFAULT_BINS (30).
    bandwidth : float or None, default=None
        Noise variance, kde only; None means DEFAULT_BANDWIDTH (0.1).
    jitter : float, default=1e-10
        KSG only: jitter sd relative to each column's sd, against ties.
    seed : int, None or numpy Generator, default=0
        Seeds the jitter.

    Returns
    -------
    h : float or DataArray
        Nats; a 0-d DataArray with attrs for DataArray input.

    Notes
    -----
    KSG works on standardised columns and adds back sum(ln sd), so the result is the entropy of
    the raw data. Differential entropies may be negative.

    References
    ----------
    Kozachenko & Leonenko (1987); Kraskov, Stögbauer & Grassberger (2004),
    doi:10.1103/PhysRevE.69.066138.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflow.estimators import entropy
    >>> x = np.random.default_rng(0).standard_normal(2000)
    >>> round(entropy(x, method="gaussian"), 1)  # 1/2 ln(2 pi e) = 1.42
    1.4
    """
    func = "entropy"
    est = resolve_estimator(func, method, k=k, bins=bins, bandwidth=bandwidth, jitter=jitter, seed=seed)
    if method == "gaussian_copula":
        est.family.entropy(None)
    arr = _samples(x, name="x", func=func)
    _check_n(est, arr.shape[0], arr.shape[1], func=func)
    warn_constant(arr, name="x", func=func)
    if method == "ksg":
        sd = arr.std(axis=0)
        # KSG sees standardised data; entropy is not scale-free, so add the log-scales back
        h = _call(est, "entropy", arr) + float(np.log(sd[sd > 0]).sum())
    else:
        kw = {"bias_correct": False} if method == "gaussian" else est.kwargs()
        h = est.family.entropy(arr, **kw)
    return _scalar(h, est, like=(x,), long_name="entropy", n=arr.shape[0], name="entropy")


@validate_params({"x": C_DATA, "y": C_DATA, "theiler": C_THEILER, "bias_correct": C_BIAS, **_COMMON})
def mutual_information(x: Any, y: Any, /, *, method: str = "ksg", k: int | None = None, theiler: int = 0,
                       bins: int | None = None, bandwidth: float | None = None,
                       bias_correct: bool | None = None, jitter: float = DEFAULT_JITTER,
                       seed: Seed = DEFAULT_SEED) -> float | xr.DataArray:
    """Estimate the mutual information I(X;Y), in nats.

    Parameters
    ----------
    x : array-like of shape (n,) or (n, dx), or DataArray
    y : array-like of shape (n,) or (n, dy), or DataArray
        Paired samples (row i of x with row i of y).
    method : {"ksg", "gaussian_copula", "gaussian", "binning", "kde"}, default="ksg"
        "kde" is Saxe et al.'s I(X; Y + noise), asymmetric (see :mod:`infoflow.estimators.kde`).
    k : int or None, default=None
        Neighbours, KSG only; None means DEFAULT_K (4).
    theiler : int, default=0
        KSG only: neighbours with ``|i - j| <= theiler`` rows apart are ignored.
    bins, bandwidth, jitter, seed
        As in :func:`entropy`.
    bias_correct : bool or None, default=None
        Ince et al.'s analytic bias correction, gaussian_copula and gaussian only; None means False.

    Returns
    -------
    mi : float or DataArray
        Nats (0-d DataArray with attrs for DataArray input). Small negative values are noise.

    Notes
    -----
    Gaussian copula (Ince et al. 2017, doi:10.1002/hbm.23471) is a lower bound, exact for Gaussian
    copulas, invariant to strictly monotone transforms. KSG is invariant to shifting or rescaling
    a marginal (each column is standardised first).

    Examples
    --------
    >>> import numpy as np
    >>> from infoflow.estimators import mutual_information
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(5000); y = 0.8 * x + 0.6 * rng.standard_normal(5000)
    >>> round(mutual_information(x, y, method="gaussian"), 2)  # -1/2 ln(1 - 0.64) = 0.51
    0.51
    """
    func = "mutual_information"
    est = resolve_estimator(func, method, k=k, theiler=theiler, bins=bins, bandwidth=bandwidth,
                            bias_correct=bias_correct, jitter=jitter, seed=seed)
    xa, ya = _samples(x, name="x", func=func), _samples(y, name="y", func=func)
    _check_lengths(func, x=xa, y=ya)
    _check_n(est, xa.shape[0], xa.shape[1] + ya.shape[1], func=func)
    warn_constant(xa, name="x", func=func)
    warn_constant(ya, name="y", func=func)
    mi = _call(est, "mutual_information", xa, ya)
    return _scalar(mi, est, like=(x, y), long_name="mutual information", n=xa.shape[0], name="mi")


@validate_params({"x": C_DATA, "y": C_DATA, "z": C_DATA, "theiler": C_THEILER, "bias_correct": C_BIAS,
                  **_COMMON})
def conditional_mutual_information(x: Any, y: Any, z: Any, /, *, method: str = "ksg", k: int | None = None,
                                   theiler: int = 0, bins: int | None = None,
                                   bandwidth: float | None = None, bias_correct: bool | None = None,
                                   jitter: float = DEFAULT_JITTER, seed: Seed = DEFAULT_SEED) -> float | xr.DataArray:
    """Estimate the conditional mutual information I(X;Y|Z), in nats.

    Parameters
    ----------
    x, y, z : array-like of shape (n,) or (n, d), or DataArray
        Paired samples.
    method : {"ksg", "gaussian_copula", "gaussian", "binning"}, default="ksg"
        KSG uses Frenzel & Pompe's estimator; "kde" raises (no conditional estimator).
    k, theiler, bins, bandwidth, bias_correct, jitter, seed
        As in :func:`mutual_information`.

    Returns
    -------
    cmi : float or DataArray
        Nats (0-d DataArray with attrs for DataArray input).

    References
    ----------
    Frenzel & Pompe (2007), doi:10.1103/PhysRevLett.99.204101.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflow.estimators import conditional_mutual_information
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal(2000); x = z + rng.standard_normal(2000); y = z + rng.standard_normal(2000)
    >>> abs(conditional_mutual_information(x, y, z, method="gaussian")) < 0.01  # x, y independent given z
    True
    """
    func = "conditional_mutual_information"
    est = resolve_estimator(func, method, k=k, theiler=theiler, bins=bins, bandwidth=bandwidth,
                            bias_correct=bias_correct, jitter=jitter, seed=seed)
    no_conditional(func, method)
    xa, ya, za = (_samples(v, name=nm, func=func) for v, nm in ((x, "x"), (y, "y"), (z, "z")))
    _check_lengths(func, x=xa, y=ya, z=za)
    _check_n(est, xa.shape[0], xa.shape[1] + ya.shape[1] + za.shape[1], func=func)
    for arr, nm in ((xa, "x"), (ya, "y"), (za, "z")):
        warn_constant(arr, name=nm, func=func)
    cmi = _call(est, "conditional_mutual_information", xa, ya, za)
    return _scalar(cmi, est, like=(x, y, z), long_name="conditional mutual information", n=xa.shape[0],
                   name="cmi")


def _local_te(est: Estimator, src: np.ndarray, fut: np.ndarray, hist: np.ndarray) -> np.ndarray:
    """Per-sample TE of one pair (src (n,1), fut (n,1), hist (n, dz))."""
    fam = est.family
    if est.method == "ksg":
        # chain rule I(Y;X|Z) = I(Y;X,Z) - I(Y;Z) on local KSG values
        kw = est.kwargs()
        return (fam.local_mutual_information(fut, np.hstack([src, hist]), **kw)
                - fam.local_mutual_information(fut, hist, **kw))
    kw = {"normalised": True} if est.method == "gaussian_copula" else (
        {"bins": est.bins} if est.method == "binning" else {})
    return fam.local_conditional_mutual_information(src, fut, hist, **kw)


@validate_params({
    "source": C_DATA, "target": C_DATA, "lag": [Interval(int, 1, None)], "history": C_HISTORY,
    "condition": C_DATA, "theiler": C_THEILER, "bias_correct": C_BIAS, "return_local": C_FLAG, **_COMMON,
})
def transfer_entropy(source: Any, target: Any, /, *, lag: int = 1, history: int = 1, condition: Any = None,
                     method: str = "ksg", k: int | None = None, theiler: int = 0, bins: int | None = None,
                     bandwidth: float | None = None, bias_correct: bool | None = None,
                     jitter: float = DEFAULT_JITTER, seed: Seed = DEFAULT_SEED,
                     return_local: bool = False) -> float | np.ndarray | xr.DataArray:
    """Estimate transfer entropy from `source` to `target`, in nats.

    ``TE = I(target(t+1); source(t+1-lag) | target(t), ..., target(t-history+1) [, condition(t+1)])``.

    Parameters
    ----------
    source, target : array-like of shape (n_time,) or (n_epoch, n_time), or DataArray
        One neuron each (DataArray dims (time,) or (epoch, time)); histories never span two epochs.
    lag : int, default=1
        Steps from the source sample to the target's next value.
    history : int, default=1
        Length of the target's own past that is conditioned on.
    condition : array-like of shape (n_time,), (n_time, C) or (n_epoch, n_time, C), or None
        Extra variables conditioned on at the target's step t+1.
    method : {"ksg", "gaussian_copula", "gaussian", "binning"}, default="ksg"
        "kde" raises (no conditional estimator).
    k, theiler, bins, bandwidth, bias_correct, jitter, seed
        As in :func:`mutual_information`.
    return_local : bool, default=False
        Return the per-sample (local) TE instead of its mean.

    Returns
    -------
    te : float, ndarray or DataArray
        Mean TE in nats (0-d DataArray with attrs for DataArray input). With
        ``return_local=True``: shape (n_usable,) for 1-D input, (n_epoch, n_usable) otherwise, or a
        DataArray with dims ("epoch", "time") (time = the target step t+1).

    Notes
    -----
    Equals the matching cell of :func:`pairwise_transfer_entropy`. Local values: KSG uses the
    chain rule I(Y;X,Z) - I(Y;Z) on local KSG MI, so their mean is close to but not equal to the
    Frenzel-Pompe value returned without `return_local`; Gaussian, Gaussian-copula and binning
    locals average exactly to the uncorrected estimate (bias_correct does not apply to locals).
    Assumes stationarity within an epoch; autocorrelation inflates KSG values (use `theiler`).

    References
    ----------
    Schreiber (2000), doi:10.1103/PhysRevLett.85.461.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflow.estimators import transfer_entropy
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(3000); y = np.r_[0.0, 0.9 * x[:-1]] + 0.3 * rng.standard_normal(3000)
    >>> transfer_entropy(x, y, method="gaussian") > transfer_entropy(y, x, method="gaussian")
    True
    """
    func = "transfer_entropy"
    est = resolve_estimator(func, method, k=k, theiler=theiler, bins=bins, bandwidth=bandwidth,
                            bias_correct=bias_correct, jitter=jitter, seed=seed)
    no_conditional(func, method)
    Xr = as_recording(source, name="source", func=func, channels=False)
    Yr = as_recording(target, name="target", func=func, channels=False)
    check_same_grid(Xr.values, Yr.values, names=("source", "target"), func=func)
    E, T = Xr.values.shape[:2]
    C = as_condition(condition, n_epoch=E, n_time=T, func=func)
    n_dims = 2 + history + (0 if C is None else C.shape[2])
    n = check_samples(est, func=func, n_epoch=E, n_time=T, lag=lag, history=history, n_dims=n_dims)
    warn_constant(Xr.values.reshape(-1, 1), name="source", func=func)
    warn_constant(Yr.values.reshape(-1, 1), name="target", func=func)
    if not return_local:
        te = compute_matrix(est, Xr.values, Yr.values, C, lag=lag, history=history)[0, 0]
        return _scalar(te, est, like=(source, target), long_name="transfer entropy", n=n, lag=lag,
                       history=history, name="te")
    arrays = [Xr.values, Yr.values] + ([] if C is None else [C])
    prepped = prepare(est, arrays)
    src, fut, hist, cnd = pp.te_embedding(prepped[0], prepped[1], lag, history,
                                          prepped[2] if C is not None else None)
    z = hist[0] if cnd is None else np.hstack([hist[0], cnd])
    local = _local_te(est, src, fut, np.ascontiguousarray(z)).reshape(E, -1)
    if not _is_xr(source, target):
        return local[0] if np.ndim(getattr(source, "values", source)) == 1 else local
    import xarray as xr

    attrs = dict(Xr.attrs or {})
    attrs.update(est.attrs())
    attrs.update({"long_name": "local transfer entropy", "units": "nat", "lag": int(lag),
                  "history": int(history), "n_samples": int(n)})
    return xr.DataArray(local, dims=("epoch", "time"), name="te_local", attrs=attrs,
                        coords={"epoch": np.arange(E), "time": pp.target_times(T, lag, history)})
