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


def _ar1_units(rng, n, m, a=0.5):
    """m independent AR(1) units of n steps, coefficient a: no links at all."""
    x = rng.standard_normal((n, m))
    for t in range(1, n):
        x[t] += a * x[t - 1]
    return x


def test_independent_units_get_few_links():
    """No coupling at all: every target's inclusion test is at alpha, then the FDR across targets."""
    false = 0
    for seed in range(6):
        x = _ar1_units(np.random.default_rng(100 + seed), 800, 6)
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


def test_pruning_removes_a_parent_made_redundant_by_later_ones():
    """y follows x1 + x2; x3, a noisy copy of x1 + x2, has the largest MI with y and is picked first.
    Once x1 and x2 have joined, x3 adds nothing: the minimum-statistic test removes it."""
    rng = np.random.default_rng(7)
    n = 3000
    x = np.zeros((n, 4))
    x[:, 0], x[:, 1] = rng.standard_normal(n), rng.standard_normal(n)
    x[:, 2] = x[:, 0] + x[:, 1] + 0.5 * rng.standard_normal(n)
    x[1:, 3] = x[:-1, 0] + x[:-1, 1] + 0.5 * rng.standard_normal(n - 1)
    net = effective_network(x, lags=(1,), method="gaussian_copula", surrogates=40, max_history=1)
    assert net["significant"].values[:, 3].tolist() == [True, True, False, False]
    # the greedy order: x3 first (largest bivariate information about y) ...
    from infoflow.flow._network import _cmi_many, _Plan, _Series

    s = _Series((x - x.mean(0)) / x.std(0), None, start=1)
    plan = _Plan(method="gaussian_copula", est_kwargs=(("bias_correct", False), ("normalised", True)), lags=(1,),
                 max_history=1, surrogates=20, alpha=0.05, marks=(20,), min_shift=10, seed=0, start=1, n_jobs=None)
    first = _cmi_many(plan, s.cols([(0, 1), (1, 1), (2, 1)]), s.target(3), s.cols([(3, 1)]))
    assert int(np.argmax(first)) == 2


