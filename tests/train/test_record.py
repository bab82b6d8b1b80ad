"""Tests of infoflow.train.record (user RNNs -> recording format) and load_recording's file inputs."""

import numpy as np
import pytest
import torch
from torch import nn

import infoflow
from infoflow._validation import InfoflowWarning, InvalidParameterError
from infoflow.models import build_model
from infoflow.train import load_recording, record


def _module(cls, **kw):
    torch.manual_seed(0)
    return cls(2, 5, **kw)


@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU, nn.LSTM])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("batch_first", [True, False])
def test_record_torch_rnns_equal_module_outputs(cls, num_layers, batch_first):
    rnn = _module(cls, num_layers=num_layers, batch_first=batch_first)
    x = torch.randn(3, 11, 2)  # record() is always batch-first
    ds = record(rnn, x)
    n = 2 + 5 * num_layers
    assert ds.activity.dims == ("epoch", "time", "neuron") and ds.activity.shape == (3, 11, n)
    assert [str(r) for r in ds.role.values] == ["input"] * 2 + ["hidden"] * 5 * num_layers
    assert ds.layer.values.tolist() == [0, 0] + [i + 1 for i in range(num_layers) for _ in range(5)]
    with torch.no_grad():
        out, h_n = rnn(x if batch_first else x.transpose(0, 1))
    if cls is nn.LSTM:
        h_n = h_n[0]
    out = out if batch_first else out.transpose(0, 1)
    act = torch.from_numpy(ds.activity.values)
    torch.testing.assert_close(act[..., :2], x)
    torch.testing.assert_close(act[..., -5:], out, rtol=1e-6, atol=1e-6)  # last layer = module output
    for layer in range(num_layers):  # every layer's last state = the module's h_n
        block = act[:, -1, 2 + 5 * layer: 2 + 5 * (layer + 1)]
        torch.testing.assert_close(block, h_n[layer], rtol=1e-6, atol=1e-6)
    ids = [str(i) for i in ds.neuron.values]
    assert ids[2] == ("h0" if num_layers == 1 else "l0_h0")
    assert ds.inputs.dims == ("epoch", "time", "channel")


def test_record_lstm_cell_states_and_bidirectional():
    lstm = _module(nn.LSTM, num_layers=2, batch_first=True, bidirectional=True)
    x = torch.randn(2, 7, 2)
    ds = record(lstm, x, cell_state=True)
    with torch.no_grad():
        out, (h_n, c_n) = lstm(x)
    ids = [str(i) for i in ds.neuron.values]
    act = ds.activity.values
    last_h = [ids.index(f"l1_h{i}") for i in range(5)] + [ids.index(f"l1_h{i}_rev") for i in range(5)]
    np.testing.assert_allclose(act[..., last_h], out.numpy(), rtol=1e-5, atol=1e-6)
    c_fwd = [ids.index(f"l1_c{i}") for i in range(5)]
    np.testing.assert_allclose(act[:, -1, c_fwd], c_n[2].numpy(), rtol=1e-5, atol=1e-6)  # layer 1 forward
    c_rev0 = [ids.index(f"l0_c{i}_rev") for i in range(5)]
    np.testing.assert_allclose(act[:, 0, c_rev0], c_n[1].numpy(), rtol=1e-5, atol=1e-6)  # reverse ends at t=0
    assert ds.sizes["neuron"] == 2 + 2 * 2 * 2 * 5


def test_record_readout_single_sequence_and_top_level_name():
    rnn = _module(nn.GRU, batch_first=True)
    readout = nn.Linear(5, 1)
    x = np.random.default_rng(0).standard_normal((20, 2))
    ds = infoflow.record(rnn, x, readout=readout)
    assert ds.activity.shape == (1, 20, 8) and str(ds.role.values[-1]) == "output"
    assert ds.inputs.dims == ("time", "channel")
    with torch.no_grad():
        expected = readout(rnn(torch.as_tensor(x, dtype=torch.float32)[None])[0])[0, :, 0].numpy()
    np.testing.assert_allclose(ds.prediction.values[0], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ds.activity.values[0, :, -1], expected, rtol=1e-5, atol=1e-6)


