"""Turn what the user passes to ``information_flow`` into the validated recording the engine works on.

Pipeline place: ``train`` (recordings) -> **flow**. Accepts an activity DataArray (time, neuron) or
(epoch, time, neuron) with a ``role`` coord, a recording Dataset (its ``activity``, and its ``inputs``
for ``condition_on_input``), a dask-backed DataArray (kept lazy: one epoch is loaded per task), or a
NumPy array plus ``roles``. Users do not import this module.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from infoflow._defaults import ACTIVITY_DIMS, DEFAULT_K
from infoflow._validation import InvalidParameterError, check_activity, check_lags, warn_constant

FUNC = "information_flow"


@dataclass
class FlowInput:
    """A validated recording, ready for the per-epoch work.

    ``da`` is the (epoch, time, neuron) activity with a ``role`` coord (possibly dask-backed);
    ``labels`` the epoch labels to analyse; ``cond`` the input to condition on: None, a (time,
    channel) array shared by every epoch, or ``("neurons", columns)`` for the input neurons of each
    epoch (read with that epoch); ``lags`` sorted unique lags >= 1.
    """

    da: Any
    labels: list
    cond: Any
    lags: tuple[int, ...]

    @property
    def n_time(self) -> int:
        return int(self.da.sizes["time"])

    @property
    def n_neuron(self) -> int:
        return int(self.da.sizes["neuron"])

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(str(v) for v in self.da["neuron"].values)


def read_activity(activity: Any, *, roles: Any, lags: Any, epochs: Any, condition_on_input: bool, method: str,
                  k: int, history: int, theiler: int) -> FlowInput:
    """Validate `activity` and the arguments checked against it (lags, epochs, sample counts, input)."""
    import xarray as xr

    dataset = activity if isinstance(activity, xr.Dataset) else None
    da = activity_array(activity, roles)
    n_time = da.sizes["time"]
    lags = check_lags(lags, n_time=n_time, func=FUNC)
    if 0 in lags:
        raise InvalidParameterError(f"{FUNC}: lags must be >= 1 (lag 0 is the zero-lag MI, always computed); "
                                    f"got {lags}.")
    lags = tuple(sorted(set(lags)))
    _check_samples(n_time, lags, history, k, theiler, method)
    labels = select_epochs(da, epochs)
    cond = input_condition(dataset, da, n_time) if condition_on_input else None
    return FlowInput(da=da, labels=labels, cond=cond, lags=lags)


def resolve_k(method: str, k: int | None) -> int:
    """KSG neighbours: an error if set for another method, DEFAULT_K when None."""
    if method != "ksg" and k is not None:
        raise InvalidParameterError(f"{FUNC}: k={k} only applies to method='ksg'; drop it for method={method!r}.")
    return DEFAULT_K if k is None else int(k)


def activity_array(activity: Any, roles: Any, *, func: str = FUNC):
    """Validated (epoch, time, neuron) DataArray; dask-backed data stay lazy (checked per epoch later)."""
    import xarray as xr

    da = activity["activity"] if isinstance(activity, xr.Dataset) and "activity" in activity else activity
    if isinstance(da, xr.DataArray) and da.chunks is not None:
        if "epoch" not in da.dims and set(da.dims) == {"time", "neuron"}:
            da = da.expand_dims(epoch=[0])
        if set(da.dims) != set(ACTIVITY_DIMS):
            raise ValueError(f"{func}: activity must have dims (time, neuron) or (epoch, time, neuron); "
                             f"got {tuple(da.dims)}.")
        da = da.transpose(*ACTIVITY_DIMS)
        probe = check_activity(da.isel(time=slice(0, 2)).load(), func=func, roles=roles)
        return da.assign_coords(role=("neuron", probe["role"].values))
    if roles is not None and not isinstance(roles, (list, tuple, np.ndarray)):
        raise InvalidParameterError(f"{func}: roles must be a list of 'input'/'hidden'/'output'; got {roles!r}.")
    da = check_activity(activity, func=func, roles=roles)
    for e in range(da.sizes["epoch"]):
        warn_constant(da.values[e], name="activity", func=func)
    return da


def _check_samples(n_time: int, lags, history: int, k: int, theiler: int, method: str) -> None:
    usable = n_time - max(max(lags), history)
    need = (k + 1 + 2 * theiler) if method == "ksg" else 3
    if usable < max(need, 10):
        raise ValueError(f"{FUNC}: each epoch has {usable} usable samples after lags up to {max(lags)} and "
                         f"history={history}; k={k} with theiler={theiler} needs {max(need, 10)}. Lower the lags, "
                         "history or theiler, or record longer epochs.")


def select_epochs(da, epochs: Any, *, func: str = FUNC) -> list:
    available = [v.item() for v in da["epoch"].values]
    if isinstance(epochs, str):
        if epochs == "all":
            return available
        if epochs == "last":
            return available[-1:]
        raise InvalidParameterError(f"{func}: epochs must be 'all', 'last', an epoch label or a list of them; "
                                    f"got {epochs!r}.")
    wanted = [epochs] if isinstance(epochs, numbers.Integral) else epochs
    try:
        wanted = list(wanted)
    except TypeError:
        raise InvalidParameterError(f"{func}: epochs must be 'all', 'last', an epoch label or a list of them; "
                                    f"got {epochs!r}.") from None
    if not wanted:
        raise InvalidParameterError(f"{func}: epochs must not be empty.")
    missing = [w for w in wanted if w not in available]
    if missing:
        shown = available if len(available) <= 12 else [*available[:6], "...", *available[-3:]]
        raise ValueError(f"{func}: epoch(s) {missing} do not exist; the recording has epochs {shown}.")
    return [available[available.index(w)] for w in wanted]


def input_condition(dataset, da, n_time: int, *, func: str = FUNC) -> Any:
    """The network input to condition on: the Dataset's ``inputs`` (time, channel), else role=='input' neurons."""
    if dataset is not None and "inputs" in dataset:
        inputs = dataset["inputs"]
        if "time" not in inputs.dims or inputs.sizes["time"] != n_time:
            raise ValueError(f"{func}: the recording's inputs have dims {dict(inputs.sizes)}; they need a 'time' "
                             f"axis of {n_time} steps to condition on.")
        inputs = inputs.transpose("time", ...)
        arr = np.asarray(inputs.values, dtype=np.float64).reshape(n_time, -1)
        if not np.isfinite(arr).all():
            raise ValueError(f"{func}: the recording's inputs contain NaN/inf; clean them before condition_on_input.")
        return arr
    is_input = np.asarray(da["role"].values) == "input"
    if not is_input.any():
        raise ValueError(f"{func}: condition_on_input=True but the recording has no 'inputs' and no neuron with "
                         "role 'input'. Pass a recording Dataset with 'inputs', or mark the input neurons' roles.")
    return ("neurons", np.flatnonzero(is_input))
