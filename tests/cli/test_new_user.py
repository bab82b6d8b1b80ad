"""Issue #18, the second new-user round: no silent wrong results from the command line.

One test per case of the issue; each failed before the fix (the comment says how).
"""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pandas as pd
import pytest
import typer
import xarray as xr
from typer.testing import CliRunner

from infoflow._io import atomic_write_json, load_dataset, save_dataset
from infoflow._validation import InfoflowWarning
from infoflow.cli import app
from infoflow.cli._common import cli_message, handle_errors

FAST = ["--method", "gaussian_copula", "--surrogates", "10", "--lags", "1"]


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    from infoflow.cli import _common

    monkeypatch.setattr(_common.console, "_width", 400)
    monkeypatch.setattr(_common.err_console, "_width", 400)


def invoke(runner, *args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _activity(n_time=600, n=3, seed=0):
    x = np.random.default_rng(seed).standard_normal((n_time, n))
    x[1:, 1] += 0.8 * x[:-1, 0]
    return x


def _run_dir(path, *, complete=1, n_epoch=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_epoch, 500, 3)).astype(np.float32)
    ds = xr.Dataset({"activity": xr.DataArray(
        x, dims=("epoch", "time", "neuron"),
        coords={"epoch": np.arange(n_epoch), "time": np.arange(500), "neuron": ["i0", "h0", "o0"],
                "role": ("neuron", ["input", "hidden", "output"])})}, attrs={"complete": complete})
    save_dataset(ds, path / "recording.zarr")
    return path


# ------------------------------------------------------------------ 1. pandas index column, plain-text errors
def test_pandas_default_csv_drops_the_index_column(tmp_path, runner):
    # before: the index column became a fourth "neuron" and the error lost its bracketed range
    path = tmp_path / "act.csv"
    pd.DataFrame(_activity(), columns=["a", "b", "c"]).to_csv(path)
    res = invoke(runner, "flow", path, *FAST)
    assert res.exit_code == 0, res.output
    ds = load_dataset(tmp_path / "act_infoflow" / "flow.nc")
    assert ds["source"].values.tolist() == ["a", "b", "c"]
    assert res.output.count("row numbers") == 1  # the notice, once, as a sentence
    pd.DataFrame(_activity()).to_csv(tmp_path / "ints.csv")  # integer column names as pandas writes them
    res = invoke(runner, "flow", tmp_path / "ints.csv", *FAST)
    assert res.exit_code == 0 and load_dataset(tmp_path / "ints_infoflow" / "flow.nc").sizes["source"] == 3


def test_errors_are_printed_as_plain_text(runner):
    # before: rich read "[2, 180]" as markup and deleted it
    demo = typer.Typer()

    @demo.command()
    @handle_errors
    def fail() -> None:
        raise ValueError("min_shift=2180 (it must leave shifts in [2, 180]). [bold]not markup[/bold]")

    res = runner.invoke(demo, [])
    assert res.exit_code == 2
    assert "[2, 180]" in res.output and "[bold]not markup[/bold]" in res.output


# ------------------------------------------------------------------ 2. analyze without roles
def test_analyze_without_roles_refuses_like_python(tmp_path, runner):
    # before: the CLI made every neuron hidden and exited 0
    from infoflow.pipeline import analyze_recording

    path = tmp_path / "act.npy"
    np.save(path, _activity())
    res = invoke(runner, "analyze", path, *FAST)
    assert res.exit_code == 2 and "--roles" in res.output and "3" in res.output
    assert not (tmp_path / "act_infoflow" / "flow.nc").exists()
    for given in (path, _activity()):
        with pytest.raises(ValueError, match="roles"):
            analyze_recording(given, tmp_path / "py", method="gaussian_copula", surrogates=10)
    np.savez(tmp_path / "with_roles.npz", activity=_activity(), roles=np.array(["input", "hidden", "output"]))
    res = invoke(runner, "analyze", tmp_path / "with_roles.npz", *FAST, "--n-null", "9")
    assert res.exit_code == 0, res.output  # a file that carries roles needs no --roles


# ------------------------------------------------------------------ 3. CSV without a header row
def test_csv_without_header_is_data_with_a_notice(tmp_path):
    # before: the first data row silently became the neuron names (and was lost as data)
    from infoflow.data import load_csv
    from infoflow.train import load_recording

    x = _activity(50)
    np.savetxt(tmp_path / "raw.csv", x, delimiter=",")
    with pytest.warns(InfoflowWarning, match="no header row"):
        ds = load_recording(tmp_path / "raw.csv")
    assert ds.sizes["time"] == 50 and ds["neuron"].values.tolist() == ["n0", "n1", "n2"]
    np.testing.assert_allclose(ds["activity"].values[0, 0], x[0], rtol=1e-6)
    with pytest.raises(ValueError, match="no header row"):
        load_csv(tmp_path / "raw.csv", value_columns=["temp"])


