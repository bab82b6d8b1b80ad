import importlib
import subprocess
import sys

import infoflow

# Block torch with a finder that refuses it. (Setting sys.modules["torch"] = None breaks scipy's
# array-API layer, which looks torch up in sys.modules and touches its attributes.)
_BLOCK_TORCH = """
import sys
class _NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError("torch blocked for this test")
sys.meta_path.insert(0, _NoTorch())
"""


def test_version_and_lazy_names():
    assert infoflow.__version__
    assert "estimators" in dir(infoflow)
    assert importlib.import_module("infoflow.data") is infoflow.data


def test_analysis_packages_import_without_torch():
    code = _BLOCK_TORCH + (
        "import infoflow.data, infoflow.estimators, infoflow.flow, infoflow.structure, "
        "infoflow.bottleneck, infoflow.dynamics\n"
        "import numpy as np\n"
        "x = np.random.default_rng(0).normal(size=(500, 2))\n"
        "print(round(infoflow.estimators.mutual_information(x[:, 0], x[:, 1], method='gaussian_copula'), 6) is not "
        "None)\n"
        "assert 'torch' not in sys.modules or sys.modules['torch'] is None\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"
