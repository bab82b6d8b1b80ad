"""PyTorch engine for the all-pairs matrices (``device="cuda"``, or ``"cpu"`` to test it).

Place in the pipeline: optional back end of :mod:`infoflow.estimators._pairwise`, chosen with
``pairwise_mutual_information(..., device=...)``. The ONLY estimators module that touches torch,
and only inside functions (import-linter ignores ``infoflow.estimators._gpu -> torch``), so
``infoflow.estimators`` imports without torch. Users never import it.

Inputs are what the CPU engine gets: preprocessed (standardised + jittered, or copula-normalised),
lag-aligned float64 arrays. Computation stays in float64 so results match the CPU engine.

* Gaussian copula: correlation matrices from one matrix product; conditional via batched QR.
* KSG: brute force max-norm distances in tiles of rows; the k-th neighbour per row from
  ``torch.kthvalue``, marginal counts by comparisons (``d < eps`` is "strictly inside"). Memory is
  bounded by the tile (``_TILE_ELEMENTS`` distances at a time), never n x n per pair.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from infoflow._validation import InvalidParameterError

_TILE_ELEMENTS = 2**24  # float64 distances held at once per tensor (128 MiB)


def _torch_device(device: str):
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a runtime dependency, but keep the message clear
        raise InvalidParameterError(f"device={device!r} needs PyTorch, which is not installed; use device=None "
                                    "for the numpy/numba engine.") from None
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidParameterError(f"device={device!r}: PyTorch sees no CUDA device on this machine. Use "
                                    "device=None (the CPU engine), or device='cpu' for the torch path on CPU.")
    return torch, torch.device(device)


def _centre(torch, a):
    return a - a.mean(dim=0, keepdim=True)


def _gc_pairwise_mi(torch, X, Y):
    xc, yc = _centre(torch, X), _centre(torch, Y)
    r = (xc.T @ yc) / torch.outer(xc.norm(dim=0), yc.norm(dim=0))
    return -0.5 * torch.log1p(-torch.clamp(r * r, max=1.0))


def _gc_pairwise_cmi(torch, X, Y, Z):
    xc, yc = _centre(torch, X), _centre(torch, Y)
    zc = Z - Z.mean(dim=1, keepdim=True)
    q, rz = torch.linalg.qr(zc)
    diag = torch.diagonal(rz, dim1=1, dim2=2).abs()
    keep = diag > 1e-12 * torch.clamp(diag.max(dim=1, keepdim=True).values, min=1e-300)
    q = q * keep[:, None, :]
    qt = q.transpose(1, 2)
    ry = yc.T - (q @ (qt @ yc.T[:, :, None]))[:, :, 0]
    qx = qt @ xc
    rx2 = (xc * xc).sum(dim=0)[None, :] - (qx * qx).sum(dim=1)
    r = (xc.T @ ry.T) / torch.sqrt(torch.clamp(rx2.T, min=0.0) * (ry * ry).sum(dim=1)[None, :])
    return -0.5 * torch.log1p(-torch.clamp(r * r, max=1.0))


def _row_tile(n: int, m: int) -> int:
    return max(1, min(n, _TILE_ELEMENTS // max(1, m * n)))


def _excluded(torch, start: int, stop: int, n: int, theiler: int, dev):
    rows = torch.arange(start, stop, device=dev)[:, None]
    cols = torch.arange(n, device=dev)[None, :]
    return (rows - cols).abs() <= theiler  # self and the Theiler window


def _ksg_pairwise(torch, X, Y, Z, k: int, theiler: int, dev):
    """KSG MI (Z None) or Frenzel-Pompe CMI of every (X_i, Y_j [| Z_j]) pair, brute force in tiles."""
    n, N = X.shape
    M = Y.shape[1]
    inf = torch.tensor(math.inf, dtype=torch.float64, device=dev)
    # digamma of integer counts from a float64 table (scipy), as the CPU kernels do: torch's
    # vectorised digamma differs by ~1e-8 between code paths, which would make tiles matter
    psi = torch.as_tensor(special.digamma(np.arange(n + 2, dtype=np.float64)), device=dev)
    acc = torch.zeros((N, M), dtype=torch.float64, device=dev)
    tile = _row_tile(n, M * (1 if Z is None else Z.shape[2]))
    for s in range(0, n, tile):
        e = min(n, s + tile)
        excl = _excluded(torch, s, e, n, theiler, dev)  # (B, n)
        dy = (Y[s:e, None, :] - Y[None, :, :]).abs().permute(2, 0, 1)  # (M, B, n)
        if Z is not None:
            dz = (Z[:, s:e, None, :] - Z[:, None, :, :]).abs().amax(dim=-1)  # (M, B, n)
            dyz = torch.maximum(dy, dz)
        for i in range(N):
            dx = (X[s:e, i, None] - X[None, :, i])[None].abs()  # (1, B, n)
            joint = torch.maximum(dx, dy if Z is None else dyz)
            joint = torch.where(excl, inf, joint)
            eps = torch.kthvalue(joint, k, dim=-1).values[..., None]  # (M, B, 1)
            inside = ~excl
            if Z is None:
                nx = ((dx < eps) & inside).sum(-1)
                ny = ((dy < eps) & inside).sum(-1)
                acc[i] += (psi[nx + 1] + psi[ny + 1]).sum(-1)
            else:
                nxz = ((torch.maximum(dx, dz) < eps) & inside).sum(-1)
                nyz = ((dyz < eps) & inside).sum(-1)
                nz = ((dz < eps) & inside).sum(-1)
                acc[i] += (psi[nxz + 1] + psi[nyz + 1] - psi[nz + 1]).sum(-1)
    if Z is None:
        return float(special.digamma(k) + special.digamma(n)) - acc / n
    return float(special.digamma(k)) - acc / n


def pairwise_mi(X: np.ndarray, Y: np.ndarray, *, est: Any, device: str) -> np.ndarray:
    """(N, M) MI matrix on `device`; same contract and numbers as the family's pairwise_mi."""
    torch, dev = _torch_device(device)
    Xt = torch.as_tensor(X, dtype=torch.float64, device=dev)
    Yt = torch.as_tensor(Y, dtype=torch.float64, device=dev)
    if est.method == "gaussian_copula":
        out = _gc_pairwise_mi(torch, Xt, Yt)
        if est.bias_correct:
            from infoflow.estimators.gaussian import _bias_term

            out = out + 2 * _bias_term(1, X.shape[0]) - _bias_term(2, X.shape[0])
    else:
        out = _ksg_pairwise(torch, Xt, Yt, None, est.k, est.theiler, dev)
    return out.cpu().numpy()


def pairwise_cmi(X: np.ndarray, Y: np.ndarray, Z: np.ndarray, *, est: Any, device: str) -> np.ndarray:
    """(N, M) CMI matrix I(X_i; Y_j | Z[j]) on `device` (Z of shape (M, n, dz))."""
    torch, dev = _torch_device(device)
    Xt = torch.as_tensor(X, dtype=torch.float64, device=dev)
    Yt = torch.as_tensor(Y, dtype=torch.float64, device=dev)
    Zt = torch.as_tensor(Z, dtype=torch.float64, device=dev)
    if est.method == "gaussian_copula":
        out = _gc_pairwise_cmi(torch, Xt, Yt, Zt)
        if est.bias_correct:
            from infoflow.estimators.gaussian import _bias_term

            n, dz = X.shape[0], Z.shape[2]
            out = out + 2 * _bias_term(1 + dz, n) - _bias_term(2 + dz, n) - _bias_term(dz, n)
    else:
        out = _ksg_pairwise(torch, Xt, Yt, Zt, est.k, est.theiler, dev)
    return out.cpu().numpy()
