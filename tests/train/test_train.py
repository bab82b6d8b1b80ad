"""Tests of infoflow.train.train: run folder, recording format, alignment, gradients, resume, seeds."""

import json
import math

import numpy as np
import pytest
import torch
import xarray as xr

from infoflow._validation import InvalidParameterError
from infoflow.models import GROUPS, build_model
from infoflow.train import TrainConfig, load_recording, train
from infoflow.train._gradstats import GradientStatistics

TINY = {"n_units": 6, "window": 6, "epochs": 3, "batch_size": 64, "lr": 1e-2}

VARIABLES = ("activity", "inputs", "target", "prediction", "train_loss", "val_loss", "test_loss",
             "grad_mean_norm", "grad_std_norm", "grad_batch_norm")


def _read_metrics(path):
    table = np.genfromtxt(path, delimiter=",", names=True)
    return {name: table[name] for name in table.dtype.names}


@pytest.fixture(scope="module")
def tiny_run(series, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    return train(data=series, out_dir=out, **TINY)


def test_run_folder_files(tiny_run):
    run_dir = tiny_run.run_dir
    for name in ("config.json", "metrics.csv", "recording.zarr"):
        assert (run_dir / name).exists()
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == [f"epoch_{e:04d}.pt" for e in range(4)]
    metrics = _read_metrics(run_dir / "metrics.csv")
    assert list(metrics) == ["epoch", "train_loss", "val_loss", "test_loss", "persistence_test_loss"]
    assert metrics["epoch"].tolist() == [0, 1, 2, 3]
    cfg = json.loads((run_dir / "config.json").read_text())
    assert cfg["n_units"] == 6 and cfg["seeds"] == [0] and cfg["dataset_label"] == "custom"
    assert TrainConfig.from_dict({k: v for k, v in cfg.items() if k in TrainConfig.__dataclass_fields__}).epochs == 3


def test_recording_dims_coords_attrs(tiny_run, series):
    ds = xr.open_zarr(tiny_run.recording_path).load()  # plain xarray can read it
    for var in VARIABLES:
        assert var in ds, var
    assert ds.activity.dims == ("epoch", "time", "neuron") and ds.activity.dtype == np.float32
    n_test = 400 - round(0.7 * 400) - round(0.1 * 400)
    n_windows = n_test - TINY["window"]  # one probe step per test window (horizon 1)
    assert ds.sizes == {"epoch": 4, "time": n_windows, "neuron": 6, "channel": 1, "group": 4,
                        "batch": math.ceil((round(0.7 * 400) - 6) / 64), "probe_step": n_test}
    assert ds.epoch.values.tolist() == [0, 1, 2, 3]
    assert [str(r) for r in ds.role.values] == ["input", "input", "hidden", "hidden", "hidden", "output"]
    assert [str(n) for n in ds.neuron.values] == ["in0", "in1", "h0", "h1", "h2", "out0"]
    assert [str(g) for g in ds.group.values] == list(GROUPS)
    assert ds.inputs.dims == ("time", "channel") and ds.target.dims == ("time",)
    assert ds.prediction.dims == ("epoch", "time")
    assert ds.grad_batch_norm.dims == ("epoch", "batch", "group")
    for key in ("model", "n_units", "dataset", "train_seed", "probe_split", "target_offset", "infoflow_version"):
        assert key in ds.attrs, key
    assert ds.attrs["target_offset"] == 0 and ds.attrs["probe_split"] == "test" and ds.attrs["train_seed"] == 0
    # gradients: NaN before training, finite and positive after
    assert np.isnan(ds.grad_mean_norm.sel(epoch=0)).all() and np.isnan(ds.grad_batch_norm.sel(epoch=0)).all()
    assert (ds.grad_mean_norm.sel(epoch=slice(1, None)) > 0).all()
    assert (ds.grad_std_norm.sel(epoch=slice(1, None)) >= 0).all()
    # the standardised test block is the probe series; the probe's input at time t is the last step of
    # the window ending there (read-out index window - offset); the FR read-out at t forecasts x_t
    raw_test = series[round(0.7 * 400) + round(0.1 * 400):]
    train_block = series[: round(0.7 * 400)]
    expected = (raw_test - train_block.mean()) / train_block.std()
    np.testing.assert_allclose(ds.probe_series.values[:, 0], expected, rtol=1e-5, atol=1e-6)
    assert ds.attrs["probe"] == "sliding windows" and ds.attrs["probe_first_step"] == TINY["window"]
    np.testing.assert_allclose(ds.inputs.values[:, 0], expected[TINY["window"]:], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ds.target.values, ds.inputs.values[:, 0])
    # losses are in the metrics file too, and training helped
    metrics = _read_metrics(tiny_run.metrics_path)
    np.testing.assert_allclose(metrics["test_loss"], ds.test_loss.values)
    assert ds.train_loss.values[-1] < ds.train_loss.values[0]
    # attrs are netCDF-safe
    ds.to_netcdf(tiny_run.run_dir / "roundtrip.nc", engine="scipy")


def test_probe_activity_is_each_windows_read_out_state(tiny_run):
    """The probe records, for each test window (from a zero state, as in training), the state and the
    forecast at its read-out step; its MSE is the windowed test MSE."""
    ds = load_recording(tiny_run.run_dir)
    net = build_model(n_units=6)
    read = ds.attrs["probe_first_step"]
    series = ds.probe_series.values
    windows = np.stack([series[i:i + read + 1] for i in range(ds.sizes["time"])])
    for epoch in (0, 3):
        state = torch.load(tiny_run.checkpoint_dir / f"epoch_{epoch:04d}.pt", weights_only=False)
        net.load_state_dict(state["model"])
        with torch.no_grad():
            pred, states = net(torch.from_numpy(windows))
        np.testing.assert_array_equal(states[:, read].numpy(), ds.activity.sel(epoch=epoch).values)
        np.testing.assert_array_equal(pred[:, read, 0].numpy(), ds.prediction.sel(epoch=epoch).values)
        probe_mse = float(np.mean((ds.prediction.sel(epoch=epoch).values.astype(float) - ds.target.values) ** 2))
        assert probe_mse == pytest.approx(float(ds.test_loss.sel(epoch=epoch)), rel=1e-5)
        # the state one step before the read-out of the next window is the same time, one input fewer
        res = ds.probe_window_residual.sel(epoch=epoch).item()
        prev, now = states[1:, read - 1].double().numpy(), states[:, read].double().numpy()
        spread = np.sqrt(np.mean((now - now.mean(0)) ** 2))
        assert res == pytest.approx(np.sqrt(np.mean((prev - now[:-1]) ** 2)) / spread, rel=1e-4)
    assert ds.attrs["probe_check_passed"] == 1 and ds.attrs["probe_check"].startswith("match")


def test_standard_arch_alignment(series, tmp_path):
    res = train(data=series, out_dir=tmp_path, arch="gru", **{**TINY, "epochs": 1})
    ds = load_recording(res.run_dir)
    assert ds.attrs["target_offset"] == 1
    # read-out at t forecasts x_{t+1}: the probe feeds x_0..x_{T-2}, targets x_1..x_{T-1}
    np.testing.assert_array_equal(ds.target.values[:-1], ds.inputs.values[1:, 0])
    assert [str(r) for r in ds.role.values].count("hidden") == 6
    np.testing.assert_array_equal(ds.activity.values[:, :, 0], np.broadcast_to(ds.inputs.values[:, 0],
                                                                               (2, ds.sizes["time"])))


def test_gradient_statistics_match_hand_computation():
    torch.manual_seed(0)
    net = build_model(n_units=4, seed=0)
    stats = GradientStatistics(net.parameter_groups())
    flat = {g: [] for g in GROUPS}
    for _ in range(3):
        x = torch.randn(5, 6, 1)
        net.zero_grad()
        pred, _ = net(x)
        torch.mean((pred[:, -1, 0] - x[:, -1, 0]) ** 2).backward()
        stats.update()
        for g, params in net.parameter_groups().items():
            flat[g].append(torch.cat([p.grad.reshape(-1) for p in params]).double().numpy())
    out = stats.finish()
    for i, g in enumerate(GROUPS):
        grads = np.stack(flat[g])  # (batch, n_params)
        np.testing.assert_allclose(out["grad_mean_norm"][i], np.linalg.norm(grads.mean(axis=0)), rtol=1e-10)
        np.testing.assert_allclose(out["grad_std_norm"][i], np.linalg.norm(grads.std(axis=0)), rtol=1e-7)
        np.testing.assert_allclose(out["grad_batch_norm"][:, i], np.linalg.norm(grads, axis=1), rtol=1e-10)


def test_recorded_gradients_equal_full_batch_gradient(series, tmp_path):
    """With one minibatch per epoch the epoch-1 statistics are the gradient at the initial weights."""
    res = train(data=series, out_dir=tmp_path, **{**TINY, "epochs": 1, "batch_size": 10_000})
    ds = load_recording(res.run_dir)
    assert ds.sizes["batch"] == 1
    net = build_model(n_units=6)
    net.load_state_dict(torch.load(res.checkpoint_dir / "epoch_0000.pt", weights_only=False)["model"])
    from infoflow.train._data import make_windows, prepare

    prep = prepare(TrainConfig(**{**TINY, "epochs": 1}), series)
    x, y = make_windows(prep.splits["train"], window=6, horizon=1)
    pred, _ = net(torch.from_numpy(x))
    torch.mean((pred[:, 6, :] - torch.from_numpy(y)) ** 2).backward()
    for i, params in enumerate(net.parameter_groups().values()):
        norm = float(torch.linalg.vector_norm(torch.cat([p.grad.reshape(-1) for p in params]).double()))
        np.testing.assert_allclose(ds.grad_mean_norm.values[1, i], norm, rtol=1e-6)
        np.testing.assert_allclose(ds.grad_batch_norm.values[1, 0, i], norm, rtol=1e-6)
        assert ds.grad_std_norm.values[1, i] == pytest.approx(0.0, abs=1e-9 * max(norm, 1))


def test_fixed_weight_gradients_match_hand_computation_and_leave_training_alone(series, tmp_path):
    """grad_fixed_*: minibatch gradients at the checkpointed end-of-epoch weights, with no update."""
    res = train(data=series, out_dir=tmp_path / "on", **{**TINY, "epochs": 2, "grad_fixed_batches": 3})
    ds = load_recording(res.run_dir)
    assert ds.grad_fixed_mean_norm.dims == ("epoch", "group")
    assert np.isfinite(ds.grad_fixed_mean_norm.sel(epoch=0)).all()  # measured before training too
    from infoflow.train._data import make_windows, prepare

    prep = prepare(TrainConfig(**{**TINY, "epochs": 2}), series)
    x, y = make_windows(prep.splits["train"], window=6, horizon=1)
    x, y = torch.from_numpy(x[:, :7]), torch.from_numpy(y)
    for epoch in (0, 2):
        net = build_model(n_units=6)
        net.load_state_dict(torch.load(res.checkpoint_dir / f"epoch_{epoch:04d}.pt", weights_only=False)["model"])
        order = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(0 * 1_000_003 + epoch))
        flat = {g: [] for g in GROUPS}
        for b in range(3):
            idx = order[b * 64:(b + 1) * 64]
            net.zero_grad()
            pred, _ = net(x[idx])
            torch.mean((pred[:, 6, :] - y[idx]) ** 2).backward()
            for g, params in net.parameter_groups().items():
                flat[g].append(torch.cat([p.grad.reshape(-1) for p in params]).double().numpy())
        for i, g in enumerate(GROUPS):
            grads = np.stack(flat[g])
            np.testing.assert_allclose(ds.grad_fixed_mean_norm.values[epoch, i], np.linalg.norm(grads.mean(axis=0)),
                                       rtol=1e-5)
            np.testing.assert_allclose(ds.grad_fixed_std_norm.values[epoch, i], np.linalg.norm(grads.std(axis=0)),
                                       rtol=1e-4, atol=1e-12)
    # the measurement uses its own random stream and no update: training is the same without it
    off = train(data=series, out_dir=tmp_path / "off", **{**TINY, "epochs": 2, "grad_fixed_batches": 0})
    assert (res.run_dir / "metrics.csv").read_text() == (off.run_dir / "metrics.csv").read_text()
    assert "grad_fixed_mean_norm" not in load_recording(off.run_dir)


