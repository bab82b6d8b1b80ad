"""`infoflow network RUN_DIR|FILE` through typer's CliRunner."""

from __future__ import annotations

import networkx as nx
import numpy as np
from typer.testing import CliRunner

from infoflow._io import load_dataset
from infoflow.cli import app


def _chain_file(tmp_path):
    """0 -> 1 (lag 1), 0 -> 2 (lag 2), 1 -> 3 (lag 1): 1-2 share a driver, 0 -> 3 is indirect."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1500, 4))
    for t in range(2, 1500):
        x[t, 1] += 0.7 * x[t - 1, 0]
        x[t, 2] += 0.7 * x[t - 2, 0]
        x[t, 3] += 0.7 * x[t - 1, 1]
    path = tmp_path / "act.npy"
    np.save(path, x)
    return path


def test_network_writes_network_nc_and_graph_beside_the_file(tmp_path):
    path = _chain_file(tmp_path)
    res = CliRunner().invoke(app, ["network", str(path), "--method", "gaussian_copula", "--surrogates", "40",
                                   "--lags", "1,2", "--graphml", "--roles", "input,hidden,hidden,output"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    ds = load_dataset(tmp_path / "act_infoflow" / "network.nc")
    assert ds["significant"].values[[0, 0, 1], [1, 2, 3]].all() and not ds["significant"].values[0, 3]
    assert ds.attrs["recording_source"] == str(path) and "direct links" in res.output
    graph = nx.read_graphml(tmp_path / "act_infoflow" / "network.graphml")
    assert graph.number_of_edges() == int(ds["significant"].sum())


def test_network_refuses_bad_options_before_any_work(tmp_path):
    path = _chain_file(tmp_path)
    for args, text in ((["--lags", "a,b"], "--lags"), (["--scheduler", "nowhere"], "--scheduler"),
                       (["--surrogates", "5"], "surrogates")):
        res = CliRunner().invoke(app, ["network", str(path), *args])
        assert res.exit_code == 2, res.output
        assert text in res.output
    assert not (tmp_path / "act_infoflow" / "network.nc").exists()


def test_network_screen_top_reaches_the_library_and_zero_turns_it_off(tmp_path):
    import inspect

    from infoflow.cli import cmd_network
    from infoflow.flow import effective_network

    default = inspect.signature(cmd_network.network).parameters["screen_top"].default.default
    assert default == inspect.signature(effective_network).parameters["screen_top"].default
    path = _chain_file(tmp_path)
    for value, attr in (("2", 2), ("0", 0)):
        res = CliRunner().invoke(app, ["network", str(path), "--surrogates", "20", "--lags", "1,2",
                                       "--screen-top", value, "--force"], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        assert load_dataset(tmp_path / "act_infoflow" / "network.nc").attrs["screen_top"] == attr
    res = CliRunner().invoke(app, ["network", str(path), "--screen-top", "-1"])
    assert res.exit_code == 2 and "screen-top" in res.output
