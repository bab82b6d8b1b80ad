"""Gaussian-copula mutual information (GCMI, Ince et al. 2017, doi:10.1002/hbm.23471).

Place in the pipeline: a family module of ``infoflow.estimators`` (``method="gaussian_copula"``),
called by the public functions. Users call the public API, not this module.

Each channel is mapped to standard normal scores through its ranks (the empirical copula), then
the Gaussian closed forms of :mod:`infoflow.estimators.gaussian` apply. The result is a lower bound
on the true MI that is exact when the copula is Gaussian, unchanged by any strictly monotone
transform of a marginal, and fast: the whole all-pairs matrix is one matrix product.

The public layer normalises each channel ONCE per recording (before lagged pairs are cut) and
passes ``normalised=True``; called directly, each function normalises its own inputs.
Entropy is not defined here: the copula discards the marginals, so there is no marginal entropy
to report (use ``method="gaussian"``, ``"ksg"``, ``"binning"`` or ``"kde"``).
"""

from __future__ import annotations

import numpy as np

from infoflow._validation import InvalidParameterError
from infoflow.estimators import gaussian
from infoflow.estimators._preprocess import copula_normalise


def copnorm(a: np.ndarray) -> np.ndarray:
    """Normal scores of each column of a 2-D array (average ranks for ties)."""
    return copula_normalise(a[None])[0]


def entropy(x: np.ndarray, **_: object) -> float:
    """Not defined for the copula: raises InvalidParameterError naming the methods that can."""
    raise InvalidParameterError(
        "entropy: method='gaussian_copula' cannot estimate an entropy (the copula transform discards "
        "the marginal distributions). Use method='ksg', 'gaussian', 'binning' or 'kde'.")


def mutual_information(x: np.ndarray, y: np.ndarray, *, bias_correct: bool = False,
                       normalised: bool = False) -> float:
    """GCMI I(X;Y) in nats."""
    if not normalised:
        x, y = copnorm(x), copnorm(y)
    return gaussian.mutual_information(x, y, bias_correct=bias_correct)


def conditional_mutual_information(x: np.ndarray, y: np.ndarray, z: np.ndarray, *,
                                   bias_correct: bool = False, normalised: bool = False) -> float:
    """GCMI I(X;Y|Z) in nats (Gaussian CMI of the copula-normalised variables)."""
    if not normalised:
        x, y, z = copnorm(x), copnorm(y), copnorm(z)
    return gaussian.conditional_mutual_information(x, y, z, bias_correct=bias_correct)


def pairwise_mi(X: np.ndarray, Y: np.ndarray, *, bias_correct: bool = False,
                normalised: bool = False) -> np.ndarray:
    """(N, M) GCMI of every column pair: -1/2 ln(1 - r^2) from one correlation matrix product."""
    if not normalised:
        X, Y = copnorm(X), copnorm(Y)
    return gaussian.pairwise_mi(X, Y, bias_correct=bias_correct)


def pairwise_cmi(X: np.ndarray, Y: np.ndarray, Z: np.ndarray, *, bias_correct: bool = False,
                 normalised: bool = False) -> np.ndarray:
    """(N, M) GCMI I(X_i; Y_j | Z[j]) via partial correlations vectorised over pairs."""
    if not normalised:
        X, Y = copnorm(X), copnorm(Y)
        Z = np.stack([copnorm(zj) for zj in Z])
    return gaussian.pairwise_cmi(X, Y, Z, bias_correct=bias_correct)


def local_conditional_mutual_information(x: np.ndarray, y: np.ndarray, z: np.ndarray | None, *,
                                         normalised: bool = False) -> np.ndarray:
    """Local GCMI values, (n,), whose mean is the uncorrected estimate."""
    if not normalised:
        x, y = copnorm(x), copnorm(y)
        z = None if z is None else copnorm(z)
    return gaussian.local_conditional_mutual_information(x, y, z)

