"""compression_verdict (criterion on planted curves) and neuron_correlation (Fisher z / bootstrap)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from infoflow._validation import InvalidParameterError
from infoflow.bottleneck import COMPRESSION_CRITERION, compression_verdict, neuron_correlation, noise_level


def _fit_then_compress(rng, n=30, peak=12, noise=0.02):
    e = np.arange(n)
    ix = np.where(e <= peak, 1.0 + 2.0 * e / peak, 3.0 - 1.0 * (e - peak) / (n - 1 - peak))
    iy = np.minimum(0.2 + 0.05 * e, 0.8)
    return ix + noise * rng.standard_normal(n), iy + noise * rng.standard_normal(n)


def test_planted_compression_is_found(rng):
    ix, iy = _fit_then_compress(rng)
    v = compression_verdict(ix, iy)
    assert v["compression"] and v["fitting_phase"]
    assert abs(v["turning_epoch"] - 12) <= 2
    assert v["i_x_drop"] > v["i_x_threshold"] and v["i_y_change"] >= -v["i_y_tolerance"]
    assert v["criterion"] == COMPRESSION_CRITERION


def test_no_compression_when_i_x_keeps_rising_or_is_flat_noise(rng):
    e = np.arange(30.0)
    v = compression_verdict(np.log1p(e) + 0.01 * rng.standard_normal(30), 0.1 * np.log1p(e))
    assert not v["compression"] and v["turning_epoch"] is None
    # a flat noisy I(X;T): its max-to-min spread is noise, below 2 sigma or 5 %
    flat = 3.0 + 0.02 * rng.standard_normal(30)
    v = compression_verdict(flat, np.full(30, 0.5))
    assert not v["compression"]


def test_no_compression_when_i_y_falls_too(rng):
    ix, _ = _fit_then_compress(rng)
    iy = np.r_[np.linspace(0.2, 0.8, 13), np.linspace(0.8, 0.3, 17)]
    v = compression_verdict(ix, iy)
    assert not v["compression"] and "I(T;Y) falls too" in v["reason"]


def test_peak_at_last_epoch_and_too_short():
    v = compression_verdict([1.0, 2.0, 3.0, 4.0], [0.0, 0.1, 0.2, 0.3])
    assert not v["compression"] and v["finding"] == "no compression" and v["i_x_drop"] == 0
    short = compression_verdict([1.0, 2.0, 1.0], [0.0, 0.1, 0.1])
    assert not short["compression"] and short["finding"] == "too few epochs" and "at least 4" in short["reason"]


def test_noise_level_ignores_a_linear_trend_and_measures_white_noise(rng):
    assert noise_level(np.arange(50.0) * 0.3) == pytest.approx(0.0, abs=1e-12)
    s = noise_level(0.5 * rng.standard_normal(4000) + np.arange(4000) * 0.01)
    assert s == pytest.approx(0.5, rel=0.1)


def test_dataset_mode_judges_each_estimator_and_seed(rng):
    ix0, iy0 = _fit_then_compress(rng)
    e = np.arange(30)
    ix = np.stack([np.stack([ix0, np.log1p(e)], axis=-1)] * 2)  # (seed, epoch, estimator)
    iy = np.stack([np.stack([iy0, 0.1 * np.log1p(e)], axis=-1)] * 2)
    plane = xr.Dataset({"I_X": (("seed", "epoch", "estimator"), ix), "I_Y": (("seed", "epoch", "estimator"), iy)},
                       coords={"seed": [0, 1], "epoch": e, "estimator": ["binning", "kde"],
                               "regulariser": ("estimator", ["bins=30", "noise_variance=0.1"])})
    v = compression_verdict(plane)
    assert v["binning"]["mean"]["compression"] and v["binning"]["n_seeds_compressing"] == 2
    assert not v["kde"]["mean"]["compression"] and v["kde"]["regulariser"] == "noise_variance=0.1"
    assert v["binning"]["compression"] and v["binning"]["finding"] == "compression"
    assert not v["kde"]["compression"] and v["kde"]["finding"] == "no compression"
    with pytest.raises(ValueError, match="not both"):
        compression_verdict(plane, [1.0])


def test_an_estimator_at_its_ceiling_is_left_out(rng):
    """Binning's I(X;T) at ln n for every epoch cannot fall: 'at ceiling', excluded, reason stated."""
    e = np.arange(30)
    ix0, iy0 = _fit_then_compress(rng)
    at_ln_n = np.log(500) - 0.001 * rng.random(30)
    v = compression_verdict(at_ln_n, iy0, ceiling=float(np.log(500)))
    assert v["at_ceiling"] and v["finding"] == "at ceiling" and "left out of the vote" in v["reason"]
    assert not compression_verdict(ix0, iy0, ceiling=float(np.log(500)))["at_ceiling"]
    ix = np.stack([np.stack([at_ln_n, ix0], axis=-1)] * 3)
    iy = np.stack([np.stack([iy0, iy0], axis=-1)] * 3)
    plane = xr.Dataset({"I_X": (("seed", "epoch", "estimator"), ix), "I_Y": (("seed", "epoch", "estimator"), iy)},
                       coords={"seed": [0, 1, 2], "epoch": e, "estimator": ["binning", "gaussian_copula"]},
                       attrs={"n_samples": 500})
    v = compression_verdict(plane)
    assert v["binning"]["excluded"] and v["binning"]["ceiling"] == pytest.approx(np.log(500))
    assert not v["gaussian_copula"]["excluded"] and v["gaussian_copula"]["ceiling"] is None
    assert v["gaussian_copula"]["compression"]


