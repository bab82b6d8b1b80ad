"""Synthetic recordings in the docs/design.md schema, for the bottleneck, dynamics and CLI tests.

Not collected by pytest (no test_ prefix). Other test folders load it by path (see
``load_synthetic`` in their modules), so no shared conftest is needed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

GROUPS = ["input", "recurrent", "output", "bias"]


def make_recording(seed: int = 0, *, n_epoch: int = 10, n_time: int = 240, n_hidden: int = 5, n_channel: int = 2,
                   n_batch: int = 6, transition: int = 5, snr_high: float = 8.0, snr_low: float = 0.5) -> xr.Dataset:
    """A small recording: tanh hidden units driven by the input, decreasing losses, and gradient
    statistics whose SNR steps from `snr_high` to `snr_low` at epoch `transition` (NaN at epoch 0)."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n_time, n_channel))
    for t in range(1, n_time):  # AR(1) inputs, like hourly weather
        x[t] = 0.8 * x[t - 1] + 0.6 * rng.standard_normal(n_channel)
    x = (x - x.mean(0)) / x.std(0)
    target = np.r_[x[1:, 0], x[-1, 0]] + 0.1 * rng.standard_normal(n_time)
    w = rng.standard_normal((n_channel, n_hidden))
    act = np.empty((n_epoch, n_time, n_channel + n_hidden + 1))
    for e in range(n_epoch):
        gain = 0.3 + 0.3 * e
        h = np.tanh(gain * x @ w + 0.05 * rng.standard_normal((n_time, n_hidden)))
        out = h @ rng.standard_normal(n_hidden) / n_hidden
        act[e] = np.column_stack([x, h, out])
    neurons = [f"in{i}" for i in range(n_channel)] + [f"h{i}" for i in range(n_hidden)] + ["out0"]
    roles = ["input"] * n_channel + ["hidden"] * n_hidden + ["output"]
    epochs = np.arange(n_epoch)
    val = np.exp(-epochs / 3.0) + 0.2 + 0.01 * rng.standard_normal(n_epoch)
    snr = np.where(epochs < transition, snr_high, snr_low)[:, None] * np.exp(0.1 * rng.standard_normal((n_epoch, 4)))
    std = np.exp(0.05 * rng.standard_normal((n_epoch, 4)))
    mean = snr * std
    mean[0], std[0] = np.nan, np.nan
    batch = np.abs(mean[:, None, :] + std[:, None, :] * rng.standard_normal((n_epoch, n_batch, 4)))
    ds = xr.Dataset(
        {
            "activity": (("epoch", "time", "neuron"), act.astype(np.float32)),
            "inputs": (("time", "channel"), x.astype(np.float32)),
            "target": ("time", target.astype(np.float32)),
            "prediction": (("epoch", "time"), act[:, :, -1].astype(np.float32)),
            "train_loss": ("epoch", val * 0.9),
            "val_loss": ("epoch", val),
            "test_loss": ("epoch", val * 1.05),
            "grad_mean_norm": (("epoch", "group"), mean),
            "grad_std_norm": (("epoch", "group"), std),
            "grad_batch_norm": (("epoch", "batch", "group"), batch),
        },
        coords={"epoch": epochs, "time": np.arange(n_time), "neuron": neurons, "role": ("neuron", roles),
                "channel": [f"c{i}" for i in range(n_channel)], "group": GROUPS, "batch": np.arange(n_batch)},
        attrs={"model": "synthetic", "n_units": n_hidden, "dataset": "synthetic", "train_seed": seed,
               "probe_split": "val", "target_offset": 1, "infoflow_version": "0.1.0"},
    )
    return ds


def write_run(run_dir: Path, seeds=(0, 1, 2), **kwargs) -> Path:
    """Write ``run_dir/seed_<s>/recording.zarr`` (or ``run_dir/recording.zarr`` for seeds=None)."""
    from infoflow._io import save_dataset

    run_dir = Path(run_dir)
    if seeds is None:
        save_dataset(make_recording(0, **kwargs), run_dir / "recording.zarr")
    else:
        for s in seeds:
            save_dataset(make_recording(s, **kwargs), run_dir / f"seed_{s}" / "recording.zarr")
    return run_dir


def gaussian_channel_recording(*, n: int = 4000, noise_sds=(0.5,), y_noise_sd: float = 0.5, n_channel: int = 1,
                               seed: int = 0, copies: bool = False) -> xr.Dataset:
    """One epoch with known information: x ~ N(0, 1) white (one channel per hidden unit if `copies`),
    hidden unit i = x + N(0, noise_sds[i]^2) (or an exact copy of channel i if `copies`), target
    y = x + N(0, y_noise_sd^2). Use window=1."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, n_channel))
    if copies:
        h = x.copy()
    else:
        h = np.column_stack([x[:, 0] + s * rng.standard_normal(n) for s in noise_sds])
    y = x[:, 0] + y_noise_sd * rng.standard_normal(n)
    n_h = h.shape[1]
    act = h[None]
    return xr.Dataset(
        {"activity": (("epoch", "time", "neuron"), act),
         "inputs": (("time", "channel"), x), "target": ("time", y)},
        coords={"epoch": [0], "time": np.arange(n), "neuron": [f"h{i}" for i in range(n_h)],
                "role": ("neuron", ["hidden"] * n_h), "channel": [f"c{i}" for i in range(n_channel)]},
        attrs={"train_seed": seed},
    )
