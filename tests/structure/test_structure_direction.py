"""Directedness: detects direction in layered networks, keeps its false-positive rate on
unstructured ones, uses surrogate / epoch-0 references, reproducible, JSON-safe."""

import json

import numpy as np
import pytest
from scipy.stats import binom

from infoflow._validation import InfoflowWarning, InvalidParameterError
from infoflow.structure import directedness
from infoflow.structure._null import _Rewirer, null_graphs
from tests.structure._structure_synth import flow_dataset, layered_dag, roles_for

ALPHA = 0.05
N_SEEDS = 40
# Largest rejection count still compatible with the nominal rate: binomial 99th percentile.
MAX_REJECT = int(binom.ppf(0.99, N_SEEDS, ALPHA))


def test_layered_network_is_directed_and_roles_ordered(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    w = layered_dag(4, 3, rng, noise=0.1)
    res = directedness(w, roles=roles_for(4, 3), n_null=99, seed=global_random_seed)
    assert res.f0 < 0.7 and res.downhill_fraction > 0.8  # noise edges on every pair keep F0 well above 0
    for comp in res.nulls:
        assert comp.f0_pvalue <= 0.05 and comp.downhill_pvalue <= 0.05
        assert comp.f0_mean > res.f0
    tests = {(t.earlier, t.later): t for t in res.role_tests}
    assert set(tests) == {("input", "hidden"), ("hidden", "output"), ("input", "output")}
    assert tests[("input", "hidden")].cliffs_delta == 1.0 and tests[("input", "hidden")].pvalue < 0.05
    assert tests[("hidden", "output")].pvalue < 0.05
    # exact one-sided U test with 3 vs 3 and complete separation: p = 1 / C(6, 3)
    assert tests[("input", "output")].pvalue == pytest.approx(1 / 20)


@pytest.mark.parametrize("null", ["rewire", "weights", "flip"])
def test_false_positive_rate_on_unstructured_networks(null):
    rejections = 0
    for s in range(N_SEEDS):
        rng = np.random.default_rng(1000 + s)
        w = rng.exponential(size=(10, 10)) * (rng.random((10, 10)) < 0.6)
        np.fill_diagonal(w, 0)
        res = directedness(w, null=null, n_null=49, seed=s)
        rejections += res.f0_pvalue <= ALPHA
    assert rejections <= MAX_REJECT


def test_symmetric_network_is_exactly_its_own_flip_null():
    rng = np.random.default_rng(3)
    w = rng.random((8, 8))
    w = w + w.T
    np.fill_diagonal(w, 0)
    res = directedness(w, null="flip", n_null=30)
    assert res.f0 == pytest.approx(1.0)
    assert res.f0_pvalue == 1.0 and res.downhill_pvalue == 1.0
    assert directedness(w, n_null=30).f0_pvalue > ALPHA


def test_rewiring_preserves_degrees_and_weights():
    rng = np.random.default_rng(0)
    w = rng.random((12, 12)) * (rng.random((12, 12)) < 0.3)
    np.fill_diagonal(w, 0)
    chain = _Rewirer(w, np.random.default_rng(1))
    assert chain.accepted > 0
    for g in null_graphs(w, "rewire", 5, np.random.default_rng(2)):
        np.testing.assert_array_equal((g > 0).sum(axis=0), (w > 0).sum(axis=0))
        np.testing.assert_array_equal((g > 0).sum(axis=1), (w > 0).sum(axis=1))
        np.testing.assert_allclose(np.sort(g[g > 0]), np.sort(w[w > 0]))
        assert np.all(np.diag(g) == 0)
        assert not np.array_equal(g, w)
    for g in null_graphs(w, "flip", 3, np.random.default_rng(2)):
        np.testing.assert_allclose(g + g.T, w + w.T)


def test_surrogate_reference_and_epoch0():
    rng = np.random.default_rng(5)
    w = layered_dag(3, 3, rng, noise=0.05)
    surr = np.stack([rng.permutation(w.ravel()).reshape(w.shape) for _ in range(19)])
    res = directedness(w, n_null=19, reference=surr)
    assert [c.kind for c in res.nulls] == ["rewire", "reference"]
    assert res.nulls[1].n == 19 and res.nulls[1].f0_pvalue == pytest.approx(1 / 20)
    with pytest.raises(ValueError, match="reference"):
        directedness(w, reference=np.ones((2, 4, 4)))
    with pytest.raises(InvalidParameterError, match="reference"):
        directedness(w, reference="epoch0")
    # A flow Dataset with an epoch dim: the last epoch is analysed, epoch 0 is a reference (no p-value).
    untrained = rng.random(w.shape)
    ds = flow_dataset(np.stack([untrained, w]), roles_for(3, 3), significant=np.stack([untrained > 0.5, w > 0.5]))
    res = directedness(ds, n_null=19)
    assert [c.kind for c in res.nulls] == ["rewire", "epoch0"]
    assert np.isnan(res.nulls[1].f0_pvalue) and res.nulls[1].f0_mean > res.f0
    assert any("no p-value" in n for n in res.notes)
    assert [c.kind for c in directedness(ds, n_null=19, reference="none").nulls] == ["rewire"]
    first = directedness(ds, n_null=19, epoch=0, reference="none")
    assert first.f0 > res.f0
    # a Dataset carrying surrogate flow matrices uses them automatically
    ds2 = flow_dataset(w, roles_for(3, 3)).assign(te_surrogate=(("surrogate", "source", "target"), surr))
    assert [c.kind for c in directedness(ds2, n_null=9).nulls] == ["rewire", "surrogate"]


def test_same_seed_same_numbers_and_callback():
    rng = np.random.default_rng(9)
    w = rng.random((9, 9))
    calls = []
    a = directedness(w, n_null=25, seed=4, callback=lambda d, t: calls.append((d, t)))
    b = directedness(w, n_null=25, seed=4)
    c = directedness(w, n_null=25, seed=5)
    assert a == b
    assert a.nulls[0].f0_mean != c.nulls[0].f0_mean
    assert calls[-1] == (25, 25) and len(calls) == 25


def test_to_dict_is_strict_json_and_no_edges_warns():
    with pytest.warns(InfoflowWarning, match="no significant edge"):
        res = directedness(np.zeros((4, 4)), n_null=5, roles=["input", "hidden", "hidden", "output"])
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["f0"] is None and d["f0_pvalue"] is None
    res = directedness(layered_dag(3, 2, np.random.default_rng(0)), n_null=5)
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["null"] == "rewire" and d["n_null"] == 5 and d["role_tests"] == []
    assert any("no roles" in n for n in d["notes"])


def test_epoch_out_of_range():
    w = np.ones((3, 3))
    with pytest.raises(InvalidParameterError, match="epoch"):
        directedness(flow_dataset(np.stack([w, w])), epoch=7)