def test_record_infoflow_model_and_generic_module():
    net = build_model(n_units=6, seed=0)
    x = torch.randn(1, 15, 1)
    ds = record(net, x)
    _, states = net(x)
    np.testing.assert_array_equal(ds.activity.values[0], states[0].detach().numpy())
    assert tuple(str(r) for r in ds.role.values) == net.roles

    class Custom(nn.Module):
        def forward(self, x):
            return torch.tanh(torch.cumsum(x, dim=1)).repeat(1, 1, 3), "extra"

    ds = record(Custom(), x, roles=["input", "hidden", "hidden", "output"], neuron_ids=["a", "b", "c", "d"])
    assert [str(n) for n in ds.neuron.values] == ["a", "b", "c", "d"]
    np.testing.assert_allclose(ds.activity.values[0, :, 1], np.tanh(np.cumsum(x[0, :, 0].numpy())), rtol=1e-6)


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"roles": ["hidden"]}, ValueError, "1 roles given for 7"),
    ({"roles": ["input"] * 2 + ["brain"] * 5}, ValueError, "unknown role"),
    ({"cell_state": True}, InvalidParameterError, "nn.LSTM"),
    ({"readout": "linear"}, InvalidParameterError, "readout"),
])
def test_record_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        record(_module(nn.GRU, batch_first=True), torch.randn(10, 2), **kwargs)


def test_record_bad_inputs():
    gru = _module(nn.GRU, batch_first=True)
    with pytest.raises(ValueError, match="channels"):
        record(gru, torch.randn(10, 3))
    with pytest.raises(ValueError, match="NaN"):
        record(gru, np.full((10, 2), np.nan))
    with pytest.raises(InvalidParameterError, match="instance of Module"):
        record(lambda x: x, torch.randn(10, 2))


def test_load_recording_from_arrays(tmp_path):
    act = np.random.default_rng(1).standard_normal((2, 30, 3))
    np.save(tmp_path / "a.npy", act)
    ds = load_recording(tmp_path / "a.npy", roles=["input", "hidden", "output"])
    assert ds.activity.dims == ("epoch", "time", "neuron") and ds.activity.shape == (2, 30, 3)
    assert [str(r) for r in ds.role.values] == ["input", "hidden", "output"]
    np.testing.assert_allclose(ds.activity.values, act.astype(np.float32))

    np.savez(tmp_path / "b.npz", activity=act[0], roles=np.array(["input", "hidden", "hidden"]),
             neuron_ids=np.array(["x", "y", "z"]))
    ds = load_recording(tmp_path / "b.npz")
    assert ds.activity.shape == (1, 30, 3) and [str(n) for n in ds.neuron.values] == ["x", "y", "z"]

    np.savetxt(tmp_path / "c.csv", act[0], delimiter=",", header="u,v,w", comments="")
    ds = load_recording(tmp_path / "c.csv", roles=["hidden"] * 3)
    assert [str(n) for n in ds.neuron.values] == ["u", "v", "w"]
    np.testing.assert_allclose(ds.activity.values[0], act[0], rtol=1e-6)

    nc = tmp_path / "d.nc"
    ds.to_netcdf(nc, engine="scipy")
    assert load_recording(nc).activity.shape == (1, 30, 3)


def test_load_recording_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_recording(tmp_path / "missing.zarr")
    with pytest.raises(FileNotFoundError, match="infoflow train"):
        load_recording(tmp_path)
    (tmp_path / "x.txt").write_text("1,2")
    with pytest.raises(ValueError, match="unknown file type"):
        load_recording(tmp_path / "x.txt")
    np.save(tmp_path / "bad.npy", np.zeros((4, 5, 6, 7)))
    with pytest.raises(ValueError, match="dimensions|2-D|shape"):
        load_recording(tmp_path / "bad.npy")
    np.save(tmp_path / "short.npy", np.zeros((5, 2)))
    with pytest.raises(ValueError, match="1 roles given for 2 neurons"):
        load_recording(tmp_path / "short.npy", roles=["hidden"])


