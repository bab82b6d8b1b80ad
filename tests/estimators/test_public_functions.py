"""Every parameter of every public estimator function: wrong type and out-of-range values raise
InvalidParameterError naming the parameter, and the constraints dict matches the signature."""

import inspect

import numpy as np
import pytest

import infoflow.estimators as est
from infoflow import InvalidParameterError

PUBLIC = [est.entropy, est.mutual_information, est.conditional_mutual_information, est.transfer_entropy,
          est.pairwise_mutual_information, est.pairwise_transfer_entropy]

# data arguments are checked by check_array / check_activity (ValueError), not by constraints
DATA = {"x", "y", "z", "source", "target", "X", "Y", "condition"}

WRONG_TYPE = {"method": 3, "k": 2.5, "theiler": "0", "bins": 3.0, "bandwidth": "wide", "bias_correct": 1,
              "jitter": "small", "seed": 1.5, "lag": 1.0, "history": "1", "return_local": "yes",
              "n_jobs": 1.5, "device": 0}
OUT_OF_RANGE = {"method": "kgs", "k": 0, "theiler": -1, "bins": 1, "bandwidth": 0.0, "jitter": -1e-3,
                "seed": -1, "lag": -1, "history": 0, "n_jobs": 0, "device": "tpu"}
# parameters whose only constraint is a type have no out-of-range value
NO_RANGE = {"bias_correct", "return_local"}


def valid_data(func):
    rng = np.random.default_rng(0)
    n = 60
    args = {
        "entropy": (rng.standard_normal(n),),
        "mutual_information": (rng.standard_normal(n), rng.standard_normal(n)),
        "conditional_mutual_information": tuple(rng.standard_normal((3, n))),
        "transfer_entropy": (rng.standard_normal(n), rng.standard_normal(n)),
        "pairwise_mutual_information": (rng.standard_normal((n, 3)),),
        "pairwise_transfer_entropy": (rng.standard_normal((n, 3)),),
    }
    return args[func.__name__]


@pytest.mark.parametrize("func", PUBLIC, ids=lambda f: f.__name__)
def test_constraints_match_signature(func):
    constraints = func.__infoflow_constraints__
    params = inspect.signature(func).parameters
    assert set(constraints) == set(params)
    # data positional-only, options keyword-only (docs/design.md, "Public functions")
    for name, p in params.items():
        expected = inspect.Parameter.POSITIONAL_ONLY if name in DATA - {"condition"} else inspect.Parameter.KEYWORD_ONLY
        assert p.kind is expected, name


def _params(func):
    return [p for p in inspect.signature(func).parameters if p not in DATA]


CASES = [(f, p) for f in PUBLIC for p in _params(f)]


@pytest.mark.parametrize("func,param", CASES, ids=lambda v: getattr(v, "__name__", v))
def test_wrong_type_raises_naming_parameter(func, param):
    with pytest.raises(InvalidParameterError, match=repr(param)):
        func(*valid_data(func), **{param: WRONG_TYPE[param]})


@pytest.mark.parametrize("func,param", [c for c in CASES if c[1] not in NO_RANGE],
                         ids=lambda v: getattr(v, "__name__", v))
def test_out_of_range_raises_naming_parameter(func, param):
    value = OUT_OF_RANGE[param]
    if param == "lag" and "transfer_entropy" in func.__name__:
        value = 0  # TE needs lag >= 1
    with pytest.raises(InvalidParameterError, match=repr(param)):
        func(*valid_data(func), **{param: value})


def test_every_parameter_has_test_values():
    names = {p for f in PUBLIC for p in _params(f)}
    assert names <= set(WRONG_TYPE)
    assert names - NO_RANGE <= set(OUT_OF_RANGE)


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
