"""Internal helpers shared by the data loaders: build one labelled (time, channel) series and
check it once (finite, not constant). First stage of the pipeline; users never import this module.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from infoflow._validation import InfoflowWarning, InvalidParameterError

SERIES_DIMS = ("time", "channel")


def closest(value: str, options: Sequence[str]) -> str:
    """' Did you mean 'x'?' for the closest option, or ''."""
    close = difflib.get_close_matches(str(value), [str(o) for o in options], n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else ""


def as_name_list(names: Any, *, param: str, func: str) -> list[str]:
    """Accept one string or a non-empty sequence of unique strings."""
    if isinstance(names, str):
        return [names]
    try:
        out = list(names)
    except TypeError:
        raise InvalidParameterError(
            f"{func}: {param} must be a string or a sequence of strings; got {names!r}.") from None
    if not out or not all(isinstance(n, str) for n in out):
        raise InvalidParameterError(f"{func}: {param} must be a non-empty sequence of strings; got {names!r}.")
    dup = sorted({n for n in out if out.count(n) > 1})
    if dup:
        raise InvalidParameterError(f"{func}: {param} lists {dup} more than once; name each channel once.")
    return out


def fill_gaps(values: np.ndarray, names: Sequence[str], *, func: str) -> tuple[np.ndarray, int]:
    """Linearly interpolate interior NaN/inf runs of each column; return (filled copy, values filled).

    Gaps at either end cannot be interpolated and raise, naming the channel and the fix.
    """
    out = values.copy()
    n_filled = 0
    idx = np.arange(out.shape[0])
    for j, name in enumerate(names):
        col = out[:, j]
        bad = ~np.isfinite(col)
        if not bad.any():
            continue
        good = np.flatnonzero(~bad)
        if good.size < 2 or bad[0] or bad[-1]:
            where = "at the start" if bad[0] else "at the end" if bad[-1] else "almost everywhere"
            raise ValueError(f"{func}: channel {name!r} has missing values {where}, which cannot be interpolated. "
                             "Trim those rows from the data first.")
        col[bad] = np.interp(idx[bad], good, col[good])
        n_filled += int(bad.sum())
    return out, n_filled


def make_series(values: np.ndarray, *, time: Any, channels: Sequence[str], func: str,
                fill: str | None = None, attrs: dict | None = None,
                channel_units: Sequence[str] | None = None, name: str = "series") -> xr.DataArray:
    """Check `values` (time, channel) and wrap it as a labelled DataArray.

    NaN/inf raise (unless ``fill="interpolate"``, which fills interior gaps, warns with the count
    and records it in ``attrs["n_interpolated"]``); a constant channel raises, naming it.
    """
    values = np.asarray(values, dtype=np.float64)
    attrs = dict(attrs or {})
    bad = ~np.isfinite(values)
    if bad.any():
        if fill != "interpolate":
            row, col = np.argwhere(bad)[0]
            kind = "NaN" if np.isnan(values[row, col]) else "infinite"
            raise ValueError(f"{func}: {int(bad.sum())} NaN/inf values (first: {kind} in channel {channels[col]!r} "
                             f"at row {int(row)}). Clean the data, or pass fill='interpolate' to fill interior gaps "
                             "linearly.")
        values, n_filled = fill_gaps(values, channels, func=func)
        warnings.warn(f"{func}: linearly interpolated {n_filled} missing value(s) in interior gaps.",
                      InfoflowWarning, stacklevel=3)
        attrs["n_interpolated"] = n_filled
    elif fill == "interpolate":
        attrs["n_interpolated"] = 0
    for j, ch in enumerate(channels):
        if values.shape[0] > 0 and np.ptp(values[:, j]) == 0:
            raise ValueError(f"{func}: channel {ch!r} is constant (every value is {values[0, j]!r}); it carries no "
                             "information to forecast from. Drop that channel.")
    coords: dict[str, Any] = {"time": time, "channel": list(channels)}
    if channel_units is not None:
        coords["channel_units"] = ("channel", list(channel_units))
    return xr.DataArray(values, dims=SERIES_DIMS, coords=coords, name=name, attrs=attrs)


def check_series(series: Any, *, func: str, param: str = "series") -> xr.DataArray:
    """Accept a (time, channel) DataArray or a 1-D/2-D array and return a (time, channel) DataArray."""
    if isinstance(series, xr.DataArray):
        if series.ndim == 1 and series.dims[0] == "time":
            series = series.expand_dims(channel=[str(series.name or "value")], axis=1)
        if set(series.dims) != set(SERIES_DIMS):
            raise ValueError(f"{func}: {param} must have dims ('time', 'channel'); got {series.dims}. "
                             "Use load_dataset, load_csv or from_numpy to build one.")
        return series.transpose(*SERIES_DIMS)
    try:
        arr = np.asarray(series, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{func}: {param} must be numeric ({exc}).") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{func}: {param} must be 1-D (time,) or 2-D (time, channel); got shape {arr.shape}.")
    return xr.DataArray(arr, dims=SERIES_DIMS, coords={"time": np.arange(arr.shape[0]),
                                                       "channel": [f"c{j}" for j in range(arr.shape[1])]})
