"""How the flow engine's work is cut into tasks, and where they run: here or on a dask.distributed cluster.

Flow layer; users do not import this module (they pass ``scheduler=`` and ``block_size=`` to
:func:`infoflow.flow.information_flow`). The cutting (:func:`rounds`, :func:`n_groups`,
:func:`target_groups`) never changes a number: each pair's value is the same in any block or group.
Both executors run the same functions of :mod:`infoflow.flow._engine` on the same inputs, so results
are bitwise identical; Dask only decides where a block of surrogates runs. Dask is imported here,
lazily, and nowhere else in the package. A worker lost mid-run is handled by Dask itself: its tasks
(including the prepared epoch, which is a task too, never scattered data) are recomputed from their
inputs on the surviving workers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

# Workers of the LocalCluster that ``scheduler="local"`` starts. It is never started unasked: worker
# processes re-import the caller's ``__main__``, so a plain script without an
# ``if __name__ == "__main__":`` guard would die in the Nanny ("Nanny failed to start").
N_LOCAL_WORKERS = 2


class SchedulerOption:
    """``validate_params`` constraint of every flow function's ``scheduler=``."""

    def is_satisfied_by(self, value: Any) -> bool:
        if value is None or value in ("inprocess", "local"):
            return True
        if isinstance(value, str):
            return "://" in value
        return type(value).__name__ == "Client"

    def __str__(self) -> str:
        return "None, 'inprocess', 'local', a scheduler address 'tcp://host:port' or a distributed.Client"


class InProcess:
    """Runs every task at submission, here; results are the values themselves."""

    name = "in-process"
    n_workers = 1

    def __init__(self) -> None:
        self.tick: Callable[[], None] = lambda: None

    def submit(self, fn: Callable, *args: Any, count: bool = False, **kwargs: Any) -> Any:
        out = fn(*args, **kwargs)
        if count:
            self.tick()
        return out

    def load(self, array: Any) -> Any:
        import numpy as np

        return np.asarray(array)

    def gather(self, futures: list) -> list:
        return list(futures)

    def close(self) -> None:
        pass


class DaskExecutor:
    """Submits tasks to a ``distributed.Client``; owns (and closes) the client/cluster it created."""

    def __init__(self, client, *, owned: tuple = ()):
        self.client = client
        self._owned = owned
        self.name = f"dask.distributed ({client.scheduler.address})"
        self.n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
        self.tick: Callable[[], None] = lambda: None

    def submit(self, fn: Callable, *args: Any, count: bool = False, **kwargs: Any) -> Any:
        # Progress is counted when gathered (`count` serves the in-process path).
        # pure=True: keys hash the inputs, so a rerun of a lost task is the same task.
        return self.client.submit(fn, *args, **kwargs, pure=True)

    def load(self, array: Any) -> Any:
        """A lazily stored epoch (dask array, e.g. from zarr) is read on a worker, one epoch per task."""
        if hasattr(array, "__dask_graph__"):
            return self.client.compute(array)
        return array

    def gather(self, futures: list) -> list:
        from distributed import as_completed

        for _ in as_completed(futures):
            self.tick()
        return self.client.gather(futures)

    def close(self) -> None:
        for obj in self._owned:
            obj.close()


def make_executor(scheduler: Any):
    """Pick the executor: None -> the default ``distributed.Client`` if the user made one, else in this
    process (the numba kernels spread pairs over every core and release the GIL); "inprocess";
    "local" (a new 2-process LocalCluster); "tcp://host:port"; or a distributed.Client."""
    if isinstance(scheduler, str) and scheduler == "inprocess":
        return InProcess()
    if scheduler is None:
        try:
            from distributed import default_client

            return DaskExecutor(default_client())
        except (ImportError, ValueError):
            return InProcess()
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        return DaskExecutor(scheduler)
    if scheduler == "local":
        cluster = LocalCluster(n_workers=N_LOCAL_WORKERS, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
        return DaskExecutor(client, owned=(client, cluster))
    client = Client(scheduler)
    return DaskExecutor(client, owned=(client,))


# --------------------------------------------------------------------------- cutting work into tasks
TASKS_PER_WORKER = 4
"""A round of surrogates (and the observed stage) is cut into about this many tasks per worker: the
next round waits for the last task of this one, so smaller tasks leave the workers less idle time."""


def rounds(marks: list[int], block_size: int) -> list[list[slice]]:
    """Surrogate index blocks of each sequential round: round r covers [marks[r-1], marks[r]), split
    into near-equal blocks of at most `block_size`."""
    out, start = [], 0
    for stop in marks:
        n_parts = math.ceil((stop - start) / block_size)
        edges = [start + (stop - start) * i // n_parts for i in range(n_parts + 1)]
        out.append([slice(a, b) for a, b in zip(edges[:-1], edges[1:])])
        start = stop
    return out


def n_groups(n_blocks: int, n_workers: int, n_neuron: int, method: str) -> int:
    """Target groups each of `n_blocks` surrogate blocks is split into: 1 in process, and 1 for the
    Gaussian copula, whose whole matrix costs about what one group's does (its family has no ``pairs=``)."""
    if n_workers <= 1 or method != "ksg":
        return 1
    return max(1, min(n_neuron, math.ceil(TASKS_PER_WORKER * n_workers / n_blocks)))


def target_groups(active: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """`active` (source, target) cut into `n_groups` masks of contiguous targets with about equal
    numbers of active pairs (some may be empty). Each pair is in exactly one mask."""
    per_target = active.sum(axis=0)
    total = max(int(per_target.sum()), 1)
    middle = np.cumsum(per_target) - per_target / 2.0  # each target's position in the pair order
    group = np.minimum((middle * n_groups / total).astype(np.int64), n_groups - 1)
    return [active & (group == g)[None, :] for g in range(n_groups)]


def tasks_per_epoch(plan, n_workers: int, n_neuron: int) -> int:
    """Progress units of one epoch: autocorrelation, observed groups, surrogate tasks (and the screen)."""
    n_tasks = sum(len(r) * n_groups(len(r), n_workers, n_neuron, plan.method) for r in plan.rounds)
    n_observed = n_groups(1, n_workers, n_neuron, plan.method)
    n_screen_blocks = len(rounds([plan.surrogates], plan.block_size)[0])
    return 1 + n_observed + n_tasks + ((n_screen_blocks + 1) if plan.screen else 0)
