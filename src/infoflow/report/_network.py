"""The effective network beside the bivariate graph, for the report (report layer).

Reads ``network.nc`` (written by :func:`infoflow.flow.effective_network` through ``infoflow run`` or
``infoflow network``) and ``flow.nc`` of the same folder; recomputes nothing. The structure answers
(Q1, Q2) rest on the bivariate graph; this block says how much of that graph the effective network
keeps as direct links, before and after training, and between which roles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

ROLE_PAIRS = (("input", "hidden"), ("hidden", "hidden"), ("hidden", "output"), ("input", "output"),
              ("output", "hidden"), ("hidden", "input"))


def _by_epoch(ds, label):
    if "epoch" in ds.dims:
        return ds.sel(epoch=label) if label in ds["epoch"].values else None
    return ds if label is None or ("epoch" in ds.coords and ds["epoch"].item() == label) else None


def effective_network_summary(primary: Path) -> dict[str, Any] | None:
    """Rows and a sentence on the effective network of `primary`, or None when it was not computed."""
    path = primary / "network.nc"
    if not path.exists():
        return None
    from infoflow._io import load_dataset

    net = load_dataset(path)
    flow = load_dataset(primary / "flow.nc") if (primary / "flow.nc").exists() else None
    labels = [int(v) for v in np.atleast_1d(net["epoch"].values)] if "epoch" in net.coords else [None]
    method = str(net.attrs.get("estimator", "?"))
    rows: dict[str, Any] = {}
    per_epoch = {}
    for label in labels:
        sub = _by_epoch(net, label)
        sig = np.asarray(sub["significant"].values, bool)
        when = "untrained (epoch 0)" if label == 0 else f"epoch {label}"
        entry: dict[str, Any] = {"direct_links": int(sig.sum())}
        rows[f"direct links, {when}"] = int(sig.sum())
        biv = _by_epoch(flow, label) if flow is not None else None
        if biv is not None:
            b = np.asarray(biv["significant"].values, bool)
            entry.update(bivariate_pairs=int(b.sum()), bivariate_and_direct=int((b & sig).sum()))
            rows[f"bivariate significant pairs that are direct links, {when}"] = (
                f"{int((b & sig).sum())} of {int(b.sum())}")
        roles_s, roles_t = np.asarray(sub["source_role"].values), np.asarray(sub["target_role"].values)
        entry["by_role"] = {f"{a} -> {c}": int((sig & (roles_s[:, None] == a) & (roles_t[None, :] == c)).sum())
                            for a, c in ROLE_PAIRS}
        per_epoch[str(label)] = entry
    last = per_epoch[str(labels[-1])]
    role_text = ", ".join(f"{k} {v}" for k, v in last["by_role"].items() if v)
    rows["direct links by role, last epoch"] = role_text or "none"
    kept = ""
    if "bivariate_pairs" in last and last["bivariate_pairs"]:
        kept = (f" Of the {last['bivariate_pairs']} pairs the bivariate test flags at the last epoch, "
                f"{last['bivariate_and_direct']} are direct links; the rest are explained by other sources "
                "(indirect paths, common drivers) or did not pass the multivariate tests.")
    sentence = (f"The effective network (multivariate transfer entropy, {method} estimator; each neuron's direct "
                f"parents given the others) has {last['direct_links']} links at the last epoch.{kept} The answers "
                "above rest on the bivariate graph; read them with that share in mind.")
    return {"estimator": method, "epochs": per_epoch, "table": rows, "sentence": sentence,
            "algorithm": str(net.attrs.get("algorithm", ""))}
