"""infoflow: measure how information moves inside recurrent neural networks.

Subpackages follow the pipeline (data -> models -> train -> estimators -> flow -> structure |
bottleneck | dynamics -> report -> cli). Heavy subpackages (torch-based ones in particular) are
imported lazily, so ``import infoflow.estimators`` works where torch is absent.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it; resolved on first attribute access
_LAZY = {
    "record": "infoflow.train",
    "entropy": "infoflow.estimators",
    "mutual_information": "infoflow.estimators",
    "conditional_mutual_information": "infoflow.estimators",
    "transfer_entropy": "infoflow.estimators",
    "pairwise_mutual_information": "infoflow.estimators",
    "pairwise_transfer_entropy": "infoflow.estimators",
    "information_flow": "infoflow.flow",
    "InvalidParameterError": "infoflow._validation",
    "InfoflowWarning": "infoflow._validation",
}
_SUBPACKAGES = ("data", "models", "train", "estimators", "flow", "structure", "bottleneck", "dynamics", "report", "cli")

__all__ = ["__version__", *_LAZY, *_SUBPACKAGES]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBPACKAGES:
        return importlib.import_module(f"infoflow.{name}")
    raise AttributeError(f"module 'infoflow' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