def test_seeds_must_mostly_agree(rng):
    ix0, iy0 = _fit_then_compress(rng)
    e = np.arange(30)
    flat = 3.0 + 0.02 * rng.standard_normal(30)
    ix = np.stack([ix0, flat, flat])[:, :, None]
    iy = np.stack([iy0, iy0, iy0])[:, :, None]
    plane = xr.Dataset({"I_X": (("seed", "epoch", "estimator"), ix), "I_Y": (("seed", "epoch", "estimator"), iy)},
                       coords={"seed": [0, 1, 2], "epoch": e, "estimator": ["ksg"]})
    v = compression_verdict(plane)["ksg"]
    assert v["n_seeds_compressing"] == 1 and not v["compression"] and v["finding"] == "no compression"


def test_verdict_validation():
    with pytest.raises(ValueError, match="i_y is missing"):
        compression_verdict([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="3 epochs but i_y has 2"):
        compression_verdict([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(InvalidParameterError, match="rel_drop"):
        compression_verdict([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], rel_drop=1.5)


def test_fisher_interval_matches_hand_computation(rng):
    x = rng.standard_normal(40)
    y = 0.5 * x + rng.standard_normal(40)
    c = neuron_correlation(x, y)
    r = np.corrcoef(x, y)[0, 1]
    half = 1.959963984540054 / math.sqrt(37)
    assert c["r"] == pytest.approx(r)
    assert c["low"] == pytest.approx(math.tanh(math.atanh(r) - half))
    assert c["high"] == pytest.approx(math.tanh(math.atanh(r) + half))
    assert c["method"] == "fisher" and c["n"] == 40


def test_bootstrap_interval_brackets_r_and_is_seeded(rng):
    x = rng.standard_normal(60)
    y = 0.3 * x + rng.standard_normal(60)
    a = neuron_correlation(x, y, method="bootstrap", n_boot=500, seed=1)
    b = neuron_correlation(x, y, method="bootstrap", n_boot=500, seed=1)
    assert a == b
    assert a["low"] < a["r"] < a["high"]
    f = neuron_correlation(x, y)
    assert abs((a["high"] - a["low"]) - (f["high"] - f["low"])) < 0.15  # both ~ 2*1.96/sqrt(n)


def test_neuron_correlation_too_few_neurons_and_nan():
    assert neuron_correlation([1.0, 2.0, 3.0], [1.0, 2.0, 3.5])["r"] is None
    c = neuron_correlation([1.0, 2.0, np.nan, 4.0, 5.0, 7.0], [0.1, 0.2, 0.3, 0.5, 0.4, 0.9])
    assert c["n"] == 5 and c["r"] > 0.8
    with pytest.raises(InvalidParameterError, match="method"):
        neuron_correlation([1.0] * 5, [1.0] * 5, method="spearman")
