"""Closed-form oracles for the Gaussian family and, where it applies, the other families.

Tolerance tables are (n -> tol); they allow about 4 standard errors so every seed 0-99 passes.
"""

import numpy as np
import pytest

from infoflow.estimators import conditional_mutual_information, entropy, mutual_information, transfer_entropy

from ._synthetic import (
    coupled_ar,
    gaussian_cmi_from_cov,
    gaussian_mi_from_cov,
    gaussian_pair,
    mi_gaussian,
    te_coupled_ar,
)

RHOS = [0.0, 0.3, 0.6, 0.9, 0.99]
# sd of the Gaussian MI estimate is about rho / sqrt(n); tol = 0.01 + 4 rho / sqrt(n), rounded up
MI_TOL = {1000: {0.0: 0.01, 0.3: 0.05, 0.6: 0.09, 0.9: 0.13, 0.99: 0.14},
          10000: {0.0: 0.002, 0.3: 0.015, 0.6: 0.027, 0.9: 0.038, 0.99: 0.042}}


@pytest.mark.parametrize("n", [1000, 10000])
@pytest.mark.parametrize("rho", RHOS)
@pytest.mark.parametrize("method", ["gaussian", "gaussian_copula"])
def test_gaussian_mi_table(rng, n, rho, method):
    x, y = gaussian_pair(rng, n, rho)
    assert abs(mutual_information(x, y, method=method) - mi_gaussian(rho)) < MI_TOL[n][rho]


@pytest.mark.parametrize("n,tol", [(1000, 0.09), (10000, 0.04)])
@pytest.mark.parametrize("method", ["gaussian", "gaussian_copula", "ksg"])
def test_multivariate_gaussian_mi(rng, n, tol, method):
    cov = np.array([[1.0, 0.3, 0.5, 0.1], [0.3, 1.0, 0.2, 0.4], [0.5, 0.2, 1.0, 0.0], [0.1, 0.4, 0.0, 1.0]])
    data = rng.multivariate_normal(np.zeros(4), cov, size=n)
    truth = gaussian_mi_from_cov(cov, [0, 1], [2, 3])
    assert abs(mutual_information(data[:, :2], data[:, 2:], method=method) - truth) < tol


@pytest.mark.parametrize("n,tol", [(1000, 0.08), (10000, 0.03)])
@pytest.mark.parametrize("method", ["gaussian", "gaussian_copula", "ksg"])
def test_linear_gaussian_cmi(rng, n, tol, method):
    # z -> x, z -> y, x -> y: I(X;Y|Z) from the covariance of (x, y, z)
    z = rng.standard_normal(n)
    x = 0.8 * z + rng.standard_normal(n)
    y = 0.6 * z + 0.5 * x + rng.standard_normal(n)
    B = np.array([[0.0, 0.0, 0.8], [0.5, 0.0, 0.6], [0.0, 0.0, 0.0]])  # (x, y, z) = B (x, y, z) + noise
    inv = np.linalg.inv(np.eye(3) - B)
    cov = inv @ np.eye(3) @ inv.T
    truth = gaussian_cmi_from_cov(cov, [0], [1], [2])
    assert abs(conditional_mutual_information(x, y, z, method=method) - truth) < tol


ENTROPY_CASES = {
    "gaussian sd 2": (lambda rng, n: 2.0 * rng.standard_normal(n), 0.5 * np.log(2 * np.pi * np.e * 4.0)),
    "uniform(0, 3)": (lambda rng, n: rng.uniform(0, 3, n), np.log(3.0)),
    "exponential scale 2": (lambda rng, n: rng.exponential(2.0, n), 1.0 + np.log(2.0)),
}


@pytest.mark.parametrize("n,tol", [(1000, 0.12), (10000, 0.04)])
@pytest.mark.parametrize("case", list(ENTROPY_CASES))
def test_entropies_ksg(rng, n, tol, case):
    draw, truth = ENTROPY_CASES[case]
    assert abs(entropy(draw(rng, n)) - truth) < tol


@pytest.mark.parametrize("n,tol", [(1000, 0.07), (10000, 0.02)])
def test_entropy_gaussian_method(rng, n, tol):
    x = 2.0 * rng.standard_normal(n)
    assert abs(entropy(x, method="gaussian") - 0.5 * np.log(2 * np.pi * np.e * 4.0)) < tol
    cov = np.array([[1.0, 0.5], [0.5, 2.0]])
    xy = rng.multivariate_normal([0, 0], cov, size=n)
    truth = 0.5 * np.log(np.linalg.det(2 * np.pi * np.e * cov))
    assert abs(entropy(xy, method="gaussian") - truth) < 2 * tol


