"""Progression: how far downstream each neuron sits in the flow network.

Pipeline place: ``flow`` -> **structure** (this module) -> ``report``. Users call
:func:`infoflow.structure.progression`; the private solvers here are shared by the direction and
layer analyses and their null models.

Three methods, each one sparse Laplacian solve:

* ``"trophic"``: generalised trophic levels (MacKay, Johnson & Sansom 2020) of the graph of
  significant flows; with trophic incoherence F0.
* ``"hodge"``: HodgeRank least-squares potential of the antisymmetric net flow matrix
  (Jiang, Lim, Yao & Ye 2011), every pair weighted by the flow it exchanges; raw flow values,
  no significance mask.
* ``"springrank"``: SpringRank (De Bacco, Larremore & Moore 2018) of the raw, unthresholded
  non-negative flow matrix, with its ridge term.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import spsolve

from infoflow._defaults import DEFAULT_RIDGE
from infoflow._validation import Anything, InfoflowWarning, InstanceOf, Interval, NoneOK, Options, validate_params
from infoflow.structure._input import WEIGHTS, read_flow

METHODS = ("trophic", "hodge", "springrank")


def _grounded_solve(lap: sp.csr_matrix, rhs: np.ndarray, labels: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Solve the singular Laplacian system once, grounding one node per connected component.

    A graph Laplacian's null space holds one constant vector per (weakly) connected component, so
    fixing one node to 0 in each component makes the reduced system non-singular; the gauge is then
    reset by the caller. Inactive (isolated) nodes get NaN.
    """
    n = lap.shape[0]
    h = np.full(n, np.nan)
    grounded = np.zeros(n, dtype=bool)
    for c in np.unique(labels[active]):
        grounded[np.flatnonzero((labels == c) & active)[0]] = True
    keep = np.flatnonzero(active & ~grounded)
    h[grounded] = 0.0
    if keep.size:
        sub = lap[keep][:, keep].tocsc()
        h[keep] = np.atleast_1d(spsolve(sub, rhs[keep]))
    return h


def _components(sym: np.ndarray):
    n_comp, labels = connected_components(sp.csr_matrix(sym > 0), directed=False)
    active = sym.sum(axis=1) > 0
    return labels, active


