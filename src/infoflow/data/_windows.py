"""Chronological splits, training-only standardisation, sliding windows and the persistence
baseline; :func:`prepare` chains them for the training stage (``infoflow.train`` uses it).

First stage of the pipeline. Users import these from ``infoflow.data``. No shuffling anywhere:
train, validation and test are consecutive, disjoint blocks of time, and windows never cross them.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import xarray as xr

from infoflow._validation import Anything, Interval, InvalidParameterError, NoneOK, validate_params
from infoflow.data._series import as_name_list, check_series, closest


class Split(NamedTuple):
    """Three consecutive, disjoint blocks of one series (train, then validation, then test)."""

    train: xr.DataArray
    val: xr.DataArray
    test: xr.DataArray


class Windows(NamedTuple):
    """Sliding windows of one split: ``inputs`` (n, window, channel), ``targets`` (n, horizon), float32."""

    inputs: np.ndarray
    targets: np.ndarray


def _check_fractions(fractions: Any, func: str) -> tuple[float, float, float]:
    try:
        out = tuple(float(f) for f in fractions)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"{func}: fractions must be three numbers (train, val, test); got {fractions!r}.") from None
    if len(out) != 3 or any(isinstance(f, bool) for f in fractions):
        raise InvalidParameterError(f"{func}: fractions must be three numbers (train, val, test); got {fractions!r}.")
    if any(not np.isfinite(f) or f <= 0 for f in out) or abs(sum(out) - 1.0) > 1e-6:
        raise InvalidParameterError(f"{func}: fractions must be three positive numbers summing to 1, e.g. "
                                    f"(0.7, 0.1, 0.2); got {fractions!r} (sum {sum(out):.6g}).")
    return out


@validate_params({"series": [Anything()], "fractions": [Anything()]})
def chronological_split(series: Any, fractions: Sequence[float] = (0.7, 0.1, 0.2)) -> Split:
    """Cut a series into consecutive train / validation / test blocks (no shuffling, no overlap).

    Parameters
    ----------
    series : DataArray with dims ("time", "channel"), or array-like of shape (n_time,) or (n_time, n_channels)
    fractions : tuple of 3 floats, default=(0.7, 0.1, 0.2)
        Positive shares of train, validation and test, summing to 1. Block sizes are
        ``round(f * n_time)`` for train and validation; test gets the rest.

    Returns
    -------
    split : Split
        Named tuple ``(train, val, test)`` of DataArrays (time, channel); each keeps the input's
        coordinates and attrs, plus attr ``split``.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflow.data import chronological_split
    >>> s = chronological_split(np.arange(10.0), fractions=(0.6, 0.2, 0.2))
    >>> [int(part.sizes["time"]) for part in s]
    [6, 2, 2]
    """
    func = "chronological_split"
    fr = _check_fractions(fractions, func)
    da = check_series(series, func=func)
    n = da.sizes["time"]
    n_train, n_val = int(round(fr[0] * n)), int(round(fr[1] * n))
    n_test = n - n_train - n_val
    if min(n_train, n_val, n_test) < 1:
        raise ValueError(f"{func}: a series of {n} steps split by {fractions} leaves an empty block "
                         f"(train {n_train}, val {n_val}, test {n_test}). Use a longer series.")
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, n)}
    parts = {k: da.isel(time=slice(a, b)).assign_attrs(split=k) for k, (a, b) in bounds.items()}
    return Split(**parts)


@dataclass(frozen=True, eq=False)  # eq=False: array fields make field-wise == ambiguous
class Standardiser:
    """Per-channel z-scoring with mean and standard deviation of the TRAINING block only.

    Build it with :meth:`Standardiser.fit`; applying it to validation or test data never changes it.

    Attributes
    ----------
    mean, scale : ndarray of shape (n_channels,)
        Training mean and (population) standard deviation per channel.
    channels : tuple of str
        Channel names seen in training.
    """

    mean: np.ndarray
    scale: np.ndarray
    channels: tuple[str, ...] = field(default=())

    @classmethod
    def fit(cls, train) -> Standardiser:
        """Fit on training data (DataArray (time, channel) or array (n_time,) / (n_time, n_channels)).

        A constant or non-finite training channel raises ``ValueError`` naming it.
        """
        da = check_series(train, func="Standardiser.fit", param="train")
        values = np.asarray(da.values, dtype=np.float64)
        if values.shape[0] < 2:
            raise ValueError(f"Standardiser.fit: train has {values.shape[0]} time steps; at least 2 are needed.")
        if not np.isfinite(values).all():
            raise ValueError("Standardiser.fit: train has NaN/inf values. Clean or interpolate them first.")
        mean, scale = values.mean(axis=0), values.std(axis=0)
        channels = tuple(str(c) for c in da["channel"].values)
        for j, s in enumerate(scale):
            if s == 0:
                raise ValueError(f"Standardiser.fit: channel {channels[j]!r} is constant in the training block, so it "
                                 "cannot be standardised. Drop the channel or use a longer training block.")
        return cls(mean=mean, scale=scale, channels=channels)

    def _index(self, channel: Any) -> int | slice:
        if channel is None:
            return slice(None)
        if isinstance(channel, str):
            if channel not in self.channels:
                raise InvalidParameterError(f"Standardiser: unknown channel {channel!r}; fitted channels are "
                                            f"{list(self.channels)}.")
            return self.channels.index(channel)
        if (isinstance(channel, numbers.Integral) and not isinstance(channel, bool)
                and 0 <= int(channel) < len(self.mean)):
            return int(channel)
        raise InvalidParameterError(f"Standardiser: channel must be a name in {list(self.channels)} or an index "
                                    f"0..{len(self.mean) - 1}; got {channel!r}.")

    def _apply(self, x, channel, inverse: bool):
        idx = self._index(channel)
        mean, scale = self.mean[idx], self.scale[idx]
        if channel is None:
            n_ch = np.shape(x)[-1] if np.ndim(x) else 0
            if n_ch != len(self.mean):
                raise ValueError(f"Standardiser: data have {n_ch} channels in the last axis but the scaler was fitted "
                                 f"on {len(self.mean)}. Pass channel=... to transform one channel's values.")
        if isinstance(x, xr.DataArray):
            out = x * scale + mean if inverse else (x - mean) / scale
            return out.assign_attrs(x.attrs, standardised=0 if inverse else 1)
        x = np.asarray(x, dtype=np.float64)
        return x * scale + mean if inverse else (x - mean) / scale

    def transform(self, x, *, channel=None):
        """Standardise: ``(x - mean) / scale``.

        Parameters
        ----------
        x : DataArray (time, channel) or array-like with channels in the last axis
            With `channel` given, any shape: all values belong to that one channel.
        channel : str or int or None, default=None

        Returns
        -------
        DataArray (attr ``standardised=1``) for DataArray input, else float64 ndarray.
        """
        return self._apply(x, channel, inverse=False)

    def inverse_transform(self, x, *, channel=None):
        """Undo :meth:`transform`: ``x * scale + mean`` (e.g. ``channel=0`` for forecasts of the target)."""
        return self._apply(x, channel, inverse=True)


def _as_values(values: Any, func: str) -> np.ndarray:
    arr = np.asarray(values.values if isinstance(values, xr.DataArray) else values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{func}: values must be 2-D (time, channel); got shape {arr.shape}.")
    if not np.isfinite(arr).all():
        raise ValueError(f"{func}: values contain NaN/inf. Clean them (load_csv(..., fill='interpolate')) first.")
    return arr


def _check_target(target_channel: int, n_channel: int, func: str) -> None:
    if target_channel >= n_channel:
        raise InvalidParameterError(f"{func}: target_channel={target_channel} but the data have {n_channel} "
                                    f"channel(s); use 0..{n_channel - 1}.")


def _check_length(n_time: int, window: int, horizon: int, func: str) -> None:
    if n_time < window + horizon:
        raise ValueError(f"{func}: the series has {n_time} time steps, shorter than window={window} + "
                         f"horizon={horizon} = {window + horizon}, so no window fits. Use a longer series "
                         "(or split block), or a smaller window.")


_WINDOW_PARAMS = {"window": [Interval(int, 1, None)], "horizon": [Interval(int, 1, None)],
                  "target_channel": [Interval(int, 0, None)]}


@validate_params({"values": [Anything()], **_WINDOW_PARAMS})
def make_windows(values: Any, *, window: int = 24, horizon: int = 1,
                 target_channel: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into overlapping input windows and the values that follow them.

    Sample ``i`` uses steps ``t-window .. t-1`` as input and steps ``t .. t+horizon-1`` of the
    target channel as targets, with ``t = i + window``.

    Parameters
    ----------
    values : ndarray of shape (n_time, n_channels) (or (n_time,)), or DataArray (time, channel)
    window : int, default=24
    horizon : int, default=1
    target_channel : int, default=0

    Returns
    -------
    inputs : ndarray of shape (n, window, n_channels), float32
    targets : ndarray of shape (n, horizon), float32
        ``n = n_time - window - horizon + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflow.data import make_windows
    >>> x, y = make_windows(np.arange(6.0)[:, None], window=3)
    >>> x[0, :, 0].tolist(), y[0].tolist(), x.shape
    ([0.0, 1.0, 2.0], [3.0], (3, 3, 1))
    """
    func = "make_windows"
    arr = _as_values(values, func)
    _check_target(target_channel, arr.shape[1], func)
    _check_length(arr.shape[0], window, horizon, func)
    n = arr.shape[0] - window - horizon + 1
    view = np.lib.stride_tricks.sliding_window_view(arr, window, axis=0)  # (T-window+1, channel, window)
    inputs = np.ascontiguousarray(view[:n].transpose(0, 2, 1), dtype=np.float32)
    tview = np.lib.stride_tricks.sliding_window_view(arr[window:, target_channel], horizon)
    targets = np.ascontiguousarray(tview[:n], dtype=np.float32)
    return inputs, targets