# ------------------------------------------------------------------ 4. a single neuron
def test_single_neuron_is_refused(tmp_path, runner):
    # before: "no / no" answers with every number n/a, exit 0
    np.save(tmp_path / "one.npy", _activity()[:, :1])
    for cmd in (["flow", tmp_path / "one.npy", *FAST], ["analyze", tmp_path / "one.npy", "--roles", "hidden", *FAST]):
        res = invoke(runner, *cmd)
        assert res.exit_code == 2 and "at least 2" in res.output


# ------------------------------------------------------------------ 5. train --resume on an empty folder
def test_train_resume_on_a_folder_without_a_run_refuses(tmp_path, runner):
    # before: a new run started silently
    empty = tmp_path / "nothing"
    empty.mkdir()
    res = invoke(runner, "train", "--resume", "--out", empty, "--units", "5", "--epochs", "1")
    assert res.exit_code == 2 and str(empty) in res.output and "no training run" in res.output
    assert not (empty / "config.json").exists()


# ------------------------------------------------------------------ 6. interrupted runs, stale results
def test_killed_training_points_at_resume(tmp_path, runner):
    # before: "Run `infoflow train` first"
    run = tmp_path / "killed"
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "epoch_0003.pt").write_bytes(b"")
    atomic_write_json(run / "config.json", {"epochs": 10})
    res = invoke(runner, "flow", run, *FAST)
    assert res.exit_code == 2 and "--resume" in res.output and "epoch 3" in res.output


def test_partial_recording_is_refused(tmp_path, runner):
    # before: analysed silently with exit 0
    run = _run_dir(tmp_path / "cut", complete=0)
    atomic_write_json(run / "config.json", {"epochs": 10})
    res = invoke(runner, "flow", run, *FAST)
    assert res.exit_code == 2 and "incomplete" in res.output and "--resume" in res.output and "of 10" in res.output
    assert not (run / "flow.nc").exists()


def test_stale_flow_is_refused_after_the_recording_changes(tmp_path, runner):
    # before: structure analysed the old flow.nc after the run was resumed
    run = _run_dir(tmp_path / "run")
    assert invoke(runner, "flow", run, *FAST).exit_code == 0
    assert load_dataset(run / "flow.nc").attrs["recording_fingerprint"]
    assert invoke(runner, "structure", run, "--n-null", "9", "--no-figures").exit_code == 0
    _run_dir(run, n_epoch=3, seed=1)  # the training was resumed: more epochs, new data
    res = invoke(runner, "structure", run, "--n-null", "9", "--no-figures")
    assert res.exit_code == 2 and "stale" in res.output and "infoflow flow" in res.output
    res = invoke(runner, "report", run)
    assert res.exit_code == 2 and "stale" in res.output
    assert invoke(runner, "flow", run, *FAST).exit_code == 0  # recomputed: accepted again
    assert invoke(runner, "structure", run, "--n-null", "9", "--no-figures").exit_code == 0


# ------------------------------------------------------------------ 7. outputs of different inputs
def test_flow_of_two_files_writes_two_results(tmp_path, runner):
    # before: both wrote ./flow.nc, the second silently replacing the first
    np.save(tmp_path / "a.npy", _activity(seed=0))
    np.save(tmp_path / "b.npy", _activity(seed=1))
    for name in ("a", "b"):
        assert invoke(runner, "flow", tmp_path / f"{name}.npy", *FAST).exit_code == 0
    a, b = (load_dataset(tmp_path / f"{n}_infoflow" / "flow.nc") for n in "ab")
    assert a.attrs["recording_source"].endswith("a.npy") and b.attrs["recording_source"].endswith("b.npy")
    shared = tmp_path / "shared"
    assert invoke(runner, "flow", tmp_path / "a.npy", *FAST, "--out", shared).exit_code == 0
    res = invoke(runner, "flow", tmp_path / "b.npy", *FAST, "--out", shared)
    assert res.exit_code == 2 and "another input" in res.output and "--force" in res.output
    assert load_dataset(shared / "flow.nc").attrs["recording_source"].endswith("a.npy")
    assert invoke(runner, "flow", tmp_path / "b.npy", *FAST, "--out", shared, "--force").exit_code == 0
    assert load_dataset(shared / "flow.nc").attrs["recording_source"].endswith("b.npy")
    # read with options (roles) the results still match their unchanged source: not stale
    assert invoke(runner, "flow", tmp_path / "a.npy", *FAST, "--roles", "input,hidden,output").exit_code == 0
    assert invoke(runner, "structure", tmp_path / "a_infoflow", "--n-null", "9", "--no-figures").exit_code == 0
    np.save(tmp_path / "a.npy", _activity(seed=5))  # the file changed since
    res = invoke(runner, "structure", tmp_path / "a_infoflow", "--n-null", "9", "--no-figures")
    assert res.exit_code == 2 and "stale" in res.output


