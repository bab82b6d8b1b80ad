"""Recordings: the labelled Dataset every analysis reads (train layer).

:func:`assemble_recording` turns the training loop's per-epoch pieces into the ``recording.zarr``
Dataset of docs/design.md; :func:`load_recording` reads a run folder or a user's own activity file;
:func:`record` records a user's PyTorch RNN (``nn.RNN``/``nn.GRU``/``nn.LSTM``, an infoflow model, or
any module returning hidden states) in the same format. Users import these from ``infoflow.train``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from infoflow import __version__
from infoflow._defaults import ACTIVITY_DIMS
from infoflow._validation import InstanceOf, NoneOK, check_activity, validate_params
from infoflow.models import GROUPS

_LOSS_NAMES = {"train_loss": "training", "val_loss": "validation", "test_loss": "test"}


def assemble_recording(pieces: Sequence[dict[str, Any]], *, neuron_ids: Sequence[str], roles: Sequence[str],
                       inputs: np.ndarray, target: np.ndarray, channel_names: Sequence[str], n_batches: int,
                       attrs: dict[str, Any]) -> xr.Dataset:
    """Stack per-epoch pieces into the recording Dataset (chunked one epoch per zarr chunk)."""
    n_epoch = len(pieces)
    epochs = np.array([p["epoch"] for p in pieces], dtype=np.int64)
    activity = np.stack([p["activity"] for p in pieces]).astype(np.float32)
    n_time = activity.shape[1]
    coords = {"epoch": epochs, "time": np.arange(n_time), "neuron": _strings(neuron_ids),
              "role": ("neuron", _strings(roles)), "channel": _strings(channel_names), "group": _strings(GROUPS),
              "batch": np.arange(n_batches)}
    ds = xr.Dataset(
        {
            "activity": (ACTIVITY_DIMS, activity, {"long_name": "unit activation", "units": "a.u."}),
            "inputs": (("time", "channel"), np.asarray(inputs, dtype=np.float32),
                       {"long_name": "standardised network input x_t", "units": "sd"}),
            "target": (("time",), np.asarray(target, dtype=np.float32),
                       {"long_name": "standardised value the read-out at step t forecasts", "units": "sd"}),
            "prediction": (("epoch", "time"), np.stack([p["prediction"] for p in pieces]).astype(np.float32),
                           {"long_name": "read-out of the first output unit", "units": "sd"}),
            **{name: (("epoch",), np.array([p[name] for p in pieces], dtype=np.float64),
                      {"long_name": f"{label} MSE", "units": "sd^2"}) for name, label in _LOSS_NAMES.items()},
            "grad_mean_norm": (("epoch", "group"), np.stack([p["grad_mean_norm"] for p in pieces]),
                               {"long_name": "norm of the mean minibatch gradient (drift)"}),
            "grad_std_norm": (("epoch", "group"), np.stack([p["grad_std_norm"] for p in pieces]),
                              {"long_name": "norm of the elementwise std of minibatch gradients (diffusion)"}),
            "grad_batch_norm": (("epoch", "batch", "group"), np.stack([p["grad_batch_norm"] for p in pieces]),
                                {"long_name": "norm of each minibatch gradient"}),
        },
        coords=coords,
        attrs={**attrs, "n_epoch": int(n_epoch)},
    )
    if all("grad_fixed_mean_norm" in p for p in pieces):  # runs with grad_fixed_batches > 0
        ds["grad_fixed_mean_norm"] = (("epoch", "group"), np.stack([p["grad_fixed_mean_norm"] for p in pieces]),
                                      {"long_name": "norm of the mean minibatch gradient at fixed end-of-epoch weights"})
        ds["grad_fixed_std_norm"] = (("epoch", "group"), np.stack([p["grad_fixed_std_norm"] for p in pieces]),
                                     {"long_name": "norm of the elementwise std of minibatch gradients at fixed "
                                                   "end-of-epoch weights"})
    ds = _probe_check(ds)
    ds["activity"].encoding["chunks"] = (1, n_time, len(neuron_ids))
    ds["prediction"].encoding["chunks"] = (1, n_time)
    return ds


PROBE_TOLERANCE = 0.10
"""Largest relative difference between the probe's MSE (after the transient) and the windowed MSE
of the same split that still counts as a match."""


def probe_transient(attrs: dict[str, Any]) -> int:
    """Steps at the start of the stateful probe run whose state has seen fewer past steps than any
    training window (``window - target_offset``; 0 when the recording does not say)."""
    if "window" not in attrs:
        return 0
    return max(int(attrs["window"]) - int(attrs.get("target_offset", 0)), 0)


def _probe_check(ds: xr.Dataset) -> xr.Dataset:
    """Add ``probe_loss (epoch)`` and the probe-versus-windows check to a training recording.

    The probe is one stateful run from a zero state over the whole split, while training (and the
    windowed losses) saw windows of ``window`` steps from a zero state. Its first
    :func:`probe_transient` steps are a warm-up the network never met in training, so analyses drop
    them; after them, a network whose state forgets faster than a window gives the same forecasts as
    the windows do, and ``probe_loss`` should equal the windowed loss of the probe split. A mismatch
    larger than :data:`PROBE_TOLERANCE` (relative, at the last epoch) is flagged in the attrs: the
    probe run then shows the network in a regime that training never produced.
    """
    skip = probe_transient(ds.attrs)
    n_time = ds.sizes["time"]
    if skip >= n_time:
        return ds
    err = ds["prediction"].values[:, skip:].astype(np.float64) - ds["target"].values[None, skip:].astype(np.float64)
    probe = np.mean(err**2, axis=1)
    ds["probe_loss"] = (("epoch",), probe, {"long_name": f"MSE of the probe run after its first {skip} steps",
                                            "units": "sd^2"})
    split = str(ds.attrs.get("probe_split", "test"))
    windowed = ds[f"{split}_loss"].values if f"{split}_loss" in ds else None
    ds.attrs["probe_transient_steps"] = int(skip)
    if windowed is None or int(ds.attrs.get("horizon", 1)) != 1:
        ds.attrs["probe_check"] = ("not compared: the windowed loss averages several forecast steps" if windowed is not None
                                   else "not compared: no windowed loss of the probe split")
        return ds
    ratio = float(probe[-1] / windowed[-1]) if windowed[-1] > 0 else float("nan")
    ok = bool(np.isfinite(ratio) and abs(ratio - 1.0) <= PROBE_TOLERANCE)
    ds.attrs["probe_loss_ratio"] = ratio
    ds.attrs["probe_check"] = (
        f"{'match' if ok else 'MISMATCH'}: at the last epoch the probe run's MSE after its first {skip} steps is "
        f"{probe[-1]:.4g}, the windowed {split} MSE {windowed[-1]:.4g} (ratio {ratio:.3f}, tolerance "
        f"{PROBE_TOLERANCE:.0%})")
    return ds


def _strings(values: Sequence[Any]) -> np.ndarray:
    """Object-dtype str array: zarr v3 stores it as variable-length UTF-8 (fixed-width numpy
    strings have no stable zarr v3 spec and warn)."""
    return np.array([str(v) for v in values], dtype=object)


@validate_params({"path": [InstanceOf(str, os.PathLike)], "roles": [InstanceOf(list, tuple), NoneOK()],
                  "neuron_ids": [InstanceOf(list, tuple), NoneOK()]})
def load_recording(path: str | Path, *, roles: Sequence[str] | None = None,
                   neuron_ids: Sequence[str] | None = None) -> xr.Dataset:
    """Read a recording: a run folder, ``recording.zarr``, a ``.nc`` file, or a user's activity array.

    Parameters
    ----------
    path : str or Path
        A run folder (holding ``recording.zarr``; a multi-seed folder is refused, pick a
        ``seed_<s>`` subfolder), a ``.zarr``/``.nc`` Dataset, or a ``.npy``/``.npz``/``.csv`` activity
        array of shape (time, neuron) or (epoch, time, neuron) (``.csv``: one column per neuron,
        header = neuron ids; ``.npz``: array ``activity``, optional ``roles``, ``neuron_ids``).
    roles : sequence of {"input", "hidden", "output"}, optional
        One per neuron, for array files that carry none (default: all "hidden").
    neuron_ids : sequence of str, optional
        Neuron ids for array files (default: ``n0, n1, ...``).

    Returns
    -------
    xr.Dataset
        With at least ``activity`` (epoch, time, neuron) and its ``role`` coordinate.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"load_recording: {path} does not exist.")
    if path.is_dir() and path.suffix != ".zarr":
        if (path / "recording.zarr").exists():
            path = path / "recording.zarr"
        else:
            seeds = sorted(p.name for p in path.glob("seed_*") if (p / "recording.zarr").exists())
            hint = f" It holds {', '.join(seeds)}: pass one of those." if seeds else " Run `infoflow train` first."
            raise FileNotFoundError(f"load_recording: {path} has no recording.zarr.{hint}")
    suffix = path.suffix.lower()
    if suffix in (".zarr", ".nc"):
        from infoflow._io import load_dataset

        ds = load_dataset(path)
        if "activity" not in ds:
            raise ValueError(f"load_recording: {path} has no 'activity' variable; variables are {list(ds.data_vars)}.")
        if roles is not None or neuron_ids is not None:
            ds = _relabel(ds, roles, neuron_ids)
        return ds
    if suffix == ".npy":
        arr, file_roles, file_ids = np.load(path, allow_pickle=False), None, None
    elif suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            if "activity" not in z:
                raise ValueError(f"load_recording: {path} has no array named 'activity'; it has {list(z.keys())}.")
            arr = z["activity"]
            file_roles = [str(r) for r in z["roles"]] if "roles" in z else None
            file_ids = [str(r) for r in z["neuron_ids"]] if "neuron_ids" in z else None
    elif suffix == ".csv":
        with open(path) as fh:
            header = fh.readline().strip().split(",")
        try:
            arr = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
        except ValueError as exc:
            raise ValueError(f"load_recording: {path} must hold numbers under a header of neuron ids ({exc}).") from None
        file_roles, file_ids = None, header
    else:
        raise ValueError(f"load_recording: unknown file type {suffix!r}; use a run folder, .zarr, .nc, .npy, .npz or .csv.")
    return activity_dataset(arr, roles=roles if roles is not None else file_roles,
                            neuron_ids=neuron_ids if neuron_ids is not None else file_ids,
                            attrs={"source_file": str(path)}, func="load_recording")


