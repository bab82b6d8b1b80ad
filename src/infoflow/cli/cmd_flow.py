"""``infoflow flow RUN_DIR``: all-pairs information flow with significance, written to ``flow.nc``.

Pipeline place: **cli** over :func:`infoflow.flow.information_flow`; reads ``RUN_DIR/recording.zarr``
(lazily, one epoch in memory at a time) or an activity file, writes ``flow.nc`` (atomically) into
the run folder, or for a file ``a.npy`` into ``a_infoflow/`` beside it (as ``analyze`` does),
optionally ``flow.graphml``, and prints a summary table. ``flow.nc`` records which recording it came
from (``recording_source``, ``recording_fingerprint``) and the warnings raised (``warnings``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from infoflow._defaults import DEFAULT_ALPHA, DEFAULT_SURROGATES
from infoflow._io import load_dataset, save_dataset, source_fingerprint
from infoflow._validation import InvalidParameterError
from infoflow.cli._common import (
    LAGS_TEXT,
    app,
    collect_warnings,
    handle_errors,
    print_summary,
    progress_callback,
    show_warnings,
    warning_sentences,
)
from infoflow.cli.cmd_train import Fill
from infoflow.flow._api import MEASURES, METHODS, PVALUES
from infoflow.flow._schedule import SchedulerOption

# Choices are the library's own constants, so the CLI and information_flow accept the same names.
# (mypy reads Enum members only from literals, hence the ignores; members are looked up by name below)
Method = Enum("Method", {m: m for m in METHODS}, type=str)  # type: ignore[misc]
Measure = Enum("Measure", {m: m for m in MEASURES}, type=str)  # type: ignore[misc]
PValue = Enum("PValue", {m: m for m in PVALUES}, type=str)  # type: ignore[misc]


class Sequential(str, Enum):
    auto = "auto"
    on = "on"
    off = "off"


_SEQUENTIAL = {Sequential.auto: "auto", Sequential.on: True, Sequential.off: False}


def _int_list(text: str, option: str) -> list[int]:
    """'1,2,3' -> [1, 2, 3]; anything else is a one-line error naming the option."""
    try:
        values = [int(v) for v in text.replace(" ", "").split(",") if v]
    except ValueError:
        raise InvalidParameterError(f"{option} must be comma-separated integers like '1,2,3'; got {text!r}.") from None
    if not values:
        raise InvalidParameterError(f"{option} must not be empty.")
    return values


def int_options(values: list[str] | None, option: str) -> tuple[int, ...] | None:
    """Repeated or comma-separated integer options (``--lags 1,2 --lags 3``); None when not given."""
    if not values:
        return None
    return tuple(v for item in values for v in _int_list(item, option))


def output_folder(path: Path) -> Path:
    """Where results of `path` go by default: the run folder itself, else ``<stem>_infoflow/`` beside a file."""
    if path.is_dir() and path.suffix != ".zarr":
        return path
    if path.name == "recording.zarr":
        return path.parent
    return path.with_name(path.stem + "_infoflow")


def refuse_other_source(target: Path, source: str, force: bool) -> None:
    """Refuse to replace `target` when it holds results of a different input (unless --force)."""
    if force or not target.exists():
        return
    try:
        old = load_dataset(target).attrs.get("recording_source")
    except (ValueError, OSError):
        return
    if old and Path(str(old)).resolve() != Path(source).resolve():
        raise FileExistsError(f"{target} holds the results of another input ({old}); pass --force to replace it, "
                              "or choose another --out.")


def check_recording(recording, path: Path) -> None:
    """Refuse what cannot give a meaningful flow: a partial recording, fewer than two neurons."""
    from infoflow.train._recording import incomplete_message

    if recording.attrs.get("complete", 1) == 0:
        raise ValueError(incomplete_message(path, recording))
    n = int(recording["activity"].sizes.get("neuron", 0))
    if n < 2:
        raise ValueError(f"{path} holds {n} neuron(s); information flow is measured between pairs of neurons, so at "
                         "least 2 are needed (one column per neuron, one row per time step).")


def check_scheduler(scheduler: str) -> None:
    """--scheduler is 'auto' or what the library's ``scheduler=`` takes; anything else stops before any work."""
    if scheduler != "auto" and not SchedulerOption().is_satisfied_by(scheduler):
        raise InvalidParameterError(f"--scheduler must be 'auto', 'inprocess', 'local' or an address like "
                                    f"tcp://host:8786; got {scheduler!r}.")


def _epochs(text: str):
    text = text.strip().lower()
    if text in ("last", "all"):
        return text
    return _int_list(text, "--epochs")


