"""Verdicts of the structure tests on small known-answer systems, both directions: the layer test's
uniform null finds layers where the graph nulls cannot and reports one layer on unlayered networks;
tests that cannot reject say "not available" and weak ones "inconclusive" rather than "no"."""

import json

import numpy as np
import pytest
from scipy.stats import binom

from infoflow.structure import analyze_structure, directedness, layers
from infoflow.structure._direction import role_test_power
from tests.structure._structure_synth import flow_dataset, layered_dag, roles_for


def one_to_one_chain(n_layers: int, units: int) -> np.ndarray:
    """Unit u of layer l drives unit u of layer l + 1 (weight 1): `units` parallel chains."""
    n = n_layers * units
    w = np.zeros((n, n))
    for i in range(n - units):
        w[i, i + units] = 1.0
    return w


def random_directed(n, density, rng):
    w = rng.exponential(size=(n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(w, 0.0)
    return w


def symmetric(n, rng, noise=0.05):
    a = rng.exponential(size=(n, n)) * (rng.random((n, n)) < 0.5)
    w = a + a.T
    w = w * (1 + noise * rng.standard_normal((n, n)))  # estimation noise: slightly asymmetric
    w = np.clip(w, 0, None)
    np.fill_diagonal(w, 0.0)
    return w


def test_three_layer_chain_found_by_uniform_null_missed_by_rewire():
    w = one_to_one_chain(3, 4)
    res = layers(w, n_null=99, seed=0)
    assert res.n_layers == 3 and res.verdict == "yes" and res.pvalue == pytest.approx(0.01)
    assert sorted(set(np.round(res.progression, 6))) == [0.0, 0.5, 1.0]
    assert "uniformly" in res.null_description
    # the degree-preserving null keeps sources and sinks: its graphs are just as layered (the old default)
    old = layers(w, method="trophic", null="rewire", n_null=99, seed=0)
    assert old.n_layers == 1 and old.pvalue > 0.05 and old.verdict != "yes"


@pytest.mark.parametrize("depth", [2, 3, 4])
@pytest.mark.parametrize("units", [2, 4])
def test_parallel_chains_give_their_depth(depth, units):
    res = layers(one_to_one_chain(depth, units), n_null=39, seed=depth)
    assert res.n_layers == depth and res.verdict == "yes"


def test_five_layers_with_one_hidden_role():
    rng = np.random.default_rng(3)
    w = layered_dag(5, 3, rng, noise=0.05)
    ds = flow_dataset(w, roles_for(5, 3))  # significant: the between-layer edges
    res = layers(ds, n_null=99, seed=1)
    assert 4 <= res.n_layers <= 6 and res.verdict == "yes"
    res = layers(one_to_one_chain(5, 3), roles=roles_for(5, 3), n_null=99, seed=1)
    assert res.n_layers == 5


@pytest.mark.parametrize("family", ["random_directed", "symmetric"])
def test_unlayered_networks_report_one_layer(family):
    n_draws, alpha = 25, 0.05
    multi = 0
    for s in range(n_draws):
        rng = np.random.default_rng(500 + s)
        w = random_directed(14, 0.4, rng) if family == "random_directed" else symmetric(14, rng)
        res = layers(w, n_null=39, seed=s, alpha=alpha)
        multi += res.n_layers > 1
        assert (res.verdict == "yes") == (res.n_layers > 1)
    assert multi <= binom.ppf(0.99, n_draws, alpha)


def test_exactly_symmetric_network_has_no_layer_test():
    rng = np.random.default_rng(0)
    a = rng.random((8, 8))
    with pytest.warns(UserWarning, match="one layer"):
        res = layers(a + a.T, n_null=39)
    assert res.n_layers == 1 and res.verdict == "not available" and "no test" in res.reason


def test_layer_verdict_no_needs_power_and_inconclusive_otherwise():
    rng = np.random.default_rng(1)
    big = layers(random_directed(40, 0.5, rng), n_null=99, seed=0)
    assert big.n_layers == 1 and big.verdict == "no" and big.power >= 0.8
    small = layers(random_directed(5, 0.8, rng), n_null=99, seed=0)
    assert small.n_layers == 1 and small.verdict == "inconclusive" and small.power < 0.8
    assert "power" in small.reason
    with pytest.warns(UserWarning, match="n_null"):
        few = layers(one_to_one_chain(3, 4), n_null=9)
    assert few.verdict == "not available"


def test_direction_verdicts_both_ways():
    rng = np.random.default_rng(2)
    yes = directedness(layered_dag(4, 3, rng, noise=0.05), n_null=99)
    assert yes.verdict == "yes" and yes.f0_pvalue <= 0.05 and "rewired" in yes.null_description
    # one random directed graph (its false-alarm rate over many draws is in benchmarks/_verdicts_structure.py)
    no = directedness(random_directed(30, 0.3, np.random.default_rng(7)), n_null=99)
    assert no.verdict == "no" and no.f0_pvalue > 0.05 and no.power >= 0.8
    # a smaller one: not rejected either, but F0 varies more among its null graphs, so no power for "no"
    small = directedness(random_directed(15, 0.6, np.random.default_rng(7)), n_null=99)
    assert small.verdict == "inconclusive" and small.f0_pvalue > 0.05 and small.power < 0.8
    # two edges, perfectly downhill: no null graph can be less directed, so the test cannot reject
    w = np.zeros((3, 3))
    w[0, 1] = w[1, 2] = 1.0
    two = directedness(w, n_null=99)
    assert two.f0 == pytest.approx(0.0) and two.f0_pvalue == 1.0
    assert two.verdict == "not available" and "2 edge" in two.reason


def test_role_test_verdicts():
    # exact smallest p-values and power of the one-sided U test
    assert role_test_power(1, 2, 0.05) == (pytest.approx(1 / 3), 0.0)
    assert role_test_power(2, 2, 0.05)[0] == pytest.approx(1 / 6)
    assert role_test_power(30, 30, 0.05)[1] > 0.9
    rng = np.random.default_rng(4)
    w = layered_dag(3, 4, rng, noise=0.05)
    roles = ["input"] + ["hidden"] * 9 + ["output"] * 2  # 1 input and 2 outputs: too few to reject
    res = directedness(flow_dataset(w, roles), n_null=19)
    by = {(t.earlier, t.later): t for t in res.role_tests}
    assert by[("input", "output")].verdict == "not available" and "cannot reach" in by[("input", "output")].reason
    # many neurons per role: an ordered network says yes, a random one no (the test had power)
    n = 60
    lab = np.repeat([0, 1], n // 2)
    ordered = np.where(lab[None, :] > lab[:, None], 1.0, 0.0) + 0.05 * rng.random((n, n))
    np.fill_diagonal(ordered, 0)
    roles = ["input" if x == 0 else "hidden" for x in lab]
    t = directedness(flow_dataset(ordered, roles), n_null=19).role_tests[0]
    assert t.verdict == "yes"
    perm = rng.permutation(roles).tolist()
    t = directedness(flow_dataset(ordered, perm), n_null=19).role_tests[0]
    assert t.pvalue > 0.05 and t.verdict == "no" and t.power >= 0.8


def test_analyze_structure_reports_verdicts_and_nulls():
    out = analyze_structure(flow_dataset(one_to_one_chain(3, 4) + 0.0, roles_for(3, 4),
                                         significant=one_to_one_chain(3, 4) > 0), n_null=39)
    json.dumps(out, allow_nan=False)
    v = out["verdicts"]
    assert v["layers"]["verdict"] == "yes" and out["layers"]["n_layers"] == 3
    assert v["direction"]["verdict"] == "not available"  # a forest: every orientation is perfectly coherent
    assert {"verdict", "reason", "null", "graph", "pvalue"} <= set(v["role order: input < output"])
    assert "bivariate te" in v["layers"]["graph"]
    assert out["settings"]["layers_null"] == "uniform"