# (method, n) -> tol; KSG (Frenzel-Pompe, k=4) carries a small negative bias on top of its noise
TE_TOL = {("gaussian", 1000): 0.06, ("gaussian", 10000): 0.02, ("gaussian_copula", 1000): 0.07,
          ("gaussian_copula", 10000): 0.025, ("ksg", 1000): 0.09, ("ksg", 10000): 0.03}


@pytest.mark.parametrize("n", [1000, 10000])
@pytest.mark.parametrize("method", ["gaussian", "gaussian_copula", "ksg"])
def test_te_coupled_ar(rng, n, method):
    tol = TE_TOL[method, n]
    x, y = coupled_ar(rng, n)
    truth = te_coupled_ar()
    assert abs(transfer_entropy(x, y, method=method) - truth) < tol
    assert abs(transfer_entropy(y, x, method=method)) < tol  # no coupling y -> x


def test_te_closed_form_is_what_it_claims():
    """The oracle itself: a long simulation's residual variances give the same TE."""
    x, y = coupled_ar(np.random.default_rng(0), 200_000)
    A = np.column_stack([y[:-1], np.ones(len(y) - 1)])
    res = y[1:] - A @ np.linalg.lstsq(A, y[1:], rcond=None)[0]
    empirical = 0.5 * np.log(res.var() / 1.0)
    assert abs(empirical - te_coupled_ar()) < 0.005


def test_identity_mi_from_entropies(rng):
    x, y = gaussian_pair(rng, 5000, 0.7)
    hx, hy = entropy(x, method="gaussian"), entropy(y, method="gaussian")
    hxy = entropy(np.column_stack([x, y]), method="gaussian")
    assert mutual_information(x, y, method="gaussian") == pytest.approx(hx + hy - hxy, abs=1e-10)
    # KSG: the same identity holds up to estimator bias
    hx, hy = entropy(x), entropy(y)
    hxy = entropy(np.column_stack([x, y]))
    assert abs(mutual_information(x, y) - (hx + hy - hxy)) < 0.05


def test_gaussian_bias_correction_reduces_bias():
    # at rho = 0 the plug-in estimate is biased up by about 1/(2n); the correction removes it
    rng = np.random.default_rng(1)
    raw, corr = [], []
    for _ in range(200):
        x, y = rng.standard_normal((2, 50))
        raw.append(mutual_information(x, y, method="gaussian"))
        corr.append(mutual_information(x, y, method="gaussian", bias_correct=True))
    assert np.mean(raw) > 0.005
    assert abs(np.mean(corr)) < abs(np.mean(raw)) / 3


@pytest.mark.parametrize("dz", [1, 2, 3])
def test_gaussian_pairwise_and_shared_cmi_match_the_closed_form(rng, dz):
    """pairwise_cmi (every pair) and cmi_shared (one prepared target, many sources) give each pair's
    log-determinant CMI; a constant conditioning column removes nothing."""
    from infoflow.estimators import gaussian

    n, n_src, n_tgt = 500, 5, 4
    X = rng.standard_normal((n, n_src))
    Z = rng.standard_normal((n_tgt, n, dz))
    Y = 0.6 * X[:, :n_tgt] + 0.5 * Z[:, :, 0].T + rng.standard_normal((n, n_tgt))
    Z[1, :, dz - 1] = 3.0  # rank-deficient conditioning set of target 1 (dz = 1: a constant one)
    got = gaussian.pairwise_cmi(X, Y, Z)
    for j in range(n_tgt):
        z = Z[j] if j != 1 else np.delete(Z[j], dz - 1, axis=1)
        want = [gaussian.conditional_mutual_information(X[:, [i]], Y[:, [j]], z) if z.shape[1]
                else gaussian.mutual_information(X[:, [i]], Y[:, [j]]) for i in range(n_src)]
        np.testing.assert_allclose(got[:, j], want, rtol=1e-9, atol=1e-12)
        if dz > 1:
            shared = gaussian.cmi_shared(X, gaussian.prepare_shared(Y[:, j], Z[j]))
            np.testing.assert_allclose(shared, got[:, j], rtol=1e-12, atol=1e-15)
    assert got[np.arange(n_tgt), np.arange(n_tgt)].min() > 0.1  # the coupled pairs carry information
