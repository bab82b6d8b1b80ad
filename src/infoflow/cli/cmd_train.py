"""``infoflow train``: train a network and record every unit after every epoch.

Pipeline place: **cli** over :func:`infoflow.train.train`; writes a run folder (config.json,
metrics.csv, checkpoints/, recording.zarr) that ``infoflow flow`` and later stages read.
"""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path

import typer

from infoflow._defaults import ARCHITECTURES, NONLINEARITIES
from infoflow.cli._common import app, handle_errors, print_summary, progress_callback

# Choices are the library's own constants (kept in infoflow._defaults so the CLI needs no torch to list them).
Arch = Enum("Arch", {a: a for a in ARCHITECTURES}, type=str)  # type: ignore[misc]
Nonlinearity = Enum("Nonlinearity", {n: n for n in NONLINEARITIES}, type=str)  # type: ignore[misc]


class Fill(str, Enum):
    interpolate = "interpolate"


def _split_names(values: list[str] | None) -> tuple[str, ...] | None:
    """Accept both ``--channels a --channels b`` and ``--channels a,b``."""
    if not values:
        return None
    names = tuple(n.strip() for v in values for n in v.split(",") if n.strip())
    return names or None


def default_out(dataset: str, arch: str, seeds: tuple[int, ...]) -> Path:
    """``runs/<dataset>-<arch>-seed<s>``: a fixed name, so ``--resume`` finds the run again."""
    tag = "-".join(str(s) for s in seeds)
    return Path("runs") / f"{dataset}-{arch}-seed{tag}"


def _holds_run(folder: Path) -> bool:
    """Whether `folder` holds (part of) a training run: its config or checkpoints, or seed_* runs."""
    return any((d / "config.json").exists() or (d / "checkpoints").is_dir()
               for d in [folder, *folder.glob("seed_*")])


@app.command("train")
@handle_errors
def train_command(
    dataset: str = typer.Option("greensboro", help="Bundled series (see `infoflow datasets`)."),
    csv: Path | None = typer.Option(None, "--csv", help="Train on this CSV file instead of a bundled series."),
    value_column: list[str] | None = typer.Option(None, "--value-column", help="CSV column(s) to use, target first "
                                                  "(repeat the option or separate with commas)."),
    time_column: str | None = typer.Option(None, "--time-column", help="CSV timestamp column."),
    fill: Fill | None = typer.Option(None, "--fill", help="Fill missing CSV values (default: missing values are an "
                                                          "error)."),
    channels: list[str] | None = typer.Option(None, "--channels", help="Channels of a bundled series, target first "
                                              "(default: temperature)."),
    arch: Arch = typer.Option(Arch["fully_recurrent"], help="Network architecture."),
    units: int = typer.Option(32, "--units", help="Units (fully recurrent: whole pool; others: hidden units)."),
    input_units: int = typer.Option(2, "--input-units", help="Input units of the fully recurrent net."),
    nonlinearity: Nonlinearity = typer.Option(Nonlinearity["tanh"], help="Unit nonlinearity."),
    epochs: int = typer.Option(60, help="Training epochs."),
    seed: list[int] | None = typer.Option(None, "--seed", help="Seed; repeat for several runs in seed_<s>/ folders "
                                          "(default: 0, one seed)."),
    batch_size: int = typer.Option(128, "--batch-size", help="Minibatch size."),
    lr: float = typer.Option(3e-3, help="Adam learning rate."),
    window: int = typer.Option(24, help="Past hours seen before each forecast."),
    patience: int | None = typer.Option(None, help="Early stopping patience in epochs (default: off)."),
    probe_split: str = typer.Option("test", "--probe-split", help="Split recorded after every epoch: train, val or "
                                                                  "test."),
    out: Path | None = typer.Option(None, "--out", help="Run folder (default: runs/<dataset>-<arch>-seed<s>)."),
    resume: bool = typer.Option(False, "--resume",
                                help="Continue an interrupted run in --out from its last checkpoint."),
) -> None:
    """Train a recurrent network on next-hour forecasting and record every unit after every epoch."""
    from infoflow.train import TrainConfig, train

    started = time.perf_counter()
    seeds = tuple(seed) if seed else (0,)
    value_columns = _split_names(value_column)
    if csv is not None:
        if not csv.exists():
            raise FileNotFoundError(f"--csv {csv}: no such file.")
        if value_columns is None:
            raise ValueError("--csv needs --value-column NAME (the column(s) to train on, target first).")
    options = {"dataset": dataset, "csv": None if csv is None else str(csv), "value_columns": value_columns,
               "time_column": time_column, "fill": None if fill is None else fill.value,
               "arch": arch.value, "n_units": units, "n_input_units": input_units, "nonlinearity": nonlinearity.value,
               "epochs": epochs, "seeds": seeds, "batch_size": batch_size, "lr": lr, "window": window,
               "patience": patience, "probe_split": probe_split}
    names = _split_names(channels)
    if names is not None:
        options["channels"] = names
    config = TrainConfig.from_dict(options, func="infoflow train")
    label = csv.stem if csv is not None else dataset
    out_dir = out if out is not None else default_out(label, arch.value, seeds)
    if resume and not _holds_run(out_dir):
        raise FileNotFoundError(f"--resume: {out_dir} holds no training run to continue (no config.json or "
                                "checkpoints/ in it or in seed_* folders). Pass the folder of the interrupted run with "
                                "--out, or leave out --resume to start a new run.")
    with progress_callback("epochs") as callback:
        result = train(config, out_dir=out_dir, resume=resume, callback=callback)
    rows: dict[str, object] = {"dataset": config.csv or dataset,
                               "model": f"{arch.value}, {units} units, {nonlinearity.value}"}
    for run in result.runs:
        tag = f" (seed {run.seed})" if len(result.runs) > 1 else ""
        m = run.metrics
        rows[f"train / val / test MSE{tag}"] = f"{m['train_loss']:.4f} / {m['val_loss']:.4f} / {m['test_loss']:.4f}"
    rows["persistence test MSE"] = f"{result.runs[0].metrics['persistence_test_loss']:.4f}"
    rows["epochs"] = ", ".join(str(r.epochs_trained) + (" (early stop)" if r.stopped_early else "")
                              for r in result.runs)
    rows["seeds"] = ", ".join(str(s) for s in seeds)
    rows["path"] = str(result.out_dir)
    print_summary("infoflow train", rows, started=started)
