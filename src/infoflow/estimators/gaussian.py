"""Gaussian (linear) estimators: closed forms from covariance log-determinants.

Place in the pipeline: a family module of ``infoflow.estimators``, called by the public functions
(``method="gaussian"``) and reused by :mod:`infoflow.estimators.gcmi` on copula-normalised data.
Users call the public API, not this module. Inputs are validated float64 2-D arrays (n, d).

Under a joint Gaussian assumption ``H(X) = 1/2 ln det(2 pi e C_X)`` and MI / CMI follow from sums of
such terms, so they measure *linear* dependence only: a baseline, exact for linear-Gaussian systems.

Internal contract (shared by every family)::

    entropy(x) ; mutual_information(x, y) ; conditional_mutual_information(x, y, z)
    pairwise_mi(X (n, N), Y (n, M)) -> (N, M)
    pairwise_cmi(X (n, N), Y (n, M), Z (M, n, dz)) -> (N, M)

each with the keyword ``bias_correct`` (Ince et al. 2017's analytic correction).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import linalg, special

_LN2 = np.log(2.0)
_RANK_TOL = 1e-12
"""A conditioning direction whose QR diagonal is below this share of the largest is dependent on the others."""


def _bias_term(d: int, n: int) -> float:
    """Amount added to a d-dimensional Gaussian entropy estimate by Ince's bias correction.

    The sample-covariance log-determinant is biased; its expectation involves digamma terms
    (Ince et al. 2017, doi:10.1002/hbm.23471, gcmi ``ent_g``; covariance normalised by n - 1).
    """
    if d == 0:
        return 0.0
    dterm = (_LN2 - np.log(n - 1.0)) / 2.0
    psiterms = special.psi((n - np.arange(1, d + 1)) / 2.0) / 2.0
    return float(-d * dterm - psiterms.sum())


def _half_logdet_cov(a: np.ndarray) -> float:
    """1/2 ln det of the (n - 1)-normalised covariance of the columns of `a` (-inf if singular)."""
    if a.shape[1] == 0:
        return 0.0
    c = np.atleast_2d(np.cov(a, rowvar=False, ddof=1))
    sign, logdet = np.linalg.slogdet(c)
    return 0.5 * logdet if sign > 0 else -np.inf


def entropy(x: np.ndarray, *, bias_correct: bool = False) -> float:
    """Gaussian differential entropy 1/2 ln det(2 pi e C) of the columns of `x`, in nats."""
    d = x.shape[1]
    h = _half_logdet_cov(x) + 0.5 * d * np.log(2 * np.pi * np.e)
    if bias_correct:
        h += _bias_term(d, x.shape[0])
    return float(h)


def _combine(terms: list[tuple[int, np.ndarray]], n: int, bias_correct: bool) -> float:
    """Sum of +-1/2 ln det C over blocks (the 2 pi e constants cancel in MI and CMI)."""
    total = 0.0
    with np.errstate(invalid="ignore"):  # a singular block gives -inf - -inf = nan, reported as such
        for sign, block in terms:
            h = _half_logdet_cov(block)
            if bias_correct:
                h += _bias_term(block.shape[1], n)
            total += sign * h
    return float(total)


def mutual_information(x: np.ndarray, y: np.ndarray, *, bias_correct: bool = False) -> float:
    """I(X;Y) = H(X) + H(Y) - H(X,Y) under a joint Gaussian, in nats."""
    xy = np.hstack([x, y])
    return _combine([(1, x), (1, y), (-1, xy)], x.shape[0], bias_correct)


def conditional_mutual_information(x: np.ndarray, y: np.ndarray, z: np.ndarray, *,
                                   bias_correct: bool = False) -> float:
    """I(X;Y|Z) = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) under a joint Gaussian, in nats."""
    xz, yz, xyz = np.hstack([x, z]), np.hstack([y, z]), np.hstack([x, y, z])
    return _combine([(1, xz), (1, yz), (-1, xyz), (-1, z)], x.shape[0], bias_correct)


def _centre(a: np.ndarray) -> np.ndarray:
    return a - a.mean(axis=0)


def pairwise_mi(X: np.ndarray, Y: np.ndarray, *, bias_correct: bool = False) -> np.ndarray:
    """I(X_i; Y_j) for every column pair from ONE matrix product: -1/2 ln(1 - r_ij^2)."""
    r = _corr(X, Y)
    with np.errstate(divide="ignore", invalid="ignore"):
        mi = -0.5 * np.log1p(-np.minimum(r * r, 1.0))
    if bias_correct:
        mi += 2 * _bias_term(1, X.shape[0]) - _bias_term(2, X.shape[0])
    return mi


def _corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Correlation of every column of `a` with every column of `b` (one matrix product)."""
    ac, bc = _centre(a), _centre(b)
    na = np.sqrt(np.einsum("ij,ij->j", ac, ac))
    nb = np.sqrt(np.einsum("ij,ij->j", bc, bc))
    with np.errstate(divide="ignore", invalid="ignore"):
        return (ac.T @ bc) / np.outer(na, nb)