class _Stop(Exception):
    pass


def _identical_runs(a, b):
    ra, rb = load_recording(a), load_recording(b)
    assert ra.identical(rb)
    for var in VARIABLES:
        np.testing.assert_array_equal(ra[var].values, rb[var].values)
    assert (a / "metrics.csv").read_text() == (b / "metrics.csv").read_text()


def test_resume_is_bitwise_identical_and_runs_are_deterministic(series, tmp_path):
    full = train(data=series, out_dir=tmp_path / "full", **TINY)
    again = train(data=series, out_dir=tmp_path / "again", **TINY)
    _identical_runs(full.run_dir, again.run_dir)  # same seed -> identical recording

    def interrupt(done, total):
        if done == 2:
            raise _Stop

    with pytest.raises(_Stop):
        train(data=series, out_dir=tmp_path / "cut", callback=interrupt, **TINY)
    partial = load_recording(tmp_path / "cut")  # a valid recording of the checkpointed epochs
    assert partial.attrs["complete"] == 0 and partial.epoch.values.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(partial.activity.values, load_recording(full.run_dir).activity.values[:3])
    assert len(list((tmp_path / "cut" / "checkpoints").glob("*.pt"))) == 3
    with pytest.raises(FileExistsError, match="resume"):
        train(data=series, out_dir=tmp_path / "cut", **TINY)
    resumed = train(data=series, out_dir=tmp_path / "cut", resume=True, **TINY)
    _identical_runs(full.run_dir, resumed.run_dir)
    assert load_recording(resumed.run_dir).attrs["complete"] == 1

    other = train(data=series, out_dir=tmp_path / "other", **{**TINY, "seeds": (1,)})
    assert not np.array_equal(load_recording(other.run_dir).activity.values,
                              load_recording(full.run_dir).activity.values)


