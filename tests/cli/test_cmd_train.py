"""CLI tests of `infoflow train` (typer CliRunner, tiny runs)."""

import numpy as np
import pytest
from typer.testing import CliRunner

from infoflow.cli import app
from infoflow.train import load_recording

runner = CliRunner()
TINY = ["--units", "5", "--epochs", "2", "--window", "6", "--batch-size", "64"]


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Output must not depend on the terminal width: give the shared console room for long paths."""
    from infoflow.cli import _common

    monkeypatch.setattr(_common.console, "_width", 400)


@pytest.fixture
def csv_file(tmp_path):
    rng = np.random.default_rng(0)
    t = np.arange(300)
    temp = np.sin(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(300)
    hum = np.cos(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(300)
    path = tmp_path / "station.csv"
    rows = "\n".join(f"{a:.4f},{b:.4f}" for a, b in zip(temp, hum))
    path.write_text("temp,hum\n" + rows + "\n")
    return path


def _invoke(args):
    return runner.invoke(app, args, catch_exceptions=False)


def test_train_tiny_csv_run(csv_file, tmp_path):
    out = tmp_path / "run"
    result = _invoke(["train", "--csv", str(csv_file), "--value-column", "temp,hum", "--out", str(out), *TINY])
    assert result.exit_code == 0, result.output
    for name in ("config.json", "metrics.csv", "recording.zarr", "checkpoints/epoch_0002.pt"):
        assert (out / name).exists(), name
    for key in ("train / val / test MSE", "persistence test MSE", "epochs", "wall time", str(out)):
        assert key in result.output
    ds = load_recording(out)
    assert ds.sizes["epoch"] == 3 and [str(c) for c in ds.channel.values] == ["temp", "hum"]
    # the same command again refuses to overwrite, --resume finishes without retraining
    again = _invoke(["train", "--csv", str(csv_file), "--value-column", "temp,hum", "--out", str(out), *TINY])
    assert again.exit_code == 2 and "--resume" in again.output.replace("resume=True (--resume)", "--resume")
    resumed = _invoke(["train", "--csv", str(csv_file), "--value-column", "temp", "--value-column", "hum",
                       "--out", str(out), "--resume", *TINY])
    assert resumed.exit_code == 0, resumed.output
    assert load_recording(out).identical(ds)


def test_train_gru_two_seeds(csv_file, tmp_path):
    out = tmp_path / "gru"
    result = _invoke(["train", "--csv", str(csv_file), "--value-column", "temp", "--arch", "gru", "--seed", "0",
                      "--seed", "1", "--out", str(out), *TINY])
    assert result.exit_code == 0, result.output
    assert (out / "seed_0" / "recording.zarr").exists() and (out / "seed_1" / "recording.zarr").exists()
    assert "(seed 1)" in result.output


@pytest.mark.parametrize("args,message", [
    (["--arch", "transformer"], "transformer"),
    (["--units", "0"], "n_units"),
    (["--epochs", "-3"], "epochs"),
    (["--csv", "does_not_exist.csv", "--value-column", "t"], "no such file"),
    (["--dataset", "atlantis"], "atlantis"),
    (["--channels", "temprature"], "temprature"),
    (["--probe-split", "everything"], "probe_split"),
    (["--units", "2", "--input-units", "2"], "exceeds n_units"),
])
def test_train_bad_input_exit_2(args, message, tmp_path):
    result = _invoke(["train", "--out", str(tmp_path / "x"), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_train_csv_needs_value_column(csv_file, tmp_path):
    result = _invoke(["train", "--csv", str(csv_file), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "--value-column" in result.output
    result = _invoke(["train", "--csv", str(csv_file), "--value-column", "tmp", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "tmp" in result.output


def test_default_out_name():
    from infoflow.cli.cmd_train import default_out

    assert str(default_out("greensboro", "gru", (0, 1))) == "runs/greensboro-gru-seed0-1"


def test_train_csv_gap_needs_fill(tmp_path):
    t = np.arange(300)
    values = [f"{v:.4f}" for v in np.sin(2 * np.pi * t / 24)]
    values[100] = ""  # one missing hour
    path = tmp_path / "gap.csv"
    path.write_text("temp\n" + "\n".join(values) + "\n")
    result = _invoke(["train", "--csv", str(path), "--value-column", "temp", "--out", str(tmp_path / "a"), *TINY])
    assert result.exit_code == 2 and "fill" in result.output
    result = _invoke(["train", "--csv", str(path), "--value-column", "temp", "--fill", "interpolate",
                      "--out", str(tmp_path / "b"), *TINY])
    assert result.exit_code == 0, result.output