def _open(path: Path, roles: list[str] | None, time_column: str | None = None, fill: str | None = None):
    """A run folder's recording.zarr opens lazily (stays on disk); other files via load_recording."""
    import xarray as xr

    store = path / "recording.zarr" if path.is_dir() and path.suffix != ".zarr" else path
    if path.is_dir() and path.suffix != ".zarr" and not store.exists():
        from infoflow.train._recording import interrupted_training

        hint = interrupted_training(path)
        if hint:
            raise FileNotFoundError(f"{path} has no recording.zarr. {hint}")
    if store.suffix == ".zarr" and store.exists():
        try:
            ds = xr.open_zarr(store)
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(f"could not read {store}: it is corrupt or not an infoflow recording ({exc}).") from None
        if "activity" not in ds:
            raise ValueError(f"{store} has no 'activity' variable; variables are {list(ds.data_vars)}.")
        return ds
    from infoflow.train import load_recording

    return load_recording(path, roles=roles, time_column=time_column, fill=fill)


def _mean_drawn(ds) -> str:
    drawn = ds["n_surrogates"].values
    tested = drawn[drawn > 0]
    if not tested.size:
        return "none (no pair tested)"
    label = "sequential" if ds.attrs.get("sequential") else "fixed"
    return f"{tested.mean():.1f} on average ({label}; at most {ds.attrs['surrogates']})"


@dataclass
class Input:
    """What a command that analyses a recording reads, checked before any work."""

    path: Path
    lags: tuple[int, ...]
    epochs: Any
    roles: list[str] | None
    scheduler: str
    target: Path  # the result file
    source: str  # the recording it comes from (recorded in the result)
    recording: Any
    caught: list  # warnings raised while loading

    @property
    def roles_arg(self) -> list[str] | None:
        """Roles for the library call: a run folder's recording carries its own."""
        return self.roles if self.path.is_dir() else None

    @property
    def scheduler_arg(self) -> str | None:
        return None if self.scheduler == "auto" else self.scheduler


def read_input(run_dir: Path, *, filename: str, lags: str, epochs: str, scheduler: str, roles: str, out: Path | None,
               force: bool, time_column: str | None = None, fill: Any = None) -> Input:
    """Check the options, refuse to replace another input's results, and open the recording.

    `filename` (``flow.nc``, ``network.nc``) goes into the run folder, or ``<file>_infoflow/`` beside
    an activity file, or `out` (a folder, or a path ending in ``.nc`` naming the file itself)."""
    path = Path(run_dir)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: pass a run folder from `infoflow train` or an activity file.")
    lag_list = tuple(_int_list(lags, "--lags"))
    epoch_sel = _epochs(epochs)
    check_scheduler(scheduler)
    role_list = [r.strip() for r in roles.split(",")] if roles.strip() else None
    if out is not None and out.suffix == ".nc":
        target = out
    else:
        target = (out if out is not None else output_folder(path)) / filename
    source = str(path / "recording.zarr" if path.is_dir() and path.suffix != ".zarr" else path)
    refuse_other_source(target, source, force)
    with collect_warnings() as load_caught:
        try:
            recording = _open(path, role_list, time_column, None if fill is None else fill.value)
        except ValueError:
            show_warnings(warning_sentences(load_caught))  # what was noticed before the refusal
            raise
    check_recording(recording, path)
    return Input(path=path, lags=lag_list, epochs=epoch_sel, roles=role_list, scheduler=scheduler, target=target,
                 source=source, recording=recording, caught=list(load_caught))


def save_result(ds, inp: Input, caught: list, *, graphml: bool) -> tuple[list[str], Path, list[Path]]:
    """Record the source, its fingerprint and the warnings in `ds`, save it (and its GraphML).

    Returns (warning sentences, the saved file, every file written)."""
    from infoflow.flow import write_graphml

    messages = warning_sentences(inp.caught + caught)
    ds.attrs.update(recording_source=inp.source, recording_fingerprint=source_fingerprint(inp.source),
                    warnings="\n".join(messages))
    target = save_dataset(ds, inp.target)
    written = [target]
    if graphml:
        written.insert(0, write_graphml(ds, target.with_suffix(".graphml")))
    return messages, target, written


