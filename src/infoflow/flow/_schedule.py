"""Where the flow engine's work units run: in this process, or on a dask.distributed cluster.

Flow layer; users do not import this module (they pass ``scheduler=`` to
:func:`infoflow.flow.information_flow`). Both executors run the same functions of
:mod:`infoflow.flow._engine` on the same inputs, so results are bitwise identical; Dask only decides
where a block of surrogates runs. Dask is imported here, lazily, and nowhere else in the package.
A worker lost mid-run is handled by Dask itself: its tasks (including the prepared epoch, which is a
task too, never scattered data) are recomputed from their inputs on the surviving workers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Workers of the LocalCluster that ``scheduler="local"`` starts. It is never started unasked: worker
# processes re-import the caller's ``__main__``, so a plain script without an
# ``if __name__ == "__main__":`` guard would die in the Nanny ("Nanny failed to start").
N_LOCAL_WORKERS = 2


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
