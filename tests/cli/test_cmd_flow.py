"""`infoflow flow RUN_DIR` through typer's CliRunner."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from infoflow._io import load_dataset, save_dataset
from infoflow.cli import app


@pytest.fixture
def runner():
    return CliRunner()


def _run_dir(tmp_path, n_epoch=2):
    rng = np.random.default_rng(0)
    n = 800
    x = rng.standard_normal((n_epoch, n, 4))
    x[:, 1:, 2] += 0.7 * x[:, :-1, 0]
    act = xr.DataArray(x.astype(np.float32), dims=("epoch", "time", "neuron"), name="activity",
                       coords={"epoch": np.arange(n_epoch), "time": np.arange(n), "neuron": ["in0", "h0", "h1", "out0"],
                               "role": ("neuron", ["input", "hidden", "hidden", "output"])},
                       attrs={"model": "rnn-2", "train_seed": 0})
    ds = xr.Dataset({"activity": act, "inputs": (("time", "channel"), x[-1, :, :1])})
    run = tmp_path / "run"
    save_dataset(ds, run / "recording.zarr")
    return run


def test_flow_writes_flow_nc_and_summary(tmp_path, runner):
    run = _run_dir(tmp_path)
    res = runner.invoke(app, ["flow", str(run), "--method", "gaussian_copula", "--surrogates", "20", "--lags", "1,2",
                              "--graphml"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    ds = load_dataset(run / "flow.nc")
    assert ds["epoch"].item() == 1 and "epoch" not in ds.dims  # --epochs last is the default
    assert bool(ds["significant"].sel(source="in0", target="h1"))
    assert ds.attrs["model"] == "rnn-2" and ds.attrs["estimator"] == "gaussian_copula"
    assert (run / "flow.graphml").stat().st_size > 0
    assert "pairs" in res.output and "12" in res.output and "significant at FDR 0.05" in res.output
    rows = [line for line in res.output.splitlines() if "│" in line]
    assert "flow.nc" in rows[-1] and "output" in res.output  # output path is the last row


def test_flow_all_epochs_and_options(tmp_path, runner):
    run = _run_dir(tmp_path)
    res = runner.invoke(app, ["flow", str(run), "--method", "gaussian_copula", "--surrogates", "10", "--lags", "1",
                              "--epochs", "all", "--measure", "flow", "--pvalue", "empirical",
                              "--scheduler", "inprocess",
                              "--condition-on-input", "--sequential", "on", "--out", str(tmp_path / "x.nc")],
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    ds = load_dataset(tmp_path / "x.nc")
    assert ds.sizes["epoch"] == 2 and ds.attrs["measure"] == "flow" and ds.attrs["pvalue"] == "empirical"
    assert ds.attrs["condition_on_input"] == 1 and ds.attrs["sequential"] == 1
    assert "surrogates drawn per tested pair" in res.output and "sequential; at most 10" in res.output
    bad = runner.invoke(app, ["flow", str(run), "--sequential", "maybe"])
    assert bad.exit_code == 2 and "maybe" in bad.output


def test_flow_array_file_with_roles(tmp_path, runner):
    x = np.random.default_rng(1).standard_normal((600, 3))
    np.save(tmp_path / "act.npy", x)
    res = runner.invoke(app, ["flow", str(tmp_path / "act.npy"), "--method", "gaussian_copula", "--surrogates", "10",
                              "--lags", "1", "--roles", "input,hidden,output"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    ds = load_dataset(tmp_path / "act_infoflow" / "flow.nc")  # beside the input, as analyze writes
    assert ds["source_role"].values.tolist() == ["input", "hidden", "output"]


@pytest.mark.parametrize("args, message", [
    (["--epochs", "7"], "do not exist"),
    (["--lags", "1,x"], "comma-separated integers"),
    (["--lags", "900"], "leaves no samples"),
    (["--scheduler", "threads"], "scheduler"),
])
def test_flow_bad_options_exit_2(tmp_path, runner, args, message):
    run = _run_dir(tmp_path)
    res = runner.invoke(app, ["flow", str(run), "--method", "gaussian_copula", "--surrogates", "5", *args],
                        catch_exceptions=False)
    assert res.exit_code == 2
    assert message in res.output
    assert not (run / "flow.nc").exists()


def test_flow_missing_run_dir_exit_2(tmp_path, runner):
    res = runner.invoke(app, ["flow", str(tmp_path / "nope")], catch_exceptions=False)
    assert res.exit_code == 2 and "does not exist" in res.output
