"""gradient_snr (hand-checked), detect_transition (planted / flat), gradient_phases on recordings."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from infoflow._validation import InvalidParameterError
from infoflow.dynamics import detect_transition, gradient_phases, gradient_snr
from tests import synthetic_recordings as S


def test_gradient_snr_hand_example():
    # 3 batches, 2 parameters: mean (2, 1); population std (sqrt(8/3), sqrt(2/3))
    g = np.array([[0.0, 0.0], [2.0, 1.0], [4.0, 2.0]])
    r = gradient_snr(g)
    assert r.mean_norm == pytest.approx(np.sqrt(5.0))
    assert r.std_norm == pytest.approx(np.sqrt(8 / 3 + 2 / 3))
    assert r.snr == pytest.approx(np.sqrt(5.0) / np.sqrt(10 / 3))
    r1 = gradient_snr(g, ddof=1)  # sample std: (2, 1)
    assert r1.std_norm == pytest.approx(np.sqrt(5.0)) and r1.snr == pytest.approx(1.0)


def test_gradient_snr_per_epoch_and_edge_cases():
    g = np.stack([np.ones((4, 3)), np.array([[1.0, -1, 0], [-1, 1, 0], [1, -1, 0], [-1, 1, 0]])])
    r = gradient_snr(g)
    assert r.mean_norm.shape == (2,)
    assert r.mean_norm[0] == pytest.approx(np.sqrt(3)) and r.std_norm[0] == 0 and np.isinf(r.snr[0])
    assert r.mean_norm[1] == 0 and r.std_norm[1] == pytest.approx(np.sqrt(2)) and r.snr[1] == 0
    with pytest.raises(ValueError, match="NaN/inf"):
        gradient_snr([[np.nan, 1.0], [1.0, 2.0]])
    with pytest.raises(ValueError, match="must be"):
        gradient_snr([1.0, 2.0])
    with pytest.raises(ValueError, match="at least 2 are needed for ddof=1"):
        gradient_snr([[1.0, 2.0]], ddof=1)


def test_transition_found_at_planted_epoch(rng):
    n, at = 40, 15
    snr = np.where(np.arange(n) < at, 20.0, 1.5) * np.exp(0.25 * rng.standard_normal(n))
    snr[0] = np.nan  # epoch 0 has no gradients
    r = detect_transition(snr)
    assert r["found"] and abs(r["transition_epoch"] - at) <= 1
    assert r["ratio"] > 5 and r["snr_before"] > r["snr_after"]


def test_no_transition_in_flat_or_rising_series(rng):
    flat = 3.0 * np.exp(0.25 * rng.standard_normal(40))
    r = detect_transition(flat)
    assert not r["found"] and r["transition_epoch"] is None and r["reason"]
    rising = np.where(np.arange(40) < 20, 1.0, 10.0)  # diffusion -> drift is not the transition sought
    assert not detect_transition(rising)["found"]
    exact = np.full(20, 4.0)  # noise-free: fitted exactly by the trend
    assert not detect_transition(exact)["found"] and detect_transition(exact)["answer"] == "no"
    assert "usable epochs" in detect_transition([5.0, 1.0, np.nan])["reason"]


def test_small_drop_is_not_a_transition_by_the_ratio_rule(rng):
    snr = np.where(np.arange(40) < 20, 3.0, 2.0) * np.exp(0.02 * rng.standard_normal(40))
    r = detect_transition(snr, min_ratio=2.0)
    assert not r["found"] and r["pvalue"] < 0.05 and r["answer"] == "no"  # significant, but only 1.5-fold
    assert r["step_ratio"] == pytest.approx(1.5, rel=0.05)
    assert detect_transition(snr, min_ratio=1.2)["found"]


def test_gradient_phases_on_recordings():
    recs = [S.make_recording(s, n_epoch=20, transition=8, n_time=40) for s in (0, 1, 2)]
    ph = gradient_phases(recs)
    assert ph["snr"].dims == ("seed", "epoch", "group")
    assert list(ph["group"].values) == ["input", "recurrent", "output", "bias", "all"]
    assert np.isnan(ph["snr"].sel(epoch=0)).all()
    # the "all" group is the norm over the union of the groups
    m = recs[0]["grad_mean_norm"].values[3]
    assert float(ph["grad_mean_norm"].sel(seed=0, epoch=3, group="all")) == pytest.approx(np.sqrt((m ** 2).sum()))
    assert (ph["transition_epoch"].sel(group="all") == 8).all()
    assert float(ph["transition_epoch_mean"].sel(group="all")) == 8
    assert (ph["snr_low"] <= ph["snr_mean"] + 1e-12).sel(epoch=slice(1, None)).all()
    flat = [S.make_recording(0, n_epoch=20, transition=30, n_time=40)]
    assert np.isnan(gradient_phases(flat)["transition_epoch_mean"].sel(group="all"))


def test_gradient_phases_prefers_fixed_weight_statistics():
    rec = S.make_recording(0, n_epoch=20, transition=30, n_time=40)  # no step in the training statistics
    assert gradient_phases(rec).attrs["gradient_source"].startswith("training")
    with pytest.raises(ValueError, match="grad_fixed_mean_norm"):
        gradient_phases(rec, source="fixed")
    stepped = S.make_recording(0, n_epoch=20, transition=8, n_time=40)
    rec = rec.assign(grad_fixed_mean_norm=stepped["grad_mean_norm"], grad_fixed_std_norm=stepped["grad_std_norm"])
    ph = gradient_phases(rec)
    assert ph.attrs["gradient_source"].startswith("fixed weights")
    assert str(ph["answer"].sel(group="all").values) == "yes"
    assert float(ph["transition_epoch_mean"].sel(group="all")) == 8
    assert str(gradient_phases(rec, source="training")["answer"].sel(group="all").values) != "yes"


def test_gradient_phases_roundtrip_and_errors(tmp_path):
    ph = gradient_phases(S.make_recording(0, n_epoch=8, n_time=30))
    ph.to_netcdf(tmp_path / "phases.nc", engine="scipy")
    back = xr.open_dataset(tmp_path / "phases.nc", engine="scipy").load()
    xr.testing.assert_allclose(back["snr"], ph["snr"])
    with pytest.raises(ValueError, match="lacks \\['grad_mean_norm'"):
        gradient_phases(S.make_recording(0, n_time=30).drop_vars(["grad_mean_norm"]))
    with pytest.raises(InvalidParameterError, match="min_ratio"):
        gradient_phases(S.make_recording(0, n_time=30), min_ratio=0.5)
