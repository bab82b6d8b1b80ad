"""``build_model``: the one validated entry point that builds any infoflow network (models layer)."""

from __future__ import annotations

import numpy as np

from infoflow._defaults import ARCHITECTURES
from infoflow._validation import SEED_CONSTRAINTS, Interval, Options, root_seed, validate_params
from infoflow.models._base import INITS, NONLINEARITIES, RecurrentModel
from infoflow.models._fully_recurrent import FullyRecurrentNet
from infoflow.models._standard import StandardRNN


@validate_params({
    "arch": [Options(*ARCHITECTURES)], "n_channels": [Interval(int, 1, None)], "n_units": [Interval(int, 1, None)],
    "n_input_units": [Interval(int, 1, None)], "n_output_units": [Interval(int, 1, None)],
    "nonlinearity": [Options(*NONLINEARITIES)], "init": [Options(*INITS)],
    "gain": [Interval(float, 0, None, closed="neither")], "seed": SEED_CONSTRAINTS,
})
def build_model(arch: str = "fully_recurrent", *, n_channels: int = 1, n_units: int = 32, n_input_units: int = 2,
                n_output_units: int = 1, nonlinearity: str = "tanh", init: str = "orthogonal",
                gain: float = 1.0, seed: int | np.random.Generator | None = None) -> RecurrentModel:
    """Build a recurrent network with the common infoflow interface.

    Parameters
    ----------
    arch : {"fully_recurrent", "elman", "gru", "lstm"}, default="fully_recurrent"
    n_channels : int, default=1
        Input channels C.
    n_units : int, default=32
        Fully recurrent: all units of the pool; others: hidden units.
    n_input_units : int, default=2
        Fully recurrent only: units that receive the input (others record the C channels as inputs).
    n_output_units : int, default=1
        Read-out units, one per forecast step (the horizon).
    nonlinearity : {"tanh", "relu", "sigmoid"}, default="tanh"
        Fully recurrent: any; Elman: tanh or relu; GRU/LSTM: tanh only (their gates are fixed).
    init : {"orthogonal", "normal", "default"}, default="orthogonal"
        Recurrent weight initialisation (orthogonal times `gain`, N(0, gain^2/N), or torch's).
    gain : float, default=1.0
    seed : int, None or numpy.random.Generator, default=None
        If given, seeds torch's generator before creating weights (same seed, same weights); a
        Generator is consumed (one root int is drawn from it). None leaves torch's generator as it is.

    Returns
    -------
    model : RecurrentModel
        ``forward(x (B, T, C)) -> (prediction (B, T, n_output_units), states (B, T, n_recorded))``,
        with ``neuron_ids``, ``roles``, ``target_offset`` and ``parameter_groups()``.

    Examples
    --------
    >>> import torch
    >>> net = build_model("fully_recurrent", n_units=8, seed=0)
    >>> pred, states = net(torch.zeros(3, 5, 1))
    >>> tuple(pred.shape), tuple(states.shape), net.roles[:3]
    ((3, 5, 1), (3, 5, 8), ('input', 'input', 'hidden'))
    """
    f = "build_model"
    _check_arch_options(arch, n_units, n_input_units, n_output_units, nonlinearity, func=f)
    if seed is not None:
        import torch

        torch.manual_seed(root_seed(seed))
    if arch == "fully_recurrent":
        return FullyRecurrentNet(n_channels, n_units, n_input_units=n_input_units, n_output_units=n_output_units,
                                 nonlinearity=nonlinearity, init=init, gain=float(gain))
    return StandardRNN(arch, n_channels, n_units, n_output_units=n_output_units, nonlinearity=nonlinearity,
                       init=init, gain=float(gain))


def _check_arch_options(arch: str, n_units: int, n_input_units: int, n_output_units: int, nonlinearity: str,
                        *, func: str) -> None:
    """Cross-option checks shared by build_model and TrainConfig."""
    from infoflow._validation import InvalidParameterError

    if arch == "fully_recurrent" and n_input_units + n_output_units > n_units:
        raise InvalidParameterError(
            f"{func}: n_input_units ({n_input_units}) + n_output_units ({n_output_units}) exceeds n_units "
            f"({n_units}); use more units or fewer input/output units.")
    if arch == "elman" and nonlinearity == "sigmoid":
        raise InvalidParameterError(f"{func}: arch='elman' supports nonlinearity 'tanh' or 'relu'; got 'sigmoid'. "
                                    "Use arch='fully_recurrent' for sigmoid units.")
    if arch in ("gru", "lstm") and nonlinearity != "tanh":
        raise InvalidParameterError(f"{func}: arch={arch!r} has fixed gate nonlinearities; nonlinearity must be "
                                    f"'tanh', got {nonlinearity!r}.")
