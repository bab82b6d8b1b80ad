"""infoflow.flow: all-pairs information flow between neurons, with surrogate significance.

Pipeline position: after :mod:`infoflow.estimators` (whose resolve / prepare / embed / family path
it calls, so each cell equals the public pairwise estimate), before structure / bottleneck / dynamics, which read the
Dataset it returns (``flow.nc``).
Work runs in-process or on dask.distributed (imported lazily, only when a cluster is used).
"""

from infoflow.flow._api import information_flow
from infoflow.flow._graph import to_networkx, write_graphml
from infoflow.flow._network import effective_network

__all__ = ["effective_network", "information_flow", "to_networkx", "write_graphml"]
