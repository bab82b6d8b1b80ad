"""Synthetic systems with known answers: ground truths for the estimators, the flow engine and the
structure analysis, and nonlinear series for forecasting.

First stage of the pipeline (data). Public: import from ``infoflow.data`` or ``infoflow.data.synthetic``.

- :func:`coupled_ar`: two linear-Gaussian AR(1) processes, X drives Y, with closed-form transfer
  entropy and time-delayed mutual information (derived from the stationary covariances).
- :func:`var_network`: a linear VAR on N nodes with a chosen weight matrix (known edge set).
- :func:`delay_chain`: a layered feed-forward chain with delays and tanh (known roles, layers, edges).
- :func:`parents_network`: N nodes, each with a fixed number of random parents at random lags, as a
  linear VAR or as coupled logistic maps (known parents and lags: the effective network's ground truth).
- :func:`lorenz`, :func:`mackey_glass`: chaotic series as (time, channel) DataArrays.

Every generator takes ``seed=`` (default 0, through ``np.random.default_rng``): same seed, same numbers.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from infoflow._defaults import ACTIVITY_DIMS, DEFAULT_SEED
from infoflow._validation import (
    SEED_CONSTRAINTS,
    Anything,
    Interval,
    InvalidParameterError,
    NoneOK,
    Options,
    Seed,
    check_seed,
    validate_params,
)

__all__ = ["coupled_ar", "coupled_ar_theory", "var_network", "delay_chain", "chain_adjacency", "parents_network",
           "lorenz", "mackey_glass"]

_SEED = SEED_CONSTRAINTS
_REAL = [Interval(float, None, None)]
_NTIME = [Interval(int, 2, None)]


# scipy.signal is avoided on purpose: it takes seconds to import and pulls in scipy.stats, which
# fails when torch is blocked (the torch-free import test of the analysis packages).
def _ar1(drive: np.ndarray, a: float, first: np.ndarray | float) -> np.ndarray:
    """Run ``out[t] = a * out[t-1] + drive[t]`` along axis 0 with ``out[0] = first`` (drive[0] unused)."""
    if drive.ndim == 1:
        values = [float(first)]
        prev = values[0]
        for d in drive[1:].tolist():
            prev = a * prev + d
            values.append(prev)
        return np.asarray(values)
    out = np.empty_like(drive)
    out[0] = first
    for t in range(1, drive.shape[0]):
        out[t] = a * out[t - 1] + drive[t]
    return out


def _stationary_cov(a: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Solve ``S = a S a.T + q`` (spectral radius of a < 1) by the doubling algorithm."""
    s, ak = q.copy(), a.copy()
    for _ in range(100):
        step = ak @ s @ ak.T
        s = s + step
        ak = ak @ ak
        if np.abs(step).max() <= 1e-15 * np.abs(s).max():
            break
    return s


def _seed_attr(seed) -> int | str:
    """Seed as a netCDF-safe attr: the int, or "none" for None / a Generator."""
    return int(seed) if isinstance(seed, numbers.Integral) else "none"


def _check_ar(name: str, a: float, func: str) -> None:
    if not abs(a) < 1:
        raise InvalidParameterError(f"{func}: {name}={a!r} makes the process non-stationary; use |{name}| < 1.")


@validate_params({"coupling": _REAL, "a_x": _REAL, "a_y": _REAL,
                  "noise_x": [Interval(float, 0, None, closed="neither")],
                  "noise_y": [Interval(float, 0, None, closed="neither")]})
