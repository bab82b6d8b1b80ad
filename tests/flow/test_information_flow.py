"""Tests of infoflow.flow.information_flow: ground truth, statistics, determinism, bad input, IO."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from infoflow._io import load_dataset, save_dataset
from infoflow._validation import InvalidParameterError
from infoflow.flow import _significance as sig
from infoflow.flow import information_flow, to_networkx, write_graphml

GC = {"method": "gaussian_copula", "scheduler": "inprocess"}
OFF = ~np.eye(4, dtype=bool)
OFF3 = ~np.eye(3, dtype=bool)


def _edges(ds) -> set[tuple[str, str]]:
    sig = ds["significant"].values
    names = [str(v) for v in ds["source"].values]
    return {(names[i], names[j]) for i, j in zip(*np.nonzero(sig))}


def _true_edges(act) -> set[tuple[str, str]]:
    edges = act.attrs["edges"]
    edges = edges.split(",") if isinstance(edges, str) else edges
    return {tuple(e.strip().split("->")) for e in edges}


# --------------------------------------------------------------------------- ground truth
def test_var_network_significant_edges_are_exactly_the_true_ones():
    from infoflow.data import var_network

    w = np.zeros((5, 5))
    w[0, 1], w[2, 3] = 0.5, -0.5  # no chains, so no indirect paths (see the next tests)
    np.fill_diagonal(w, 0.3)  # self-coupling: autocorrelated neurons, not edges
    act = var_network(3000, w, seed=2)
    ds = information_flow(act, lags=(1, 2), surrogates=40, **GC)
    assert _edges(ds) == _true_edges(act) == {("n0", "n1"), ("n2", "n3")}
    for src, tgt in _true_edges(act):
        assert ds["te_peak_lag"].sel(source=src, target=tgt).item() == 1
    assert ds.attrs["pvalue"] == "fit" and ds.attrs["measure"] == "te"


def test_delay_chain_ksg_finds_true_edges_at_the_true_lag():
    from infoflow.data import delay_chain

    # Two layers (no indirect paths), white drivers: the lag structure is sharp.
    act = delay_chain(1000, n_layers=2, units_per_layer=2, delay=2, driver_ar=0.0, seed=3)
    # 20 surrogates: the empirical floor 1/21 is above what BH asks, so the tail decides; with 12
    # (5 exceedances per pair) the pooled shape is too uncertain for the weakest true pair (p = 0.023)
    ds = information_flow(act, lags=(1, 2, 3), surrogates=20, scheduler="inprocess")
    assert ds.attrs["estimator"] == "ksg" and ds.attrs["k"] == 4
    assert _edges(ds) == _true_edges(act)
    for src, tgt in _true_edges(act):
        assert ds["te_peak_lag"].sel(source=src, target=tgt).item() == 2
        assert ds["peak_lag"].sel(source=src, target=tgt).item() == 2  # the flow measure agrees
    # The flow graph carries the roles and the lag.
    g = to_networkx(ds)
    assert set(g.edges) == _true_edges(act)
    assert {g.nodes[n]["role"] for n in g} == {"input", "output"}
    assert all(d["lag"] == 2 and d["p"] < 0.05 for *_, d in g.edges(data=True))


def test_deeper_chain_extra_edges_are_only_indirect_paths():
    """Bivariate TE flags a -> b -> c as a -> c at the summed lag; nothing else may appear."""
    from infoflow.data import chain_adjacency, delay_chain

    act = delay_chain(3000, n_layers=3, units_per_layer=2, delay=1, driver_ar=0.0, seed=0)
    ds = information_flow(act, lags=(1, 2), surrogates=50, **GC)
    true = _true_edges(act)
    found = _edges(ds)
    assert true <= found
    adj = chain_adjacency(3, 2)
    two_step = adj.astype(int) @ adj.astype(int)
    names = [str(v) for v in act.neuron.values]
    for src, tgt in found - true:
        i, j = names.index(src), names.index(tgt)
        assert two_step[i, j] > 0, f"{src}->{tgt} is neither a true edge nor an indirect path"
        assert ds["te_peak_lag"].sel(source=src, target=tgt).item() == 2
    # With only lag 1 tested the indirect paths vanish: exactly the true edges.
    ds1 = information_flow(act, lags=1, surrogates=50, **GC)
    assert _edges(ds1) == true


def test_te_mi_tdmi_match_closed_form_coupled_ar():
    from infoflow.data import coupled_ar

    x, y, info = coupled_ar(4000, coupling=0.6, seed=2)
    ds = information_flow(np.column_stack([x, y]), lags=1, surrogates=10, scheduler="inprocess")
    te = ds["te"].values
    assert te[0, 1] == pytest.approx(info["te_x_to_y"], abs=0.03)
    assert abs(te[1, 0] - info["te_y_to_x"]) < 0.03
    assert ds["mi"].values[0, 1] == pytest.approx(info["mi_xy"], abs=0.03)
    assert ds["tdmi"].sel(lag=1).values[0, 1] == pytest.approx(info["tdmi_x_to_y"], abs=0.03)
    assert ds["flow"].sel(lag=1).values[0, 1] == pytest.approx(info["tdmi_x_to_y"] - info["mi_xy"], abs=0.04)
    # Entropy of a Gaussian: 1/2 ln(2 pi e var), in the data's own units.
    assert ds["entropy"].values[0] == pytest.approx(0.5 * np.log(2 * np.pi * np.e * info["var_x"]), abs=0.05)
    assert bool(ds["significant"].values[0, 1]) and not bool(ds["significant"].values[1, 0])


# --------------------------------------------------------------------------- one estimator path
def _coupled(n: int, *, tied: bool, seed: int) -> np.ndarray:
    """Three neurons, 0 -> 1 -> 2 at lags 1 and 2; integer-valued (many ties) or continuous."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(2, n, 3)).astype(float) if tied else rng.standard_normal((2, n, 3))
    x[:, 1:, 1] += x[:, :-1, 0]
    x[:, 2:, 2] += x[:, :-2, 1]
    return x


