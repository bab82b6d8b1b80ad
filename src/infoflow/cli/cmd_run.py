"""``infoflow run`` (data -> report in one command) and ``infoflow report`` (re-render a report).

Pipeline place: **cli** over :func:`infoflow.pipeline.run_pipeline` / :func:`infoflow.report.write_report`.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import Progress

from infoflow.cli._common import PROGRESS_COLUMNS, app, console, err_console, handle_errors, print_summary


def _split(values: list[str] | None, cast=str) -> tuple | None:
    if not values:
        return None
    return tuple(cast(v.strip()) for item in values for v in item.split(",") if v.strip())


class StageProgress:
    """One transient progress bar per pipeline stage on stderr."""

    def __init__(self, bar: Progress):
        self.bar, self.tasks = bar, {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=None)
        self.bar.update(self.tasks[stage], completed=done, total=total or None)


@app.command("run")
@handle_errors
def run_command(
    out: Path = typer.Argument(Path("runs/airport"), help="Run folder (created; re-running skips finished stages)."),
    config: Path | None = typer.Option(None, "--config", help="TOML file with run options (at top level or in a \\[run] table)."),
    quick: bool = typer.Option(False, "--quick", help="A first look in about a minute (fewer units, epochs, seeds)."),
    dataset: str | None = typer.Option(None, help="Bundled series (see `infoflow datasets`)."),
    csv: str | None = typer.Option(None, "--csv", help="Use this CSV file instead of a bundled series."),
    value_column: list[str] | None = typer.Option(None, "--value-column", help="CSV value column(s), target first."),
    time_column: str | None = typer.Option(None, "--time-column", help="CSV timestamp column."),
    units: int | None = typer.Option(None, "--units", help="Units of the fully recurrent network."),
    epochs: int | None = typer.Option(None, "--epochs", help="Training epochs."),
    seeds: list[str] | None = typer.Option(None, "--seeds", help="Training seeds, e.g. 0,1,2."),
    flow_method: str | None = typer.Option(None, "--flow-method", help="ksg | gaussian_copula."),
    surrogates: int | None = typer.Option(None, "--surrogates", help="Circular-shift surrogates per pair."),
    lags: list[str] | None = typer.Option(None, "--lags", help="Lags in steps, e.g. 1,2,3."),
    alpha: float | None = typer.Option(None, "--alpha", help="FDR level of the significance tests."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786)."),
    force: bool = typer.Option(False, "--force", help="Recompute every stage."),
) -> None:
    """Train, record, measure flow, structure, bottleneck and dynamics, and write report.html."""
    from infoflow.pipeline import make_options, options_from_toml

    started = time.perf_counter()
    overrides = dict(dataset=dataset, csv=csv, value_columns=_split(value_column), time_column=time_column,
                     n_units=units, epochs=epochs, seeds=_split(seeds, int), flow_method=flow_method,
                     surrogates=surrogates, lags=_split(lags, int), alpha=alpha, scheduler=scheduler)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    options = options_from_toml(config, quick=quick, **overrides) if config else make_options(quick=quick, **overrides)
    from infoflow.pipeline import run_pipeline

    with Progress(*PROGRESS_COLUMNS, console=err_console, transient=True) as bar:
        result = run_pipeline(out, options, progress=StageProgress(bar), force=force)
    s = result.summary
    for key in ("q1_direction", "q2_layers", "q3_bottleneck", "q4_indicators", "q5_phases"):
        console.print(f"[bold]{key}[/]: {s[key]['answer']} - {s[key]['sentence']}", highlight=False)
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
    from infoflow.report import write_report

    started = time.perf_counter()
    path = write_report(run_dir)
    print_summary("infoflow report", {"report": path}, started)


@app.command("analyze")
@handle_errors
def analyze_command(
    activity: Path = typer.Argument(..., help="Activity file (.npy/.npz/.csv/.nc/.zarr) or run folder."),
    roles: str | None = typer.Option(None, "--roles", help="One role per neuron, comma-separated "
                                     "(input/hidden/output), or a text file with one per line."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: <activity>_infoflow)."),
    method: str = typer.Option("ksg", "--method", help="ksg | gaussian_copula."),
    surrogates: int = typer.Option(100, "--surrogates", help="Circular-shift surrogates per pair."),
    lags: list[str] | None = typer.Option(None, "--lags", help="Lags in steps, e.g. 1,2,3."),
    alpha: float = typer.Option(0.05, "--alpha", help="FDR level."),
    n_null: int = typer.Option(199, "--n-null", help="Null networks for the structure tests."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786)."),
) -> None:
    """Flow, structure and a report for activity you recorded yourself (any RNN)."""
    from infoflow.pipeline import analyze_recording

    started = time.perf_counter()
    role_list = None
    if roles:
        role_path = Path(roles)
        text = role_path.read_text() if role_path.is_file() else roles
        role_list = [r.strip() for r in text.replace("\n", ",").split(",") if r.strip()]
    out = out or activity.with_name(activity.stem + "_infoflow")
    with Progress(*PROGRESS_COLUMNS, console=err_console, transient=True) as bar:
        result = analyze_recording(activity, out, roles=role_list, method=method, lags=_split(lags, int) or (1, 2, 3),
                                   surrogates=surrogates, alpha=alpha, n_null=n_null, scheduler=scheduler,
                                   progress=StageProgress(bar))
    s = result.summary
    for key in ("q1_direction", "q2_layers"):
        console.print(f"[bold]{key}[/]: {s[key]['answer']} - {s[key]['sentence']}", highlight=False)
    print_summary("infoflow analyze", {"estimator": method, "surrogates": surrogates, "report": out / "report.html"},
                  started)
