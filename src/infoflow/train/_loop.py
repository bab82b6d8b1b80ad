"""The training loop, checkpoints and run folders (train layer; users call :func:`infoflow.train.train`).

Per seed: build the model, record the untrained network (epoch 0), then per epoch train on shuffled
minibatches (Adam + MSE), keep gradient statistics per parameter group, run the network statefully
over the probe split and record every unit, take gradient statistics at the fixed end-of-epoch weights
(``grad_fixed_batches`` minibatches, no update), and write a checkpoint holding the model, optimiser, RNG
states and that epoch's recording piece. ``recording.zarr`` is rebuilt from those pieces and written
atomically, so a crash never leaves a corrupt store and ``resume=True`` continues bit for bit.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from infoflow import __version__
from infoflow._io import atomic_write_bytes, atomic_write_json, atomic_write_text, save_dataset
from infoflow._validation import InvalidParameterError
from infoflow.models import GROUPS, build_model
from infoflow.train._config import TrainConfig
from infoflow.train._data import Prepared, make_windows, prepare
from infoflow.train._gradstats import GradientStatistics, fixed_weight_statistics
from infoflow.train._recording import PROBE_KIND, assemble_recording
from infoflow.train._seed import rng_state, seed_everything, set_rng_state

METRIC_COLUMNS = ("epoch", "train_loss", "val_loss", "test_loss", "persistence_test_loss")
_EVAL_BATCH = 4096


@dataclass(frozen=True)
class SeedRun:
    """Files and final figures of one seed's run folder."""

    seed: int
    run_dir: Path
    config_path: Path
    metrics_path: Path
    recording_path: Path
    checkpoint_dir: Path
    metrics: dict[str, float]
    epochs_trained: int
    best_epoch: int
    stopped_early: bool
    wall_time_s: float


@dataclass(frozen=True)
class RunResult:
    """What :func:`train` returns: the output folder and one :class:`SeedRun` per seed.

    The attributes ``run_dir``, ``recording_path``, ``metrics`` ... of the first seed are available
    directly on the result for the common single-seed case.
    """

    out_dir: Path
    runs: tuple[SeedRun, ...] = field(default_factory=tuple)

    def __getattr__(self, name: str) -> Any:
        # only reached for names the dataclass lacks; never for "runs" itself (safe while unpickling)
        if name != "runs" and name in SeedRun.__dataclass_fields__ and self.runs:
            return getattr(self.runs[0], name)
        raise AttributeError(name)


