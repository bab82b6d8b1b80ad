"""Indicators of learning: per-epoch complexity of the hidden activity, and whether it tracks the loss.

Pipeline place: reads recordings (and, when present, the run folder's ``flow.nc`` /
``structure.json`` / ``information_plane.nc`` as files: structure and bottleneck sit on the same
import layer and cannot be imported), calls :mod:`infoflow.estimators` for entropies and MI, and
compares each indicator with the validation loss across epochs and seeds. Users call
``infoflow.dynamics.learning_indicators``, ``lead_lag`` and ``indicator_correlations``.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from scipy import stats

from infoflow import __version__
from infoflow._defaults import DEFAULT_ALPHA, DEFAULT_BINS
from infoflow._validation import (
    Anything,
    CallableOK,
    InfoflowWarning,
    InstanceOf,
    Interval,
    NoneOK,
    Options,
    validate_params,
)
from infoflow.dynamics._recordings import as_recordings, count_tied_units, hidden_activity

LOSSES = ("train_loss", "val_loss", "test_loss")


def participation_ratio(t: np.ndarray) -> float:
    """(sum lambda)^2 / sum lambda^2 of the covariance eigenvalues of t (n, d): 1 .. d."""
    c = np.cov(t, rowvar=False)
    lam = np.clip(np.linalg.eigvalsh(np.atleast_2d(c)), 0, None)
    s2 = float((lam ** 2).sum())
    return float(lam.sum() ** 2 / s2) if s2 > 0 else float("nan")


def _total_correlation(t: np.ndarray, method: str, entropy: Callable, mutual_information: Callable) -> float:
    """TC = sum_i H(t_i) - H(t). The copula has no marginal entropies, so for "gaussian_copula" the
    chain rule TC = sum_{i>=2} I(t_i; t_1..t_{i-1}) is used instead (exact for that estimator)."""
    if method == "gaussian":
        return sum(float(entropy(t[:, i], method=method)) for i in range(t.shape[1])) - float(entropy(t, method=method))
    return sum(float(mutual_information(t[:, :i], t[:, i], method=method)) for i in range(1, t.shape[1]))


def _first_file(run_dir: str | Path, names: tuple[str, ...]) -> Path | None:
    """The first of `names` found in the seed's folder, else in its parent (the run folder)."""
    for folder in dict.fromkeys([Path(run_dir), Path(run_dir).parent]):
        for name in names:
            if (folder / name).exists():
                return folder / name
    return None


def _epoch_series_from_flow(path: Path, epochs: np.ndarray) -> dict[str, np.ndarray]:
    """Per-epoch means of flow.nc variables that have an epoch dim (NaN where an epoch is absent)."""
    from infoflow._io import load_dataset

    try:
        flow = load_dataset(path)
    except (ValueError, FileNotFoundError):
        return {}
    out: dict[str, np.ndarray] = {}
    if "epoch" not in flow.dims:
        return out
    for var in ("te", "flow", "net_flow", "mi", "significant"):
        if var in flow and "epoch" in flow[var].dims:
            da = flow[var].astype(float)
            da = np.abs(da) if var == "net_flow" else da
            m = da.mean([d for d in da.dims if d != "epoch"], skipna=True)
            name = "flow_significant_fraction" if var == "significant" else f"flow_{var}_mean"
            out[name] = m.reindex(epoch=epochs).values.astype(float)
    return out


