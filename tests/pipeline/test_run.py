import json

import pytest

from infoflow._validation import InvalidParameterError
from infoflow.pipeline import RunOptions, make_options, options_from_toml, run_pipeline, tracked_epochs

SECTIONS = ("q1_direction", "q2_layers", "q3_bottleneck", "q4_indicators", "q5_phases")


def test_every_stage_writes_its_files(tiny_run):
    out, result = tiny_run
    for name in ("report.html", "summary.json", "dynamics.json", "information_plane.nc", "run_options.json",
                 "seed_0/flow.nc", "seed_0/structure.json", "seed_0/recording.zarr", "seed_1/flow_epochs.nc",
                 "seed_1/structure_epochs.json", "seed_0/flow_tdmi.nc", "seed_0/structure_tdmi.json",
                 "untrained_flow.nc", "untrained.json", "seed_0/network.nc"):
        assert (out / name).exists(), name
    assert not result.skipped
    assert {"train", "flow", "flow(flow)", "structure", "structure(flow)", "untrained_flow", "untrained", "network",
            "bottleneck", "dynamics", "report"} <= set(result.ran)
    assert list((out / "figures").glob("*.svg")), "figures are saved as SVG too"


def test_summary_keys_are_fixed_and_answers_valid(tiny_run):
    out, _ = tiny_run
    s = json.loads((out / "summary.json").read_text())
    assert list(s) == ["infoflow_version", "run", "setup", *SECTIONS, "methods", "significant_edges",
                       "effective_network", "warnings", "figures"]
    for key in SECTIONS:
        assert s[key]["answer"] in {"yes", "no", "inconclusive", "unavailable"}
        assert s[key]["sentence"]
        extra = {"agreement"} if key in ("q1_direction", "q2_layers") else set()
        assert set(s[key]) == {"answer", "sentence", "table", "notes"} | extra
    # the training stage ran, so every section has numbers
    assert all(s[k]["answer"] != "unavailable" for k in SECTIONS)
    assert s["methods"]["units"] == "nats"
    # the effective network beside the bivariate graph: numbers from network.nc, stated in Q1
    from infoflow._io import load_dataset

    net = load_dataset(out / "seed_0" / "network.nc")
    last = s["effective_network"]["epochs"][str(int(net["epoch"].values[-1]))]
    assert last["direct_links"] == int(net["significant"].isel(epoch=-1).sum())
    assert last["bivariate_and_direct"] <= min(last["bivariate_pairs"], last["direct_links"])
    assert s["effective_network"]["sentence"] in s["q1_direction"]["notes"]


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
    assert opts.train.epochs == 7 and opts.train.seeds == (3, 4) and opts.quick
    assert opts.train.n_units == RunOptions.quick_options().train.n_units
    bad = tmp_path / "bad.toml"
    bad.write_text("epochs = [unclosed\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        options_from_toml(bad)
    typo = tmp_path / "typo.toml"
    typo.write_text("epoch = 3\n")
    with pytest.raises(InvalidParameterError, match="Did you mean 'epochs'"):
        options_from_toml(typo)


def test_untrained_ensemble_and_both_measures(tiny_run, tiny_options):
    """Q1 rests on untrained networks (every seed's epoch 0 + initialisations); both measures are answered."""
    import numpy as np

    from infoflow._io import load_dataset
    from infoflow.pipeline._untrained import record_untrained
    from infoflow.train import load_recording

    out, _ = tiny_run
    s = json.loads((out / "summary.json").read_text())
    ut = json.loads((out / "untrained.json").read_text())
    assert set(ut) == {"te", "flow"}
    n_seeds = len(tiny_options["seeds"])
    for m in ut.values():
        assert m["n_untrained"] == RunOptions().n_untrained and m["n_trained"] == n_seeds
        assert m["n_extra_initialisations"] == RunOptions().n_untrained - n_seeds
        assert m["statistics"]["f0"]["verdict"] in {"yes", "no", "inconclusive", "not available"}
    q1 = s["q1_direction"]["table"]
    for label in ("TE", "TDMI - MI"):
        assert q1[f"F0, {label}: p-value vs untrained networks"] == round(ut["te" if label == "TE" else "flow"]
                                                                         ["statistics"]["f0"]["pvalue"], 4)
        assert f"F0, {label}: trained - untrained" in q1 and f"F0, {label}: p-value (graph null, seed 0)" in q1
        basis = q1[f"{label}: direction answer rests on"]
        assert "untrained networks" in basis and "bivariate" in basis
    assert "number of layers" in s["q2_layers"]["table"] and "number of layers, TDMI - MI" in s["q2_layers"]["table"]
    for key in ("q1_direction", "q2_layers"):
        text = s[key]["agreement"]
        assert "TDMI - MI" in text and "not itself" in text and "follows TE" in text
    # the Q1 answer follows the untrained test of TE (both F0 and downhill must agree for yes/no)
    v = {ut["te"]["statistics"][k]["verdict"] for k in ("f0", "downhill_fraction")}
    expected = "yes" if v == {"yes"} else ("no" if v == {"no"} else "inconclusive")
    assert s["q1_direction"]["answer"] == expected
    # an extra initialisation with a training seed's number is exactly that seed's epoch 0
    rec = load_recording(out / "seed_1" / "recording.zarr")
    cfg = json.loads((out / "seed_1" / "config.json").read_text())
    again = record_untrained(rec, cfg, 1, seed_base=1)
    np.testing.assert_array_equal(again.activity.values[0], rec.activity.sel(epoch=0).values)
    # every flow analysed the sliding-window probe (no zero-state transient to drop), whose MSE is the
    # windowed test MSE (the check is in every seed's recording and in the summary)
    assert rec.attrs["probe"] == "sliding windows" and rec.attrs["probe_transient_steps"] == 0
    for d in ("seed_0", "seed_1"):
        attrs = load_recording(out / d / "recording.zarr").attrs
        assert attrs["probe_check_passed"] == 1 and abs(attrs["probe_loss_ratio"] - 1) <= attrs["probe_tolerance"]
    assert q1["probe: check (seed 0)"].startswith("match")
    for name in ("seed_0/flow.nc", "seed_0/flow_tdmi.nc", "seed_1/flow_epochs.nc", "untrained_flow.nc"):
        ds = load_dataset(out / name)
        assert "transient_dropped" not in ds.attrs, name
        assert ds.attrs["n_samples"] == rec.sizes["time"], name
    assert load_dataset(out / "seed_0/flow_tdmi.nc").attrs["measure"] == "flow"
    # the tracked flows and the untrained networks' flows use the run's tracked estimator (KSG by default)
    for name in ("seed_0/flow_epochs.nc", "seed_1/flow_epochs.nc", "untrained_flow.nc"):
        assert load_dataset(out / name).attrs["estimator"] == RunOptions().track_method == "ksg", name


def _units(seed: int, square: float = 0.0, gain: float | None = None, n_time: int = 2000):
    """8 AR(1) units; unit 0 drives unit 1 through its square (non-monotone) with weight `square`."""
    import numpy as np

    rng = np.random.default_rng(seed)
    a = rng.uniform(0.3, 0.9, 8)
    x = np.zeros((n_time + 200, 8))
    e = rng.standard_normal(x.shape)
    for t in range(1, x.shape[0]):
        x[t] = a * x[t - 1] + e[t]
        x[t, 1] += square * (x[t - 1, 0] ** 2 * (1 - a[0] ** 2) - 1)
    x = x[200:] / x[200:].std(axis=0)
    return np.tanh(gain * x) if gain else x


def test_tracked_default_finds_a_non_monotone_link_and_no_link_among_independent_units():
    """The run's tracked flow (its estimator, lags, alpha and surrogates) finds a link through a square,
    which the Gaussian copula cannot see, and nothing among independent saturated units
    (benchmarks/verdicts.py runs the full families: "tracked flow" rows)."""
    import warnings

    from infoflow.flow import information_flow

    o = RunOptions()
    kw = dict(lags=o.lags, alpha=o.alpha, scheduler="inprocess")
    found = copula = false = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(3):
            x = _units(seed, square=0.5)
            sig = information_flow(x, method=o.track_method, surrogates=o.track_surrogates, seed=seed,
                                   **kw)["significant"].values
            found += bool(sig[0, 1])
            false += int(sig.sum() - sig[0, 1])
            copula += bool(information_flow(x, method="gaussian_copula", surrogates=o.track_surrogates, seed=seed,
                                            **kw)["significant"].values[0, 1])
            false += int(information_flow(_units(seed + 10, gain=3.0, n_time=800), method=o.track_method,
                                          surrogates=o.track_surrogates, seed=seed, **kw)["significant"].values.sum())
    assert found == 3 and copula == 0
    assert false == 0


def test_n_untrained_validation():
    with pytest.raises(InvalidParameterError, match="n_untrained"):
        make_options(n_untrained=1)
    with pytest.raises(InvalidParameterError, match="n_untrained"):
        make_options(n_untrained=-2)
    assert make_options(n_untrained=0).n_untrained == 0


# run_options.json of a default run written before RunOptions held a TrainConfig (flat keys)
OLD_RUN_OPTIONS_JSON = (
    '{"dataset": "greensboro", "csv": null, "value_columns": null, "time_column": null, "fill": null, '
    '"channels": ["temperature"], "arch": "fully_recurrent", "n_units": 32, "epochs": 60, "lr": 0.003, '
    '"batch_size": 128, "seeds": [0, 1, 2], "flow_method": "gaussian_copula", "measure": "te", "lags": [1, 2, 3], '
    '"surrogates": 100, "alpha": 0.05, "screen": true, "condition_on_input": false, "theiler": 0, '
    '"track_method": "gaussian_copula", "track_every": 5, "track_surrogates": 50, "scheduler": null, "n_null": 199, '
    '"n_untrained": 20, "ip_estimators": ["binning", "kde", "gaussian_copula"], "ip_window": 24, "ip_every": 1, '
    '"ip_per_neuron": ["binning", "gaussian_copula", "ksg"], "ip_max_samples": 1000, "ksg_check": true, '
    '"network_method": "gaussian_copula", "quick": false}')


def test_run_options_hold_a_train_config_and_round_trip(tmp_path):
    import json

    from infoflow.pipeline import RUN_SEEDS
    from infoflow.train import TrainConfig

    assert RunOptions().train == TrainConfig(seeds=RUN_SEEDS)  # the training defaults are TrainConfig's own
    o = make_options(epochs=7, window=12, n_null=29, lags=[1, 2])
    assert isinstance(o.train, TrainConfig) and o.train.epochs == 7 and o.train.window == 12
    assert o.train.seeds == RUN_SEEDS and o.lags == (1, 2) and o.n_null == 29
    path = tmp_path / "run_options.json"
    path.write_text(json.dumps(o.to_dict()))
    back = RunOptions.from_dict(json.loads(path.read_text()))
    assert back == o and back.to_dict() == o.to_dict()
    quick = RunOptions.quick_options()
    assert RunOptions.from_dict(json.loads(json.dumps(quick.to_dict()))) == quick and quick.quick
    given = make_options(train=TrainConfig(epochs=3, seeds=(5,)), n_units=8)
    assert given.train == TrainConfig(epochs=3, seeds=(5,), n_units=8)
    with pytest.raises(InvalidParameterError, match="window"):
        make_options(window=0)  # TrainConfig's own check
    with pytest.raises(InvalidParameterError, match="train must be"):
        make_options(train={"epochs": 3})


def test_old_run_options_json_still_loads_and_keeps_the_train_stage_up_to_date():
    import dataclasses
    import json

    old = json.loads(OLD_RUN_OPTIONS_JSON)
    # the tracked flow's defaults changed since (issue 17: KSG with 20 surrogates); the file keeps the old ones
    then = dataclasses.replace(RunOptions(), track_method="gaussian_copula", track_surrogates=50)
    assert RunOptions.from_dict(old) == then != RunOptions()
    assert then.to_dict().items() >= old.items()  # the new file holds every old key, same values
    # the train stage's record is what it was, so a re-run of an old folder does not train again
    stage = RunOptions().train_options()
    assert list(stage) == list(old)[:12]
    assert all((list(v) if isinstance(v, tuple) else v) == old[k] for k, v in stage.items())
    assert make_options(window=12).train_options()["window"] == 12  # a newly settable option does count