def train(config: TrainConfig | None = None, /, *, out_dir: str | Path, resume: bool = False,
          callback: Callable[[int, int], None] | None = None, data: Any = None, **options: Any) -> RunResult:
    """Train a recurrent network on a forecasting task and record every unit after every epoch.

    Parameters
    ----------
    config : TrainConfig, optional
        All options; keywords in `options` override its fields (or build one from defaults).
    out_dir : str or Path
        Run folder (created). With several seeds each gets ``out_dir/seed_<s>/``.
    resume : bool, default=False
        Continue an interrupted run from its last checkpoint; the result is bitwise identical to an
        uninterrupted run. Without it an existing run folder is an error.
    callback : callable(done, total), optional
        Called after every finished epoch (``total`` = epochs x seeds); progress leaves only here.
    data : array-like of shape (time,) or (time, channel), or DataArray, optional
        A series to train on instead of `config.dataset` (recorded as dataset "custom").
    **options
        Any :class:`TrainConfig` field, e.g. ``epochs=10``; ``seed=3`` is short for ``seeds=(3,)``.

    Returns
    -------
    RunResult
        ``out_dir`` and ``runs`` (one :class:`SeedRun` per seed: paths of ``config.json``,
        ``metrics.csv``, ``recording.zarr``, ``checkpoints/``, final metrics in standardised MSE).

    See Also
    --------
    load_recording : read ``recording.zarr`` back.
    record : record a user's own PyTorch RNN in the same format.

    Notes
    -----
    Early stopping (``patience``) stops training but keeps the last weights; ``best_epoch`` says
    where validation loss was lowest. Files: ``config.json``, ``metrics.csv`` (epoch 0 = before
    training), ``checkpoints/epoch_XXXX.pt``, ``recording.zarr`` (see docs/design.md). An interrupted
    run leaves a valid recording of the epochs checkpointed so far (attr ``complete=0``).

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> x = np.sin(np.arange(600) / 5.0)
    >>> res = train(data=x, out_dir=tempfile.mkdtemp(), epochs=1, n_units=6, window=8)
    >>> res.recording_path.name
    'recording.zarr'
    """
    if config is not None and not isinstance(config, TrainConfig):
        raise InvalidParameterError(f"train: config must be a TrainConfig or None; got {type(config).__name__}.")
    if "seed" in options:
        if "seeds" in options:
            raise InvalidParameterError("train: give either seed= or seeds=, not both.")
        seed = options.pop("seed")
        options["seeds"] = tuple(seed) if isinstance(seed, (list, tuple)) else (seed,)
    base = config if config is not None else TrainConfig()
    config = base.replace(**options) if options else base
    if not isinstance(out_dir, (str, Path)):
        raise InvalidParameterError(f"train: out_dir must be a path; got {out_dir!r}.")
    if not isinstance(resume, bool):
        raise InvalidParameterError(f"train: resume must be True or False; got {resume!r}.")
    if callback is not None and not callable(callback):
        raise InvalidParameterError(f"train: callback must be callable(done, total); got {callback!r}.")
    if config.device == "cuda" and not torch.cuda.is_available():
        raise InvalidParameterError("train: device='cuda' but no CUDA device is available; use device='cpu'.")
    out_dir = Path(out_dir)
    prepared = prepare(config, data)
    total = config.epochs * len(config.seeds)
    runs = []
    for i, seed in enumerate(config.seeds):
        run_dir = out_dir if len(config.seeds) == 1 else out_dir / f"seed_{seed}"
        offset = i * config.epochs

        def seed_callback(done: int, _total: int, offset: int = offset) -> None:
            if callback is not None:
                callback(offset + done, total)

        runs.append(_train_seed(config, prepared, seed, run_dir, resume=resume, callback=seed_callback))
    if len(config.seeds) > 1:
        atomic_write_json(out_dir / "config.json", {**config.to_dict(), "dataset_label": prepared.dataset,
                                                    "data_fingerprint": prepared.fingerprint,
                                                    "run_dirs": [str(r.run_dir) for r in runs]})
    return RunResult(out_dir=out_dir, runs=tuple(runs))


# --------------------------------------------------------------------------- one seed
def _run_config_dict(config: TrainConfig, prepared: Prepared, seed: int) -> dict[str, Any]:
    d = config.to_dict()
    d["seeds"] = [seed]
    d["dataset_label"] = prepared.dataset
    d["data_fingerprint"] = prepared.fingerprint
    d["channel_names"] = list(prepared.channel_names)
    d["standardiser_mean"] = prepared.mean.tolist()
    d["standardiser_std"] = prepared.std.tolist()
    d["infoflow_version"] = __version__
    return d


def _train_seed(config: TrainConfig, prepared: Prepared, seed: int, run_dir: Path, *, resume: bool,
                callback: Callable[[int, int], None]) -> SeedRun:
    started = time.perf_counter()
    ckpt_dir = run_dir / "checkpoints"
    cfg_dict = _run_config_dict(config, prepared, seed)
    existing = sorted(ckpt_dir.glob("epoch_*.pt")) if ckpt_dir.exists() else []
    if (run_dir / "config.json").exists() or existing:
        if not resume:
            raise FileExistsError(f"train: {run_dir} already holds a run. Pass resume=True (--resume) to continue "
                                  "it, or choose another output folder.")
        _check_same_config(run_dir, cfg_dict)
    atomic_write_json(run_dir / "config.json", cfg_dict)

    device = torch.device(config.device)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(config.num_threads)
    try:
        return _train_seed_inner(config, prepared, seed, run_dir, existing, device, callback, started)
    finally:
        torch.set_num_threads(threads_before)


