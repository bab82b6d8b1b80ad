"""Untrained networks for ``infoflow run``: record them on the probe, and test trained against untrained.

Pipeline place: **pipeline** (calls models, train, flow and structure). The ensemble is every seed's
epoch 0 (already in each seed's tracked flow) plus ``n_untrained - n_seeds`` further random
initialisations of the same architecture, recorded on the same probe inputs (forward passes only)
and analysed with the tracked (cheap) flow estimator. The statistics and their tests live in
:func:`infoflow.structure.compare_untrained`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

#: initialisation seeds of the extra untrained networks start here (far from any training seed)
UNTRAINED_SEED_BASE = 100_000
#: the seed's measure and TE, by the name of their flow Dataset variable
MEASURE_LABELS = {"te": "TE", "flow": "TDMI - MI"}
MEASURE_TAGS = {"te": "te", "flow": "tdmi"}


def other_measure(measure: str) -> str:
    return "flow" if measure == "te" else "te"


def drop_transient(recording):
    """The recording without the probe run's zero-state warm-up (``probe_transient_steps``, else
    ``window - target_offset``, else nothing), with the number dropped in its attrs."""
    from infoflow.train._recording import probe_transient

    skip = int(recording.attrs.get("probe_transient_steps", probe_transient(recording.attrs)))
    if skip <= 0 or skip >= recording.sizes["time"] - 10:
        return recording
    out = recording.isel(time=slice(skip, None))
    out.attrs = {**recording.attrs, "transient_dropped": skip}
    # the flow stage copies the activity's attrs into its result: say there what was dropped
    out["activity"].attrs = {**out["activity"].attrs, "transient_dropped": skip}
    return out


def record_untrained(recording, config: dict[str, Any], n_networks: int, *, seed_base: int = UNTRAINED_SEED_BASE):
    """Activity of `n_networks` freshly initialised networks on the recording's probe inputs.

    Returns a recording Dataset whose ``epoch`` axis is the network (labels = initialisation seeds),
    with the same neurons, roles, inputs and attrs as the training recording.
    """
    import torch
    import xarray as xr

    from infoflow.models import build_model
    from infoflow.train import TrainConfig

    names = set(TrainConfig.__dataclass_fields__)
    cfg = TrainConfig.from_dict({k: v for k, v in config.items() if k in names})
    from infoflow.train._loop import probe_windows

    inputs = np.asarray(recording["inputs"].values, dtype=np.float32)
    windowed = "probe_series" in recording and "probe_first_step" in recording.attrs
    if windowed:  # the same windows as the trained networks' sliding-window probe
        read_idx = int(recording.attrs["probe_first_step"])
        series = np.asarray(recording["probe_series"].values, dtype=np.float32)
        steps = np.arange(recording.sizes["time"])[:, None] + np.arange(read_idx + 1)[None, :]
        x = torch.from_numpy(np.ascontiguousarray(series[steps]))
    else:  # an older recording: one stateful run over its inputs
        x = torch.from_numpy(inputs)[None]
    acts, preds = [], []
    for k in range(n_networks):
        model = build_model(cfg.arch, n_channels=inputs.shape[-1], n_units=cfg.n_units, n_input_units=cfg.n_input_units,
                            n_output_units=cfg.output_units, nonlinearity=cfg.nonlinearity, init=cfg.init,
                            gain=cfg.gain,
                            seed=seed_base + k)
        model.eval()
        with torch.no_grad():
            if windowed:
                got = probe_windows(model, x, read_idx)
                acts.append(got["activity"])
                preds.append(got["prediction"])
                continue
            pred, states = model(x)
        acts.append(states[0].float().numpy())
        preds.append(pred[0, :, 0].float().numpy())
    act = recording["activity"]
    ds = xr.Dataset(
        {"activity": (("epoch", "time", "neuron"), np.stack(acts), dict(act.attrs)),
         "inputs": recording["inputs"], "prediction": (("epoch", "time"), np.stack(preds))},
        coords={"epoch": np.arange(seed_base, seed_base + n_networks), "time": recording["time"].values,
                "neuron": act["neuron"].values, "role": ("neuron", act["role"].values)})
    ds.attrs = {**recording.attrs, "untrained": 1, "init_seeds": f"{seed_base}..{seed_base + n_networks - 1}"}
    for key in ("n_epoch", "complete", "train_seed"):
        ds.attrs.pop(key, None)
    return ds


def _significant_count(path: Path, epoch: int | None = None) -> int | None:
    from infoflow._io import load_dataset

    if not path.exists():
        return None
    ds = load_dataset(path)
    sig = ds["significant"]
    if "epoch" in sig.dims:
        sig = sig.isel(epoch=-1) if epoch is None else sig.sel(epoch=epoch)
    return int(sig.sum())


def untrained_comparisons(seed_dirs: list[Path], untrained_flow: Path | None, *, measures: tuple[str, ...],
                          full_flows: dict[str, Path], alpha: float, seed: int = 0) -> dict[str, Any]:
    """Trained (last tracked epoch of every seed) against untrained (every seed's epoch 0 + extras).

    The edge density is matched at the number of pairs significant in seed 0's full test at its last
    epoch for that measure (``full_flows[measure]``), else the median over seeds of the tracked test's.
    """
    from infoflow._io import load_dataset
    from infoflow.structure import compare_untrained

    tracked = [load_dataset(d / "flow_epochs.nc") for d in seed_dirs]
    extra = load_dataset(untrained_flow) if untrained_flow is not None and untrained_flow.exists() else None
    out: dict[str, Any] = {}
    for m in measures:
        trained = [ds.isel(epoch=-1) for ds in tracked]
        untrained = [ds.sel(epoch=0) for ds in tracked]
        if extra is not None:
            untrained += ([extra.isel(epoch=i) for i in range(extra.sizes["epoch"])] if "epoch" in extra.dims
                          else [extra])
        k: int | str | None = _significant_count(full_flows[m]) if m in full_flows else None
        source = "significant pairs of seed 0's full test at the last epoch"
        if k is None or k == 0:
            k, source = "auto", "median over seeds of significant pairs in the tracked test at the last epoch"
        res = compare_untrained(trained, untrained, weight=m, n_edges=k, alpha=alpha, seed=seed)
        d = res.to_dict()
        d["n_edges_source"] = source
        d["estimator"] = str(tracked[0].attrs.get("estimator", "?"))
        d["trained_epoch"] = int(tracked[0]["epoch"].values[-1])
        d["n_seed_epoch0"] = len(tracked)
        d["n_extra_initialisations"] = 0 if extra is None else int(extra.sizes.get("epoch", 1))
        out[m] = d
    return out


def write_json(path: Path, data: dict[str, Any]) -> None:
    from infoflow._io import atomic_write_json

    atomic_write_json(path, json.loads(json.dumps(data)))
