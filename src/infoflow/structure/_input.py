"""Turn what the flow stage produces into the matrices the structure analyses work on.

Pipeline place: ``flow`` -> **structure**. Accepts the flow Dataset of ``docs/design.md`` (variables
``te``/``flow``/``net_flow``/``significant``, coords ``source``/``target`` and their roles, optional
``epoch``), a (source, target) DataArray, or a plain (N, N) array. Users do not import this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from infoflow._defaults import ROLES
from infoflow._validation import InvalidParameterError

WEIGHTS = ("te", "flow", "net_flow")


@dataclass
class FlowInput:
    """One network's flow, ready for analysis (all arrays float64, zero diagonal).

    ``graph`` holds the non-negative weights of significant edges (the trophic graph), ``raw`` the
    same quantity with no significance mask (negative values clipped to 0), ``net`` the antisymmetric
    net flow used by HodgeRank.
    """

    graph: np.ndarray
    raw: np.ndarray
    net: np.ndarray
    neurons: list[str]
    roles: list[str] | None
    labelled: bool
    weight: str
    attrs: dict = field(default_factory=dict)
    reference: list = field(default_factory=list)  # [(kind, graph (K, N, N))]


def _roles_from(roles, n, func):
    if roles is None:
        return None
    roles = [str(r) for r in np.asarray(roles).ravel()]
    if len(roles) != n:
        raise ValueError(f"{func}: {len(roles)} roles given for {n} neurons; give one role per neuron.")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"{func}: unknown role(s) {unknown}; roles must be one of {list(ROLES)}.")
    return roles


def _square(values, func, name):
    arr = np.array(values, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{func}: {name} must be a square (source, target) matrix; got shape {arr.shape}.")
    if arr.shape[0] < 1:
        raise ValueError(f"{func}: {name} is empty; give at least one neuron.")
    return arr


def _clean(arr, mask, func, name):
    """Zero the diagonal (self-information stays out of flow graphs) and reject NaN where it matters."""
    arr = arr.copy()
    np.fill_diagonal(arr, 0.0)
    bad = ~np.isfinite(arr)
    if mask is not None:
        bad &= mask
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"{func}: {name} has {int(bad.sum())} NaN/inf off-diagonal values (first at source {int(i)}, "
                         f"target {int(j)}). Remove those neurons, or mark those pairs not significant.")
    arr[~np.isfinite(arr)] = 0.0
    return arr


def _mask(significant, n, func):
    if significant is None:
        return None
    m = np.asarray(getattr(significant, "values", significant))
    if m.shape != (n, n):
        raise ValueError(f"{func}: significant must have shape ({n}, {n}) like the flow matrix; got {m.shape}.")
    if m.dtype != bool:
        if not np.isin(m, (0, 1)).all():
            raise ValueError(f"{func}: significant must be a boolean (or 0/1) mask.")
        m = m.astype(bool)
    return m


def _from_matrix(values, mask, *, weight, func, antisymmetric=False):
    arr = _square(values, func, weight)
    raw = _clean(arr, np.ones(arr.shape, dtype=bool) if mask is None else mask, func, weight)
    if antisymmetric or weight == "net_flow":
        net = 0.5 * (raw - raw.T)
        pos = np.clip(net, 0.0, None)
    else:
        pos = np.clip(raw, 0.0, None)
        net = pos - pos.T
    graph = pos if mask is None else np.where(mask, pos, 0.0)
    np.fill_diagonal(graph, 0.0)
    return graph, pos, net


def _weight_matrix(ds, weight, func):
    """Collapse the chosen variable of a flow Dataset to (source, target) (and epoch when present)."""
    if weight not in ds:
        have = [w for w in WEIGHTS if w in ds]
        raise ValueError(f"{func}: the flow Dataset has no {weight!r} variable; it has {have}. Pass weight= one of "
                         "those.")
    da = ds[weight]
    if "lag" in da.dims:
        # flow(lag, source, target) = tdmi - mi: the strongest lag says how much the source adds at its best delay.
        da = da.fillna(-np.inf).max("lag")
        da = da.where(np.isfinite(da), 0.0)
    return da


def read_flow(flow, *, weight, roles, significant, func, epoch=None, allow_epochs=False):
    """Return a FlowInput (or a list of (epoch_label, FlowInput) when the input has an epoch dim)."""
    import xarray as xr

    if weight not in WEIGHTS:
        raise InvalidParameterError(f"{func}: weight must be one of {list(WEIGHTS)}; got {weight!r}.")
    if isinstance(flow, xr.Dataset):
        da = _weight_matrix(flow, weight, func)
        sig = flow["significant"] if ("significant" in flow and significant is None) else significant
        attrs = dict(flow.attrs)
    elif isinstance(flow, xr.DataArray):
        da, sig, attrs = flow, significant, dict(flow.attrs)
    else:
        arr = np.asarray(flow)
        if arr.ndim == 3 and allow_epochs:
            out = [(e, _single(arr[e], None if significant is None else np.asarray(significant)[e]
                               if np.ndim(significant) == 3 else significant, weight, roles, None, {}, func))
                   for e in range(arr.shape[0])]
            return out if epoch is None else _pick(out, epoch, func)
        return _single(arr, significant, weight, roles, None, {}, func)

    if set(da.dims) - {"source", "target", "epoch"} or not {"source", "target"} <= set(da.dims):
        raise ValueError(f"{func}: flow must have dims (source, target) or (epoch, source, target); got {da.dims}.")
    neurons = [str(v) for v in da["source"].values] if "source" in da.coords else None
    if roles is None and "source_role" in da.coords:
        roles = list(da["source_role"].values)
    if "epoch" in da.dims:
        labels = list(da["epoch"].values) if "epoch" in da.coords else list(range(da.sizes["epoch"]))
        items = []
        for i, lab in enumerate(labels):
            d = da.isel(epoch=i).transpose("source", "target")
            s = None
            if sig is not None:
                s = sig.isel(epoch=i) if hasattr(sig, "dims") and "epoch" in sig.dims else sig
                s = s.transpose("source", "target") if hasattr(s, "dims") else s
            items.append((_label(lab), _single(d.values, s, weight, roles, neurons, attrs, func)))
        if epoch is not None:
            return _pick(items, epoch, func)
        if allow_epochs:
            return items
        fi = items[-1][1]
        fi.attrs["epoch"] = items[-1][0]
        if len(items) > 1:
            fi.reference.append(("epoch0", items[0][1].graph[None]))
        return fi
    d = da.transpose("source", "target")
    s = sig.transpose("source", "target") if hasattr(sig, "dims") else sig
    fi = _single(d.values, s, weight, roles, neurons, attrs, func)
    if isinstance(flow, xr.Dataset):
        name = f"{weight}_surrogate"
        if name in flow and "surrogate" in flow[name].dims:
            surr = flow[name]
            if "lag" in surr.dims:
                surr = surr.max("lag")
            stack = np.asarray(surr.transpose("surrogate", "source", "target").values, dtype=np.float64)
            fi.reference.append(("surrogate", reference_graphs(stack, fi, func)))
    return fi


def _label(lab):
    return int(lab) if isinstance(lab, (np.integer, int)) else str(lab)


def _pick(items, epoch, func):
    for lab, fi in items:
        if lab == epoch:
            fi.attrs["epoch"] = lab
            return fi
    raise InvalidParameterError(f"{func}: epoch {epoch!r} is not in the flow; epochs are {[lab for lab, _ in items]}.")


def _single(values, significant, weight, roles, neurons, attrs, func):
    arr = _square(values, func, weight)
    n = arr.shape[0]
    mask = _mask(significant, n, func)
    graph, raw, net = _from_matrix(arr, mask, weight=weight, func=func)
    labelled = neurons is not None
    if neurons is None:
        neurons = [f"n{i}" for i in range(n)]
    return FlowInput(graph=graph, raw=raw, net=net, neurons=neurons, roles=_roles_from(roles, n, func),
                     labelled=labelled, weight=weight, attrs=attrs)


def reference_graphs(stack, fi, func):
    """Null flow matrices (K, N, N) -> graphs on the observed significant edges."""
    stack = np.asarray(getattr(stack, "values", stack), dtype=np.float64)
    n = fi.graph.shape[0]
    if stack.ndim == 2:
        stack = stack[None]
    if stack.ndim != 3 or stack.shape[1:] != (n, n):
        raise ValueError(f"{func}: reference must be (N, N) or (n_surrogate, N, N) with N={n}; "
                         f"got shape {stack.shape}.")
    edges = fi.graph > 0
    out = np.empty_like(stack)
    for k in range(stack.shape[0]):
        g, _, _ = _from_matrix(stack[k], None, weight=fi.weight, func=func)
        # Surrogates carry no significance mask of their own: compare on the observed edge set.
        out[k] = np.where(edges, g, 0.0) if edges.any() else g
    return out
