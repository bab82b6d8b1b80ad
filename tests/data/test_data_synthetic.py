"""Synthetic ground truths: closed forms against large-sample estimates, known edges, determinism."""

import numpy as np
import pytest

from infoflow._io import load_dataset as load_saved
from infoflow._io import save_dataset
from infoflow._validation import InvalidParameterError
from infoflow.data import (
    chain_adjacency,
    coupled_ar,
    coupled_ar_theory,
    delay_chain,
    lorenz,
    mackey_glass,
    var_network,
)


def _resid_var(target, *regressors):
    a = np.column_stack([*regressors, np.ones_like(target)])
    coef, *_ = np.linalg.lstsq(a, target, rcond=None)
    return np.var(target - a @ coef)


PARAMS = [
    {},
    {"coupling": 1.0, "a_x": 0.8, "a_y": -0.3, "noise_x": 0.5, "noise_y": 2.0},
    {"coupling": -0.7, "a_x": -0.4, "a_y": 0.9},
    {"coupling": 0.0},
]


@pytest.mark.parametrize("kw", PARAMS)
def test_coupled_ar_closed_form_matches_regression(kw):
    """n=200k; TE as 0.5 ln ratio of residual variances (Barnett 2009), tolerance 0.01 nats."""
    x, y, info = coupled_ar(200_000, seed=1, **kw)
    te_xy = 0.5 * np.log(_resid_var(y[1:], y[:-1]) / _resid_var(y[1:], y[:-1], x[:-1]))
    te_yx = 0.5 * np.log(_resid_var(x[1:], x[:-1]) / _resid_var(x[1:], x[:-1], y[:-1]))
    assert te_xy == pytest.approx(info["te_x_to_y"], abs=0.01)
    assert info["te_y_to_x"] == 0.0 and abs(te_yx) < 0.01
    for key, (a, b) in {"tdmi_x_to_y": (x[:-1], y[1:]), "tdmi_y_to_x": (y[:-1], x[1:]), "mi_xy": (x, y)}.items():
        r = np.corrcoef(a, b)[0, 1]
        assert -0.5 * np.log(1 - r**2) == pytest.approx(info[key], abs=0.01), key
    assert np.var(x) == pytest.approx(info["var_x"], rel=0.03)
    assert np.var(y) == pytest.approx(info["var_y"], rel=0.03)


def test_coupled_ar_theory_values():
    info = coupled_ar_theory()
    # a=0.5, c=0.5, unit noise: var_x = 4/3, cov_xy = 4/9, var_y = 56/27 (hand derivation).
    assert info["var_x"] == pytest.approx(4 / 3) and info["cov_xy"] == pytest.approx(4 / 9)
    assert info["var_y"] == pytest.approx(56 / 27)
    assert coupled_ar_theory(coupling=0.0)["te_x_to_y"] == 0.0
    assert coupled_ar_theory(coupling=1.0)["te_x_to_y"] > info["te_x_to_y"] > 0


def test_coupled_ar_seeded_and_validated():
    a, b = coupled_ar(500, seed=3)[:2], coupled_ar(500, seed=3)[:2]
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(coupled_ar(500, seed=4)[0], a[0])
    with pytest.raises(InvalidParameterError, match="a_x"):
        coupled_ar(100, a_x=1.0)
    with pytest.raises(InvalidParameterError, match="noise_y"):
        coupled_ar(100, noise_y=0.0)
    with pytest.raises(InvalidParameterError, match="n_time"):
        coupled_ar(1)
    with pytest.raises(InvalidParameterError, match="seed"):
        coupled_ar(100, seed=-1)


def test_var_network_edges_and_weights_recovered():
    w = np.array([[0.4, 0.5, 0.0, 0.0], [0.0, 0.3, -0.6, 0.0], [0.0, 0.0, 0.2, 0.4], [0.0, 0.0, 0.0, 0.5]])
    act = var_network(100_000, w, lag=2, noise=0.5, seed=2)
    assert act.dims == ("epoch", "time", "neuron") and act.shape == (1, 100_000, 4)
    assert act.attrs["edges"] == "n0->n1, n1->n2, n2->n3"
    assert act.attrs["edge_weight"] == [0.5, -0.6, 0.4] and act.attrs["lag"] == 2
    v = act.values[0]
    a = np.column_stack([v[:-2], np.ones(len(v) - 2)])
    coef, *_ = np.linalg.lstsq(a, v[2:], rcond=None)
    np.testing.assert_allclose(coef[:4], w, atol=0.02)  # OLS recovers weights[source, target]
    np.testing.assert_array_equal(var_network(300, w, seed=5).values, var_network(300, w, seed=5).values)


def test_var_network_rejects_bad_weights():
    with pytest.raises(InvalidParameterError, match="spectral radius"):
        var_network(100, np.array([[1.1, 0.0], [0.0, 0.5]]))
    with pytest.raises(InvalidParameterError, match="square"):
        var_network(100, np.zeros((2, 3)))