@validate_params({"values": [Anything()], **_WINDOW_PARAMS})
def persistence_mse(values: Any, target_channel: int = 0, horizon: int = 1, *, window: int = 24) -> float:
    """Mean squared error of the persistence forecast ("the next hours equal the last one").

    Evaluated on exactly the samples :func:`make_windows` gives for the same `window` and
    `horizon`, so it is directly comparable with a model's loss on those windows; pass
    standardised values to get standardised units.

    Parameters
    ----------
    values : ndarray of shape (n_time, n_channels) (or (n_time,)), or DataArray (time, channel)
    target_channel : int, default=0
    horizon : int, default=1
        MSE is averaged over all `horizon` steps, each predicted by the last input value.
    window : int, default=24

    Returns
    -------
    mse : float
    """
    func = "persistence_mse"
    arr = _as_values(values, func)
    _check_target(target_channel, arr.shape[1], func)
    _check_length(arr.shape[0], window, horizon, func)
    y = arr[:, target_channel]
    n = arr.shape[0] - window - horizon + 1
    last = y[window - 1: window - 1 + n]
    future = np.lib.stride_tricks.sliding_window_view(y[window:], horizon)[:n]
    return float(np.mean((future - last[:, None]) ** 2))


@dataclass(frozen=True, eq=False)
class PreparedData:
    """Everything the training stage needs from one series (built by :func:`prepare`).

    Attributes
    ----------
    name : str
        Dataset name (or ``"user"`` for a series passed in).
    series : DataArray (time, channel)
        The full series in original units.
    raw : Split
        The chronological blocks in original units.
    scaled : Split
        The same blocks standardised with training statistics.
    standardiser : Standardiser
        Fitted on ``raw.train`` only; ``inverse_transform(pred, channel=0)`` gives original units.
    train, val, test : Windows
        ``(inputs (n, window, channel), targets (n, horizon))`` float32, cut inside each block.
    window, horizon, target_channel : int
    """

    name: str
    series: xr.DataArray
    raw: Split
    scaled: Split
    standardiser: Standardiser
    train: Windows
    val: Windows
    test: Windows
    window: int
    horizon: int
    target_channel: int

    @property
    def test_series(self) -> xr.DataArray:
        """The whole standardised test block (time, channel), un-windowed: input for a stateful probe."""
        return self.scaled.test

    @property
    def channels(self) -> list[str]:
        return [str(c) for c in self.series["channel"].values]

    def persistence(self, split: str = "test") -> float:
        """Persistence-forecast MSE (standardised units) on the windows of ``split`` in {train, val, test}."""
        if split not in Split._fields:
            raise InvalidParameterError(f"PreparedData.persistence: split must be one of {Split._fields}; got "
                                        f"{split!r}.")
        return persistence_mse(getattr(self.scaled, split).values, target_channel=self.target_channel,
                               horizon=self.horizon, window=self.window)


