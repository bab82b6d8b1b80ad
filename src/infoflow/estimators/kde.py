"""Kolchinsky-Tracey pairwise-distance bound with added Gaussian noise (the Saxe et al. 2018 KDE).

Place in the pipeline: a family module of ``infoflow.estimators`` (``method="kde"``), for the
information plane (``infoflow.bottleneck``). Users call the public API, not this module.

The variable whose information is measured is made stochastic by adding isotropic Gaussian noise of
variance ``bandwidth`` (the regulariser): ``T = h + eps``. Over the samples, T is a mixture of n
Gaussians, whose entropy has the upper bound (Kolchinsky & Tracey 2017, doi:10.3390/e19070361)::

    H(T) <= d/2 - 1/n sum_i ln 1/n sum_j N(h_i; h_j, bandwidth I)

and ``H(T | X) = d/2 ln(2 pi e bandwidth)`` when h is a deterministic function of X. Here the
conditioning variable's rows are grouped by equality: ``H(T | X) = sum_x p(x) H_KT(T | X = x)``.
With all rows distinct (continuous X) that is the noise entropy, giving Saxe et al.'s
I(X;T) = H_KT(T) - d/2 ln(2 pi e bandwidth); with class labels it is their I(T;Y).

Notes
-----
Known artefacts (Saxe et al. 2018, doi:10.1088/1742-5468/ab3985):

* the value is set by the bandwidth, an arbitrary noise scale: it is the MI of the noisy
  network, not of the deterministic one, whose I(X;T) is infinite for continuous X;
* with continuous X every row is its own group, so I(X;T) does not depend on X at all and
  saturates at ln(n) when the h_i are far apart relative to sqrt(bandwidth);
* for a continuous second variable Y in I(T;Y) group Y first (e.g. quantile bins), or use
  ``method="ksg"``: each distinct Y value forms a group of one.
* the result is an upper bound on the MI of the noisy channel (H(T) bounded above, H(T|X) exact),
  and is asymmetric: noise is added to the second argument only.
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np
from scipy import special

from infoflow._validation import InvalidParameterError

_TILE = 1024  # rows of the distance matrix held at once: memory O(_TILE * n), never n x n


def _noise_entropy(d: int, bandwidth: float) -> float:
    return 0.5 * d * (np.log(2 * np.pi * bandwidth) + 1.0)


def _kt_entropy(t: np.ndarray, bandwidth: float) -> float:
    """Kolchinsky-Tracey upper bound on H(t + N(0, bandwidth I)), in nats, computed in row tiles."""
    n, d = t.shape
    sq = (t * t).sum(axis=1)
    total = 0.0
    for start in range(0, n, _TILE):
        blk = t[start : start + _TILE]
        dist = np.maximum(sq[start : start + _TILE, None] + sq[None, :] - 2.0 * blk @ t.T, 0.0)
        total += special.logsumexp(-dist / (2.0 * bandwidth), axis=1).sum()
    return float(_noise_entropy(d, bandwidth) + np.log(n) - total / n)


def entropy(x: np.ndarray, *, bandwidth: float) -> float:
    """Upper bound on the entropy of ``x + N(0, bandwidth I)``, in nats."""
    return _kt_entropy(x, bandwidth)


def _groups(x: np.ndarray) -> list[np.ndarray]:
    inverse = np.unique(x, axis=0, return_inverse=True)[1].reshape(-1)
    order = np.argsort(inverse, kind="stable")
    bounds = np.flatnonzero(np.diff(inverse[order])) + 1
    return np.split(order, bounds)


def _conditional_entropy(t: np.ndarray, groups: list[np.ndarray], bandwidth: float) -> float:
    n, d = t.shape
    h = 0.0
    for g in groups:
        h += len(g) / n * (_noise_entropy(d, bandwidth) if len(g) == 1 else _kt_entropy(t[g], bandwidth))
    return h


def mutual_information(x: np.ndarray, y: np.ndarray, *, bandwidth: float) -> float:
    """I(X; T) with T = y + N(0, bandwidth I): H_KT(T) - sum_x p(x) H_KT(T | X = x), in nats."""
    return _kt_entropy(y, bandwidth) - _conditional_entropy(y, _groups(x), bandwidth)


def conditional_mutual_information(x: np.ndarray, y: np.ndarray, z: np.ndarray, **_: object) -> NoReturn:
    """Not available: raises InvalidParameterError naming the methods that can."""
    raise InvalidParameterError(
        "method='kde' has no conditional estimator (CMI, TE or condition=). Use method='ksg', "
        "'gaussian_copula', 'gaussian' or 'binning'.")


def pairwise_mi(X: np.ndarray, Y: np.ndarray, *, bandwidth: float) -> np.ndarray:
    """(N, M) I(X_i; Y_j + noise); H_KT(Y_j) is computed once per target column."""
    hy = np.array([_kt_entropy(Y[:, [j]], bandwidth) for j in range(Y.shape[1])])
    out = np.empty((X.shape[1], Y.shape[1]))
    for i in range(X.shape[1]):
        groups = _groups(X[:, [i]])
        for j in range(Y.shape[1]):
            out[i, j] = hy[j] - _conditional_entropy(Y[:, [j]], groups, bandwidth)
    return out


def pairwise_cmi(X: np.ndarray, Y: np.ndarray, Z: np.ndarray, **_: object) -> NoReturn:
    """Not available: raises InvalidParameterError naming the methods that can."""
    conditional_mutual_information(X, Y, Z)
