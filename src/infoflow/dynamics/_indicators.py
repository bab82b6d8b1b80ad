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
from infoflow._defaults import DEFAULT_BINS, DEFAULT_SEED
from infoflow._validation import (Anything, InfoflowWarning, InstanceOf, Interval, NoneOK, Options, check_seed,
                                  validate_params)
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
    out = {}
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
                if key != "epoch" and isinstance(col, list) and len(col) == len(ep):
                    if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in col):
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
    "callback": [NoneOK(), InstanceOf(Callable)],
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
    for name in out.data_vars:
        long, unit = labels.get(name, (name.replace("_", " "), "1"))
        out[name].attrs.update(long_name=long, units=unit)
    out.attrs = {"long_name": "indicators of learning", "entropy_method": entropy_method,
                 "bins": int(bins_) if "binning" in (entropy_method, mi_method) else "none",
                 "tc_method": tc_method, "mi_method": mi_method, "n_warnings": int(n_warn),
                 "max_samples": "none" if max_samples is None else int(max_samples),
                 "n_samples": int(min(hidden_all[0].sizes["time"], max_samples or 10 ** 12)),
                 "infoflow_version": __version__}
    return out


def _diff_pairs(a: np.ndarray, b: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (da_t, db_{t+lag}) pooled over seeds (rows), each seed's differences z-scored."""
    xs, ys = [], []
    for ra, rb in zip(a, b):
        ok = np.isfinite(ra) & np.isfinite(rb)
        ra, rb = ra[ok], rb[ok]  # an epoch missing in either series is dropped before differencing
        da, db = np.diff(ra), np.diff(rb)
        if da.size < 3 or np.std(da) == 0 or np.std(db) == 0:
            continue
        da, db = (da - da.mean()) / da.std(), (db - db.mean()) / db.std()
        if lag >= 0:
            xs.append(da[:da.size - lag]), ys.append(db[lag:])
        else:
            xs.append(da[-lag:]), ys.append(db[:db.size + lag])
    if not xs:
        return np.empty(0), np.empty(0)
    return np.concatenate(xs), np.concatenate(ys)


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    if x.size < 3 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


@validate_params({
    "indicator": [Anything()], "loss": [Anything()],
    "max_lag": [Interval(int, 0, None)],
    "confidence": [Interval(float, 0, 1, closed="neither")],
    "band": [Options("analytic", "permutation")],
    "familywise": [InstanceOf(bool)],
    "n_surrogates": [Interval(int, 10, None)],
    "seed": [Interval(int, 0, None), NoneOK()],
})
def lead_lag(indicator: Any, loss: Any, /, *, max_lag: int = 3, confidence: float = 0.95, band: str = "analytic",
             familywise: bool = True, n_surrogates: int = 500, seed: int | None = DEFAULT_SEED) -> dict[str, Any]:
    """Does the indicator move before the loss? Cross-correlation of first differences at lags.

    Parameters
    ----------
    indicator, loss : array-like of shape (n_epoch,) or (n_seed, n_epoch)
        Per-epoch series; with several seeds, differences are taken within each seed, z-scored per
        seed and pooled.
    max_lag : int, default=3
        Lags -max_lag..max_lag (in epochs) are examined.
    confidence : float in (0, 1), default=0.95
    band : {"analytic", "permutation"}, default="analytic"
        "analytic": +-q/sqrt(n_pairs(lag)), q the normal quantile (q = 1.96 at 95 %), the white-noise
        band. "permutation": the `confidence` quantile of |r| when the indicator's differences are
        shuffled within each seed (`n_surrogates` shuffles, seeded).
    familywise : bool, default=True
        Judge significance against the family-wise band, which allows for picking the best of the
        2*max_lag+1 lags: analytic, Sidak q = Phi^-1(1/2 + confidence^(1/m)/2) (2.68 for m = 7 at
        95 %); permutation, the `confidence` quantile of max-over-lags |r|. False: the pointwise band.
    n_surrogates : int, default=500
    seed : int or None, default=0

    Returns
    -------
    result : dict
        ``lags``, ``xcorr`` (r at each lag), ``band`` (pointwise half-width at each lag),
        ``band_familywise``, ``n_pairs``, ``best_lag`` (lag of largest |r|), ``best_corr``,
        ``significant`` (|best r| beyond the family-wise band, or the pointwise one),
        ``leads`` (significant and best_lag > 0), ``interpretation`` (one sentence).

    Notes
    -----
    Lag L > 0 correlates the indicator's change at epoch t with the loss change at t+L: the
    indicator leads by L epochs. Differencing removes the shared downward trend that makes the
    levels of almost any two training curves correlate. Bands assume roughly white differences;
    with few epochs only strong effects clear them.

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
    lags = list(range(-max_lag, max_lag + 1))
    m = len(lags)
    # pointwise band, and the family-wise one that allows for taking the best of m lags (Sidak)
    q = float(stats.norm.ppf(0.5 + confidence / 2))
    q_fw = float(stats.norm.ppf(0.5 + confidence ** (1.0 / m) / 2))
    pairs = [_diff_pairs(a, b, lag) for lag in lags]
    xc = [_corr(x, y) for x, y in pairs]
    npairs = [int(x.size) for x, _ in pairs]
    if band == "analytic":
        half = [q / math.sqrt(n) if n > 0 else float("nan") for n in npairs]
        half_fw = [q_fw / math.sqrt(n) if n > 0 else float("nan") for n in npairs]
    else:
        rng = check_seed(seed)
        null = np.full((n_surrogates, m), np.nan)
        for s_ in range(n_surrogates):
            # shuffle the indicator's differences within each seed, rebuild its levels
            shuffled = np.array([np.r_[row[:1], row[0] + np.cumsum(rng.permutation(np.diff(row)))]
                                 if np.isfinite(row).all() else row for row in a])
            null[s_] = [abs(_corr(*_diff_pairs(shuffled, b, lag))) for lag in lags]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns for too-short series
            half = list(np.nanquantile(null, confidence, axis=0))
            fw = np.nanmax(null, axis=1)
            fw = fw[np.isfinite(fw)]
        half_fw = [float(np.quantile(fw, confidence)) if fw.size else float("nan")] * m
    xca = np.asarray(xc)
    thr = half_fw if familywise else half
    out: dict[str, Any] = {"lags": lags, "xcorr": xc, "band": [float(v) for v in half],
                           "band_familywise": [float(v) for v in half_fw], "n_pairs": npairs, "band_kind": band,
                           "familywise": bool(familywise), "confidence": float(confidence), "best_lag": None,
                           "best_corr": None, "significant": False, "leads": False, "interpretation": ""}
    if not np.isfinite(xca).any():
        out["interpretation"] = "too few epochs (or a constant series) for a lead/lag analysis"
        return out
    i = int(np.nanargmax(np.abs(xca)))
    sig = bool(abs(xca[i]) > thr[i])
    out.update(best_lag=lags[i], best_corr=float(xca[i]), significant=sig, leads=bool(sig and lags[i] > 0))
    if not sig:
        kind = "family-wise " if familywise else ""
        out["interpretation"] = (f"no lag clears the {100 * confidence:g}% {kind}{band} band (largest |r| = {abs(xca[i]):.2f} "
                                 f"at lag {lags[i]}): no evidence that it moves with or before the loss")
    elif lags[i] > 0:
        out["interpretation"] = f"changes precede loss changes by {lags[i]} epoch(s) (r = {xca[i]:.2f})"
    elif lags[i] == 0:
        out["interpretation"] = f"changes coincide with loss changes (r = {xca[i]:.2f}); no lead"
    else:
        out["interpretation"] = f"changes follow loss changes by {-lags[i]} epoch(s) (r = {xca[i]:.2f}); it lags"
    return out


@validate_params({
    "indicators": [InstanceOf(xr.Dataset)],
    "target": [InstanceOf(str)],
    "max_lag": [Interval(int, 0, None)],
    "min_abs_corr": [Interval(float, 0, 1)],
})
def indicator_correlations(indicators: xr.Dataset, /, *, target: str = "val_loss", max_lag: int = 3,
                           min_abs_corr: float = 0.5) -> dict[str, Any]:
    """How well does each indicator track `target` across epochs and across seeds?

    Parameters
    ----------
    indicators : Dataset
        Result of :func:`learning_indicators` (dims seed, epoch).
    target : str, default="val_loss"
        Variable the indicators are compared with.
    max_lag : int, default=3
        Lags of the lead/lag analysis (:func:`lead_lag`, analytic 95 % family-wise band).
    min_abs_corr : float, default=0.5
        Smallest |Spearman r| (mean across seeds) for the "tracks_level" verdict.

    Returns
    -------
    result : dict
        ``{indicator: {...}}`` with ``spearman_epochs`` (per seed), ``spearman_mean``/``_sd``,
        ``pearson_mean``, ``same_sign_all_seeds``, ``across_seeds`` (Spearman r over seeds of
        the final-epoch values; None with fewer than 3 seeds), ``lead_lag`` (dict), and
        ``tracks_level`` (|mean r| >= min_abs_corr with one sign in every seed) and ``leads``.

    Notes
    -----
    Levels of two training curves correlate through their shared trend, so ``tracks_level``
    alone is weak evidence; ``lead_lag`` works on first differences.
    """
    if target not in indicators:
        raise ValueError(f"indicator_correlations: no variable {target!r}; have {sorted(map(str, indicators.data_vars))}.")
    y = indicators[target].transpose("seed", "epoch").values
    out: dict[str, Any] = {}
    for name in indicators.data_vars:
        if name == target or name in LOSSES or set(indicators[name].dims) != {"seed", "epoch"}:
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
        ll = lead_lag(x, y, max_lag=max_lag)
        out[str(name)] = {
            "spearman_epochs": sp, "spearman_mean": mean,
            "spearman_sd": float(fin.std(ddof=1)) if fin.size > 1 else float("nan"),
            "pearson_mean": float(np.nanmean(pe)) if np.isfinite(pe).any() else float("nan"),
            "same_sign_all_seeds": same, "across_seeds": across, "lead_lag": ll,
            "tracks_level": bool(same and abs(mean) >= min_abs_corr), "leads": ll["leads"],
        }
    return out
