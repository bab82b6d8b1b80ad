"""The PyTorch all-pairs engine, run on the CPU device (CUDA tests are skipped without a GPU)."""

import numpy as np
import pytest

from infoflow import InvalidParameterError
from infoflow.estimators import pairwise_mutual_information, pairwise_transfer_entropy

torch = pytest.importorskip("torch")

CASES = [
    (pairwise_mutual_information, {}),
    (pairwise_mutual_information, {"lag": 2}),
    (pairwise_mutual_information, {"lag": 1, "with_condition": True}),
    (pairwise_transfer_entropy, {}),
    (pairwise_transfer_entropy, {"history": 2, "with_condition": True}),
]


def data(rng, n=250, N=3):
    X = rng.standard_normal((n, N))
    X[1:, 1] += 0.7 * X[:-1, 0]
    return X, rng.standard_normal((n, 2))


@pytest.mark.parametrize("func,kw", CASES)
def test_gcmi_torch_cpu_equals_numpy(rng, func, kw):
    X, c = data(rng)
    kw = dict(kw)
    cond = c if kw.pop("with_condition", False) else None
    for bias in (False, True):
        ref = func(X, condition=cond, method="gaussian_copula", bias_correct=bias, **kw)
        out = func(X, condition=cond, method="gaussian_copula", bias_correct=bias, device="cpu", **kw)
        np.testing.assert_allclose(out, ref, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("func,kw", CASES)
def test_ksg_torch_cpu_equals_numba(rng, func, kw):
    X, c = data(rng, n=150)
    kw = dict(kw)
    cond = c if kw.pop("with_condition", False) else None
    ref = func(X, condition=cond, **kw)
    out = func(X, condition=cond, device="cpu", **kw)
    np.testing.assert_allclose(out, ref, atol=1e-3, equal_nan=True)


def test_ksg_torch_theiler_and_k(rng):
    X, _ = data(rng, n=150)
    ref = pairwise_transfer_entropy(X, k=6, theiler=3)
    out = pairwise_transfer_entropy(X, k=6, theiler=3, device="cpu")
    np.testing.assert_allclose(out, ref, atol=1e-3, equal_nan=True)


def test_tiling_does_not_change_result(rng, monkeypatch):
    from infoflow.estimators import _gpu

    X, c = data(rng, n=120)
    full = pairwise_transfer_entropy(X, condition=c, device="cpu")
    monkeypatch.setattr(_gpu, "_TILE_ELEMENTS", 3 * 120 * 2 * 7)  # a handful of rows per tile
    assert _gpu._row_tile(120, 3 * 2) < 120
    tiled = pairwise_transfer_entropy(X, condition=c, device="cpu")
    np.testing.assert_allclose(tiled, full, atol=1e-12, equal_nan=True)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown without CUDA")
def test_cuda_without_cuda_is_a_clear_error(rng):
    X, _ = data(rng)
    with pytest.raises(InvalidParameterError, match="no CUDA device"):
        pairwise_mutual_information(X, method="gaussian_copula", device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("method,tol", [("gaussian_copula", 1e-6), ("ksg", 1e-3)])
def test_cuda_equals_cpu_engine(rng, method, tol):
    X, c = data(rng, n=400, N=5)
    for func in (pairwise_mutual_information, pairwise_transfer_entropy):
        ref = func(X, condition=c, method=method)
        out = func(X, condition=c, method=method, device="cuda")
        np.testing.assert_allclose(out, ref, atol=tol, equal_nan=True)


def test_torch_ksg_equals_brute_force_reference(rng):
    """The torch engine pinned to the independent brute-force twins of tests/reference.py."""
    from infoflow.estimators import _gpu
    from infoflow.estimators._pairwise import resolve_estimator
    from tests import reference as ref

    X = rng.standard_normal((90, 2))
    Y = rng.standard_normal((90, 2)) + X
    Z = rng.standard_normal((2, 90, 2))
    est = resolve_estimator("t", "ksg", k=3, theiler=2)
    mi = _gpu.pairwise_mi(X, Y, est=est, device="cpu")
    cmi = _gpu.pairwise_cmi(X, Y, Z, est=est, device="cpu")
    for i in range(2):
        for j in range(2):
            assert mi[i, j] == pytest.approx(ref.ksg_mi(X[:, i], Y[:, j], 3, 2), abs=1e-12)
            assert cmi[i, j] == pytest.approx(ref.ksg_cmi(X[:, i], Y[:, j], Z[j], 3, 2), abs=1e-12)
