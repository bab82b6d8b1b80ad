"""learning_indicators, lead_lag (planted lead), indicator_correlations, participation_ratio."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from infoflow.dynamics import (
    indicator_correlations,
    lead_lag,
    learning_indicators,
    load_run,
    participation_ratio,
    plot_indicators,
)
from infoflow.dynamics._indicators import holm
from tests import synthetic_recordings as S


def test_participation_ratio_counts_dimensions(rng):
    assert participation_ratio(rng.standard_normal((5000, 6))) == pytest.approx(6, rel=0.05)
    line = rng.standard_normal(500)[:, None] * np.array([[1.0, 2.0, -1.0]])
    assert participation_ratio(line) == pytest.approx(1.0)
    # eigenvalues (4, 1): (5^2) / (16 + 1)
    two = rng.standard_normal((20000, 2)) * np.array([2.0, 1.0])
    assert participation_ratio(two) == pytest.approx(25 / 17, rel=0.03)


def test_lead_lag_recovers_a_planted_lead(rng):
    x = np.cumsum(rng.standard_normal(120))
    loss = np.r_[np.zeros(3), x[:-3]] + 0.2 * rng.standard_normal(120)  # moves 3 epochs after x
    r = lead_lag(x, loss, max_lag=5)
    assert r["best_lag"] == 3 and r["leads"] and r["significant"] and r["pvalue"] < 1e-6
    assert r["lags"] == list(range(-5, 6)) and r["spacing"] == 1
    # the band is the t quantile on the degrees of freedom left; the Sidak one is wider
    df = r["df"][5]
    tq = stats.t.ppf(0.975, df)
    assert r["band"][5] == pytest.approx(tq / np.sqrt(df + tq ** 2))
    assert all(fw > b for fw, b in zip(r["band_familywise"], r["band"]))
    # swapping the roles: the indicator now follows
    r2 = lead_lag(loss, x, max_lag=5)
    assert r2["best_lag"] == -3 and not r2["leads"] and "follow" in r2["interpretation"]


def test_lead_lag_pools_seeds(rng):
    x = np.cumsum(rng.standard_normal((3, 30)), axis=1)
    loss = np.concatenate([np.zeros((3, 1)), x[:, :-1]], axis=1) + 0.2 * rng.standard_normal((3, 30))
    r = lead_lag(x, loss, max_lag=3)
    assert r["best_lag"] == 1 and r["leads"] and len(r["ar_orders"]) == 3


def test_lags_are_reported_in_epochs_for_tracked_series(rng):
    """An indicator measured every 5th epoch: a lag of one measured step is 5 epochs."""
    f = np.cumsum(rng.standard_normal(126))
    ep = np.arange(121)
    x = np.full(121, np.nan)
    x[::5] = f[5:][::5]                               # indicator at epoch e is f[e + 5]
    loss = f[:121] + 0.05 * rng.standard_normal(121)  # the loss reaches f[e + 5] at epoch e + 5
    r = lead_lag(x, loss, epochs=ep, max_lag=2)
    assert r["spacing"] == 5 and r["lags"] == [-10, -5, 0, 5, 10]
    assert r["best_lag"] == 5 and r["leads"]


def test_a_shared_smooth_trend_is_not_tracking(rng):
    """Both curves decay with the same time constant, their fluctuations unrelated: no tracking."""
    e = np.arange(60.0)
    x = 2.0 * np.exp(-e / 8) + 0.02 * rng.standard_normal((3, 60))
    y = 1.0 * np.exp(-e / 8) + 0.02 * rng.standard_normal((3, 60))
    assert stats.spearmanr(x[0], y[0])[0] > 0.8  # the levels correlate through the trend
    # one draw: p below 1e-3 would happen by chance once in ten thousand runs (the families of
    # tests/dynamics/test_verdict_calibration.py check the 5 % rate)
    assert lead_lag(x, y)["pvalue"] > 1e-4


def test_lead_lag_errors_and_short_series():
    with pytest.raises(ValueError, match="same shape"):
        lead_lag(np.arange(5.0), np.arange(6.0))
    with pytest.raises(ValueError, match="epoch labels"):
        lead_lag(np.arange(5.0), np.arange(5.0), epochs=[0, 1])
    r = lead_lag([1.0, 2.0, 3.0], [3.0, 2.0, 1.0])
    assert r["best_lag"] is None and "too few" in r["interpretation"] and not r["significant"]


def test_holm_adjustment():
    adj = holm([0.01, 0.04, np.nan, 0.03, 0.5])
    # sorted 0.01, 0.03, 0.04, 0.5 times 4, 3, 2, 1, made monotone
    np.testing.assert_allclose(adj[[0, 3, 1, 4]], [0.04, 0.09, 0.09, 0.5])
    assert np.isnan(adj[2])


def test_learning_indicators_layout_and_values(tmp_path):
    recs = [S.make_recording(s, n_epoch=6, n_time=150) for s in (0, 1)]
    ind = learning_indicators(recs)
    assert ind["entropy_sum"].dims == ("seed", "epoch")
    for v in ("entropy_sum", "total_correlation", "participation_ratio", "mi_target", "train_loss", "val_loss"):
        assert v in ind and np.isfinite(ind[v]).all(), v
    assert (ind["entropy_sum"] <= 5 * np.log(30) + 1e-9).all()  # 5 units, <= ln(30) nats each
    assert (ind["total_correlation"] > 0).all()  # units share one input: positively dependent
    assert ((ind["participation_ratio"] >= 1) & (ind["participation_ratio"] <= 5)).all()
    assert ind["entropy_sum"].attrs["units"] == "nat"
    assert ind.attrs["tc_method"] == "gaussian" and ind.attrs["entropy_method"] == "binning"
    np.testing.assert_allclose(ind["val_loss"].sel(seed=1), recs[1]["val_loss"])
    ind.to_netcdf(tmp_path / "ind.nc", engine="scipy")
    assert sorted(p.suffix for p in plot_indicators(ind, tmp_path / "ind")) == [".png", ".svg"]


def test_total_correlation_gaussian_and_copula_agree_on_gaussian_units(rng):
    # 3 units with correlation 0.6 pairwise: TC = -1/2 ln det(R)
    c = np.full((3, 3), 0.6) + 0.4 * np.eye(3)
    h = rng.multivariate_normal(np.zeros(3), c, size=3000)
    ds = S.gaussian_channel_recording(n=3000, noise_sds=(1.0, 1.0, 1.0))
    ds["activity"] = (("epoch", "time", "neuron"), h[None])
    tc = -0.5 * np.log(np.linalg.det(c))
    g = learning_indicators(ds, tc_method="gaussian")
    gc = learning_indicators(ds, tc_method="gaussian_copula")
    # sampling SD of the estimate at n=3000 is ~0.015; the two estimators see the same sample
    assert float(g["total_correlation"].squeeze()) == pytest.approx(tc, abs=0.06)
    assert float(gc["total_correlation"].squeeze()) == pytest.approx(float(g["total_correlation"].squeeze()), abs=0.02)


def test_flow_and_structure_files_are_read(tmp_path):
    S.write_run(tmp_path, seeds=None, n_epoch=4, n_time=60)
    ep = np.array([1, 3])
    te = np.stack([np.full((2, 2), 0.1), np.full((2, 2), 0.3)])
    flow = xr.Dataset({"te": (("epoch", "source", "target"), te),
                       "significant": (("epoch", "source", "target"), np.array([[[1, 0], [0, 0]], [[1, 1], [0, 1]]]))},
                      coords={"epoch": ep, "source": ["h0", "h1"], "target": ["h0", "h1"]})
    flow.to_netcdf(tmp_path / "flow.nc", engine="scipy")
    (tmp_path / "structure.json").write_text(json.dumps(
        {"per_epoch": [{"epoch": 0, "n_layers": 2, "trophic_coherence": 0.5, "note": "x"},
                       {"epoch": 2, "n_layers": 3, "trophic_coherence": 0.7}]}))
    ind = learning_indicators(load_run(tmp_path))
    np.testing.assert_allclose(ind["flow_te_mean"].squeeze(), [np.nan, 0.1, np.nan, 0.3])
    np.testing.assert_allclose(ind["flow_significant_fraction"].squeeze(), [np.nan, 0.25, np.nan, 0.75])
    np.testing.assert_allclose(ind["structure_n_layers"].squeeze(), [2, np.nan, 3, np.nan])
    assert "structure_note" not in ind
    # the columnar layout analyze_structure writes
    (tmp_path / "structure.json").write_text(json.dumps(
        {"epochs": {"epoch": [1, 2, 3], "n_layers": [2, 3, 3], "f0": [0.5, None, 0.2],
                    "layer": [[0, 1], [0, 1], [1, 1]]}}))
    ind = learning_indicators(load_run(tmp_path))
    np.testing.assert_allclose(ind["structure_f0"].squeeze(), [np.nan, 0.5, np.nan, 0.2])
    np.testing.assert_allclose(ind["structure_n_layers"].squeeze(), [np.nan, 2, 3, 3])
    assert "structure_layer" not in ind
    assert "flow_te_mean" not in learning_indicators(load_run(tmp_path), read_files=False)


def test_tracked_flow_and_structure_are_preferred_to_the_tested_ones(tmp_path):
    # `infoflow run` writes flow.nc / structure.json for the tested first and last epochs, and
    # flow_epochs.nc / structure_epochs.json every few epochs: the indicators follow the latter
    S.write_run(tmp_path, seeds=None, n_epoch=4, n_time=60)
    coords = {"source": ["h0", "h1"], "target": ["h0", "h1"]}
    tested = xr.Dataset({"te": (("epoch", "source", "target"), np.full((2, 2, 2), 0.9))},
                        coords={"epoch": [0, 3], **coords})
    tracked = xr.Dataset({"te": (("epoch", "source", "target"),
                                 np.stack([np.full((2, 2), v) for v in (0.1, 0.2, 0.4)]))},
                         coords={"epoch": [0, 2, 3], **coords})
    tested.to_netcdf(tmp_path / "flow.nc", engine="scipy")
    tracked.to_netcdf(tmp_path / "flow_epochs.nc", engine="scipy")
    (tmp_path / "structure.json").write_text(json.dumps({"epochs": {"epoch": [0, 3], "n_layers": [5, 5]}}))
    (tmp_path / "structure_epochs.json").write_text(json.dumps({"epochs": {"epoch": [0, 2, 3], "n_layers": [1, 2, 3]}}))
    ind = learning_indicators(load_run(tmp_path))
    np.testing.assert_allclose(ind["flow_te_mean"].squeeze(), [0.1, np.nan, 0.2, 0.4])
    np.testing.assert_allclose(ind["structure_n_layers"].squeeze(), [1, np.nan, 2, 3])


def test_sparse_indicators_are_drawn(tmp_path, monkeypatch):
    from matplotlib.axes import Axes

    from infoflow.dynamics import plot_indicators

    drawn = []
    original = Axes.plot

    def spy(self, *args, **kwargs):
        drawn.append((np.asarray(args[0], float), np.asarray(args[1], float), kwargs))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Axes, "plot", spy)
    ind = learning_indicators([S.make_recording(s, n_epoch=6, n_time=40) for s in (0, 1)])
    ind["sparse"] = (("seed", "epoch"), np.where(np.arange(6) % 5 == 0, 1.0, np.nan)[None].repeat(2, 0))
    plot_indicators(ind, tmp_path / "ind", names=["sparse"])
    x, y, kw = drawn[0]  # the indicator (the loss on the twin axis comes after)
    # a line through NaN draws nothing: the tracked epochs 0 and 5 are drawn, with markers
    np.testing.assert_array_equal(x, [0, 5])
    np.testing.assert_array_equal(y, [1.0, 1.0])
    assert kw.get("marker") == "o"


def test_indicator_correlations_flags_a_tracking_indicator(rng):
    recs = [S.make_recording(s, n_epoch=30, n_time=40) for s in (0, 1, 2)]
    ind = learning_indicators(recs)
    ind["tracker"] = ind["val_loss"] * 2 + 0.001 * rng.standard_normal(ind["val_loss"].shape)
    ind["noise"] = (("seed", "epoch"), rng.standard_normal(ind["val_loss"].shape))
    ind["structure_pvalue"] = ind["val_loss"]  # a test outcome is no indicator
    res = indicator_correlations(ind)
    assert res["tracker"]["tracks"] and res["tracker"]["spearman_mean"] > 0.95
    assert res["tracker"]["lead_lag"]["best_lag"] == 0 and not res["tracker"]["leads"]
    assert res["tracker"]["lead_lag"]["pvalue_holm"] >= res["tracker"]["lead_lag"]["pvalue"]
    assert res["tracker"]["across_seeds"]["n_seeds"] == 3
    assert not res["noise"]["tracks_level"] and not res["noise"]["tracks"]
    assert "structure_pvalue" not in res
    assert "val_loss" not in res and "train_loss" not in res
    with pytest.raises(ValueError, match="no variable 'loss'"):
        indicator_correlations(ind, target="loss")
