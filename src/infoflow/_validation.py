"""Every check of user input lives here (scikit-learn style): public functions validate once
at entry and private kernels trust what they get.

Users do not import this module; they meet its errors: :class:`InvalidParameterError` for bad
arguments, ``ValueError`` for bad data, :class:`InfoflowWarning` for suspicious but computable input.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import numbers
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from infoflow._defaults import ACTIVITY_DIMS, ROLES

# what every `seed=` accepts (check_seed turns it into a Generator)
Seed = int | np.random.Generator | None


class InvalidParameterError(ValueError, TypeError):
    """A function argument has the wrong type or value (catchable as ValueError or TypeError)."""


class InfoflowWarning(UserWarning):
    """Input that can be computed on but probably should not be (constant neuron, many ties...)."""


# --------------------------------------------------------------------------- parameter constraints
class Constraint(Protocol):
    """One rule a parameter value may satisfy; ``validate_params`` takes a list of them per parameter.
    Any object with ``is_satisfied_by`` and a ``__str__`` that completes "must be ..." is one."""

    def is_satisfied_by(self, value: Any) -> bool: ...


class Interval(Constraint):
    """Numeric constraint ``low <= value <= high`` (either bound may be None), optionally integer."""

    def __init__(self, kind: type, low: float | None, high: float | None, closed: str = "both"):
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if self.kind is float and not isinstance(value, numbers.Real):
            return False
        lo_ok = self.low is None or (value >= self.low if self.closed in ("both", "left") else value > self.low)
        hi_ok = self.high is None or (value <= self.high if self.closed in ("both", "right") else value < self.high)
        return bool(lo_ok and hi_ok)

    def __str__(self) -> str:
        lb = "[" if self.closed in ("both", "left") else "("
        rb = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.low is None else self.low
        hi = "inf" if self.high is None else self.high
        return f"{'an int' if self.kind is int else 'a float'} in the range {lb}{lo}, {hi}{rb}"


class Options(Constraint):
    """Constraint: value is one of a closed set (strings compared exactly, lowercase)."""

    def __init__(self, *values: Any):
        self.values = values

    def is_satisfied_by(self, value: Any) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)

    def __str__(self) -> str:
        return "one of {" + ", ".join(repr(v) for v in self.values) + "}"


class InstanceOf(Constraint):
    def __init__(self, *types: type):
        self.types = types

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, self.types) and not (isinstance(value, bool) and bool not in self.types)

    def __str__(self) -> str:
        return "an instance of " + " or ".join(t.__name__ for t in self.types)


class NoneOK(Constraint):
    def is_satisfied_by(self, value: Any) -> bool:
        return value is None

    def __str__(self) -> str:
        return "None"


class CallableOK(Constraint):
    """Constraint: value is callable (e.g. a ``callback(done, total)``)."""

    def is_satisfied_by(self, value: Any) -> bool:
        return callable(value)

    def __str__(self) -> str:
        return "a callable"


class Anything(Constraint):
    """For data arguments, which are checked by the check_* functions instead."""

    def is_satisfied_by(self, value: Any) -> bool:
        return True

    def __str__(self) -> str:
        return "anything"


def _suggest(value: Any, constraint: Any) -> str:
    if isinstance(constraint, Options) and isinstance(value, str):
        close = difflib.get_close_matches(value, [str(v) for v in constraint.values], n=1)
        if close:
            return f" Did you mean {close[0]!r}?"
    return ""


def check_param(func_name: str, name: str, value: Any, constraints: Iterable[Constraint]) -> None:
    """Raise InvalidParameterError unless `value` satisfies at least one constraint."""
    constraints = list(constraints)
    if any(c.is_satisfied_by(value) for c in constraints):
        return
    hint = "".join(_suggest(value, c) for c in constraints)
    allowed = " or ".join(str(c) for c in constraints)
    raise InvalidParameterError(
        f"{func_name}: parameter {name!r} must be {allowed}; got {value!r}.{hint}"
    )


def validate_params(constraints: Mapping[str, Sequence[Constraint]]) -> Callable:
    """Decorator checking every named argument against its constraints before the call.

    The constraints dict must name every parameter of the function (a test checks this), so a
    new keyword cannot slip in unvalidated.
    """

    def decorator(func: Callable) -> Callable:
        sig = inspect.signature(func)
        missing = set(sig.parameters) - set(constraints)
        extra = set(constraints) - set(sig.parameters)
        if missing or extra:
            raise RuntimeError(f"validate_params on {func.__name__}: missing {missing}, extra {extra}")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError as exc:
                raise InvalidParameterError(f"{func.__name__}: {exc}") from None
            bound.apply_defaults()
            for name, value in bound.arguments.items():
                if sig.parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
                    if value:
                        unknown = ", ".join(sorted(value))
                        raise InvalidParameterError(f"{func.__name__}: unknown option(s) {unknown}.")
                    continue
                check_param(func.__name__, name, value, constraints[name])
            return func(*args, **kwargs)

        # the constraints stay reachable from the public function (tests/test_public_functions.py)
        wrapper.__infoflow_constraints__ = dict(constraints)  # type: ignore[attr-defined]
        return wrapper

    return decorator


# --------------------------------------------------------------------------- seeds
SEED_CONSTRAINTS = (NoneOK(), Interval(int, 0, None), InstanceOf(np.random.Generator))
"""What every public ``seed`` parameter accepts (docs/design.md, glossary): a non-negative int, None
(fresh entropy: different numbers on each call) or a ``numpy.random.Generator``."""

ROOT_SEED_BOUND = 2 ** 31
"""Root seeds drawn from a Generator or fresh entropy lie in [0, 2**31): they are recorded in result
attrs, and netCDF-3 (the scipy engine of ``save_dataset``) stores 32-bit signed integers only."""


def check_seed(seed: Seed) -> np.random.Generator:
    """Turn an int / None / Generator into a Generator (None -> fresh entropy; a Generator is returned
    as it is, so drawing from the result consumes the caller's stream)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0):
        return np.random.default_rng(seed)
    raise InvalidParameterError(f"seed must be a non-negative int, None or a numpy Generator; got {seed!r}.")


def root_seed(seed: int | None | np.random.Generator) -> int:
    """One non-negative int for functions that key several random streams by it
    (``default_rng([root, epoch, ...])``), so the streams do not depend on the order they are used in.

    An int is returned unchanged (the same numbers as passing it always gave). A Generator is consumed:
    one integer in [0, ROOT_SEED_BOUND) is drawn from it, so the caller's stream moves on and two calls
    with the same Generator differ, as any draw from it would. None draws that integer from fresh entropy.
    """
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    return int(check_seed(seed).integers(0, ROOT_SEED_BOUND))


# --------------------------------------------------------------------------- data checks


def check_array(x: Any, *, name: str, func: str, ndim: tuple[int, ...] = (1, 2), min_samples: int = 1,
                allow_nan: bool = False) -> np.ndarray:
    """Return `x` as a float64 C-contiguous array, checking dimensionality, length and finiteness."""
    try:
        arr = np.asarray(getattr(x, "values", x), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{func}: {name} must be numeric; could not convert it ({exc}).") from None
    if arr.ndim not in ndim:
        raise ValueError(f"{func}: {name} must have {' or '.join(map(str, ndim))} dimensions; got shape {arr.shape}.")
    if arr.shape[0] < min_samples:
        raise ValueError(f"{func}: {name} has {arr.shape[0]} samples; at least {min_samples} are needed.")
    if not allow_nan:
        bad = ~np.isfinite(arr)
        if bad.any():
            first = np.argwhere(bad)[0]
            kind = "NaN" if np.isnan(arr[tuple(first)]) else "infinite"
            raise ValueError(
                f"{func}: {name} has {int(bad.sum())} NaN/inf values (first: {kind} at index "
                f"{tuple(int(i) for i in first)}). "
                "Remove or interpolate them first."
            )
    return np.ascontiguousarray(arr)


def warn_constant(arr: np.ndarray, *, name: str, func: str) -> None:
    """Warn (not fail) for constant or heavily tied columns of a 2-D (n, d) array."""
    a = arr.reshape(arr.shape[0], -1)
    for j in range(a.shape[1]):
        col = a[:, j]
        if np.ptp(col) == 0:
            warnings.warn(f"{func}: {name} column {j} is constant; its information is 0 and estimates there are "
                          "only noise. Drop it, or silence with warnings.filterwarnings('ignore', "
                          "category=InfoflowWarning).",
                          InfoflowWarning, stacklevel=3)
        elif len(col) > 20:
            n_unique = len(np.unique(col))
            if n_unique < 0.1 * len(col):
                warnings.warn(f"{func}: {name} column {j} has only {n_unique} distinct values in {len(col)} samples; "
                              "ties are broken by the seeded jitter (see the pitfalls docs).",
                              InfoflowWarning, stacklevel=3)


def check_activity(activity: Any, *, func: str, roles: Iterable[str] | None = None,
                   min_time: int = 2):
    """Validate a recording and return it as a DataArray with dims ("epoch", "time", "neuron").

    Accepts an xarray DataArray with dims (time, neuron) or (epoch, time, neuron) and a ``role``
    coordinate on ``neuron``, or a NumPy array of shape (time, neuron) / (epoch, time, neuron) plus
    `roles`. Data become float64; NaN/inf raise an error naming the first bad value (a gap in a
    recording breaks every lagged pair across it, so infoflow never drops steps silently).
    """
    import xarray as xr

    if isinstance(activity, xr.Dataset):
        if "activity" not in activity:
            raise ValueError(f"{func}: the Dataset has no 'activity' variable; variables are "
                             f"{list(activity.data_vars)}.")
        activity = activity["activity"]
    if isinstance(activity, xr.DataArray):
        da = activity
        dims = tuple(da.dims)
        if dims == ("time", "neuron"):
            da = da.expand_dims(epoch=[0])
        elif set(dims) == set(ACTIVITY_DIMS):
            da = da.transpose(*ACTIVITY_DIMS)
        else:
            raise ValueError(f"{func}: activity must have dims (time, neuron) or (epoch, time, neuron); got {dims}.")
        if roles is not None:
            da = da.assign_coords(role=("neuron", _check_roles(roles, da.sizes["neuron"], func)))
        elif "role" not in da.coords:
            raise ValueError(f"{func}: activity has no 'role' coordinate on 'neuron'. Pass roles=[...] "
                             "with one of 'input', 'hidden', 'output' per neuron.")
        else:
            _check_roles(list(da["role"].values), da.sizes["neuron"], func)
    else:
        arr = np.asarray(activity)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3:
            raise ValueError(f"{func}: activity must be 2-D (time, neuron) or 3-D (epoch, time, neuron); got shape "
                             f"{arr.shape}.")
        n_neuron = arr.shape[2]
        role_list = _check_roles(roles if roles is not None else ["hidden"] * n_neuron, n_neuron, func)
        da = xr.DataArray(arr, dims=ACTIVITY_DIMS, name="activity",
                          coords={"epoch": np.arange(arr.shape[0]), "time": np.arange(arr.shape[1]),
                                  "neuron": [f"n{i}" for i in range(n_neuron)], "role": ("neuron", role_list)})
    try:
        values = np.ascontiguousarray(np.asarray(da.values, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{func}: activity must be numeric ({exc}).") from None
    _check_finite_activity(values, np.arange(values.shape[0]), da["neuron"].values, what="activity", func=func,
                           hint="Remove or interpolate those steps before the analysis (for CSV input: "
                                "infoflow.data.load_csv(..., fill='interpolate')).")
    if values.shape[1] < min_time:
        raise ValueError(f"{func}: activity has {values.shape[1]} time steps; at least {min_time} are needed.")
    return da.copy(data=values)


def _check_roles(roles: Iterable[str], n_neuron: int, func: str) -> list[str]:
    roles = [str(r) for r in roles]
    if len(roles) != n_neuron:
        raise ValueError(f"{func}: {len(roles)} roles given for {n_neuron} neurons; give one role per neuron.")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"{func}: unknown role(s) {unknown}; roles must be one of {list(ROLES)}.")
    return roles


def check_lags(lags: Any, *, n_time: int, func: str) -> tuple[int, ...]:
    """Validate a lag or sequence of lags (non-negative ints, shorter than the series)."""
    if isinstance(lags, numbers.Integral) and not isinstance(lags, bool):
        lags = (int(lags),)
    try:
        out = tuple(int(v) for v in lags)
    except TypeError:
        raise InvalidParameterError(f"{func}: lags must be an int or a sequence of ints; got {lags!r}.") from None
    if not out:
        raise InvalidParameterError(f"{func}: lags must not be empty.")
    for v, orig in zip(out, lags):
        if isinstance(orig, bool) or v != orig or v < 0:
            raise InvalidParameterError(f"{func}: lags must be non-negative ints; got {orig!r}.")
        if v >= n_time - 1:
            raise InvalidParameterError(f"{func}: lag {v} leaves no samples in a series of {n_time} steps; "
                                        "use shorter lags or record longer epochs.")
    return out


def check_method_options(func: str, method: str, given: Mapping[str, Any],
                         used_by: Mapping[str, Iterable[str]]) -> None:
    """Raise InvalidParameterError for a method-specific keyword set for a method that ignores it.

    `given` maps keyword -> value, where None (or the keyword's neutral default, which the caller
    maps to None) means "not set"; `used_by` maps keyword -> the methods that read it.
    """
    for name, value in given.items():
        if value is None:
            continue
        methods = tuple(used_by[name])
        if method not in methods:
            allowed = " or ".join(repr(m) for m in methods)
            raise InvalidParameterError(
                f"{func}: {name}={value!r} is only used by method={allowed}; method={method!r} ignores it. "
                f"Leave {name} unset, or use method={allowed}.")


# --------------------------------------------------------------------------- recordings (bottleneck, dynamics)
def as_recordings(recordings: Any, *, func: str, require: Sequence[str]) -> tuple[list, list[int]]:
    """Return (datasets, seeds) for one recording Dataset or a sequence of them (one per seed).

    Shared by the bottleneck and dynamics packages (one import layer, so they cannot share code
    with each other); checks that each recording has the variables in `require`.
    """
    import xarray as xr

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


def hidden_activity(ds, *, func: str):
    """The hidden units of a recording as float64 (epoch, time, neuron), finite values checked."""
    act = ds["activity"].transpose("epoch", "time", "neuron")
    hidden = act.isel(neuron=np.flatnonzero(act["role"].values == "hidden"))
    if hidden.sizes["neuron"] == 0:
        raise ValueError(f"{func}: the recording has no neuron with role 'hidden'; roles are "
                         f"{sorted(set(map(str, act['role'].values)))}.")
    values = np.asarray(hidden.values, dtype=np.float64)
    _check_finite_activity(values, hidden["epoch"].values, hidden["neuron"].values, what="hidden activity", func=func,
                           hint="Re-record the run or drop the broken epochs with .isel(epoch=...).")
    return hidden.copy(data=values)


def _check_finite_activity(values: np.ndarray, epochs, neurons, *, what: str, func: str, hint: str) -> None:
    """Raise naming the count and the first (epoch, time, neuron) of NaN/inf in (epoch, time, neuron) `values`;
    `epochs` and `neurons` are what the message prints for the first bad value's position."""
    bad = ~np.isfinite(values)
    if bad.any():
        e, t, n = np.argwhere(bad)[0]
        raise ValueError(f"{func}: {what} has {int(bad.sum())} NaN/inf values (first: epoch {int(epochs[e])}, "
                         f"time {int(t)}, neuron {str(neurons[n])!r}). {hint}")


def count_tied_units(t: np.ndarray, *, func: str) -> int:
    """How many columns of `t` (n, units) are constant or heavily tied, by the shared rule of
    ``infoflow._validation.warn_constant`` (its warnings are counted here, not shown)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InfoflowWarning)
        warn_constant(t, name="hidden activity", func=func)
    return sum(issubclass(w.category, InfoflowWarning) for w in caught)