def test_resume_with_other_options_is_refused(series, tmp_path):
    train(data=series, out_dir=tmp_path, **{**TINY, "epochs": 1})
    with pytest.raises(InvalidParameterError, match="lr"):
        train(data=series, out_dir=tmp_path, resume=True, **{**TINY, "epochs": 1, "lr": 0.5})
    with pytest.raises(InvalidParameterError, match="data_fingerprint"):
        train(data=series[::-1].copy(), out_dir=tmp_path, resume=True, **{**TINY, "epochs": 1})
    longer = train(data=series, out_dir=tmp_path, resume=True, **{**TINY, "epochs": 2})  # more epochs is fine
    assert longer.epochs_trained == 2


def test_several_seeds_write_subfolders(series, tmp_path):
    res = train(data=series, out_dir=tmp_path, seeds=(0, 1), **{**TINY, "epochs": 1})
    assert [r.seed for r in res.runs] == [0, 1]
    for s in (0, 1):
        ds = load_recording(tmp_path / f"seed_{s}")
        assert ds.attrs["train_seed"] == s
    assert (tmp_path / "config.json").exists()
    with pytest.raises(FileNotFoundError, match="seed_0"):
        load_recording(tmp_path)


def test_callback_progress(series, tmp_path):
    calls = []
    train(data=series, out_dir=tmp_path, seeds=(0, 1), callback=lambda d, t: calls.append((d, t)),
          **{**TINY, "epochs": 2})
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_early_stopping(series, tmp_path):
    # lr so small that float32 weights cannot move: validation loss never improves after epoch 1
    res = train(data=series, out_dir=tmp_path, patience=2, **{**TINY, "epochs": 10, "lr": 1e-12})
    assert res.stopped_early and res.epochs_trained == 3 and res.best_epoch == 1
    assert load_recording(res.run_dir).sizes["epoch"] == 4


