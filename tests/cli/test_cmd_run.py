import json

import numpy as np
import pytest
from typer.testing import CliRunner

from infoflow.cli import app
from infoflow.data import delay_chain


@pytest.fixture
def runner():
    return CliRunner()


def invoke(runner, *args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, terminal_width=200)


def test_run_with_config_file_and_rerun(runner, tmp_path, tiny_options):
    cfg = tmp_path / "run.toml"
    lines = [f"{k} = {json.dumps(list(v) if isinstance(v, tuple) else v)}" for k, v in tiny_options.items()]
    cfg.write_text("[run]\n" + "\n".join(lines) + "\n")
    out = tmp_path / "r"
    res = invoke(runner, "run", out, "--config", cfg, "--epochs", 2)
    assert res.exit_code == 0, res.output
    assert (out / "report.html").exists()
    assert "q1_direction" in res.output and "report" in res.output
    assert json.loads((out / "run_options.json").read_text())["epochs"] == 2  # command line beats config
    again = invoke(runner, "run", out, "--config", cfg, "--epochs", 2)
    assert again.exit_code == 0
    assert "none (all up to date)" in again.output or "train" not in again.output.split("stages run")[1].split("\n")[0]


def test_run_bad_options_exit_2(runner, tmp_path):
    cfg = tmp_path / "typo.toml"
    cfg.write_text("epoch = 3\n")
    res = invoke(runner, "run", tmp_path / "x", "--config", cfg)
    assert res.exit_code == 2
    assert "Did you mean 'epochs'" in res.output
    res = invoke(runner, "run", tmp_path / "x", "--config", tmp_path / "missing.toml")
    assert res.exit_code == 2 and "does not exist" in res.output
    res = invoke(runner, "run", tmp_path / "x", "--flow-method", "magic")
    assert res.exit_code == 2 and "flow-method" in res.output and "gaussian_copula" in res.output


def test_analyze_recovers_chain_direction_and_layers(runner, tmp_path):
    """Done-when of the run issue: on the synthetic layered chain, analyze reports the truth."""
    act = delay_chain(4000, n_layers=4, units_per_layer=3, seed=0)
    path = tmp_path / "chain.npy"
    np.save(path, act.values[0])
    roles = ",".join(map(str, act["role"].values))
    out = tmp_path / "chain_out"
    res = invoke(runner, "analyze", path, "--roles", roles, "--out", out, "--method", "gaussian_copula",
                 "--surrogates", 50, "--n-null", 99)
    assert res.exit_code == 0, res.output
    s = json.loads((out / "summary.json").read_text())
    assert s["q1_direction"]["answer"] == "yes"
    assert s["q2_layers"]["answer"] == "yes"
    assert s["q2_layers"]["table"]["number of layers"] == 4
    for key in ("q3_bottleneck", "q4_indicators", "q5_phases"):
        assert s[key]["answer"] == "unavailable"  # no training history for a user recording


def test_analyze_bad_input_exit_2(runner, tmp_path):
    res = invoke(runner, "analyze", tmp_path / "missing.npy", "--roles", "input,output")
    assert res.exit_code == 2
    bad = tmp_path / "act.npy"
    np.save(bad, np.random.default_rng(0).normal(size=(500, 3)))
    res = invoke(runner, "analyze", bad, "--roles", "input,output")
    assert res.exit_code == 2 and "roles" in res.output


def test_report_command(runner, tiny_run):
    out, _ = tiny_run
    res = invoke(runner, "report", out)
    assert res.exit_code == 0 and "report.html" in res.output
    assert invoke(runner, "report", out / "nope").exit_code == 2
