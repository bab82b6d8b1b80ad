"""compare_untrained: trained networks against an ensemble of untrained ones (the null of `infoflow run`)."""

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from infoflow._validation import InvalidParameterError
from infoflow.structure import compare_untrained
from infoflow.structure._untrained import STATISTICS

ROLES8 = ["input"] * 2 + ["hidden"] * 5 + ["output"]


def _random_net(rng, n=8, density=1.0):
    """No direction by construction: i.i.d. exponential weights on a random edge set."""
    w = rng.exponential(1.0, (n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(w, 0.0)
    return w


def _layered_net(rng, roles=ROLES8, noise=0.3):
    """Inputs -> hidden -> output with strong weights, plus weak i.i.d. weights everywhere."""
    r = np.asarray(roles)
    w = noise * rng.exponential(1.0, (r.size, r.size))
    for a, b in (("input", "hidden"), ("hidden", "output")):
        w[np.ix_(r == a, r == b)] += 1.0 + 0.2 * rng.random(((r == a).sum(), (r == b).sum()))
    np.fill_diagonal(w, 0.0)
    return w


GENERATORS = {
    "iid dense 8": lambda rng: _random_net(rng, 8),
    "iid sparse 12": lambda rng: _random_net(rng, 12, density=0.4),
    "layered 8": _layered_net,  # structured, but trained and untrained from the same generator
}


def _roles_for(n):
    return ["input"] * 2 + ["hidden"] * (n - 3) + ["output"]


@pytest.mark.parametrize("name", list(GENERATORS))
def test_same_distribution_gives_uniform_p_and_no_false_yes(name):
    """Trained and untrained drawn from one distribution: p-values uniform, 'yes' at most at alpha (MC error)."""
    gen = GENERATORS[name]
    rng = np.random.default_rng(11)
    n_draws, alpha = 40, 0.05
    pvals = {s: [] for s in ("f0", "downhill_fraction")}
    yes = 0
    total = 0
    for _ in range(n_draws):
        nets = [gen(rng) for _ in range(23)]
        n = nets[0].shape[0]
        res = compare_untrained(nets[:3], nets[3:], n_edges=n * (n - 1) // 3, roles=_roles_for(n), alpha=alpha)
        for s in pvals:
            pvals[s].append(res.statistics[s].pvalue)
        for c in res.statistics.values():
            if c.verdict != "not available":
                total += 1
                yes += c.verdict == "yes"
    rate = yes / total
    assert rate <= alpha + 3 * np.sqrt(alpha * (1 - alpha) / total), rate
    for s, p in pvals.items():
        p = np.asarray(p)
        assert stats.kstest(p, "uniform").pvalue > 1e-3, (s, p.mean())
        assert 0.35 < p.mean() < 0.65, (s, p.mean())


@pytest.mark.parametrize("noise,roles", [(0.2, ROLES8), (0.4, _roles_for(12))])
def test_trained_more_directed_than_untrained_is_found(noise, roles):
    """Shifted: 'trained' layered networks against i.i.d. untrained ones -> F0 lower, downhill and roles 'yes'."""
    rng = np.random.default_rng(5)
    found = 0
    for _ in range(20):
        n = len(roles)
        trained = [_layered_net(rng, roles, noise=noise) for _ in range(3)]
        untrained = [_random_net(rng, n) for _ in range(20)]
        res = compare_untrained(trained, untrained, n_edges=3 * (n - 3), roles=roles)
        found += res.statistics["f0"].verdict == "yes" and res.statistics["downhill_fraction"].verdict == "yes"
        assert res.statistics["f0"].effect < 0
        assert res.statistics["hidden after input (trophic, Cliff's delta)"].effect > 0
    assert found >= 18


def test_numbers_match_scipy_and_the_chain():
    rng = np.random.default_rng(0)
    chain = np.diag(np.ones(5), k=1)
    trained = [chain + 0.01 * rng.random((6, 6)) for _ in range(3)]
    untrained = [rng.random((6, 6)) for _ in range(20)]
    res = compare_untrained(trained, untrained, n_edges=5)
    f0 = res.statistics["f0"]
    assert f0.trained == pytest.approx((0.0, 0.0, 0.0), abs=1e-12)  # the 5 strongest edges are the chain
    t, u = np.array(f0.trained), np.array(f0.untrained)
    assert f0.effect == pytest.approx(t.mean() - u.mean())
    ref = stats.permutation_test((t, u), lambda a, b, axis: a.mean(axis) - b.mean(axis), vectorized=True,
                                 alternative="less", n_resamples=9999).pvalue
    assert f0.pvalue == pytest.approx(ref)
    assert f0.ci_low <= f0.effect <= f0.ci_high
    d = res.to_dict()
    assert d["n_edges"] == 5 and d["n_trained"] == 3 and d["n_untrained"] == 20
    assert set(d["statistics"]) == set(STATISTICS)


def test_power_decides_between_no_and_inconclusive():
    rng = np.random.default_rng(3)
    nets = [_random_net(rng, 8) for _ in range(45)]
    many = compare_untrained(nets[:5], nets[5:], n_edges=20, roles=ROLES8)
    verdicts = [c.verdict for c in many.statistics.values() if c.verdict != "not available"]
    assert verdicts.count("no") >= len(verdicts) - 1  # 5 vs 40 networks: power to see 2 SD is ~1
    few = compare_untrained(nets[:1], nets[1:4], n_edges=20, roles=ROLES8)
    for c in few.statistics.values():
        assert c.verdict in ("inconclusive", "not available")
        if c.verdict == "inconclusive":
            assert "cannot reach significance" in c.reason  # smallest p = 1/4 > alpha


def test_auto_edge_count_from_significance_masks():
    rng = np.random.default_rng(1)
    roles = ["input", "hidden", "hidden", "output"]

    def ds(w, sig):
        coords = {"source": ["a", "b", "c", "d"], "target": ["a", "b", "c", "d"],
                  "source_role": ("source", roles), "target_role": ("target", roles)}
        return xr.Dataset({"te": (("source", "target"), w), "significant": (("source", "target"), sig)}, coords=coords)

    trained = []
    for k in (3, 4, 5):
        sig = np.zeros((4, 4), bool)
        sig.flat[[1, 2, 6, 7, 11][:k]] = True
        trained.append(ds(rng.random((4, 4)), sig))
    untrained = [rng.random((4, 4)) for _ in range(5)]
    res = compare_untrained(trained, untrained)
    assert res.n_edges == 4  # median of 3, 4, 5
    with pytest.raises(InvalidParameterError, match="n_edges='auto' needs"):
        compare_untrained(untrained[:2], untrained)


def test_bad_input():
    rng = np.random.default_rng(0)
    a = [rng.random((4, 4)) for _ in range(3)]
    with pytest.raises(ValueError, match="same neurons"):
        compare_untrained(a, [rng.random((5, 5)) for _ in range(3)], n_edges=3)
    with pytest.raises(InvalidParameterError, match="at least 2"):
        compare_untrained(a, a[:1], n_edges=3)
    with pytest.raises(InvalidParameterError, match="n_edges"):
        compare_untrained(a, a, n_edges=0)
    with pytest.raises(InvalidParameterError, match="weight"):
        compare_untrained(a, a, n_edges=3, weight="mi")


def _chains(rng, depth=3, width=3, noise=0.01):
    """``width`` parallel chains of ``depth`` units (layer l drives layer l + 1 one-to-one): layered."""
    n = depth * width
    w = noise * rng.exponential(1.0, (n, n))
    for layer in range(depth - 1):
        for u in range(width):
            w[layer * width + u, (layer + 1) * width + u] += 1.0 + 0.2 * rng.random()
    np.fill_diagonal(w, 0.0)
    return w


def test_layering_statistic_finds_trained_layers_against_unlayered_untrained():
    """The layering statistic is the layer test's (SpringRank of the raw flow): layered trained networks
    against i.i.d. untrained ones say 'yes'; the same chains on both sides do not."""
    rng = np.random.default_rng(5)
    name = "layering (best mean silhouette, k >= 2)"
    trained = [_chains(rng) for _ in range(3)]
    untrained = [_random_net(rng, 9) for _ in range(20)]
    res = compare_untrained(trained, untrained, n_edges="all")
    assert res.statistics[name].verdict == "yes" and res.statistics[name].effect > 0
    same = compare_untrained(trained, [_chains(rng) for _ in range(20)], n_edges="all")
    assert same.statistics[name].verdict != "yes"
