"""information_plane: closed-form Gaussian channels, regularisers, alignment, validation, I/O.

Oracle (window=1, x ~ N(0,1) white, hidden h = x + N(0, s^2), target y = x + N(0, r^2)):
I(X;T) = 1/2 ln(1 + 1/s^2) (one unit), 1/2 ln(1 + sum_i 1/s_i^2) (units with independent noise),
I(T;Y) = -1/2 ln(1 - rho^2), rho = 1/sqrt((1 + s^2)(1 + r^2)).

Tolerances (n = 2000 samples; measured errors at seed 0 in brackets, tolerances ~2-3x that):
gaussian_copula 0.04 [0.01], ksg 0.05 [0.015], binning with 20 bins 0.08 [0.03] (plug-in binning is
biased up by ~(K-1)/2n and down by coarse bins; 20 bins balance them at this n), KDE I(X;T) is an
upper bound whenever its noise variance <= s^2, and KDE I(T;Y) (Y in 30 quantile groups) 0.1 [0.04].
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from infoflow._validation import InvalidParameterError
from infoflow.bottleneck import compression_verdict, information_plane, input_history, plot_information_plane
from tests import synthetic_recordings as S


def _oracle(s2, r2=0.25):
    ix = 0.5 * np.log(1 + 1 / s2)
    rho2 = 1 / ((1 + s2) * (1 + r2))
    return ix, -0.5 * np.log(1 - rho2)


def test_input_history_aligns_rows_with_the_last_step():
    x = np.arange(12.0).reshape(6, 2)  # x_t = (2t, 2t+1)
    h = input_history(x, 3)
    assert h.shape == (4, 6)
    # row r is the history ending at t = r + 2, oldest first
    np.testing.assert_array_equal(h[0], [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(h[3], x[3:6].ravel())
    np.testing.assert_array_equal(input_history(np.arange(5.0), 1)[:, 0], np.arange(5.0))


@pytest.mark.parametrize("method, tol", [("gaussian_copula", 0.04), ("ksg", 0.05)])
def test_continuous_estimators_match_gaussian_channel(method, tol, global_random_seed):
    ds = S.gaussian_channel_recording(n=2000, noise_sds=(0.5,), y_noise_sd=0.5, seed=global_random_seed)
    p = information_plane(ds, estimators=(method,), window=1)
    ix, iy = _oracle(0.25)
    assert abs(float(p["I_X"].squeeze()) - ix) < tol
    assert abs(float(p["I_Y"].squeeze()) - iy) < tol
    # one hidden unit: the neuron values are the population values
    np.testing.assert_allclose(p["I_X_neuron"].squeeze(), p["I_X"].squeeze())
    np.testing.assert_allclose(p["I_Y_neuron"].squeeze(), p["I_Y"].squeeze())


def test_binning_matches_gaussian_channel_with_suitable_bins(global_random_seed):
    ds = S.gaussian_channel_recording(n=2000, noise_sds=(0.5,), seed=global_random_seed)
    p = information_plane(ds, estimators=("binning",), window=1, bins=20, per_neuron=False)
    ix, iy = _oracle(0.25)
    assert abs(float(p["I_X"].squeeze()) - ix) < 0.08
    assert abs(float(p["I_Y"].squeeze()) - iy) < 0.08
    # the default noise is part of the regulariser
    assert str(p["regulariser"].sel(estimator="binning").values) == "bins=20; noise_sd=0.1"
    # more bins, more (spurious) information: the regulariser sets the number
    p40 = information_plane(ds, estimators=("binning",), window=1, bins=40, per_neuron=False)
    assert float(p40["I_X"].squeeze()) > float(p["I_X"].squeeze())


def test_population_of_two_noisy_copies(global_random_seed):
    ds = S.gaussian_channel_recording(n=2000, noise_sds=(0.5, 1.0), seed=global_random_seed)
    p = information_plane(ds, estimators=("ksg", "gaussian_copula"), window=1)
    ix = 0.5 * np.log(1 + 1 / 0.25 + 1 / 1.0)
    np.testing.assert_allclose(p["I_X"].squeeze().values, ix, atol=0.06)
    # each unit alone carries its own channel's information
    for j, s2 in enumerate((0.25, 1.0)):
        np.testing.assert_allclose(p["I_X_neuron"].isel(neuron=j).squeeze().values, 0.5 * np.log(1 + 1 / s2), atol=0.06)


@pytest.mark.parametrize("bandwidth", [0.05, 0.25])
def test_kde_is_an_upper_bound(bandwidth, global_random_seed):
    ds = S.gaussian_channel_recording(n=1500, noise_sds=(0.5,), seed=global_random_seed)
    p = information_plane(ds, estimators=("kde",), window=1, bandwidth=bandwidth)
    ix, iy = _oracle(0.25)
    assert float(p["I_X"].squeeze()) >= ix  # noise variance <= s^2 = 0.25
    assert abs(float(p["I_Y"].squeeze()) - iy) < 0.1
    assert str(p["regulariser"].values[0]).startswith(f"noise_variance={bandwidth:g}")
    # deterministic copies of 2 input channels: KDE bounds I(X; X + noise) = sum 1/2 ln(1 + 1/bw)
    det = S.gaussian_channel_recording(n=1500, n_channel=2, copies=True, seed=global_random_seed)
    pd_ = information_plane(det, estimators=("kde",), window=1, bandwidth=bandwidth, per_neuron=False)
    assert float(pd_["I_X"].squeeze()) >= 2 * 0.5 * np.log(1 + 1 / bandwidth) - 0.02


def test_noise_regularisation_is_seeded_and_recorded():
    ds = S.gaussian_channel_recording(n=600, n_channel=1, copies=True)
    a = information_plane(ds, estimators=("gaussian_copula",), window=1, noise_sd=0.5, seed=3, per_neuron=False)
    b = information_plane(ds, estimators=("gaussian_copula",), window=1, noise_sd=0.5, seed=3, per_neuron=False)
    c = information_plane(ds, estimators=("gaussian_copula",), window=1, noise_sd=0.5, seed=4, per_neuron=False)
    assert float(a["I_X"].squeeze()) == float(b["I_X"].squeeze())
    assert float(a["I_X"].squeeze()) != float(c["I_X"].squeeze())
    # I(X; X + 0.5 Z) = 1/2 ln(1 + 1/0.25): the noise makes a deterministic copy's MI finite
    assert abs(float(a["I_X"].squeeze()) - 0.5 * np.log(5)) < 0.08
    assert a.attrs["noise_sd"] == 0.5 and a.attrs["seed"] == 3


def test_dataset_layout_verdict_and_netcdf_roundtrip(tmp_path):
    recs = [S.make_recording(s, n_epoch=6, n_time=120) for s in (0, 1)]
    p = information_plane(recs, estimators=("binning", "gaussian_copula"), window=4)
    assert p["I_X"].dims == ("seed", "epoch", "estimator")
    assert p["I_X_neuron"].dims == ("seed", "epoch", "estimator", "neuron")
    assert list(p["seed"].values) == [0, 1]
    assert list(p["neuron"].values) == [f"h{i}" for i in range(5)]
    assert p.attrs["units"] == "nat" and p.attrs["window"] == 4 and p.attrs["n_samples"] == 117
    assert p["I_X"].attrs["units"] == "nat"
    for v in ("compression", "turning_epoch", "peak_epoch", "fitting_phase", "compression_reason", "compression_seed",
              "neuron_corr", "neuron_corr_low"):
        assert v in p
    assert np.all((p["neuron_corr_low"] <= p["neuron_corr"]) & (p["neuron_corr"] <= p["neuron_corr_high"]))
    verdict = compression_verdict(p)
    for j, est in enumerate(("binning", "gaussian_copula")):
        assert int(p["compression"].values[j]) == int(verdict[est]["mean"]["compression"])
    p.to_netcdf(tmp_path / "plane.nc", engine="scipy")
    back = xr.open_dataset(tmp_path / "plane.nc", engine="scipy").load()
    xr.testing.assert_allclose(back["I_X"], p["I_X"])
    assert list(back["regulariser"].values) == list(p["regulariser"].values)
    assert list(back["compression_reason"].values) == list(p["compression_reason"].values)
    paths = plot_information_plane(p, tmp_path / "figures" / "information_plane")
    assert sorted(x.suffix for x in paths) == [".png", ".svg"] and all(x.stat().st_size > 1000 for x in paths)


def test_same_seed_same_numbers():
    rec = S.make_recording(0, n_epoch=3, n_time=100)
    a = information_plane(rec, estimators=("ksg", "kde"), window=2, max_samples=60)
    b = information_plane(rec, estimators=("ksg", "kde"), window=2, max_samples=60)
    xr.testing.assert_identical(a, b)
    assert a.attrs["n_samples"] == 60


def test_bad_input_raises_clear_errors():
    rec = S.make_recording(0, n_epoch=2, n_time=60)
    with pytest.raises(ValueError, match="unknown estimator 'binnig'.*Did you mean 'binning'"):
        information_plane(rec, estimators=("binnig",))
    with pytest.raises(ValueError, match="window=50 leaves 11 samples"):
        information_plane(rec, window=50)
    with pytest.raises(InvalidParameterError, match="window"):
        information_plane(rec, window=0)
    with pytest.raises(InvalidParameterError, match="noise_sd"):
        information_plane(rec, noise_sd=-1.0)
    with pytest.raises(ValueError, match="lacks \\['inputs'\\]"):
        information_plane(rec.drop_vars("inputs"))
    bad = rec.copy(deep=True)
    bad["activity"][1, 3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN/inf.*epoch 1, time 3, neuron 'h2'"):
        information_plane(bad)
    with pytest.raises(ValueError, match="no epoch\\(s\\) \\[7\\]"):
        information_plane(rec, epochs=[0, 7])
    no_hidden = rec.assign_coords(role=("neuron", ["input"] * rec.sizes["neuron"]))
    with pytest.raises(ValueError, match="no neuron with role 'hidden'"):
        information_plane(no_hidden)
    with pytest.raises(ValueError, match="expected a recording"):
        information_plane(np.zeros((3, 4)))
