"""Equal-width binning with plug-in (maximum-likelihood) entropies, in nats.

Place in the pipeline: a family module of ``infoflow.estimators`` (``method="binning"``), mainly for
the information plane (``infoflow.bottleneck``). Users call the public API, not this module.

Each dimension is cut into ``bins`` equal-width bins spanning its observed range; a multivariate
variable becomes one discrete symbol per row (the tuple of its bin indices), as Shwartz-Ziv & Tishby
(2017, arXiv:1703.00810) did for a whole hidden layer. Entropies are plug-in entropies of those
symbols; MI and CMI are sums of them.

Notes
-----
Known artefacts, all of which the information-plane literature debates (Saxe et al. 2018,
doi:10.1088/1742-5468/ab3985):

* the numbers depend on the bin count and range, not only on the data: more bins, more MI;
* with many dimensions nearly every row is its own symbol, so H(T) saturates at ln(n) and
  I(X;T) saturates at H(X) whatever the network does;
* for a deterministic network with continuous input the true I(X;T) is infinite; binning reports
  a finite, bin-dependent number that measures geometric compression, not information;
* plug-in entropy is biased low by roughly (K - 1) / (2 n) for K occupied symbols.
"""

from __future__ import annotations

import numpy as np


def bin_indices(a: np.ndarray, bins: int) -> np.ndarray:
    """Equal-width bin index (0..bins-1) of every entry of a 2-D (n, d) array, per column.

    A constant column falls in bin 0; the maximum falls in the last bin.
    """
    lo = a.min(axis=0)
    width = a.max(axis=0) - lo
    safe = np.where(width > 0, width, 1.0)
    idx = np.floor((a - lo) / safe * bins).astype(np.int64)
    return np.clip(idx, 0, bins - 1)


def symbols(a: np.ndarray, bins: int) -> np.ndarray:
    """One integer symbol per row of `a` (its tuple of bin indices), numbered 0..K-1."""
    idx = bin_indices(a, bins)
    if idx.shape[1] == 1:
        return idx[:, 0]
    return np.unique(idx, axis=0, return_inverse=True)[1].reshape(-1)


def _joint(*codes: np.ndarray) -> np.ndarray:
    """Combine symbol arrays into one symbol per row."""
    return np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)[1].reshape(-1)


def _plugin_entropy(codes: np.ndarray) -> float:
    counts = np.bincount(codes)
    p = counts[counts > 0] / codes.shape[0]
    return float(-(p * np.log(p)).sum())


def entropy(x: np.ndarray, *, bins: int) -> float:
    """Plug-in entropy of the binned symbols of `x`, in nats (a discrete entropy)."""
    return _plugin_entropy(symbols(x, bins))


def mutual_information(x: np.ndarray, y: np.ndarray, *, bins: int) -> float:
    """I(X;Y) = H(X) + H(Y) - H(X,Y) of the binned symbols, in nats."""
    cx, cy = symbols(x, bins), symbols(y, bins)
    return _plugin_entropy(cx) + _plugin_entropy(cy) - _plugin_entropy(_joint(cx, cy))


def conditional_mutual_information(x: np.ndarray, y: np.ndarray, z: np.ndarray, *, bins: int) -> float:
    """I(X;Y|Z) = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) of the binned symbols, in nats."""
    cx, cy, cz = symbols(x, bins), symbols(y, bins), symbols(z, bins)
    return (_plugin_entropy(_joint(cx, cz)) + _plugin_entropy(_joint(cy, cz))
            - _plugin_entropy(_joint(cx, cy, cz)) - _plugin_entropy(cz))


def _column_entropies(codes: np.ndarray, n_symbols: int) -> np.ndarray:
    """Plug-in entropy of each column of an (n, M) array of symbols < n_symbols, vectorised."""
    n, m = codes.shape
    if n_symbols * m > 2**24:  # sparse alphabet (many conditioning symbols): count per column
        return np.array([_plugin_entropy(np.unique(codes[:, j], return_inverse=True)[1].reshape(-1))
                         for j in range(m)])
    flat = (codes + n_symbols * np.arange(m)[None, :]).ravel()
    p = np.bincount(flat, minlength=n_symbols * m).reshape(m, n_symbols) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)


def pairwise_mi(X: np.ndarray, Y: np.ndarray, *, bins: int) -> np.ndarray:
    """(N, M) binned MI of every column pair; one bincount over all targets per source."""
    bx, by = bin_indices(X, bins), bin_indices(Y, bins)
    hx = _column_entropies(bx, bins)
    hy = _column_entropies(by, bins)
    out = np.empty((X.shape[1], Y.shape[1]))
    for i in range(X.shape[1]):
        hxy = _column_entropies(bx[:, i : i + 1] * bins + by, bins * bins)
        out[i] = hx[i] + hy - hxy
    return out


def pairwise_cmi(X: np.ndarray, Y: np.ndarray, Z: np.ndarray, *, bins: int) -> np.ndarray:
    """(N, M) binned I(X_i; Y_j | Z[j]); the symbols of each Z[j] are computed once."""
    bx, by = bin_indices(X, bins), bin_indices(Y, bins)
    out = np.empty((X.shape[1], Y.shape[1]))
    for j in range(Y.shape[1]):
        cz = symbols(Z[j], bins)
        n_z = int(cz.max()) + 1
        cyz = by[:, j] * n_z + cz  # symbols < bins * n_z
        h_z = _plugin_entropy(cz)
        h_yz = _plugin_entropy(cyz)
        # all sources at once: symbols of (x_i, z) and (x_i, y, z) per column
        cxz = bx * n_z + cz[:, None]
        cxyz = bx * (bins * n_z) + cyz[:, None]
        h_xz = _column_entropies(cxz, bins * n_z)
        h_xyz = _column_entropies(cxyz, bins * bins * n_z)
        out[:, j] = h_xz + h_yz - h_xyz - h_z
    return out


def local_conditional_mutual_information(x: np.ndarray, y: np.ndarray, z: np.ndarray | None, *,
                                         bins: int) -> np.ndarray:
    """Local plug-in values ln p(x,y,z) p(z) / (p(x,z) p(y,z)), (n,); their mean is the estimate."""
    n = x.shape[0]
    cx, cy = symbols(x, bins), symbols(y, bins)
    cz = np.zeros(n, dtype=np.int64) if z is None else symbols(z, bins)

    def prob(codes: np.ndarray) -> np.ndarray:
        return np.bincount(codes)[codes] / n

    return np.log(prob(_joint(cx, cy, cz)) * prob(cz) / (prob(_joint(cx, cz)) * prob(_joint(cy, cz))))
