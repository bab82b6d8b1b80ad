"""Public API of infoflow.structure: every parameter validated, wrong types and values rejected by name."""

import inspect

import numpy as np
import pytest

import infoflow.structure as st
from infoflow._validation import InvalidParameterError

VALIDATED = ["progression", "directedness", "layers", "layers_by_epoch", "analyze_structure",
             "plot_progression_histogram", "plot_flow_graph"]

# (parameter, wrong type, out-of-range or unknown value); None where no such value exists
BAD = {
    "method": (3, "pagerank"), "weight": (1.0, "mi"), "alpha": ("x", -0.5), "ridge": ("x", -0.5), "normalise": (1, None),
    "null": (None, "shuffle"), "n_null": (2.5, 0), "seed": ("a", -1), "epoch": (1.5, None),
    "callback": (5, None), "criterion": (2, "aic"), "max_layers": (2.0, 0), "resolution": ("x", 1.5),
    "roles": (3, None), "bins": (2.5, 0), "max_edges": ("x", 0),
}


@pytest.mark.parametrize("name", VALIDATED)
def test_constraints_cover_the_signature(name):
    func = getattr(st, name)
    constraints = func.__infoflow_constraints__
    assert set(constraints) == set(inspect.signature(func).parameters)


@pytest.mark.parametrize("name", VALIDATED)
def test_wrong_types_and_values_are_rejected_by_name(name):
    func = getattr(st, name)
    params = inspect.signature(func).parameters
    w = np.eye(3, k=1)
    first = [w, np.zeros(3)] if name == "plot_flow_graph" else [w]
    checked = 0
    for pname, bad_values in BAD.items():
        if pname not in params:
            continue
        if name == "analyze_structure" and pname == "alpha":
            bad_values = ("x", 1.5)
        if name == "progression" and pname == "ridge":
            bad_values = ("x", -0.5)
        for bad in bad_values:
            if bad is None and pname not in ("null",):
                continue
            with pytest.raises(InvalidParameterError, match=pname):
                func(*first, **{pname: bad})
            checked += 1
    assert checked >= 2


def test_all_is_complete():
    for name in st.__all__:
        assert hasattr(st, name)
    assert set(VALIDATED) <= set(st.__all__)