def coupled_ar_theory(*, coupling: float = 0.5, a_x: float = 0.5, a_y: float = 0.5, noise_x: float = 1.0,
                      noise_y: float = 1.0) -> dict[str, float]:
    """Closed-form information quantities of :func:`coupled_ar`, in nats.

    Model: ``X_t = a_x X_{t-1} + noise_x e_t``, ``Y_t = a_y Y_{t-1} + c X_{t-1} + noise_y u_t`` with
    independent standard normal ``e, u`` and ``c = coupling``. Stationary moments (solve the
    recursions for the second moments):

    - ``var_x = noise_x**2 / (1 - a_x**2)``
    - ``cov_xy = Cov(X_t, Y_t) = a_x c var_x / (1 - a_x a_y)``
    - ``var_y = (c**2 var_x + 2 a_y c cov_xy + noise_y**2) / (1 - a_y**2)``
    - ``Cov(Y_t, Y_{t-1}) = a_y var_y + c cov_xy``; ``Cov(X_{t-1}, Y_t) = a_y cov_xy + c var_x``;
      ``Cov(Y_{t-1}, X_t) = a_x cov_xy``.

    Transfer entropy with history 1 (Schreiber 2000) is
    ``0.5 ln(Var(Y_t | Y_{t-1}) / Var(Y_t | Y_{t-1}, X_{t-1}))`` with the second variance ``noise_y**2``
    and the first ``var_y - Cov(Y_t, Y_{t-1})**2 / var_y``; ``TE(Y -> X) = 0`` since X ignores Y.
    Gaussian MI is ``-0.5 ln(1 - rho**2)``.

    Returns
    -------
    info : dict
        ``te_x_to_y``, ``te_y_to_x`` (history 1, lag 1), ``tdmi_x_to_y`` = I(X_{t-1}; Y_t),
        ``tdmi_y_to_x`` = I(Y_{t-1}; X_t), ``mi_xy`` = I(X_t; Y_t), and the moments ``var_x``,
        ``var_y``, ``cov_xy``, ``autocov_y`` (lag 1).

    References
    ----------
    Schreiber, T. (2000). Measuring information transfer. PRL 85, 461. doi:10.1103/PhysRevLett.85.461
    Barnett, L., Barrett, A. B., Seth, A. K. (2009). Granger causality and transfer entropy are
    equivalent for Gaussian variables. PRL 103, 238701. doi:10.1103/PhysRevLett.103.238701
    """
    func = "coupled_ar_theory"
    _check_ar("a_x", a_x, func)
    _check_ar("a_y", a_y, func)
    c = coupling
    var_x = noise_x**2 / (1 - a_x**2)
    cov_xy = a_x * c * var_x / (1 - a_x * a_y)
    var_y = (c**2 * var_x + 2 * a_y * c * cov_xy + noise_y**2) / (1 - a_y**2)
    autocov_y = a_y * var_y + c * cov_xy
    cond_var_y = var_y - autocov_y**2 / var_y  # Var(Y_t | Y_{t-1})
    cov_xlag_y = a_y * cov_xy + c * var_x      # Cov(X_{t-1}, Y_t)
    cov_ylag_x = a_x * cov_xy                  # Cov(Y_{t-1}, X_t)

    def gauss_mi(cov: float) -> float:
        return -0.5 * math.log1p(-(cov**2) / (var_x * var_y))

    return {
        "te_x_to_y": 0.5 * math.log(cond_var_y / noise_y**2),
        "te_y_to_x": 0.0,
        "tdmi_x_to_y": gauss_mi(cov_xlag_y),
        "tdmi_y_to_x": gauss_mi(cov_ylag_x),
        "mi_xy": gauss_mi(cov_xy),
        "var_x": var_x, "var_y": var_y, "cov_xy": cov_xy, "autocov_y": autocov_y,
    }


@validate_params({"n_time": _NTIME, "coupling": _REAL, "a_x": _REAL, "a_y": _REAL,
                  "noise_x": [Interval(float, 0, None, closed="neither")],
                  "noise_y": [Interval(float, 0, None, closed="neither")], "seed": _SEED})
