"""Loading and checking recordings for the dynamics analysis (private).

The recording format is fixed in docs/design.md; this module finds the run folders (one run, or
``seed_*/`` runs), turns "one Dataset or several" into a list and checks the variables needed.
(The checks live in ``infoflow._validation``, shared with the bottleneck package.) Recordings are
read with ``infoflow._io.load_dataset``, not ``infoflow.train``, so this package never pulls in torch.
"""

from __future__ import annotations

import re
from pathlib import Path

import xarray as xr

from infoflow._io import load_dataset
from infoflow._validation import as_recordings, count_tied_units, hidden_activity  # noqa: F401 (re-exported)

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
