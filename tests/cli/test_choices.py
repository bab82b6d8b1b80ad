"""The CLI offers the library's own names and defaults: its choices are built from the library's
constants and its defaults are the library's (defined once, src/infoflow/_defaults.py)."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from infoflow import _defaults
from infoflow.cli import cmd_flow, cmd_network, cmd_run, cmd_structure, cmd_train


def _values(enum) -> tuple[str, ...]:
    return tuple(m.value for m in enum)


def _default(command, name):
    """The default of a typer option (the OptionInfo's default) of a CLI command."""
    return inspect.signature(command).parameters[name].default.default


def test_choices_are_the_library_constants():
    from infoflow.flow._api import MEASURES, METHODS, PVALUES
    from infoflow.structure._input import WEIGHTS
    from infoflow.structure._layers import CRITERIA
    from infoflow.structure._null import NULLS

    assert _values(cmd_flow.Method) == METHODS == _defaults.FLOW_METHODS
    assert _values(cmd_flow.Measure) == MEASURES
    assert _values(cmd_flow.PValue) == PVALUES
    assert _values(cmd_structure.Weight) == WEIGHTS
    assert _values(cmd_structure.Null) == NULLS
    assert _values(cmd_structure.Criterion) == CRITERIA
    assert _values(cmd_train.Arch) == _defaults.ARCHITECTURES
    assert _values(cmd_train.Nonlinearity) == _defaults.NONLINEARITIES


def test_model_names_have_one_home():
    pytest.importorskip("torch")
    from infoflow import models

    assert models.ARCHITECTURES is _defaults.ARCHITECTURES
    assert models.NONLINEARITIES is _defaults.NONLINEARITIES and models.INITS is _defaults.INITS


def test_effective_network_offers_the_flow_methods():
    from infoflow.flow import _network

    assert _network.METHODS is _defaults.FLOW_METHODS


@pytest.mark.parametrize("command", [cmd_flow.flow, cmd_network.network, cmd_structure.structure,
                                     cmd_run.analyze_command], ids=lambda c: c.__name__)
def test_alpha_default_is_the_library_default(command):
    assert _default(command, "alpha") == _defaults.DEFAULT_ALPHA


def test_flow_defaults_are_the_library_defaults():
    from infoflow.flow import effective_network, information_flow

    lib = inspect.signature(information_flow).parameters
    assert _default(cmd_flow.flow, "surrogates") == lib["surrogates"].default == _defaults.DEFAULT_SURROGATES
    assert _default(cmd_flow.flow, "lags") == ",".join(map(str, lib["lags"].default))
    assert _default(cmd_network.network, "lags") == ",".join(map(str, inspect.signature(effective_network)
                                                                 .parameters["lags"].default))
    assert _default(cmd_flow.flow, "pvalue").value == lib["pvalue"].default
    assert _default(cmd_run.analyze_command, "surrogates") == _defaults.DEFAULT_SURROGATES


def test_train_defaults_are_train_config_defaults():
    """`infoflow train` cannot import TrainConfig at start-up (torch), so its defaults are checked here."""
    pytest.importorskip("torch")
    from infoflow.train import TrainConfig

    lib = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    cli = {"dataset": "dataset", "n_units": "units", "n_input_units": "input_units", "epochs": "epochs",
           "batch_size": "batch_size", "lr": "lr", "window": "window", "patience": "patience",
           "probe_split": "probe_split"}
    for field, option in cli.items():
        assert _default(cmd_train.train_command, option) == lib[field], field
    assert _default(cmd_train.train_command, "arch").value == lib["arch"]
    assert _default(cmd_train.train_command, "nonlinearity").value == lib["nonlinearity"]


def test_null_network_defaults_are_the_library_defaults():
    from infoflow.pipeline import RunOptions, analyze_recording
    from infoflow.structure import analyze_structure, directedness, layers, layers_by_epoch

    n_null = _defaults.DEFAULT_N_NULL
    assert _default(cmd_structure.structure, "n_null") == n_null
    assert _default(cmd_run.analyze_command, "n_null") == n_null
    for func in (analyze_structure, directedness, analyze_recording):
        assert inspect.signature(func).parameters["n_null"].default == n_null, func.__name__
    assert RunOptions().n_null == n_null
    for func in (layers, layers_by_epoch):
        assert inspect.signature(func).parameters["n_null"].default == _defaults.DEFAULT_N_NULL_LAYERS
