"""Bundled real weather series (package data, nothing is downloaded): the registry behind
:func:`infoflow.data.list_datasets` and :func:`infoflow.data.load_dataset`.

First stage of the pipeline (data -> models -> train -> ...). Users import the public names from
``infoflow.data``. The CSVs under ``_bundled/`` are column extracts of the raw files listed in
``_bundled/SOURCES.md`` (licences and attribution there).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
import xarray as xr

from infoflow._validation import Anything, InvalidParameterError, NoneOK, Options, validate_params
from infoflow.data._series import as_name_list, closest, make_series

TMY3_NOMINAL_YEAR = 2001  # any non-leap year: TMY3 months come from different years and have no 29 Feb

_TMY3_UNITS = {"temperature": "degC", "dew_point": "degC", "relative_humidity": "%", "pressure": "mbar",
               "wind_speed": "m/s"}
_TMY3_SOURCE = ("NREL National Solar Radiation Data Base, TMY3 (Wilcox & Marion 2008); raw file as shipped "
                "in pvlib 0.16.1 as pvlib/data/{file}")
_TMY3_LICENCE = "US government work (public domain)"
_NOAA_SOURCE = "NOAA, as shipped in vega-datasets 0.9.0 ({file}); converted here from deg F to deg C"
_NOAA_LICENCE = "public domain (NOAA)"

_SMOOTH_FINDING = (
    "CHECKED: appears smoothed/interpolated (a climatological, hourly-normals-like series), not raw 2010 "
    "observations: the hour-to-hour changes repeat almost exactly from one day to the next "
    "(std of the change minus the change 24 h earlier = {rep} x the std of the change; TMY3 "
    "Greensboro 0.96, Sand Point 1.29), the changes are strongly autocorrelated (lag-1 "
    "autocorrelation {ac1} vs 0.52 and 0.05), and daily means drift by only {daily} degC "
    "day to day (sd; TMY3 3.2 and 1.9 degC). Easy to forecast; not a test of weather dynamics. "
)


@dataclass(frozen=True)
class DatasetInfo:
    """Description of one bundled dataset (see :func:`list_datasets`).

    Attributes
    ----------
    name : str
        Key for :func:`load_dataset`.
    description : str
        What the series is, its quirks and checks made on it.
    station : str
        Station id and name.
    units : str
        Units of the target channel (``"temperature"``, always first).
    n_hours : int
        Number of hourly steps :func:`load_dataset` returns.
    channels : tuple of str
        Channels available, target first.
    source : str
        Where the raw file comes from.
    licence : str
        Licence of the raw data.
    channel_units : tuple of str
        Units of each channel, aligned with `channels`.
    """

    name: str
    description: str
    station: str
    units: str
    n_hours: int
    channels: tuple[str, ...]
    source: str
    licence: str
    channel_units: tuple[str, ...] = ()


_REGISTRY: dict[str, DatasetInfo] = {
    info.name: info
    for info in [
        DatasetInfo(
            name="greensboro",
            description=(
                "TMY3 typical meteorological year, Greensboro Piedmont Triad International Airport (NC, USA): "
                "hourly dry-bulb air temperature (degC) plus dew point (degC), relative humidity (%), station "
                "pressure (mbar) and wind speed (m/s). The DEFAULT dataset. Each month is drawn from a different "
                "year (1980-2003: Jan 1988, Feb 1996, Mar 1990, Apr 1980, May 1986, Jun 1989, Jul 1981, Aug 2001, "
                "Sep 2003, Oct 1980, Nov 1994, Dec 1980), so there are small jumps at month boundaries. "
                "Temperatures are recorded at 0.1 degC resolution: only 147 distinct values in 8760 hours "
                "(many ties; estimators break them with jitter). Time stamps: the row's month/day/hour-ending "
                f"in nominal year {TMY3_NOMINAL_YEAR} (hour 24:00 is 00:00 of the next day)."
            ),
            station="723170 Greensboro Piedmont Triad Intl Airport, NC",
            units="degC", n_hours=8760,
            channels=("temperature", "dew_point", "relative_humidity", "pressure", "wind_speed"),
            channel_units=("degC", "degC", "%", "mbar", "m/s"),
            source=_TMY3_SOURCE.format(file="723170TYA.CSV"), licence=_TMY3_LICENCE,
        ),
        DatasetInfo(
            name="sand_point",
            description=(
                "TMY3 typical meteorological year, Sand Point airport (AK, USA): hourly dry-bulb air temperature "
                "(degC) plus dew point (degC), relative humidity (%) and wind speed (m/s). Months drawn from "
                "different years (1991-2005), so small jumps at month boundaries. 263 distinct temperature values "
                "(0.1 degC resolution); 2919 of the 8760 temperature hours carry TMY3 source flags B (1329) or E "
                "(1590) rather than A, i.e. they were filled rather than measured. Station pressure is a "
                "constant 1012 mbar fill value in the raw file and is therefore not offered. Time stamps as for "
                f"greensboro (nominal year {TMY3_NOMINAL_YEAR})."
            ),
            station="703165 Sand Point airport, AK",
            units="degC", n_hours=8760,
            channels=("temperature", "dew_point", "relative_humidity", "wind_speed"),
            channel_units=("degC", "degC", "%", "m/s"),
            source=_TMY3_SOURCE.format(file="703165TY.csv"), licence=_TMY3_LICENCE,
        ),
        DatasetInfo(
            name="seattle_2010",
            description=(
                "Hourly air temperature, Seattle (WA, USA), labelled calendar year 2010, local clock time; "
                "converted from deg F to degC. "
                + _SMOOTH_FINDING.format(rep="0.06", ac1="0.91", daily="0.10")
                + "The raw file skips 2010-03-14 03:00 (DST change); that one hour is filled by linear "
                "interpolation so the time axis is regular (8760 h)."
            ),
            station="Seattle, WA (NOAA)",
            units="degC", n_hours=8760, channels=("temperature",), channel_units=("degC",),
            source=_NOAA_SOURCE.format(file="seattle_2010_hourly_temps.csv"),
            licence=_NOAA_LICENCE,
        ),
        DatasetInfo(
            name="san_francisco_2010",
            description=(
                "Hourly air temperature, San Francisco (CA, USA), labelled calendar year 2010, local clock time; "
                "converted from deg F to degC. "
                + _SMOOTH_FINDING.format(rep="0.05", ac1="0.89", daily="0.06")
                + "The raw file skips 2010-03-14 03:00 (DST change); that one hour is filled by linear "
                "interpolation so the time axis is regular (8760 h)."
            ),
            station="San Francisco, CA (NOAA)",
            units="degC", n_hours=8760, channels=("temperature",), channel_units=("degC",),
            source=_NOAA_SOURCE.format(file="san_francisco_2010_hourly_temps.csv"),
            licence=_NOAA_LICENCE,
        ),
    ]
}


@validate_params({})
def list_datasets() -> list[DatasetInfo]:
    """List the bundled real datasets.

    Returns
    -------
    infos : list of DatasetInfo
        One entry per dataset, the default (``"greensboro"``) first.

    Examples
    --------
    >>> from infoflow.data import list_datasets
    >>> [d.name for d in list_datasets()]
    ['greensboro', 'sand_point', 'seattle_2010', 'san_francisco_2010']
    """
    return list(_REGISTRY.values())


def _read_bundled(filename: str) -> str:
    return (resources.files("infoflow.data") / "_bundled" / filename).read_text(encoding="utf-8")


def _load_tmy3(name: str) -> tuple[np.ndarray, pd.DataFrame]:
    df = pd.read_csv(io.StringIO(_read_bundled(f"{name}.csv")), comment="#", dtype={"date": str, "time": str})
    month = df["date"].str.slice(0, 2).astype(int).to_numpy()
    day = df["date"].str.slice(3, 5).astype(int).to_numpy()
    hour = df["time"].str.slice(0, 2).astype(int).to_numpy()
    dates = pd.to_datetime({"year": TMY3_NOMINAL_YEAR, "month": month, "day": day})
    time = (dates + pd.to_timedelta(hour, unit="h")).to_numpy()
    return time, df.drop(columns=["date", "time"])


def _load_noaa(name: str) -> tuple[np.ndarray, pd.DataFrame]:
    df = pd.read_csv(io.StringIO(_read_bundled(f"{name}.csv")))
    stamps = pd.to_datetime(df["local_time"], format="%Y/%m/%d %H:%M")
    temp_c = (df["temp_f"].to_numpy(dtype=float) - 32.0) * 5.0 / 9.0
    grid = pd.date_range(stamps.iloc[0], stamps.iloc[-1], freq="h")
    # The file skips one clock hour at the spring DST change; interpolate it onto a regular grid.
    filled = pd.Series(temp_c, index=stamps).reindex(grid).interpolate(method="linear")
    return grid.to_numpy(), pd.DataFrame({"temperature": filled.to_numpy()})


@validate_params({"name": [Options(*_REGISTRY)], "channels": [NoneOK(), Anything()]})
def load_dataset(name: str = "greensboro", channels: str | Sequence[str] | None = ("temperature",)) -> xr.DataArray:
    """Load a bundled hourly weather series.

    Parameters
    ----------
    name : {"greensboro", "sand_point", "seattle_2010", "san_francisco_2010"}, default="greensboro"
        See :func:`list_datasets` for each one's description.
    channels : str or sequence of str or None, default=("temperature",)
        Channels to return, in this order; the first is the forecasting target
        (``target_channel=0``). None means every channel of the dataset, temperature first.

    Returns
    -------
    series : DataArray of shape (n_hours, n_channels)
        Dims ("time", "channel"); ``time`` is hourly datetime64, ``channel`` the channel names,
        ``channel_units`` a coordinate on ``channel``. Attrs: ``dataset``, ``units`` (of the
        first channel), ``station``, ``source``, ``licence``, ``description``.

    Examples
    --------
    >>> from infoflow.data import load_dataset
    >>> da = load_dataset("greensboro", channels=("temperature", "wind_speed"))
    >>> da.dims, da.shape, da.channel.values.tolist()
    (('time', 'channel'), (8760, 2), ['temperature', 'wind_speed'])
    """
    info = _REGISTRY[name]
    wanted = list(info.channels) if channels is None else as_name_list(channels, param="channels", func="load_dataset")
    for ch in wanted:
        if ch not in info.channels:
            extra = ""
            if name == "sand_point" and ch == "pressure":
                extra = " (its raw pressure is a constant fill value)"
            raise InvalidParameterError(
                f"load_dataset: dataset {name!r} has no channel {ch!r}{extra}; available channels are "
                f"{list(info.channels)}.{closest(ch, info.channels)}")
    time, table = _load_tmy3(name) if name in ("greensboro", "sand_point") else _load_noaa(name)
    units = dict(zip(info.channels, info.channel_units))
    values = table[wanted].to_numpy(dtype=np.float64)
    attrs = {"dataset": name, "long_name": "hourly weather series",
             "units": units[wanted[0]], "station": info.station, "source": info.source,
             "licence": info.licence, "description": info.description}
    return make_series(values, time=time, channels=wanted, func="load_dataset", attrs=attrs,
                       channel_units=[units[c] for c in wanted])