def _epoch_series_from_structure(path: Path, epochs: np.ndarray) -> dict[str, np.ndarray]:
    """Numeric per-epoch fields of structure.json, in either layout it may use: columns
    (``{"epoch": [...], "n_layers": [...], ...}``, as analyze_structure writes under "epochs") or a
    list of records that each carry an "epoch" key. NaN where an epoch is absent."""
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    out: dict[str, np.ndarray] = {}
    pos = {int(e): i for i, e in enumerate(epochs)}

    def _put(key: str, epoch: Any, val: Any) -> None:
        if isinstance(val, bool) or not isinstance(val, (int, float, type(None))):
            return
        if any(tag in key.lower() for tag in _NOT_INDICATORS):
            return  # a p-value or an ARI is a test outcome, not an indicator
        try:
            i = pos.get(int(epoch))
        except (TypeError, ValueError):
            return
        if i is not None:
            out.setdefault(f"structure_{key}", np.full(len(epochs), np.nan))[i] = np.nan if val is None else float(val)

    def _walk(obj: Any) -> None:
        if isinstance(obj, list) and obj and all(isinstance(r, dict) and "epoch" in r for r in obj):
            for rec in obj:
                for key, val in rec.items():
                    if key != "epoch":
                        _put(key, rec["epoch"], val)
        elif isinstance(obj, dict) and isinstance(obj.get("epoch"), list):
            ep = obj["epoch"]
            for key, col in obj.items():
                if (key != "epoch" and isinstance(col, list) and len(col) == len(ep)
                        and all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in col)):
                    for e, v in zip(ep, col):
                        _put(key, e, v)
        elif isinstance(obj, dict):
            for v in obj.values():
                _walk(v)

    _walk(doc)
    return {k: v for k, v in out.items() if np.isfinite(v).any()}


