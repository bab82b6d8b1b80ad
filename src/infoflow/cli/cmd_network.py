"""``infoflow network RUN_DIR|FILE``: the effective network (multivariate TE), written to ``network.nc``.

Pipeline place: **cli** over :func:`infoflow.flow.effective_network`. Reads what ``infoflow flow``
reads (a run folder's ``recording.zarr`` or an activity file), writes ``network.nc`` where ``flow``
writes ``flow.nc`` (the run folder, or ``<file>_infoflow/`` beside a file), optionally
``network.graphml``, and prints a summary table. Same options and vocabulary as ``flow``.
"""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path

import typer

from infoflow._defaults import (
    DEFAULT_ALPHA,
    DEFAULT_NETWORK_SURROGATE,
    DEFAULT_SCREEN_TOP,
    DEFAULT_SURROGATES,
    NETWORK_SURROGATES,
)
from infoflow.cli._common import (
    LAGS_TEXT,
    app,
    collect_warnings,
    handle_errors,
    print_summary,
    progress_callback,
    show_warnings,
)
from infoflow.cli.cmd_flow import Method, read_input, save_result
from infoflow.cli.cmd_train import Fill

Surrogate = Enum("Surrogate", {s: s for s in NETWORK_SURROGATES}, type=str)  # type: ignore[misc]


@app.command("network")
@handle_errors
def network(
    run_dir: Path = typer.Argument(..., help="Run folder (with recording.zarr) or an activity file "
                                             "(.zarr/.nc/.npy/.npz/.csv)."),
    method: Method = typer.Option(Method["ksg"],
                                  help="Estimator: ksg (nonlinear) or gaussian_copula (fast, linear/monotone)."),
    lags: str = typer.Option(LAGS_TEXT, help="Source-to-target lags considered, comma-separated."),
    max_history: int = typer.Option(3, min=1, help="Largest lag of each target's own past considered."),
    surrogates: int = typer.Option(DEFAULT_SURROGATES, min=19, help="Surrogates per test, at most."),
    surrogate: Surrogate = typer.Option(Surrogate[DEFAULT_NETWORK_SURROGATE],
                                        help="Surrogate scheme: shift (circular time shifts of each source) or local "
                                             "(sources permuted among samples with nearby conditioning values)."),
    alpha: float = typer.Option(DEFAULT_ALPHA, help="Level of every test and FDR level across targets."),
    epochs: str = typer.Option("last", help="Epochs: 'last', 'all' or labels like '0,5,10'."),
    scheduler: str = typer.Option("auto", help="'auto', 'inprocess', 'local' (2-process LocalCluster) or tcp://host:port."),
    condition_on_input: bool = typer.Option(False, "--condition-on-input/--no-condition-on-input",
                                            help="Condition every test on the network input."),
    screen_top: int = typer.Option(DEFAULT_SCREEN_TOP, min=0, help="KSG: candidates per inclusion round that get KSG, "
                                   "the best by a Gaussian-copula score (0: every candidate)."),
    seed: int = typer.Option(0, min=0, help="Seed of the jitter and the surrogate shifts."),
    roles: str = typer.Option("", help="For array files: one role per neuron, comma-separated."),
    out: Path = typer.Option(None, "--out", help="Output folder for network.nc (default: the run folder, or "
                             "<file>_infoflow/ beside an activity file); a path ending in .nc names the file."),
    graphml: bool = typer.Option(False, "--graphml/--no-graphml", help="Also write the network as network.graphml."),
    force: bool = typer.Option(False, "--force", help="Replace a network.nc computed from a different input."),
    time_column: str | None = typer.Option(None, "--time-column", help="CSV: a time column to drop (not a neuron)."),
    fill: Fill | None = typer.Option(None, "--fill", help="CSV: fill interior missing values (default: an error)."),
) -> None:
    """Effective network: each neuron's direct parents by multivariate transfer entropy."""
    from infoflow.flow import effective_network

    started = time.perf_counter()
    inp = read_input(run_dir, filename="network.nc", lags=lags, epochs=epochs, scheduler=scheduler, roles=roles,
                     out=out,
                     force=force, time_column=time_column, fill=fill)
    with collect_warnings() as caught, progress_callback("targets") as callback:
        ds = effective_network(inp.recording, lags=inp.lags, method=method.value, surrogates=surrogates, alpha=alpha,
                               max_history=max_history, condition_on_input=condition_on_input, epochs=inp.epochs,
                               roles=inp.roles_arg, seed=seed, scheduler=inp.scheduler_arg, callback=callback,
                               screen_top=screen_top or None, surrogate=surrogate.value)
    messages, target, written = save_result(ds, inp, caught, graphml=graphml)
    sig = ds["significant"]
    n = ds.sizes["source"]
    links = (int(sig.sum()) if "epoch" not in sig.dims
             else "/".join(str(int(v)) for v in sig.sum(("source", "target")).values))
    rows = {
        "neurons": n,
        "epochs": ds.sizes.get("epoch", 1),
        "estimator": ds.attrs["estimator"] + (f" (k={ds.attrs['k']})" if ds.attrs.get("k") != "none" else ""),
        "candidates per target": f"{n - 1} sources x lags {', '.join(str(v) for v in inp.lags)}; own past up to "
                                 f"{max_history}",
        "surrogates": f"{surrogate.value}, {surrogates} per test at most; "
                      f"{float(ds['surrogates_drawn'].mean()):.0f} drawn per target on average",
        f"direct links (tests at {alpha}, FDR across targets)": links,
        "conditioned on input": "yes" if condition_on_input else "no",
        "warnings": f"{len(messages)} (listed above; saved in network.nc)" if messages else "none",
    }
    for p in written:
        rows["output" if p == target else "graph"] = str(p)
    rows["output"] = rows.pop("output")
    show_warnings(messages)
    print_summary("infoflow network", rows, started=started)
