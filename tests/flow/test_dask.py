"""infoflow.flow on a real dask.distributed LocalCluster: identical results, survival of a killed worker."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest
import xarray as xr

from infoflow.flow import effective_network, information_flow

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # a real 2-process LocalCluster: seconds to start and stop


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as lc:
        yield lc


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as c:
        yield c


def _data(n: int = 800, n_neuron: int = 4, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, n_neuron))
    for t in range(1, n):
        x[t] += 0.4 * x[t - 1]
        x[t, 1] += 0.6 * x[t - 1, 0]
    return x


def test_dask_equals_in_process_bitwise_ksg(client):
    x = _data(n=500, n_neuron=3)
    kw = {"lags": (1, 2), "surrogates": 6, "measure": "flow"}
    here = information_flow(x, scheduler="inprocess", **kw)
    there = information_flow(x, scheduler=client, block_size=2, **kw)
    xr.testing.assert_identical(here, there)  # same kernels, same inputs: bitwise equal, attrs included
    # TE with the screen and sequential rounds: on 2 workers the observed stage and every round are
    # split into groups of targets, which must not change a value either
    x = _data(n=600, n_neuron=5, seed=4)
    kw = {"lags": (1, 2), "surrogates": 20, "screen": True}
    here = information_flow(x, scheduler="inprocess", **kw)
    seen = []
    there = information_flow(x, scheduler=client, callback=lambda d, t: seen.append((d, t)), **kw)
    xr.testing.assert_identical(here, there)
    assert seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_effective_network_on_dask_equals_in_process(client):
    """One task per target; the kernels run single-threaded on the workers: the same network, bitwise."""
    x = _data(n=700, n_neuron=4, seed=5)
    kw = {"lags": (1, 2), "surrogates": 20, "method": "ksg"}
    seen = []
    here = effective_network(x, scheduler="inprocess", **kw)
    there = effective_network(x, scheduler=client, callback=lambda d, t: seen.append((d, t)), **kw)
    xr.testing.assert_identical(here, there)
    assert here["significant"].values[0, 1] and seen[-1] == (4, 4)


def test_dask_by_address_and_lazy_zarr_equal_in_process(cluster, tmp_path):
    act = xr.DataArray(np.stack([_data(seed=1), _data(seed=2)]), dims=("epoch", "time", "neuron"),
                       coords={"epoch": [0, 1], "neuron": ["a", "b", "c", "d"],
                               "role": ("neuron", ["input", "hidden", "hidden", "output"])}, name="activity")
    act.to_dataset().chunk({"epoch": 1}).to_zarr(tmp_path / "rec.zarr")
    lazy = xr.open_zarr(tmp_path / "rec.zarr")["activity"]
    kw = {"lags": (1, 2), "surrogates": 20, "method": "gaussian_copula", "condition_on_input": True}
    here = information_flow(act, scheduler="inprocess", **kw)
    there = information_flow(lazy, scheduler=cluster.scheduler_address, block_size=3, **kw)
    xr.testing.assert_identical(here.drop_attrs(), there.drop_attrs())
    assert there.sizes["epoch"] == 2


def test_worker_killed_mid_run_result_complete_and_identical(client):
    x = _data(n=3000, n_neuron=8, seed=3)
    kw = {"lags": (1, 2, 3), "surrogates": 40, "method": "gaussian_copula"}
    expected = information_flow(x, scheduler="inprocess", **kw)
    pids = client.run(os.getpid)  # worker address -> process id (processes this test started)
    victim = sorted(pids)[0]
    state = {"killed": False}

    def kill_one_worker(done: int, total: int) -> None:
        if not state["killed"] and done >= 3:  # the surrogate blocks are queued or running now
            state["killed"] = True
            os.kill(pids[victim], signal.SIGKILL)  # hard death; the nanny starts a fresh worker

    got = information_flow(x, scheduler=client, block_size=1, callback=kill_one_worker, **kw)
    assert state["killed"]
    xr.testing.assert_identical(expected, got)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the worker, under a new address
    assert victim not in set(client.scheduler_info()["workers"])
