"""``infoflow run`` (data -> report in one command) and ``infoflow report`` (re-render a report).

Pipeline place: **cli** over :func:`infoflow.pipeline.run_pipeline` / :func:`infoflow.report.write_report`.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress

from infoflow._defaults import DEFAULT_ALPHA, DEFAULT_LAGS, DEFAULT_N_NULL, DEFAULT_SURROGATES
from infoflow._validation import InvalidParameterError
from infoflow.cli._common import (
    LAGS_TEXT,
    PROGRESS_COLUMNS,
    app,
    collect_warnings,
    console,
    err_console,
    handle_errors,
    print_summary,
    show_warnings,
    warning_sentences,
)
from infoflow.cli.cmd_flow import Method, int_options
from infoflow.cli.cmd_train import Fill

DEFAULT_RUN_OUT = Path("runs/airport")


def _split(values: list[str] | None) -> tuple[str, ...] | None:
    if not values:
        return None
    return tuple(v.strip() for item in values for v in item.split(",") if v.strip())


@contextmanager
def _show_on_refusal(caught):
    """When the work is refused, still show the notices that came before the refusal."""
    try:
        yield
    except ValueError:
        show_warnings(warning_sentences(caught))
        raise


def _epoch_option(text: str | None):
    if text is None:
        return None
    text = text.strip().lower()
    if text in ("all", "last"):
        return text
    return list(int_options([text], "--epochs") or ())


class StageProgress:
    """One transient progress bar per pipeline stage on stderr."""

    def __init__(self, bar: Progress):
        self.bar = bar
        self.tasks: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=None)
        self.bar.update(self.tasks[stage], completed=done, total=total or None)


@app.command("run")
@handle_errors
def run_command(
    out_arg: Path | None = typer.Argument(None, metavar="OUT", help="Run folder (same as --out)."),
    out: Path | None = typer.Option(None, "--out", help=f"Run folder (default: {DEFAULT_RUN_OUT}; created; re-running "
                                    "skips finished stages)."),
    config: Path | None = typer.Option(None, "--config", help="TOML file with run options (at top level or in a "
                                                              "\\[run] table)."),
    quick: bool = typer.Option(False, "--quick", help="A first look in two to three minutes (the same 32 units; fewer "
                                                      "epochs, "
                               "seeds and surrogates)."),
    dataset: str | None = typer.Option(None, help="Bundled series (see `infoflow datasets`)."),
    csv: str | None = typer.Option(None, "--csv", help="Use this CSV file instead of a bundled series."),
    value_column: list[str] | None = typer.Option(None, "--value-column", help="CSV value column(s), target first."),
    time_column: str | None = typer.Option(None, "--time-column", help="CSV timestamp column."),
    fill: Fill | None = typer.Option(None, "--fill", help="Fill missing CSV values (default: an error)."),
    units: int | None = typer.Option(None, "--units", min=3, help="Units of the fully recurrent network."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Training epochs."),
    seeds: list[str] | None = typer.Option(None, "--seeds", help="Training seeds, e.g. 0,1,2."),
    flow_method: Method | None = typer.Option(None, "--flow-method", help="Estimator of the tested flow."),
    surrogates: int | None = typer.Option(None, "--surrogates", min=2, help="Circular-shift surrogates per pair."),
    lags: list[str] | None = typer.Option(None, "--lags", help="Lags in steps, e.g. 1,2,3."),
    alpha: float | None = typer.Option(None, "--alpha", min=0.0, max=1.0, help="FDR level of the significance tests."),
    n_null: int | None = typer.Option(None, "--n-null", min=1, help="Null networks for the structure tests."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786)."),
    force: bool = typer.Option(False, "--force", help="Recompute every stage."),
) -> None:
    """Train, record, measure flow, structure, bottleneck and dynamics, and write report.html."""
    from infoflow.pipeline import make_options, options_from_toml

    started = time.perf_counter()
    if out_arg is not None and out is not None and out_arg != out:
        raise InvalidParameterError(f"two run folders given: {out_arg} and --out {out}; give one.")
    out = out or out_arg or DEFAULT_RUN_OUT
    overrides = dict(dataset=dataset, csv=csv, value_columns=_split(value_column), time_column=time_column,
                     fill=None if fill is None else fill.value,
                     n_units=units, epochs=epochs, seeds=int_options(seeds, "--seeds"),
                     flow_method=None if flow_method is None else flow_method.value,
                     surrogates=surrogates, lags=int_options(lags, "--lags"), alpha=alpha, n_null=n_null,
                     scheduler=scheduler)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    options = options_from_toml(config, quick=quick, **overrides) if config else make_options(quick=quick, **overrides)
    from infoflow.pipeline import run_pipeline

    with collect_warnings() as caught, Progress(*PROGRESS_COLUMNS, console=err_console, transient=True) as bar:
        result = run_pipeline(out, options, progress=StageProgress(bar), force=force)
    show_warnings(warning_sentences(caught))
    s = result.summary
    for key in ("q1_direction", "q2_layers", "q3_bottleneck", "q4_indicators", "q5_phases"):
        console.print(f"[bold]{key}[/]: ", end="", highlight=False)
        console.print(f"{s[key]['answer']} - {s[key]['sentence']}", markup=False, highlight=False)
    print_summary("infoflow run", {
        "stages run": ", ".join(result.ran) or "none (all up to date)",
        "stages skipped": ", ".join(result.skipped) or "none",
        "test MSE (mean over seeds)": s["setup"].get("test MSE (standardised), mean over seeds", "n/a"),
        "persistence test MSE": s["setup"].get("persistence baseline test MSE", "n/a"),
        "report": out / "report.html",
    }, started)


@app.command("report")
@handle_errors
def report_command(run_dir: Path = typer.Argument(..., help="Run folder with saved results.")) -> None:
    """Re-render report.html and summary.json from a run folder's saved results."""
    from infoflow._io import load_dataset
    from infoflow.cli.cmd_structure import stale_reason
    from infoflow.report import write_report

    started = time.perf_counter()
    for folder in sorted(Path(run_dir).glob("seed_*")) or [Path(run_dir)]:
        if (folder / "flow.nc").exists():
            reason = stale_reason(load_dataset(folder / "flow.nc"), folder)
            if reason:
                raise ValueError(reason)
    path = write_report(run_dir)
    print_summary("infoflow report", {"report": path}, started)


