"""The all-pairs engine: equals the single-pair functions, respects epochs, labels its output."""

import numpy as np
import pytest
import xarray as xr

from infoflow import InvalidParameterError
from infoflow.estimators import (
    METHODS,
    conditional_mutual_information,
    mutual_information,
    pairwise_mutual_information,
    pairwise_transfer_entropy,
    transfer_entropy,
)

from ._synthetic import coupled_ar

KW = {"ksg": {}, "gaussian_copula": {}, "gaussian": {}, "binning": {"bins": 6}, "kde": {"bandwidth": 0.5}}
# KSG: the pairwise call draws one jitter for the whole recording, the single call for its own two
# channels; at 1e-10 that never changes a neighbour ordering here, so values agree to rounding
TOL = {"ksg": 1e-9, "gaussian_copula": 1e-10, "gaussian": 1e-10, "binning": 1e-12, "kde": 1e-10}


def recording(rng, n_time=300, n=4):
    X = rng.standard_normal((n_time, n))
    X[1:, 1] += 0.8 * X[:-1, 0]
    X[2:, 3] += 0.6 * X[:-2, 2]
    return X


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("lag", [0, 2])
def test_pairwise_mi_equals_single(rng, method, lag):
    X = recording(rng)
    mat = pairwise_mutual_information(X, lag=lag, method=method, **KW[method])
    T = X.shape[0]
    for i in range(4):
        for j in range(4):
            if lag == 0 and i == j:
                assert np.isnan(mat[i, j])
                continue
            ref = mutual_information(X[: T - lag, i], X[lag:, j], method=method, **KW[method])
            if lag and method in ("ksg", "gaussian_copula"):
                # the engine standardises / ranks each channel once over the whole recording, the
                # single call its lag-cut slice: equal up to that, and exactly equal to a 1 x 1 call
                # (a self-pair is passed as Y=None so both sides carry the same jitter, as in `mat`)
                one = pairwise_mutual_information(X[:, [i]], None if i == j else X[:, [j]], lag=lag,
                                                  method=method)[0, 0]
                assert mat[i, j] == pytest.approx(one, abs=TOL[method]), (i, j)
                assert mat[i, j] == pytest.approx(ref, abs=0.03), (i, j)
            else:
                assert mat[i, j] == pytest.approx(ref, abs=TOL[method]), (i, j)


@pytest.mark.parametrize("method", ["ksg", "gaussian_copula", "gaussian", "binning"])
def test_pairwise_conditional_mi_equals_single(rng, method):
    X = recording(rng)
    c = rng.standard_normal(X.shape[0])
    mat = pairwise_mutual_information(X, lag=1, condition=c, method=method, **KW[method])
    for i, j in [(0, 1), (1, 0), (2, 3), (3, 3)]:
        ref = conditional_mutual_information(X[:-1, i], X[1:, j], c[1:], method=method, **KW[method])
        if method in ("ksg", "gaussian_copula"):
            # the engine standardises / ranks each channel once over the whole recording, the
            # single call its slice
            one = pairwise_mutual_information(X[:, [i]], None if i == j else X[:, [j]], lag=1, condition=c,
                                              method=method)[0, 0]
            assert mat[i, j] == pytest.approx(one, abs=TOL[method])
            assert mat[i, j] == pytest.approx(ref, abs=0.03)
        else:
            assert mat[i, j] == pytest.approx(ref, abs=TOL[method])


@pytest.mark.parametrize("method", ["ksg", "gaussian_copula", "gaussian", "binning"])
@pytest.mark.parametrize("history", [1, 2])
def test_pairwise_te_equals_single(rng, method, history):
    X = recording(rng)
    c = rng.standard_normal((X.shape[0], 2))
    for cond in (None, c):
        mat = pairwise_transfer_entropy(X, history=history, condition=cond, method=method, **KW[method])
        for i in range(4):
            for j in range(4):
                if i == j:
                    assert np.isnan(mat[i, j])
                    continue
                ref = transfer_entropy(X[:, i], X[:, j], history=history, condition=cond, method=method,
                                       **KW[method])
                assert mat[i, j] == pytest.approx(ref, abs=TOL[method]), (i, j, cond is None)


def test_self_information_on_lagged_diagonal(rng):
    x, _ = coupled_ar(rng, 2000)
    X = np.column_stack([x, rng.standard_normal(2000)])
    tdmi = pairwise_mutual_information(X, lag=1, method="gaussian")
    assert tdmi[0, 0] == pytest.approx(mutual_information(x[:-1], x[1:], method="gaussian"), abs=1e-12)
    assert tdmi[0, 0] > 0.1  # AR(1) with a = 0.5: -1/2 ln(1 - 0.25) = 0.14
    te = pairwise_transfer_entropy(X, lag=3, history=1, method="gaussian")
    assert np.isfinite(np.diag(te)).all()  # lag > history: self-TE is a real quantity


