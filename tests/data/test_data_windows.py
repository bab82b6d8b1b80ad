"""Splits, standardisation, windows, persistence baseline and prepare: no leakage, exact alignment."""

import numpy as np
import pytest
import xarray as xr

from infoflow._validation import InvalidParameterError
from infoflow.data import (
    PreparedData,
    Split,
    Standardiser,
    chronological_split,
    from_numpy,
    load_dataset,
    make_windows,
    persistence_mse,
    prepare,
)


@pytest.fixture
def series(rng):
    return from_numpy(np.cumsum(rng.standard_normal((1000, 3)), axis=0), channel_names=["y", "u", "v"])


def test_split_sizes_disjoint_ordered_complete(series):
    s = chronological_split(series)
    assert isinstance(s, Split) and [p.sizes["time"] for p in s] == [700, 100, 200]
    t = [p.time.values for p in s]
    assert t[0].max() < t[1].min() and t[1].max() < t[2].min()
    np.testing.assert_array_equal(np.concatenate(t), series.time.values)
    np.testing.assert_array_equal(np.concatenate([p.values for p in s]), series.values)
    assert [p.attrs["split"] for p in s] == ["train", "val", "test"]


def test_split_real_data_keeps_datetime_and_attrs():
    s = chronological_split(load_dataset("greensboro"), fractions=(0.5, 0.25, 0.25))
    assert [p.sizes["time"] for p in s] == [4380, 2190, 2190]
    assert np.issubdtype(s.test.time.dtype, np.datetime64) and s.test.attrs["dataset"] == "greensboro"


@pytest.mark.parametrize("bad", [(0.7, 0.3), (0.5, 0.5, 0.5), (0.8, 0.0, 0.2), (0.8, -0.1, 0.3), "abc", 3])
def test_split_bad_fractions(series, bad):
    with pytest.raises(InvalidParameterError, match="fractions"):
        chronological_split(series, fractions=bad)


def test_split_too_short():
    with pytest.raises(ValueError, match="empty block"):
        chronological_split(np.arange(4.0), fractions=(0.8, 0.1, 0.1))


def test_standardiser_uses_train_only(series):
    s = chronological_split(series)
    scaler = Standardiser.fit(s.train)
    np.testing.assert_allclose(scaler.mean, s.train.values.mean(axis=0))
    np.testing.assert_allclose(scaler.scale, s.train.values.std(axis=0))
    z = scaler.transform(s.train)
    np.testing.assert_allclose(z.values.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.values.std(axis=0), 1)
    # Changing val/test data never changes the scaler fitted by prepare.
    changed = series.copy(data=series.values.copy())
    changed.values[700:] = changed.values[700:] * 100 + 5
    p1, p2 = prepare(series), prepare(changed)
    np.testing.assert_array_equal(p1.standardiser.mean, p2.standardiser.mean)
    np.testing.assert_array_equal(p1.standardiser.scale, p2.standardiser.scale)
    np.testing.assert_array_equal(p1.train.inputs, p2.train.inputs)
    assert not np.array_equal(p1.test.inputs, p2.test.inputs)


def test_standardiser_round_trip_and_single_channel(series):
    scaler = Standardiser.fit(series)
    z = scaler.transform(series)
    assert z.attrs["standardised"] == 1 and z.dims == series.dims
    xr.testing.assert_allclose(scaler.inverse_transform(z).drop_attrs(), series.drop_attrs())
    raw = scaler.inverse_transform(z.values)
    np.testing.assert_allclose(raw, series.values)
    pred = z.values[:, 0]
    np.testing.assert_allclose(scaler.inverse_transform(pred, channel=0), series.values[:, 0])
    np.testing.assert_allclose(scaler.inverse_transform(pred, channel="y"), series.values[:, 0])
    with pytest.raises(InvalidParameterError, match="unknown channel"):
        scaler.transform(pred, channel="q")
    with pytest.raises(ValueError, match="3"):
        scaler.transform(series.values[:, :2])