@app.command("flow")
@handle_errors
def flow(
    run_dir: Path = typer.Argument(..., help="Run folder (with recording.zarr) or an activity file "
                                             "(.zarr/.nc/.npy/.npz/.csv)."),
    method: Method = typer.Option(Method["ksg"], help="Estimator: ksg (accurate) or gaussian_copula (fast)."),
    measure: Measure = typer.Option(Measure["te"], help="Measure that gets p-values: te or flow (TDMI - MI)."),
    lags: str = typer.Option(LAGS_TEXT, help="Source-to-target lags, comma-separated."),
    surrogates: int = typer.Option(DEFAULT_SURROGATES, min=2, help="Circular time-shift surrogates per epoch."),
    alpha: float = typer.Option(DEFAULT_ALPHA, help="Benjamini-Hochberg false discovery rate."),
    epochs: str = typer.Option("last", help="Epochs: 'last', 'all' or labels like '0,5,10'. The default differs from "
                               "information_flow's ('all'): a run folder records every training epoch, and KSG on all "
                               "61 of the default run takes about two hours (109 s each measured on 2 cores)."),
    screen: bool = typer.Option(False, "--screen/--no-screen",
                                help="Screen pairs with the Gaussian copula first (ksg)."),
    sequential: Sequential = typer.Option(Sequential.auto, help="Stop drawing surrogates for pairs already decided: "
                                          "auto (on for ksg), on or off."),
    scheduler: str = typer.Option("auto", help="'auto', 'inprocess', 'local' (2-process LocalCluster) or "
                                                "tcp://host:port."),
    theiler: int = typer.Option(0, min=0, help="KSG Theiler window (steps)."),
    history: int = typer.Option(1, min=1, help="Target history length for TE."),
    condition_on_input: bool = typer.Option(False, "--condition-on-input/--no-condition-on-input",
                                            help="Condition on the network input (strips the shared daily cycle)."),
    pvalue: PValue = typer.Option(PValue["fit"],
                                  help="p-values from a fitted tail (fit) or the surrogate ranks (empirical)."),
    seed: int = typer.Option(0, min=0, help="Seed of the jitter and the surrogate shifts."),
    roles: str = typer.Option("", help="For array files: one role per neuron, comma-separated."),
    out: Path = typer.Option(None, "--out", help="Output folder for flow.nc (default: the run folder, or "
                                                 "<file>_infoflow/ "
                             "beside an activity file); a path ending in .nc names the file itself."),
    graphml: bool = typer.Option(False, "--graphml/--no-graphml", help="Also write the significant graph as "
                                                                       "flow.graphml."),
    force: bool = typer.Option(False, "--force", help="Replace a flow.nc computed from a different input."),
    time_column: str | None = typer.Option(None, "--time-column", help="CSV: a time column to drop (not a neuron)."),
    fill: Fill | None = typer.Option(None, "--fill", help="CSV: fill interior missing values (default: an error)."),
) -> None:
    """Information flow between every ordered pair of neurons, with surrogate significance."""
    from infoflow.flow import information_flow

    started = time.perf_counter()
    inp = read_input(run_dir, filename="flow.nc", lags=lags, epochs=epochs, scheduler=scheduler, roles=roles, out=out,
                     force=force, time_column=time_column, fill=fill)
    with collect_warnings() as caught, progress_callback("flow tasks") as callback:
        ds = information_flow(inp.recording, lags=inp.lags, method=method.value,
                              measure=measure.value, surrogates=surrogates, alpha=alpha, history=history,
                              condition_on_input=condition_on_input, theiler=theiler, screen=screen,
                              pvalue=pvalue.value, sequential=_SEQUENTIAL[sequential], epochs=inp.epochs,
                              roles=inp.roles_arg, seed=seed, scheduler=inp.scheduler_arg, callback=callback)
    messages, target, written = save_result(ds, inp, caught, graphml=graphml)
    n = ds.sizes["source"]
    sig = ds["significant"]
    n_sig = (int(sig.sum()) if "epoch" not in sig.dims
             else "/".join(str(int(v)) for v in sig.sum(("source", "target")).values))
    rows = {
        "pairs": n * (n - 1),
        "epochs": ds.sizes.get("epoch", 1),
        "samples per pair": ds.attrs["n_samples"],
        "estimator": ds.attrs["estimator"] + (f" (k={ds.attrs['k']})" if "k" in ds.attrs else ""),
        "measure tested": f"{ds.attrs['tested']}, lags {', '.join(str(int(v)) for v in ds['lag'].values)}",
        "surrogates / p-values": f"{ds.attrs['surrogates']} / {ds.attrs['pvalue']} (min shift {ds.attrs['min_shift']})",
        "surrogates drawn per tested pair": _mean_drawn(ds),
        f"significant at FDR {alpha}": n_sig,
        "screen": "gaussian_copula" if screen else "off",
        "conditioned on input": "yes" if condition_on_input else "no",
        "warnings": f"{len(messages)} (listed above; saved in flow.nc)" if messages else "none",
    }
    for i, p in enumerate(written):
        rows["output" if p == target else f"graph {i}"] = str(p)
    rows["output"] = rows.pop("output")
    show_warnings(messages)
    print_summary("infoflow flow", rows, started=started)
