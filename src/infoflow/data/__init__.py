"""infoflow.data: time series in, ready-to-train windows out (first stage of the pipeline).

- Bundled real weather series (package data, offline): :func:`list_datasets`, :func:`load_dataset`.
- User series: :func:`load_csv`, :func:`from_numpy`.
- Chronological splits, training-only standardisation, windows, persistence baseline:
  :func:`chronological_split`, :class:`Standardiser`, :func:`make_windows`, :func:`persistence_mse`,
  and :func:`prepare`, which chains them for the training stage.
- Synthetic systems with known answers (:mod:`infoflow.data.synthetic`): :func:`coupled_ar`,
  :func:`var_network`, :func:`delay_chain`, :func:`lorenz`, :func:`mackey_glass`.

Every series is an ``xarray.DataArray`` with dims ("time", "channel"); the first channel is the
forecasting target.
"""

from infoflow.data._datasets import DatasetInfo, list_datasets, load_dataset
from infoflow.data._loaders import from_numpy, load_csv
from infoflow.data._windows import (
    PreparedData,
    Split,
    Standardiser,
    Windows,
    chronological_split,
    make_windows,
    persistence_mse,
    prepare,
)
from infoflow.data.synthetic import (
    chain_adjacency,
    coupled_ar,
    coupled_ar_theory,
    delay_chain,
    lorenz,
    mackey_glass,
    parents_network,
    var_network,
)

__all__ = [
    "DatasetInfo", "list_datasets", "load_dataset",
    "load_csv", "from_numpy",
    "Split", "Windows", "Standardiser", "PreparedData", "chronological_split", "make_windows",
    "persistence_mse", "prepare",
    "coupled_ar", "coupled_ar_theory", "var_network", "delay_chain", "chain_adjacency", "parents_network",
    "lorenz", "mackey_glass",
]
