"""The CUDA all-pairs engine against the CPU (numba) engine, on the same data, in one run.

Not collected by pytest. Needs a CUDA device (prints a note and exits 0 without one). Usage::

    python benchmarks/gpu.py              # agreement checks, 32 x 10,000 and 128 x 2,000 timings
    python benchmarks/gpu.py --big        # also the 128 x 10,000 Gaussian-copula matrices

Prints, per task, the wall time of each engine and the max |difference| between them in nats.
Both engines compute the same float64 estimator, so KSG differences come only from float rounding
in distances that sit exactly on a neighbour boundary (expected 0 or ~1e-12).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from estimators import tanh_system  # noqa: E402  (same data as benchmarks/estimators.py)

from infoflow.estimators import pairwise_mutual_information, pairwise_transfer_entropy  # noqa: E402


def timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = np.asarray(fn(*args, **kw))
    return out, time.perf_counter() - t0


def row(task, engine, seconds, diff):
    print(f"{task:<34} {engine:<22} {seconds:9.3f} s   max|diff| {diff:.2e}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="also 128 channels x n (Gaussian copula)")
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args(argv)
    import numba
    import torch

    if not torch.cuda.is_available():
        print("note: no CUDA device visible to PyTorch; nothing to benchmark")
        return 0
    print(f"device {torch.cuda.get_device_name(0)}, torch {torch.__version__}, "
          f"{numba.get_num_threads()} numba threads for the CPU engine, n={args.n}")

    # agreement on a small system (the same check as tests/estimators/test_gpu.py, larger)
    H = tanh_system(8, 2001, seed=3)
    for func, name in ((pairwise_mutual_information, "MI lag 1"), (pairwise_transfer_entropy, "TE h=1")):
        for method in ("gaussian_copula", "ksg"):
            ref = np.asarray(func(H, lag=1, method=method))
            got = np.asarray(func(H, lag=1, method=method, device="cuda"))
            row(f"agree {name} {method} 8x8 n=2000", "cuda vs cpu", 0.0, np.nanmax(np.abs(got - ref)))

    # (channels, samples, methods): the default size, then many channels of short series, where
    # the brute-force GPU search (O(n^2) per pair) has the least disadvantage against the grid (O(n))
    sizes = [(32, args.n, ("gaussian_copula", "ksg")), (128, 2_000, ("ksg",))]
    if args.big:
        sizes.append((128, args.n, ("gaussian_copula",)))
    for N, n, methods in sizes:
        H = tanh_system(N, n + 1)
        for method in methods:
            for func, name in ((pairwise_mutual_information, "MI lag 1"), (pairwise_transfer_entropy, "TE h=1")):
                task = f"{name} {method} {N}x{N} n={n}"
                func(H[:500, :2], lag=1, method=method, device="cuda")  # CUDA context, kernels loaded
                got, t_gpu = timed(func, H, lag=1, method=method, device="cuda")
                ref, t_cpu = timed(func, H, lag=1, method=method)
                diff = np.nanmax(np.abs(got - ref))
                row(task, "cuda (torch)", t_gpu, diff)
                row(task, "cpu (numba)", t_cpu, 0.0)
    print(f"peak GPU memory {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
