"""The public estimator functions' signatures: data positional-only, options keyword-only, and
their docstrings. (Bad values for each parameter: tests/test_public_functions.py.)"""

import inspect

import numpy as np
import pytest

import infoflow.estimators as est
from infoflow import InvalidParameterError

PUBLIC = [est.entropy, est.mutual_information, est.conditional_mutual_information, est.transfer_entropy,
          est.pairwise_mutual_information, est.pairwise_transfer_entropy]

# data arguments are checked by check_array / check_activity (ValueError), not by constraints
DATA = {"x", "y", "z", "source", "target", "X", "Y", "condition"}


@pytest.mark.parametrize("func", PUBLIC, ids=lambda f: f.__name__)
def test_data_positional_only_options_keyword_only(func):
    for name, p in inspect.signature(func).parameters.items():
        expected = inspect.Parameter.POSITIONAL_ONLY if name in DATA - {"condition"} else inspect.Parameter.KEYWORD_ONLY
        assert p.kind is expected, name


def test_positional_options_are_refused():
    with pytest.raises(InvalidParameterError, match="entropy"):
        est.entropy(np.arange(10.0), "ksg")


def test_unknown_keyword_is_refused():
    with pytest.raises(InvalidParameterError, match="mutual_information"):
        est.mutual_information(np.arange(10.0), np.arange(10.0), neighbours=3)


def test_public_names():
    assert set(est.__all__) >= {f.__name__ for f in PUBLIC}
    for f in PUBLIC:
        doc = inspect.getdoc(f)
        assert "Parameters" in doc and "Returns" in doc and "nats" in doc
