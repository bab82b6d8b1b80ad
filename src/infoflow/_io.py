"""Atomic file writes and loading of saved results (used by train, flow, report and cli).

Every result file is written to a temporary sibling and renamed into place, so a crash never
leaves a half-written file under the final name.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    """The process umask (read by setting and restoring it; the lock keeps threads from racing)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to a temporary sibling and rename it to `path`.

    The file gets the mode an ordinary ``open(path, "w")`` would give (0666 less the umask), not
    the 0600 of :func:`tempfile.mkstemp`, so colleagues sharing a folder can read reports.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")


def _json_default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def save_dataset(ds, path: str | os.PathLike) -> Path:
    """Write an xarray Dataset/DataArray atomically: ``.nc`` -> netCDF (scipy engine), ``.zarr`` -> zarr store.

    The data go to a temporary sibling first, then are renamed into place (a directory for zarr).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()
    try:
        if path.suffix == ".zarr":
            # Zarr format 2 with consolidated metadata: readable by every zarr/xarray version, and
            # format 3 warns that consolidation is not part of its spec.
            ds.to_zarr(tmp, mode="w", zarr_format=2, consolidated=True)
        elif path.suffix == ".nc":
            ds.to_netcdf(tmp, engine="scipy")
        else:
            raise ValueError(f"save_dataset: unknown file type {path.suffix!r}; use .nc or .zarr.")
        if path.exists():
            old = path.parent / f".{path.name}.old-{os.getpid()}"
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        if tmp.exists():
            shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()
        raise
    return path


def load_dataset(path: str | os.PathLike):
    """Open a Dataset written by :func:`save_dataset` (fully loaded into memory)."""
    import xarray as xr

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist.")
    try:
        if path.suffix == ".zarr" or path.is_dir():
            with warnings.catch_warnings():
                # stores written by older infoflow versions (zarr format 3) warn about consolidation
                warnings.filterwarnings("ignore", message="Consolidated metadata")
                ds = xr.open_zarr(path)
        else:
            try:
                ds = xr.open_dataset(path, engine="scipy")
            except (TypeError, ValueError, OSError):
                # netCDF4/HDF5 files (a plain ds.to_netcdf() elsewhere): any engine xarray has
                ds = xr.open_dataset(path)
        return ds.load()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"could not read {path}: it is corrupt or not an infoflow file ({exc}).") from None


def recording_fingerprint(ds) -> str:
    """A short hash that changes whenever a recording's data change (shape, epochs, ids, attrs, values).

    Written into results (``flow.nc`` attr ``recording_fingerprint``) so a later command can tell
    that the results came from an older version of the data (e.g. a training run resumed after
    they were computed). The activity values of the first and last epoch enter the hash; for a
    lazily opened zarr store that reads two chunks, not the whole recording.
    """
    import numpy as np

    act = ds["activity"] if "activity" in getattr(ds, "data_vars", {}) else ds
    h = hashlib.sha256()
    h.update(repr((tuple(act.dims), tuple(int(v) for v in act.shape))).encode())
    for name in ("epoch", "neuron", "role"):
        if name in act.coords:
            h.update(repr([str(v) for v in np.asarray(act[name].values).ravel()]).encode())
    attrs = {k: v for k, v in getattr(ds, "attrs", {}).items() if k != "recording_fingerprint"}
    h.update(json.dumps(attrs, sort_keys=True, default=str).encode())
    if "epoch" in act.dims:
        picks = [act.isel(epoch=0), act.isel(epoch=-1)] if act.sizes["epoch"] > 1 else [act.isel(epoch=0)]
    else:
        picks = [act]
    for part in picks:
        h.update(np.ascontiguousarray(np.asarray(part.values, dtype=np.float32)).tobytes())
    return h.hexdigest()[:16]


def source_fingerprint(path: str | os.PathLike) -> str:
    """Fingerprint of a recording on disk: a zarr store by its data (:func:`recording_fingerprint`),
    any other file by its bytes. Options applied when reading (roles, a dropped time column) do not
    enter it, so results can be checked against their source however it was read."""
    path = Path(path)
    if path.is_dir():
        import xarray as xr

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Consolidated metadata")
            return recording_fingerprint(xr.open_zarr(path))
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]