@validate_params({
    "recordings": [Anything()],
    "entropy_method": [Options("binning", "gaussian", "ksg", "kde")],
    "tc_method": [Options("gaussian", "gaussian_copula")],
    "mi_method": [Options("gaussian_copula", "gaussian", "ksg", "binning", "kde")],
    "bins": [NoneOK(), Interval(int, 2, None)],
    "max_samples": [NoneOK(), Interval(int, 10, None)],
    "read_files": [InstanceOf(bool)],
    "callback": [NoneOK(), CallableOK()],
})
def learning_indicators(recordings: Any, /, *, entropy_method: str = "binning", tc_method: str = "gaussian",
                        mi_method: str = "gaussian_copula", bins: int | None = None, max_samples: int | None = None,
                        read_files: bool = True, callback: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Per-epoch complexity measures of the hidden activity, I(T;Y) and the losses, per seed.

    Parameters
    ----------
    recordings : Dataset or sequence of Datasets
        Recordings (docs/design.md), one per seed.
    entropy_method : {"binning", "gaussian", "ksg", "kde"}, default="binning"
        Estimator of each neuron's entropy H(h_i) in ``entropy_sum``. Binning is bounded (0 to
        ln(bins)) and defined for saturated units; a differential entropy goes to -inf for them.
    tc_method : {"gaussian", "gaussian_copula"}, default="gaussian"
        Estimator of total correlation TC = sum_i H(h_i) - H(T) (multi-information): "gaussian" is
        -1/2 ln det(correlation); "gaussian_copula" the same on rank-normalised units, computed by
        the chain rule sum_{i>=2} I(h_i; h_1..h_{i-1}).
    mi_method : {"gaussian_copula", "gaussian", "ksg", "binning", "kde"}, default="gaussian_copula"
        Estimator of I(T;Y) between the hidden population and the target.
    bins : int or None, default=None
        Bins for binning entropies; None means DEFAULT_BINS (30).
    max_samples : int or None, default=None
        Use at most this many evenly spaced time steps per epoch; None means all.
    read_files : bool, default=True
        Add per-epoch flow/structure measures from ``flow.nc`` / ``structure.json`` beside each
        recording (attr ``run_dir``, set by :func:`load_run`) when present.
    callback : callable(done, total) or None
        Progress, once per (recording, epoch).

    Returns
    -------
    indicators : Dataset
        Dims (seed, epoch). ``entropy_sum`` (nat), ``total_correlation`` (nat),
        ``participation_ratio`` (1 .. n_hidden), ``mi_target`` (nat), the losses present among
        ``train_loss``, ``val_loss``, ``test_loss``, and when files exist ``flow_te_mean``,
        ``flow_flow_mean``, ``flow_net_flow_mean`` (mean |net flow|), ``flow_mi_mean``,
        ``flow_significant_fraction``, ``structure_<field>``, read from the tracked
        ``flow_epochs.nc`` / ``structure_epochs.json`` when there (else ``flow.nc`` /
        ``structure.json``), so NaN at epochs they did not analyse. Attrs name every estimator.

    Notes
    -----
    Gaussian total correlation is -1/2 ln det(correlation matrix), which grows without bound as
    units saturate or become collinear; the estimator's ridge keeps it finite. The participation
    ratio (Gao et al. 2017, doi:10.1101/214262) counts the effective number of covariance
    dimensions.
    """
    from infoflow.estimators import entropy, mutual_information

    func = "learning_indicators"
    recs, seeds = as_recordings(recordings, func=func, require=("activity", "target"))
    bins_ = DEFAULT_BINS if bins is None else bins
    ent_kw = {"bins": bins_} if entropy_method == "binning" else {}
    mi_kw = {"bins": bins_} if mi_method == "binning" else {}
    hidden_all = [hidden_activity(ds, func=func) for ds in recs]
    total = sum(h.sizes["epoch"] for h in hidden_all)
    done, n_warn = 0, 0
    per = []
    for ds, hidden in zip(recs, hidden_all):
        target = np.asarray(ds["target"].values, dtype=np.float64).ravel()
        if target.shape[0] != hidden.sizes["time"]:
            raise ValueError(f"{func}: target has {target.shape[0]} steps but activity has {hidden.sizes['time']}.")
        rows = np.arange(target.size)
        if max_samples is not None and rows.size > max_samples:
            rows = np.unique(np.linspace(0, rows.size - 1, max_samples).round().astype(int))
        y = target[rows]
        n_ep = hidden.sizes["epoch"]
        res = {k: np.full(n_ep, np.nan) for k in ("entropy_sum", "total_correlation", "participation_ratio",
                                                  "mi_target")}
        for e in range(n_ep):
            t = np.ascontiguousarray(hidden.values[e][rows])
            n_warn += count_tied_units(t, func=func)
            with warnings.catch_warnings():  # counted once above instead of once per estimator call
                warnings.simplefilter("ignore", InfoflowWarning)
                res["entropy_sum"][e] = sum(float(entropy(t[:, i], method=entropy_method, **ent_kw))
                                            for i in range(t.shape[1]))
                res["total_correlation"][e] = _total_correlation(t, tc_method, entropy, mutual_information)
                res["participation_ratio"][e] = participation_ratio(t)
                res["mi_target"][e] = float(mutual_information(t, y, method=mi_method, **mi_kw))
            done += 1
            if callback is not None:
                callback(done, total)
        data = {k: ("epoch", v) for k, v in res.items()}
        ep = hidden["epoch"].values
        for loss in LOSSES:
            if loss in ds:
                data[loss] = ("epoch", ds[loss].reindex(epoch=ep).values.astype(float))
        run_dir = ds.attrs.get("run_dir")
        if read_files and run_dir:
            # the tracked series (every few epochs, written by `infoflow run`) before the tested
            # flow, which covers only the first and last epochs
            flow_file = _first_file(run_dir, ("flow_epochs.nc", "flow.nc"))
            if flow_file is not None:
                data.update({k: ("epoch", v) for k, v in _epoch_series_from_flow(flow_file, ep).items()})
            struct_file = _first_file(run_dir, ("structure_epochs.json", "structure.json"))
            if struct_file is not None:
                data.update({k: ("epoch", v) for k, v in _epoch_series_from_structure(struct_file, ep).items()})
        per.append(xr.Dataset(data, coords={"epoch": ep}))
    if n_warn:
        warnings.warn(f"{func}: {n_warn} (recording, epoch, hidden unit) combinations are constant or heavily tied "
                      "(saturated or dead units); their entropies are unreliable. The count is in attrs['n_warnings'].",
                      InfoflowWarning, stacklevel=3)
    out = xr.concat(per, dim=xr.DataArray(seeds, dims="seed", name="seed"), join="outer")
    labels = {"entropy_sum": ("sum of hidden-neuron entropies", "nat"),
              "total_correlation": ("total correlation of hidden units", "nat"),
              "participation_ratio": ("participation-ratio dimensionality", "1"),
              "mi_target": ("I(T;Y): hidden population and target", "nat"),
              "train_loss": ("training loss (MSE)", "1"), "val_loss": ("validation loss (MSE)", "1"),
              "test_loss": ("test loss (MSE)", "1")}
    for name in map(str, out.data_vars):
        long, unit = labels.get(name, (name.replace("_", " "), "1"))
        out[name].attrs.update(long_name=long, units=unit)
    out.attrs = {"long_name": "indicators of learning", "entropy_method": entropy_method,
                 "bins": int(bins_) if "binning" in (entropy_method, mi_method) else "none",
                 "tc_method": tc_method, "mi_method": mi_method, "n_warnings": int(n_warn),
                 "max_samples": "none" if max_samples is None else int(max_samples),
                 "n_samples": int(min(hidden_all[0].sizes["time"], max_samples or 10 ** 12)),
                 "infoflow_version": __version__}
    return out


def _trend_basis(ep: np.ndarray, degree: int) -> np.ndarray:
    """Orthonormal columns spanning smooth training-curve shapes on the epochs `ep`: polynomials of
    degree <= `degree` in u = log(1 + epoch - first) (power laws), and decaying exponentials
    exp(-(epoch - first)/tau) (approaches to a plateau) for tau = 1/8, 1/4 and 1/2 of the span with
    30 or more epochs, tau = 1/4 of it with fewer (short series cannot spare the columns)."""
    t = (ep - ep[0]).astype(np.float64)
    u = np.log1p(t)
    u = 2.0 * (u - u.min()) / max(float(np.ptp(u)), 1e-12) - 1.0
    span = max(float(t[-1]), 1.0)
    cols = [np.polynomial.legendre.legvander(u, degree)]
    if degree >= 1:
        taus = (0.125, 0.25, 0.5) if t.size >= 30 else (0.25,)
        cols.append(np.column_stack([np.exp(-t / (f * span)) for f in taus]))
    a = np.column_stack(cols)
    uu, sv, _ = np.linalg.svd(a, full_matrices=False)
    return uu[:, sv > 1e-8 * sv[0]]


def _prewhiten(r: np.ndarray, max_order: int) -> tuple[np.ndarray, int]:
    """Residuals of an AR(p) fit by least squares, p in 0..max_order chosen by AIC on a common sample
    (Box & Jenkins' prewhitening; the first p entries are NaN). statsmodels is not a dependency, and
    an OLS fit of a few lags is all that is needed."""
    n = r.size
    top = max(0, min(max_order, (n - 3) // 4))
    target = r[top:]
    best_aic, best_p, best_coef = math.inf, 0, np.empty(0)
    for p in range(top + 1):
        if p == 0:
            e, coef = target, np.empty(0)
        else:
            lagged = np.column_stack([r[top - k - 1:n - k - 1] for k in range(p)])
            coef, *_ = np.linalg.lstsq(lagged, target, rcond=None)
            e = target - lagged @ coef
        aic = target.size * math.log(max(float(np.mean(e * e)), 1e-300)) + 2 * p
        if aic < best_aic - 1e-9:
            best_aic, best_p, best_coef = aic, p, coef
    if best_p == 0:
        return r.copy(), 0
    lagged = np.column_stack([r[best_p - k - 1:n - k - 1] for k in range(best_p)])
    return np.r_[np.full(best_p, np.nan), r[best_p:] - lagged @ best_coef], best_p


def _min_epochs(degree: int, max_order: int, max_lag: int) -> int:
    """Fewest usable epochs per seed: the short-series trend columns, the AR order, the largest lag and
    three degrees of freedom besides."""
    return degree + 2 + max_order + max_lag + 3


def _whitened(a: np.ndarray, b: np.ndarray, ep: np.ndarray, degree: int, max_order: int,
              max_lag: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[int], set[int], list[int]]:
    """Per seed: the detrended, prewhitened (indicator, loss) pair on that seed's usable epochs,
    the AR orders used, the epoch spacings seen, and the degrees of freedom used up (trend
    columns + AR order)."""
    pairs, orders, spacing, lost = [], [], set(), []
    for ra, rb in zip(a, b):
        ok = np.isfinite(ra) & np.isfinite(rb)
        e, x, y = ep[ok].astype(np.float64), ra[ok], rb[ok]
        if e.size < _min_epochs(degree, max_order, max_lag) or np.ptp(x) == 0 or np.ptp(y) == 0:
            continue
        step = np.diff(e)
        if not np.allclose(step, step[0]):
            continue  # lags need evenly spaced epochs
        spacing.add(int(round(step[0])))
        q = _trend_basis(e, degree)
        wx, px = _prewhiten(x - q @ (q.T @ x), max_order)
        wy, py = _prewhiten(y - q @ (q.T @ y), max_order)
        orders.append(max(px, py))
        lost.append(q.shape[1] + max(px, py))
        pairs.append((wx, wy))
    return pairs, orders, spacing, lost


def _lag_pairs(pairs: list[tuple[np.ndarray, np.ndarray]], lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (x_t, y_{t+lag}) pooled over seeds, each seed's series z-scored over its finite pairs."""
    xs, ys = [], []
    for wx, wy in pairs:
        x, y = (wx[:wx.size - lag], wy[lag:]) if lag >= 0 else (wx[-lag:], wy[:wy.size + lag])
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        if x.size < 3 or np.std(x) == 0 or np.std(y) == 0:
            continue
        xs.append((x - x.mean()) / x.std())
        ys.append((y - y.mean()) / y.std())
    if not xs:
        return np.empty(0), np.empty(0)
    return np.concatenate(xs), np.concatenate(ys)


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    if x.size < 3 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def holm(pvalues: Any) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN stays NaN); reject where adjusted p < alpha.

    Controls the family-wise error rate under any dependence. Written here because scipy has only
    Benjamini-Hochberg (``scipy.stats.false_discovery_control``) and statsmodels is no dependency."""
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m:
        order = ok[np.argsort(p[ok], kind="stable")]
        adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
        out[order] = np.minimum(adj, 1.0)
    return out


@validate_params({
    "indicator": [Anything()], "loss": [Anything()], "epochs": [NoneOK(), Anything()],
    "max_lag": [Interval(int, 0, None)],
    "confidence": [Interval(float, 0, 1, closed="neither")],
    "familywise": [InstanceOf(bool)],
    "detrend_degree": [Interval(int, 0, 5)],
    "max_ar_order": [Interval(int, 0, 5)],
})
def lead_lag(indicator: Any, loss: Any, /, *, epochs: Any = None, max_lag: int = 3, confidence: float = 0.95,
             familywise: bool = True, detrend_degree: int = 2, max_ar_order: int = 2) -> dict[str, Any]:
    """Does the indicator move with or before the loss, beyond a shared trend? Prewhitened cross-correlation.

    Parameters
    ----------
    indicator, loss : array-like of shape (n_epoch,) or (n_seed, n_epoch)
        Per-epoch series (NaN where an epoch was not measured); several seeds are pooled.
    epochs : array-like of shape (n_epoch,) or None, default=None
        Epoch labels; None means 0..n_epoch-1. Epochs where either series is NaN are dropped; the
        rest must be evenly spaced (e.g. every 5th epoch for tracked flow), and lags are reported in
        epochs (steps times that spacing).
    max_lag : int, default=3
        Lags -max_lag..max_lag steps of the measured series are examined.
    confidence : float in (0, 1), default=0.95
        1 - alpha of the test.
    familywise : bool, default=True
        Sidak-correct the smallest p-value over the 2*max_lag+1 lags (False: take it as it is).
    detrend_degree : int in [0, 5], default=2
        Each seed's series is first detrended by a polynomial of this degree in log(1 + epoch).
    max_ar_order : int in [0, 5], default=2
        Largest order of the AR model fitted (AIC) to each detrended series to whiten it.

    Returns
    -------
    result : dict
        ``lags`` (epochs), ``lag_steps``, ``spacing`` (epochs per step), ``xcorr`` (r at each lag),
        ``band`` (pointwise half-width of r at level 1 - confidence, from the t distribution with
        ``df`` degrees of freedom), ``band_familywise`` (Sidak over lags), ``n_pairs``, ``df``, ``ar_orders`` (per seed
        used), ``best_lag`` (epochs; lag of largest |r|),
        ``best_corr``, ``pvalue`` (of the best lag, Sidak-corrected over lags when `familywise`),
        ``significant`` (pvalue < 1 - confidence), ``leads`` (significant and best_lag > 0),
        ``interpretation`` (one sentence).

    Notes
    -----
    Two training curves share a downward trend, and differences of smooth curves are
    autocorrelated, so neither raw levels nor first differences can be compared with a white-noise
    band. Here each series is detrended (a smooth curve in log epoch), then prewhitened by its own
    fitted AR model (Box & Jenkins 1976; Haugh 1976), and the residuals' cross-correlation at lag
    L has variance about 1/df when the two are unrelated, df the pairs less the columns of the
    trends and AR fits. The trend basis holds polynomials in log epoch and three decaying
    exponentials, the shapes of training curves. Lag L > 0 correlates the indicator at
    epoch t with the loss at t + L*spacing: the indicator leads.

    References
    ----------
    Haugh LD (1976). Checking the independence of two covariance-stationary time series.
    doi:10.1080/01621459.1976.10480949

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.cumsum(rng.standard_normal(200))
    >>> loss = np.r_[0, 0, x[:-2]] + 0.1 * rng.standard_normal(200)   # follows x two epochs later
    >>> lead_lag(x, loss)["best_lag"]
    2
    """
    a = np.atleast_2d(np.asarray(getattr(indicator, "values", indicator), dtype=np.float64))
    b = np.atleast_2d(np.asarray(getattr(loss, "values", loss), dtype=np.float64))
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"lead_lag: indicator has shape {a.shape} and loss {b.shape}; both must be (n_epoch,) or "
                         "(n_seed, n_epoch) with the same shape.")
    ep = np.arange(a.shape[1]) if epochs is None else np.asarray(getattr(epochs, "values", epochs)).ravel()
    if ep.size != a.shape[1]:
        raise ValueError(f"lead_lag: {ep.size} epoch labels for {a.shape[1]} epochs.")
    steps = list(range(-max_lag, max_lag + 1))
    m = len(steps)
    alpha = 1.0 - confidence
    pairs, orders, spacing, lost = _whitened(a, b, ep, detrend_degree, max_ar_order, max_lag)
    out: dict[str, Any] = {"lags": [], "lag_steps": steps, "spacing": None, "xcorr": [], "band": [],
                           "band_familywise": [], "n_pairs": [], "ar_orders": orders, "detrend_degree": detrend_degree,
                           "familywise": bool(familywise), "confidence": float(confidence), "best_lag": None,
                           "best_corr": None, "pvalue": None, "significant": False, "leads": False,
                           "interpretation": ""}
    if len(spacing) > 1:
        out["interpretation"] = f"seeds were measured at different epoch spacings {sorted(spacing)}; no lag analysis"
        return out
    if not pairs:
        out["interpretation"] = ("too few evenly spaced epochs (or a constant series) for a lead/lag analysis "
                                 f"(need at least {detrend_degree + max_lag + 2 * max_ar_order + 6} per seed)")
        return out
    gap = spacing.pop()
    lagged = [_lag_pairs(pairs, s_) for s_ in steps]
    xc = np.array([_corr(x, y) for x, y in lagged])
    npairs = [int(x.size) for x, _ in lagged]
    # residuals of a k-column fit correlate with variance about 1/(n - k): count the degrees of
    # freedom the trends and AR fits used up, and judge r by its t statistic on what is left
    dfs = [max(1, n - sum(lost) - 2) for n in npairs]

    def _half(level: float, df: int) -> float:
        tq = float(stats.t.ppf(1 - level / 2, df))
        return tq / math.sqrt(df + tq * tq)

    alpha_fw = 1 - confidence ** (1.0 / m)
    out.update(lags=[s_ * gap for s_ in steps], spacing=gap, xcorr=[float(v) for v in xc], n_pairs=npairs,
               df=dfs, band=[_half(alpha, d) if n > 0 else float("nan") for n, d in zip(npairs, dfs)],
               band_familywise=[_half(alpha_fw, d) if n > 0 else float("nan") for n, d in zip(npairs, dfs)])
    if not np.isfinite(xc).any():
        out["interpretation"] = "too few epochs (or a constant series) for a lead/lag analysis"
        return out
    i = int(np.nanargmax(np.abs(xc)))
    r_ = min(abs(float(xc[i])), 1 - 1e-15)
    p_point = float(2 * stats.t.sf(r_ * math.sqrt(dfs[i] / (1 - r_ * r_)), dfs[i]))
    pval = float(1 - (1 - p_point) ** m) if familywise else p_point
    sig = pval < alpha
    lag = steps[i] * gap
    out.update(best_lag=lag, best_corr=float(xc[i]), pvalue=pval, significant=bool(sig), leads=bool(sig and lag > 0))
    out["interpretation"] = _interpret(sig, lag, float(xc[i]), pval, alpha)
    return out


def _interpret(sig: bool, lag: int, r: float, pval: float, alpha: float) -> str:
    if not sig:
        return (f"no lag beyond chance after detrending and prewhitening (largest |r| = {abs(r):.2f} at lag {lag} "
                f"epochs, p = {pval:.3g} >= {alpha:g}): no evidence that it moves with or before the loss")
    if lag > 0:
        return f"its fluctuations precede the loss's by {lag} epoch(s) (r = {r:.2f}, p = {pval:.3g})"
    if lag == 0:
        return f"its fluctuations coincide with the loss's (r = {r:.2f}, p = {pval:.3g}); no lead"
    return f"its fluctuations follow the loss's by {-lag} epoch(s) (r = {r:.2f}, p = {pval:.3g}); it lags"


_NOT_INDICATORS = ("pvalue", "p_value", "ari")
"""Fields of structure/flow files that are test outcomes, not properties of the network (a p-value,
an adjusted Rand index between epochs' layerings): they are not screened as indicators."""


@validate_params({
    "indicators": [InstanceOf(xr.Dataset)],
    "target": [InstanceOf(str)],
    "max_lag": [Interval(int, 0, None)],
    "min_abs_corr": [Interval(float, 0, 1)],
    "alpha": [Interval(float, 0, 1, closed="neither")],
})
def indicator_correlations(indicators: xr.Dataset, /, *, target: str = "val_loss", max_lag: int = 3,
                           min_abs_corr: float = 0.5, alpha: float = DEFAULT_ALPHA) -> dict[str, Any]:
    """How well does each indicator track `target` across epochs and across seeds?

    Parameters
    ----------
    indicators : Dataset
        Result of :func:`learning_indicators` (dims seed, epoch).
    target : str, default="val_loss"
        Variable the indicators are compared with.
    max_lag : int, default=3
        Lags (steps of each indicator's own epoch spacing) of :func:`lead_lag`.
    min_abs_corr : float, default=0.5
        Smallest |Spearman r| of levels (mean across seeds) for the descriptive ``tracks_level``.
    alpha : float in (0, 1), default=0.05
        Family-wise level over all indicators (Holm).

    Returns
    -------
    result : dict
        ``{indicator: {...}}`` with ``spearman_epochs`` (per seed), ``spearman_mean``/``_sd``,
        ``pearson_mean``, ``same_sign_all_seeds``, ``across_seeds`` (Spearman r over seeds of
        the final-epoch values; None with fewer than 3 seeds), ``lead_lag`` (dict, with
        ``pvalue_holm`` added), ``tracks_level`` (descriptive: |mean r of levels| >= min_abs_corr
        with one sign in every seed; any two monotone curves meet it), ``tracks`` (the criterion:
        the prewhitened cross-correlation is significant after Holm's correction over indicators)
        and ``leads`` (tracks, at a positive lag).

    Notes
    -----
    Levels of two training curves correlate through their shared trend, so ``tracks_level``
    is no evidence; ``tracks``/``leads`` use :func:`lead_lag` on detrended, prewhitened series,
    and Holm's step-down correction keeps the chance that any of the screened indicators is
    called tracking, when none is, at most alpha. Fields that are test outcomes (p-values, ARIs)
    are not indicators and are skipped.
    """
    if target not in indicators:
        raise ValueError(f"indicator_correlations: no variable {target!r}; have "
                         f"{sorted(map(str, indicators.data_vars))}.")
    y = indicators[target].transpose("seed", "epoch").values
    epochs = indicators["epoch"].values
    out: dict[str, Any] = {}
    for name in indicators.data_vars:
        if name == target or name in LOSSES or set(indicators[name].dims) != {"seed", "epoch"}:
            continue
        if any(tag in str(name).lower() for tag in _NOT_INDICATORS):
            continue
        x = indicators[name].transpose("seed", "epoch").values
        sp, pe = [], []
        for xs, ys in zip(x, y):
            ok = np.isfinite(xs) & np.isfinite(ys)
            if ok.sum() >= 3 and np.ptp(xs[ok]) > 0 and np.ptp(ys[ok]) > 0:
                sp.append(float(stats.spearmanr(xs[ok], ys[ok])[0]))
                pe.append(float(np.corrcoef(xs[ok], ys[ok])[0, 1]))
            else:
                sp.append(float("nan"))
                pe.append(float("nan"))
        spa = np.asarray(sp)
        fin = spa[np.isfinite(spa)]
        same = bool(fin.size > 0 and (np.all(fin > 0) or np.all(fin < 0)))
        mean = float(fin.mean()) if fin.size else float("nan")
        across = None
        if x.shape[0] >= 3:
            last_x = np.array([row[np.isfinite(row)][-1] if np.isfinite(row).any() else np.nan for row in x])
            last_y = np.array([row[np.isfinite(row)][-1] if np.isfinite(row).any() else np.nan for row in y])
            ok = np.isfinite(last_x) & np.isfinite(last_y)
            if ok.sum() >= 3 and np.ptp(last_x[ok]) > 0 and np.ptp(last_y[ok]) > 0:
                r, p = stats.spearmanr(last_x[ok], last_y[ok])
                across = {"spearman": float(r), "pvalue": float(p), "n_seeds": int(ok.sum())}
        ll = lead_lag(x, y, epochs=epochs, max_lag=max_lag, confidence=1.0 - alpha)
        out[str(name)] = {
            "spearman_epochs": sp, "spearman_mean": mean,
            "spearman_sd": float(fin.std(ddof=1)) if fin.size > 1 else float("nan"),
            "pearson_mean": float(np.nanmean(pe)) if np.isfinite(pe).any() else float("nan"),
            "same_sign_all_seeds": same, "across_seeds": across, "lead_lag": ll,
            "tracks_level": bool(same and abs(mean) >= min_abs_corr),
        }
    names = list(out)
    adj = holm([np.nan if out[n]["lead_lag"]["pvalue"] is None else out[n]["lead_lag"]["pvalue"] for n in names])
    for n, pa in zip(names, adj):
        ll = out[n]["lead_lag"]
        ll["pvalue_holm"] = None if not np.isfinite(pa) else float(pa)
        tracks = bool(np.isfinite(pa) and pa < alpha)
        out[n]["tracks"] = tracks
        out[n]["leads"] = bool(tracks and ll["best_lag"] is not None and ll["best_lag"] > 0)
    return out
