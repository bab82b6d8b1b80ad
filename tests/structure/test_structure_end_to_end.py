"""End to end on the synthetic delay chain: activity -> infoflow.flow -> infoflow.structure recovers
the known order, direction and layer count (and the CLI reads the saved flow.nc)."""

import json

import numpy as np
import pytest
from scipy.stats import spearmanr
from typer.testing import CliRunner

from infoflow._io import save_dataset
from infoflow.cli import app
from infoflow.data import delay_chain
from infoflow.flow import information_flow
from infoflow.structure import directedness, layers, progression


@pytest.fixture(scope="module")
def chain_flow():
    act = delay_chain(2000, n_layers=4, units_per_layer=3, seed=0)
    ds = information_flow(act, method="gaussian_copula", surrogates=19, lags=(1,), seed=0)
    return act, ds


@pytest.mark.parametrize("method", ["trophic", "hodge", "springrank"])
def test_chain_order_recovered(chain_flow, method):
    act, ds = chain_flow
    h = progression(ds, method)
    assert list(h["neuron"].values) == list(act["neuron"].values)
    assert spearmanr(h.values, act["layer"].values)[0] >= 0.9


def test_chain_layers_and_direction(chain_flow):
    act, ds = chain_flow
    res = layers(ds, n_null=49)
    assert res.n_layers == 4
    assert res.assignment == tuple(int(v) for v in act["layer"].values)
    d = directedness(ds, n_null=49)
    assert d.f0 < 0.3 and d.f0_pvalue <= 0.05 and d.downhill_pvalue <= 0.05
    assert all(t.pvalue <= 0.05 and t.cliffs_delta == 1.0 for t in d.role_tests)


def test_cli_on_saved_flow(chain_flow, tmp_path):
    _, ds = chain_flow
    save_dataset(ds, tmp_path / "flow.nc")
    res = CliRunner().invoke(app, ["structure", str(tmp_path), "--n-null", "19", "--no-figures"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads((tmp_path / "structure.json").read_text())
    assert out["layers"]["n_layers"] == 4
    assert np.all(np.diff([np.mean(out["progression"]["trophic"][3 * i:3 * i + 3]) for i in range(4)]) > 0)
