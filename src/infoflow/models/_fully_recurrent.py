"""The fully recurrent network, infoflow's default subject (models layer).

One pool of N units with all-to-all recurrent weights: the first ``n_input_units`` units receive
the input, the last ``n_output_units`` carry the forecast, the rest are hidden. Users build it with
:func:`infoflow.models.build_model` or import :class:`FullyRecurrentNet` from ``infoflow.models``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

from infoflow.models._base import RecurrentModel, activation, init_recurrent_


class _Fused(NamedTuple):
    rnn: nn.RNN
    eye: torch.Tensor
    zeros: torch.Tensor


class FullyRecurrentNet(RecurrentModel):
    r"""Fully recurrent network of `n_units` neurons with designated input and output units.

    Update, for every unit at once:

    .. math:: h_t = f(W h_{t-1} + U x_t + b), \qquad \hat y_t = a \odot h_t^{out} + c

    where `U` is non-zero only on the input units (it maps the C input channels onto them), `W` is
    dense N x N, and the prediction is an affine read-out of each output unit.

    Parameters
    ----------
    n_channels : int
        Input channels C.
    n_units : int, default=32
        Units in the pool (input + hidden + output).
    n_input_units : int, default=2
        Units that receive the input.
    n_output_units : int, default=1
        Units whose affine read-out is the forecast; output unit k forecasts k steps further.
    nonlinearity : {"tanh", "relu", "sigmoid"}, default="tanh"
    init : {"orthogonal", "normal", "default"}, default="orthogonal"
        Initialisation of `W` (see Notes); `U` is N(0, 1/C), `b` zero, read-out weight 1, bias 0.
    gain : float, default=1.0
        Scale of the recurrent initialisation (spectral radius at start).

    Notes
    -----
    **Timing.** Output units have no input weight, so the output state at step t depends on inputs
    up to t-1 only: the read-out at step t is the forecast of :math:`x_t` (``target_offset = 0``),
    not of :math:`x_{t+1}`. Training therefore feeds a window of ``window`` past hours followed by
    the target hour itself and compares the read-out at that last step with the target hour, which
    the output state cannot see. Comparing with :math:`x_{t+1}` instead would silently train a
    two-hour forecast. The shortest path from an input to the output unit is input unit (step t)
    -> output unit (step t+1).

    ``init="orthogonal"``: `W` orthogonal times `gain`; ``"normal"``: N(0, gain^2/N);
    ``"default"``: uniform(-1/sqrt(N), 1/sqrt(N)) like ``nn.RNN``.
    """

    arch = "fully_recurrent"
    target_offset = 0

    def __init__(self, n_channels: int, n_units: int = 32, *, n_input_units: int = 2, n_output_units: int = 1,
                 nonlinearity: str = "tanh", init: str = "orthogonal", gain: float = 1.0):
        super().__init__()
        if n_input_units + n_output_units > n_units:
            raise ValueError(f"FullyRecurrentNet: n_input_units ({n_input_units}) + n_output_units "
                             f"({n_output_units}) exceeds n_units ({n_units}); use more units.")
        self.n_channels, self.n_in, self.n_out = n_channels, n_input_units, n_output_units
        self.nonlinearity, self.init, self.gain = nonlinearity, init, gain
        self._f = activation(nonlinearity)
        n_hidden = n_units - n_input_units - n_output_units
        self.neuron_ids = (tuple(f"in{i}" for i in range(n_input_units)) + tuple(f"h{i}" for i in range(n_hidden))
                           + tuple(f"out{i}" for i in range(n_output_units)))
        self.roles = ("input",) * n_input_units + ("hidden",) * n_hidden + ("output",) * n_output_units
        self.weight_in = nn.Parameter(torch.empty(n_input_units, n_channels))
        self.weight_rec = nn.Parameter(torch.empty(n_units, n_units))
        self.bias = nn.Parameter(torch.zeros(n_units))
        self.readout_weight = nn.Parameter(torch.ones(n_output_units))
        self.readout_bias = nn.Parameter(torch.zeros(n_output_units))
        nn.init.normal_(self.weight_in, std=1.0 / math.sqrt(n_channels))
        if init == "default":
            bound = 1.0 / math.sqrt(n_units)
            nn.init.uniform_(self.weight_rec, -bound, bound)
        else:
            init_recurrent_(self.weight_rec, init, gain)

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the network over a batch of sequences.

        Parameters
        ----------
        x : Tensor of shape (batch, time, n_channels)
        h0 : Tensor of shape (batch, n_units), optional
            Initial state; zeros if None.

        Returns
        -------
        prediction : Tensor of shape (batch, time, n_output_units)
            Read-out at step t: forecast of the target channel at step ``t + k`` for output unit k.
        states : Tensor of shape (batch, time, n_units)
            Activity of every unit at every step, in ``neuron_ids`` order.
        """
        n = self.weight_rec.shape[0]
        # Input drive of every unit: U x_t on the input units, zero elsewhere (bias added once here).
        drive = torch.nn.functional.pad(x @ self.weight_in.T, (0, n - self.n_in)) + self.bias
        if self.nonlinearity in ("tanh", "relu"):
            states = self._run_fused(drive, h0)
        else:
            states = self._run_loop(drive, h0)
        prediction = states[..., n - self.n_out:] * self.readout_weight + self.readout_bias
        return prediction, states

    def _run_loop(self, drive: torch.Tensor, h0: torch.Tensor | None) -> torch.Tensor:
        """Reference recursion h_t = f(W h_{t-1} + drive_t), one Python step per time step."""
        batch, n_time, n = drive.shape
        h = drive.new_zeros(batch, n) if h0 is None else h0
        w_t = self.weight_rec.T
        states = []
        for t in range(n_time):
            h = self._f(torch.addmm(drive[:, t], h, w_t))
            states.append(h)
        return torch.stack(states, dim=1)

    def _run_fused(self, drive: torch.Tensor, h0: torch.Tensor | None) -> torch.Tensor:
        """The same recursion through torch's compiled ``nn.RNN`` kernel (about 1.5x faster).

        ``nn.RNN`` computes f(W_ih z_t + b_ih + W_hh h_{t-1} + b_hh); with z = drive, W_ih = I and
        zero b_hh it is exactly our update, and gradients flow to W, U and b as in the loop.
        """
        n = drive.shape[-1]
        fused = self._fused_rnn(n, drive.device, drive.dtype)
        params = {"weight_ih_l0": fused.eye, "weight_hh_l0": self.weight_rec, "bias_ih_l0": fused.zeros,
                  "bias_hh_l0": fused.zeros}
        hx = None if h0 is None else h0[None]
        states, _ = torch.func.functional_call(fused.rnn, params, (drive, hx))
        return states

    def _fused_rnn(self, n: int, device, dtype):
        # Kept outside the module tree (no registered parameters): only its kernel is used.
        key = (n, str(device), dtype)
        cache = self.__dict__.setdefault("_fused_cache", {})
        if key not in cache:
            rnn = nn.RNN(n, n, nonlinearity=self.nonlinearity, batch_first=True).to(device=device, dtype=dtype)
            rnn.requires_grad_(False)
            cache[key] = _Fused(rnn, torch.eye(n, device=device, dtype=dtype),
                                torch.zeros(n, device=device, dtype=dtype))
        return cache[key]

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        """Parameters by role: input weights, recurrent weights, read-out weights, biases."""
        return {"input": [self.weight_in], "recurrent": [self.weight_rec], "output": [self.readout_weight],
                "bias": [self.bias, self.readout_bias]}

    def describe(self) -> str:
        return f"{self.arch}-{self.n_units}-{self.nonlinearity}"