def test_default_dataset_epoch_zero(tmp_path):
    """The bundled Greensboro series end to end (no training): persistence as measured (0.0191); one probe
    step per test window (1752 steps, windows of 24 past steps)."""
    res = train(out_dir=tmp_path, epochs=0, n_units=8)
    ds = load_recording(res.run_dir)
    assert res.metrics["persistence_test_loss"] == pytest.approx(0.0191, abs=5e-4)
    assert ds.attrs["dataset"] == "greensboro" and ds.sizes["time"] == 1752 - 24 and ds.sizes["epoch"] == 1
    assert [str(c) for c in ds.channel.values] == ["temperature"]


@pytest.mark.parametrize("options,match", [
    ({"epochs": -1}, "epochs"),
    ({"arch": "rnn"}, "arch"),
    ({"lr": 0}, "lr"),
    ({"probe_split": "tests"}, "Did you mean 'test'"),
    ({"fractions": (0.5, 0.5, 0.5)}, "fractions"),
    ({"n_output_units": 2}, "horizon"),
    ({"seeds": (0, 0)}, "repeated"),
    ({"epohcs": 3}, "Did you mean 'epochs'"),
    ({"csv": "x.csv"}, "value_columns"),
])
def test_bad_options_raise(series, tmp_path, options, match):
    with pytest.raises(InvalidParameterError, match=match):
        train(data=series, out_dir=tmp_path, **options)


@pytest.mark.parametrize("bad,match", [
    (np.full(400, 3.0), "constant"),
    (np.r_[np.zeros(5), np.nan, np.arange(394.0)], "NaN"),
    (np.arange(30.0), "window"),
])
def test_bad_data_raise(bad, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        train(data=bad, out_dir=tmp_path, **TINY)


@pytest.mark.parametrize("options", [{"horizon": 2}, {"nonlinearity": "sigmoid"}, {"arch": "lstm", "horizon": 2},
                                     {"probe_split": "val"}])
def test_other_configurations_train(series, tmp_path, options):
    res = train(data=series, out_dir=tmp_path, **{**TINY, "epochs": 1, **options})
    ds = load_recording(res.run_dir)
    assert np.isfinite(ds.activity.values).all() and np.isfinite(ds.test_loss.values).all()
    horizon = options.get("horizon", 1)
    assert [str(r) for r in ds.role.values].count("output") == horizon
    assert ds.attrs["horizon"] == horizon and ds.attrs["probe_split"] == options.get("probe_split", "test")
    if "probe_split" in options:
        assert ds.sizes["time"] == round(0.1 * 400) - TINY["window"]
    if horizon == 1:  # the probe's MSE is the windowed MSE of its own split
        assert ds.attrs["probe_check_passed"] == 1
        assert f"windowed {ds.attrs['probe_split']} MSE" in ds.attrs["probe_check"]
