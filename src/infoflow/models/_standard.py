"""Standard recurrent architectures for comparison: Elman RNN, GRU, LSTM (models layer).

Each wraps the torch module with a linear read-out and exposes one activity per unit with a role:
the input channels are recorded as "input" neurons, the hidden units (LSTM: h, not c) as "hidden",
the read-out as "output", so analyses treat them like the fully recurrent net. Built through
:func:`infoflow.models.build_model`.
"""

from __future__ import annotations

import torch
from torch import nn

from infoflow.models._base import RecurrentModel, init_recurrent_

_MODULES = {"elman": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class StandardRNN(RecurrentModel):
    r"""A torch recurrent layer (``nn.RNN``, ``nn.GRU`` or ``nn.LSTM``) plus a linear read-out.

    Parameters
    ----------
    arch : {"elman", "gru", "lstm"}
    n_channels : int
        Input channels C.
    n_units : int, default=32
        Hidden units H.
    n_output_units : int, default=1
        Read-out units (one per forecast step).
    nonlinearity : {"tanh", "relu"}, default="tanh"
        Elman only; GRU and LSTM fix their gate nonlinearities.
    init : {"orthogonal", "normal", "default"}, default="orthogonal"
        Initialisation of the hidden-to-hidden weights (per gate block), scaled by `gain`.
    gain : float, default=1.0

    Notes
    -----
    **Timing.** The hidden state at step t has seen :math:`x_t`, so the read-out at step t is the
    forecast of :math:`x_{t+1}` (``target_offset = 1``). Recorded units, in order:
    ``in0..in{C-1}`` (the input channels themselves), ``h0..h{H-1}``, ``out0..``.
    """

    def __init__(self, arch: str, n_channels: int, n_units: int = 32, *, n_output_units: int = 1,
                 nonlinearity: str = "tanh", init: str = "orthogonal", gain: float = 1.0):
        super().__init__()
        if arch not in _MODULES:
            raise ValueError(f"StandardRNN: unknown arch {arch!r}; use one of {sorted(_MODULES)}.")
        self.arch, self.n_channels, self.n_hidden, self.n_out = arch, n_channels, n_units, n_output_units
        self.nonlinearity = nonlinearity
        kwargs = {"nonlinearity": nonlinearity} if arch == "elman" else {}
        self.rnn = _MODULES[arch](n_channels, n_units, batch_first=True, **kwargs)
        self.readout = nn.Linear(n_units, n_output_units)
        init_recurrent_(self.rnn.weight_hh_l0, init, gain)
        self.neuron_ids = (tuple(f"in{i}" for i in range(n_channels)) + tuple(f"h{i}" for i in range(n_units))
                           + tuple(f"out{i}" for i in range(n_output_units)))
        self.roles = ("input",) * n_channels + ("hidden",) * n_units + ("output",) * n_output_units

    def forward(self, x: torch.Tensor, h0=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Run over a batch of sequences.

        Parameters
        ----------
        x : Tensor of shape (batch, time, n_channels)
        h0 : Tensor or tuple of Tensors, optional
            Initial state as the torch module takes it; zeros if None.

        Returns
        -------
        prediction : Tensor of shape (batch, time, n_output_units)
            Read-out at step t: forecast of the target channel at step ``t + 1 + k``.
        states : Tensor of shape (batch, time, n_channels + n_units + n_output_units)
            Inputs, hidden units and read-out at every step, in ``neuron_ids`` order.
        """
        hidden, _ = self.rnn(x, h0)
        prediction = self.readout(hidden)
        return prediction, torch.cat([x, hidden, prediction], dim=-1)

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        """Parameters by role: input-to-hidden, hidden-to-hidden, read-out weights, all biases."""
        return {"input": [self.rnn.weight_ih_l0], "recurrent": [self.rnn.weight_hh_l0],
                "output": [self.readout.weight], "bias": [self.rnn.bias_ih_l0, self.rnn.bias_hh_l0, self.readout.bias]}

    def describe(self) -> str:
        extra = f"-{self.nonlinearity}" if self.arch == "elman" else ""
        return f"{self.arch}-{self.n_hidden}{extra}"