def test_standardiser_rejects_constant_train():
    x = np.column_stack([np.arange(10.0), np.ones(10)])
    with pytest.raises(ValueError, match="channel 'c1' is constant in the training block"):
        Standardiser.fit(x)


def test_windows_align_exactly():
    t, c = 40, 2
    values = np.arange(t * c, dtype=float).reshape(t, c)
    x, y = make_windows(values, window=5, horizon=3, target_channel=1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert x.shape == (t - 5 - 3 + 1, 5, 2) and y.shape == (t - 5 - 3 + 1, 3)
    for i in range(x.shape[0]):
        np.testing.assert_array_equal(x[i], values[i: i + 5])
        np.testing.assert_array_equal(y[i], values[i + 5: i + 8, 1])  # right after the window
    x1, y1 = make_windows(values[:, 0], window=24)
    assert y1[0, 0] == values[24, 0] and x1[0, -1, 0] == values[23, 0]


def test_windows_too_short_names_lengths():
    with pytest.raises(ValueError, match=r"10 time steps, shorter than window=24 \+ horizon=1 = 25"):
        make_windows(np.arange(10.0), window=24)
    make_windows(np.arange(25.0), window=24)  # exactly one window fits


def test_windows_bad_data():
    v = np.arange(30.0)[:, None]
    with pytest.raises(InvalidParameterError, match="target_channel=1"):
        make_windows(v, target_channel=1)
    with pytest.raises(ValueError, match="NaN"):
        make_windows(np.array([1.0, np.nan] * 20))


def test_persistence_mse_matches_windows(rng):
    v = rng.standard_normal((300, 2))
    for horizon in (1, 4):
        x, y = make_windows(v, window=12, horizon=horizon)
        expect = np.mean((y.astype(float) - x[:, -1, :1].astype(float)) ** 2)
        assert persistence_mse(v, horizon=horizon, window=12) == pytest.approx(expect, rel=1e-6)
    # white noise: E[(a-b)^2] = 2
    assert persistence_mse(rng.standard_normal(20_000)) == pytest.approx(2.0, rel=0.05)


def test_prepare_greensboro():
    p = prepare("greensboro", window=24)
    assert isinstance(p, PreparedData) and p.name == "greensboro" and p.channels == ["temperature"]
    assert p.train.inputs.shape == (6132 - 24, 24, 1) and p.val.inputs.shape == (876 - 24, 24, 1)
    assert p.test.targets.shape == (1752 - 24, 1)
    assert p.test_series.sizes["time"] == 1752
    np.testing.assert_allclose(p.test_series.values, p.standardiser.transform(p.raw.test.values))
    # Test windows come only from the test block: first target is test step 24.
    assert p.test.targets[0, 0] == np.float32(p.scaled.test.values[24, 0])
    # Hourly temperature is smooth: persistence is a strong baseline (well below variance 1).
    assert 0 < p.persistence("test") < 0.1
    with pytest.raises(InvalidParameterError):
        p.persistence("holdout")


def test_prepare_multichannel_and_user_series(series):
    p = prepare("greensboro", channels=("temperature", "dew_point"), window=6, horizon=2)
    assert p.train.inputs.shape[1:] == (6, 2) and p.train.targets.shape[1] == 2
    q = prepare(series, channels=["u", "y"], window=10)
    assert q.name == "user" and q.channels == ["u", "y"]
    with pytest.raises(InvalidParameterError, match="Did you mean 'y'"):
        prepare(series, channels=["yy"])
    r = prepare(series.values, window=10)
    assert r.channels == ["c0", "c1", "c2"]


def test_prepare_window_too_long_for_a_block(series):
    with pytest.raises(ValueError, match="val block has 100 time steps"):
        prepare(series, window=200)


def test_prepare_unknown_dataset():
    with pytest.raises(InvalidParameterError, match="Did you mean 'sand_point'"):
        prepare("sandpoint")
