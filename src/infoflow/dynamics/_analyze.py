"""One call for the whole dynamics analysis, returning a JSON-safe dict (``dynamics.json``).

Pipeline place: the top of the dynamics package, used by the CLI (``infoflow dynamics``) and the
report. The information plane comes from :mod:`infoflow.bottleneck`, which this package cannot
import (same layer): pass its Dataset as ``plane=``, or leave it in the run folder as
``information_plane.nc`` and it is read from there.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from infoflow import __version__
from infoflow._defaults import DEFAULT_ALPHA
from infoflow._validation import Anything, CallableOK, InstanceOf, Interval, NoneOK, Options, validate_params
from infoflow.dynamics._gradients import gradient_phases
from infoflow.dynamics._indicators import LOSSES, indicator_correlations, learning_indicators
from infoflow.dynamics._recordings import as_recordings, load_run

OUTPUT_KEYS = ("infoflow_version", "n_seeds", "seeds", "n_epochs", "epochs", "information_plane", "compression",
               "neuron_correlation", "phase_transition", "comparison", "indicator_correlations", "settings",
               "figures")
"""Top-level keys of the analyze_dynamics dict (and dynamics.json), in order; a test pins them."""


def json_safe(obj: Any) -> Any:
    """Nested copy with numpy scalars/arrays turned into Python values and NaN/inf into None."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return json_safe(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _band(da: xr.DataArray) -> dict[str, list]:
    sd = da.std("seed", ddof=1) if da.sizes["seed"] > 1 else xr.full_like(da.isel(seed=0), np.nan)
    return {"mean": da.mean("seed").values, "sd": sd.values, "min": da.min("seed").values, "max": da.max("seed").values}


def _plane_summary(plane: xr.Dataset) -> tuple[dict, dict, dict, dict[str, float]]:
    """Trajectories, verdicts and neuron correlations read from an information-plane Dataset."""
    traj, comp, ncorr, turning = {}, {}, {}, {}
    last = plane["epoch"].values[-1]
    for est in map(str, plane["estimator"].values):
        sub = plane.sel(estimator=est)
        reg = str(plane["regulariser"].sel(estimator=est).values) if "regulariser" in plane.coords else "unknown"
        traj[est] = {"regulariser": reg, "noise_sd": plane.attrs.get("noise_sd", 0.0),
                     "I_X": _band(sub["I_X"]), "I_Y": _band(sub["I_Y"])}
        if "compression" in plane:
            tp = float(sub["turning_epoch"].values)
            turning[est] = tp
            comp[est] = {"compression": bool(int(sub["compression"].values)), "turning_epoch": tp,
                         "regulariser": reg,
                         "finding": str(sub["compression_finding"].values) if "compression_finding" in sub else None,
                         "excluded": bool(int(sub["at_ceiling"].values)) if "at_ceiling" in sub else False,
                         "finding_seed": (dict(zip(map(str, plane["seed"].values),
                                                   map(str, sub["finding_seed"].values)))
                                          if "finding_seed" in sub else {}),
                         "pvalue_seed": (dict(zip(map(str, plane["seed"].values),
                                                  sub["compression_pvalue_seed"].values))
                                         if "compression_pvalue_seed" in sub else {}),
                         "alpha": plane.attrs.get("compression_alpha"),
                         "peak_epoch": float(sub["peak_epoch"].values) if "peak_epoch" in sub else None,
                         "fitting_phase": bool(int(sub["fitting_phase"].values)) if "fitting_phase" in sub else None,
                         "reason": str(sub["compression_reason"].values) if "compression_reason" in sub else "",
                         "seeds_compressing": int(sub["compression_seed"].sum()), "n_seeds": int(plane.sizes["seed"]),
                         "turning_epoch_seed": dict(zip(map(str, plane["seed"].values),
                                                        sub["turning_epoch_seed"].values)),
                         "criterion": plane.attrs.get("compression_criterion", "")}
        if "neuron_corr" in plane:
            r = sub["neuron_corr"].sel(epoch=last)
            ncorr[est] = {"epoch": last, "r_seed": dict(zip(map(str, plane["seed"].values), r.values)),
                          "low_seed": dict(zip(map(str, plane["seed"].values),
                                               sub["neuron_corr_low"].sel(epoch=last).values)),
                          "high_seed": dict(zip(map(str, plane["seed"].values),
                                                sub["neuron_corr_high"].sel(epoch=last).values)),
                          "r_mean": float(r.mean()), "r_over_epochs_mean": sub["neuron_corr"].mean("seed").values,
                          "interval": plane.attrs.get("neuron_corr_ci", "Fisher z 95%")}
    return traj, comp, ncorr, turning


