"""Tests of infoflow.models: shapes, roles, parameter groups, timing of the fully recurrent net."""

import pytest
import torch

from infoflow._validation import InvalidParameterError
from infoflow.models import ARCHITECTURES, GROUPS, FullyRecurrentNet, build_model

ARCHS = list(ARCHITECTURES)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("n_channels,horizon", [(1, 1), (3, 2)])
def test_shapes_roles_and_groups(arch, n_channels, horizon):
    net = build_model(arch, n_channels=n_channels, n_units=7, n_output_units=horizon, seed=0)
    pred, states = net(torch.randn(4, 9, n_channels))
    assert pred.shape == (4, 9, horizon)
    assert states.shape == (4, 9, net.n_units) == (4, 9, len(net.neuron_ids)) == (4, 9, len(net.roles))
    assert len(set(net.neuron_ids)) == net.n_units
    assert set(net.roles) == {"input", "hidden", "output"}
    assert net.roles.count("output") == horizon
    # roles are ordered input -> hidden -> output, with ids to match
    assert list(net.roles) == sorted(net.roles, key=["input", "hidden", "output"].index)
    assert all(i.startswith({"input": "in", "hidden": "h", "output": "out"}[r])
               for i, r in zip(net.neuron_ids, net.roles))
    groups = net.parameter_groups()
    assert tuple(groups) == GROUPS
    grouped = [id(p) for ps in groups.values() for p in ps]
    assert sorted(grouped) == sorted(id(p) for p in net.parameters())  # each parameter exactly once


def test_fully_recurrent_counts():
    net = build_model(n_units=32, n_input_units=2, n_output_units=1)
    assert net.roles.count("input") == 2 and net.roles.count("hidden") == 29 and net.roles.count("output") == 1
    assert net.target_offset == 0
    assert net.neuron_ids[0] == "in0" and net.neuron_ids[-1] == "out0"


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "sigmoid"])
def test_fully_recurrent_output_cannot_see_current_input(nonlinearity):
    net = build_model(n_units=8, nonlinearity=nonlinearity, seed=1)
    x = torch.randn(2, 12, 1)
    t = 7
    x2 = x.clone()
    x2[:, t] += 3.0
    with torch.no_grad():
        p1, s1 = net(x)
        p2, s2 = net(x2)
    # up to and including step t the output unit (and its read-out) is unchanged...
    assert torch.equal(p1[:, : t + 1], p2[:, : t + 1])
    assert torch.equal(s1[:, : t + 1, -1], s2[:, : t + 1, -1])
    # ... while the input units react at t and the output one step later
    assert not torch.equal(s1[:, t, :2], s2[:, t, :2])
    assert not torch.equal(p1[:, t + 1], p2[:, t + 1])


def test_fully_recurrent_matches_update_equation():
    net = build_model(n_units=5, n_input_units=2, seed=3)
    with torch.no_grad():
        net.bias.normal_()
        x = torch.randn(1, 4, 1)
        pred, states = net(x)
        h = torch.zeros(5)
        for t in range(4):
            drive = torch.zeros(5)
            drive[:2] = net.weight_in @ x[0, t]
            h = torch.tanh(net.weight_rec @ h + drive + net.bias)
            torch.testing.assert_close(states[0, t], h)
            torch.testing.assert_close(pred[0, t], h[-1:] * net.readout_weight + net.readout_bias)


@pytest.mark.parametrize("arch", ["elman", "gru", "lstm"])
def test_standard_timing_and_recorded_inputs(arch):
    net = build_model(arch, n_units=6, seed=0)
    assert net.target_offset == 1
    x = torch.randn(2, 10, 1)
    x2 = x.clone()
    x2[:, 5] += 2.0
    with torch.no_grad():
        p1, s1 = net(x)
        p2, _ = net(x2)
    assert torch.equal(s1[..., :1], x)  # the input channel is recorded as the "input" neuron
    torch.testing.assert_close(s1[..., -1:], p1)  # the read-out is the "output" neuron
    assert torch.equal(p1[:, :5], p2[:, :5]) and not torch.equal(p1[:, 5], p2[:, 5])


@pytest.mark.parametrize("gain", [0.5, 1.5])
def test_orthogonal_init_scaled_by_gain(gain):
    net = build_model(n_units=10, init="orthogonal", gain=gain, seed=0)
    w = net.weight_rec.detach()
    torch.testing.assert_close(w @ w.T, gain**2 * torch.eye(10), atol=1e-5, rtol=0)
    gru = build_model("gru", n_units=4, init="orthogonal", gain=gain, seed=0)
    block = gru.rnn.weight_hh_l0.detach()[:4]
    torch.testing.assert_close(block @ block.T, gain**2 * torch.eye(4), atol=1e-5, rtol=0)


def test_same_seed_same_weights():
    a, b = build_model(seed=5), build_model(seed=5)
    c = build_model(seed=6)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.weight_rec, c.weight_rec)


@pytest.mark.parametrize("kwargs,match", [
    ({"arch": "fully_recurent"}, "Did you mean 'fully_recurrent'"),
    ({"n_units": 0}, "n_units"),
    ({"n_units": 3, "n_input_units": 2, "n_output_units": 2}, "exceeds n_units"),
    ({"nonlinearity": "softplus"}, "nonlinearity"),
    ({"arch": "gru", "nonlinearity": "relu"}, "fixed gate"),
    ({"arch": "elman", "nonlinearity": "sigmoid"}, "sigmoid"),
    ({"init": "xavier"}, "init"),
    ({"gain": 0.0}, "gain"),
    ({"n_units": 4.0}, "n_units"),
])
def test_build_model_rejects_bad_options(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        build_model(**kwargs)


def test_direct_class_rejects_too_many_io_units():
    with pytest.raises(ValueError, match="exceeds"):
        FullyRecurrentNet(1, 2, n_input_units=2, n_output_units=1)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_fused_kernel_equals_reference_loop(nonlinearity):
    """The compiled nn.RNN path and the plain recursion give the same states and gradients."""
    net = build_model(n_units=9, n_input_units=2, n_channels=2, nonlinearity=nonlinearity, seed=2)
    with torch.no_grad():
        net.bias.normal_(std=0.3)
    x = torch.randn(4, 13, 2)
    h0 = torch.randn(4, 9)
    drive = torch.nn.functional.pad(x @ net.weight_in.T, (0, 7)) + net.bias
    fused = net._run_fused(drive, h0)
    loop = net._run_loop(drive, h0)
    torch.testing.assert_close(fused, loop, rtol=1e-5, atol=1e-6)
    g_fused = torch.autograd.grad(fused.square().sum(), [net.weight_rec, net.weight_in, net.bias], retain_graph=True)
    g_loop = torch.autograd.grad(loop.square().sum(), [net.weight_rec, net.weight_in, net.bias])
    for a, b in zip(g_fused, g_loop):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    assert [n for n, _ in net.named_parameters()] == ["weight_in", "weight_rec", "bias", "readout_weight",
                                                      "readout_bias"]
