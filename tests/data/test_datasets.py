"""Bundled datasets: registry, loading, labels, errors, and the checks stated in the descriptions."""

import numpy as np
import pytest
import xarray as xr

from infoflow._validation import InvalidParameterError
from infoflow.data import DatasetInfo, list_datasets, load_dataset

NAMES = ["greensboro", "sand_point", "seattle_2010", "san_francisco_2010"]


def _smoothness(x):
    """(repeat ratio, lag-1 autocorrelation of hourly changes, sd of day-to-day change of daily means)."""
    dx = np.diff(x)
    repeat = np.std(dx[24:] - dx[:-24]) / np.std(dx)
    ac1 = np.corrcoef(dx[:-1], dx[1:])[0, 1]
    daily = x[: len(x) // 24 * 24].reshape(-1, 24).mean(axis=1)
    return repeat, ac1, np.std(np.diff(daily))


def test_list_datasets_names_and_fields():
    infos = list_datasets()
    assert [i.name for i in infos] == NAMES
    for info in infos:
        assert isinstance(info, DatasetInfo)
        assert info.channels[0] == "temperature" and info.units == "degC"
        assert len(info.channel_units) == len(info.channels)
        assert info.n_hours == 8760 and info.source and info.licence and info.station
    with pytest.raises(AttributeError):
        infos[0].name = "x"  # frozen


@pytest.mark.parametrize("name", NAMES)
def test_load_every_dataset_all_channels(name):
    info = {i.name: i for i in list_datasets()}[name]
    da = load_dataset(name, channels=None)
    assert da.dims == ("time", "channel")
    assert da.shape == (info.n_hours, len(info.channels))
    assert da.channel.values.tolist() == list(info.channels)
    assert da.channel_units.values.tolist() == list(info.channel_units)
    assert np.isfinite(da.values).all() and da.dtype == np.float64
    t = da.time.values
    assert np.issubdtype(t.dtype, np.datetime64)
    assert len(np.unique(t)) == len(t)
    assert (np.diff(t) == np.timedelta64(1, "h")).all()  # regular hourly axis
    for key in ("units", "station", "source", "licence", "description", "dataset"):
        assert da.attrs[key], key
    assert da.attrs["dataset"] == name and da.attrs["description"] == info.description


def test_default_is_greensboro_temperature():
    da = load_dataset()
    assert da.attrs["dataset"] == "greensboro" and da.channel.values.tolist() == ["temperature"]
    # First raw row: 01/01/1988 01:00, 10.0 C; last: 12/31 24:00 -> 00:00 of the next nominal year.
    assert da.values[0, 0] == 10.0
    assert str(da.time.values[0])[:16] == "2001-01-01T01:00"
    assert str(da.time.values[-1])[:16] == "2002-01-01T00:00"
    # Temperatures at 0.1 C: about 150 distinct values (ties), as the description says.
    assert len(np.unique(da.values)) == 147
    assert "147 distinct" in da.attrs["description"] and "1980-2003" in da.attrs["description"]


def test_channel_order_follows_request_and_units():
    da = load_dataset("greensboro", channels=("wind_speed", "temperature"))
    assert da.channel.values.tolist() == ["wind_speed", "temperature"]
    assert da.attrs["units"] == "m/s"
    one = load_dataset("greensboro", channels="pressure")
    assert one.shape == (8760, 1) and 900 < one.values.mean() < 1100


def test_noaa_converted_to_celsius():
    da = load_dataset("seattle_2010")
    assert da.values[0, 0] == pytest.approx((39.4 - 32) * 5 / 9)  # first raw value 39.4 F
    assert -10 < da.values.mean() < 25
    assert "deg F" in da.attrs["description"]


def test_unknown_dataset_suggests_closest():
    with pytest.raises(InvalidParameterError, match="Did you mean 'greensboro'"):
        load_dataset("greensborough")


def test_unknown_channel_lists_and_suggests():
    with pytest.raises(InvalidParameterError, match=r"available channels.*Did you mean 'temperature'"):
        load_dataset("greensboro", channels=("temprature",))
    with pytest.raises(InvalidParameterError, match="constant fill"):
        load_dataset("sand_point", channels=("temperature", "pressure"))
    with pytest.raises(InvalidParameterError, match="more than once"):
        load_dataset("greensboro", channels=("temperature", "temperature"))
    with pytest.raises(InvalidParameterError):
        load_dataset("greensboro", channels=3)


@pytest.mark.parametrize("name,rep_stated,ac1_stated", [("seattle_2010", 0.06, 0.91),
                                                        ("san_francisco_2010", 0.05, 0.89)])
def test_noaa_series_are_smoothed_not_observations(name, rep_stated, ac1_stated):
    """The finding stated in the descriptions: NOAA '2010' series behave like smoothed normals."""
    da = load_dataset(name)
    repeat, ac1, daily = _smoothness(da.values[:, 0])
    assert repeat < 0.15 and ac1 > 0.8 and daily < 0.3
    assert round(repeat, 2) == rep_stated and round(ac1, 2) == ac1_stated  # the numbers the description quotes
    assert "appears smoothed/interpolated" in da.attrs["description"]
    assert f"lag-1 autocorrelation {ac1_stated}" in da.attrs["description"]


@pytest.mark.parametrize("name", ["greensboro", "sand_point"])
def test_tmy3_series_are_weather_like(name):
    repeat, ac1, daily = _smoothness(load_dataset(name).values[:, 0])
    assert repeat > 0.8 and ac1 < 0.7 and daily > 1.0
    stated = {"greensboro": (0.96, 0.52), "sand_point": (1.29, 0.05)}[name]  # quoted in the NOAA descriptions
    assert (round(repeat, 2), round(ac1, 2)) == stated


def test_netcdf_round_trip(tmp_path):
    da = load_dataset("greensboro", channels=None)
    path = tmp_path / "g.nc"
    da.to_netcdf(path, engine="scipy")
    back = xr.open_dataarray(path, engine="scipy").load()
    xr.testing.assert_identical(back, da)