@validate_params({
    "source": [Anything()],
    "plane": [NoneOK(), InstanceOf(xr.Dataset)],
    "target": [Options(*LOSSES)],
    "max_lag": [Interval(int, 0, None)],
    "entropy_method": [Options("binning", "gaussian", "ksg", "kde")],
    "tc_method": [Options("gaussian", "gaussian_copula")],
    "mi_method": [Options("gaussian_copula", "gaussian", "ksg", "binning", "kde")],
    "max_samples": [NoneOK(), Interval(int, 10, None)],
    "min_ratio": [Interval(float, 1, None)],
    "figures_dir": [NoneOK(), InstanceOf(str, os.PathLike)],
    "callback": [NoneOK(), CallableOK()],
})
def analyze_dynamics(source: Any, /, *, plane: xr.Dataset | None = None, target: str = "val_loss", max_lag: int = 3,
                     entropy_method: str = "binning", tc_method: str = "gaussian", mi_method: str = "gaussian_copula",
                     max_samples: int | None = None, min_ratio: float = 2.0,
                     figures_dir: str | os.PathLike | None = None,
                     callback: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Indicators of learning, drift/diffusion phases and the information plane, as one JSON-safe dict.

    Parameters
    ----------
    source : path-like, Dataset or sequence of Datasets
        A run folder (``recording.zarr``, or ``seed_<s>/`` runs) or recordings, one per seed.
    plane : Dataset or None, default=None
        Result of :func:`infoflow.bottleneck.information_plane`. None: read
        ``information_plane.nc`` from the run folder if there; otherwise the information-plane
        keys are empty.
    target : {"val_loss", "train_loss", "test_loss"}, default="val_loss"
        Loss the indicators are compared with.
    max_lag : int, default=3
        Lags (epochs) of the lead/lag analysis.
    entropy_method, tc_method, mi_method, max_samples
        Passed to :func:`learning_indicators`.
    min_ratio : float, default=2.0
        SNR drop factor the drift/diffusion transition must reach (:func:`detect_transition`).
    figures_dir : path-like or None, default=None
        If given, write ``gradient_snr`` and ``indicators`` figures (PNG+SVG) there.
    callback : callable(done, total) or None
        Progress of the indicator computation.

    Returns
    -------
    result : dict
        Keys (:data:`OUTPUT_KEYS`): ``epochs`` (per-epoch rows: losses, indicators, SNR and I_X/I_Y
        per estimator, each as ``<name>_mean`` and ``<name>_sd`` across seeds), ``information_plane``
        (trajectories with regulariser), ``compression`` (verdict per estimator),
        ``neuron_correlation``, ``phase_transition`` (per group: seed-mean and per-seed epochs),
        ``comparison`` (transition epoch minus turning epoch per estimator),
        ``indicator_correlations``, ``settings``, ``figures``. NaN is written as None.
    """
    run_dir = None
    if isinstance(source, (str, os.PathLike)):
        run_dir = Path(source)
        recs = load_run(run_dir)
    else:
        recs, _ = as_recordings(source, func="analyze_dynamics", require=("activity", "target"))
    if plane is None and run_dir is not None and (run_dir / "information_plane.nc").exists():
        from infoflow._io import load_dataset

        plane = load_dataset(run_dir / "information_plane.nc")

    ind = learning_indicators(recs, entropy_method=entropy_method, tc_method=tc_method, mi_method=mi_method,
                              max_samples=max_samples, callback=callback)
    have_grads = all("grad_mean_norm" in ds and "grad_std_norm" in ds for ds in recs)
    phases = gradient_phases(recs, min_ratio=min_ratio) if have_grads else None
    if plane is not None:
        for est in map(str, plane["estimator"].values):
            for v in ("I_X", "I_Y"):
                da = plane[v].sel(estimator=est, drop=True).reindex(epoch=ind["epoch"], seed=ind["seed"])
                ind[f"plane_{v}_{est}"] = da.assign_attrs(long_name=f"{v} ({est})", units="nat")
    corr = indicator_correlations(ind, target=target, max_lag=max_lag) if target in ind else {}

    epochs = [int(e) for e in ind["epoch"].values]
    rows = [{"epoch": e} for e in epochs]
    for name in ind.data_vars:
        b = _band(ind[name])
        for i in range(len(rows)):
            rows[i][f"{name}_mean"] = b["mean"][i]
            rows[i][f"{name}_sd"] = b["sd"][i]
    transition: dict[str, Any] = {}
    comparison: dict[str, Any] = {}
    if phases is not None:
        snr = phases["snr"].reindex(epoch=ind["epoch"])
        for g in map(str, phases["group"].values):
            b = _band(snr.sel(group=g))
            for i in range(len(rows)):
                rows[i][f"snr_{g}_mean"] = b["mean"][i]
                rows[i][f"snr_{g}_sd"] = b["sd"][i]
            sd_ = list(map(str, phases["seed"].values))
            transition[g] = {"answer": str(phases["answer"].sel(group=g).values),
                             "n_seeds_yes": int(phases["n_seeds_yes"].sel(group=g).values),
                             "n_seeds": len(sd_),
                             "transition_epoch": float(phases["transition_epoch_mean"].sel(group=g).values),
                             "transition_epoch_seed": dict(zip(sd_, phases["transition_epoch"].sel(group=g).values)),
                             "answer_seed": dict(zip(sd_, map(str, phases["transition_answer"].sel(group=g).values))),
                             "pvalue_seed": dict(zip(sd_, phases["transition_pvalue"].sel(group=g).values)),
                             "szt_epoch_seed": dict(zip(sd_, phases["szt_epoch"].sel(group=g).values)),
                             "snr_ratio_seed": dict(zip(sd_, phases["snr_ratio"].sel(group=g).values))}
        transition["criterion"] = phases.attrs["criterion"]
        transition["gradient_source"] = phases.attrs["gradient_source"]
        transition["alpha"] = phases.attrs["alpha"]
        transition["min_ratio"] = float(min_ratio)
    traj, comp, ncorr, turning = _plane_summary(plane) if plane is not None else ({}, {}, {}, {})
    te_all = transition.get("all", {}).get("transition_epoch", float("nan"))
    for est, tp in turning.items():
        both = math.isfinite(te_all) and math.isfinite(tp)
        comparison[est] = {"transition_epoch": te_all, "turning_epoch": tp,
                           "difference": te_all - tp if both else None,
                           "note": ("SNR transition and information-plane turning point both found"
                                    if both else "not comparable: " +
                                    ("no SNR transition" if not math.isfinite(te_all) else "no compression phase"))}

    figures: list[str] = []
    if figures_dir is not None:
        from infoflow.dynamics._plot import plot_gradient_snr, plot_indicators

        fdir = Path(figures_dir)
        if phases is not None:
            figures += map(str, plot_gradient_snr(phases, fdir / "gradient_snr", turning_epochs=turning))
        figures += map(str, plot_indicators(ind, fdir / "indicators", target=target))

    result = {
        "infoflow_version": __version__, "n_seeds": int(ind.sizes["seed"]),
        "seeds": [int(s) for s in ind["seed"].values], "n_epochs": len(epochs), "epochs": rows,
        "information_plane": traj, "compression": comp, "neuron_correlation": ncorr,
        "phase_transition": transition, "comparison": comparison, "indicator_correlations": corr,
        "settings": {"target": target, "max_lag": max_lag, "lead_lag_band": ("each seed's indicator and loss detrended "
                                                                             "(polynomial in log epoch and three "
                                                                             "decaying "
                                       "exponentials), prewhitened by their own AR fit (order by AIC), "
                                       "cross-correlated "
                                       "at lags -max_lag..max_lag measured steps (reported in epochs); t test on the "
                                       f"degrees of freedom left, Sidak over lags, Holm over indicators at alpha "
                                       f"{DEFAULT_ALPHA:g}"),
                     "entropy_method": entropy_method, "tc_method": tc_method, "mi_method": mi_method,
                     "bins": ind.attrs["bins"], "max_samples": ind.attrs["max_samples"],
                     "band_across_seeds": "mean and sample SD (also min/max in trajectories)",
                     "run_dir": str(run_dir) if run_dir is not None else None,
                     "plane_window": plane.attrs.get("window") if plane is not None else None,
                     "indicator_warnings": ind.attrs["n_warnings"]},
        "figures": figures,
    }
    return json_safe(result)