@validate_params({"name_or_series": [Anything()], "channels": [NoneOK(), Anything()], **_WINDOW_PARAMS,
                  "fractions": [Anything()]})
def prepare(name_or_series: Any = "greensboro", *, channels: str | Sequence[str] | None = None, window: int = 24,
            horizon: int = 1, target_channel: int = 0,
            fractions: Sequence[float] = (0.7, 0.1, 0.2)) -> PreparedData:
    """Load (or take) a series, split it chronologically, standardise with train stats, window it.

    Parameters
    ----------
    name_or_series : str or DataArray (time, channel) or array-like, default="greensboro"
        A bundled dataset name (see :func:`list_datasets`) or a series from :func:`load_csv` /
        :func:`from_numpy` (arrays are wrapped with :func:`from_numpy`).
    channels : str or sequence of str or None, default=None
        Channels to use, target first. None: ``("temperature",)`` for a bundled dataset, every
        channel for a series.
    window, horizon, target_channel : int
        As in :func:`make_windows`; windows are cut inside each block, so no window spans two blocks.
    fractions : tuple of 3 floats, default=(0.7, 0.1, 0.2)
        As in :func:`chronological_split`.

    Returns
    -------
    prepared : PreparedData

    Examples
    --------
    >>> from infoflow.data import prepare
    >>> p = prepare("greensboro", window=24)
    >>> p.train.inputs.shape, p.test.targets.shape
    ((6108, 24, 1), (1728, 1))
    """
    from infoflow.data._datasets import load_dataset
    from infoflow.data._loaders import from_numpy

    func = "prepare"
    if isinstance(name_or_series, str):
        name = name_or_series
        series = load_dataset(name, channels=("temperature",) if channels is None else channels)
    else:
        name = "user"
        series = name_or_series if isinstance(name_or_series, xr.DataArray) else from_numpy(name_or_series)
        series = check_series(series, func=func, param="name_or_series")
        name = str(series.attrs.get("dataset", name))
        if channels is not None:
            wanted = as_name_list(channels, param="channels", func=func)
            have = [str(c) for c in series["channel"].values]
            for ch in wanted:
                if ch not in have:
                    raise InvalidParameterError(f"{func}: the series has no channel {ch!r}; its channels are {have}."
                                                f"{closest(ch, have)}")
            series = series.sel(channel=wanted)
    _check_target(target_channel, series.sizes["channel"], func)
    raw = chronological_split(series, fractions=fractions)
    for part, block in zip(Split._fields, raw):
        if block.sizes["time"] < window + horizon:
            raise ValueError(f"{func}: the {part} block has {block.sizes['time']} time steps, shorter than "
                             f"window={window} + horizon={horizon}. Use a smaller window, other fractions, "
                             "or a longer series.")
    scaler = Standardiser.fit(raw.train)
    scaled = Split(*(scaler.transform(b) for b in raw))
    wins = [Windows(*make_windows(b.values, window=window, horizon=horizon, target_channel=target_channel))
            for b in scaled]
    return PreparedData(name=name, series=series, raw=raw, scaled=scaled, standardiser=scaler,
                        train=wins[0], val=wins[1], test=wins[2], window=window, horizon=horizon,
                        target_channel=target_channel)

