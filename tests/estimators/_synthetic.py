"""Test data with closed-form information quantities (generated here, independent of infoflow.data)."""

from __future__ import annotations

import numpy as np
from scipy import linalg


def gaussian_pair(rng, n, rho):
    """(x, y) standard normal with correlation rho; I = -1/2 ln(1 - rho^2)."""
    x = rng.standard_normal(n)
    y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    return x, y


def mi_gaussian(rho):
    return -0.5 * np.log1p(-rho**2)


def coupled_ar(rng, n, *, a=0.5, b=0.4, c=0.6, burn=200):
    """x_t = a x_{t-1} + e, y_t = b y_{t-1} + c x_{t-1} + e' (unit noises); returns (x, y)."""
    e = rng.standard_normal((n + burn, 2))
    x = np.zeros(n + burn)
    y = np.zeros(n + burn)
    for t in range(1, n + burn):
        x[t] = a * x[t - 1] + e[t, 0]
        y[t] = b * y[t - 1] + c * x[t - 1] + e[t, 1]
    return x[burn:], y[burn:]


def te_coupled_ar(*, a=0.5, b=0.4, c=0.6):
    """Closed-form TE x->y (history 1, lag 1) of :func:`coupled_ar`; TE y->x is exactly 0.

    var(y_t | y_{t-1}, x_{t-1}) = 1 and var(y_t | y_{t-1}) = 1 + c^2 var(x | y) under the
    stationary covariance S of (x, y), which solves S = A S A^T + I.
    """
    A = np.array([[a, 0.0], [c, b]])
    S = linalg.solve_discrete_lyapunov(A, np.eye(2))
    var_x_given_y = S[0, 0] - S[0, 1] ** 2 / S[1, 1]
    return 0.5 * np.log(1.0 + c**2 * var_x_given_y)


def gaussian_mi_from_cov(cov, ix, iy):
    """I(X;Y) = 1/2 ln(det S_x det S_y / det S_xy) for index lists ix, iy of a covariance."""
    ld = lambda idx: np.linalg.slogdet(cov[np.ix_(idx, idx)])[1]  # noqa: E731
    return 0.5 * (ld(ix) + ld(iy) - ld(ix + iy))


def gaussian_cmi_from_cov(cov, ix, iy, iz):
    ld = lambda idx: np.linalg.slogdet(cov[np.ix_(idx, idx)])[1] if idx else 0.0  # noqa: E731
    return 0.5 * (ld(ix + iz) + ld(iy + iz) - ld(ix + iy + iz) - ld(iz))
