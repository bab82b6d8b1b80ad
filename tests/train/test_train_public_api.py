"""Every validated public function of infoflow.models/infoflow.train: constraints cover the
signature, and a wrong type for each parameter raises InvalidParameterError naming it."""

import inspect

import pytest

from infoflow._validation import InvalidParameterError
from infoflow.models import build_model
from infoflow.train import load_recording, record, seed_everything

FUNCS = [build_model, seed_everything, record, load_recording]


class _Weird:
    pass


@pytest.mark.parametrize("func", FUNCS, ids=lambda f: f.__name__)
def test_constraints_match_signature(func):
    assert set(func.__infoflow_constraints__) == set(inspect.signature(func).parameters)


@pytest.mark.parametrize("func", FUNCS, ids=lambda f: f.__name__)
def test_wrong_type_for_each_parameter(func):
    import torch

    valid = {"build_model": {}, "seed_everything": {"seed": 0},
             "record": {"model": torch.nn.GRU(1, 2, batch_first=True), "inputs": [[0.0], [1.0], [2.0]]},
             "load_recording": {"path": "nowhere.zarr"}}[func.__name__]
    for name, constraints in func.__infoflow_constraints__.items():
        if any(type(c).__name__ == "Anything" for c in constraints):
            continue
        with pytest.raises(InvalidParameterError, match=repr(name)):
            func(**{**valid, name: _Weird()})


def test_unknown_keyword():
    with pytest.raises(InvalidParameterError, match="n_unit"):
        build_model(n_unit=3)
