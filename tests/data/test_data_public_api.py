"""Every public function of infoflow.data validates every parameter (docs/design.md, "Public functions")."""

import inspect

import numpy as np
import pytest

import infoflow.data as data
from infoflow._validation import Anything, InvalidParameterError

VALIDATED = [name for name in data.__all__ if hasattr(getattr(data, name), "__infoflow_constraints__")]
# A valid call for each function, so one parameter at a time can be broken.
VALID = {
    "list_datasets": {},
    "load_dataset": {},
    "load_csv": None,  # needs a file; covered in test_loaders
    "from_numpy": {"array": np.arange(10.0)},
    "chronological_split": {"series": np.arange(100.0)},
    "make_windows": {"values": np.arange(100.0)},
    "persistence_mse": {"values": np.arange(100.0) ** 2},
    "prepare": {"name_or_series": np.arange(300.0) ** 1.5, "window": 4},
    "coupled_ar": {"n_time": 50},
    "coupled_ar_theory": {},
    "var_network": {"n_time": 50, "weights": [[0.5]]},
    "delay_chain": {"n_time": 50},
    "chain_adjacency": {},
    "parents_network": {"n_time": 50, "n_nodes": 4},
    "lorenz": {"n_time": 20, "dt": 0.01, "subsample": 1},
    "mackey_glass": {"n_time": 20, "tau": 2.0, "subsample": 1},
}


def test_all_public_names_exist_and_functions_are_validated():
    for name in data.__all__:
        assert hasattr(data, name), name
    functions = [n for n in data.__all__ if inspect.isfunction(getattr(data, n))]
    assert sorted(functions) == sorted(VALIDATED) == sorted(VALID)


@pytest.mark.parametrize("name", VALIDATED)
def test_constraints_match_signature(name):
    func = getattr(data, name)
    assert set(func.__infoflow_constraints__) == set(inspect.signature(func).parameters)
    assert func.__doc__ and ("Parameters" in func.__doc__ or "Returns" in func.__doc__)


@pytest.mark.parametrize("name", [n for n in VALIDATED if VALID[n] is not None])
def test_every_checked_parameter_rejects_a_wrong_type(name):
    func = getattr(data, name)
    func(**VALID[name])  # the baseline call works
    for param, constraints in func.__infoflow_constraints__.items():
        if any(isinstance(c, Anything) for c in constraints):
            continue  # data arguments: checked by the function body (see the module tests)
        with pytest.raises(InvalidParameterError, match=repr(param)):
            func(**{**VALID[name], param: object()})


@pytest.mark.parametrize("name,param,value", [
    ("make_windows", "window", 0), ("make_windows", "horizon", -1), ("persistence_mse", "window", 0),
    ("coupled_ar", "n_time", 1), ("coupled_ar", "noise_x", -1.0), ("delay_chain", "n_layers", 1),
    ("delay_chain", "delay", 0), ("delay_chain", "driver_ar", 1.0), ("delay_chain", "noise", -0.1),
    ("lorenz", "subsample", 0), ("mackey_glass", "tau", 0.0), ("var_network", "lag", 0),
    ("chain_adjacency", "units_per_layer", 0), ("load_dataset", "name", "GREENSBORO"),
    ("parents_network", "kind", "linear"), ("parents_network", "coupling", 1.0), ("parents_network", "n_nodes", 1),
])
def test_out_of_range_values(name, param, value):
    func = getattr(data, name)
    with pytest.raises(InvalidParameterError, match=repr(param)):
        func(**{**VALID[name], param: value})


def test_imports_without_torch_and_scipy_stats():
    """infoflow.data stays light: importable where torch is blocked, and without scipy.stats."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['torch'] = None; import infoflow.data; "
            "print('scipy.stats' in sys.modules, 'torch' in sys.modules and sys.modules['torch'] is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]
