import json

import pytest

from infoflow._validation import InvalidParameterError
from infoflow.pipeline import RunOptions, make_options, options_from_toml, run_pipeline, tracked_epochs

SECTIONS = ("q1_direction", "q2_layers", "q3_bottleneck", "q4_indicators", "q5_phases")


def test_every_stage_writes_its_files(tiny_run):
    out, result = tiny_run
    for name in ("report.html", "summary.json", "dynamics.json", "information_plane.nc", "run_options.json",
                 "seed_0/flow.nc", "seed_0/structure.json", "seed_0/recording.zarr", "seed_1/flow_epochs.nc",
                 "seed_1/structure_epochs.json"):
        assert (out / name).exists(), name
    assert not result.skipped
    assert {"train", "flow", "structure", "bottleneck", "dynamics", "report"} <= set(result.ran)
    assert list((out / "figures").glob("*.svg")), "figures are saved as SVG too"


def test_summary_keys_are_fixed_and_answers_valid(tiny_run):
    out, _ = tiny_run
    s = json.loads((out / "summary.json").read_text())
    assert list(s) == ["infoflow_version", "run", "setup", *SECTIONS, "methods", "significant_edges", "warnings", "figures"]
    for key in SECTIONS:
        assert s[key]["answer"] in {"yes", "no", "inconclusive", "unavailable"}
        assert s[key]["sentence"]
        assert set(s[key]) == {"answer", "sentence", "table", "notes"}
    # the training stage ran, so every section has numbers
    assert all(s[k]["answer"] != "unavailable" for k in SECTIONS)
    assert s["methods"]["units"] == "nats"


def test_rerun_skips_unchanged_stages(tiny_run, tiny_options):
    out, _ = tiny_run
    TINY = tiny_options
    again = run_pipeline(out, make_options(**TINY))
    assert set(again.ran) == {"report"} or not again.ran
    assert "train" in again.skipped and "flow" in again.skipped


def test_changed_option_reruns_only_downstream(tiny_run, tiny_options):
    out, _ = tiny_run
    TINY = tiny_options
    changed = run_pipeline(out, make_options(**{**TINY, "n_null": 29}))
    assert "train" in changed.skipped and "flow" in changed.skipped
    assert "structure" in changed.ran


def test_tracked_epochs_grid():
    assert tracked_epochs(10, 5) == [0, 5, 10]
    assert tracked_epochs(12, 5) == [0, 5, 10, 12]
    assert tracked_epochs(1, 3) == [0, 1]


def test_options_validation_and_toml(tmp_path):
    with pytest.raises(InvalidParameterError, match="surogates.*Did you mean 'surrogates'"):
        make_options(surogates=10)
    with pytest.raises(InvalidParameterError, match="flow_method"):
        make_options(flow_method="magic")
    cfg = tmp_path / "run.toml"
    cfg.write_text('[run]\nepochs = 7\nseeds = [3, 4]\nquick = true\n')
    opts = options_from_toml(cfg)
    assert opts.epochs == 7 and opts.seeds == (3, 4) and opts.quick and opts.n_units == RunOptions.quick_options().n_units
    bad = tmp_path / "bad.toml"
    bad.write_text("epochs = [unclosed\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        options_from_toml(bad)
    typo = tmp_path / "typo.toml"
    typo.write_text("epoch = 3\n")
    with pytest.raises(InvalidParameterError, match="Did you mean 'epochs'"):
        options_from_toml(typo)