def test_y_none_equals_y_is_x_off_diagonal(rng):
    X = recording(rng)
    a = pairwise_transfer_entropy(X, method="ksg")
    b = pairwise_transfer_entropy(X, X, method="ksg")
    off = ~np.eye(4, dtype=bool)
    assert np.allclose(a[off], b[off], atol=1e-9)


def test_rectangular_x_to_y(rng):
    X = recording(rng)
    out = pairwise_mutual_information(X[:, :3], X[:, 1:], lag=1, method="gaussian")
    assert out.shape == (3, 3)
    assert out[0, 0] == pytest.approx(mutual_information(X[:-1, 0], X[1:, 1], method="gaussian"), abs=1e-12)


@pytest.mark.parametrize("method", ["gaussian", "ksg"])
def test_lagged_pairs_never_cross_epochs(method):
    """Within each epoch y(t+1) = x(t) + noise; the first y of every epoch is a huge outlier and
    the last x of every epoch is too: a pair straddling two epochs would join the outliers."""
    rng = np.random.default_rng(0)
    E, T = 30, 12
    x = rng.standard_normal((E, T))
    y = np.concatenate([np.zeros((E, 1)), x[:, :-1]], axis=1) + 0.2 * rng.standard_normal((E, T))
    y[:, 0] = 50 + rng.standard_normal(E)
    x[:, -1] = 50 + rng.standard_normal(E)
    X = np.stack([x, y], axis=2)  # (epoch, time, neuron)
    mat = pairwise_mutual_information(X, lag=1, method=method)
    # by hand: only within-epoch pairs; KSG standardises with the whole recording's statistics
    xs, ys = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
    if method == "ksg":
        from infoflow.estimators import ksg

        within = ksg.mutual_information(xs[:, :-1].reshape(-1, 1), ys[:, 1:].reshape(-1, 1))
    else:
        within = mutual_information(x[:, :-1].ravel(), y[:, 1:].ravel(), method=method)
    assert mat[0, 1] == pytest.approx(within, abs=1e-9)
    flat = pairwise_mutual_information(X.reshape(E * T, 2), lag=1, method=method)
    assert abs(flat[0, 1] - mat[0, 1]) > 0.1


def test_te_history_never_spans_epochs():
    rng = np.random.default_rng(1)
    E, T = 25, 10
    x = rng.standard_normal((E, T))
    y = np.concatenate([np.zeros((E, 1)), x[:, :-1]], axis=1) + 0.3 * rng.standard_normal((E, T))
    y[:, :2] = 40 + rng.standard_normal((E, 2))  # outliers at every epoch start
    X = np.stack([x, y], axis=2)
    te = pairwise_transfer_entropy(X, history=2, method="gaussian")
    # by hand: t from 1 to T-2 in each epoch; future y(t+1), source x(t), history y(t), y(t-1)
    src = x[:, 1:-1].ravel()
    fut = y[:, 2:].ravel()
    hist = np.column_stack([y[:, 1:-1].ravel(), y[:, :-2].ravel()])
    ref = conditional_mutual_information(src, fut, hist, method="gaussian")
    assert te[0, 1] == pytest.approx(ref, abs=1e-12)
    flat = pairwise_transfer_entropy(X.reshape(E * T, 2), history=2, method="gaussian")
    assert abs(flat[0, 1] - te[0, 1]) > 0.05


def test_condition_strips_a_common_driver(rng):
    n = 3000
    c = rng.standard_normal(n)
    X = np.column_stack([c + 0.5 * rng.standard_normal(n), c + 0.5 * rng.standard_normal(n)])
    mi = pairwise_mutual_information(X, method="gaussian_copula")
    cmi = pairwise_mutual_information(X, condition=c, method="gaussian_copula")
    assert mi[0, 1] > 0.4  # rho = 0.8: -1/2 ln(1 - 0.64) = 0.51
    assert abs(cmi[0, 1]) < 0.01


def test_condition_shared_by_epochs(rng):
    X = rng.standard_normal((3, 50, 2))
    c = rng.standard_normal(50)
    a = pairwise_mutual_information(X, lag=1, condition=c, method="gaussian")
    b = pairwise_mutual_information(X, lag=1, condition=np.broadcast_to(c[None, :, None], (3, 50, 1)),
                                    method="gaussian")
    assert np.allclose(a, b, equal_nan=True)
    with pytest.raises(ValueError, match="condition"):
        pairwise_mutual_information(X, condition=np.zeros(49), method="gaussian")