# ------------------------------------------------------------------ 8. warnings shown once and saved
def test_warnings_are_shown_once_and_saved(tmp_path, runner):
    # before: "warnings 1" in the table, the warning itself nowhere
    x = _activity()
    x[:, 2] = 1.0  # a constant neuron warns
    np.save(tmp_path / "c.npy", x)
    res = invoke(runner, "analyze", tmp_path / "c.npy", "--roles", "input,hidden,output", *FAST, "--n-null", "9")
    assert res.exit_code == 0, res.output
    shown = [line for line in res.output.splitlines() if line.startswith("Warning: ")]
    assert shown and len(shown) == len(set(shown)) and any("constant" in line for line in shown)
    assert ".py:" not in res.output  # no source paths or source lines
    out = tmp_path / "c_infoflow"
    summary = json.loads((out / "summary.json").read_text())
    assert any("constant" in w for w in summary["warnings"])
    assert "constant" in (out / "report.html").read_text()
    res = invoke(runner, "flow", tmp_path / "c.npy", *FAST, "--out", tmp_path / "f")
    assert "constant" in load_dataset(tmp_path / "f" / "flow.nc").attrs["warnings"]
    assert any(line.startswith("Warning: ") and "constant" in line for line in res.output.splitlines())


# ------------------------------------------------------------------ consistency
def test_atomic_writes_respect_the_umask(tmp_path):
    # before: 0600 whatever the umask
    old = os.umask(0o022)
    try:
        mode = stat.S_IMODE(atomic_write_json(tmp_path / "x.json", {}).stat().st_mode)
    finally:
        os.umask(old)
    assert mode == 0o644


@pytest.mark.parametrize("args, message", [
    (["analyze", "ACT", "--roles", "input,hidden,output", "--method", "magic"], "gaussian_copula"),
    (["analyze", "ACT", "--roles", "input,hidden,output", "--lags", "a,b"], "comma-separated integers"),
    (["analyze", "ACT", "--roles", "input,hidden,output", "--n-null", "0"], "--n-null"),
    (["analyze", "ACT", "--roles", "input,hidden,output", "--surrogates", "1"], "--surrogates"),
    (["run", "OUT", "--seeds", "a,b"], "comma-separated integers"),
    (["run", "OUT", "--lags", "1,x"], "comma-separated integers"),
    (["run", "OUT", "--n-null", "0"], "--n-null"),
    (["run", "OUT", "--surrogates", "1"], "--surrogates"),
    (["run", "OUT", "--flow-method", "magic"], "gaussian_copula"),
    (["flow", "ACT", "--lags", "a,b"], "comma-separated integers"),
])
def test_options_are_validated_before_any_work(tmp_path, runner, args, message):
    np.save(tmp_path / "act.npy", _activity())
    paths = {"ACT": tmp_path / "act.npy", "OUT": tmp_path / "out"}
    res = invoke(runner, *[paths.get(a, a) for a in args])
    assert res.exit_code == 2 and message in res.output
    assert "invalid literal" not in res.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "act_infoflow").exists()


def test_out_under_a_file_exits_2_with_a_reason(tmp_path, runner):
    # before: exit 1 "Unexpected error"
    np.save(tmp_path / "act.npy", _activity())
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    for cmd in (["flow", tmp_path / "act.npy"], ["analyze", tmp_path / "act.npy", "--roles", "input,hidden,output"]):
        res = invoke(runner, *cmd, *FAST, "--out", blocker / "sub")
        assert res.exit_code == 2 and "Unexpected" not in res.output and "file.txt" in res.output
        assert len(res.output.strip().splitlines()) == 1


def test_every_folder_writing_command_takes_out(tmp_path, runner):
    import typer.main

    group = typer.main.get_command(app)
    for name in ("train", "flow", "structure", "dynamics", "run", "analyze"):
        opts = {o for p in group.commands[name].params for o in p.opts}
        assert "--out" in opts, name


def test_hints_speak_cli():
    assert "--fill interpolate" in cli_message("Clean the data, or pass fill='interpolate' to fill gaps.")
    assert "--resume" in cli_message("Pass resume=True (--resume) to continue it") and "resume=True" not in \
        cli_message("Pass resume=True (--resume) to continue it")
    assert cli_message("nothing to translate") == "nothing to translate"


