"""Slow, obviously correct twins of the compiled kernels (stumpy's ``tests/naive.py`` practice).

Everything here is brute force on full distance matrices (O(n^2) memory), so use small arrays.
The KSG twins follow Kraskov et al. (2004) and Frenzel & Pompe (2007) literally: max-norm, the k-th
neighbour outside the Theiler window ``|i - j| <= w``, marginal counts ``|d| <= nextafter(eps, 0)``.
Other engineers may append their own twins at the end of this file.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma


# ----------------------------------------------------------------------------- KSG twins (issue 3)
def _pts(a):
    a = np.asarray(a, dtype=np.float64)
    return a[:, None] if a.ndim == 1 else a


def max_norm_distances(pts):
    """(n, n) matrix of max-norm distances, computed with the same float subtraction as the kernels."""
    pts = _pts(pts)
    return np.max(np.abs(pts[:, None, :] - pts[None, :, :]), axis=2)


def excluded(n, w):
    """Mask of pairs (i, j) left out of neighbour searches: ``|i - j| <= w`` (includes i == j)."""
    idx = np.arange(n)
    return np.abs(idx[:, None] - idx[None, :]) <= w


def kth_distance(pts, k, w=0):
    """Distance from each point to its k-th nearest admissible neighbour."""
    d = max_norm_distances(pts)
    d[excluded(len(d), w)] = np.inf
    return np.sort(d, axis=1)[:, k - 1]


def count_inside(pts, eps, w=0):
    """Admissible neighbours strictly inside ``eps[i]``: ``d <= nextafter(eps[i], 0)``."""
    d = max_norm_distances(pts)
    d[excluded(len(d), w)] = np.inf
    return np.sum(d <= np.nextafter(eps, 0.0)[:, None], axis=1)


def count_sorted(s, q, t):
    """Values of ``s`` within ``t`` of ``q`` (the one-dimensional counting primitive)."""
    return int(np.sum(np.abs(np.asarray(s) - q) <= t))


def ksg_mi_local(x, y, k=4, w=0):
    """Local KSG (algorithm 1) values; their mean is the MI in nats."""
    x, y = _pts(x), _pts(y)
    eps = kth_distance(np.hstack([x, y]), k, w)
    nx, ny = count_inside(x, eps, w), count_inside(y, eps, w)
    return digamma(k) + digamma(len(x)) - digamma(nx + 1) - digamma(ny + 1)


def ksg_mi(x, y, k=4, w=0):
    """KSG algorithm 1 mutual information, nats."""
    return float(np.mean(ksg_mi_local(x, y, k, w)))


def ksg_cmi(x, y, z, k=4, w=0):
    """Frenzel-Pompe conditional mutual information I(x; y | z), nats."""
    x, y, z = _pts(x), _pts(y), _pts(z)
    eps = kth_distance(np.hstack([x, y, z]), k, w)
    nxz = count_inside(np.hstack([x, z]), eps, w)
    nyz = count_inside(np.hstack([y, z]), eps, w)
    nz = count_inside(z, eps, w)
    return float(digamma(k) - np.mean(digamma(nxz + 1) + digamma(nyz + 1) - digamma(nz + 1)))


def kl_entropy(x, k=4, w=0):
    """Kozachenko-Leonenko entropy with the max-norm (Kraskov et al. 2004, eq. 20), nats."""
    x = _pts(x)
    n, d = x.shape
    eps = kth_distance(x, k, w)
    return float(digamma(n) - digamma(k) + d * np.mean(np.log(2.0 * eps)))


def pairwise(fn, X, Y, *args, **kw):
    """``out[i, j] = fn(X[:, i], Y[:, j], ...)`` by a plain double loop."""
    return np.array([[fn(X[:, i], Y[:, j], *args, **kw) for j in range(Y.shape[1])]
                     for i in range(X.shape[1])])


def grid_cells(r1, r2, G):
    """Quantile-grid cell of every point from its two ranks: row-major ``c1 * G + c2``."""
    n = len(r1)
    return (np.asarray(r1) * G // n) * G + np.asarray(r2) * G // n


# ----------------------------------------------------------------------------- Gaussian-copula twins (issue 3)
def ince_copnorm(x):
    """Ince et al.'s copnorm: ordinal ranks by argsort of argsort, then the normal inverse CDF."""
    from scipy.stats import norm

    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    ranks = np.argsort(np.argsort(x, axis=0), axis=0) + 1.0
    return norm.ppf(ranks / (x.shape[0] + 1.0))


def ince_mi_gg(x, y, biascorrect=False):
    """Ince et al.'s mi_gg (gcmi.py), written out with Cholesky factors; returns nats, not bits."""
    x = np.asarray(x, dtype=float).reshape(len(x), -1).T
    y = np.asarray(y, dtype=float).reshape(len(y), -1).T
    n = x.shape[1]
    dx, dy = x.shape[0], y.shape[0]
    xy = np.vstack([x, y])
    xy = xy - xy.mean(axis=1, keepdims=True)
    c = xy @ xy.T / (n - 1)
    h = lambda m: np.sum(np.log(np.diagonal(np.linalg.cholesky(m))))  # noqa: E731
    hx, hy, hxy = h(c[:dx, :dx]), h(c[dx:, dx:]), h(c)
    if biascorrect:
        psi = digamma((n - np.arange(1, dx + dy + 1)) / 2.0) / 2.0
        dterm = (np.log(2) - np.log(n - 1.0)) / 2.0
        hx -= dx * dterm + psi[:dx].sum()
        hy -= dy * dterm + psi[:dy].sum()
        hxy -= (dx + dy) * dterm + psi.sum()
    return float(hx + hy - hxy)
