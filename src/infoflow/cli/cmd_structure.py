"""``infoflow structure RUN_DIR``: direction, progression and layers of a run's flow network.

Pipeline place: **cli** over :func:`infoflow.structure.analyze_structure`; reads ``RUN_DIR/flow.nc``
(written by ``infoflow flow``), writes ``structure.json`` and ``figures/`` into ``--out`` (default
RUN_DIR). A ``flow.nc`` whose recording has changed since (a resumed training run) is refused.
"""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from infoflow._defaults import DEFAULT_ALPHA, DEFAULT_N_NULL
from infoflow._io import atomic_write_json, load_dataset
from infoflow.cli._common import (
    app,
    collect_warnings,
    handle_errors,
    print_summary,
    progress_callback,
    show_warnings,
    warning_sentences,
)
from infoflow.structure._input import WEIGHTS
from infoflow.structure._layers import CRITERIA
from infoflow.structure._null import NULLS

# Choices are the library's own constants, so the CLI and analyze_structure accept the same names.
Weight = Enum("Weight", {w: w for w in WEIGHTS}, type=str)  # type: ignore[misc]
Null = Enum("Null", {n: n for n in NULLS}, type=str)  # type: ignore[misc]
Criterion = Enum("Criterion", {c: c for c in CRITERIA}, type=str)  # type: ignore[misc]


def _p(x) -> str:
    return "n/a" if x is None else f"{x:.3g}"


def _tested(p, observed, null_mean, n_edges) -> str:
    """A p-value, or why there is none: a null that cannot differ from the data tests nothing."""
    if p is None:
        return "p not available: no null test was possible"
    if p >= 1 and observed is not None and null_mean is not None and abs(observed - null_mean) < 1e-12:
        return (f"p not available: every null network gives the same value ({n_edges} edge"
                f"{'s' if n_edges != 1 else ''}), so no test was possible")
    return f"p = {_p(p)}"


def stale_reason(flow, run_dir: Path) -> str | None:
    """Why `flow` no longer matches the recording it was computed from, or None when it does (or is unknown)."""
    from infoflow._io import source_fingerprint

    saved = flow.attrs.get("recording_fingerprint")
    if not saved:
        return None
    recorded = str(flow.attrs.get("recording_source", "") or "")
    candidates = ([Path(recorded)] if recorded else []) + [Path(run_dir) / "recording.zarr"]
    source = next((c for c in candidates if c.exists()), None)
    if source is None:
        return None
    try:
        current = source_fingerprint(source)
    except (OSError, ValueError, KeyError):
        return None
    if current == saved:
        return None
    return (f"{Path(run_dir) / 'flow.nc'} is stale: it was computed from an earlier version of {source} (for "
            f"example before an interrupted training run was resumed). Re-run `infoflow flow {run_dir}` first.")


@app.command("structure")
@handle_errors
def structure(
    run_dir: Path = typer.Argument(..., help="Run folder holding flow.nc (from `infoflow flow`)."),
    weight: Weight = typer.Option(Weight["te"], help="Flow variable used as edge weight."),
    null: Null = typer.Option(Null["rewire"], help="Null model of the direction test (the layer test compares with "
                              "uniform progressions)."),
    n_null: int = typer.Option(DEFAULT_N_NULL, "--n-null", min=1, help="Null draws."),
    alpha: float = typer.Option(DEFAULT_ALPHA, help="Level of the direction and 'more than one layer' tests."),
    max_layers: int = typer.Option(8, "--max-layers", min=1, help="Largest layer count considered."),
    criterion: Criterion = typer.Option(Criterion["silhouette"],
                                        help="How the layer count is chosen (always behind the null test)."),
    seed: int = typer.Option(0, min=0, help="Seed of the null draws."),
    figures: bool = typer.Option(True, "--figures/--no-figures", help="Write PNG+SVG figures to OUT/figures."),
    out: Path | None = typer.Option(None, "--out", help="Output folder for structure.json and figures/ (default: "
                                                        "RUN_DIR)."),
) -> None:
    """Direction of flow, progression of each neuron and layers, tested against null models."""
    from infoflow.structure import analyze_structure, plot_flow_graph, plot_progression_histogram, save_figure

    started = time.perf_counter()
    flow_path = Path(run_dir) / "flow.nc"
    if not flow_path.exists():
        raise FileNotFoundError(f"{flow_path} does not exist: run `infoflow flow {run_dir}` first.")
    ds = load_dataset(flow_path)
    reason = stale_reason(ds, Path(run_dir))
    if reason:
        raise ValueError(reason)
    out_dir = Path(out) if out is not None else Path(run_dir)
    with collect_warnings() as caught, progress_callback("null models") as callback:
        result = analyze_structure(ds, weight=weight.value, null=null.value, n_null=n_null, alpha=alpha,
                                   max_layers=max_layers, criterion=criterion.value, seed=seed, callback=callback)
    messages = warning_sentences(caught)
    result["warnings"] = messages
    written = []
    if figures:
        import matplotlib.pyplot as plt

        fig_dir = out_dir / "figures"
        for method in result["progression"]:
            fig = plot_progression_histogram(result, method=method)
            written += save_figure(fig, fig_dir / f"progression_histogram_{method}")
            plt.close(fig)
        fig = plot_flow_graph(ds, result["progression"]["trophic"], weight=weight.value)
        written += save_figure(fig, fig_dir / "flow_graph")
        plt.close(fig)
    path = atomic_write_json(out_dir / "structure.json", result)
    d, lay = result["directedness"], result["layers"]
    null_stats: dict[str, Any] = next((n for n in d.get("nulls", []) if n.get("kind") == null.value), {})
    edges = d.get("n_edges")
    f0_test = _tested(d["f0_pvalue"], d["f0"], null_stats.get("f0_mean"), edges)
    down_test = _tested(d["downhill_pvalue"], d["downhill_fraction"], null_stats.get("downhill_mean"), edges)
    rows = {
        "neurons": len(result["neurons"]),
        "epochs": len(result["epochs"]["epoch"]) if "epochs" in result else 1,
        "weight / null": f"{weight.value} / {null.value} x {n_null}",
        "trophic incoherence F0": f"{_p(d['f0'])} ({f0_test})",
        "downhill fraction": f"{_p(d['downhill_fraction'])} ({down_test})",
        "layers": f"{lay['n_layers']} ({_tested(lay['pvalue'], None, None, edges)}; BIC says {lay['n_layers_bic']})",
        "flow within / skipping layers": f"{_p(lay['within_fraction'])} / {_p(lay['skip_fraction'])}",
    }
    for t in d["role_tests"]:
        rows[f"{t['earlier']} < {t['later']}"] = f"p = {_p(t['pvalue'])}, Cliff's delta = {_p(t['cliffs_delta'])}"
    rows["warnings"] = f"{len(messages)} (listed above; saved in structure.json)" if messages else "none"
    rows["figures"] = f"{len(written)} files in {out_dir / 'figures'}" if written else "none"
    rows["output"] = str(path)
    show_warnings(messages)
    print_summary("infoflow structure", rows, started=started)