def coupled_ar(n_time: int, *, coupling: float = 0.5, a_x: float = 0.5, a_y: float = 0.5, noise_x: float = 1.0,
               noise_y: float = 1.0, seed: Seed = DEFAULT_SEED) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Two coupled linear-Gaussian AR(1) processes where X drives Y, with closed-form answers.

    ``X_t = a_x X_{t-1} + noise_x e_t`` and ``Y_t = a_y Y_{t-1} + coupling X_{t-1} + noise_y u_t``.
    The first sample is drawn from the stationary distribution, so there is no transient.

    Parameters
    ----------
    n_time : int
        Number of time steps (>= 2).
    coupling : float, default=0.5
        Weight of X_{t-1} in Y_t (0: independent processes).
    a_x, a_y : float, default=0.5
        AR coefficients, |a| < 1.
    noise_x, noise_y : float, default=1.0
        Standard deviations of the innovations.
    seed : int or None or Generator, default=0

    Returns
    -------
    x, y : ndarray of shape (n_time,), float64
    info : dict
        Closed-form values in nats from :func:`coupled_ar_theory` (``te_x_to_y``, ``te_y_to_x`` = 0,
        ``tdmi_x_to_y``, ``tdmi_y_to_x``, ``mi_xy``, moments), plus the parameters.

    Examples
    --------
    >>> from infoflow.data import coupled_ar
    >>> x, y, info = coupled_ar(1000, coupling=0.5, seed=0)
    >>> round(info["te_x_to_y"], 4), info["te_y_to_x"]
    (0.1348, 0.0)
    """
    info = coupled_ar_theory(coupling=coupling, a_x=a_x, a_y=a_y, noise_x=noise_x, noise_y=noise_y)
    rng = check_seed(seed)
    cov0 = np.array([[info["var_x"], info["cov_xy"]], [info["cov_xy"], info["var_y"]]])
    x0, y0 = rng.multivariate_normal(np.zeros(2), cov0)
    e = rng.standard_normal((2, n_time - 1))
    x = _ar1(np.concatenate([[0.0], noise_x * e[0]]), a_x, x0)
    y = _ar1(np.concatenate([[0.0], coupling * x[:-1] + noise_y * e[1]]), a_y, y0)
    info.update(coupling=float(coupling), a_x=float(a_x), a_y=float(a_y), noise_x=float(noise_x),
                noise_y=float(noise_y), n_time=int(n_time))
    return x, y, info


def _edge_attrs(adj: np.ndarray, names: list[str], weights: np.ndarray | None = None) -> dict:
    src, tgt = np.nonzero(adj)
    # One string, not a list of strings: netCDF3 (the scipy engine infoflow saves with) cannot store
    # string lists, and analysis results keep their input's attrs.
    attrs = {"edges": ", ".join(f"{names[i]}->{names[j]}" for i, j in zip(src, tgt)),
             "edge_source": [int(i) for i in src], "edge_target": [int(j) for j in tgt]}
    if weights is not None:
        attrs["edge_weight"] = [float(weights[i, j]) for i, j in zip(src, tgt)]
    return attrs


@validate_params({"n_time": _NTIME, "weights": [Anything()], "lag": [Interval(int, 1, None)],
                  "noise": [Interval(float, 0, None, closed="neither")], "n_epoch": [Interval(int, 1, None)],
                  "seed": _SEED})
def var_network(n_time: int, weights: Any, *, lag: int = 1, noise: float = 1.0, n_epoch: int = 1,
                seed: Seed = DEFAULT_SEED) -> xr.DataArray:
    """Linear vector autoregression on N nodes with a known edge set.

    ``X_t[j] = sum_i weights[i, j] X_{t-lag}[i] + noise e_t[j]``: ``weights[i, j]`` is the effect of
    source i on target j (the flow matrices' (source, target) order); nonzero entries are the edges.
    Initial states are drawn from the stationary distribution (discrete Lyapunov equation).

    Parameters
    ----------
    n_time : int
    weights : array-like of shape (N, N)
        Spectral radius below 1 (stationarity). Diagonal entries are self-coupling, not edges.
    lag : int, default=1
    noise : float, default=1.0
        Innovation standard deviation.
    n_epoch : int, default=1
        Independent realisations.
    seed : int or None or Generator, default=0

    Returns
    -------
    activity : DataArray of shape (n_epoch, n_time, N)
        Dims ("epoch", "time", "neuron"), neurons ``n0..n{N-1}``, ``role`` = "hidden"; attrs
        ``edges`` (one string "n0->n2, n1->n2, ..."; ``.split(", ")`` for a list), ``edge_source``,
        ``edge_target``, ``edge_weight`` (flat lists aligned with the edges), ``lag``,
        ``noise``, ``seed``, ``weights`` (row-major flat list).
    """
    func = "var_network"
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{func}: weights must be a numeric (N, N) matrix; got {weights!r}.") from None
    if w.ndim != 2 or w.shape[0] != w.shape[1] or w.shape[0] < 1:
        raise InvalidParameterError(f"{func}: weights must be a square (N, N) matrix; got shape {w.shape}.")
    if not np.isfinite(w).all():
        raise InvalidParameterError(f"{func}: weights contain NaN/inf.")
    radius = float(np.max(np.abs(np.linalg.eigvals(w)))) if w.size else 0.0
    if radius >= 1:
        raise InvalidParameterError(f"{func}: weights have spectral radius {radius:.3g} >= 1, so the process "
                                    "explodes. Scale the weights down (e.g. by 0.5 / radius).")
    rng = check_seed(seed)
    n = w.shape[0]
    sigma = _stationary_cov(w.T, noise**2 * np.eye(n))  # stationary covariance of X_t
    chol = np.linalg.cholesky(sigma + 1e-12 * np.eye(n))
    x = np.empty((n_epoch, n_time, n))
    for e in range(n_epoch):
        start = min(lag, n_time)
        x[e, :start] = rng.standard_normal((start, n)) @ chol.T
        eps = noise * rng.standard_normal((n_time, n))
        for t in range(lag, n_time):
            x[e, t] = x[e, t - lag] @ w + eps[t]
    names = [f"n{i}" for i in range(n)]
    adj = (w != 0) & ~np.eye(n, dtype=bool)
    attrs = {"long_name": "VAR network activity", "units": "a.u.", "system": "var_network", "lag": int(lag),
             "noise": float(noise), "seed": _seed_attr(seed),
             "weights": [float(v) for v in w.ravel()], **_edge_attrs(adj, names, w)}
    return xr.DataArray(x, dims=ACTIVITY_DIMS, name="activity",
                        coords={"epoch": np.arange(n_epoch), "time": np.arange(n_time), "neuron": names,
                                "role": ("neuron", ["hidden"] * n)}, attrs=attrs)


@validate_params({"n_layers": [Interval(int, 2, None)], "units_per_layer": [Interval(int, 1, None)]})
def chain_adjacency(n_layers: int = 4, units_per_layer: int = 3) -> np.ndarray:
    """True adjacency of :func:`delay_chain`: every unit of layer l drives every unit of layer l+1.

    Returns
    -------
    adjacency : ndarray of bool, shape (N, N), N = n_layers * units_per_layer
        ``adjacency[source, target]``; neuron ``i`` is in layer ``i // units_per_layer``.
    """
    layer = np.repeat(np.arange(n_layers), units_per_layer)
    return layer[None, :] == layer[:, None] + 1


@validate_params({"n_time": _NTIME, "n_layers": [Interval(int, 2, None)], "units_per_layer": [Interval(int, 1, None)],
                  "delay": [Interval(int, 1, None)], "gain": [Interval(float, 0, None, closed="neither")],
                  "noise": [Interval(float, 0, None)], "n_epoch": [Interval(int, 1, None)],
                  "driver_ar": [Interval(float, 0, 1, closed="left")], "seed": _SEED})
def delay_chain(n_time: int, *, n_layers: int = 4, units_per_layer: int = 3, delay: int = 1, gain: float = 0.8,
                noise: float = 0.3, n_epoch: int = 1, driver_ar: float = 0.5,
                seed: Seed = DEFAULT_SEED) -> xr.DataArray:
    """Layered feed-forward chain with delays: known direction, known layers, known edges.

    Layer 0 ("input") units are independent unit-variance AR(1) drivers. Each unit j of layer
    l >= 1 is ``tanh(gain * z_j(t)) + noise * e_j(t)`` where ``z_j(t)`` is the standardised sum
    ``sum_i W[i, j] x_i(t - delay)`` over the units i of layer l-1 (fixed seeded weights, magnitudes
    in [0.5, 1.5] with random signs), and ``e`` is independent standard normal noise. So
    information travels only forwards, one layer per `delay` steps; the last layer is "output".

    Parameters
    ----------
    n_time : int
    n_layers : int, default=4
    units_per_layer : int, default=3
    delay : int, default=1
        Steps from a unit to the units of the next layer.
    gain : float, default=0.8
        Slope of the tanh relative to the standardised input (larger: more saturation).
    noise : float, default=0.3
        Standard deviation of each non-input unit's private noise.
    n_epoch : int, default=1
        Independent realisations (same weights).
    driver_ar : float, default=0.5
        AR(1) coefficient of the input drivers (0: white input, sharpest lag structure).
    seed : int or None or Generator, default=0

    Returns
    -------
    activity : DataArray of shape (n_epoch, n_time, n_layers * units_per_layer)
        Dims ("epoch", "time", "neuron"), neuron ids ``n0, n1, ...`` layer by layer; coords
        ``role`` (input / hidden / output) and ``layer`` (true layer index). Attrs: ``edges``
        (one string "n0->n3, n0->n4, ..."; ``.split(", ")`` for a list), ``edge_source``,
        ``edge_target``, ``edge_weight`` (flat lists aligned with the edges; all netCDF3 safe),
        ``delay``, ``gain``, ``noise``, ``seed``. :func:`chain_adjacency` gives the matrix.

    Examples
    --------
    >>> from infoflow.data import delay_chain
    >>> act = delay_chain(500, n_layers=3, units_per_layer=2)
    >>> act.dims, act.role.values.tolist(), act.attrs["edges"].split(", ")[:2]
    (('epoch', 'time', 'neuron'), ['input', 'input', 'hidden', 'hidden', 'output', 'output'], ['n0->n2', 'n0->n3'])
    """
    rng = check_seed(seed)
    u = units_per_layer
    n = n_layers * u
    offset = (n_layers - 1) * delay  # steps before the last layer has a defined input
    total = n_time + offset
    adj = chain_adjacency(n_layers, u)
    wmat = np.where(adj, rng.uniform(0.5, 1.5, (n, n)) * rng.choice([-1.0, 1.0], (n, n)), 0.0)
    x = np.full((n_epoch, total, n), np.nan)
    drive = rng.standard_normal((n_epoch, total, u)) * math.sqrt(1 - driver_ar**2)
    first = rng.standard_normal((n_epoch, u))  # stationary start of each unit-variance driver
    x[:, :, :u] = _ar1(drive.transpose(1, 0, 2), driver_ar, first).transpose(1, 0, 2)
    for layer in range(1, n_layers):
        src = slice((layer - 1) * u, layer * u)
        tgt = slice(layer * u, (layer + 1) * u)
        z = x[:, :-delay, src] @ wmat[src, tgt]  # z[:, t] drives time t + delay
        valid = z[:, layer * delay - delay:]
        z = (z - valid.mean(axis=(0, 1))) / valid.std(axis=(0, 1))
        x[:, delay:, tgt] = np.tanh(gain * z) + noise * rng.standard_normal(z.shape)
    x = x[:, offset:]
    names = [f"n{i}" for i in range(n)]
    layers = np.repeat(np.arange(n_layers), u)
    roles = ["input" if lay == 0 else "output" if lay == n_layers - 1 else "hidden" for lay in layers]
    attrs = {"long_name": "delay-chain activity", "units": "a.u.", "system": "delay_chain", "delay": int(delay),
             "gain": float(gain), "noise": float(noise), "driver_ar": float(driver_ar), "n_layers": int(n_layers),
             "units_per_layer": int(u), "seed": _seed_attr(seed),
             **_edge_attrs(adj, names, wmat)}
    return xr.DataArray(x, dims=ACTIVITY_DIMS, name="activity",
                        coords={"epoch": np.arange(n_epoch), "time": np.arange(n_time), "neuron": names,
                                "role": ("neuron", roles), "layer": ("neuron", layers)}, attrs=attrs)


@validate_params({"n_time": _NTIME, "n_nodes": [Interval(int, 2, None)], "n_parents": [Interval(int, 0, None)],
                  "lags": [Anything()], "kind": [Options("var", "logistic")],
                  "coupling": [Interval(float, 0, 1, closed="neither")],
                  "self_coupling": [Interval(float, 0, 1, closed="left")],
                  "noise": [Interval(float, 0, None), NoneOK()],
                  "seed": _SEED})
def parents_network(n_time: int, n_nodes: int = 10, *, n_parents: int = 2, lags: Sequence[int] = (1, 2, 3),
                    kind: str = "var", coupling: float = 0.5, self_coupling: float = 0.3, noise: float | None = None,
                    seed: Seed = DEFAULT_SEED) -> xr.DataArray:
    """N nodes, each driven by `n_parents` other nodes chosen at random, each at its own random lag.

    The ground truth of a multivariate (effective) network inference: every node's direct parents and
    their lags are known, and the graph has the indirect paths and common drivers that bivariate
    measures mistake for links.

    * ``kind="var"``: ``x_j(t) = self_coupling x_j(t-1) + sum_i w_ij x_i(t - l_ij) + noise e_j(t)``,
      ``|w_ij| = coupling / n_parents`` with random signs. Each node's coefficients sum (in absolute
      value) below 1, so the process is stable whatever the cycles.
    * ``kind="logistic"``: coupled logistic maps, ``g(x) = 4 x (1 - x)``,
      ``x_j(t) = [(1 - coupling) g(x_j(t-1)) + coupling mean_i g(x_i(t - l_ij)) + noise e_j(t)] mod 1``
      (chaotic, nonlinear coupling; ``self_coupling`` is not used).

    Parameters
    ----------
    n_time : int
    n_nodes : int, default=10
    n_parents : int, default=2
        Parents per node (fewer than n_nodes), drawn without replacement among the other nodes.
    lags : sequence of int, default=(1, 2, 3)
        Each edge's lag is drawn uniformly from these.
    kind : {"var", "logistic"}, default="var"
    coupling : float in (0, 1), default=0.5
    self_coupling : float in [0, 1), default=0.3
        VAR only; ``self_coupling + coupling`` must stay below 1.
    noise : float or None, default=None
        Innovation standard deviation; None: 1.0 (VAR) or 0.1 (logistic).
    seed : int or None or Generator, default=0

    Returns
    -------
    activity : DataArray of shape (1, n_time, n_nodes)
        Dims ("epoch", "time", "neuron"), neurons ``n0..``, role "hidden"; attrs ``edges``,
        ``edge_source``, ``edge_target``, ``edge_weight`` as for :func:`var_network`, plus
        ``edge_lag`` (aligned with the edges), ``kind``, ``coupling``, ``noise``, ``seed``.
    """
    func = "parents_network"
    if n_parents >= n_nodes:
        raise InvalidParameterError(f"{func}: n_parents={n_parents} must be below n_nodes={n_nodes}.")
    try:
        lag_set = tuple(int(v) for v in lags)
    except TypeError:
        raise InvalidParameterError(f"{func}: lags must be a sequence of ints >= 1; got {lags!r}.") from None
    if not lag_set or min(lag_set) < 1:
        raise InvalidParameterError(f"{func}: lags must be a non-empty sequence of ints >= 1; got {lags!r}.")
    if kind == "var" and self_coupling + coupling >= 1:
        raise InvalidParameterError(f"{func}: self_coupling + coupling = {self_coupling + coupling:.3g} must stay "
                                    "below 1 (stability).")
    noise = (1.0 if kind == "var" else 0.1) if noise is None else float(noise)
    rng = check_seed(seed)
    n = n_nodes
    weight = np.zeros((n, n))
    lag = np.zeros((n, n), dtype=np.int64)
    for j in range(n):
        parents = rng.choice([i for i in range(n) if i != j], size=n_parents, replace=False)
        for i in parents:
            weight[i, j] = coupling / max(n_parents, 1) * rng.choice([-1.0, 1.0])
            lag[i, j] = rng.choice(lag_set)
    burn = 10 * max(lag_set) + 100
    total = n_time + burn
    x = np.empty((total, n))
    m = max(lag_set)
    x[:m] = rng.uniform(0.0, 1.0, (m, n)) if kind == "logistic" else rng.standard_normal((m, n))
    eps = noise * rng.standard_normal((total, n))
    src, tgt = np.nonzero(weight)
    for t in range(m, total):
        if kind == "var":
            drive = np.zeros(n)
            np.add.at(drive, tgt, weight[src, tgt] * x[t - lag[src, tgt], src])
            x[t] = self_coupling * x[t - 1] + drive + eps[t]
        else:
            own = 4.0 * x[t - 1] * (1.0 - x[t - 1])
            par = x[t - lag[src, tgt], src]
            drive = np.zeros(n)
            np.add.at(drive, tgt, 4.0 * par * (1.0 - par))
            x[t] = np.mod((1 - coupling) * own + coupling * drive / max(n_parents, 1) + eps[t], 1.0)
    x = x[burn:]
    names = [f"n{i}" for i in range(n)]
    adj = weight != 0
    attrs = {"long_name": "parents-network activity", "units": "a.u.", "system": "parents_network", "kind": kind,
             "coupling": float(coupling), "noise": noise, "seed": _seed_attr(seed),
             **_edge_attrs(adj, names, weight), "edge_lag": [int(v) for v in lag[adj]]}
    return xr.DataArray(x[None], dims=ACTIVITY_DIMS, name="activity",
                        coords={"epoch": [0], "time": np.arange(n_time), "neuron": names,
                                "role": ("neuron", ["hidden"] * n)}, attrs=attrs)


def _series(values: np.ndarray, channels: list[str], attrs: dict) -> xr.DataArray:
    return xr.DataArray(values, dims=("time", "channel"), name="series",
                        coords={"time": np.arange(values.shape[0]), "channel": channels}, attrs=attrs)


@validate_params({"n_time": _NTIME, "dt": [Interval(float, 0, None, closed="neither")],
                  "subsample": [Interval(int, 1, None)], "sigma": _REAL, "rho": _REAL, "beta": _REAL,
                  "noise": [Interval(float, 0, None)], "seed": _SEED})
def lorenz(n_time: int, *, dt: float = 0.01, subsample: int = 10, sigma: float = 10.0, rho: float = 28.0,
           beta: float = 8.0 / 3.0, noise: float = 0.0, seed: Seed = DEFAULT_SEED) -> xr.DataArray:
    """Lorenz-63 system, RK4-integrated, sampled every ``dt * subsample`` time units.

    The seeded start point is run through a 20-time-unit transient first, so samples lie on the
    attractor.

    Parameters
    ----------
    n_time : int
    dt : float, default=0.01
        Integration step.
    subsample : int, default=10
        Integration steps per returned sample.
    sigma, rho, beta : float, default=10, 28, 8/3
    noise : float, default=0.0
        Standard deviation of Gaussian observation noise added to every channel.
    seed : int or None or Generator, default=0

    Returns
    -------
    series : DataArray of shape (n_time, 3)
        Dims ("time", "channel"), channels ["x", "y", "z"], integer time steps.
    """
    rng = check_seed(seed)
    x, y, z = (np.array([1.0, 1.0, 20.0]) + rng.standard_normal(3)).tolist()

    def f(x: float, y: float, z: float) -> tuple[float, float, float]:
        return sigma * (y - x), x * (rho - z) - y, x * y - beta * z

    burn = int(math.ceil(20.0 / dt))
    out = np.empty((n_time, 3))
    h = dt
    for step in range(burn + n_time * subsample):
        if step >= burn and (step - burn) % subsample == 0:
            out[(step - burn) // subsample] = (x, y, z)
        k1 = f(x, y, z)
        k2 = f(x + h / 2 * k1[0], y + h / 2 * k1[1], z + h / 2 * k1[2])
        k3 = f(x + h / 2 * k2[0], y + h / 2 * k2[1], z + h / 2 * k2[2])
        k4 = f(x + h * k3[0], y + h * k3[1], z + h * k3[2])
        x += h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        y += h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        z += h / 6 * (k1[2] + 2 * k2[2] + 2 * k3[2] + k4[2])
    if noise > 0:
        out += noise * rng.standard_normal(out.shape)
    attrs = {"long_name": "Lorenz-63 state", "units": "a.u.", "system": "lorenz", "dt": float(dt),
             "subsample": int(subsample), "sample_interval": float(dt * subsample), "sigma": float(sigma),
             "rho": float(rho), "beta": float(beta), "noise": float(noise),
             "seed": _seed_attr(seed)}
    return _series(out, ["x", "y", "z"], attrs)


@validate_params({"n_time": _NTIME, "tau": [Interval(float, 0, None, closed="neither")],
                  "beta": _REAL, "gamma": _REAL, "exponent": _REAL,
                  "dt": [Interval(float, 0, None, closed="neither")], "subsample": [Interval(int, 1, None)],
                  "noise": [Interval(float, 0, None)], "seed": _SEED})
def mackey_glass(n_time: int, *, tau: float = 17, beta: float = 0.2, gamma: float = 0.1, exponent: float = 10.0,
                 dt: float = 0.1, subsample: int = 10, noise: float = 0.0, seed: Seed = DEFAULT_SEED) -> xr.DataArray:
    """Mackey-Glass delay differential equation ``dx/dt = beta x(t-tau) / (1 + x(t-tau)^exponent) - gamma x``.

    Integrated with RK4 on a grid of step `dt` (the delayed term at half steps is the mean of its
    two grid neighbours), after a transient of 50 * tau time units from a seeded constant-plus-noise
    history; sampled every ``dt * subsample`` time units (default: 1). tau=17 is mildly chaotic.

    Parameters
    ----------
    n_time : int
    tau : float, default=17
        Delay; rounded to a whole number of steps ``dt``.
    beta, gamma, exponent : float, default=0.2, 0.1, 10
    dt : float, default=0.1
    subsample : int, default=10
    noise : float, default=0.0
        Standard deviation of Gaussian observation noise.
    seed : int or None or Generator, default=0

    Returns
    -------
    series : DataArray of shape (n_time, 1)
        Dims ("time", "channel"), channel ["x"], integer time steps.
    """
    rng = check_seed(seed)
    lag = max(1, int(round(tau / dt)))
    burn = int(math.ceil(50 * tau / dt))
    total = burn + n_time * subsample
    buf = (1.2 + 0.05 * rng.standard_normal(lag + 1)).tolist() + [0.0] * total

    def f(x: float, xd: float) -> float:
        return beta * xd / (1.0 + xd**exponent) - gamma * x

    h = dt
    for i in range(lag, lag + total):
        x, xd, xd_next = buf[i], buf[i - lag], buf[i - lag + 1]
        xd_mid = 0.5 * (xd + xd_next)
        k1 = f(x, xd)
        k2 = f(x + h / 2 * k1, xd_mid)
        k3 = f(x + h / 2 * k2, xd_mid)
        k4 = f(x + h * k3, xd_next)
        buf[i + 1] = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    out = np.asarray(buf[lag + 1 + burn: lag + 1 + total: subsample], dtype=np.float64)[:, None]
    if noise > 0:
        out += noise * rng.standard_normal(out.shape)
    attrs = {"long_name": "Mackey-Glass series", "units": "a.u.", "system": "mackey_glass", "tau": float(tau),
             "beta": float(beta), "gamma": float(gamma), "exponent": float(exponent), "dt": float(dt),
             "subsample": int(subsample), "sample_interval": float(dt * subsample), "noise": float(noise),
             "seed": _seed_attr(seed)}
    return _series(out, ["x"], attrs)
