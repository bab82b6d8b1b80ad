"""effective_network: multivariate TE keeps direct parents and drops indirect paths and common drivers."""

from __future__ import annotations

import numpy as np
import pytest

from infoflow._validation import InfoflowWarning, InvalidParameterError
from infoflow.data import parents_network
from infoflow.flow import effective_network, information_flow


def _truth(act) -> np.ndarray:
    n = act.sizes["neuron"]
    true = np.zeros((n, n), dtype=bool)
    true[act.attrs["edge_source"], act.attrs["edge_target"]] = True
    return true


def _driver_chain(n: int, seed: int) -> np.ndarray:
    """D -> A (lag 1), D -> B (lag 2), A -> C (lag 1): A-B share a driver, D -> C is indirect."""
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((n, 4))
    x = np.zeros((n, 4))
    for t in range(2, n):
        x[t, 0] = 0.4 * x[t - 1, 0] + e[t, 0]
        x[t, 1] = 0.7 * x[t - 1, 0] + 0.6 * e[t, 1]
        x[t, 2] = 0.7 * x[t - 2, 0] + 0.6 * e[t, 2]
        x[t, 3] = 0.7 * x[t - 1, 1] + 0.6 * e[t, 3]
    return x


DRIVER_TRUTH = np.zeros((4, 4), dtype=bool)
DRIVER_TRUTH[0, 1] = DRIVER_TRUTH[0, 2] = DRIVER_TRUTH[1, 3] = True


@pytest.mark.parametrize("method", ["gaussian_copula", "ksg"])
def test_common_driver_and_indirect_path_left_out(method):
    x = _driver_chain(1500, seed=1)
    net = effective_network(x, lags=(1, 2), method=method, surrogates=40, seed=0)
    sig = net["significant"].values
    assert sig[DRIVER_TRUTH].all()
    assert not sig[1, 2] and not sig[2, 1] and not sig[0, 3]  # common driver, indirect path
    # each target's inclusion test adds a false parent with probability alpha (4 targets)
    assert (sig & ~DRIVER_TRUTH).sum() <= 1
    assert net["lag"].values[0, 2] == 2 and net["lag"].values[0, 1] == 1
    assert (net["te"].values[DRIVER_TRUTH] > 0.1).all()
    # the bivariate test on the same data flags the common driver's A-B and the indirect D -> C
    biv = information_flow(x, lags=(1, 2), method="gaussian_copula", surrogates=40, seed=0)["significant"].values
    assert biv[1, 2] or biv[2, 1]
    assert biv[0, 3]


@pytest.mark.parametrize("seed", [0, 1])
def test_var_network_parents_recovered(seed):
    act = parents_network(2500, 8, n_parents=2, kind="var", seed=seed)
    net = effective_network(act, method="gaussian_copula", surrogates=40, seed=seed)
    sig, true = net["significant"].values, _truth(act)
    assert (sig & true).sum() / true.sum() >= 0.9           # recall
    assert (sig & ~true).sum() <= 1                         # at most one false parent of 56 non-edges
    lags = np.asarray(act.attrs["edge_lag"])
    found = sig[act.attrs["edge_source"], act.attrs["edge_target"]]
    assert (net["lag"].values[act.attrs["edge_source"], act.attrs["edge_target"]][found] == lags[found]).all()


def test_independent_units_get_few_links():
    """No coupling at all: every target's inclusion test is at alpha, then the FDR across targets."""
    false = 0
    for seed in range(6):
        rng = np.random.default_rng(100 + seed)
        x = rng.standard_normal((800, 6))
        for t in range(1, 800):
            x[t] += 0.5 * x[t - 1]
        false += int(effective_network(x, method="gaussian_copula", surrogates=40, seed=seed)["significant"].sum())
    # 36 target searches; each adds a false parent with probability <= alpha before the FDR
    assert false <= 5


def test_same_seed_same_network_and_attrs():
    x = _driver_chain(600, seed=3)
    a = effective_network(x, lags=(1, 2), method="ksg", surrogates=20, seed=5)
    b = effective_network(x, lags=(1, 2), method="ksg", surrogates=20, seed=5, scheduler="inprocess")
    import xarray as xr

    xr.testing.assert_identical(a, b)
    assert "Lizier" in a.attrs["algorithm"] and a.attrs["estimator"] == "ksg" and a.attrs["k"] == 4
    assert set(a.data_vars) >= {"significant", "te", "lag", "pvalue", "own_past", "pvalue_omnibus"}


def test_own_past_selected_beyond_lag_one():
    rng = np.random.default_rng(0)
    n = 2000
    x = rng.standard_normal((n, 2))
    for t in range(3, n):
        x[t, 0] += 0.6 * x[t - 3, 0]
    net = effective_network(x, lags=(1,), method="gaussian_copula", surrogates=40, max_history=3)
    assert net["own_past"].values[0].tolist() == [True, False, True]  # lag 3 joins, lag 2 adds nothing
    assert net["own_past"].values[1].tolist() == [True, False, False]  # white noise: lag 1 only (forced)


def test_bad_input_is_named():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="at least 2"):
        effective_network(rng.standard_normal((500, 1)))
    with pytest.raises(InvalidParameterError, match="lag"):
        effective_network(rng.standard_normal((30, 3)), lags=(40,))
    with pytest.raises(InvalidParameterError, match="surrogates"):
        effective_network(rng.standard_normal((500, 3)), surrogates=19, alpha=0.01)
    with pytest.raises(InvalidParameterError, match=">= 1"):
        effective_network(rng.standard_normal((500, 3)), lags=(0, 1))
    x = rng.standard_normal((300, 12))
    with pytest.warns(InfoflowWarning, match="candidate variables"):
        effective_network(x, method="gaussian_copula", surrogates=19, min_shift=20)


def test_graph_export_of_the_effective_network(tmp_path):
    import networkx as nx

    from infoflow.flow import to_networkx, write_graphml

    net = effective_network(_driver_chain(1500, seed=1), lags=(1, 2), method="gaussian_copula", surrogates=40)
    g = to_networkx(net)
    assert {("n0", "n1"), ("n0", "n2"), ("n1", "n3")} <= set(g.edges)
    assert g.edges["n0", "n2"]["lag"] == 2 and g.edges["n0", "n2"]["te"] > 0.1
    back = nx.read_graphml(write_graphml(net, tmp_path / "net.graphml"))
    assert set(back.edges) == set(g.edges)
