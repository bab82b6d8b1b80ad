"""Every public function of infoflow.data is validated and documented. (Bad values for each parameter:
tests/test_public_functions.py.)"""

import inspect

import pytest

import infoflow.data as data

VALIDATED = [name for name in data.__all__ if hasattr(getattr(data, name), "__infoflow_constraints__")]


def test_all_public_names_exist_and_functions_are_validated():
    for name in data.__all__:
        assert hasattr(data, name), name
    functions = [n for n in data.__all__ if inspect.isfunction(getattr(data, n))]
    assert sorted(functions) == sorted(VALIDATED)


@pytest.mark.parametrize("name", VALIDATED)
def test_public_functions_are_documented(name):
    func = getattr(data, name)
    assert func.__doc__ and ("Parameters" in func.__doc__ or "Returns" in func.__doc__)


def test_imports_without_torch_and_scipy_stats():
    """infoflow.data stays light: importable where torch is blocked, and without scipy.stats."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['torch'] = None; import infoflow.data; "
            "print('scipy.stats' in sys.modules, 'torch' in sys.modules and sys.modules['torch'] is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]