# ------------------------------------------------------------------ the report for a user's own data
def test_report_of_a_user_recording_is_labelled_by_what_was_analysed(tmp_path, runner):
    # before: "fully recurrent network", "training: none", no edge table, unlabelled graph
    from infoflow.data import delay_chain

    act = delay_chain(1500, n_layers=3, units_per_layer=2, seed=0)
    np.save(tmp_path / "chain.npy", act.values[0])
    roles = ",".join(map(str, act["role"].values))
    res = invoke(runner, "analyze", tmp_path / "chain.npy", "--roles", roles, *FAST, "--n-null", "19")
    assert res.exit_code == 0, res.output
    out = tmp_path / "chain_infoflow"
    s = json.loads((out / "summary.json").read_text())
    html = (out / "report.html").read_text()
    assert "fully recurrent" not in html and "chain.npy" in s["run"]["title"]
    assert s["setup"]["neurons"] == 6 and s["setup"]["roles"] == "given" and "training" not in s["setup"]
    edges = s["significant_edges"]["rows"]
    assert edges and {"source", "target", "lag", "value", "pvalue"} <= set(edges[0])
    assert all(e["pvalue_adjusted"] <= 0.05 for e in edges)
    assert [e["value"] for e in edges] == sorted((e["value"] for e in edges), reverse=True)
    assert 'id="edges"' in html and f"<td>{edges[0]['source']}</td>" in html


def test_heatmap_ticks_are_thinned_beyond_30_neurons():
    from infoflow.report._plots import thinned_ticks

    assert thinned_ticks(12) == list(range(12))
    assert len(thinned_ticks(30)) == 30
    assert len(thinned_ticks(100)) <= 30 and thinned_ticks(100)[:2] == [0, 4]


def test_analyze_of_a_run_folder_writes_beside_it(tmp_path, runner):
    run = _run_dir(tmp_path / "run")
    atomic_write_json(run / "config.json", {"dataset_label": "greensboro", "arch": "gru", "n_units": 3, "epochs": 1})
    res = invoke(runner, "analyze", run, *FAST, "--n-null", "9")
    assert res.exit_code == 0, res.output
    assert not (run / "flow.nc").exists() and (tmp_path / "run_infoflow" / "report.html").exists()
    s = json.loads((tmp_path / "run_infoflow" / "summary.json").read_text())
    assert "greensboro, gru, 3 units" in s["setup"]["trained by infoflow"] and "training history" not in s["setup"]


def test_unreachable_scheduler_exits_2_with_a_reason(tmp_path, runner, monkeypatch):
    # before: exit 1 "Unexpected error ... --debug"
    import dask

    np.save(tmp_path / "act.npy", _activity())
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        res = invoke(runner, "flow", tmp_path / "act.npy", *FAST, "--scheduler", "tcp://127.0.0.1:9")
    assert res.exit_code == 2 and "could not reach the scheduler" in res.output and "Unexpected" not in res.output


def test_os_errors_of_the_user_get_one_line_reasons():
    from infoflow.cli._common import _user_os_error

    assert "permission denied: /srv/x" in _user_os_error(PermissionError(13, "Permission denied", "/srv/x"))
    assert "--out" in _user_os_error(NotADirectoryError(20, "Not a directory", "a/file.txt/sub"))
    assert _user_os_error(OSError("disk controller on fire")) is None  # unexpected: exit 1 with --debug hint


def test_activity_csv_time_column_and_fill(tmp_path, runner):
    # before: analyze had no --time-column or --fill; a numeric time column became a neuron silently
    x = _activity()
    df = pd.DataFrame(x, columns=["a", "b", "c"])
    df.insert(0, "time", np.arange(len(df)) * 0.1)
    df.loc[10, "b"] = np.nan
    path = tmp_path / "rec.csv"
    df.to_csv(path, index=False)
    res = invoke(runner, "flow", path, *FAST)
    assert res.exit_code == 2 and "--fill interpolate" in res.output and "fill=" not in res.output
    assert "--time-column time" in res.output  # the rising column was flagged as it was read
    res = invoke(runner, "analyze", path, "--roles", "input,hidden,output", *FAST, "--n-null", "9",
                 "--time-column", "time", "--fill", "interpolate")
    assert res.exit_code == 0, res.output
    assert "interpolated 1 missing value" in res.output and "rises at every row" not in res.output
    assert load_dataset(tmp_path / "rec_infoflow" / "flow.nc")["source"].values.tolist() == ["a", "b", "c"]


def test_structure_says_when_no_test_was_possible(tmp_path, runner):
    # before: "F0 0 (p = 1)" on a one-edge graph, read as "no direction"
    x = _activity(800, 2)
    np.save(tmp_path / "two.npy", x)
    assert invoke(runner, "flow", tmp_path / "two.npy", *FAST, "--roles", "input,output").exit_code == 0
    res = invoke(runner, "structure", tmp_path / "two_infoflow", "--n-null", "9", "--no-figures")
    assert res.exit_code == 0, res.output
    assert "no test was possible" in res.output and "(p = 1)" not in res.output