def test_probe_is_the_tested_regime_and_a_stateful_run_is_not(series, tmp_path):
    """The sliding-window probe's MSE equals the windowed test MSE (within PROBE_TOLERANCE, recorded with
    both MSEs and pass/fail); the stateful run the probe used to be, transient dropped, fails the same
    check on the same trained network (its state carries memory older than any window)."""
    import torch
    import xarray as xr

    from infoflow.models import build_model
    from infoflow.train import train
    from infoflow.train._recording import PROBE_TOLERANCE, _probe_check, probe_transient

    res = train(data=series, out_dir=tmp_path, n_units=6, epochs=4, window=6, gain=1.5, batch_size=64, seeds=(0,))
    ds = load_recording(res.run_dir)
    assert probe_transient(ds.attrs) == 0 and ds.attrs["probe_transient_steps"] == 0
    err = ds.prediction.values.astype(float) - ds.target.values[None].astype(float)
    np.testing.assert_allclose(ds.probe_loss.values, (err**2).mean(axis=1), rtol=1e-10)
    np.testing.assert_allclose(ds.probe_loss.values, ds.test_loss.values, rtol=1e-5)  # every epoch, not just the last
    assert ds.attrs["probe_loss_last"] == pytest.approx(ds.probe_loss.values[-1])
    assert ds.attrs["probe_windowed_loss_last"] == pytest.approx(ds.test_loss.values[-1])
    assert abs(ds.attrs["probe_loss_ratio"] - 1) <= PROBE_TOLERANCE == ds.attrs["probe_tolerance"]
    assert ds.attrs["probe_check_passed"] == 1 and ds.attrs["probe_check"].startswith("match")
    # the old probe: one stateful run over the split from a zero state, first window - offset steps dropped
    net = build_model(n_units=6, gain=1.5)
    net.load_state_dict(torch.load(res.checkpoint_dir / "epoch_0004.pt", weights_only=False)["model"])
    with torch.no_grad():
        pred, _ = net(torch.from_numpy(ds.probe_series.values)[None])
    read = ds.attrs["probe_first_step"]
    full_target = np.concatenate([ds.probe_series.values[:read, 0], ds.target.values])
    old = xr.Dataset({"prediction": (("epoch", "time"), pred[:, :full_target.size, 0].numpy()),
                      "target": ("time", full_target), "test_loss": ("epoch", ds.test_loss.values[-1:])},
                     attrs={k: v for k, v in ds.attrs.items() if k not in ("probe", "probe_transient_steps")})
    with pytest.warns(InfoflowWarning, match="MISMATCH.*stateful run.*not the regime"):
        out = _probe_check(old)
    assert out.attrs["probe_transient_steps"] == read and out.attrs["probe_check_passed"] == 0
    assert abs(out.attrs["probe_loss_ratio"] - 1) > 5 * PROBE_TOLERANCE  # measured 0.40


def test_probe_check_flags_a_mismatch():
    import xarray as xr

    from infoflow.train._recording import _probe_check

    n = 50
    target = np.sin(np.arange(n) / 3.0)
    pred = np.stack([target + 0.5, target + 0.01])  # epoch 1's forecasts are good on the probe
    ds = xr.Dataset({"prediction": (("epoch", "time"), pred), "target": ("time", target),
                     "test_loss": ("epoch", [0.25, 0.5])},  # ...but the windows say otherwise
                    attrs={"window": 10, "target_offset": 0, "probe_split": "test", "horizon": 1})
    with pytest.warns(InfoflowWarning, match="MISMATCH"):
        out = _probe_check(ds)
    assert out.attrs["probe_check"].startswith("MISMATCH") and out.attrs["probe_transient_steps"] == 10
    assert out.probe_loss.values[-1] == pytest.approx(1e-4)
    ok = _probe_check(ds.assign(test_loss=("epoch", [0.25, 1e-4])))
    assert ok.attrs["probe_check"].startswith("match")
