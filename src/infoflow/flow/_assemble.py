"""The flow Dataset: the per-epoch results of :mod:`._sequential` labelled, stacked and described.

Flow layer; users do not import this module. The layout is the contract of ``flow.nc``
(docs/design.md, "Flow"), which structure, bottleneck, dynamics and report read.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from infoflow.flow import _significance as sig
from infoflow.flow._input import FlowInput
from infoflow.flow._plan import Plan


def _peak(values: np.ndarray, lags) -> tuple[np.ndarray, np.ndarray]:
    finite = np.isfinite(values).any(axis=0)
    filled = np.where(np.isfinite(values), values, -np.inf)
    idx = filled.argmax(axis=0)
    peak = np.where(finite, np.take_along_axis(filled, idx[None], 0)[0], np.nan)
    lag = np.where(finite, np.asarray(lags)[idx], 0)
    return peak, lag.astype(np.int64)


def _netcdf_attrs(attrs: dict) -> dict:
    out: dict[str, Any] = {}
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


def assemble(inp: FlowInput, results: list[dict], plan: Plan):
    """The flow Dataset of the analysed epochs (layout and attrs: ``information_flow``'s Returns)."""
    import xarray as xr

    from infoflow import __version__

    da, labels, measure, pvalue = inp.da, inp.labels, plan.measure, plan.pvalue

    names = [str(v) for v in da["neuron"].values]
    roles = [str(v) for v in da["role"].values]
    lags = list(plan.lags)
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
                                             "pvalue": pvalue}),
            "pvalue_source": (pair, res["pvalue_source"], {"long_name": "which p-value the pair got", "units": "1",
                                                           "flag_meanings": ", ".join(f"{i}: {m}" for i, m in
                                                                                      enumerate(sig.PVALUE_SOURCES))}),
            "pvalue_lag": (lag_pair, res["pvalue_lag"], {"long_name": f"p-value of {measure} at each lag",
                                                         "units": "1"}),
            "pvalue_adjusted": (pair, res["pvalue_adjusted"], {"long_name": "Benjamini-Hochberg adjusted p-value",
                                                               "units": "1"}),
            "significant": (pair, res["significant"], {"long_name": f"significant {measure} at FDR {plan.alpha}"}),
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
        if plan.screen:
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
        "long_name": "information flow between neuron pairs", "units": "nat", "estimator": plan.method,
        "theiler": plan.theiler, "jitter": plan.jitter, "seed": plan.seed, "surrogates": plan.surrogates,
        "surrogate_kind": "circular time shift of the source",
        "min_shift": int(max(r["min_shift"] for r in results)), "pvalue": pvalue,
        "pvalue_model": ("generalised Pareto tail of the top 20% of surrogates beyond the largest one, predictive "
                       "over its scale and its shape (0-0.8, pooled over the pairs; a pair whose own tail rejects "
                       "the pooled shape takes the larger p-value, pvalue_source); empirical within the surrogates; "
                       "never below 1/(distinct shifts + 1)"
                       if pvalue == "fit" else "empirical rank, (1 + #exceeding) / (surrogates + 1)"),
        "sequential": int(plan.sequential),
        "sequential_rule": ("rounds ending at " + ", ".join(str(m) for m in sig.checkpoints(plan.surrogates, True))
                            + " surrogates; a pair stops for futility when P(Binomial(m, a) >= its exceedances) < "
                            f"{sig.FUTILITY_LEVEL:g}, a = alpha x (pairs still rejectable / pairs tested), the largest "
                            "p-value BH could still reject; or as accepted when BH on the current p-values x "
                            f"{plan.margin:g} (the looks at which a pair can stop) rejects it" if plan.sequential else
                            "off: every tested pair gets every surrogate"),
        "alpha": plan.alpha, "fdr": "bh",
        "measure": measure, "tested": f"peak over lags of {measure}", "lags": lags, "history": plan.history,
        "condition_on_input": int(plan.condition_on_input), "screen": int(plan.screen),
        "n_samples": int(da.sizes["time"]), "n_epochs_analysed": len(labels),
        "infoflow_version": __version__,
    })
    if plan.method == "ksg":
        attrs["k"] = plan.k
    if plan.screen:
        attrs.update(screen_estimator="gaussian_copula", screen_threshold=plan.screen_threshold,
                     screen_note="pairs that failed the gaussian-copula screen were not tested with KSG; "
                                 "their pvalue is 1")
    ds.attrs = attrs
    return ds

