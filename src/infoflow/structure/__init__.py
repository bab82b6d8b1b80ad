"""infoflow.structure: where information flows *to* in a network.

Pipeline place: ``flow`` -> **structure** -> ``report``/``cli``. Reads the flow Dataset of
:func:`infoflow.flow.information_flow` (or a plain (N, N) matrix) and answers: how far downstream
each neuron sits (:func:`progression`), how directed the network is and whether outputs sit
downstream of hidden units and hidden of inputs (:func:`directedness`), and whether neurons form
layers (:func:`layers`, :func:`layers_by_epoch`); whether trained networks differ from untrained
ones of the same architecture (:func:`compare_untrained`, the null of ``infoflow run``); :func:`analyze_structure`
bundles them as a
JSON-safe dict for the CLI and the report. Never imports torch.
"""

from infoflow.structure._analyze import analyze_structure
from infoflow.structure._direction import DirectednessResult, NullComparison, RoleTest, directedness
from infoflow.structure._layers import LayersResult, adjusted_rand_index, layers, layers_by_epoch
from infoflow.structure._plot import plot_flow_graph, plot_progression_histogram, save_figure
from infoflow.structure._progression import progression
from infoflow.structure._untrained import StatisticComparison, UntrainedComparison, compare_untrained

__all__ = [
    "DirectednessResult",
    "LayersResult",
    "NullComparison",
    "RoleTest",
    "StatisticComparison",
    "UntrainedComparison",
    "adjusted_rand_index",
    "analyze_structure",
    "compare_untrained",
    "directedness",
    "layers",
    "layers_by_epoch",
    "plot_flow_graph",
    "plot_progression_histogram",
    "progression",
    "save_figure",
]
