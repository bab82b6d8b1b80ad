"""The KSG family module (``infoflow.estimators.ksg``) on closed forms and identities.

The functions are called directly, so the tests standardise their own data where the public layer
would. Tolerances are |measured bias| + ~4.5 standard deviations of the estimate (measured over
40 seeds at n = 1,000 and 4-6 seeds at n = 10,000), so they hold for any seed 0-99.
"""

from __future__ import annotations

import numpy as np
import pytest

from infoflow.estimators import ksg
from tests import reference as ref

K = 4


def _gauss_pair(rng, n, rho):
    x = rng.standard_normal(n)
    return x, rho * x + np.sqrt(1 - rho**2) * rng.standard_normal(n)


# (n, rho, tolerance in nats), k = 4
BIVARIATE = [
    (1_000, 0.0, 0.09), (1_000, 0.3, 0.11), (1_000, 0.6, 0.13), (1_000, 0.9, 0.17), (1_000, 0.99, 0.20),
    (10_000, 0.0, 0.035), (10_000, 0.3, 0.04), (10_000, 0.6, 0.055), (10_000, 0.9, 0.06),
    (10_000, 0.99, 0.065),
]


@pytest.mark.parametrize(("n", "rho", "tol"), BIVARIATE)
def test_bivariate_gaussian_mi(rng, n, rho, tol):
    x, y = _gauss_pair(rng, n, rho)
    assert abs(ksg.mutual_information(x, y, k=K) - (-0.5 * np.log(1 - rho**2))) < tol


def test_bivariate_gaussian_mi_mean_of_seeds_is_nearly_unbiased(global_random_seed):
    # 8 independent draws at n = 1,000: the mean's spread is ~0.01, the KSG bias at rho = 0.6 ~0.01
    rng = np.random.default_rng(global_random_seed)
    est = [ksg.mutual_information(*_gauss_pair(rng, 1_000, 0.6)) for _ in range(8)]
    assert abs(np.mean(est) + 0.5 * np.log(1 - 0.36)) < 0.05


COV4 = np.array([[1, .5, .3, .2], [.5, 1, .4, .1], [.3, .4, 1, .5], [.2, .1, .5, 1]])


@pytest.mark.parametrize(("n", "tol"), [(1_000, 0.12), (10_000, 0.035)])
def test_multivariate_gaussian_mi(rng, n, tol):
    a = rng.multivariate_normal(np.zeros(4), COV4, n)
    true = 0.5 * np.log(np.linalg.det(COV4[:2, :2]) * np.linalg.det(COV4[2:, 2:]) / np.linalg.det(COV4))
    assert abs(ksg.mutual_information(a[:, :2], a[:, 2:], k=K) - true) < tol


def _linear_gaussian_cmi(rng, n):
    z = rng.standard_normal(n)
    x = z + rng.standard_normal(n)
    y = z + 0.5 * x + rng.standard_normal(n)
    r = 0.5 / np.sqrt(1.25)  # partial correlation of x and y given z
    return x, y, z, -0.5 * np.log(1 - r**2)


@pytest.mark.parametrize(("n", "tol"), [(1_000, 0.12), (10_000, 0.04)])
def test_linear_gaussian_conditional_mi(rng, n, tol):
    x, y, z, true = _linear_gaussian_cmi(rng, n)
    assert abs(ksg.conditional_mutual_information(x, y, z, k=K) - true) < tol


def test_conditional_mi_with_two_conditioning_columns(rng):
    x, y, z, true = _linear_gaussian_cmi(rng, 2_000)
    z2 = np.c_[z, rng.standard_normal(2_000)]  # an irrelevant extra column changes nothing in theory
    assert abs(ksg.conditional_mutual_information(x, y, z2, k=K) - true) < 0.15


ENTROPY = {  # name: (sampler, closed form)
    "gaussian": (lambda rng, n: 2.0 * rng.standard_normal(n), 0.5 * np.log(2 * np.pi * np.e * 4.0)),
    "uniform": (lambda rng, n: rng.uniform(0.0, 3.0, n), np.log(3.0)),
    "exponential": (lambda rng, n: rng.exponential(0.5, n), 1.0 - np.log(2.0)),
    "gaussian_2d": (lambda rng, n: rng.multivariate_normal([0, 0], [[1, .6], [.6, 2]], n),
                    0.5 * np.log((2 * np.pi * np.e) ** 2 * (2 - 0.36))),
}
ENTROPY_TOL = {  # (name, n): tolerance in nats, k = 4
    ("gaussian", 1_000): 0.16, ("uniform", 1_000): 0.10, ("exponential", 1_000): 0.18,
    ("gaussian_2d", 1_000): 0.20, ("gaussian", 10_000): 0.055, ("uniform", 10_000): 0.025,
    ("exponential", 10_000): 0.055, ("gaussian_2d", 10_000): 0.06,
}


