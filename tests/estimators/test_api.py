"""The public single-variable/pair functions: validation, warnings, output types, invariances."""

import warnings

import numpy as np
import pytest
import xarray as xr

from infoflow import InfoflowWarning, InvalidParameterError, __version__
from infoflow.estimators import METHODS, conditional_mutual_information, entropy, mutual_information, transfer_entropy

from ._synthetic import coupled_ar, gaussian_pair

REQUIRED_ATTRS = {"long_name", "units", "estimator", "k", "regulariser", "jitter", "seed", "theiler", "lag",
                  "history", "n_samples", "infoflow_version"}


def roundtrip(da, tmp_path):
    path = tmp_path / "r.nc"
    da.to_netcdf(path, engine="scipy")
    back = xr.open_dataarray(path, engine="scipy").load()
    xr.testing.assert_identical(back, da)
    return back


# ----------------------------------------------------------------------------- errors
def test_nan_is_rejected():
    x = np.arange(50.0)
    x[7] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        mutual_information(x, np.arange(50.0))


def test_inf_is_rejected():
    x = np.arange(50.0)
    x[3] = np.inf
    with pytest.raises(ValueError, match="NaN/inf"):
        entropy(x)


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="x has 50, y has 49"):
        mutual_information(np.arange(50.0), np.arange(49.0))
    with pytest.raises(ValueError, match="same time grid"):
        transfer_entropy(np.arange(50.0), np.arange(49.0))


def test_too_few_samples_for_k():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="k=4 with theiler=0 needs at least 5"):
        mutual_information(rng.standard_normal(4), rng.standard_normal(4))
    with pytest.raises(ValueError, match="theiler=3"):
        mutual_information(rng.standard_normal(10), rng.standard_normal(10), theiler=3)


def test_te_sample_message_names_what_used_them_up():
    x = np.random.default_rng(0).standard_normal((3, 8))  # 3 epochs of 8 steps
    with pytest.raises(ValueError, match=r"3 epoch\(s\) x 1 steps after lag=1, history=7"):
        transfer_entropy(x, x[::-1], history=7)
    with pytest.raises(ValueError, match="no usable samples after lag=9"):
        transfer_entropy(x, x[::-1], lag=9)


def test_unknown_method_suggests_closest():
    with pytest.raises(InvalidParameterError, match="Did you mean 'ksg'"):
        entropy(np.arange(10.0), method="kgs")
    with pytest.raises(InvalidParameterError, match="gaussian_copula"):
        mutual_information(np.arange(10.0), np.arange(10.0), method="gaussian_copla")


@pytest.mark.parametrize("kw,method", [({"k": 3}, "gaussian_copula"), ({"bins": 10}, "ksg"),
                                       ({"bandwidth": 0.2}, "binning"), ({"bias_correct": True}, "ksg"),
                                       ({"theiler": 2}, "gaussian"), ({"k": 3}, "kde")])
def test_method_specific_keyword_for_wrong_method(kw, method):
    name = next(iter(kw))
    with pytest.raises(InvalidParameterError, match=name):
        mutual_information(np.arange(30.0), np.arange(30.0) ** 2, method=method, **kw)


def test_wrong_dimensionality():
    with pytest.raises(ValueError, match="dimensions"):
        mutual_information(np.zeros((5, 5, 5)), np.zeros(5))


def test_non_numeric_data():
    with pytest.raises(ValueError, match="numeric"):
        entropy(["a", "b", "c"])


# ----------------------------------------------------------------------------- warnings
def test_constant_column_warns():
    x = np.ones(100)
    with pytest.warns(InfoflowWarning, match="constant"):
        mutual_information(x, np.random.default_rng(0).standard_normal(100), method="gaussian_copula")


def test_heavily_tied_column_warns():
    x = np.random.default_rng(0).integers(0, 3, 200).astype(float)
    with pytest.warns(InfoflowWarning, match="distinct values"):
        mutual_information(x, np.random.default_rng(1).standard_normal(200))


