"""``TrainConfig``: every option of a training run in one frozen dataclass (train layer).

It is validated on creation (through ``infoflow._validation``), written to ``config.json`` in the
run folder and read back on resume; an unknown key is an error that suggests the closest valid one.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from typing import Any

from infoflow._defaults import DEFAULT_FIXED_GRAD_BATCHES
from infoflow._validation import InstanceOf, Interval, InvalidParameterError, NoneOK, Options, check_param
from infoflow.models import ARCHITECTURES, INITS, NONLINEARITIES
from infoflow.models._factory import _check_arch_options

PROBE_SPLITS = ("train", "val", "test")
DEVICES = ("cpu", "cuda")


@dataclass(frozen=True)
class TrainConfig:
    """Options of one training run (one or several seeds).

    Parameters
    ----------
    dataset : str, default="greensboro"
        Bundled series (see ``infoflow.data.list_datasets()``); ignored when `csv` is set. Runs on an
        array given to :func:`train` as ``data=`` record ``"custom"`` here.
    csv : str or None, default=None
        Path of a CSV file to train on instead of a bundled series.
    value_columns : tuple of str or None, default=None
        CSV columns to use as channels (required with `csv`); the first is the forecast target.
    time_column : str or None, default=None
        CSV timestamp column (used for ordering and gap checks by ``infoflow.data.load_csv``).
    fill : str or None, default=None
        How ``load_csv`` fills missing values (None: missing values are an error).
    channels : tuple of str, default=("temperature",)
        Channels of a bundled series; the first is the forecast target.
    arch : {"fully_recurrent", "elman", "gru", "lstm"}, default="fully_recurrent"
    n_units : int, default=32
        Fully recurrent: units in the pool; others: hidden units.
    n_input_units : int, default=2
        Fully recurrent only: units that receive the input.
    n_output_units : int or None, default=None
        Output units; None means one per forecast step (`horizon`).
    nonlinearity : {"tanh", "relu", "sigmoid"}, default="tanh"
    init : {"orthogonal", "normal", "default"}, default="orthogonal"
    gain : float, default=1.0
        Scale of the recurrent initialisation.
    epochs : int, default=60
    batch_size : int, default=128
    lr : float, default=3e-3
        Adam learning rate.
    window : int, default=24
        Past hours seen before the forecast hour.
    horizon : int, default=1
        Hours forecast; output unit k forecasts hour k+1 after the window.
    fractions : tuple of 3 floats, default=(0.7, 0.1, 0.2)
        Chronological train/val/test split.
    patience : int or None, default=None
        Early stopping: stop after this many epochs without a better validation loss (None: off).
    seeds : tuple of int, default=(0,)
        One run per seed; several seeds write ``seed_<s>/`` subfolders.
    probe_split : {"train", "val", "test"}, default="test"
        Continuous segment run statefully after every epoch to record the activity.
    device : {"cpu", "cuda"}, default="cpu"
    num_threads : int, default=1
        torch CPU threads during training. The networks are tiny (32 units), so one thread is
        fastest and leaves the other cores free; results are identical for a given value.
    grad_fixed_batches : int, default=8
        After every epoch (and before training), gradients of this many random training minibatches
        at the fixed end-of-epoch weights, with no update, give ``grad_fixed_mean_norm`` and
        ``grad_fixed_std_norm`` (docs/design.md); 0 records none. Unlike the per-batch statistics
        of the epoch's updates, they do not count weight drift within the epoch as noise.
    """

    dataset: str = "greensboro"
    csv: str | None = None
    value_columns: tuple[str, ...] | None = None
    time_column: str | None = None
    fill: str | None = None
    channels: tuple[str, ...] = ("temperature",)
    arch: str = "fully_recurrent"
    n_units: int = 32
    n_input_units: int = 2
    n_output_units: int | None = None
    nonlinearity: str = "tanh"
    init: str = "orthogonal"
    gain: float = 1.0
    epochs: int = 60
    batch_size: int = 128
    lr: float = 3e-3
    window: int = 24
    horizon: int = 1
    fractions: tuple[float, float, float] = (0.7, 0.1, 0.2)
    patience: int | None = None
    seeds: tuple[int, ...] = field(default=(0,))
    probe_split: str = "test"
    device: str = "cpu"
    num_threads: int = 1
    grad_fixed_batches: int = DEFAULT_FIXED_GRAD_BATCHES

    def __post_init__(self) -> None:
        f = "TrainConfig"
        for name in ("value_columns", "channels", "seeds", "fractions"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        if isinstance(self.gain, int) and not isinstance(self.gain, bool):
            object.__setattr__(self, "gain", float(self.gain))
        if isinstance(self.lr, int) and not isinstance(self.lr, bool):
            object.__setattr__(self, "lr", float(self.lr))
        str_or_none = [InstanceOf(str), NoneOK()]
        check_param(f, "dataset", self.dataset, [InstanceOf(str)])
        check_param(f, "csv", self.csv, str_or_none)
        check_param(f, "time_column", self.time_column, str_or_none)
        check_param(f, "fill", self.fill, str_or_none)
        check_param(f, "arch", self.arch, [Options(*ARCHITECTURES)])
        check_param(f, "n_units", self.n_units, [Interval(int, 1, None)])
        check_param(f, "n_input_units", self.n_input_units, [Interval(int, 1, None)])
        check_param(f, "n_output_units", self.n_output_units, [Interval(int, 1, None), NoneOK()])
        check_param(f, "nonlinearity", self.nonlinearity, [Options(*NONLINEARITIES)])
        check_param(f, "init", self.init, [Options(*INITS)])
        check_param(f, "gain", self.gain, [Interval(float, 0, None, closed="neither")])
        check_param(f, "epochs", self.epochs, [Interval(int, 0, None)])
        check_param(f, "batch_size", self.batch_size, [Interval(int, 1, None)])
        check_param(f, "lr", self.lr, [Interval(float, 0, None, closed="neither")])
        check_param(f, "window", self.window, [Interval(int, 1, None)])
        check_param(f, "horizon", self.horizon, [Interval(int, 1, None)])
        check_param(f, "patience", self.patience, [Interval(int, 1, None), NoneOK()])
        check_param(f, "probe_split", self.probe_split, [Options(*PROBE_SPLITS)])
        check_param(f, "device", self.device, [Options(*DEVICES)])
        check_param(f, "num_threads", self.num_threads, [Interval(int, 1, None)])
        check_param(f, "grad_fixed_batches", self.grad_fixed_batches, [Interval(int, 0, None)])
        for name in ("channels", "value_columns"):
            value = getattr(self, name)
            if value is None and name == "value_columns":
                continue
            if not isinstance(value, tuple) or not value or not all(isinstance(v, str) for v in value):
                raise InvalidParameterError(f"{f}: parameter {name!r} must be a non-empty sequence of str; got "
                                            f"{value!r}.")
        if not isinstance(self.seeds, tuple) or not self.seeds:
            raise InvalidParameterError(f"{f}: parameter 'seeds' must be a non-empty sequence of ints; got "
                                        f"{self.seeds!r}.")
        for s in self.seeds:
            check_param(f, "seeds", s, [Interval(int, 0, None)])
        if len(set(self.seeds)) != len(self.seeds):
            raise InvalidParameterError(f"{f}: parameter 'seeds' has repeated values {self.seeds!r}; give distinct "
                                        "seeds.")
        fr = self.fractions
        if (not isinstance(fr, tuple) or len(fr) != 3 or
                any(isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0 for v in fr)
                or abs(sum(fr) - 1.0) > 1e-9):
            raise InvalidParameterError(f"{f}: parameter 'fractions' must be 3 positive numbers summing to 1 "
                                        f"(train, val, test); got {fr!r}.")
        if self.csv is not None and self.value_columns is None:
            raise InvalidParameterError(f"{f}: csv={self.csv!r} needs value_columns (the CSV columns to train on, "
                                        "target first), e.g. value_columns=('temperature',).")
        if self.n_output_units is not None and self.n_output_units != self.horizon:
            raise InvalidParameterError(f"{f}: n_output_units ({self.n_output_units}) must equal horizon "
                                        f"({self.horizon}): "
                                        "output unit k forecasts step k+1 ahead. Leave n_output_units=None.")
        _check_arch_options(self.arch, self.n_units, self.n_input_units, self.output_units, self.nonlinearity, func=f)

    @property
    def output_units(self) -> int:
        """Number of output units actually built (`n_output_units`, or `horizon` when None)."""
        return self.horizon if self.n_output_units is None else self.n_output_units

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, options: dict[str, Any], *, func: str = "TrainConfig") -> TrainConfig:
        """Build a config from a dict (e.g. ``config.json``); unknown keys raise, naming the closest valid key."""
        names = [fld.name for fld in dataclasses.fields(cls)]
        for key in options:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else f" Valid options: {', '.join(names)}."
                raise InvalidParameterError(f"{func}: unknown option {key!r}.{hint}")
        return cls(**options)

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some options changed (validated like the original)."""
        return self.from_dict({**dataclasses.asdict(self), **changes})
