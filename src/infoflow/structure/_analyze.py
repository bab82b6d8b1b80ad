"""One call for the whole structure stage, returning a JSON-safe dict (``structure.json``).

Pipeline place: **structure** -> ``cli`` (``infoflow structure RUN_DIR``) and ``report``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from infoflow import __version__
from infoflow._defaults import DEFAULT_ALPHA, DEFAULT_N_NULL, DEFAULT_SEED
from infoflow._validation import (
    SEED_CONSTRAINTS,
    Anything,
    CallableOK,
    InstanceOf,
    Interval,
    NoneOK,
    Options,
    Seed,
    check_seed,
    validate_params,
)
from infoflow.structure._direction import _json, directedness
from infoflow.structure._input import WEIGHTS
from infoflow.structure._layers import CRITERIA, GRAPHS, layers, layers_by_epoch
from infoflow.structure._null import LAYER_NULLS, NULLS
from infoflow.structure._progression import METHODS, progression


def _verdicts(d, lay) -> dict:
    """One entry per structure question: verdict, reason, the graph and null it rests on, its p-value."""
    graph = (f"bivariate {d.weight} flow graph, significant pairs only ({d.n_edges} edges among "
             f"{d.n_neurons} neurons)")
    layer_graph = graph if lay.graph == "significant" else (
        f"bivariate {d.weight} flow matrix, every ordered pair (no significance mask; {d.n_neurons} neurons)")
    out = {
        "direction": {"verdict": d.verdict, "reason": d.reason, "null": d.null_description, "pvalue": d.f0_pvalue,
                      "power": d.power, "graph": graph},
        "layers": {"verdict": lay.verdict, "reason": lay.reason, "null": lay.null_description, "pvalue": lay.pvalue,
                   "power": lay.power, "graph": layer_graph, "progression": lay.progression_description},
    }
    for t in d.role_tests:
        out[f"role order: {t.earlier} < {t.later}"] = {
            "verdict": t.verdict, "reason": t.reason, "pvalue": t.pvalue, "power": t.power,
            "null": "no shift between the two roles' progressions (one-sided Mann-Whitney U)", "graph": graph}
    return out


def _has_epochs(flow) -> bool:
    dims = getattr(flow, "dims", {})
    return "epoch" in dims and dict(getattr(flow, "sizes", {})).get("epoch", 1) > 1


@validate_params({
    "flow": [Anything()],
    "weight": [Options(*WEIGHTS)],
    "null": [Options(*NULLS)],
    "layers_null": [Options(*LAYER_NULLS)],
    "layers_method": [Options(*METHODS)],
    "layers_graph": [NoneOK(), Options(*GRAPHS)],
    "n_null": [Interval(int, 1, None)],
    "alpha": [Interval(float, 0, 1, closed="neither")],
    "max_layers": [Interval(int, 1, None)],
    "criterion": [Options(*CRITERIA)],
    "roles": [NoneOK(), InstanceOf(list, tuple, np.ndarray)],
    "seed": SEED_CONSTRAINTS,
    "callback": [NoneOK(), CallableOK()],
})
def analyze_structure(flow: Any, *, weight: str = "te", null: str = "rewire", n_null: int = DEFAULT_N_NULL,
                      alpha: float = DEFAULT_ALPHA, max_layers: int = 8, criterion: str = "silhouette",
                      roles: Any = None, seed: Seed = DEFAULT_SEED, callback: Callable[[int, int], Any] | None = None,
                      layers_null: str = "uniform", layers_method: str = "springrank",
                      layers_graph: Any = None) -> dict:
    """Progression (all methods), directedness and layers of a flow network, as a JSON-safe dict.

    Parameters
    ----------
    flow : xarray.Dataset, xarray.DataArray or array-like of shape (N, N)
        Usually ``flow.nc`` of a run. With an ``epoch`` dim the last epoch is analysed, epoch 0
        serves as a reference null, and the layering of every epoch is tracked.
    weight, null, n_null, alpha, max_layers, criterion, roles, seed
        As for :func:`directedness` and :func:`layers`; ``null`` is the null of the direction test.
    layers_null : {"uniform", "rewire", "weights", "flip"}, default="uniform"
        The null of the layer test (:func:`layers`' ``null``): graph nulls inherit layering.
    layers_method : {"springrank", "trophic", "hodge"}, default="springrank"
        The progression the layer test clusters (:func:`layers`' ``method``). The default,
        SpringRank of the raw flow matrix (no significance mask), is the calibrated one: the
        significance mask makes symmetric coupling look directed where a pair passed in one
        direction only (docs/concepts.md, "Calibration of the structure verdicts"). Direction and
        role order stay on the trophic levels of the significant pairs.
    layers_graph : {"raw", "significant"} or None, default=None
        :func:`layers`' ``graph`` (None: the method's own matrix).
    callback : callable(done, total) or None, default=None

    Returns
    -------
    dict
        ``neurons``, ``roles``, ``progression`` {method: values}, ``progression_normalisation``,
        ``trophic_incoherence``, ``directedness`` (:meth:`DirectednessResult.to_dict`),
        ``layers`` (:meth:`LayersResult.to_dict`), ``verdicts`` (one entry per question: ``verdict``
        in {"yes", "no", "inconclusive", "not available"}, ``reason``, ``null``, ``graph``, ``pvalue``,
        ``power``), ``epochs`` (per-epoch ``n_layers``, ``f0``,
        ``pvalue``, ``ari``; only with several epochs), ``settings``, ``notes``. NaN is None.
    """
    multi = _has_epochs(flow)
    n_epochs = int(flow.sizes["epoch"]) if multi else 1
    total = 2 * n_null + (n_epochs * n_null if multi else 0)
    gens = check_seed(seed).spawn(3)

    def offset(start):
        return None if callback is None else (lambda d, t: callback(start + d, total))

    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        progs = {}
        for m in METHODS:
            p = progression(flow, m, roles=roles, weight=weight)
            if getattr(p, "ndim", 1) == 2:
                p = p[-1]
            progs[m] = p
        d = directedness(flow, null=null, n_null=n_null, seed=gens[0], roles=roles, weight=weight, alpha=alpha,
                         callback=None if callback is None else (lambda a, t: callback(min(a, n_null), total)))
        lay = layers(flow, null=layers_null, n_null=n_null, alpha=alpha, max_layers=max_layers, criterion=criterion,
                     seed=gens[1], roles=roles, weight=weight, callback=offset(n_null), method=layers_method,
                     graph=layers_graph)
        by_epoch = None
        if multi:
            by_epoch = layers_by_epoch(flow, null=layers_null, n_null=n_null, alpha=alpha, max_layers=max_layers,
                                       criterion=criterion, seed=int(gens[2].integers(2**31)), roles=roles,
                                       weight=weight, callback=offset(2 * n_null),
                                       method=layers_method, graph=layers_graph)
    for w in caught:
        text = str(w.message)
        if text not in notes:
            notes.append(text)
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    first = progs["trophic"]
    neurons = [str(n) for n in first["neuron"].values] if hasattr(first, "coords") else lay.neurons
    role_list = (list(map(str, first["role"].values)) if hasattr(first, "coords") and "role" in first.coords
                 else (list(map(str, roles)) if roles is not None else None))
    out = {
        "infoflow_version": __version__,
        "units": "progression is dimensionless; F0 and fractions are ratios",
        "neurons": list(neurons),
        "roles": role_list,
        "progression": {m: np.asarray(getattr(p, "values", p), dtype=float).tolist() for m, p in progs.items()},
        "progression_normalisation": {m: (p.attrs["normalisation"] if hasattr(p, "attrs") else "see progression()")
                                      for m, p in progs.items()},
        "trophic_incoherence": d.f0,
        "directedness": d.to_dict(),
        "layers": lay.to_dict(),
        "verdicts": _verdicts(d, lay),
        "settings": {"weight": weight, "null": null, "layers_null": layers_null,
                     "layers_method": layers_method, "layers_graph": lay.graph, "n_null": n_null, "alpha": alpha,
                     "max_layers": max_layers, "criterion": criterion,
                     "seed": seed if isinstance(seed, int) else ("none" if seed is None else "generator")},
        "notes": notes + [n for n in (*d.notes, *lay.notes) if n not in notes],
    }
    if by_epoch is not None:
        out["epochs"] = {
            "epoch": [e.item() if hasattr(e, "item") else e for e in by_epoch["epoch"].values],
            **{v: by_epoch[v].values.tolist() for v in ("n_layers", "f0", "pvalue", "ari")},
            "layer": by_epoch["layer"].values.tolist(),
        }
    return _json(out)