@pytest.mark.parametrize("method", ["ksg", "gaussian_copula"])
@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("condition", [False, True])
def test_flow_cells_equal_the_public_estimators_bitwise(method, tied, condition):
    """A flow cell is the public estimate of that epoch (same preprocessing, embedding and family
    call), bitwise, also on integer-valued data, where KSG's neighbour order is decided by the jitter.
    Epoch e is prepared with seed default_rng([seed, e]). With the input neuron 0 as the condition, its
    own column (0 as target) is not conditioned on itself: it is the unconditioned estimate (to rounding:
    the flow conditions that column on a constant)."""
    from infoflow.estimators import entropy, pairwise_mutual_information, pairwise_transfer_entropy

    x = _coupled(300, tied=tied, seed=1)
    act = xr.DataArray(x, dims=("epoch", "time", "neuron"),
                       coords={"epoch": [2, 5], "role": ("neuron", ["input", "hidden", "hidden"])})

    def public(func, e, label, **kw):
        """The public estimate, as the flow has it: conditioned on input 0, except target column 0."""
        out = func(x[e], method=method, seed=np.random.default_rng([3, label]),
                   condition=x[e][:, [0]] if condition else None, **kw)
        if condition:
            plain = func(x[e], method=method, seed=np.random.default_rng([3, label]), **kw)
            return out, plain[:, 0]
        return out, None

    def same(flow: np.ndarray, pub, mask=None) -> None:
        out, col0 = pub
        keep = np.ones(out.shape, dtype=bool) if mask is None else mask.copy()
        if col0 is not None:
            rows = keep[:, 0].copy()
            keep[:, 0] = False
            np.testing.assert_allclose(flow[rows, 0], col0[rows], rtol=1e-9, atol=1e-12)  # NaN where both are
        np.testing.assert_array_equal(np.where(keep, flow, 0.0), np.where(keep, out, 0.0))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tied data: few distinct values (warned about)
        ds = information_flow(act, lags=(1, 2), method=method, surrogates=3, sequential=False, seed=3,
                              condition_on_input=condition, scheduler="inprocess")
        for e, label in enumerate((2, 5)):
            cell = ds.sel(epoch=label)
            same(cell["mi"].values, public(pairwise_mutual_information, e, label))  # NaN diagonal in both
            for lag in (1, 2):
                same(cell["tdmi"].sel(lag=lag).values, public(pairwise_mutual_information, e, label, lag=lag))
                same(cell["te_lag"].sel(lag=lag).values, public(pairwise_transfer_entropy, e, label, lag=lag),
                     mask=OFF3)
            for i in range(3):  # the entropy (always KSG) up to the last bits of each neuron's sd
                h = entropy(x[e][:, i], seed=np.random.default_rng([3, label]))
                assert cell["entropy"].values[i] == pytest.approx(h, rel=1e-12, abs=1e-12)
    if tied and method == "ksg":  # the case the jitter decides: another seed gives other numbers
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            other = information_flow(act, lags=1, method=method, surrogates=3, sequential=False, seed=4,
                                     condition_on_input=condition, scheduler="inprocess")
        assert not np.array_equal(other["te"].values[:, OFF3], ds["te_lag"].sel(lag=1).values[:, OFF3])


