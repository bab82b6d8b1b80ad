"""The default path works in a plain script with no ``if __name__ == "__main__":`` guard.

Dask's worker processes re-import the script's ``__main__``; a default that started a LocalCluster
would make such a script die ("Nanny failed to start"). The script below is large enough that the
old default started one (8 neurons x 2,000 steps x 101 estimates x 4 lag sets > 5e7 evaluations).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import numpy as np
    from infoflow.flow import information_flow
    from infoflow.pipeline import analyze_recording

    rng = np.random.default_rng(0)
    x = rng.standard_normal((2000, 8))
    x[1:, 1] += 0.8 * x[:-1, 0]
    ds = information_flow(x)
    assert bool(ds["significant"].values[0, 1]), "the true link 0 -> 1 was not found"
    report = analyze_recording(x[:600], OUT, roles=["input"] + ["hidden"] * 6 + ["output"], surrogates=30,
                               n_null=19)
    assert (OUT / "report.html").exists()
    print("PLAIN SCRIPT OK")
""")


@pytest.mark.slow
def test_plain_script_without_main_guard_finishes(tmp_path):
    script = tmp_path / "plain.py"
    script.write_text(f"from pathlib import Path\nOUT = Path({str(tmp_path / 'out')!r})\n" + SCRIPT)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "PLAIN SCRIPT OK" in proc.stdout
    assert "Nanny" not in proc.stderr
