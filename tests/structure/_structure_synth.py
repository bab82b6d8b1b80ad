"""Synthetic flow networks with known layers, built in numpy, for the structure tests."""

from __future__ import annotations

import numpy as np
import xarray as xr


def layer_labels(n_layers: int, units: int) -> np.ndarray:
    return np.repeat(np.arange(n_layers), units)


def roles_for(n_layers: int, units: int) -> list[str]:
    lab = layer_labels(n_layers, units)
    return ["input" if v == 0 else "output" if v == n_layers - 1 else "hidden" for v in lab]


def layered_dag(n_layers: int, units: int, rng: np.random.Generator, *, noise: float = 0.05) -> np.ndarray:
    """Weights ~U(0.7, 1.3) from every unit of layer l to every unit of layer l+1, plus U(0, noise) everywhere."""
    lab = layer_labels(n_layers, units)
    w = np.where(lab[None, :] == lab[:, None] + 1, rng.uniform(0.7, 1.3, (lab.size, lab.size)), 0.0)
    w = w + noise * rng.random(w.shape)
    np.fill_diagonal(w, 0.0)
    return w


def simulate_layered_rnn(n_layers: int, units: int, n_time: int, rng: np.random.Generator) -> np.ndarray:
    """Run x_{t+1} = tanh(0.3 x_t + A^T x_t) + noise, A feeding layer l into layer l+1; returns (n_time, N)."""
    lab = layer_labels(n_layers, units)
    n = lab.size
    a = np.where(lab[None, :] == lab[:, None] + 1, rng.uniform(0.8, 1.2, (n, n)) / np.sqrt(units), 0.0)
    x = np.zeros((n_time + 100, n))
    eps = rng.standard_normal(x.shape) * 0.5
    for t in range(x.shape[0] - 1):
        x[t + 1] = np.tanh(0.3 * x[t] + x[t] @ a) + eps[t + 1]
    return x[100:]


def gaussian_te_matrix(x: np.ndarray) -> np.ndarray:
    """Linear-Gaussian transfer entropy TE_ij = 0.5 ln(var(e_j | past_j) / var(e_j | past_j, x_i)), numpy OLS."""
    past, fut = x[:-1], x[1:]
    n = x.shape[1]
    te = np.zeros((n, n))
    ones = np.ones(len(past))

    def resid_var(cols, y):
        design = np.column_stack([ones, *cols])
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        return np.var(y - design @ beta)

    for j in range(n):
        base = resid_var([past[:, j]], fut[:, j])
        for i in range(n):
            if i != j:
                te[i, j] = 0.5 * np.log(base / resid_var([past[:, j], past[:, i]], fut[:, j]))
    return te


def flow_dataset(w: np.ndarray, roles: list[str] | None = None, significant: np.ndarray | None = None,
                 epochs: int | None = None, lags: int = 2) -> xr.Dataset:
    """A flow Dataset with the schema of docs/design.md built around the matrix ``w`` (or (epoch, N, N))."""
    w = np.asarray(w, dtype=float)
    n = w.shape[-1]
    ids = [f"h{i}" for i in range(n)]
    roles = roles or ["hidden"] * n
    sig = (w > 0.5 * w.max()) if significant is None else significant
    st = ("source", "target")
    dims = st if w.ndim == 2 else ("epoch", *st)
    te = np.array(w)
    for m in [te] if w.ndim == 2 else list(te):
        np.fill_diagonal(m, np.nan)
    flow = np.stack([w * (k + 1) / lags for k in range(lags)], axis=-3)
    fdims = ("lag", *st) if w.ndim == 2 else ("epoch", "lag", *st)
    ds = xr.Dataset(
        {"te": (dims, te, {"long_name": "transfer entropy", "units": "nat"}),
         "flow": (fdims, flow, {"units": "nat"}),
         "net_flow": (dims, w - np.swapaxes(w, -1, -2), {"units": "nat"}),
         "pvalue": (dims, np.where(sig, 0.001, 0.5)),
         "significant": (dims, np.asarray(sig, dtype=bool))},
        coords={"source": ids, "target": ids, "lag": np.arange(1, lags + 1),
                "source_role": ("source", roles), "target_role": ("target", roles)},
        attrs={"estimator": "gaussian_copula", "model": "synthetic"})
    if w.ndim == 3:
        ds = ds.assign_coords(epoch=np.arange(w.shape[0]))
    return ds
