"""From a series to training tensors: load, split, standardise, window (train layer, private).

Loading, the chronological split, training-only standardisation and the persistence baseline come
from :func:`infoflow.data.prepare`. Windows are built here rather than with
``infoflow.data.make_windows`` because their alignment depends on the model's ``target_offset``:
each window holds ``window`` past steps *and* the forecast step itself (see
:class:`infoflow.models.FullyRecurrentNet`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from infoflow._validation import InvalidParameterError


@dataclass
class Prepared:
    """Standardised splits of one series (float32 arrays of shape (time, channel))."""

    splits: dict[str, np.ndarray]
    channel_names: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray
    dataset: str
    fingerprint: str
    persistence_test: float


def load_series(config, data=None) -> tuple[xr.DataArray | str, str]:
    """Return what :func:`infoflow.data.prepare` takes (series or bundled name) and a dataset label."""
    from infoflow import data as ifdata

    if data is not None:
        if isinstance(data, xr.DataArray) and data.ndim == 2 and "channel" in data.dims:
            return data.transpose("time", "channel") if "time" in data.dims else data, "custom"
        values = np.asarray(getattr(data, "values", data))
        try:
            return ifdata.from_numpy(values), "custom"
        except (TypeError, ValueError) as exc:
            raise ValueError(f"train: data must be a numeric array of shape (time,) or (time, channel), or a "
                             f"DataArray (time, channel) ({exc}).") from None
    if config.csv is not None:
        series = ifdata.load_csv(config.csv, value_columns=list(config.value_columns),
                                 time_column=config.time_column, fill=config.fill)
        return series, f"csv:{Path(config.csv).name}"
    return config.dataset, config.dataset


def prepare(config, data=None) -> Prepared:
    """Load, split chronologically and standardise with training statistics (via ``infoflow.data``)."""
    from infoflow import data as ifdata

    source, label = load_series(config, data)
    channels = tuple(config.channels) if isinstance(source, str) else None
    prepared = ifdata.prepare(source, channels=channels, window=config.window, horizon=config.horizon,
                              fractions=tuple(config.fractions))
    splits = {name: np.ascontiguousarray(getattr(prepared.scaled, name).values, dtype=np.float32)
              for name in ("train", "val", "test")}
    if splits["test"].shape[0] < config.window + config.horizon + 1:
        raise ValueError(f"train: the test block has {splits['test'].shape[0]} steps; window={config.window} + "
                         f"horizon={config.horizon} needs at least {config.window + config.horizon + 1}. Use a "
                         "longer series or a shorter window.")
    values = np.ascontiguousarray(prepared.series.values, dtype=np.float64)
    fingerprint = hashlib.sha256(values.tobytes()).hexdigest()[:16]
    return Prepared(splits=splits, channel_names=tuple(prepared.channels),
                    mean=np.asarray(prepared.standardiser.mean, dtype=np.float64),
                    std=np.asarray(prepared.standardiser.scale, dtype=np.float64), dataset=label,
                    fingerprint=fingerprint, persistence_test=float(prepared.persistence("test")))


def make_windows(values: np.ndarray, *, window: int, horizon: int, target_channel: int = 0):
    """Windows of ``window + 1`` steps and their targets.

    ``inputs[i] = values[i : i + window + 1]`` (past hours, then the first forecast hour) and
    ``targets[i, k] = values[i + window + k, target_channel]``. A model with ``target_offset`` d
    forecasts from its read-out at index ``window - d``, which has seen exactly the `window` past
    hours (see the models' timing notes).
    """
    n = values.shape[0] - window - horizon + 1
    if n < 1:
        raise InvalidParameterError(f"train: {values.shape[0]} steps are too few for window={window}, "
                                    f"horizon={horizon}.")
    idx = np.arange(n)[:, None] + np.arange(window + 1)[None, :]
    inputs = values[idx]
    tidx = np.arange(n)[:, None] + window + np.arange(horizon)[None, :]
    targets = values[tidx, target_channel]
    return np.ascontiguousarray(inputs, dtype=np.float32), np.ascontiguousarray(targets, dtype=np.float32)