@pytest.mark.parametrize("method", ["ksg", "gaussian_copula"])
def test_te_matrix_finds_direction(rng, method):
    x, y = coupled_ar(rng, 3000)
    te = pairwise_transfer_entropy(np.column_stack([x, y]), method=method)
    assert te[0, 1] > 0.1 and abs(te[1, 0]) < 0.04


def test_n_jobs_does_not_change_ksg_bitwise(rng):
    X = recording(rng, n_time=200)
    a = pairwise_transfer_entropy(X, n_jobs=1)
    b = pairwise_transfer_entropy(X, n_jobs=2)
    assert np.array_equal(a, b, equal_nan=True)


def test_neuron_permutation_permutes_matrix(rng):
    X = recording(rng)
    perm = [2, 0, 3, 1]
    a = pairwise_transfer_entropy(X, method="gaussian_copula")
    b = pairwise_transfer_entropy(X[:, perm], method="gaussian_copula")
    assert np.allclose(a[np.ix_(perm, perm)], b, equal_nan=True, atol=1e-12)


def activity(rng, E=2, T=120):
    vals = rng.standard_normal((E, T, 4))
    return xr.DataArray(vals, dims=("epoch", "time", "neuron"), name="activity",
                        coords={"epoch": np.arange(E), "time": np.arange(T), "neuron": ["in0", "h0", "h1", "out0"],
                                "role": ("neuron", ["input", "hidden", "hidden", "output"])},
                        attrs={"model": "gru-2", "train_seed": 7})


@pytest.mark.parametrize("func,kw,name", [(pairwise_mutual_information, {}, "mi"),
                                          (pairwise_mutual_information, {"lag": 2}, "tdmi"),
                                          (pairwise_transfer_entropy, {"history": 2}, "te")])
@pytest.mark.parametrize("method", ["ksg", "gaussian_copula", "binning"])
def test_dataarray_output(rng, tmp_path, func, kw, name, method):
    act = activity(rng)
    out = func(act, method=method, **kw)
    assert out.dims == ("source", "target") and out.name == name
    assert list(out["source"].values) == ["in0", "h0", "h1", "out0"]
    assert list(out["target_role"].values) == ["input", "hidden", "hidden", "output"]
    assert out.attrs["units"] == "nat" and out.attrs["estimator"] == method
    assert out.attrs["model"] == "gru-2" and out.attrs["train_seed"] == 7
    assert out.attrs["n_samples"] == 2 * (120 - (2 if name == "tdmi" else 1 if name == "mi" else 0)) - (
        4 if name == "te" else 0) or name != "te"
    for key in ("k", "regulariser", "jitter", "seed", "theiler", "lag", "history", "n_samples",
                "long_name", "infoflow_version"):
        assert key in out.attrs
    assert np.array_equal(out.values, func(act.values, method=method, **kw), equal_nan=True)
    path = tmp_path / "m.nc"
    out.to_netcdf(path, engine="scipy")
    xr.testing.assert_identical(xr.open_dataarray(path, engine="scipy").load(), out)


def test_dataarray_time_neuron_and_selection(rng):
    act = activity(rng).isel(epoch=0)
    hidden = act.where(act.role == "hidden", drop=True)
    out = pairwise_transfer_entropy(hidden, method="gaussian")
    assert list(out["source"].values) == ["h0", "h1"]
    assert out.attrs["n_samples"] == 119


def test_shape_errors(rng):
    X = rng.standard_normal((50, 3))
    with pytest.raises(ValueError, match="same time grid"):
        pairwise_mutual_information(X, X[:40])
    with pytest.raises(ValueError, match="dimensions"):
        pairwise_mutual_information(X[:, 0])
    with pytest.raises(ValueError, match="dims"):
        pairwise_mutual_information(xr.DataArray(X, dims=("a", "b")))
    with pytest.raises(ValueError, match="no usable samples after lag=50"):
        pairwise_mutual_information(X, lag=50)


def test_device_refused_for_other_methods(rng):
    with pytest.raises(InvalidParameterError, match="device"):
        pairwise_mutual_information(rng.standard_normal((50, 2)), method="binning", device="cpu")


def test_condition_dataarray_any_dim_order(rng):
    act = activity(rng)
    inputs = xr.DataArray(rng.standard_normal((2, 120)), dims=("channel", "time"))
    a = pairwise_transfer_entropy(act, condition=inputs, method="gaussian")
    b = pairwise_transfer_entropy(act.values, condition=inputs.values.T, method="gaussian")
    assert np.array_equal(a.values, b, equal_nan=True)
    assert a.attrs["conditioned"] == 1
