"""Recurrent networks studied by infoflow (second stage of the pipeline: data -> **models** -> train).

Every model maps ``x (batch, time, channel)`` to ``(prediction (batch, time, n_out), states
(batch, time, n_units))`` and labels its units with ``neuron_ids`` and ``roles`` (input / hidden /
output), so recordings of a fully recurrent net and of a GRU look the same to the analyses.

- :class:`FullyRecurrentNet`: the default subject, one all-to-all pool with input and output units.
- :class:`StandardRNN`: ``nn.RNN`` (Elman), ``nn.GRU``, ``nn.LSTM`` with a linear read-out.
- :func:`build_model`: validated factory over ``ARCHITECTURES``.
"""

from infoflow.models._base import GROUPS, INITS, NONLINEARITIES, RecurrentModel
from infoflow.models._factory import ARCHITECTURES, build_model
from infoflow.models._fully_recurrent import FullyRecurrentNet
from infoflow.models._standard import StandardRNN

__all__ = ["ARCHITECTURES", "GROUPS", "INITS", "NONLINEARITIES", "FullyRecurrentNet", "RecurrentModel",
           "StandardRNN", "build_model"]
