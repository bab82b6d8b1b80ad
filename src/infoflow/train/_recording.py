"""Recordings: the labelled Dataset every analysis reads (train layer).

:func:`assemble_recording` turns the training loop's per-epoch pieces into the ``recording.zarr``
Dataset of docs/design.md; :func:`load_recording` reads a run folder or a user's own activity file;
:func:`record` records a user's PyTorch RNN (``nn.RNN``/``nn.GRU``/``nn.LSTM``, an infoflow model, or
any module returning hidden states) in the same format. Users import these from ``infoflow.train``.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from infoflow import __version__
from infoflow._defaults import ACTIVITY_DIMS
from infoflow._validation import (
    InfoflowWarning,
    InstanceOf,
    InvalidParameterError,
    NoneOK,
    Options,
    check_activity,
    validate_params,
)
from infoflow.models import GROUPS

_LOSS_NAMES = {"train_loss": "training", "val_loss": "validation", "test_loss": "test"}


def assemble_recording(pieces: Sequence[dict[str, Any]], *, neuron_ids: Sequence[str], roles: Sequence[str],
                       inputs: np.ndarray, target: np.ndarray, channel_names: Sequence[str], n_batches: int,
                       attrs: dict[str, Any], probe_series: np.ndarray | None = None) -> xr.Dataset:
    """Stack per-epoch pieces into the recording Dataset (chunked one epoch per zarr chunk).

    `probe_series` (step, channel): the whole probe split, stored (``probe_series``) so that other
    networks can be recorded on the same windows (window i is steps i .. i + ``probe_first_step``).
    """
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
    if probe_series is not None:
        ds["probe_series"] = (("probe_step", "channel"), np.asarray(probe_series, dtype=np.float32),
                              {"long_name": "standardised probe split; window i is steps i .. i + probe_first_step",
                               "units": "sd"})
    if all("window_residual" in p for p in pieces):
        ds["probe_window_residual"] = (("epoch",), np.array([p["window_residual"] for p in pieces], dtype=np.float64),
                                       {"long_name": "RMS difference between consecutive windows' states at the same "
                                                     "time, relative to the states' RMS spread", "units": "1"})
    if all("grad_fixed_mean_norm" in p for p in pieces):  # runs with grad_fixed_batches > 0
        ds["grad_fixed_mean_norm"] = (("epoch", "group"), np.stack([p["grad_fixed_mean_norm"] for p in pieces]),
                                      {"long_name": "norm of the mean minibatch gradient at fixed end-of-epoch "
                                                    "weights"})
        ds["grad_fixed_std_norm"] = (("epoch", "group"), np.stack([p["grad_fixed_std_norm"] for p in pieces]),
                                     {"long_name": "norm of the elementwise std of minibatch gradients at fixed "
                                                   "end-of-epoch weights"})
    ds = _probe_check(ds)
    ds["activity"].encoding["chunks"] = (1, n_time, len(neuron_ids))
    ds["prediction"].encoding["chunks"] = (1, n_time)
    return ds


PROBE_KIND = "sliding windows"
"""``probe`` attr of a recording whose probe is the probe split's windows (each from a zero state, the
state at its read-out step recorded), as training and the windowed losses see them. Recordings
without it were one stateful run over the split."""
PROBE_TOLERANCE = 0.01
"""Largest relative difference between the probe's MSE and the windowed MSE of the same split that
still counts as a match. The sliding-window probe forecasts from the very windows the windowed MSE
averages over, so they agree to rounding (float32); 1% catches a probe misaligned by one step or
recorded from another regime (the stateful run: 1.34-1.40 times the windowed MSE on the seed's
task)."""


def probe_transient(attrs: dict[str, Any]) -> int:
    """Steps at the start of a stateful probe run whose state has seen fewer past steps than any
    training window (``window - target_offset``; 0 when the recording does not say, and 0 for a
    sliding-window probe, whose every state has seen a full window)."""
    if "window" not in attrs or attrs.get("probe") == PROBE_KIND:
        return 0
    return max(int(attrs["window"]) - int(attrs.get("target_offset", 0)), 0)


def _probe_check(ds: xr.Dataset) -> xr.Dataset:
    """Add ``probe_loss (epoch)`` and the probe-versus-windows check to a training recording.

    Training and the windowed losses see windows of ``window`` steps, each from a zero state. The
    probe (``probe`` attr :data:`PROBE_KIND`) records the state at each window's read-out step, so
    its forecasts are those the windowed loss of the probe split averages, and ``probe_loss`` must
    equal it within :data:`PROBE_TOLERANCE` (relative, at the last epoch). A probe that is one stateful
    run over the split (older recordings) drops its first :func:`probe_transient` steps first and
    still does not match: its state carries memory older than any window. The check is written to
    the attrs (``probe_loss_last``, ``probe_windowed_loss_last``, ``probe_loss_ratio``,
    ``probe_tolerance``, ``probe_check_passed``, ``probe_check``); a failed one warns
    (InfoflowWarning): the activity analysed is then not the regime the network was tested in.
    """
    skip = probe_transient(ds.attrs)
    n_time = ds.sizes["time"]
    if skip >= n_time:
        return ds
    err = ds["prediction"].values[:, skip:].astype(np.float64) - ds["target"].values[None, skip:].astype(np.float64)
    probe = np.mean(err**2, axis=1)
    ds["probe_loss"] = (("epoch",), probe, {"long_name": f"MSE of the probe after its first {skip} steps",
                                            "units": "sd^2"})
    split = str(ds.attrs.get("probe_split", "test"))
    windowed = ds[f"{split}_loss"].values if f"{split}_loss" in ds else None
    ds.attrs["probe_transient_steps"] = int(skip)
    if windowed is None or int(ds.attrs.get("horizon", 1)) != 1:
        ds.attrs["probe_check"] = ("not compared: the windowed loss averages several forecast steps"
                                   if windowed is not None else "not compared: no windowed loss of the probe split")
        return ds
    ratio = float(probe[-1] / windowed[-1]) if windowed[-1] > 0 else float("nan")
    ok = bool(np.isfinite(ratio) and abs(ratio - 1.0) <= PROBE_TOLERANCE)
    kind = str(ds.attrs.get("probe", "stateful run"))
    ds.attrs.update(probe_loss_last=float(probe[-1]), probe_windowed_loss_last=float(windowed[-1]),
                    probe_loss_ratio=ratio, probe_tolerance=PROBE_TOLERANCE, probe_check_passed=int(ok))
    ds.attrs["probe_check"] = (
        f"{'match' if ok else 'MISMATCH'}: at the last epoch the probe's ({kind}) MSE"
        f"{f' after its first {skip} steps' if skip else ''} is {probe[-1]:.4g}, the windowed {split} MSE "
        f"{windowed[-1]:.4g} (ratio {ratio:.4f}, tolerance {PROBE_TOLERANCE:.0%})")
    if "probe_window_residual" in ds and np.isfinite(ds["probe_window_residual"].values[-1]):
        ds.attrs["probe_check"] += (
            f"; consecutive probe states come from windows one step apart and differ from the network's own "
            f"one-step dynamics by {float(ds['probe_window_residual'].values[-1]):.2f} of the states' spread "
            "(probe_window_residual; lagged flows read with it)")
    if not ok:
        warnings.warn(f"recording: {ds.attrs['probe_check']}; the activity recorded is not the regime the network "
                      "was trained and tested in.", InfoflowWarning, stacklevel=3)
    return ds


def _strings(values: Sequence[Any]) -> np.ndarray:
    """Object-dtype str array: zarr v3 stores it as variable-length UTF-8 (fixed-width numpy
    strings have no stable zarr v3 spec and warn)."""
    return np.array([str(v) for v in values], dtype=object)


@validate_params({"path": [InstanceOf(str, os.PathLike)], "roles": [InstanceOf(list, tuple), NoneOK()],
                  "neuron_ids": [InstanceOf(list, tuple), NoneOK()], "time_column": [InstanceOf(str), NoneOK()],
                  "fill": [Options("interpolate"), NoneOK()]})
def load_recording(path: str | Path, *, roles: Sequence[str] | None = None,
                   neuron_ids: Sequence[str] | None = None, time_column: str | None = None,
                   fill: str | None = None) -> xr.Dataset:
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
    time_column : str or None, default=None
        ``.csv`` only: a column of time stamps or step numbers, dropped (it is not a neuron). A
        column that rises at every row and is not named here gets an ``InfoflowWarning``.
    fill : {None, "interpolate"}, default=None
        ``.csv`` only: fill interior empty or NaN cells by linear interpolation along time (an
        ``InfoflowWarning`` says how many); None leaves them, and the analysis refuses them.

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
            if seeds:
                hint = f" It holds {', '.join(seeds)}: pass one of those."
            elif partial := interrupted_training(path):
                hint = " " + partial
            else:
                hint = " Run `infoflow train` first."
            raise FileNotFoundError(f"load_recording: {path} has no recording.zarr.{hint}")
    suffix = path.suffix.lower()
    if suffix in (".zarr", ".nc"):
        from infoflow._io import load_dataset

        ds = load_dataset(path)
        if "activity" not in ds:
            raise ValueError(f"load_recording: {path} has no 'activity' variable; variables are {list(ds.data_vars)}.")
        if roles is not None or neuron_ids is not None:
            ds = _relabel(ds, roles, neuron_ids)
        if ds.attrs.get("complete", 1) == 0:
            warnings.warn(incomplete_message(path, ds), InfoflowWarning, stacklevel=2)
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
        arr, file_ids = _read_activity_csv(path, time_column=time_column, fill=fill)
        file_roles = None
    else:
        raise ValueError(f"load_recording: unknown file type {suffix!r}; use a run folder, .zarr, .nc, .npy, .npz or "
                         ".csv.")
    given = roles if roles is not None else file_roles
    return activity_dataset(arr, roles=given, neuron_ids=neuron_ids if neuron_ids is not None else file_ids,
                            attrs={"source_file": str(path), "roles_given": int(given is not None)},
                            func="load_recording")


def interrupted_training(folder: Path) -> str | None:
    """How to finish a training run that stopped before it wrote its recording, or None."""
    folder = Path(folder)
    ckpts = sorted((folder / "checkpoints").glob("epoch_*.pt")) if (folder / "checkpoints").is_dir() else []
    if not ckpts and not (folder / "config.json").exists():
        return None
    done = f" (checkpoints up to epoch {int(ckpts[-1].stem.split('_')[1])})" if ckpts else ""
    return (f"Its training was interrupted before it finished{done}: finish it with "
            f"`infoflow train --resume --out {folder}` and the options it was started with.")


def incomplete_message(path: Path, ds: xr.Dataset) -> str:
    """The sentence that says a recording is partial (``complete = 0``) and how to finish it."""
    import json

    folder = Path(path).parent if Path(path).name == "recording.zarr" else Path(path)
    planned = ""
    with contextlib.suppress(OSError, ValueError, KeyError):
        planned = f" of {json.loads((folder / 'config.json').read_text())['epochs']}"
    last = int(ds["epoch"].values[-1]) if "epoch" in ds.coords and ds["epoch"].size else 0
    return (f"{path} is incomplete: its training was interrupted after epoch {last}{planned}. Finish it with "
            f"`infoflow train --resume --out {folder}` (same options) before analysing it.")


def _read_activity_csv(path: Path, *, time_column: str | None = None,
                       fill: str | None = None) -> tuple[np.ndarray, list[str] | None]:
    """An activity CSV: one column per neuron, a header of neuron ids (or none: then a notice).

    A leading unnamed column holding 0, 1, 2, ... (what ``DataFrame.to_csv()`` writes by default)
    is the row index, not a neuron: it is dropped with a notice. A first line of numbers is data.
    """
    import pandas as pd

    func = "load_recording"
    try:
        df = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, comment="#", skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{func}: {path} is empty; it needs one column per neuron.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{func}: could not parse {path} as CSV ({str(exc).strip()}).") from None
    first = [str(v).strip() for v in df.iloc[0]]

    def numeric(cells) -> bool:
        return bool(len(cells)) and bool(pd.to_numeric(pd.Series(list(cells)), errors="coerce").notna().all())

    if first[0] in ("", "Unnamed: 0") or not numeric(first):
        header, body = first, df.iloc[1:]  # a header row (an empty first name: pandas' index column)
    else:
        header, body = None, df
        warnings.warn(f"{path.name} has no header row (its first line holds numbers): read that line as data and "
                      f"named the {df.shape[1]} neurons n0, n1, ...; add a header row of neuron ids to name them.",
                      InfoflowWarning, stacklevel=3)
    if body.shape[0] == 0:
        raise ValueError(f"{func}: {path} has a header but no data rows.")
    if header is not None and body.shape[1] > 1 and header[0] in ("", "Unnamed: 0"):
        col = pd.to_numeric(body.iloc[:, 0].str.strip(), errors="coerce")
        if col.notna().all() and (col.diff().iloc[1:] > 0).all() and (col == col.round()).all():
            warnings.warn(f"{path.name}: the first column has no name and holds the row numbers "
                          f"{int(col.iloc[0])}, {int(col.iloc[1]) if len(col) > 1 else ''}, ... (the index that "
                          "pandas' DataFrame.to_csv() writes by default): it is not read as a neuron. "
                          "Write the file with to_csv(index=False) to silence this.", InfoflowWarning, stacklevel=3)
            header, body = header[1:], body.iloc[:, 1:]
    if header is not None:
        empty = [j for j, h in enumerate(header) if not h]
        if empty:
            raise ValueError(f"{func}: column {empty[0]} of {path} has no name; give every neuron column an id in "
                             "the header row.")
    if time_column is not None:
        if header is None or time_column not in header:
            raise InvalidParameterError(f"{func}: time_column {time_column!r} is not a column of {path.name}; columns "
                                        f"are {header}.")
        keep = [j for j, h in enumerate(header) if h != time_column]
        header, body = [header[j] for j in keep], body.iloc[:, keep]
    missing = body.apply(lambda c: c.str.strip().isin(("", "nan", "NaN", "NA"))).to_numpy()
    values = body.apply(lambda c: pd.to_numeric(c.str.strip(), errors="coerce"))
    bad = values.isna().to_numpy() & ~missing
    if bad.any():
        row, col = (int(v[0]) for v in np.nonzero(bad))
        line = row + 1 + (header is not None)
        raise ValueError(f"{func}: {path} must hold numbers under a header of neuron ids; line {line}, column "
                         f"{col} holds {str(body.iloc[row, col])!r}.")
    if fill == "interpolate" and missing.any():
        values = values.interpolate(axis=0, limit_area="inside")
        warnings.warn(f"{path.name}: linearly interpolated {int(missing.sum() - values.isna().to_numpy().sum())} "
                      "missing value(s) in interior gaps.", InfoflowWarning, stacklevel=3)
    arr = values.to_numpy(dtype=np.float64)
    if len(arr) > 2:
        rising = [j for j in range(arr.shape[1]) if np.all(np.diff(arr[:, j]) > 0)]
        if rising:
            name = header[rising[0]] if header is not None else f"n{rising[0]}"
            warnings.warn(f"{path.name}: column {name!r} rises at every row, like a time axis rather than a neuron; "
                          f"if it is one, drop it with time_column={name!r}.", InfoflowWarning, stacklevel=3)
    return arr, header


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
        raise ValueError(f"{func}: need {n} distinct neuron ids; got {len(neuron_ids)} ({len(set(neuron_ids))} "
                         "distinct).")
    # ids first, so a bad value is reported under the neuron's own name
    named = xr.DataArray(arr, dims=ACTIVITY_DIMS, coords={"epoch": np.arange(arr.shape[0]),
                                                          "time": np.arange(arr.shape[1]), "neuron": neuron_ids})
    da = check_activity(named, func=func, roles=list(roles) if roles is not None else ["hidden"] * n)
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
        ds["prediction"] = (("epoch", "time"),
                            np.asarray(prediction, dtype=np.float32).reshape(arr.shape[0], arr.shape[1]))
    ds.attrs.update({"infoflow_version": __version__, **(attrs or {})})
    return ds
