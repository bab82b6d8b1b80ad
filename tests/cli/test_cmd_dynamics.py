"""`infoflow dynamics RUN_DIR` through typer's CliRunner, on synthetic run folders (schema of docs/design.md)."""

from __future__ import annotations

import json

import pytest
import xarray as xr
from typer.testing import CliRunner

from infoflow.cli import app
from infoflow.dynamics import OUTPUT_KEYS
from tests import synthetic_recordings as S


@pytest.fixture
def runner():
    return CliRunner()


def test_dynamics_on_multi_seed_run(tmp_path, runner):
    # 14 epochs: the drift/diffusion test needs 12 usable ones to tell a step from a smooth trend
    S.write_run(tmp_path, seeds=(0, 1, 2), n_epoch=14, n_time=70, transition=6)
    res = runner.invoke(app, ["dynamics", str(tmp_path), "--window", "6", "--max-lag", "2"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads((tmp_path / "dynamics.json").read_text())
    assert tuple(out) == OUTPUT_KEYS
    assert out["n_seeds"] == 3 and out["n_epochs"] == 14
    assert set(out["compression"]) == {"binning", "kde"}
    assert out["phase_transition"]["all"]["transition_epoch"] == 6
    assert out["settings"]["plane_window"] == 6 and out["settings"]["max_lag"] == 2
    plane = xr.open_dataset(tmp_path / "information_plane.nc", engine="scipy")
    assert plane["I_X"].dims == ("seed", "epoch", "estimator") and plane.attrs["window"] == 6
    plane.close()
    for stem in ("information_plane", "gradient_snr", "indicators"):
        for ext in ("png", "svg"):
            assert (tmp_path / "figures" / f"{stem}.{ext}").stat().st_size > 1000
    assert "drift -> diffusion" in res.output and "epoch 6" in res.output
    assert "compression phase" in res.output
    last_rows = [line for line in res.output.splitlines() if line.strip()][-3:]
    assert any("dynamics.json" in line for line in last_rows)  # output path: the last row


def test_dynamics_single_run_options(tmp_path, runner):
    S.write_run(tmp_path, seeds=None, n_epoch=5, n_time=50)
    res = runner.invoke(app, ["dynamics", str(tmp_path), "-e", "gaussian_copula", "-e", "binning", "--bins", "10",
                              "--window", "2", "--no-per-neuron", "--noise-sd", "0.1", "--no-figures",
                              "--out", str(tmp_path / "d.json")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads((tmp_path / "d.json").read_text())
    assert out["compression"]["binning"]["regulariser"] == "bins=10; noise_sd=0.1"
    assert out["information_plane"]["binning"]["noise_sd"] == 0.1
    assert out["neuron_correlation"] == {} and out["figures"] == []
    assert not (tmp_path / "figures").exists()


def test_missing_run_folder_or_recording_exits_2(tmp_path, runner):
    res = runner.invoke(app, ["dynamics", str(tmp_path / "nope")], catch_exceptions=False)
    assert res.exit_code == 2 and "does not exist" in res.output
    res = runner.invoke(app, ["dynamics", str(tmp_path)], catch_exceptions=False)
    assert res.exit_code == 2 and "no recording" in res.output and "recording.zarr" in res.output


def test_bad_estimator_exits_2(tmp_path, runner):
    S.write_run(tmp_path, seeds=None, n_epoch=3, n_time=40)
    res = runner.invoke(app, ["dynamics", str(tmp_path), "-e", "kde2", "--window", "2"], catch_exceptions=False)
    assert res.exit_code == 2 and "unknown estimator 'kde2'" in res.output
    assert not (tmp_path / "dynamics.json").exists()
