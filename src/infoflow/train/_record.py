"""``record``: per-unit activity of a user's PyTorch RNN in infoflow's recording format (train layer).

Users bring ``nn.RNN``/``nn.GRU``/``nn.LSTM`` (any number of layers, either direction), an infoflow
model, or any module returning its hidden states; every later analysis then treats it like a
network trained by :func:`infoflow.train.train`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import xarray as xr
from torch import nn

from infoflow._validation import Anything, InstanceOf, InvalidParameterError, NoneOK, validate_params
from infoflow.models import RecurrentModel
from infoflow.train._recording import activity_dataset

_TORCH_RNNS = (nn.RNN, nn.GRU, nn.LSTM)


@validate_params({"model": [InstanceOf(nn.Module)], "inputs": [Anything()],
                  "roles": [InstanceOf(list, tuple), NoneOK()], "neuron_ids": [InstanceOf(list, tuple), NoneOK()],
                  "readout": [InstanceOf(nn.Module), NoneOK()], "cell_state": [InstanceOf(bool)],
                  "include_inputs": [InstanceOf(bool)]})
def record(model: nn.Module, inputs: Any, *, roles: Sequence[str] | None = None,
           neuron_ids: Sequence[str] | None = None, readout: nn.Module | None = None,
           cell_state: bool = False, include_inputs: bool = True) -> xr.Dataset:
    """Record the activity of every unit of a PyTorch recurrent network.

    Parameters
    ----------
    model : nn.Module
        ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM`` (multi-layer and bidirectional too); an
        :mod:`infoflow.models` network (its own ``neuron_ids``/``roles`` are used); or any module whose
        ``forward(x)`` returns hidden states of shape (batch, time, units), or a tuple starting with them.
    inputs : array-like or Tensor of shape (time, channel) or (batch, time, channel)
        Always batch-first here, whatever the module's ``batch_first``. Several sequences become
        the ``epoch`` axis, which the estimators treat as separate sequences.
    roles : sequence of {"input", "hidden", "output"}, optional
        One per recorded neuron, overriding the defaults (inputs "input", hidden units "hidden",
        read-out "output").
    neuron_ids : sequence of str, optional
        Ids overriding the defaults (``in0..``, ``h0..`` or ``l<layer>_h<i>`` for several layers,
        suffix ``_rev`` for the reverse direction, ``c..`` for LSTM cell states, ``out0..``).
    readout : nn.Module, optional
        Applied to the last layer's hidden states; its outputs are recorded as "output" neurons and
        as ``prediction``.
    cell_state : bool, default=False
        LSTM only: also record the cell states c (role "hidden").
    include_inputs : bool, default=True
        Record the input channels as "input" neurons (infoflow models already include them).

    Returns
    -------
    xr.Dataset
        ``activity`` (epoch, time, neuron) float32 with coords ``role`` and ``layer`` (0 = input,
        l+1 = recurrent layer l, last = read-out), ``inputs`` ((time, channel), or (epoch, time,
        channel) for several sequences), and ``prediction`` when there is a read-out.

    Notes
    -----
    Hidden states of every layer come from re-running each layer alone with the module's own
    weights, which equals the module's computation in eval mode (dropout between layers is not
    applied). The model is run under ``torch.no_grad()`` and left unchanged.

    Examples
    --------
    >>> import torch
    >>> rnn = torch.nn.GRU(1, 4, num_layers=2, batch_first=True)
    >>> ds = record(rnn, torch.randn(50, 1))
    >>> ds.activity.dims, ds.sizes["neuron"], [str(r) for r in ds.role.values[:2]]
    (('epoch', 'time', 'neuron'), 9, ['input', 'hidden'])
    """
    func = "record"
    if cell_state and not isinstance(model, nn.LSTM):
        raise InvalidParameterError(f"{func}: cell_state=True needs an nn.LSTM; got {type(model).__name__}.")
    x = _as_input(inputs, model, func)
    batch, n_time, n_chan = x.shape

    parts: list[torch.Tensor] = []
    ids: list[str] = []
    part_roles: list[str] = []
    layers: list[int] = []
    prediction = None
    with torch.no_grad():
        if isinstance(model, RecurrentModel):
            pred, states = model(x)
            parts, ids, part_roles = [states], list(model.neuron_ids), list(model.roles)
            layers = [0 if r == "input" else (2 if r == "output" else 1) for r in part_roles]
            prediction = pred[..., 0]
            last_hidden = None
            include_inputs = False
        else:
            if include_inputs:
                parts.append(x)
                ids += [f"in{i}" for i in range(n_chan)]
                part_roles += ["input"] * n_chan
                layers += [0] * n_chan
            if isinstance(model, _TORCH_RNNS):
                hidden_parts, hidden_ids, hidden_layers, last_hidden = _torch_rnn_states(model, x, cell_state)
            else:
                hidden_parts, hidden_ids, hidden_layers, last_hidden = _generic_states(model, x, func)
            parts += hidden_parts
            ids += hidden_ids
            part_roles += ["hidden"] * len(hidden_ids)
            layers += hidden_layers
        if readout is not None:
            source = last_hidden if last_hidden is not None else parts[-1]
            out = readout(source)
            if out.ndim != 3 or out.shape[:2] != (batch, n_time):
                raise ValueError(f"{func}: readout must map (batch, time, units) to (batch, time, n_out); got shape "
                                 f"{tuple(out.shape)}.")
            parts.append(out)
            ids += [f"out{i}" for i in range(out.shape[-1])]
            part_roles += ["output"] * out.shape[-1]
            layers += [max(layers, default=0) + 1] * out.shape[-1]
            prediction = out[..., 0]
    activity = torch.cat([p.float().cpu() for p in parts], dim=-1).numpy()
    n = activity.shape[-1]
    for name, given in (("roles", roles), ("neuron_ids", neuron_ids)):
        if given is not None and len(given) != n:
            raise ValueError(f"{func}: {len(given)} {name} given for {n} recorded neurons ({', '.join(ids[:6])}...); "
                             "give one per neuron.")
    ds = activity_dataset(activity, roles=list(roles) if roles is not None else part_roles,
                          neuron_ids=list(neuron_ids) if neuron_ids is not None else ids,
                          inputs=x[0].cpu().numpy() if batch == 1 else x.cpu().numpy(),
                          prediction=None if prediction is None else prediction.float().cpu().numpy(),
                          attrs={"model": type(model).__name__, "recorded_by": "infoflow.record"}, func=func)
    return ds.assign_coords(layer=("neuron", np.asarray(layers, dtype=np.int64)))


def _as_input(inputs: Any, model: nn.Module, func: str) -> torch.Tensor:
    try:
        params = list(model.parameters())
    except Exception:  # noqa: BLE001 - a module without parameters
        params = []
    dtype = params[0].dtype if params else torch.float32
    device = params[0].device if params else torch.device("cpu")
    if isinstance(inputs, torch.Tensor):
        x = inputs.detach()
    else:
        try:
            x = torch.as_tensor(np.asarray(inputs, dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{func}: inputs must be numeric, shape (time, channel) or (batch, time, channel) "
                             f"({exc}).") from None
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3:
        raise ValueError(f"{func}: inputs must have shape (time, channel) or (batch, time, channel); got "
                         f"{tuple(x.shape)}.")
    if x.shape[1] < 2:
        raise ValueError(f"{func}: inputs have {x.shape[1]} time steps; at least 2 are needed.")
    if not torch.isfinite(x).all():
        raise ValueError(f"{func}: inputs contain NaN/inf; remove or interpolate them first.")
    expected = getattr(model, "input_size", None) or getattr(model, "n_channels", None)
    if expected is not None and x.shape[-1] != expected:
        raise ValueError(f"{func}: inputs have {x.shape[-1]} channels but the model expects {expected}; inputs must be "
                         "(time, channel) or (batch, time, channel), batch first.")
    return x.to(device=device, dtype=dtype)


def _torch_rnn_states(model: nn.RNN | nn.GRU | nn.LSTM, x: torch.Tensor, cell_state: bool):
    """Hidden states of every layer of an nn.RNN/GRU/LSTM, by running one layer at a time."""
    cls = type(model)
    n_layers, n_dirs = model.num_layers, 2 if model.bidirectional else 1
    kwargs: dict[str, Any] = {"bias": model.bias, "batch_first": True, "bidirectional": model.bidirectional}
    if isinstance(model, nn.RNN):
        kwargs["nonlinearity"] = model.nonlinearity
    if isinstance(model, nn.LSTM) and model.proj_size:
        kwargs["proj_size"] = model.proj_size
    own = model.state_dict()
    parts, ids, layers = [], [], []
    layer_in = x
    for layer in range(n_layers):
        single = cls(layer_in.shape[-1], model.hidden_size, num_layers=1, **kwargs).to(x.device, x.dtype)
        single.load_state_dict({name: own[name.replace("_l0", f"_l{layer}")] for name in single.state_dict()})
        single.eval()
        if isinstance(single, nn.LSTM) and cell_state:  # single is type(model)(...)
            out, cells = _lstm_with_cells(single, layer_in, n_dirs)
        else:
            out, _ = single(layer_in)
            cells = None
        prefix = f"l{layer}_" if n_layers > 1 else ""
        size = out.shape[-1] // n_dirs
        for d in range(n_dirs):
            suffix = "_rev" if d else ""
            parts.append(out[..., d * size:(d + 1) * size])
            ids += [f"{prefix}h{i}{suffix}" for i in range(size)]
            layers += [layer + 1] * size
        if cells is not None:
            for d, c in enumerate(cells):
                suffix = "_rev" if d else ""
                parts.append(c)
                ids += [f"{prefix}c{i}{suffix}" for i in range(c.shape[-1])]
                layers += [layer + 1] * c.shape[-1]
        layer_in = out
    return parts, ids, layers, layer_in


def _lstm_with_cells(single: nn.LSTM, x: torch.Tensor, n_dirs: int):
    """Step a one-layer LSTM through time to expose c_t (nn.LSTM returns only the last c)."""
    batch, n_time, _ = x.shape
    h_size = single.proj_size or single.hidden_size
    h = x.new_zeros(n_dirs, batch, h_size)
    c = x.new_zeros(n_dirs, batch, single.hidden_size)
    if n_dirs == 1:
        outs, cells = [], []
        for t in range(n_time):
            o, (h, c) = single(x[:, t:t + 1], (h, c))
            outs.append(o)
            cells.append(c[0])
        return torch.cat(outs, dim=1), [torch.stack(cells, dim=1)]
    # Bidirectional: run each direction as its own one-directional LSTM.
    outs, cells = [], []
    own = single.state_dict()
    for d, sfx in enumerate(("", "_reverse")):
        uni = nn.LSTM(x.shape[-1], single.hidden_size, bias=single.bias, batch_first=True,
                      proj_size=single.proj_size).to(x.device, x.dtype)
        uni.load_state_dict({name: own[name + sfx] for name in uni.state_dict()})
        seq = x if d == 0 else torch.flip(x, dims=[1])
        o, cs = _lstm_with_cells(uni, seq, 1)
        if d == 1:
            o, cs = torch.flip(o, dims=[1]), [torch.flip(cs[0], dims=[1])]
        outs.append(o)
        cells.append(cs[0])
    return torch.cat(outs, dim=-1), cells


def _generic_states(model: nn.Module, x: torch.Tensor, func: str):
    out = model(x)
    if isinstance(out, (tuple, list)):
        out = out[0]
    if not isinstance(out, torch.Tensor) or out.ndim != 3 or out.shape[:2] != x.shape[:2]:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"{func}: the model must return hidden states of shape (batch, time, units) = "
                         f"({x.shape[0]}, {x.shape[1]}, ...), or a tuple starting with them; got {shape}.")
    return [out], [f"h{i}" for i in range(out.shape[-1])], [1] * out.shape[-1], out
