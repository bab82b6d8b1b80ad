"""User time series -> labelled (time, channel) DataArrays: :func:`load_csv` and :func:`from_numpy`.

First stage of the pipeline; the result feeds :func:`infoflow.data.prepare` exactly like a bundled
dataset. Users import these from ``infoflow.data``. Every check names the problem and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from infoflow._validation import Anything, InstanceOf, InvalidParameterError, NoneOK, Options, validate_params
from infoflow.data._series import as_name_list, closest, make_series

# Cells pandas treats as missing by default; anything else that fails to parse is "non-numeric".
_MISSING = {"", "nan", "NaN", "NAN", "NA", "N/A", "n/a", "null", "NULL", "None", "none", "-nan", "#N/A"}


@validate_params({"path": [InstanceOf(str, os.PathLike)], "value_columns": [Anything()],
                  "time_column": [NoneOK(), InstanceOf(str)], "fill": [NoneOK(), Options("interpolate")]})
def load_csv(path: str | os.PathLike, *, value_columns: str | Sequence[str], time_column: str | None = None,
             fill: str | None = None) -> xr.DataArray:
    """Read a time series from a CSV file with a header row.

    Parameters
    ----------
    path : str or path-like
        The CSV file (comma separated, first line the column names; ``#`` lines are comments).
    value_columns : str or sequence of str
        Columns to use as channels, in this order; the first is the forecasting target.
    time_column : str or None, default=None
        Column of time stamps (anything :func:`pandas.to_datetime` parses), strictly increasing;
        stamps with a UTC offset are converted to naive UTC.
        None: the time coordinate is the row index 0, 1, 2, ...
    fill : {None, "interpolate"}, default=None
        None: missing, NaN or infinite values raise. ``"interpolate"``: interior gaps are filled
        by linear interpolation (an ``InfoflowWarning`` says how many values; also in
        ``attrs["n_interpolated"]``); gaps at either end still raise.

    Returns
    -------
    series : DataArray of shape (n_time, n_channels)
        Dims ("time", "channel"), float64; attrs ``source`` (the path) and ``units="a.u."``.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    InvalidParameterError
        A requested column is not in the file (the message lists the available ones).
    ValueError
        Empty or unparsable file, non-numeric values (column and first bad row), NaN/inf,
        unparsable or non-increasing time stamps, a constant channel.
    """
    func = "load_csv"
    path = Path(path)
    columns = as_name_list(value_columns, param="value_columns", func=func)
    if not path.exists():
        raise FileNotFoundError(f"{func}: file {str(path)!r} does not exist. Check the path.")
    if path.is_dir():
        raise ValueError(f"{func}: {str(path)!r} is a directory; give the path of a CSV file.")
    try:
        # Blank lines are kept (an empty cell of a one-column file is a missing value), except at the end.
        df = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#", skipinitialspace=True,
                         skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{func}: {str(path)!r} is empty; it needs a header row and data rows.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{func}: could not parse {str(path)!r} as CSV; it is corrupt or not a CSV file "
                         f"({str(exc).strip()}).") from None
    blank = df.apply(lambda col: col.str.strip().eq("")).all(axis=1).to_numpy()
    n_rows = len(df) - (np.argmin(blank[::-1]) if not blank.all() else len(df))
    df = df.iloc[:n_rows]
    available = [str(c) for c in df.columns]
    numeric_header = bool(available) and bool(pd.to_numeric(pd.Series(available), errors="coerce").notna().all())
    for col in columns + ([time_column] if time_column is not None else []):
        if col not in available:
            if numeric_header:
                raise ValueError(f"{func}: {path.name} has no header row: its first line holds numbers "
                                 f"({', '.join(available[:4])}{', ...' if len(available) > 4 else ''}), not column "
                                 "names. Add a header row naming the columns, then name them in value_columns.")
            raise InvalidParameterError(f"{func}: column {col!r} is not in {path.name}; available columns are "
                                        f"{available}.{closest(col, available)}")
    if numeric_header:
        raise ValueError(f"{func}: {path.name} has no header row: its first line holds numbers "
                         f"({', '.join(available[:4])}), not column names. Add a header row naming the columns.")
    if len(df) == 0:
        raise ValueError(f"{func}: {str(path)!r} has a header but no data rows.")
    values = np.empty((len(df), len(columns)))
    for j, col in enumerate(columns):
        text = df[col].str.strip()
        num = pd.to_numeric(text.where(~text.isin(_MISSING)), errors="coerce")
        unparsed = num.isna() & ~text.isin(_MISSING)
        if unparsed.any():
            row = int(np.flatnonzero(unparsed.to_numpy())[0])
            raise ValueError(f"{func}: column {col!r} has non-numeric value {text.iloc[row]!r} at data row {row} "
                             f"(line {row + 2} of the file, counting the header). Fix or remove that row.")
        values[:, j] = num.to_numpy(dtype=float)
    if time_column is None:
        time = np.arange(len(df))
    else:
        try:
            stamps = pd.to_datetime(df[time_column].str.strip(), errors="coerce")
        except (ValueError, TypeError) as exc:  # e.g. stamps with and without a UTC offset
            raise ValueError(f"{func}: could not parse time column {time_column!r} ({exc}). Give every time "
                             "stamp the same format, or pass time_column=None.") from None
        bad = stamps.isna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{func}: time column {time_column!r} has unparsable time stamp "
                             f"{df[time_column].iloc[row]!r} at data row {row} (all stamps must share the format of "
                             "the "
                             "first). Fix it, or pass time_column=None.")
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)  # one naive axis, in UTC
        time = stamps.to_numpy()
        steps = np.diff(time)
        if (steps <= np.timedelta64(0)).any():
            row = int(np.flatnonzero(steps <= np.timedelta64(0))[0]) + 1
            raise ValueError(f"{func}: time stamps must strictly increase, but data row {row} "
                             f"({df[time_column].iloc[row]!r}) does not come after the row before it. "
                             "Sort the file and remove duplicate rows.")
    attrs = {"source": str(path), "units": "a.u.", "long_name": "user time series"}
    return make_series(values, time=time, channels=columns, func=func, fill=fill, attrs=attrs)


@validate_params({"array": [Anything()], "channel_names": [NoneOK(), Anything()]})
def from_numpy(array: Any, *, channel_names: str | Sequence[str] | None = None) -> xr.DataArray:
    """Wrap a NumPy array as a (time, channel) series.

    Parameters
    ----------
    array : array-like of shape (n_time,) or (n_time, n_channels)
        Numeric, finite, no constant channel. The first channel is the forecasting target.
    channel_names : sequence of str or None, default=None
        One unique name per channel; None gives ``"c0", "c1", ...``.

    Returns
    -------
    series : DataArray of shape (n_time, n_channels)
        Dims ("time", "channel"), float64; ``time`` is the integer step index.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflow.data import from_numpy
    >>> from_numpy(np.sin(np.arange(10.0)), channel_names=["signal"]).shape
    (10, 1)
    """
    func = "from_numpy"
    try:
        arr = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{func}: array must be numeric; could not convert it ({exc}).") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{func}: array must be 1-D (time,) or 2-D (time, channel); got shape {arr.shape}.")
    if arr.shape[0] < 2 or arr.shape[1] < 1:
        raise ValueError(f"{func}: array of shape {arr.shape} is too small; it needs at least 2 time steps "
                         "and 1 channel.")
    if channel_names is None:
        names = [f"c{j}" for j in range(arr.shape[1])]
    else:
        names = as_name_list(channel_names, param="channel_names", func=func)
        if len(names) != arr.shape[1]:
            raise InvalidParameterError(f"{func}: {len(names)} channel_names given for {arr.shape[1]} channels; "
                                        "give one name per column.")
    return make_series(arr, time=np.arange(arr.shape[0]), channels=names, func=func,
                       attrs={"source": "numpy array", "units": "a.u.", "long_name": "user time series"})