def test_fdr_across_targets_drops_a_target_whose_omnibus_fails():
    import xarray as xr

    from infoflow.flow._network import _assemble_one

    da = xr.DataArray(np.zeros((1, 50, 3)), dims=("epoch", "time", "neuron"),
                      coords={"neuron": ["a", "b", "c"], "role": ("neuron", ["hidden"] * 3)})
    res = [{"target": 0, "own": [1], "chosen": [], "cmi": [], "pvalue": [], "omnibus": np.nan,
            "pvalue_omnibus": np.nan, "surrogates_drawn": 10},
           {"target": 1, "own": [1, 2], "chosen": [(0, 1)], "cmi": [0.3], "pvalue": [0.001], "omnibus": 0.3,
            "pvalue_omnibus": 0.001, "surrogates_drawn": 40},
           {"target": 2, "own": [1], "chosen": [(0, 2), (1, 1)], "cmi": [0.02, 0.05], "pvalue": [0.03, 0.01],
            "omnibus": 0.06, "pvalue_omnibus": 0.04, "surrogates_drawn": 60}]
    # BH over the two tested targets at 0.05: 0.001 <= 0.025 passes, then 0.04 <= 0.05 passes as well
    ds = _assemble_one(da, res, 0.05, 2, (1, 2))
    assert ds["significant"].values.astype(int).tolist() == [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    assert ds["lag"].values[0, 2] == 2 and ds["own_past"].values[1].tolist() == [True, True]
    # at 0.03 target 2's omnibus p 0.04 fails BH: it keeps no parents (but stays 'selected')
    ds = _assemble_one(da, res, 0.03, 2, (1, 2))
    assert ds["significant"].values.astype(int).tolist() == [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
    assert ds["selected"].values[1, 2] and np.isnan(ds["te"].values[1, 2])


def test_short_recordings_draw_only_distinct_shifts_or_are_refused():
    rng = np.random.default_rng(3)
    with pytest.raises(ValueError, match="distinct circular shifts"):
        effective_network(rng.standard_normal((40, 3)), method="gaussian_copula", min_shift=15)
    with pytest.warns(InfoflowWarning, match="only 31 distinct"):
        net = effective_network(rng.standard_normal((60, 3)), lags=(1,), max_history=1, method="gaussian_copula",
                                min_shift=15)
    assert net["surrogates_drawn"].values.max() <= 3 * 31


def test_delay_chain_recovered_and_structure_functions_read_the_network():
    """A 3-layer chain: the effective network is exactly the chain's wiring, and layers() finds 3 layers on it."""
    from infoflow.data import chain_adjacency, delay_chain
    from infoflow.structure import layers

    act = delay_chain(2000, n_layers=3, units_per_layer=2, seed=1)
    net = effective_network(act, lags=(1,), method="gaussian_copula", surrogates=40)
    np.testing.assert_array_equal(net["significant"].values, chain_adjacency(3, 2))
    assert layers(net, n_null=19).n_layers == 3


def test_shared_target_kernel_gives_the_same_network(monkeypatch):
    """Inclusion, pruning and omnibus through ksg.cmi_shared (every round) equal the grid kernel's
    network: same selections, same surrogates drawn, TE bitwise, omnibus to rounding."""
    from infoflow.flow import _network

    act = parents_network(500, 5, n_parents=2, seed=3)
    nets = []
    for min_dz in (1, 10**6):
        monkeypatch.setattr(_network, "SHARED_MIN_DZ", min_dz)
        monkeypatch.setattr(_network, "SHARED_MIN_DZ_PRUNE", min_dz)
        nets.append(effective_network(act, method="ksg", surrogates=20, seed=0, max_history=2))
    shared, grid = nets
    np.testing.assert_array_equal(shared["selected"].values, grid["selected"].values)
    np.testing.assert_array_equal(shared["te"].values, grid["te"].values)
    np.testing.assert_array_equal(shared["surrogates_drawn"].values, grid["surrogates_drawn"].values)
    np.testing.assert_allclose(shared["te_omnibus"].values, grid["te_omnibus"].values, rtol=0, atol=1e-12)
    assert shared["selected"].values.sum() >= 2  # the comparison covers selected parents (and a pruning round)


def _strong_parent_max_test(seed: int):
    """The first source round of target 1 in 16 AR(1) units, unit 0 driving unit 1 at lag 1 (coupling 0.25,
    1,000 steps, copula): the maximum-statistic test over 45 candidates. Returns (p-value, surrogates drawn)."""
    from infoflow.estimators._pairwise import prepare, resolve_estimator
    from infoflow.flow import _network as net
    from infoflow.flow import _significance as sig

    rng = np.random.default_rng(seed)
    n, units = 1000, 16
    x = rng.standard_normal((n, units))
    for t in range(1, n):
        x[t] += 0.4 * x[t - 1]
    x[1:, 1] += 0.25 * x[:-1, 0]
    est = resolve_estimator("test", "gaussian_copula", k=None, theiler=0, jitter=1e-10, seed=0)
    s = net._Series(prepare(est, [x[None]])[0][0], None, 3)
    plan = net._Plan(method="gaussian_copula", est_kwargs=tuple(sorted(est.kwargs().items())), lags=(1, 2, 3),
                     max_history=3, surrogates=100, alpha=0.05, marks=tuple(sig.checkpoints(100, True)), min_shift=20,
                     seed=0, start=3, n_jobs=None)
    given = net._Given(plan, s.target(1), net._conditioning(s, [(1, 1)]))
    cands = [(i, lag) for i in range(units) if i != 1 for lag in (1, 2, 3)]
    return net._max_test(plan, s, given, cands, given.many(s.cols(cands)), np.random.default_rng(seed), units)


def test_a_strong_parent_settles_at_the_first_checkpoint():
    """The max test's fitted tail takes its shape from the per-candidate surrogate columns the round draws
    anyway (the maximum of finitely many variables with one tail shape has that shape): a strong parent
    is accepted at the first checkpoint (10 surrogates). With the shape from the maximum's own 5
    exceedances only, two of these eight needed 20."""
    got = [_strong_parent_max_test(seed) for seed in range(8)]
    assert all(p <= 0.005 for p, _ in got)
    assert [done for _, done in got] == [10] * 8


@pytest.mark.parametrize("family", ["chi2", "lomax"])
def test_pooled_tail_shape_keeps_the_max_test_at_its_level(family):
    """The sequential max test with the pooled shape, on synthetic null columns (15 candidates, 3 per
    source sharing its shift) with a light (chi-square(1)) and a heavy (Lomax, shape 0.5) tail: it
    rejects at most at alpha within Monte Carlo error, and its early acceptances (the fitted tail at
    10-80 surrogates, each look at alpha / looks) stay within the alpha that Bonferroni over the looks
    allows. Measured on 1,500 draws: rejected 5.1 % (chi-square) and 4.5 % (Lomax), s.e. 0.6 %; early
    2.1 % and 2.2 % (1.4 % on Lomax with the flat margin of 10 used before, and 4.1 % with the pool
    forced to shape 0, which also rejected 5.6 %)."""
    from infoflow.flow import _network as net
    from infoflow.flow import _significance as sig

    plan = net._Plan(method="gaussian_copula", est_kwargs=(), lags=(1,), max_history=1, surrogates=100, alpha=0.05,
                     marks=tuple(sig.checkpoints(100, True)), min_shift=10, seed=0, start=1, n_jobs=None)
    groups = np.repeat(np.arange(5), 3)
    rng = np.random.default_rng(5)
    null = (lambda size: rng.chisquare(1, size)) if family == "chi2" else (lambda size: rng.pareto(2.0, size))
    reps, rejected, early = 300, 0, 0
    for _ in range(reps):
        obs = float(null(15).max())
        p, done, _ = net._sequential(plan, lambda start, b: null((b, 15)), obs, lambda v: v.max(axis=1),
                                     pool=lambda v: net._shape_pool(v, groups))
        rejected += p <= plan.alpha
        early += p <= plan.alpha and done < plan.surrogates
    se = np.sqrt(0.05 * 0.95 / reps)
    assert rejected / reps <= 0.05 + 2 * se
    assert early / reps <= 0.05


def test_copula_projection_cached_per_conditioning_set_equals_the_estimator():
    """With the copula, _Given orthonormalises Z once and reuses it for every candidate and surrogate:
    equal to the estimator's pairwise_cmi (its QR per call) to rounding, rank-deficient Z included."""
    from infoflow.flow import _network as net

    rng = np.random.default_rng(0)
    n = 800
    plan = net._Plan(method="gaussian_copula", est_kwargs=(("bias_correct", False), ("normalised", True)), lags=(1,),
                     max_history=1, surrogates=20, alpha=0.05, marks=(10, 20), min_shift=10, seed=0, start=1,
                     n_jobs=None)
    for dz in (2, 6):
        z = rng.standard_normal((n, dz))
        z[:, -1] = 0.0 if dz == 6 else z[:, -1]  # a constant column removes nothing
        y = z @ rng.standard_normal(dz) + rng.standard_normal(n)
        X = rng.standard_normal((n, 12)) + 0.3 * y[:, None] + z[:, :1]
        given = net._Given(plan, y, z)
        assert given.projected
        np.testing.assert_allclose(given.many(X), net._cmi_many(plan, X, y, z), rtol=0, atol=1e-13)


def test_screen_score_is_the_gaussian_cmi_of_the_score_and_its_square():
    """The KSG rounds' copula screen (_Screen.scores) is the Gaussian CMI of a candidate's normal score g
    and g^2 with the target given the round's conditioning set with its squares and pairwise products
    (equal to the estimator's
    conditional_mutual_information to rounding), so it ranks an even, non-monotone parent (y = g^2 +
    noise, invisible to the linear copula score) as high as a linear one."""
    from infoflow.estimators import gaussian
    from infoflow.flow import _network as net

    rng = np.random.default_rng(1)
    n = 1500
    x = rng.standard_normal((n, 6))
    z = x[:, :2]
    y = 0.6 * x[:, 2] + (x[:, 3] ** 2 - 1) * 0.5 + 0.4 * z[:, 0] + rng.standard_normal(n)
    s = net._Series(np.column_stack([x, y]), None, 0)
    screen = net._Screen(s, y, z, m=2)
    X = x[:, 2:]
    got = screen.scores(X)
    zq = np.column_stack([z, z * z, z[:, :1] * z[:, 1:]])  # z, its squares and its pairwise product
    want = [gaussian.conditional_mutual_information(np.column_stack([c, c * c]), y[:, None], zq) for c in X.T]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    linear = gaussian.cmi_shared(X, gaussian.prepare_shared(y, z))
    assert linear[1] < 0.01 < 0.05 < got[1]      # the even parent: linear score ~0, the screen sees it
    assert got[0] > 0.05 and got[2:].max() < 0.01  # the linear parent; the unrelated ones stay low
    # top(): the two parents, best first, under no shift
    cands = [(2, 0), (3, 0), (4, 0), (5, 0)]
    top = screen.top(cands, s.cols(cands))[0]
    assert sorted(top.tolist()) == [0, 1] and got[top[0]] >= got[top[1]]
    const = screen.scores(np.ones((n, 1)))
    assert const[0] == -np.inf  # a constant candidate is never screened in


def test_screen_top_at_or_above_the_candidates_changes_nothing_and_finds_the_parents_below():
    """screen_top >= the candidates per round is KSG on every candidate: the network of screen_top=None
    exactly. With 2 of 6 candidates screened per round the direct parents are still found (the
    screen only chooses which candidates get KSG) and the result is reproducible."""
    import xarray as xr

    x = _driver_chain(1200, seed=1)
    kw = dict(lags=(1, 2), method="ksg", surrogates=40, seed=0)
    full = effective_network(x, screen_top=None, **kw)
    xr.testing.assert_identical(full.drop_attrs(), effective_network(x, screen_top=6, **kw).drop_attrs())
    screened = effective_network(x, screen_top=2, **kw)
    sig = screened["significant"].values
    assert sig[DRIVER_TRUTH].all() and (sig & ~DRIVER_TRUTH).sum() <= 1
    assert screened.attrs["screen_top"] == 2 and full.attrs["screen_top"] == 0
    xr.testing.assert_identical(screened, effective_network(x, screen_top=2, scheduler="inprocess", **kw))
    with pytest.raises(InvalidParameterError, match="screen_top"):
        effective_network(x, screen_top=0)


def test_screened_logistic_parents_found_with_few_false_ones():
    """Coupled logistic maps (even couplings, 4x(1 - x)), KSG with 4 of 15 candidates screened per round:
    the quadratic screen keeps the parents in (recall 1 on this network), and the statistic screened
    identically in every surrogate keeps false parents at the test's level."""
    act = parents_network(800, 6, n_parents=2, kind="logistic", seed=0)
    net = effective_network(act, method="ksg", surrogates=40, seed=0, screen_top=4)
    sig, true = net["significant"].values, _truth(act)
    assert (sig & true).sum() == true.sum()
    assert (sig & ~true).sum() <= 1


def test_screened_ksg_independent_units_get_few_links():
    """No coupling, KSG with 3 of 15 candidates screened per round: the screened max test stays at its
    level (36 target searches, each adds a false parent with probability <= alpha before the FDR)."""
    false = 0
    for seed in range(6):
        x = _ar1_units(np.random.default_rng(200 + seed), 600, 6)
        false += int(effective_network(x, method="ksg", surrogates=40, seed=seed, screen_top=3)["selected"].sum())
    assert false <= 5


@pytest.mark.parametrize("method", ["gaussian_copula", "ksg"])
def test_input_neuron_as_target_is_conditioned_on_the_other_inputs_not_itself(method):
    """condition_on_input with input neurons as the input: an input neuron that another drives (0 -> 1 at
    lag 1) keeps that parent. Conditioned on its own present value (its next value) too, as before,
    every CMI about it was 0 and the link was lost. The hidden unit's parent is found as well."""
    rng = np.random.default_rng(0)
    n = 1200
    x = rng.standard_normal((n, 3))
    for t in range(1, n):
        x[t, 1] += 0.7 * x[t - 1, 0]
        x[t, 2] += 0.7 * x[t - 1, 1]
    net = effective_network(x, roles=["input", "input", "hidden"], lags=(1,), method=method, surrogates=40,
                            condition_on_input=True, seed=0)
    sig = net["significant"].values
    assert sig[0, 1] and sig[1, 2]
    assert sig.sum() <= 3  # at most one false parent among the 3 targets


# --------------------------------------------------------------------------- local-permutation surrogates
def test_local_neighbours_are_the_nearest_outside_the_window():
    """_z_neighbours: each sample's k_perm nearest samples by the max-norm, never itself nor a sample
    within the window (checked against brute force)."""
    from infoflow.flow import _network as net

    rng = np.random.default_rng(0)
    z = rng.standard_normal((400, 3))
    nb = net._z_neighbours(z, 6, 2)
    assert nb.shape == (400, 6)
    assert (np.abs(nb - np.arange(400)[:, None]) > 2).all()
    for i in (0, 1, 57, 399):
        d = np.abs(z - z[i]).max(axis=1)
        d[max(0, i - 2):i + 3] = np.inf
        np.testing.assert_array_equal(np.sort(nb[i]), np.sort(np.argsort(d, kind="stable")[:6]))
    with pytest.raises(ValueError, match="local-permutation neighbours"):
        net._z_neighbours(z[:10], 6, 2)


def _local_perms(seed: int, n_surrogate: int, z: np.ndarray, k_perm: int, window: int) -> np.ndarray:
    """The first n_surrogate permutations of one test's local surrogates (_network._LocalDraws)."""
    from infoflow.flow import _network as net

    draws = net._LocalDraws(np.random.default_rng(seed), z, k_perm, window)
    return np.stack([draws.perm(r) for r in range(n_surrogate)])


def test_local_permutation_stays_within_neighbours_nearly_a_permutation_and_is_seeded():
    """Runge's restricted scheme: every sample takes a neighbour's source value, each used once where the
    neighbourhoods allow (a repeat only when all of a sample's neighbours are taken); same seed, same draws."""
    from infoflow.flow import _network as net

    z = np.random.default_rng(1).standard_normal((3000, 2))
    perms = _local_perms(2, 4, z, 10, 3)
    nb = net._z_neighbours(z, 10, 3)
    assert perms.shape == (4, 3000)
    for p in perms:
        assert (nb == p[:, None]).any(axis=1).all()          # within each sample's neighbours
        assert np.unique(p).size > 0.85 * 3000                # nearly a permutation (measured ~0.92)
    assert not np.array_equal(perms[0], perms[1])
    np.testing.assert_array_equal(perms, _local_perms(2, 4, z, 10, 3))
    # no conditioning set: plain permutations
    plain = _local_perms(2, 2, np.empty((50, 0)), 10, 3)
    assert all(np.array_equal(np.sort(p), np.arange(50)) for p in plain)


def test_local_surrogate_keeps_the_source_tie_to_the_conditioning_set_and_a_shift_breaks_it():
    """What the local scheme is for: a source that depends on z keeps that dependence in its surrogates
    (correlation with z near the original's), while breaking its tie to the target given z."""

    rng = np.random.default_rng(3)
    n = 2000
    z = rng.standard_normal(n)
    src = z + 0.3 * rng.standard_normal(n)                   # tied to z (corr ~0.96)
    y = src + 0.3 * rng.standard_normal(n)                   # and to the target beyond z
    perms = _local_perms(4, 5, z[:, None], 10, 3)
    for p in perms:
        s = src[p]
        assert np.corrcoef(s, z)[0, 1] > 0.9
        # the part of the source beyond z no longer predicts the target's part beyond z
        r_s, r_y = s - z, y - z
        assert abs(np.corrcoef(r_s, r_y)[0, 1]) < 0.1
    assert np.corrcoef(src - z, y - z)[0, 1] > 0.6          # while the original does (0.71)
    shifted = np.roll(src, 500)
    assert abs(np.corrcoef(shifted, z)[0, 1]) < 0.1          # a circular shift breaks the tie to z


@pytest.mark.parametrize("method", ["gaussian_copula", "ksg"])
def test_local_surrogates_find_the_direct_links(method):
    """The common driver and the indirect path are left out, the three wires found (KSG: the screen's
    path too, with 5 candidates kept of 7)."""
    a = effective_network(_driver_chain(1500, seed=2), lags=(1, 2), method=method, surrogates=40, seed=0,
                          surrogate="local", screen_top=5)
    np.testing.assert_array_equal(a["significant"].values, DRIVER_TRUTH)
    assert a.attrs["surrogate_scheme"] == "local" and "local permutation" in a.attrs["surrogate"]


def test_local_surrogates_are_seeded():
    import xarray as xr

    x = _driver_chain(800, seed=2)
    kw = dict(lags=(1, 2), method="gaussian_copula", surrogates=40, seed=0, surrogate="local")
    a = effective_network(x, **kw)
    xr.testing.assert_identical(a, effective_network(x, **kw, scheduler="inprocess"))
    b = effective_network(x, **{**kw, "seed": 1})
    assert not np.array_equal(a["pvalue_omnibus"].values, b["pvalue_omnibus"].values)


def test_local_surrogates_independent_units_get_few_links():
    """No coupling: 36 target searches (6 networks of 6 AR(1) units, coefficients 0-0.9), each adds a false
    parent with probability <= alpha under the local scheme too."""
    false = 0
    for seed in range(6):
        x = _ar1_units(np.random.default_rng(100 + seed), 800, 6, a=(0.0, 0.5, 0.9)[seed % 3])
        false += int(effective_network(x, method="gaussian_copula", surrogates=40, seed=seed,
                                       surrogate="local")["selected"].any(axis=0).sum())
    assert false <= 5


def test_local_surrogates_warn_on_slow_units():
    x = _ar1_units(np.random.default_rng(5), 600, 3, a=0.97)
    with pytest.warns(InfoflowWarning, match="autocorrelation time"):
        effective_network(x, method="gaussian_copula", surrogates=19, surrogate="local", lags=(1,), max_history=1)


def test_local_surrogate_bad_input_is_named():
    x = np.random.default_rng(0).standard_normal((26, 3))
    with pytest.raises(InvalidParameterError, match="surrogate"):
        effective_network(x, surrogate="permute")
    # 23 usable samples: enough for the KSG Theiler window of 5, too few for 10 neighbours outside 8 steps
    with pytest.raises(ValueError, match="usable samples"):
        effective_network(x, surrogate="local", theiler=5)
