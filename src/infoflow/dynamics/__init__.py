"""infoflow.dynamics: how training unfolds - indicators of learning and drift/diffusion phases.

Pipeline place: after ``estimators``, beside ``structure`` and ``bottleneck`` (which it cannot
import; their results are read from the run folder's files or passed in as Datasets). Reads
recordings (``load_run``), returns labelled Datasets and one JSON-safe dict for ``dynamics.json``.

Public API
----------
load_run
    Recording(s) of a run folder: one, or one per ``seed_<s>/``.
gradient_snr
    Norm of mean gradient, norm of its std, SNR from raw per-batch gradients.
detect_transition
    Drift-to-diffusion test: a step in log SNR against a smooth trend (parametric bootstrap), yes/no/inconclusive.
gradient_phases
    SNR per epoch, group and seed with transitions, from recorded gradient statistics.
learning_indicators
    Per-epoch entropy sum, total correlation, participation ratio, I(T;Y), flow/structure, losses.
lead_lag, indicator_correlations
    Does an indicator track or lead the loss beyond the shared trend (detrended, prewhitened; Holm)?
analyze_dynamics
    All of the above as one dict (used by ``infoflow dynamics`` and the report).
plot_gradient_snr, plot_indicators
    PNG+SVG figures.
"""

from infoflow.dynamics._analyze import OUTPUT_KEYS, analyze_dynamics
from infoflow.dynamics._gradients import (
           TRANSITION_CRITERION,
           GradientSNR,
           detect_transition,
           gradient_phases,
           gradient_snr,
)
from infoflow.dynamics._indicators import indicator_correlations, lead_lag, learning_indicators, participation_ratio
from infoflow.dynamics._plot import plot_gradient_snr, plot_indicators
from infoflow.dynamics._recordings import load_run

__all__ = ["load_run", "gradient_snr", "GradientSNR", "detect_transition", "gradient_phases", "learning_indicators",
           "lead_lag", "indicator_correlations", "participation_ratio", "analyze_dynamics", "plot_gradient_snr",
           "plot_indicators", "OUTPUT_KEYS", "TRANSITION_CRITERION"]
