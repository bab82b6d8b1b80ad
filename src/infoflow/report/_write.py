"""Write ``summary.json``, the figures and ``report.html`` of a run folder (atomically)."""

from __future__ import annotations

import warnings
from pathlib import Path

from infoflow._io import atomic_write_json, atomic_write_text, load_dataset
from infoflow.report import _plots
from infoflow.report._render import render_report
from infoflow.report._summary import build_summary, read_json, seed_dirs


def write_report(run_dir: str | Path) -> Path:
    """Build the summary, draw the figures (PNG + SVG in ``figures/``) and write ``report.html``.

    Parameters
    ----------
    run_dir : path
        A run folder written by ``infoflow run`` or ``infoflow analyze``. Stages that did not run
        leave their sections marked "unavailable" with a note.

    Returns
    -------
    Path
        The path of ``report.html``.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"report: run folder {run_dir} does not exist.")
    summary = build_summary(run_dir)
    options = read_json(run_dir / "run_options.json") or {}
    measure = options.get("measure", "te")
    fig_dir = run_dir / "figures"
    seeds = seed_dirs(run_dir)
    primary = seeds[0]
    figures: dict[str, list[str]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # plotting warnings (tight layout etc.) are not the user's business
        figures["setup"] = _plots.loss_curves(seeds, fig_dir)
        structure = read_json(primary / "structure.json")
        tracked = [s for s in (read_json(d / "structure_epochs.json") for d in seeds) if s]
        if (primary / "flow.nc").exists() and structure is not None:
            from infoflow.report import _flowanswers as fa

            flow = load_dataset(primary / "flow.nc")
            measure = str((structure.get("settings") or {}).get("weight", measure))
            pairs = fa.measures(seeds, read_json)
            untrained = fa.untrained(seeds, read_json)
            q1 = (_plots.flow_heatmap(flow, fig_dir, measure) + _plots.flow_graph(flow, structure, fig_dir, measure))
            q2 = _plots.layers_figure(structure, tracked, fig_dir, label=fa.LABELS[measure])
            for m, st in pairs[1:]:  # the other measure, beside the run's
                other_path = primary / f"flow_{fa.TAGS[m]}.nc"
                if other_path.exists():
                    other = load_dataset(other_path)
                    q1 += (_plots.flow_heatmap(other, fig_dir, m, stem=f"flow_matrix_{fa.TAGS[m]}")
                           + _plots.flow_graph(other, st, fig_dir, m, stem=f"flow_graph_{fa.TAGS[m]}"))
                q2 += _plots.layers_figure(st, [], fig_dir, stem=f"layers_{fa.TAGS[m]}", label=fa.LABELS[m])
            q1 += (_plots.progression_histograms(pairs, fig_dir)
                   + _plots.f0_over_training(tracked, structure, fig_dir, untrained.get(measure))
                   + _plots.untrained_comparison(untrained, fig_dir))
            figures["q1_direction"] = q1
            figures["q2_layers"] = q2
        if (run_dir / "information_plane.nc").exists():
            figures["q3_bottleneck"] = _plots.information_planes(load_dataset(run_dir / "information_plane.nc"),
                                                                 fig_dir)
        for key, stem, caption in (
                ("q4_indicators", "indicators", "Indicators of learning (seed mean, band min-max over seeds) against "
                                                "the validation loss over epochs."),
                ("q5_phases", "gradient_snr", "Norm of the mean minibatch gradient, norm of its standard deviation and "
                                              "their ratio (SNR) per parameter group over epochs, with the detected "
                                              "drift/diffusion boundary.")):
            png = fig_dir / f"{stem}.png"
            if png.exists():
                figures[key] = [_plots.embed_png(png, caption)]
    summary["figures"] = sorted(str(p.relative_to(run_dir)) for p in fig_dir.glob("*.png")) if fig_dir.exists() else []
    atomic_write_json(run_dir / "summary.json", summary)
    return atomic_write_text(run_dir / "report.html", render_report(summary, figures))