def _train_seed_inner(config, prepared, seed, run_dir, existing, device, callback, started) -> SeedRun:
    ckpt_dir = run_dir / "checkpoints"
    seed_everything(seed)
    model = build_model(config.arch, n_channels=len(prepared.channel_names), n_units=config.n_units,
                        n_input_units=config.n_input_units, n_output_units=config.output_units,
                        nonlinearity=config.nonlinearity, init=config.init, gain=config.gain).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    shuffle = torch.Generator().manual_seed(seed)
    offset = model.target_offset
    read_idx = config.window - offset  # read-out step that has seen exactly `window` past steps

    tensors = {}
    for split in ("train", "val", "test"):
        x, y = make_windows(prepared.splits[split], window=config.window, horizon=config.horizon)
        tensors[split] = (torch.from_numpy(x[:, :read_idx + 1]).to(device), torch.from_numpy(y).to(device))
    # Same windows as make_windows' samples: the last seen value forecasts every horizon step.
    persistence = prepared.persistence_test

    # The probe is the probe split's windows, each from a zero state like training's: the recorded
    # state at time t is the read-out step of the window ending at t, the regime the windowed losses
    # measure (a stateful run over the split drifts into states training never produced).
    probe = prepared.splits[config.probe_split]
    probe_x = tensors[config.probe_split][0]
    n_probe = probe_x.shape[0]
    probe_inputs = probe[read_idx: read_idx + n_probe]  # the last input each window's state has seen
    probe_target = tensors[config.probe_split][1][:, 0].cpu().numpy().astype(np.float32)

    n_train = tensors["train"][0].shape[0]
    n_batches = math.ceil(n_train / config.batch_size)
    stats = GradientStatistics(model.parameter_groups())
    pieces: list[dict[str, Any]] = []
    early: dict[str, Any] = {"best_val": math.inf, "best_epoch": 0, "bad_epochs": 0, "stopped": False}

    def fixed_grads(epoch: int) -> dict[str, np.ndarray]:
        """Gradient statistics at the end-of-epoch weights (none when grad_fixed_batches is 0)."""
        if not config.grad_fixed_batches:
            return {}
        gen = torch.Generator().manual_seed(int(seed) * 1_000_003 + epoch)  # its own stream: resume is exact
        return fixed_weight_statistics(model, *tensors["train"], read_idx, batch_size=config.batch_size,
                                       n_batches=config.grad_fixed_batches, generator=gen)

    start_epoch = 0
    if existing:
        last = torch.load(existing[-1], map_location=device, weights_only=False)  # our own file (trusted)
        for path in existing[:-1]:
            pieces.append(torch.load(path, map_location="cpu", weights_only=False)["piece"])
        pieces.append(last["piece"])
        if [p["epoch"] for p in pieces] != list(range(len(pieces))):
            raise ValueError(f"train: checkpoints in {ckpt_dir} are not consecutive epochs; remove the folder "
                             "and train again.")
        model.load_state_dict(last["model"])
        optimiser.load_state_dict(last["optimizer"])
        set_rng_state(last["rng"])
        shuffle.set_state(last["shuffle"])
        early = dict(last["early"])
        start_epoch = last["epoch"] + 1
    else:
        pieces.append(_evaluate(model, tensors, read_idx, probe_x, epoch=0, grads=None, n_batches=n_batches))
        pieces[-1].update(fixed_grads(0))
        _save_checkpoint(ckpt_dir, 0, model, optimiser, shuffle, early, pieces[-1])
    _write_metrics(run_dir / "metrics.csv", pieces, persistence)

    meta = {"model": model.describe(), "arch": config.arch, "n_units": int(config.n_units),
            "dataset": prepared.dataset, "train_seed": int(seed), "probe_split": config.probe_split,
            "target_offset": int(offset), "window": int(config.window), "horizon": int(config.horizon),
            "nonlinearity": config.nonlinearity, "lr": float(config.lr), "batch_size": int(config.batch_size),
            "persistence_test_loss": persistence, "standardiser_mean": [float(v) for v in prepared.mean],
            "probe": PROBE_KIND, "probe_first_step": int(read_idx),
            "standardiser_std": [float(v) for v in prepared.std], "infoflow_version": __version__}

    def write_recording(saved: list[dict[str, Any]], complete: bool) -> Path:
        ds = assemble_recording(saved, neuron_ids=model.neuron_ids, roles=model.roles,
                                inputs=probe_inputs, target=probe_target, probe_series=probe,
                                channel_names=prepared.channel_names, n_batches=n_batches,
                                attrs={**meta, "complete": int(complete)})
        return save_dataset(ds, run_dir / "recording.zarr")

    n_saved = len(pieces)  # pieces that have a checkpoint
    try:
        for epoch in range(max(start_epoch, 1), config.epochs + 1):
            if early["stopped"]:
                break
            model.train()
            stats.reset()
            x_tr, y_tr = tensors["train"]
            order = torch.randperm(n_train, generator=shuffle).to(device)
            for b in range(n_batches):
                idx = order[b * config.batch_size:(b + 1) * config.batch_size]
                optimiser.zero_grad(set_to_none=False)
                pred, _ = model(x_tr[idx])
                loss = torch.mean((pred[:, read_idx, :] - y_tr[idx]) ** 2)
                loss.backward()
                stats.update()
                optimiser.step()
            piece = _evaluate(model, tensors, read_idx, probe_x, epoch=epoch, grads=stats.finish(),
                              n_batches=n_batches)
            piece.update(fixed_grads(epoch))
            pieces.append(piece)
            if config.patience is not None:
                if piece["val_loss"] < early["best_val"]:
                    early.update(best_val=piece["val_loss"], best_epoch=epoch, bad_epochs=0)
                else:
                    early["bad_epochs"] += 1
                    early["stopped"] = early["bad_epochs"] >= config.patience
            _save_checkpoint(ckpt_dir, epoch, model, optimiser, shuffle, early, piece)
            n_saved = len(pieces)
            _write_metrics(run_dir / "metrics.csv", pieces, persistence)
            callback(epoch, config.epochs)
    except BaseException:
        # Interrupted (Ctrl-C, a callback, an error): leave a valid recording of the checkpointed
        # epochs, marked complete=0; resume=True replaces it. Never mask the original exception.
        with contextlib.suppress(Exception):  # best effort only
            write_recording(pieces[:n_saved], complete=False)
        raise

    recording_path = write_recording(pieces, complete=True)
    final = pieces[-1]
    if config.patience is None:
        best = min(range(len(pieces)), key=lambda i: pieces[i]["val_loss"])
    else:
        best = early["best_epoch"]
    metrics = {"train_loss": final["train_loss"], "val_loss": final["val_loss"], "test_loss": final["test_loss"],
               "persistence_test_loss": persistence}
    return SeedRun(seed=seed, run_dir=run_dir, config_path=run_dir / "config.json",
                   metrics_path=run_dir / "metrics.csv", recording_path=recording_path, checkpoint_dir=ckpt_dir,
                   metrics=metrics, epochs_trained=len(pieces) - 1, best_epoch=int(best),
                   stopped_early=bool(early["stopped"]), wall_time_s=time.perf_counter() - started)


