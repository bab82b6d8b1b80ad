import importlib
import subprocess
import sys

import infoflow


def test_version_and_lazy_names():
    assert infoflow.__version__
    assert "estimators" in dir(infoflow)
    assert importlib.import_module("infoflow.data") is infoflow.data


def test_estimators_import_without_torch():
    code = "import sys; sys.modules['torch'] = None; import infoflow.estimators, infoflow.flow; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