@app.command("analyze")
@handle_errors
def analyze_command(
    activity: Path = typer.Argument(..., help="Activity file (.npy/.npz/.csv/.nc/.zarr) or run folder."),
    roles: str | None = typer.Option(None, "--roles", help="One role per neuron, comma-separated "
                                     "(input/hidden/output), or a text file with one per line; required unless the "
                                     "file carries roles."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: <activity>_infoflow beside it)."),
    method: Method = typer.Option(Method["ksg"], "--method", help="Flow estimator."),
    surrogates: int = typer.Option(DEFAULT_SURROGATES, "--surrogates", min=2,
                                    help="Circular-shift surrogates per pair."),
    lags: list[str] | None = typer.Option(None, "--lags", help=f"Lags in steps, e.g. 1,2,3 (default {LAGS_TEXT})."),
    alpha: float = typer.Option(DEFAULT_ALPHA, "--alpha", min=0.0, max=1.0, help="FDR level."),
    screen: bool = typer.Option(True, "--screen/--no-screen", help="With ksg: screen pairs with the Gaussian copula "
                                "first, test only those that pass with KSG."),
    epochs: str | None = typer.Option(None, "--epochs", help="Epochs analysed: 'all', 'last' or labels like '0,10' "
                                      "(default: the first and the last)."),
    n_null: int = typer.Option(DEFAULT_N_NULL, "--n-null", min=1, help="Null networks for the structure tests."),
    time_column: str | None = typer.Option(None, "--time-column", help="CSV: a time column to drop (not a neuron)."),
    fill: Fill | None = typer.Option(None, "--fill", help="CSV: fill interior missing values (default: an error)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786)."),
    force: bool = typer.Option(False, "--force", help="Replace results of a different input in --out."),
) -> None:
    """Flow, structure and a report for activity you recorded yourself (any RNN)."""
    from infoflow.cli.cmd_flow import refuse_other_source
    from infoflow.pipeline import analyze_recording

    started = time.perf_counter()
    lag_list = int_options(lags, "--lags") or DEFAULT_LAGS
    epoch_sel = _epoch_option(epochs)
    if not activity.exists():
        raise FileNotFoundError(f"{activity} does not exist: pass an activity file or a run folder.")
    role_list = None
    if roles:
        role_path = Path(roles)
        text = role_path.read_text() if role_path.is_file() else roles
        role_list = [r.strip() for r in text.replace("\n", ",").split(",") if r.strip()]
    # never the run folder itself: analyze's flow.nc and report must not replace those of `infoflow run`/`flow`
    base = activity.parent if activity.name == "recording.zarr" else activity
    out = out or base.with_name(base.stem + "_infoflow")
    source = activity / "recording.zarr" if activity.is_dir() and activity.suffix != ".zarr" else activity
    refuse_other_source(out / "flow.nc", str(source), force)
    with collect_warnings() as caught, Progress(*PROGRESS_COLUMNS, console=err_console, transient=True) as bar, \
            _show_on_refusal(caught):
        result = analyze_recording(activity, out, roles=role_list, method=method.value, lags=lag_list,
                                   surrogates=surrogates, alpha=alpha, screen=screen, epochs=epoch_sel, n_null=n_null,
                                   time_column=time_column, fill=None if fill is None else fill.value,
                                   scheduler=scheduler, progress=StageProgress(bar))
    show_warnings(warning_sentences(caught))
    s = result.summary
    for key in ("q1_direction", "q2_layers"):
        console.print(f"[bold]{key}[/]: ", end="", highlight=False)
        console.print(f"{s[key]['answer']} - {s[key]['sentence']}", markup=False, highlight=False)
    print_summary("infoflow analyze", {"estimator": method.value + (" (copula screen)"
                                                                    if screen and method.value == "ksg" else ""),
                                       "surrogates": surrogates, "report": out / "report.html"}, started)
