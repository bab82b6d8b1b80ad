"""analyze_dynamics: stable JSON-safe keys, plane from argument or information_plane.nc, run folders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from infoflow._io import save_dataset
from infoflow._validation import InvalidParameterError
from infoflow.dynamics import OUTPUT_KEYS, analyze_dynamics, load_run
from tests import synthetic_recordings as S


def _plane(recs):
    # the information plane comes from infoflow.bottleneck, which dynamics must not import; the
    # test may use it to build the input the CLI would pass
    from infoflow.bottleneck import information_plane

    return information_plane(recs, estimators=("binning", "gaussian_copula"), window=3)


def test_keys_are_stable_and_json_safe(tmp_path):
    recs = [S.make_recording(s, n_epoch=16, n_time=60, transition=7) for s in (0, 1, 2)]
    calls = []
    res = analyze_dynamics(recs, plane=_plane(recs), callback=lambda d, t: calls.append((d, t)))
    assert tuple(res) == OUTPUT_KEYS
    text = json.dumps(res, allow_nan=False)  # NaN became None
    assert json.loads(text) == res
    assert res["n_seeds"] == 3 and res["seeds"] == [0, 1, 2] and res["n_epochs"] == 16
    assert calls[-1] == (48, 48)
    row = res["epochs"][4]
    for key in ("epoch", "val_loss_mean", "val_loss_sd", "entropy_sum_mean", "total_correlation_mean",
                "participation_ratio_mean", "mi_target_mean", "snr_all_mean", "plane_I_X_binning_mean",
                "plane_I_Y_gaussian_copula_sd"):
        assert key in row, key
    assert res["phase_transition"]["all"]["transition_epoch"] == 7 and res["phase_transition"]["all"]["answer"] == "yes"
    assert set(res["compression"]) == {"binning", "gaussian_copula"}
    assert res["compression"]["binning"]["regulariser"] == "bins=30; noise_sd=0.1"
    assert res["compression"]["binning"]["reason"] and isinstance(res["compression"]["binning"]["fitting_phase"], bool)
    assert set(res["comparison"]) == {"binning", "gaussian_copula"}
    ip = res["information_plane"]["binning"]
    assert len(ip["I_X"]["mean"]) == 16 and ip["regulariser"] == "bins=30; noise_sd=0.1"
    assert res["neuron_correlation"]["binning"]["interval"].startswith("Pearson r")
    ll = res["indicator_correlations"]["entropy_sum"]["lead_lag"]
    assert ll["lags"] == [-3, -2, -1, 0, 1, 2, 3] and ll["spacing"] == 1 and "pvalue_holm" in ll
    assert res["phase_transition"]["all"]["answer"] in ("yes", "no", "inconclusive")
    assert res["figures"] == []


def test_run_folder_reads_information_plane_file_and_writes_figures(tmp_path):
    S.write_run(tmp_path, seeds=(3, 5), n_epoch=6, n_time=50)
    recs = load_run(tmp_path)
    assert [r.attrs["train_seed"] for r in recs] == [3, 5]
    save_dataset(_plane(recs), tmp_path / "information_plane.nc")
    res = analyze_dynamics(tmp_path, figures_dir=tmp_path / "figures", max_lag=2)
    assert res["seeds"] == [3, 5] and "binning" in res["compression"]
    assert res["settings"]["run_dir"] == str(tmp_path) and res["settings"]["max_lag"] == 2
    names = sorted(Path(p).name for p in res["figures"])
    assert names == ["gradient_snr.png", "gradient_snr.svg", "indicators.png", "indicators.svg"]
    # without a plane the information-plane keys are empty, the rest is there
    single = tmp_path / "single"
    S.write_run(single, seeds=None, n_epoch=5, n_time=40)
    res1 = analyze_dynamics(single)
    assert res1["compression"] == {} and res1["n_seeds"] == 1 and res1["phase_transition"]


def test_missing_run_and_bad_options(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        analyze_dynamics(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="no recording in"):
        analyze_dynamics(tmp_path)
    with pytest.raises(InvalidParameterError, match="target"):
        analyze_dynamics([S.make_recording(0, n_time=30)], target="loss")
    with pytest.raises(ValueError, match="no recordings"):
        analyze_dynamics([])


def test_same_inputs_same_output():
    recs = [S.make_recording(0, n_epoch=6, n_time=40)]
    assert analyze_dynamics(recs) == analyze_dynamics(recs)


def test_bottleneck_and_dynamics_run_without_torch(tmp_path):
    import subprocess

    S.write_run(tmp_path, seeds=None, n_epoch=3, n_time=40)
    # a finder that makes `import torch` fail as on a machine without it (the sys.modules['torch'] =
    # None sentinel is not usable here: scipy.stats probes sys.modules['torch'].Tensor on import)
    code = ("import sys\n"
            "class NoTorch:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'torch':\n"
            "            raise ImportError('torch is not installed')\n"
            "sys.meta_path.insert(0, NoTorch())\n"
            "from infoflow.dynamics import analyze_dynamics, load_run\n"
            "from infoflow.bottleneck import information_plane\n"
            f"recs = load_run({str(tmp_path)!r})\n"
            "plane = information_plane(recs, estimators=('binning', 'gaussian_copula'), window=2)\n"
            "print(sorted(analyze_dynamics(recs, plane=plane)['compression']), 'torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['binning', 'gaussian_copula'] False"