@pytest.mark.parametrize(("name", "n"), list(ENTROPY_TOL))
def test_kozachenko_leonenko_entropy(rng, name, n):
    sample, true = ENTROPY[name]
    assert abs(ksg.entropy(sample(rng, n), k=K) - true) < ENTROPY_TOL[(name, n)]


# ----------------------------------------------------------------------------- against the reference
@pytest.mark.parametrize("theiler", [0, 4])
def test_single_functions_equal_reference(rng, theiler):
    a = rng.standard_normal((400, 4))
    a[:, 1] += a[:, 0]
    x, y, z = a[:, 0], a[:, 1], a[:, 2:]
    assert abs(ksg.mutual_information(x, y, theiler=theiler) - ref.ksg_mi(x, y, K, theiler)) < 1e-10
    assert abs(ksg.mutual_information(a[:, :2], z, theiler=theiler)
               - ref.ksg_mi(a[:, :2], z, K, theiler)) < 1e-10
    assert abs(ksg.conditional_mutual_information(x, y, z, theiler=theiler)
               - ref.ksg_cmi(x, y, z, K, theiler)) < 1e-10
    assert abs(ksg.conditional_mutual_information(a[:, :2], a[:, 2], a[:, 3], theiler=theiler)
               - ref.ksg_cmi(a[:, :2], a[:, 2], a[:, 3], K, theiler)) < 1e-10
    assert abs(ksg.entropy(a[:, :3], theiler=theiler) - ref.kl_entropy(a[:, :3], K, theiler)) < 1e-10
    np.testing.assert_allclose(ksg.local_mutual_information(x, y, theiler=theiler),
                               ref.ksg_mi_local(x, y, K, theiler), rtol=0, atol=1e-12)


def test_compiled_and_kdtree_paths_agree_at_larger_n(rng):
    # scalar pairs use the grid kernel, multivariate ones cKDTree: same algorithm, same numbers
    x, y = _gauss_pair(rng, 5_000, 0.8)
    local = ksg.local_mutual_information(x, y)
    assert np.allclose(local, ksg._mi_generic(x[:, None], y[:, None], K, 0), rtol=0, atol=1e-12)
    z = rng.standard_normal(5_000)
    assert abs(ksg.conditional_mutual_information(x, y + z, z)
               - ref_cmi_kdtree(x[:, None], (y + z)[:, None], z[:, None])) < 1e-10


def ref_cmi_kdtree(x, y, z):
    from scipy.special import digamma
    eps = ksg._kth_distance(np.hstack([x, y, z]), K, 0)
    nxz = ksg._count_inside(np.hstack([x, z]), eps, 0)
    nyz = ksg._count_inside(np.hstack([y, z]), eps, 0)
    nz = ksg._count_inside(z, eps, 0)
    return float(digamma(K) - np.mean(digamma(nxz + 1) + digamma(nyz + 1) - digamma(nz + 1)))


# ----------------------------------------------------------------------------- identities
def _recording(rng, n, N):
    """A small random tanh recurrent system, standardised and jittered as the public layer does."""
    W = rng.standard_normal((N, N)) * 1.2 / np.sqrt(N)
    h, out = np.zeros(N), np.empty((n + 1, N))
    for t in range(n + 1):
        h = np.tanh(W @ h + 0.5 * rng.standard_normal(N))
        out[t] = h
    out = (out - out.mean(0)) / out.std(0)
    return out + 1e-10 * rng.standard_normal(out.shape)


def test_pairwise_mi_equals_single_calls_and_any_thread_count(rng):
    H = _recording(rng, 1_500, 5)
    X, Y = np.ascontiguousarray(H[:-1]), np.ascontiguousarray(H[1:])
    one = ksg.pairwise_mi(X, Y, theiler=2, n_jobs=1)
    assert np.array_equal(one, ksg.pairwise_mi(X, Y, theiler=2, n_jobs=2))
    assert np.array_equal(one, ksg.pairwise_mi(X, Y, theiler=2, n_jobs=None))
    single = [[ksg.mutual_information(X[:, i], Y[:, j], theiler=2) for j in range(5)] for i in range(5)]
    assert np.array_equal(one, np.array(single))  # element by element, bitwise


def test_concurrent_calls_from_threads_agree(rng):
    # Dask runs blocks of pairs on threads: concurrent kernel calls must be safe and identical
    from concurrent.futures import ThreadPoolExecutor

    H = _recording(rng, 800, 4)
    X, Y = np.ascontiguousarray(H[:-1]), np.ascontiguousarray(H[1:])
    want = ksg.pairwise_mi(X, Y)
    with ThreadPoolExecutor(3) as pool:
        got = list(pool.map(lambda nj: ksg.pairwise_mi(X, Y, n_jobs=nj), [1, 2, None, 1, 2, None]))
    assert all(np.array_equal(g, want) for g in got)