def trophic_levels(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw generalised trophic levels (one edge = one level), min 0 in each weakly connected component.

    Solves Lambda h = v with Lambda = diag(u) - W - W^T, u = in + out strength, v = in - out strength
    (MacKay, Johnson & Sansom 2020, eq. 2.4). networkx's ``trophic_levels`` implements the older
    definition (Levine 1980; Johnson et al. 2014), which needs basal nodes with no incoming edge and
    raises on fully recurrent graphs, so it does not fit RNN flow graphs.
    """
    sym = w + w.T
    u = sym.sum(axis=1)
    v = w.sum(axis=0) - w.sum(axis=1)
    labels, active = _components(sym)
    lap = sp.csr_matrix(np.diag(u) - sym)
    h = _grounded_solve(lap, v, labels, active)
    for c in np.unique(labels[active]):
        idx = (labels == c) & active
        h[idx] -= h[idx].min()
    return h, labels, active


def incoherence(w: np.ndarray, h: np.ndarray) -> float:
    """Trophic incoherence F0 = sum w_ij (h_j - h_i - 1)^2 / sum w_ij (0: perfectly layered, 1: no direction)."""
    total = w.sum()
    if total <= 0:
        return float("nan")
    hh = np.nan_to_num(h)
    diff = hh[None, :] - hh[:, None] - 1.0
    return float((w * diff**2).sum() / total)


def downhill_fraction(w: np.ndarray, h: np.ndarray) -> float:
    """Fraction of total edge weight running from lower to higher progression (ties count half)."""
    total = w.sum()
    if total <= 0:
        return float("nan")
    hh = np.nan_to_num(h)
    d = hh[None, :] - hh[:, None]
    return float(((w * (d > 0)).sum() + 0.5 * (w * (d == 0)).sum()) / total)


def hodge_potential(net: np.ndarray, pair: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HodgeRank potential h minimising sum_{i<j} w_ij (h_j - h_i - F_ij)^2, mean 0 per component.

    ``net`` is the antisymmetric net flow F, ``pair`` the symmetric pair weight w_ij = W_ij + W_ji
    (the total flow exchanged by the pair), so pairs that exchange nothing do not pull their
    potentials together: with w_ij = 1 everywhere two layers with equal in- and out-flow would get
    the same potential. Normal equations: (diag(w 1) - w) h = sum_i w_ij F_ij (Jiang et al. 2011, eq. 13).
    """
    pair = pair.copy()
    np.fill_diagonal(pair, 0.0)
    lap = sp.csr_matrix(np.diag(pair.sum(axis=1)) - pair)
    labels, active = _components(pair)
    rhs = (pair * net).sum(axis=0)
    h = _grounded_solve(lap, rhs, labels, active)
    for c in np.unique(labels[active]):
        idx = (labels == c) & active
        h[idx] -= h[idx].mean()
    return h, labels, active


def spring_rank(w: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SpringRank with ridge ``ridge`` (relative to the mean strength), downstream = higher.

    Energy sum_ij w_ij (h_j - h_i - 1)^2 / 2 + ridge' sum_i h_i^2 / 2 (De Bacco et al. 2018, eq. 4,
    with edges oriented source -> target so targets rank higher). Its linear system is
    (Lambda + ridge' I) h = v, the trophic-level system plus a ridge: with ridge = 0 on the
    significant graph it equals trophic levels (MacKay et al. 2020, section 2).
    """
    sym = w + w.T
    u = sym.sum(axis=1)
    v = w.sum(axis=0) - w.sum(axis=1)
    labels, active = _components(sym)
    if ridge > 0 and active.any():
        lap = sp.csr_matrix(np.diag(u) - sym + ridge * u[active].mean() * np.eye(len(u)))
        h = np.full(len(u), np.nan)
        idx = np.flatnonzero(active)
        h[idx] = np.atleast_1d(spsolve(lap[idx][:, idx].tocsc(), v[idx]))
    else:
        h = _grounded_solve(sp.csr_matrix(np.diag(u) - sym), v, labels, active)
    for c in np.unique(labels[active]):
        idx = (labels == c) & active
        h[idx] -= h[idx].min()
    return h, labels, active


def raw_progression(fi, method: str, ridge: float = DEFAULT_RIDGE):
    if method == "trophic":
        return trophic_levels(fi.graph)
    if method == "hodge":
        return hodge_potential(fi.net, fi.raw + fi.raw.T)
    return spring_rank(fi.raw, ridge)


def normalise(h: np.ndarray, roles: list[str] | None) -> tuple[np.ndarray, str]:
    """Shift and positively scale ``h`` so inputs' mean is 0 and outputs' mean is +-1; else min 0 / max 1.

    The scale is never negative, so normalising can never reverse the order it is meant to test.
    """
    h = h.astype(np.float64, copy=True)
    finite = np.isfinite(h)
    if not finite.any():
        return h, "none (no finite values)"
    if roles is not None:
        r = np.asarray(roles)
        ins, outs = finite & (r == "input"), finite & (r == "output")
        if ins.any() and outs.any():
            m_in, m_out = h[ins].mean(), h[outs].mean()
            span = abs(m_out - m_in)
            if span > 1e-12 * max(1.0, np.abs(h[finite]).max()):
                out = (h - m_in) / span
                if m_out >= m_in:
                    return out, "inputs mean 0, outputs mean 1"
                return out, "inputs mean 0, outputs mean -1 (outputs sit upstream of inputs)"
    lo, hi = h[finite].min(), h[finite].max()
    if hi - lo <= 0:
        out = np.where(finite, 0.0, np.nan)
        return out, "min 0 (all finite values equal)"
    return (h - lo) / (hi - lo), "min 0, max 1"


_normalise = normalise  # inside progression() its keyword normalise= (a bool) hides the function


_CONSTRAINTS: dict[str, Sequence] = {  # one list of constraints per parameter
    "flow": [Anything()],
    "method": [Options(*METHODS)],
    "roles": [NoneOK(), InstanceOf(list, tuple, np.ndarray)],
    "significant": [NoneOK(), Anything()],
    "weight": [Options(*WEIGHTS)],
    "ridge": [Interval(float, 0, None)],
    "normalise": [InstanceOf(bool)],
}


@validate_params(_CONSTRAINTS)
def progression(flow: Any, method: str = "trophic", *, roles: Any = None, significant: Any = None,
                weight: str = "te", ridge: float = DEFAULT_RIDGE, normalise: bool = True) -> Any:
    """Progression of each neuron along the network: how far downstream it sits.

    Parameters
    ----------
    flow : xarray.Dataset, xarray.DataArray or array-like of shape (N, N)
        The flow Dataset of :func:`infoflow.flow.information_flow` (``weight`` variable and
        ``significant`` mask are read; an ``epoch`` dim gives one progression per epoch), a
        (source, target) DataArray, or a plain matrix with sources on rows and targets on columns
        (an array of shape (n_epoch, N, N) is read as epochs).
    method : {"trophic", "hodge", "springrank"}, default="trophic"
        ``"trophic"``: generalised trophic levels of the graph of significant flows (weights: the
        flow values on significant edges). ``"hodge"``: least-squares potential of the net flow,
        each pair weighted by the flow it exchanges (raw values, no significance mask).
        ``"springrank"``: SpringRank of the raw
        non-negative flow matrix, regularised by ``ridge``.
    roles : sequence of {"input", "hidden", "output"} or None, default=None
        One per neuron; read from ``source_role`` when the flow is labelled.
    significant : bool array of shape (N, N) or None, default=None
        Which edges count for ``"trophic"``; the Dataset's ``significant`` when None, else all.
    weight : {"te", "flow", "net_flow"}, default="te"
        Dataset variable used as edge weight; ``flow`` is maximised over ``lag``, negatives are
        clipped to 0 (noise), the diagonal is dropped.
    ridge : float, default=0.1
        SpringRank ridge, relative to the mean node strength; ignored by other methods.
    normalise : bool, default=True
        Shift and positively scale so inputs' mean is 0 and outputs' mean is 1 (when both roles
        exist), else min 0 / max 1. The rule used is in attrs ``normalisation``.

    Returns
    -------
    progression : ndarray of shape (N,) or (n_epoch, N), or DataArray
        Dimensionless; ndarray for array input, else a DataArray with dims ``neuron`` (or
        ``epoch, neuron``), coord ``role`` and attrs ``method``, ``normalisation``, ``weight``,
        ``n_components``, ``isolated`` (comma-separated ids or "none"), ``notes`` and, for ``"trophic"``,
        ``trophic_incoherence`` (for ``"springrank"``, ``ridge``). Neurons with
        no significant flow have NaN (``"trophic"``/``"springrank"``), with an InfoflowWarning.

    Notes
    -----
    Trophic levels and SpringRank count edges: a strong feed-forward edge is one level whatever its
    size. A HodgeRank step equals the net flow itself (nats), so layers joined by weak flow sit
    close together; prefer ``"trophic"`` for counting layers. Each weakly connected component is solved separately with
    its own gauge (min 0); values in
    different components are not comparable, which a warning says. The solve is one sparse
    Laplacian system, so relabelling neurons permutes the result and nothing else.

    References
    ----------
    MacKay, Johnson & Sansom (2020) How directed is a directed network? R. Soc. Open Sci. 7:201138,
    doi:10.1098/rsos.201138. Jiang, Lim, Yao & Ye (2011) Statistical ranking and combinatorial Hodge
    theory, Math. Program. 127:203, doi:10.1007/s10107-010-0419-x. De Bacco, Larremore & Moore (2018)
    A physical model for efficient ranking in networks, Sci. Adv. 4:eaar8260, doi:10.1126/sciadv.aar8260.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]], dtype=float)
    >>> progression(w).round(2).tolist()
    [0.0, 0.5, 1.0]
    """
    import xarray as xr

    func = "progression"
    data = read_flow(flow, weight=weight, roles=roles, significant=significant, func=func, allow_epochs=True)
    items = data if isinstance(data, list) else [(None, data)]
    values, notes, comps, isolated, f0s, norm_rules = [], [], [], [], [], []
    for _, fi in items:
        h, labels, active = raw_progression(fi, method, ridge)
        if method == "trophic":
            f0s.append(incoherence(fi.graph, h))
        n_comp = len(np.unique(labels[active])) if active.any() else 0
        iso = [fi.neurons[i] for i in np.flatnonzero(~np.isfinite(h))]
        out, rule = _normalise(h, fi.roles) if normalise else (h, "none (raw levels)")
        values.append(out)
        comps.append(n_comp)
        isolated.append(iso)
        norm_rules.append(rule)
    fi = items[-1][1]
    if any(isolated):
        names = sorted({n for iso in isolated for n in iso})
        fix = ("check the flow matrix" if method != "trophic" else
               "use method='hodge' (raw flow), a larger alpha for significance, or longer recordings")
        msg = (f"{func}: {len(names)} neuron(s) have no significant flow ({', '.join(names[:5])}"
               f"{'...' if len(names) > 5 else ''}); their progression is NaN. To place them, {fix}.")
        notes.append(msg)
        warnings.warn(msg, InfoflowWarning, stacklevel=3)
    if max(comps) > 1:
        msg = (f"{func}: the flow graph has {max(comps)} weakly connected components; progression is "
               "comparable only within a component (each has min 0).")
        notes.append(msg)
        warnings.warn(msg, InfoflowWarning, stacklevel=3)
    arr = np.array(values)
    is_epochs = isinstance(data, list)
    if not fi.labelled and not isinstance(flow, (xr.DataArray, xr.Dataset)):
        return arr if is_epochs else arr[0]
    attrs = {k: v for k, v in fi.attrs.items() if isinstance(v, (str, int, float, list))}
    attrs.update({
        "long_name": f"progression ({method})", "units": "1", "method": method, "weight": weight,
        "normalisation": norm_rules[-1], "n_components": int(max(comps)),
        # netCDF3 (scipy engine) stores no lists of strings: join them
        "isolated": ", ".join(sorted({n for iso in isolated for n in iso})) or "none",
        "notes": " | ".join(notes) or "none",
    })
    if method == "springrank":
        attrs["ridge"] = float(ridge)
    if method == "trophic":
        attrs["trophic_incoherence"] = float(f0s[-1]) if len(f0s) == 1 else [float(f) for f in f0s]
    coords = {"neuron": fi.neurons}
    if fi.roles is not None:
        coords["role"] = ("neuron", fi.roles)
    if is_epochs:
        coords["epoch"] = [lab for lab, _ in items]
        return xr.DataArray(arr, dims=("epoch", "neuron"), coords=coords, name="progression", attrs=attrs)
    return xr.DataArray(arr[0], dims=("neuron",), coords=coords, name="progression", attrs=attrs)