def test_family_functions_get_every_keyword_or_raise(monkeypatch):
    """The engine passes the family its keywords as they are: a family function that does not take
    one raises, it is never dropped (nor is ``pairs=`` silently replaced by a whole matrix)."""
    from infoflow.estimators import ksg

    def no_pairs(X, Y, Z, *, k=4, theiler=0, n_jobs=None):
        return np.zeros((X.shape[1], Y.shape[1]))

    monkeypatch.setattr(ksg, "pairwise_cmi", no_pairs)
    with pytest.raises(TypeError, match="pairs"):
        information_flow(_coupled(200, tied=False, seed=0)[0], lags=1, surrogates=3, scheduler="inprocess")


# --------------------------------------------------------------------------- null calibration
def _independent_ar(seed: int, n: int = 1500, n_neuron: int = 6, a: float = 0.6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((n, n_neuron))
    x = np.empty_like(e)
    x[0] = e[0]
    for t in range(1, n):
        x[t] = a * x[t - 1] + e[t]
    return x


@pytest.mark.parametrize(("measure", "sequential"), [("te", False), ("flow", False), ("te", True)])
def test_independent_neurons_uniform_pvalues_and_fdr_controlled(measure, sequential, global_random_seed):
    pvals, n_sig, n_pairs = [], 0, 0
    for rep in range(5):
        x = _independent_ar(1000 * global_random_seed + rep)
        ds = information_flow(x, lags=(1, 2, 3), measure=measure, surrogates=40, seed=rep, sequential=sequential,
                              **GC)
        off = ~np.eye(6, dtype=bool)
        pvals.extend(ds["pvalue"].values[off])
        n_sig += int(ds["significant"].values[off].sum())
        n_pairs += off.sum()
    pvals = np.asarray(pvals)
    assert stats.kstest(pvals, "uniform").pvalue > 1e-4
    # nominal 0.05 (4,500 null pairs over 30 seeds gave 0.052-0.056); pairs sharing neurons are
    # correlated, so one realisation of 150 varies more than a binomial sd of 0.018
    assert np.mean(pvals < 0.05) < 0.15
    assert n_sig / n_pairs <= 0.05


def test_fitted_null_reaches_below_empirical_floor():
    from infoflow.data import var_network

    w = np.zeros((3, 3))
    w[0, 1] = 0.5
    act = var_network(2000, w, seed=0)
    fit = information_flow(act, lags=1, surrogates=20, **GC)
    emp = information_flow(act, lags=1, surrogates=20, pvalue="empirical", **GC)
    assert fit["pvalue"].values[0, 1] < 1 / 21
    assert emp["pvalue"].values[0, 1] == pytest.approx(1 / 21)
    assert emp.attrs["pvalue"] == "empirical"
    np.testing.assert_array_equal(fit["te"].values, emp["te"].values)  # the estimate does not move


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_numbers_and_block_size_does_not_matter():
    x = _independent_ar(0, n=800, n_neuron=4)
    x[1:, 1] += 0.5 * x[:-1, 0]
    a = information_flow(x, lags=(1, 2), surrogates=12, seed=5, **GC)
    b = information_flow(x, lags=(1, 2), surrogates=12, seed=5, block_size=5, **GC)
    c = information_flow(x, lags=(1, 2), surrogates=12, seed=6, **GC)
    xr.testing.assert_identical(a, b)
    assert not np.allclose(a["te_null_mean"].values[OFF], c["te_null_mean"].values[OFF])


def test_ksg_same_seed_bitwise_and_screen():
    x = _independent_ar(1, n=1000, n_neuron=3)
    x[1:, 2] += 0.8 * x[:-1, 0]
    # 40 surrogates: 3 neurons give the fitted tail few exceedances to pool its shape from, and with
    # 10 the coupled pair's p-value (0.018) stays above what BH asks of it over 6 pairs (0.0083)
    kw = {"lags": 1, "surrogates": 40, "scheduler": "inprocess", "sequential": False}
    a = information_flow(x, **kw)
    b = information_flow(x, block_size=3, **kw)
    xr.testing.assert_identical(a, b)
    s = information_flow(x, screen=True, **kw)
    assert s.attrs["screen"] == 1 and s.attrs["screen_estimator"] == "gaussian_copula"
    assert bool(s["screened"].values[0, 2]) and bool(s["significant"].values[0, 2])
    failed = ~s["screened"].values & ~np.eye(3, dtype=bool)
    assert failed.any()
    assert np.all(s["pvalue"].values[failed] == 1.0)
    assert np.all(s["n_surrogates"].values[failed] == 0)
    assert np.all(s["n_surrogates"].values[s["screened"].values] == 40)
    passed = s["screened"].values
    # equal p-values, except a fitted tail's: it pools its shape over the pairs tested (fewer when screened)
    emp = passed & (s["pvalue_source"].values == 0)
    np.testing.assert_array_equal(s["pvalue"].values[emp], a["pvalue"].values[emp])
    np.testing.assert_array_equal(s["significant"].values[passed], a["significant"].values[passed])
    np.testing.assert_array_equal(s["te"].values, a["te"].values)


def test_sequential_stops_settled_pairs_and_keeps_every_decision():
    from infoflow.data import delay_chain

    act = delay_chain(1500, n_layers=3, units_per_layer=2, delay=1, seed=4)
    off = ~np.eye(6, dtype=bool)
    kw = {"lags": (1, 2), "surrogates": 40, "scheduler": "inprocess"}
    fixed = information_flow(act, sequential=False, **kw)
    seq = information_flow(act, **kw)  # "auto": sequential for KSG
    assert seq.attrs["sequential"] == 1 and fixed.attrs["sequential"] == 0
    drawn = seq["n_surrogates"].values
    assert np.all(fixed["n_surrogates"].values[off] == 40) and np.all(np.diag(drawn) == 0)
    assert set(np.unique(drawn[off])) <= {10, 20, 40}
    sig_seq, sig_fixed = seq["significant"].values, fixed["significant"].values
    np.testing.assert_array_equal(sig_seq, sig_fixed)
    stopped = off & (drawn < 40)
    assert (stopped & sig_seq).any(), "no pair was accepted early"
    assert (stopped & ~sig_seq).any(), "no pair stopped for futility"
    assert drawn[off].mean() < 30
    # pairs that got every surrogate have exactly the fixed run's empirical p-values (a fitted tail pools
    # its shape over the pairs with the same surrogate count, so it may move a little); estimates never move
    full = off & (drawn == 40)
    emp = full & (seq["pvalue_source"].values == 0) & (fixed["pvalue_source"].values == 0)
    np.testing.assert_array_equal(seq["pvalue"].values[emp], fixed["pvalue"].values[emp])
    fit = full & ~emp
    np.testing.assert_allclose(seq["pvalue"].values[fit], fixed["pvalue"].values[fit], rtol=0.5)
    np.testing.assert_array_equal(seq["te_lag"].values, fixed["te_lag"].values)
    # futility stops report a p-value above alpha; acceptances one BH rejects even after the margin,
    # the number of looks at which a pair can stop (10 and 20 surrogates: 2)
    assert np.all(seq["pvalue"].values[stopped & ~sig_seq] > 0.05)
    margin = sig.accept_margin(sig.checkpoints(40, True))
    assert margin == 2.0
    assert np.all(seq["pvalue"].values[stopped & sig_seq] <= 0.05 * sig_seq.sum() / 30 / margin)
    # the rounds depend on the surrogate count only: the block size changes nothing
    xr.testing.assert_identical(seq, information_flow(act, block_size=7, **kw))


# --------------------------------------------------------------------------- result structure
def test_dataset_layout_flow_identities_and_roles():
    x = _independent_ar(2, n=600, n_neuron=4)
    ds = information_flow(x, lags=(1, 3), surrogates=8, roles=["input", "hidden", "hidden", "output"],
                          measure="flow", **GC)
    for name in ("entropy", "mi", "tdmi", "flow", "net_flow", "peak_lag", "te", "te_lag", "pvalue", "pvalue_lag",
                 "pvalue_adjusted", "significant", "flow_null_mean", "flow_null_std", "flow_z", "autocorr_time"):
        assert name in ds, name
    assert ds["tdmi"].dims == ("lag", "source", "target") and list(ds["lag"].values) == [1, 3]
    assert ds["source_role"].values.tolist() == ["input", "hidden", "hidden", "output"]
    np.testing.assert_allclose(ds["flow"].values, ds["tdmi"].values - ds["mi"].values[None])
    net = ds["net_flow"].values
    np.testing.assert_allclose(net[OFF], -net.T[OFF])
    assert np.isnan(np.diag(ds["mi"].values)).all() and np.isfinite(np.diag(ds["tdmi"].values[0])).all()
    assert ds["significant"].dtype == bool and not np.diag(ds["significant"].values).any()
    assert ds.attrs["min_shift"] >= 5 * int(ds["autocorr_time"].max())
    assert ds.attrs["units"] == "nat" and ds.attrs["surrogates"] == 8 and "epoch" not in ds.dims


def test_epochs_selection_and_independence():
    from infoflow.data import var_network

    w = np.zeros((3, 3))
    w[0, 1] = 0.6
    act = var_network(800, w, n_epoch=3, seed=4)
    both = information_flow(act, lags=1, surrogates=8, epochs=[0, 2], **GC)
    assert both.sizes["epoch"] == 2 and both["epoch"].values.tolist() == [0, 2]
    last = information_flow(act, lags=1, surrogates=8, epochs="last", **GC)
    assert last["epoch"].item() == 2 and "epoch" not in last.dims
    xr.testing.assert_equal(both["te"].sel(epoch=2, drop=True), last["te"].drop_vars("epoch"))
    np.testing.assert_array_equal(both["pvalue"].sel(epoch=2).values, last["pvalue"].values)
    g = to_networkx(both, epoch=0)
    assert ("n0", "n1") in g.edges


def test_condition_on_input_strips_the_common_driver():
    """Every hidden unit follows the same slow input: bivariate TE between hidden units is spurious
    (a unit's past is a second noisy view of the input's past) until the input at the target's time
    step is conditioned on."""
    rng = np.random.default_rng(0)
    n = 3000
    u = np.zeros(n)
    for s in range(1, n):
        u[s] = 0.9 * u[s - 1] + rng.standard_normal()
    h = u[:, None] + 1.5 * rng.standard_normal((n, 3))
    x = np.column_stack([u, h])
    roles = ["input", "hidden", "hidden", "hidden"]
    plain = information_flow(x, roles=roles, lags=1, surrogates=30, **GC)
    cond = information_flow(x, roles=roles, lags=1, surrogates=30, condition_on_input=True, **GC)
    hidden = np.ix_([1, 2, 3], [1, 2, 3])
    assert plain["significant"].values[hidden].sum() >= 4
    assert cond["significant"].values[hidden].sum() == 0
    assert cond.attrs["condition_on_input"] == 1
    # A recording Dataset conditions on its `inputs` variable instead.
    rec = xr.Dataset({"activity": xr.DataArray(h[None], dims=("epoch", "time", "neuron"),
                                               coords={"neuron": ["h0", "h1", "h2"],
                                                       "role": ("neuron", ["hidden"] * 3)}),
                      "inputs": xr.DataArray(u[:, None], dims=("time", "channel"))})
    ds = information_flow(rec, lags=1, surrogates=30, condition_on_input=True, **GC)
    assert ds["significant"].values.sum() == 0
    np.testing.assert_array_equal(ds["te"].values, cond["te"].values[1:, 1:])


@pytest.mark.parametrize("method", ["gaussian_copula", "ksg"])
def test_input_neuron_as_target_is_conditioned_on_the_other_inputs_not_itself(method):
    """condition_on_input with input neurons: an input neuron as target must not be conditioned on its
    own present value (the value predicted), else every TE into it is 0 or undefined and its real
    parent is lost. A fully recurrent net feeds hidden units back into input units, so this happens.
    Here hidden h1 drives input u0, which drives hidden h2; with u0 the only input, u0 as target is
    conditioned on nothing, so its column equals the unconditioned flow's."""
    rng = np.random.default_rng(0)
    n = 1500
    x = np.zeros((n, 3))
    for t in range(1, n):
        x[t, 1] = 0.6 * x[t - 1, 1] + rng.standard_normal()
        x[t, 0] = 0.8 * x[t - 1, 1] + 0.5 * rng.standard_normal()
        x[t, 2] = 0.7 * x[t - 1, 0] + rng.standard_normal()
    opts = dict(roles=["input", "hidden", "hidden"], lags=1, surrogates=30, method=method, scheduler="inprocess")
    cond = information_flow(x, condition_on_input=True, **opts)
    plain = information_flow(x, **opts)
    sig_ = cond["significant"].values
    assert sig_[1, 0] and not sig_[2, 0]  # the input's parent h1 kept, no false parent
    assert sig_[0, 2]
    # KSG: bitwise (a constant adds nothing to a distance); copula: its projection drops the constant
    # column, equal to rounding
    np.testing.assert_allclose(cond["te"].values[:, 0], plain["te"].values[:, 0], rtol=1e-9, atol=1e-12)



def test_target_groups_partition_the_active_pairs_in_balanced_contiguous_groups():
    from infoflow.flow._schedule import n_groups, target_groups

    rng = np.random.default_rng(0)
    active = rng.random((40, 40)) < 0.5
    active[:, 5:9] = False  # targets with nothing left to test
    groups = target_groups(active, 6)
    assert len(groups) == 6
    np.testing.assert_array_equal(np.sum(groups, axis=0), active.astype(int))  # each pair exactly once
    sizes = [int(g.sum()) for g in groups]
    assert max(sizes) - min(sizes) <= 2 * active.sum(axis=0).max()  # balanced to within a target or two
    owners = [np.flatnonzero(g.any(axis=0)) for g in groups if g.any()]
    assert all(a.max() < b.min() for a, b in zip(owners[:-1], owners[1:]))  # consecutive runs of targets
    assert [int(g.sum()) for g in target_groups(np.zeros((3, 3), dtype=bool), 2)] == [0, 0]
    assert n_groups(4, 1, 64, "ksg") == 1 and n_groups(4, 2, 64, "ksg") == 2 and n_groups(1, 2, 3, "ksg") == 3
    assert n_groups(1, 2, 64, "gaussian_copula") == 1

def test_callback_reports_monotone_progress():
    seen = []
    information_flow(_independent_ar(3, n=500, n_neuron=3), lags=1, surrogates=10, block_size=4,
                     callback=lambda d, t: seen.append((d, t)), **GC)
    done = [d for d, _ in seen]
    assert done == sorted(done) and seen[-1][0] == seen[-1][1] == 2 + 3


# --------------------------------------------------------------------------- IO and export
def test_netcdf_round_trip_and_graphml(tmp_path):
    from infoflow.data import delay_chain

    act = delay_chain(800, n_layers=2, units_per_layer=2, seed=1)
    ds = information_flow(act, lags=(1, 2), surrogates=10, screen=False, **GC)
    path = save_dataset(ds, tmp_path / "flow.nc")
    back = load_dataset(path)
    xr.testing.assert_allclose(ds, back)
    assert set(back.attrs) == set(ds.attrs)
    for key, val in ds.attrs.items():
        np.testing.assert_array_equal(np.asarray(back.attrs[key]), np.asarray(val), err_msg=key)
    assert isinstance(ds.attrs["edges"], str)  # input's string-list attr made netCDF-3 safe
    assert back["significant"].dtype == bool
    g_path = write_graphml(back, tmp_path / "flow.graphml")
    import networkx as nx

    g = nx.read_graphml(g_path)
    assert set(g.edges) == set(to_networkx(ds).edges)
    assert g.nodes["n0"]["role"] == "input"


def test_lazy_zarr_recording_equals_in_memory(tmp_path):
    from infoflow.data import var_network

    w = np.zeros((3, 3))
    w[1, 2] = 0.5
    act = var_network(700, w, n_epoch=2, seed=2)
    act.to_dataset().chunk({"epoch": 1}).to_zarr(tmp_path / "rec.zarr")
    lazy = xr.open_zarr(tmp_path / "rec.zarr")["activity"]
    assert lazy.chunks is not None
    a = information_flow(lazy, lags=1, surrogates=8, **GC)
    b = information_flow(act, lags=1, surrogates=8, **GC)
    xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())


