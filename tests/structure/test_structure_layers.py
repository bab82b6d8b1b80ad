"""Layers: exact 1-D k-means against brute force, ARI, the right layer count on layered networks,
one layer on unstructured ones, flow fractions, epochs."""

import itertools
import json

import numpy as np
import pytest
from scipy.stats import binom

from infoflow._validation import InfoflowWarning, InvalidParameterError
from infoflow.structure import adjusted_rand_index, layers, layers_by_epoch
from infoflow.structure._layers import flow_fractions, kmeans_1d
from tests.structure._structure_synth import (
    flow_dataset,
    gaussian_te_matrix,
    layer_labels,
    layered_dag,
    roles_for,
    simulate_layered_rnn,
)


def _brute_wss(xs, k):
    """Slow reference: best within-cluster SS over every split of the sorted values into k runs."""
    best = np.inf
    for cuts in itertools.combinations(range(1, xs.size), k - 1):
        parts = np.split(xs, cuts)
        best = min(best, sum(((p - p.mean()) ** 2).sum() for p in parts))
    return best


def test_kmeans_1d_is_exact(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    xs = np.sort(rng.standard_normal(9))
    wss, starts = kmeans_1d(xs, 5)
    for k in range(1, 6):
        assert wss[k - 1] == pytest.approx(_brute_wss(xs, k), abs=1e-10)
        bounds = np.append(starts[k - 1], xs.size)
        parts = [xs[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        assert len(parts) == k and all(p.size for p in parts)
        assert sum(((p - p.mean()) ** 2).sum() for p in parts) == pytest.approx(wss[k - 1], abs=1e-10)


def test_adjusted_rand_index_known_values():
    assert adjusted_rand_index([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 2]) == pytest.approx(4 / 7)  # sklearn's documented value
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    assert adjusted_rand_index([0, 0, 0], [0, 0, 0]) == 1.0
    with pytest.raises(ValueError, match="equal lengths"):
        adjusted_rand_index([0, 1], [0])


@pytest.mark.parametrize("n_layers,units", [(2, 4), (3, 3), (4, 3), (5, 3)])
def test_layer_count_and_assignment_on_noisy_dag(n_layers, units, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    w = layered_dag(n_layers, units, rng, noise=0.1)
    res = layers(w, n_null=49, seed=global_random_seed)
    assert res.n_layers == n_layers
    assert adjusted_rand_index(res.assignment, layer_labels(n_layers, units)) == 1.0
    assert list(res.assignment[:units]) == [0] * units  # layer 0 is the most upstream
    assert res.pvalue <= 0.05
    assert res.forward_fraction > 0.7 and res.within_fraction < 0.15


@pytest.mark.parametrize("noise", [0.02, 0.1])
def test_hodge_layers_are_right_or_not_claimed(noise, global_random_seed):
    # On a complete raw matrix the HodgeRank potential is close to each neuron's net flow count, which
    # clusters in null draws too, so its "more than one layer" test has less power than trophic's; when it
    # does claim layers, they must be the true ones.
    rng = np.random.default_rng(global_random_seed)
    w = layered_dag(4, 3, rng, noise=noise)
    res = layers(w, method="hodge", n_null=49, seed=global_random_seed)
    assert res.n_layers in (1, 4)
    if res.n_layers == 4:
        assert adjusted_rand_index(res.assignment, layer_labels(4, 3)) == 1.0
    if noise == 0.02:
        assert res.n_layers == 4


# HodgeRank steps scale with flow magnitude: in the simulated system the first layer passes on little
# TE, so layers 0 and 1 sit close in potential and merge (documented); trophic/SpringRank count edges.
@pytest.mark.parametrize("method", ["trophic", "springrank"])
def test_layer_count_from_simulated_recurrent_system(method, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    te = gaussian_te_matrix(simulate_layered_rnn(4, 3, 3000, rng))
    res = layers(te, method=method, n_null=49, seed=global_random_seed)
    assert res.n_layers == 4
    assert adjusted_rand_index(res.assignment, layer_labels(4, 3)) == 1.0


@pytest.mark.parametrize("method", ["trophic", "hodge"])
def test_unstructured_networks_report_one_layer(method):
    n_seeds, alpha = 40, 0.05
    multi = 0
    for s in range(n_seeds):
        rng = np.random.default_rng(2000 + s)
        w = rng.exponential(size=(12, 12)) * (rng.random((12, 12)) < 0.6)
        np.fill_diagonal(w, 0)
        res = layers(w, method=method, n_null=39, seed=s, alpha=alpha)
        multi += res.n_layers > 1
        if res.n_layers == 1:
            assert set(res.assignment) == {0}
    assert multi <= binom.ppf(0.99, n_seeds, alpha)


def test_flow_fractions_by_hand():
    w = np.zeros((4, 4))
    w[0, 1] = 1.0  # within layer 0
    w[0, 2] = 2.0  # forward 0 -> 1
    w[1, 3] = 3.0  # skip 0 -> 2
    w[3, 2] = 4.0  # backward 2 -> 1
    w[3, 0] = 5.0  # skip back 2 -> 0
    w[2, 3] = 6.0  # forward 1 -> 2
    fr = flow_fractions(w, np.array([0, 0, 1, 2]))
    total = 21.0
    assert fr == pytest.approx({"within_fraction": 1 / total, "forward_fraction": 8 / total,
                                "skip_forward_fraction": 3 / total, "backward_fraction": 4 / total,
                                "skip_backward_fraction": 5 / total})
    fr = flow_fractions(w, np.array([0, -1, 1, 2]))  # neuron 1 has no layer: its edges are left out
    assert fr["skip_forward_fraction"] == 0.0 and fr["within_fraction"] == 0.0


def test_skip_connections_are_reported(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    w = layered_dag(4, 3, rng, noise=0.0)
    lab = layer_labels(4, 3)
    w[np.ix_(lab == 0, lab == 2)] = 0.3  # skip one layer
    res = layers(w, n_null=49, seed=0)
    assert res.n_layers == 4
    assert 0.05 < res.skip_forward_fraction < 0.3
    assert res.backward_fraction == 0.0 and res.skip_backward_fraction == 0.0
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["skip_fraction"] == pytest.approx(res.skip_forward_fraction)
    assert d["across_fraction"] == pytest.approx(1 - res.within_fraction)


@pytest.mark.parametrize("criterion", ["gap", "bic"])
def test_other_criteria(criterion):
    rng = np.random.default_rng(0)
    res = layers(layered_dag(3, 4, rng), criterion=criterion, n_null=19)
    assert res.n_layers == 3 and res.n_layers_bic == 3 and res.criterion == criterion
    rng = np.random.default_rng(1)
    res = layers(rng.random((10, 10)), criterion=criterion, n_null=19)
    assert res.n_layers == 1 or res.pvalue <= 0.05


def test_too_few_neurons_and_neurons_without_flow():
    with pytest.warns(InfoflowWarning, match="one layer"):
        res = layers(np.zeros((1, 1)), n_null=5)
    assert res.n_layers == 1 and res.assignment == (-1,)
    json.dumps(res.to_dict(), allow_nan=False)
    w = np.zeros((6, 6))
    w[0, 1] = w[1, 2] = w[2, 3] = 1.0  # neurons 4, 5 have no flow
    with pytest.warns(InfoflowWarning):
        res = layers(w, n_null=19)
    assert res.assignment[4:] == (-1, -1)
    assert any("layer -1" in n for n in res.notes)


def test_layers_by_epoch_tracks_training(tmp_path):
    rng = np.random.default_rng(4)
    noise = rng.random((9, 9))
    stack = np.stack([noise, layered_dag(3, 3, rng), layered_dag(3, 3, rng)])
    ds = flow_dataset(stack, roles_for(3, 3), significant=np.stack([noise > 0.3, stack[1] > 0.5, stack[2] > 0.5]))
    out = layers_by_epoch(ds, n_null=29, seed=1)
    assert out["n_layers"].values.tolist() == [1, 3, 3]
    assert np.isnan(out["ari"].values[0]) and out["ari"].values[2] == 1.0
    assert out["f0"].values[0] > out["f0"].values[2]
    assert out["layer"].dims == ("epoch", "neuron") and list(out["role"].values) == roles_for(3, 3)
    again = layers_by_epoch(ds, n_null=29, seed=1)
    assert again.equals(out)
    out.to_netcdf(tmp_path / "layers.nc", engine="scipy")  # attrs are netCDF-safe
    import xarray as xr

    back = xr.open_dataset(tmp_path / "layers.nc", engine="scipy")
    assert back["n_layers"].values.tolist() == [1, 3, 3] and back.attrs["criterion"] == "silhouette"
    with pytest.raises(InvalidParameterError, match="epoch must be None"):
        layers_by_epoch(ds, epoch=1)
    assert layers(ds, n_null=29, epoch=0).n_layers == 1


def test_too_few_null_draws_warn():
    w = layered_dag(3, 3, np.random.default_rng(0))
    with pytest.warns(InfoflowWarning, match="n_null >= 19"):
        res = layers(w, n_null=9)
    assert res.n_layers == 1 and res.pvalue == pytest.approx(0.1)