def test_clean_input_does_not_warn(rng):
    x, y = gaussian_pair(rng, 200, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mutual_information(x, y)


# ----------------------------------------------------------------------------- outputs
@pytest.mark.parametrize("method", METHODS)
def test_numpy_in_float_out(rng, method):
    x, y = gaussian_pair(rng, 300, 0.5)
    out = mutual_information(x, y, method=method)
    assert type(out) is float


@pytest.mark.parametrize("method", ["ksg", "gaussian_copula", "gaussian", "binning"])
def test_dataarray_in_labelled_out(rng, tmp_path, method):
    x, y = gaussian_pair(rng, 300, 0.5)
    xd = xr.DataArray(x, dims="time", attrs={"model": "gru-4", "train_seed": 3})
    te = transfer_entropy(xd, xr.DataArray(y, dims="time"), method=method)
    assert isinstance(te, xr.DataArray) and te.ndim == 0
    assert REQUIRED_ATTRS <= set(te.attrs)
    assert te.attrs["units"] == "nat" and te.attrs["estimator"] == method
    assert te.attrs["model"] == "gru-4" and te.attrs["infoflow_version"] == __version__
    assert te.attrs["n_samples"] == 299 and te.attrs["lag"] == 1 and te.attrs["history"] == 1
    assert float(te) == pytest.approx(transfer_entropy(x, y, method=method), abs=1e-12)
    roundtrip(te, tmp_path)
    for res in (mutual_information(xd, y, method=method),
                conditional_mutual_information(xd, y, rng.standard_normal(300), method=method)):
        assert REQUIRED_ATTRS <= set(res.attrs)
        roundtrip(res, tmp_path)
    if method != "gaussian_copula":
        h = entropy(xd, method=method)
        assert h.attrs["long_name"] == "entropy"
        roundtrip(h, tmp_path)


def test_seed_none_and_generator_are_netcdf_safe(rng, tmp_path):
    x, y = gaussian_pair(rng, 100, 0.5)
    a = mutual_information(xr.DataArray(x), y, seed=None)
    b = mutual_information(xr.DataArray(x), y, seed=np.random.default_rng(1))
    assert a.attrs["seed"] == "none" and b.attrs["seed"] == "generator"
    roundtrip(a, tmp_path)


def test_local_te_dataarray(rng, tmp_path):
    x, y = coupled_ar(rng, 400)
    xd = xr.DataArray(np.stack([x[:200], x[200:]]), dims=("epoch", "time"))
    yd = xr.DataArray(np.stack([y[:200], y[200:]]), dims=("epoch", "time"))
    loc = transfer_entropy(xd, yd, history=2, method="gaussian", return_local=True)
    assert loc.dims == ("epoch", "time") and loc.shape == (2, 198)
    assert loc["time"].values[0] == 2  # target step t+1 of the first full embedding
    assert float(loc.mean()) == pytest.approx(float(transfer_entropy(xd, yd, history=2, method="gaussian")),
                                              abs=1e-10)
    roundtrip(loc, tmp_path)


@pytest.mark.parametrize("method", ["gaussian", "gaussian_copula"])
def test_local_te_averages_to_value(rng, method):
    x, y = coupled_ar(rng, 1000)
    loc = transfer_entropy(x, y, method=method, return_local=True)
    assert loc.shape == (999,)
    assert loc.mean() == pytest.approx(transfer_entropy(x, y, method=method), abs=1e-10)


def test_local_te_ksg_is_close_to_value(rng):
    x, y = coupled_ar(rng, 2000)
    loc = transfer_entropy(x, y, return_local=True)
    assert abs(loc.mean() - transfer_entropy(x, y)) < 0.05


# ----------------------------------------------------------------------------- numerics
@pytest.mark.parametrize("method", METHODS)
def test_same_seed_same_numbers(rng, method):
    x, y = gaussian_pair(rng, 500, 0.4)
    assert mutual_information(x, y, method=method, seed=5) == mutual_information(x, y, method=method, seed=5)


@pytest.mark.parametrize("method", ["ksg", "gaussian_copula", "gaussian", "binning"])
def test_mi_symmetric(rng, method):
    x, y = gaussian_pair(rng, 700, 0.6)
    assert mutual_information(x, y, method=method) == pytest.approx(mutual_information(y, x, method=method),
                                                                    abs=1e-10)


def test_ksg_unchanged_by_shift_and_rescale(rng):
    x, y = gaussian_pair(rng, 1000, 0.6)
    base = mutual_information(x, y)
    assert mutual_information(1e3 * x - 7.0, y) == pytest.approx(base, abs=1e-9)
    assert mutual_information(x, 1e-4 * y + 2.0) == pytest.approx(base, abs=1e-9)
    z = rng.standard_normal(1000)
    cbase = conditional_mutual_information(x, y, z)
    assert conditional_mutual_information(x, y, 50 * z + 1) == pytest.approx(cbase, abs=1e-9)


def test_ksg_entropy_follows_scale(rng):
    x = rng.standard_normal(2000)
    assert entropy(10 * x) == pytest.approx(entropy(x) + np.log(10), abs=1e-9)


def test_jitter_breaks_ties_reproducibly():
    x = np.repeat(np.arange(10.0), 20)
    y = x + np.tile(np.arange(20) / 20, 10)
    with pytest.warns(InfoflowWarning):
        a = mutual_information(x, y, jitter=1e-6, seed=1)
    with pytest.warns(InfoflowWarning):
        b = mutual_information(x, y, jitter=1e-6, seed=1)
    assert a == b and np.isfinite(a)


def test_epochs_are_separate_sequences_for_te():
    """TE of (epoch, time) input equals TE computed by hand from within-epoch embeddings."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 40))
    y = np.concatenate([np.zeros((6, 1)), 0.8 * x[:, :-1]], axis=1) + 0.3 * rng.standard_normal((6, 40))
    y[:, 0] = 100 * rng.standard_normal(6)  # an epoch's first step: far off if histories spanned epochs
    ours = transfer_entropy(x, y, method="gaussian")
    src = x[:, :-1].ravel()
    fut = y[:, 1:].ravel()
    past = y[:, :-1].ravel()
    assert ours == pytest.approx(conditional_mutual_information(src, fut, past, method="gaussian"), abs=1e-12)
    naive = transfer_entropy(x.ravel(), y.ravel(), method="gaussian")
    assert abs(naive - ours) > 0.05


@pytest.mark.parametrize("method", ["ksg", "gaussian_copula"])
def test_float32_input_is_computed_in_float64(rng, method):
    x, y = gaussian_pair(rng, 500, 0.5)
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    assert mutual_information(x32, y32, method=method) == mutual_information(
        x32.astype(np.float64), y32.astype(np.float64), method=method)