def test_delay_chain_roles_layers_edges():
    act = delay_chain(300, n_layers=4, units_per_layer=3, n_epoch=2)
    assert act.dims == ("epoch", "time", "neuron") and act.shape == (2, 300, 12)
    assert act.role.values.tolist() == ["input"] * 3 + ["hidden"] * 6 + ["output"] * 3
    assert act.layer.values.tolist() == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    adj = chain_adjacency(4, 3)
    src, tgt = np.nonzero(adj)
    assert act.attrs["edge_source"] == src.tolist() and act.attrs["edge_target"] == tgt.tolist()
    edges = act.attrs["edges"].split(", ")
    assert len(edges) == 27 and edges[0] == "n0->n3"
    assert edges == [f"n{i}->n{j}" for i, j in zip(src, tgt)]
    assert all(act.layer.values[j] == act.layer.values[i] + 1 for i, j in zip(src, tgt))
    assert np.isfinite(act.values).all()


def test_delay_chain_information_moves_forward_with_the_delay():
    delay = 2
    v = delay_chain(20_000, n_layers=3, units_per_layer=2, delay=delay, driver_ar=0.0, seed=4).values[0]
    inputs, hidden, outputs = v[:, 0:2], v[:, 2:4], v[:, 4:6]

    def r2(target, source, lag):
        return 1 - _resid_var(target[lag:], source[:-lag]) / np.var(target[lag:])

    for h in range(2):
        assert r2(hidden[:, h], inputs, delay) > 0.3          # forward at the true delay
        assert r2(hidden[:, h], inputs, delay + 1) < 0.01     # nothing at other lags (white drivers)
        assert r2(inputs[:, h], hidden, delay) < 0.01         # nothing backwards
        # output sees input after two hops
        assert r2(outputs[:, h], inputs, 2 * delay) > 0.05


def test_delay_chain_deterministic_and_netcdf_safe(tmp_path):
    a, b = delay_chain(200, seed=9), delay_chain(200, seed=9)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, delay_chain(200, seed=10).values)
    for act in (a, var_network(50, np.array([[0.5, 0.2], [0.0, 0.5]]))):
        path = save_dataset(act.to_dataset(), tmp_path / "c.nc")  # infoflow's writer: netCDF3 (scipy)
        back = load_saved(path)["activity"]
        assert back.attrs["edges"] == act.attrs["edges"]
        assert np.atleast_1d(back.attrs["edge_source"]).tolist() == act.attrs["edge_source"]


def test_lorenz_and_mackey_glass():
    lz = lorenz(2000, seed=1)
    assert lz.dims == ("time", "channel") and lz.channel.values.tolist() == ["x", "y", "z"]
    assert np.isfinite(lz.values).all() and 5 < lz.values[:, 0].std() < 12  # on the attractor
    np.testing.assert_array_equal(lz.values, lorenz(2000, seed=1).values)
    assert not np.array_equal(lz.values, lorenz(2000, seed=2).values)
    noisy = lorenz(2000, seed=1, noise=0.5)
    assert 0.3 < (noisy.values - lz.values).std() < 0.7
    mg = mackey_glass(1500, seed=0)
    assert mg.shape == (1500, 1) and np.isfinite(mg.values).all()
    assert 0.2 < mg.values.min() and mg.values.max() < 1.5 and mg.values.std() > 0.1  # oscillates, not settled
    np.testing.assert_array_equal(mg.values, mackey_glass(1500, seed=0).values)
    with pytest.raises(InvalidParameterError, match="dt"):
        lorenz(10, dt=0.0)


def test_parents_network_known_parents_lags_and_ranges():
    from infoflow.data import parents_network

    act = parents_network(400, 6, n_parents=2, lags=(1, 3), seed=4)
    src, tgt, lag = (np.asarray(act.attrs[k]) for k in ("edge_source", "edge_target", "edge_lag"))
    assert np.bincount(tgt, minlength=6).tolist() == [2] * 6 and (src != tgt).all()
    assert set(lag.tolist()) <= {1, 3} and act.dims == ("epoch", "time", "neuron") and np.isfinite(act).all()
    # a VAR parent at lag l explains its target: the lagged correlation of one edge is visible
    x = act.values[0]
    i, j, l_ = src[0], tgt[0], lag[0]
    assert abs(np.corrcoef(x[:-l_, i], x[l_:, j])[0, 1]) > 0.1
    maps = parents_network(300, 5, kind="logistic", seed=1)
    assert ((maps.values >= 0) & (maps.values < 1)).all()
    assert parents_network(300, 5, seed=2).identical(parents_network(300, 5, seed=2))
    with pytest.raises(InvalidParameterError, match="stability"):
        parents_network(100, 4, coupling=0.8, self_coupling=0.3)
    with pytest.raises(InvalidParameterError, match="n_parents"):
        parents_network(100, 3, n_parents=3)
