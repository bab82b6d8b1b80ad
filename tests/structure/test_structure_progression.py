"""Progression: known order on layered networks, agreement with brute-force solutions, invariances,
edge cases and labelled output."""

import warnings

import numpy as np
import pytest
import xarray as xr
from scipy.stats import spearmanr

from infoflow._defaults import DEFAULT_RIDGE
from infoflow._validation import InfoflowWarning, InvalidParameterError
from infoflow.structure import progression
from infoflow.structure._progression import hodge_potential, incoherence, spring_rank, trophic_levels
from tests.structure._structure_synth import (
    flow_dataset,
    gaussian_te_matrix,
    layer_labels,
    layered_dag,
    roles_for,
    simulate_layered_rnn,
)

METHODS = ("trophic", "hodge", "springrank")


def _lstsq_levels(w, target=None, pair=None, ridge=0.0):
    """Slow reference: minimise sum_ij c_ij (h_j - h_i - t_ij)^2 (+ ridge |h|^2) by dense least squares."""
    n = w.shape[0]
    rows, rhs = [], []
    for i in range(n):
        for j in range(n):
            c = w[i, j] if pair is None else pair[i, j]
            if i != j and c > 0:
                r = np.zeros(n)
                r[j], r[i] = 1.0, -1.0
                rows.append(np.sqrt(c) * r)
                rhs.append(np.sqrt(c) * (1.0 if target is None else target[i, j]))
    for i in range(n):
        r = np.zeros(n)
        r[i] = np.sqrt(ridge) if ridge else 1e-9  # a vanishing ridge picks one solution of the gauge family
        rows.append(r)
        rhs.append(0.0)
    h, *_ = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)
    return h


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n_layers,units", [(4, 3), (5, 4)])
def test_recovers_layer_order_on_noisy_dag(method, n_layers, units, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    w = layered_dag(n_layers, units, rng, noise=0.1)
    h = progression(w, method, roles=roles_for(n_layers, units))
    assert spearmanr(h, layer_labels(n_layers, units))[0] >= 0.9
    # normalised: inputs' mean 0, outputs' mean 1
    lab = layer_labels(n_layers, units)
    assert h[lab == 0].mean() == pytest.approx(0.0, abs=1e-9)
    assert h[lab == n_layers - 1].mean() == pytest.approx(1.0)


@pytest.mark.parametrize("method", METHODS)
def test_recovers_order_from_simulated_recurrent_system(method, global_random_seed):
    # A hand-made layered weight matrix run as a recurrent system; flow = linear-Gaussian TE from numpy.
    rng = np.random.default_rng(global_random_seed)
    x = simulate_layered_rnn(4, 3, 3000, rng)
    te = gaussian_te_matrix(x)
    h = progression(te, method)
    assert spearmanr(h, layer_labels(4, 3))[0] >= 0.9


def test_methods_agree_on_directed_graph(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    w = layered_dag(5, 3, rng, noise=0.1)
    hs = [progression(w, m) for m in METHODS]
    for a in range(3):
        for b in range(a + 1, 3):
            assert spearmanr(hs[a], hs[b])[0] >= 0.9


@pytest.mark.parametrize("method", METHODS)
def test_relabelling_neurons_permutes_progression(method, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    w = rng.random((10, 10)) ** 3
    roles = ["input"] * 2 + ["hidden"] * 6 + ["output"] * 2
    h = progression(w, method, roles=roles)
    for _ in range(3):
        p = rng.permutation(10)
        hp = progression(w[np.ix_(p, p)], method, roles=[roles[i] for i in p])
        np.testing.assert_allclose(hp, h[p], rtol=1e-9, atol=1e-12)


def test_trophic_levels_match_least_squares_reference(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    w = rng.random((8, 8)) * (rng.random((8, 8)) < 0.5)
    w[np.arange(7), np.arange(1, 8)] += 0.5  # keep it weakly connected
    np.fill_diagonal(w, 0)
    h, _, _ = trophic_levels(w)
    ref = _lstsq_levels(w)
    np.testing.assert_allclose(h - h.mean(), ref - ref.mean(), atol=1e-6)
    assert h.min() == 0.0


def test_hodge_and_springrank_match_least_squares_reference(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    w = rng.random((7, 7))
    np.fill_diagonal(w, 0)
    net, pair = w - w.T, w + w.T
    h, _, _ = hodge_potential(net, pair)
    ref = _lstsq_levels(w, target=net, pair=pair)
    np.testing.assert_allclose(h, ref - ref.mean(), atol=1e-6)
    ridge = 0.3
    hs, _, _ = spring_rank(w, ridge)
    u = (w + w.T).sum(axis=1)
    ref = _lstsq_levels(w, ridge=ridge * u.mean())  # gradient of the energy gives (Lambda + ridge' I) h = v
    np.testing.assert_allclose(hs, ref - ref.min(), atol=1e-6)


def test_incoherence_extremes():
    chain = np.diag(np.ones(5), k=1)
    h, _, _ = trophic_levels(chain)
    np.testing.assert_allclose(h, np.arange(6))
    assert incoherence(chain, h) == pytest.approx(0.0, abs=1e-12)
    sym = np.random.default_rng(0).random((6, 6))
    sym = sym + sym.T
    np.fill_diagonal(sym, 0)
    h, _, _ = trophic_levels(sym)
    np.testing.assert_allclose(h, 0.0, atol=1e-9)
    assert incoherence(sym, h) == pytest.approx(1.0)
    cycle = np.roll(np.eye(4), 1, axis=1)  # 0->1->2->3->0: no direction at all
    h, _, _ = trophic_levels(cycle)
    assert incoherence(cycle, h) == pytest.approx(1.0)


def test_outputs_upstream_are_not_flipped_by_normalisation():
    w = np.diag(np.ones(3), k=1)  # 0 -> 1 -> 2 -> 3
    da = progression(xr.DataArray(w, dims=("source", "target"), coords={"source": list("abcd"),
                                                                        "target": list("abcd")}),
                     roles=["output", "hidden", "hidden", "input"])
    np.testing.assert_allclose(da.values, [-1.0, -2 / 3, -1 / 3, 0.0])
    assert "outputs mean -1" in da.attrs["normalisation"]
    plain = progression(w)
    np.testing.assert_allclose(plain, [0, 1 / 3, 2 / 3, 1])


def test_disconnected_graph_and_isolated_neuron_warn(tmp_path):
    w = np.zeros((7, 7))
    w[0, 1] = w[1, 2] = 1.0  # component A
    w[3, 4] = 1.0  # component B; neurons 5 and 6 isolated
    with pytest.warns(InfoflowWarning) as rec:
        h = progression(w, normalise=False)
    text = " ".join(str(r.message) for r in rec)
    assert "no significant flow" in text and "components" in text
    np.testing.assert_allclose(h[:5], [0, 1, 2, 0, 1])
    assert np.isnan(h[5:]).all()
    with pytest.warns(InfoflowWarning):
        da = progression(flow_dataset(w, significant=w > 0))
    assert da.attrs["n_components"] == 2
    assert da.attrs["isolated"] == "h5, h6"
    da.to_netcdf(tmp_path / "p.nc", engine="scipy")


def test_single_neuron_and_empty_graph_do_not_crash():
    with pytest.warns(InfoflowWarning):
        h = progression(np.zeros((1, 1)))
    assert h.shape == (1,) and np.isnan(h).all()
    with pytest.warns(InfoflowWarning):
        h = progression(np.zeros((3, 3)), "springrank")
    assert np.isnan(h).all()
    with pytest.warns(InfoflowWarning):
        h = progression(np.zeros((3, 3)), "hodge")  # no flow exchanged anywhere: every neuron alone
    assert h.shape == (3,)


def test_dataset_input_gives_labelled_output_and_roundtrips(tmp_path):
    rng = np.random.default_rng(0)
    w = layered_dag(3, 3, rng)
    ds = flow_dataset(w, roles_for(3, 3))
    for method in METHODS:
        da = progression(ds, method)
        assert da.dims == ("neuron",) and list(da["role"].values) == roles_for(3, 3)
        assert da.attrs["method"] == method and da.attrs["normalisation"] == "inputs mean 0, outputs mean 1"
        assert da.attrs["model"] == "synthetic"
        da.to_netcdf(tmp_path / f"{method}.nc", engine="scipy")
        back = xr.open_dataarray(tmp_path / f"{method}.nc", engine="scipy")
        np.testing.assert_allclose(back.values, da.values)
    assert 0 <= progression(ds).attrs["trophic_incoherence"] < 0.3
    # weight="flow" uses the lag maximum of flow(lag, source, target); same graph up to scale here
    np.testing.assert_allclose(progression(ds, weight="flow").values, progression(ds).values, atol=1e-9)


def test_epoch_dim_gives_one_progression_per_epoch():
    rng = np.random.default_rng(1)
    stack = np.stack([rng.random((6, 6)), layered_dag(3, 2, rng), layered_dag(3, 2, rng)])
    da = progression(flow_dataset(stack, roles_for(3, 2), significant=stack > 0.3))
    assert da.dims == ("epoch", "neuron") and da.sizes["epoch"] == 3
    assert spearmanr(da.isel(epoch=2), layer_labels(3, 2))[0] >= 0.9
    arr = progression(stack)
    assert arr.shape == (3, 6)


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="square"):
        progression(np.ones((3, 4)))
    bad = np.ones((3, 3))
    bad[0, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        progression(bad)
    with pytest.raises(InvalidParameterError, match="Did you mean 'hodge'"):
        progression(np.ones((3, 3)), "hodg")
    with pytest.raises(ValueError, match="roles"):
        progression(np.ones((3, 3)), roles=["input", "output"])
    with pytest.raises(ValueError, match="unknown role"):
        progression(np.ones((3, 3)), roles=["input", "output", "middle"])
    with pytest.raises(ValueError, match="no 'te' variable"):
        progression(flow_dataset(np.ones((3, 3))).drop_vars("te"))
    with pytest.raises(InvalidParameterError, match="ridge"):
        progression(np.ones((3, 3)), "springrank", ridge=-1.0)
    with pytest.raises(InvalidParameterError, match="alpha"):  # the old name of the ridge is gone
        progression(np.ones((3, 3)), "springrank", alpha=0.1)
    # NaN outside the significance mask is ignored
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfoflowWarning)
        progression(bad, significant=~np.isnan(bad))


def test_springrank_ridge_shrinks_levels_and_is_recorded():
    """``ridge`` is SpringRank's regulariser: 0 gives trophic levels, a larger one pulls levels together."""
    chain = np.diag(np.ones(3), k=1)  # 0 -> 1 -> 2 -> 3, unit weights
    free = progression(chain, "springrank", ridge=0.0, normalise=False)
    np.testing.assert_allclose(free, trophic_levels(chain)[0], atol=1e-9)
    spans = [np.ptp(progression(chain, "springrank", ridge=r, normalise=False)) for r in (0.0, 0.1, 1.0)]
    assert spans[0] == pytest.approx(3.0) and spans[0] > spans[1] > spans[2] > 0
    shrunk = progression(chain, "springrank", ridge=1.0, normalise=False)
    assert np.all(np.diff(shrunk) > 0)  # shrinking never reorders a chain
    da = progression(flow_dataset(chain), "springrank", ridge=0.5)
    assert da.attrs["ridge"] == 0.5 and "alpha" not in da.attrs
    np.testing.assert_allclose(progression(chain, "springrank"),
                               progression(chain, "springrank", ridge=DEFAULT_RIDGE))