def _relabel(ds: xr.Dataset, roles, neuron_ids) -> xr.Dataset:
    n = ds.sizes["neuron"]
    if neuron_ids is not None:
        if len(neuron_ids) != n:
            raise ValueError(f"load_recording: {len(neuron_ids)} neuron_ids for {n} neurons.")
        ds = ds.assign_coords(neuron=[str(v) for v in neuron_ids])
    if roles is not None:
        da = check_activity(ds["activity"], func="load_recording", roles=roles)
        ds = ds.assign_coords(role=("neuron", list(da["role"].values)))
    return ds


def activity_dataset(activity: Any, *, roles=None, neuron_ids=None, inputs=None, channel_names=None,
                     prediction=None, attrs=None, func: str = "record") -> xr.Dataset:
    """Wrap an (epoch, time, neuron) or (time, neuron) array into a recording Dataset."""
    arr = np.asarray(activity, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(f"{func}: activity must be (time, neuron) or (epoch, time, neuron); got shape {arr.shape}.")
    n = arr.shape[2]
    if neuron_ids is None:
        neuron_ids = [f"n{i}" for i in range(n)]
    neuron_ids = [str(v) for v in neuron_ids]
    if len(neuron_ids) != n or len(set(neuron_ids)) != n:
        raise ValueError(f"{func}: need {n} distinct neuron ids; got {len(neuron_ids)} ({len(set(neuron_ids))} distinct).")
    da = check_activity(arr, func=func, roles=list(roles) if roles is not None else None)
    da = da.assign_coords(neuron=_strings(neuron_ids), role=("neuron", _strings(da["role"].values))).astype(np.float32)
    da.attrs.update({"long_name": "unit activation", "units": "a.u."})
    ds = xr.Dataset({"activity": da})
    if inputs is not None:
        inp = np.asarray(inputs, dtype=np.float32)
        if inp.ndim == 3:
            ds["inputs"] = (("epoch", "time", "channel"), inp)
        else:
            ds["inputs"] = (("time", "channel"), inp)
        ds = ds.assign_coords(channel=_strings(channel_names) if channel_names is not None
                              else _strings([f"x{i}" for i in range(inp.shape[-1])]))
    if prediction is not None:
        ds["prediction"] = (("epoch", "time"), np.asarray(prediction, dtype=np.float32).reshape(arr.shape[0], arr.shape[1]))
    ds.attrs.update({"infoflow_version": __version__, **(attrs or {})})
    return ds
