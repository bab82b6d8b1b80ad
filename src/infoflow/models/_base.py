"""Common interface of every infoflow network (models layer: torch ``nn.Module`` only).

Every model exposes one activity per unit with a role, so that recording (``infoflow.train``) and
every later analysis treat a fully recurrent net and a GRU alike. Users do not import this module.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from infoflow._defaults import INITS, NONLINEARITIES  # noqa: F401  (re-exported by infoflow.models)

GROUPS = ("input", "recurrent", "output", "bias")


class RecurrentModel(nn.Module):
    """Base class: ``forward(x) -> (prediction, states)`` plus neuron labels and parameter groups.

    Subclasses set ``neuron_ids`` (str ids), ``roles`` (one of input/hidden/output per unit),
    ``target_offset`` (prediction at step t forecasts the target channel at step ``t + target_offset``)
    and implement :meth:`parameter_groups`.
    """

    arch: str = "base"
    target_offset: int = 1
    neuron_ids: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    @property
    def n_units(self) -> int:
        """Number of recorded units (length of the last axis of ``states``)."""
        return len(self.neuron_ids)

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:
        """Short model label used in recording attrs, e.g. ``"fully_recurrent-32-tanh"``."""
        return f"{self.arch}-{self.n_units}"


def activation(name: str):
    """Return the elementwise nonlinearity called `name` (validated by the caller)."""
    return {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[name]


def init_recurrent_(weight: torch.Tensor, init: str, gain: float) -> None:
    """Initialise a square (or stacked-square) recurrent weight in place.

    ``orthogonal``: each square block orthogonal times `gain` (spectral radius `gain`, no
    exploding/vanishing at start, Saxe et al. 2014, arXiv:1312.6120); ``normal``: N(0, gain^2 / n)
    (spectral radius about `gain` by the circular law); ``default``: leave torch's initialisation.
    """
    if init == "default":
        return
    n = weight.shape[1]
    with torch.no_grad():
        for k in range(weight.shape[0] // n):
            block = weight[k * n:(k + 1) * n]
            if init == "orthogonal":
                nn.init.orthogonal_(block, gain=gain)
            else:
                nn.init.normal_(block, mean=0.0, std=gain / math.sqrt(n))
