"""Loading and checking recordings for the dynamics analysis (private).

The recording format is fixed in docs/design.md; this module finds the run folders (one run, or
``seed_*/`` runs), turns "one Dataset or several" into a list and checks the variables needed.
(bottleneck has a twin of the checks: the two packages sit on one import layer and cannot share
code.) Recordings are read with ``infoflow._io.load_dataset``, not ``infoflow.train``, so this
package never pulls in torch.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from infoflow._io import load_dataset

_SEED_DIR = re.compile(r"^seed_(\d+)$")


def run_folders(run_dir: str | Path, *, func: str = "load_run") -> list[tuple[int | None, Path]]:
    """The run folders under `run_dir`: itself if it holds ``recording.zarr``, else its ``seed_<s>/``.

    Returns (seed or None, folder) pairs sorted by seed. Raises FileNotFoundError naming the fix.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{func}: run folder {run_dir} does not exist. Train first with `infoflow train` "
                                "or pass the folder that holds recording.zarr (or seed_*/ runs).")
    if (run_dir / "recording.zarr").exists():
        return [(None, run_dir)]
    seeds = []
    for sub in run_dir.iterdir():
        m = _SEED_DIR.match(sub.name)
        if m and sub.is_dir() and (sub / "recording.zarr").exists():
            seeds.append((int(m.group(1)), sub))
    if not seeds:
        raise FileNotFoundError(f"{func}: no recording in {run_dir}: expected {run_dir / 'recording.zarr'} or "
                                "seed_<s>/recording.zarr folders. Train with recording enabled (`infoflow train`).")
    return sorted(seeds)


def load_run(run_dir: str | Path) -> list[xr.Dataset]:
    """Load the recording(s) of a run folder: one Dataset, or one per ``seed_<s>/`` sub-run.

    Parameters
    ----------
    run_dir : path-like
        A run folder holding ``recording.zarr``, or a folder of ``seed_<s>/`` run folders.

    Returns
    -------
    recordings : list of Dataset
        Sorted by seed; each has attr ``train_seed`` (taken from the folder name when missing) and
        ``run_dir``.
    """
    out = []
    for seed, folder in run_folders(run_dir):
        ds = load_dataset(folder / "recording.zarr")
        if seed is not None and "train_seed" not in ds.attrs:
            ds.attrs["train_seed"] = seed
        ds.attrs["run_dir"] = str(folder)
        out.append(ds)
    return out


def as_recordings(recordings: Any, *, func: str, require: Sequence[str]) -> tuple[list[xr.Dataset], list[int]]:
    """Return (datasets, seeds) for one recording Dataset or a sequence of them (one per seed)."""
    if isinstance(recordings, xr.Dataset):
        recs = [recordings]
    elif isinstance(recordings, Iterable) and not isinstance(recordings, (str, bytes, xr.DataArray, np.ndarray)):
        recs = list(recordings)
    else:
        raise ValueError(f"{func}: expected a recording xarray.Dataset or a list of them (one per seed); "
                         f"got {type(recordings).__name__}. Load run folders with infoflow.dynamics.load_run(run_dir).")
    if not recs:
        raise ValueError(f"{func}: no recordings given; pass at least one recording Dataset.")
    for i, ds in enumerate(recs):
        if not isinstance(ds, xr.Dataset):
            raise ValueError(f"{func}: recording {i} is a {type(ds).__name__}, not an xarray.Dataset.")
        missing = [v for v in require if v not in ds.variables]
        if missing:
            raise ValueError(f"{func}: recording {i} lacks {missing}; it has {sorted(map(str, ds.data_vars))}. "
                             "Recordings written by `infoflow train` (docs/design.md) have them.")
        if "activity" in require:
            if set(ds["activity"].dims) != {"epoch", "time", "neuron"}:
                raise ValueError(f"{func}: recording {i} activity has dims {ds['activity'].dims}; "
                                 "expected (epoch, time, neuron).")
            if "role" not in ds["activity"].coords:
                raise ValueError(f"{func}: recording {i} activity has no 'role' coordinate on 'neuron'.")
    seeds = []
    for i, ds in enumerate(recs):
        s = ds.attrs.get("train_seed", i)
        try:
            seeds.append(int(s))
        except (TypeError, ValueError):
            seeds.append(i)
    if len(set(seeds)) != len(seeds):  # e.g. attrs missing or copies of one run: fall back to positions
        seeds = list(range(len(recs)))
    return recs, seeds


def hidden_activity(ds: xr.Dataset, *, func: str) -> xr.DataArray:
    """The hidden units of a recording as float64 (epoch, time, neuron), finite values checked."""
    act = ds["activity"].transpose("epoch", "time", "neuron")
    hidden = act.isel(neuron=np.flatnonzero(act["role"].values == "hidden"))
    if hidden.sizes["neuron"] == 0:
        raise ValueError(f"{func}: the recording has no neuron with role 'hidden'; roles are "
                         f"{sorted(set(map(str, act['role'].values)))}.")
    values = np.asarray(hidden.values, dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        e, t, n = np.argwhere(bad)[0]
        raise ValueError(f"{func}: hidden activity has {int(bad.sum())} NaN/inf values (first: epoch "
                         f"{int(hidden['epoch'].values[e])}, time {int(t)}, neuron {str(hidden['neuron'].values[n])!r}). "
                         "Re-record the run or drop the broken epochs with .isel(epoch=...).")
    return hidden.copy(data=values)


def count_tied_units(t: np.ndarray, *, func: str) -> int:
    """How many columns of `t` (n, units) are constant or heavily tied, by the shared rule of
    ``infoflow._validation.warn_constant`` (its warnings are counted here, not shown)."""
    from infoflow._validation import InfoflowWarning, warn_constant

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InfoflowWarning)
        warn_constant(t, name="hidden activity", func=func)
    return sum(issubclass(w.category, InfoflowWarning) for w in caught)
