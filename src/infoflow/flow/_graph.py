"""Export the significant flow graph of a flow Dataset to networkx / GraphML (flow layer).

Users import these as ``infoflow.flow.to_networkx`` and ``infoflow.flow.write_graphml``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import networkx as nx
    import xarray as xr


def to_networkx(flow_ds: xr.Dataset, epoch: int | None = None) -> nx.DiGraph:
    """The significant directed flow graph of one epoch as a ``networkx.DiGraph``.

    Parameters
    ----------
    flow_ds : xarray.Dataset
        Result of :func:`infoflow.flow.information_flow` (or ``flow.nc`` loaded back), or of
        :func:`infoflow.flow.effective_network` (its edges are the direct parents, with attrs
        ``weight`` = ``te`` (multivariate TE, nats), ``p``, ``lag`` and ``n_lags``).
    epoch : int or None, default=None
        Epoch label to export when the Dataset has an ``epoch`` dimension; None means the last one.

    Returns
    -------
    graph : networkx.DiGraph
        One node per neuron (attrs ``role``, ``entropy`` in nats, and ``layer`` when known); one edge
        i -> j per significant pair, with attrs ``weight`` (the tested statistic at its peak, nats),
        ``te`` (nats), ``flow`` (peak TDMI - MI, nats), ``p`` (p-value), ``p_adjusted`` and ``lag``
        (lag of the tested statistic's peak). Self-pairs are never edges.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflow.flow import information_flow, to_networkx
    >>> x = np.random.default_rng(0).standard_normal((800, 2)); x[1:, 1] += x[:-1, 0]
    >>> ds = information_flow(x, lags=1, method="gaussian_copula", surrogates=20, scheduler="inprocess")
    >>> list(to_networkx(ds).edges)
    [('n0', 'n1')]
    """
    import networkx as nx

    ds = flow_ds
    if "epoch" in ds.dims:
        labels = list(ds["epoch"].values)
        chosen = labels[-1] if epoch is None else epoch
        if chosen not in labels:
            raise ValueError(f"to_networkx: epoch {chosen!r} is not in the flow Dataset; it has epochs {labels}.")
        ds = ds.sel(epoch=chosen)
    elif epoch is not None and "epoch" in ds.coords and ds["epoch"].item() != epoch:
        raise ValueError(f"to_networkx: the flow Dataset holds epoch {ds['epoch'].item()}, not {epoch!r}.")
    effective = "own_past" in ds
    missing = [v for v in ("significant", "pvalue", "te", *(("lag",) if effective else ("flow",))) if v not in ds]
    if missing:
        raise ValueError(f"to_networkx: {missing} missing; pass a Dataset made by information_flow or "
                         "effective_network.")
    measure = str(ds.attrs.get("measure", "te"))
    names = [str(v) for v in ds["source"].values]
    roles = [str(v) for v in ds["source_role"].values] if "source_role" in ds.coords else ["hidden"] * len(names)
    layers = ds["source_layer"].values if "source_layer" in ds.coords else None
    entropy = ds["entropy"].values if "entropy" in ds else np.full(len(names), np.nan)
    graph = nx.DiGraph(**{k: v for k, v in ds.attrs.items() if isinstance(v, (str, int, float))})
    for i, name in enumerate(names):
        attrs = {"role": roles[i], "entropy": float(entropy[i])}
        if layers is not None:
            attrs["layer"] = layers[i].item() if hasattr(layers[i], "item") else layers[i]
        graph.add_node(name, **attrs)
    sig = ds["significant"].values
    te, p = ds["te"].values, ds["pvalue"].values
    if effective:
        for i, j in zip(*np.nonzero(sig)):
            graph.add_edge(names[i], names[j], weight=float(te[i, j]), te=float(te[i, j]), p=float(p[i, j]),
                           lag=int(ds["lag"].values[i, j]), n_lags=int(ds["n_lags"].values[i, j]))
        return graph
    padj = ds["pvalue_adjusted"].values if "pvalue_adjusted" in ds else p
    flow_peak = np.nanmax(np.where(np.isfinite(ds["flow"].values), ds["flow"].values, -np.inf), axis=0)
    lag = (ds["te_peak_lag"] if measure == "te" else ds["peak_lag"]).values
    weight = te if measure == "te" else flow_peak
    for i, j in zip(*np.nonzero(sig)):
        if i == j:
            continue
        graph.add_edge(names[i], names[j], weight=float(weight[i, j]), te=float(te[i, j]),
                       flow=float(flow_peak[i, j]), p=float(p[i, j]), p_adjusted=float(padj[i, j]),
                       lag=int(lag[i, j]))
    return graph


def write_graphml(flow_ds: xr.Dataset, path: str | os.PathLike, *, epoch: int | None = None) -> Path:
    """Write :func:`to_networkx` of `flow_ds` to a GraphML file atomically; returns the path.

    Parameters
    ----------
    flow_ds : xarray.Dataset
        Result of :func:`infoflow.flow.information_flow`.
    path : str or path-like
        Output file (``.graphml``).
    epoch : int or None, default=None
        As in :func:`to_networkx`.

    Returns
    -------
    path : pathlib.Path
    """
    import io

    import networkx as nx

    from infoflow._io import atomic_write_bytes

    buf = io.BytesIO()
    nx.write_graphml(to_networkx(flow_ds, epoch=epoch), buf)
    return atomic_write_bytes(path, buf.getvalue())