def pairwise_cmi(X: np.ndarray, Y: np.ndarray, Z: np.ndarray, *, bias_correct: bool = False) -> np.ndarray:
    """I(X_i; Y_j | Z_j) for every pair via partial correlations, vectorised over pairs.

    Z[j] (n, dz) is the conditioning set of target column j. With dz = 1 (TE with history 1) the
    first-order partial correlation ``(r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2))`` needs
    three correlation matrices. Otherwise each target goes through :func:`prepare_shared` /
    :func:`cmi_shared`'s partial correlation (Z[j] orthonormalised once). Cost O(M n dz N), memory
    O(n (dz + N)).
    """
    n, dz = X.shape[0], Z.shape[2]
    if dz == 1:
        zm = np.ascontiguousarray(Z[:, :, 0].T)  # (n, M): column j conditions target j
        xc, yc = _centre(X), _centre(Y)
        # TE with Y = X, lag 1, history 1: the targets' pasts are the sources themselves
        zc = xc if zm.shape == X.shape and np.array_equal(zm, X) else _centre(zm)
        nx, ny = np.sqrt(np.einsum("ij,ij->j", xc, xc)), np.sqrt(np.einsum("ij,ij->j", yc, yc))
        nz = nx if zc is xc else np.sqrt(np.einsum("ij,ij->j", zc, zc))
        # a constant conditioning column explains nothing: its correlations are 0 (not 0 / 0), so the
        # pair's CMI is its MI, as the dz >= 2 path's rank test drops such a column
        nz = np.where(nz > 0, nz, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r_xy = (xc.T @ yc) / np.outer(nx, ny)
            r_xz = (xc.T @ zc) / np.outer(nx, nz)
            r_yz = np.einsum("ij,ij->j", yc, zc) / (ny * nz)
            r = (r_xy - r_xz * r_yz[None, :]) / np.sqrt((1 - r_xz**2) * (1 - r_yz[None, :] ** 2))
    else:
        # one target at a time through the shared-target pair below (what the effective network calls
        # for many sources against one target): one path for the partial correlations
        xc = _centre(X)
        x2 = np.einsum("ij,ij->j", xc, xc)
        targets = [prepare_shared(Y[:, j], Z[j]) for j in range(Y.shape[1])]
        cov = xc.T @ np.column_stack([t.ry for t in targets]) if targets else np.empty((X.shape[1], 0))
        r = np.empty((X.shape[1], Y.shape[1]))
        for j, t in enumerate(targets):
            r[:, j] = _partial_r(xc, x2, t, cov[:, j])
    with np.errstate(divide="ignore", invalid="ignore"):
        cmi = -0.5 * np.log1p(-np.minimum(r * r, 1.0))
    if bias_correct:
        cmi += 2 * _bias_term(1 + dz, n) - _bias_term(2 + dz, n) - _bias_term(dz, n)
    return cmi


class SharedTarget(NamedTuple):
    """One target ``y`` and conditioning set ``Z`` prepared for many sources (:func:`prepare_shared`):
    an orthonormal basis ``q`` (n, rank) of centred Z's column space, y's centred
    residual ``ry`` (n,) on it and its squared norm ``ry2``."""

    q: np.ndarray
    ry: np.ndarray
    ry2: float


def _independent(r: np.ndarray) -> np.ndarray:
    """Which directions of a QR factor ``r`` are independent of the others: |diagonal| above
    :data:`_RANK_TOL` of the largest."""
    diag = np.abs(np.diagonal(r))
    return diag > _RANK_TOL * max(float(diag.max(initial=0.0)), 1e-300)


def prepare_shared(y: np.ndarray, Z: np.ndarray) -> SharedTarget:
    """Prepare target ``y`` (n,) and conditioning set ``Z`` (n, dz) once for many :func:`cmi_shared` calls."""
    zc = Z - Z.mean(axis=0)
    q, rz = np.linalg.qr(zc)
    if not np.all(_independent(rz)):
        # rank-deficient Z (a constant column, a copy): plain QR's Q columns after a dependent one need
        # not span Z, so the basis comes from QR with column pivoting (rank-revealing), its first
        # rank columns
        q, rz, _ = linalg.qr(zc, mode="economic", pivoting=True)
        q = q[:, :int(np.sum(_independent(rz)))]
    yc = y - y.mean()
    ry = yc - q @ (q.T @ yc)
    return SharedTarget(q, ry, float(ry @ ry))


def _partial_r(xc: np.ndarray, x2: np.ndarray, target: SharedTarget, cov: np.ndarray | None = None) -> np.ndarray:
    """Partial correlation of each centred column of ``xc`` (squared norms ``x2``) with the target given
    Z. X's residuals are never formed: <rx, ry> = <x, ry> because ry is orthogonal to Z (``cov``, when
    the caller has it from one product over many targets), and |rx|^2 = |x|^2 - |Q^T x|^2."""
    q, ry, ry2 = target
    qx = q.T @ xc
    rx2 = x2 - np.einsum("ij,ij->j", qx, qx)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (xc.T @ ry if cov is None else cov) / np.sqrt(np.maximum(rx2, 0.0) * ry2)


def cmi_shared(X: np.ndarray, target: SharedTarget) -> np.ndarray:
    """Gaussian I(X[:, c]; y | Z) (nats, no bias correction) of every column of ``X`` (n, N) against one
    prepared target: the values of :func:`pairwise_cmi` (equal to rounding) without redoing Z's
    QR per call. The effective network's candidates and their surrogates share one target this way."""
    xc = _centre(X)
    r = _partial_r(xc, np.einsum("ij,ij->j", xc, xc), target)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -0.5 * np.log1p(-np.minimum(r * r, 1.0))


def local_conditional_mutual_information(x: np.ndarray, y: np.ndarray, z: np.ndarray | None) -> np.ndarray:
    """Local i(x;y|z) = ln p(y|x,z) - ln p(y|z) of fitted linear-Gaussian regressions, (n,).

    Variances use 1/n, so the mean of the locals equals the plug-in (uncorrected) estimate.
    """
    n = x.shape[0]
    yc = _centre(y)
    base = np.ones((n, 1)) if z is None else np.hstack([np.ones((n, 1)), z])
    full = np.hstack([base, x])
    e1 = yc - base @ np.linalg.lstsq(base, yc, rcond=None)[0]
    e2 = yc - full @ np.linalg.lstsq(full, yc, rcond=None)[0]
    # 1-D target (TE): scalar variances; multivariate targets use the covariance forms
    c1 = np.atleast_2d(e1.T @ e1 / n)
    c2 = np.atleast_2d(e2.T @ e2 / n)
    q1 = np.einsum("ni,ij,nj->n", e1, np.linalg.inv(c1), e1)
    q2 = np.einsum("ni,ij,nj->n", e2, np.linalg.inv(c2), e2)
    return 0.5 * (np.linalg.slogdet(c1)[1] - np.linalg.slogdet(c2)[1]) + 0.5 * (q1 - q2)
