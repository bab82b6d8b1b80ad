"""``infoflow dynamics RUN_DIR``: information plane, indicators of learning, drift/diffusion phases.

Thin layer over :func:`infoflow.bottleneck.information_plane` and
:func:`infoflow.dynamics.analyze_dynamics` (the CLI may import both; the two packages cannot
import each other). Writes ``information_plane.nc``, ``dynamics.json`` and ``figures/`` into ``--out`` (default
RUN_DIR).
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from infoflow._defaults import DEFAULT_NOISE_SD
from infoflow.cli._common import (
    app,
    collect_warnings,
    handle_errors,
    print_summary,
    progress_callback,
    show_warnings,
    warning_sentences,
)


@app.command()
@handle_errors
def dynamics(
    run_dir: Path = typer.Argument(..., help="A run folder (recording.zarr) or a folder of seed_*/ runs."),
    estimator: list[str] = typer.Option(["binning", "kde"], "--estimator", "-e",
                                        help="Information-plane estimator (repeat): binning, kde, ksg, "
                                             "gaussian_copula."),
    window: int = typer.Option(24, help="Steps of input history in X."),
    bins: int | None = typer.Option(None, help="Bins of the binning estimator (default 30)."),
    bandwidth: float | None = typer.Option(None, help="Noise variance of the KDE bound (default 0.1)."),
    k: int | None = typer.Option(None, help="KSG neighbours (default 4)."),
    noise_sd: float = typer.Option(DEFAULT_NOISE_SD, "--noise-sd",
                                   help="Add seeded Gaussian noise of this SD to T (Goldfeld et al.); 0: none."),
    max_samples: int | None = typer.Option(None, "--max-samples", help="Use at most this many time steps per epoch."),
    per_neuron: bool = typer.Option(True, "--per-neuron/--no-per-neuron", help="Per-neuron I(h;X), I(h;Y)."),
    target: str = typer.Option("val_loss", help="Loss the indicators are compared with."),
    max_lag: int = typer.Option(3, "--max-lag", help="Lags (epochs) of the lead/lag analysis."),
    seeds: int | None = typer.Option(None, help="Use only the first N seed_* runs (default: all)."),
    seed: int = typer.Option(0, help="Seed of the added noise."),
    figures: bool = typer.Option(True, "--figures/--no-figures", help="Write PNG+SVG figures to OUT/figures."),
    out: Path | None = typer.Option(None, "--out", help="Output folder for dynamics.json, information_plane.nc and "
                                    "figures/ (default: RUN_DIR); a path ending in .json names the JSON file itself."),
) -> None:
    """Information plane, indicators of learning and drift/diffusion phases of a trained run."""
    from infoflow._io import atomic_write_json, save_dataset
    from infoflow.bottleneck import information_plane, plot_information_plane
    from infoflow.dynamics import analyze_dynamics, load_run

    started = time.perf_counter()
    with collect_warnings() as caught:
        recs = load_run(run_dir)
    if seeds is not None:
        if seeds < 1:
            raise ValueError(f"--seeds must be at least 1; got {seeds}.")
        recs = recs[:seeds]
    with collect_warnings() as caught_plane, progress_callback("information plane") as cb:
        plane = information_plane(recs, estimators=tuple(estimator), window=window, bins=bins, bandwidth=bandwidth,
                                  k=k, noise_sd=noise_sd, per_neuron=per_neuron, max_samples=max_samples, seed=seed,
                                  callback=cb)
    out_dir = out.parent if out is not None and out.suffix == ".json" else (out or run_dir)
    json_path = out if out is not None and out.suffix == ".json" else out_dir / "dynamics.json"
    plane_path = save_dataset(plane, out_dir / "information_plane.nc")
    fig_dir = out_dir / "figures"
    figs = [str(p) for p in plot_information_plane(plane, fig_dir / "information_plane")] if figures else []
    with collect_warnings() as caught_dyn, progress_callback("indicators") as cb:
        result = analyze_dynamics(recs, plane=plane, target=target, max_lag=max_lag, max_samples=max_samples,
                                  figures_dir=fig_dir if figures else None, callback=cb)
    result["figures"] = figs + result["figures"]
    result["settings"]["run_dir"] = str(run_dir)
    result["settings"]["information_plane_file"] = str(plane_path)
    messages = warning_sentences(caught + caught_plane + caught_dyn)
    result["settings"]["warnings"] = messages  # the keys of dynamics.json are fixed (OUTPUT_KEYS)
    path = atomic_write_json(json_path, result)

    show_warnings(messages)
    comp = ", ".join(f"{e}: {'yes' if v['compression'] else 'no'} ({v['seeds_compressing']}/{v['n_seeds']} seeds; "
                     f"{v['regulariser']})" for e, v in result["compression"].items())
    te = result["phase_transition"].get("all", {}).get("transition_epoch")
    leading = [n for n, v in result["indicator_correlations"].items() if v["leads"]]
    tracking = [n for n, v in result["indicator_correlations"].items() if v["tracks"]]
    print_summary("infoflow dynamics", {
        "seeds": f"{result['n_seeds']} {result['seeds']}", "epochs": result["n_epochs"],
        "samples per epoch": plane.attrs["n_samples"], "window": window,
        "compression phase": comp or "n/a",
        "drift -> diffusion": "none found" if te is None else f"epoch {te:g}",
        f"indicators tracking {target}": ", ".join(tracking) or "none",
        f"indicators leading {target}": ", ".join(leading) or "none",
        "estimator warnings": plane.attrs["n_warnings"] + result["settings"]["indicator_warnings"],
        "figures": str(fig_dir) if figures else "not written (--no-figures)",
        "information plane data": str(plane_path),
        "output": str(path),
    }, started)
