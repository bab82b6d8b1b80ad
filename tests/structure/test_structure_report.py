"""analyze_structure (the JSON for structure.json) and the figure functions."""

import json

import numpy as np
import pytest
import xarray as xr

from infoflow.structure import analyze_structure, plot_flow_graph, plot_progression_histogram, progression, save_figure
from tests.structure._structure_synth import flow_dataset, layered_dag, roles_for


@pytest.fixture
def chain_ds():
    rng = np.random.default_rng(0)
    return flow_dataset(layered_dag(4, 3, rng, noise=0.05), roles_for(4, 3))


def test_analyze_structure_is_json_safe_and_complete(chain_ds):
    calls = []
    out = analyze_structure(chain_ds, n_null=19, callback=lambda d, t: calls.append((d, t)))
    back = json.loads(json.dumps(out, allow_nan=False))
    assert back["neurons"] == [f"h{i}" for i in range(12)] and back["roles"] == roles_for(4, 3)
    assert set(back["progression"]) == {"trophic", "hodge", "springrank"}
    assert back["progression_normalisation"]["trophic"] == "inputs mean 0, outputs mean 1"
    assert back["layers"]["n_layers"] == 4
    assert back["directedness"]["f0_pvalue"] <= 0.05 and back["trophic_incoherence"] == back["directedness"]["f0"]
    assert [t["later"] for t in back["directedness"]["role_tests"]] == ["hidden", "output", "output"]
    assert "epochs" not in back
    assert calls and calls[-1][0] == calls[-1][1] == 2 * 19
    assert out == analyze_structure(chain_ds, n_null=19)  # same seed, same numbers


def test_analyze_structure_tracks_epochs_and_records_notes():
    rng = np.random.default_rng(1)
    noise = rng.random((9, 9))
    stack = np.stack([noise, layered_dag(3, 3, rng), layered_dag(3, 3, rng)])
    sig = np.stack([noise > 0.3, stack[1] > 0.5, stack[2] > 0.5])
    sig[2][:, 8] = sig[2][8, :] = False  # last epoch: neuron h8 loses all its significant flow
    ds = flow_dataset(stack, roles_for(3, 3), significant=sig)
    with pytest.warns(Warning):
        out = analyze_structure(ds, n_null=19)
    json.dumps(out, allow_nan=False)
    assert out["epochs"]["epoch"] == [0, 1, 2] and out["epochs"]["n_layers"][0] == 1
    assert out["epochs"]["ari"][0] is None
    assert out["progression"]["trophic"][8] is None
    assert any("h8" in n for n in out["notes"])
    assert [c["kind"] for c in out["directedness"]["nulls"]] == ["rewire", "epoch0"]


def test_figures_and_their_data(tmp_path, chain_ds):
    import matplotlib.pyplot as plt

    prog = progression(chain_ds)
    fig = plot_progression_histogram(prog, bins=10)
    assert sum(sum(c) for c in fig.infoflow_data["counts"].values()) == 12
    assert set(fig.infoflow_data["counts"]) == {"input", "hidden", "output"}
    paths = save_figure(fig, tmp_path / "figs" / "hist")
    assert sorted(p.suffix for p in paths) == [".json", ".png", ".svg"]
    assert all(p.stat().st_size > 0 for p in paths)
    plt.close(fig)
    out = analyze_structure(chain_ds, n_null=19)
    fig = plot_progression_histogram(out, method="hodge")
    assert fig.infoflow_data["method"] == "hodge"
    plt.close(fig)
    ds = xr.Dataset({m: progression(chain_ds, m) for m in ("trophic", "hodge")})
    plt.close(plot_progression_histogram(ds, method="hodge"))
    plt.close(plot_progression_histogram(np.array([0.0, 0.5, np.nan])))
    fig = plot_flow_graph(chain_ds, prog)
    data = fig.infoflow_data
    assert len(data["edges"]) == int(chain_ds["significant"].sum()) and len(data["x"]) == 12
    assert all(e["source"] != e["target"] for e in data["edges"])
    save_figure(fig, tmp_path / "graph")
    plt.close(fig)
    with pytest.raises(ValueError, match="springrank"):
        plot_progression_histogram(ds, method="springrank")
    with pytest.raises(ValueError, match="neurons"):
        plot_flow_graph(chain_ds, np.zeros(3))


def test_histogram_reads_the_normalisation_rule_of_old_and_new_structure_files():
    """structure.json written before the normalization -> normalisation rename still plots with its rule."""
    import matplotlib.pyplot as plt

    base = {"progression": {"trophic": [0.0, 0.5, 1.0]}, "roles": ["input", "hidden", "output"],
            "neurons": ["a", "b", "c"]}
    for key in ("progression_normalisation", "progression_normalization"):
        fig = plot_progression_histogram({**base, key: {"trophic": "inputs mean 0, outputs mean 1"}})
        assert "inputs mean 0" in fig.axes[0].get_xlabel()
        plt.close(fig)