def _check_same_config(run_dir: Path, cfg_dict: dict[str, Any]) -> None:
    path = run_dir / "config.json"
    if not path.exists():
        return
    saved = json.loads(path.read_text())
    keys = set(saved) | set(cfg_dict)
    diff = sorted(k for k in keys
                  if k not in ("infoflow_version", "epochs", "patience") and saved.get(k) != cfg_dict.get(k))
    if diff:
        raise InvalidParameterError(
            f"train: cannot resume {run_dir}: its config.json differs in {', '.join(diff)} "
            f"(saved {[saved.get(k) for k in diff]}, now {[cfg_dict.get(k) for k in diff]}). Resume with the same "
            "options and data, or train into another folder.")


@torch.no_grad()
def _mse(model, x: torch.Tensor, y: torch.Tensor, read_idx: int) -> float:
    total = 0.0
    for start in range(0, x.shape[0], _EVAL_BATCH):
        pred, _ = model(x[start:start + _EVAL_BATCH])
        total += float(torch.sum((pred[:, read_idx, :].double() - y[start:start + _EVAL_BATCH].double()) ** 2))
    return total / (x.shape[0] * y.shape[1])


@torch.no_grad()
def _evaluate(model, tensors, read_idx, probe_x, *, epoch: int, grads, n_batches: int) -> dict[str, Any]:
    """Losses on every split and the stateful probe run: one epoch's recording piece."""
    model.eval()
    piece: dict[str, Any] = {"epoch": epoch}
    for split in ("train", "val", "test"):
        x, y = tensors[split]
        piece[f"{split}_loss"] = _mse(model, x, y, read_idx)
    piece.update(probe_windows(model, probe_x, read_idx))
    if grads is None:
        grads = {"grad_mean_norm": np.full(len(GROUPS), np.nan), "grad_std_norm": np.full(len(GROUPS), np.nan),
                 "grad_batch_norm": np.full((n_batches, len(GROUPS)), np.nan)}
    piece.update(grads)
    return piece


