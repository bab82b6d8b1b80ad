"""`infoflow structure RUN_DIR` through typer's CliRunner."""

import json

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from infoflow._io import save_dataset
from infoflow.cli import app


def _flow_ds(n_layers=3, units=3, seed=0):
    rng = np.random.default_rng(seed)
    lab = np.repeat(np.arange(n_layers), units)
    n = lab.size
    w = np.where(lab[None, :] == lab[:, None] + 1, rng.uniform(0.7, 1.3, (n, n)), 0.0) + 0.05 * rng.random((n, n))
    np.fill_diagonal(w, np.nan)
    ids = [f"h{i}" for i in range(n)]
    roles = ["input" if v == 0 else "output" if v == n_layers - 1 else "hidden" for v in lab]
    st = ("source", "target")
    return xr.Dataset({"te": (st, w), "flow": (("lag", *st), w[None]), "net_flow": (st, w - w.T),
                       "pvalue": (st, np.where(w > 0.5, 0.001, 0.5)), "significant": (st, np.nan_to_num(w) > 0.5)},
                      coords={"source": ids, "target": ids, "lag": [1], "source_role": ("source", roles),
                              "target_role": ("target", roles)})


@pytest.fixture
def runner():
    return CliRunner()


def test_structure_writes_json_figures_and_summary(tmp_path, runner):
    save_dataset(_flow_ds(), tmp_path / "flow.nc")
    res = runner.invoke(app, ["structure", str(tmp_path), "--n-null", "19"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads((tmp_path / "structure.json").read_text())
    assert out["layers"]["n_layers"] == 3 and out["settings"]["n_null"] == 19
    assert out["directedness"]["f0_pvalue"] <= 0.1
    for stem in ("progression_histogram_trophic", "progression_histogram_hodge", "flow_graph"):
        for ext in ("png", "svg", "json"):
            assert (tmp_path / "figures" / f"{stem}.{ext}").stat().st_size > 0
    assert "trophic incoherence F0" in res.output and "layers" in res.output
    assert "structure.json" in res.output  # output path: the last row
    assert "input < hidden" in res.output


def test_structure_no_figures_and_options(tmp_path, runner):
    save_dataset(_flow_ds(), tmp_path / "flow.nc")
    res = runner.invoke(app, ["structure", str(tmp_path), "--n-null", "9", "--no-figures", "--null", "flip",
                              "--criterion", "bic", "--seed", "3"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "figures").exists()
    out = json.loads((tmp_path / "structure.json").read_text())
    assert out["settings"]["null"] == "flip" and out["settings"]["seed"] == 3 and out["layers"]["criterion"] == "bic"


def test_structure_missing_flow_says_what_to_run(tmp_path, runner):
    res = runner.invoke(app, ["structure", str(tmp_path)], catch_exceptions=False)
    assert res.exit_code == 2
    assert "infoflow flow" in res.output and "flow.nc" in res.output


def test_structure_bad_option_is_usage_error(tmp_path, runner):
    save_dataset(_flow_ds(), tmp_path / "flow.nc")
    res = runner.invoke(app, ["structure", str(tmp_path), "--null", "shuffle"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["structure", str(tmp_path), "--weight", "mi"])
    assert res.exit_code == 2
    ds = _flow_ds().drop_vars("te")
    save_dataset(ds, tmp_path / "flow.nc")
    res = runner.invoke(app, ["structure", str(tmp_path), "--n-null", "5"], catch_exceptions=False)
    assert res.exit_code == 2 and "no 'te' variable" in res.output