@pytest.mark.parametrize("dz", [1, 2])
def test_pairwise_cmi_equals_single_calls_and_any_thread_count(rng, dz):
    H = _recording(rng, 1_500, 4)
    X, Y = np.ascontiguousarray(H[1:-1]), np.ascontiguousarray(H[2:])
    Z = np.stack([np.stack([H[1:-1, j], H[:-2, j]][:dz], axis=1) for j in range(4)])  # target pasts
    one = ksg.pairwise_cmi(X, Y, Z, n_jobs=1)
    assert np.array_equal(one, ksg.pairwise_cmi(X, Y, Z, n_jobs=2))
    single = [[ksg.conditional_mutual_information(X[:, i], Y[:, j], Z[j]) for j in range(4)]
              for i in range(4)]
    assert np.array_equal(one, np.array(single))



def test_pairs_option_computes_exactly_the_listed_cells(rng):
    # the flow engine passes the pairs still being tested: each listed cell is the full matrix's
    # cell bitwise, the others NaN; columns no pair uses are never touched
    H = _recording(rng, 1_200, 5)
    X, Y = np.ascontiguousarray(H[1:]), np.ascontiguousarray(H[:-1])
    Z = np.stack([H[:-1, [j]] for j in range(5)])
    pairs = rng.random((5, 5)) < 0.4
    pairs[:, 2] = False  # a target and a source no pair uses
    pairs[3, :] = False
    pairs[0, 0] = True
    for fn, args in ((ksg.pairwise_mi, (X, Y)), (ksg.pairwise_cmi, (X, Y, Z))):
        full = fn(*args, theiler=1)
        got = fn(*args, theiler=1, pairs=pairs)
        assert np.array_equal(got[pairs], full[pairs])
        assert np.isnan(got[~pairs]).all()
        assert np.isnan(fn(*args, pairs=np.zeros((5, 5), dtype=bool))).all()
        with pytest.raises(ValueError, match=r"pairs has shape \(5, 4\)"):
            fn(*args, pairs=np.ones((5, 4), dtype=bool))

def test_mi_is_symmetric(rng):
    x, y = _gauss_pair(rng, 3_000, 0.5)
    assert abs(ksg.mutual_information(x, y) - ksg.mutual_information(y, x)) < 1e-12
    M = ksg.pairwise_mi(np.c_[x, y], np.c_[x, y])
    assert abs(M[0, 1] - M[1, 0]) < 1e-12


def test_depends_only_on_the_order_of_distances(rng):
    # scaling both variables by one factor keeps every distance comparison: a power of two exactly
    x, y = _gauss_pair(rng, 2_000, 0.7)
    z = rng.standard_normal(2_000)
    mi = ksg.mutual_information(x, y)
    assert ksg.mutual_information(8.0 * x, 8.0 * y) == mi
    assert abs(ksg.mutual_information(3.7 * x, 3.7 * y) - mi) < 1e-9
    cmi = ksg.conditional_mutual_information(x, y, z)
    assert ksg.conditional_mutual_information(0.25 * x, 0.25 * y, 0.25 * z) == cmi


def test_locals_average_to_the_mi(rng):
    x, y = _gauss_pair(rng, 2_000, 0.6)
    for theiler in (0, 3):
        local = ksg.local_mutual_information(x, y, theiler=theiler)
        assert local.shape == (2_000,)
        assert abs(local.mean() - ksg.mutual_information(x, y, theiler=theiler)) < 1e-12
    a = rng.standard_normal((1_000, 3))
    assert abs(ksg.local_mutual_information(a[:, :2], a[:, 2]).mean()
               - ksg.mutual_information(a[:, :2], a[:, 2])) < 1e-12


def test_negative_estimates_are_not_clipped(rng):
    vals = [ksg.mutual_information(*(rng.standard_normal((2, 500)))) for _ in range(10)]
    assert min(vals) < 0


def test_theiler_window_removes_autocorrelation_inflation(rng):
    # two independent, strongly autocorrelated AR(1) series: without a Theiler window neighbours in
    # time make them look dependent; excluding |i - j| <= 20 brings the estimate back near 0
    n = 3_000
    e = rng.standard_normal((n, 2))
    a = np.zeros((n, 2))
    for t in range(1, n):
        a[t] = 0.98 * a[t - 1] + e[t]
    plain = ksg.mutual_information(a[:, 0], a[:, 1])
    excl = ksg.mutual_information(a[:, 0], a[:, 1], theiler=20)
    assert plain > excl
    assert excl < plain - 0.02
