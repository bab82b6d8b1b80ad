"""infoflow.bottleneck: the information bottleneck view of a trained recurrent network.

Pipeline place: after ``estimators`` (every number comes from them), beside ``structure`` and
``dynamics`` (which it cannot import). It reads recordings and returns an information-plane
Dataset (saved as ``information_plane.nc``), a compression verdict per estimator, and figures.

Public API
----------
information_plane
    I(X;T), I(T;Y) per epoch for the hidden population and each neuron, several estimators.
compression_verdict
    Whether I(X;T) falls after a peak while I(T;Y) holds, with the criterion recorded.
neuron_correlation
    Correlation across neurons of I(h;X) and I(h;Y) with a Fisher-z or bootstrap interval.
input_history
    The (n, window*channels) input-history matrix X aligned with activity time.
plot_information_plane
    PNG+SVG figure of the plane, coloured by epoch.
"""

from infoflow.bottleneck._plane import ESTIMATORS, information_plane, input_history
from infoflow.bottleneck._plot import plot_information_plane
from infoflow.bottleneck._verdict import COMPRESSION_CRITERION, compression_verdict, neuron_correlation, noise_level

__all__ = ["information_plane", "compression_verdict", "neuron_correlation", "input_history",
           "plot_information_plane", "noise_level", "ESTIMATORS", "COMPRESSION_CRITERION"]