@torch.no_grad()
def probe_windows(model, x: torch.Tensor, read_idx: int) -> dict[str, Any]:
    """The sliding-window probe: each window's state and first forecast at its read-out step.

    `x` (window, step, channel) holds windows that start one step apart, each run from a zero state
    as in training. Returns ``activity`` (window, unit), ``prediction`` (window,) and
    ``window_residual``: the RMS difference between a window's state at its read-out step and the
    next window's state one step earlier (the same time, one input fewer seen), relative to the RMS
    deviation of the states from their mean. It is what separates consecutive probe states from the
    network's own one-step dynamics (0 when a state forgets its oldest input).
    """
    acts: list[np.ndarray] = []
    preds: list[np.ndarray] = []
    before: list[Any] = []
    for start in range(0, x.shape[0], _EVAL_BATCH):
        pred, states = model(x[start:start + _EVAL_BATCH])
        acts.append(states[:, read_idx].float().cpu().numpy())
        preds.append(pred[:, read_idx, 0].float().cpu().numpy())
        before.append(states[:, read_idx - 1].float().cpu().numpy() if read_idx >= 1 else None)
    act = np.concatenate(acts)
    out: dict[str, Any] = {"activity": act, "prediction": np.concatenate(preds), "window_residual": float("nan")}
    if read_idx >= 1 and act.shape[0] > 1:
        prev = np.concatenate(before)[1:].astype(np.float64)
        spread = np.sqrt(np.mean((act - act.mean(axis=0)) ** 2))
        if spread > 0:
            out["window_residual"] = float(np.sqrt(np.mean((prev - act[:-1]) ** 2)) / spread)
    return out


def _save_checkpoint(ckpt_dir: Path, epoch: int, model, optimiser, shuffle, early, piece) -> None:
    buf = io.BytesIO()
    torch.save({"epoch": epoch, "model": model.state_dict(), "optimizer": optimiser.state_dict(),
                "rng": rng_state(), "shuffle": shuffle.get_state(), "early": dict(early), "piece": piece}, buf)
    atomic_write_bytes(ckpt_dir / f"epoch_{epoch:04d}.pt", buf.getvalue())


def _write_metrics(path: Path, pieces: list[dict[str, Any]], persistence: float) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(METRIC_COLUMNS)
    for p in pieces:
        writer.writerow([p["epoch"], repr(p["train_loss"]), repr(p["val_loss"]), repr(p["test_loss"]),
                         repr(persistence)])
    atomic_write_text(path, out.getvalue())