# --------------------------------------------------------------------------- bad input
def test_bad_input_gives_clear_errors():
    x = _independent_ar(4, n=300, n_neuron=3)
    with pytest.raises(ValueError, match="3 neurons; give one role per neuron"):
        information_flow(x, roles=["hidden", "input"], **GC)
    with pytest.raises(InvalidParameterError, match="lag 400 leaves no samples"):
        information_flow(x, lags=(1, 400), **GC)
    with pytest.raises(InvalidParameterError, match="lags must be >= 1"):
        information_flow(x, lags=(0, 1), **GC)
    bad = x.copy()
    bad[10, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        information_flow(bad, **GC)
    act = xr.DataArray(np.stack([x, x]), dims=("epoch", "time", "neuron"),
                       coords={"epoch": [0, 5], "role": ("neuron", ["hidden"] * 3)})
    with pytest.raises(ValueError, match=r"epoch\(s\) \[3\] do not exist; the recording has epochs \[0, 5\]"):
        information_flow(act, epochs=[3], **GC)
    with pytest.raises(InvalidParameterError, match="Did you mean 'gaussian_copula'"):
        information_flow(x, method="gaussian_copola")
    with pytest.raises(InvalidParameterError, match="k=3 only applies to method='ksg'"):
        information_flow(x, k=3, **GC)
    with pytest.raises(InvalidParameterError, match="screen=True"):
        information_flow(x, screen=True, **GC)
    with pytest.raises(InvalidParameterError, match="surrogates"):
        information_flow(x, surrogates=1, **GC)
    with pytest.raises(ValueError, match="no 'inputs' and no neuron with role 'input'"):
        information_flow(x, condition_on_input=True, **GC)
    with pytest.raises(ValueError, match="too short for circular-shift surrogates"):
        information_flow(x, lags=1, min_shift=200, **GC)
    with pytest.raises(ValueError, match="usable samples"):
        information_flow(x[:12], lags=(1, 2, 3), history=3, scheduler="inprocess")
    with pytest.raises(InvalidParameterError, match="scheduler"):
        information_flow(x, scheduler="threads", method="gaussian_copula")


def test_matrices_permute_with_neuron_order():
    x = _independent_ar(5, n=700, n_neuron=4)
    x[1:, 3] += 0.6 * x[:-1, 1]
    perm = [2, 0, 3, 1]
    a = information_flow(x, lags=(1, 2), surrogates=5, **GC)
    b = information_flow(x[:, perm], lags=(1, 2), surrogates=5, **GC)
    for name in ("mi", "te", "net_flow"):
        np.testing.assert_allclose(b[name].values, a[name].values[np.ix_(perm, perm)], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b["tdmi"].values, a["tdmi"].values[:, perm][:, :, perm], rtol=1e-9, atol=1e-12)


def test_distributed_is_imported_lazily():
    """The in-process path never starts dask.distributed (xarray itself may import dask core)."""
    import subprocess
    import sys

    code = ("import sys, numpy as np; import infoflow.flow as f; "
            "f.information_flow(np.random.default_rng(0).standard_normal((300, 2)), lags=1, surrogates=4, "
            "method='gaussian_copula', scheduler='inprocess'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('distributed', 'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
