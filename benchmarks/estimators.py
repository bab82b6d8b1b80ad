"""Time infoflow's estimators against peer libraries on the same data, in one run, and print one table.

Not collected by pytest and not part of the package. Peers are optional (``pip install
rnn-infoflow[bench]``); a missing peer is skipped with a note. Usage::

    python benchmarks/estimators.py            # 32 channels x 10,000 samples
    python benchmarks/estimators.py --big      # also 128 channels (slow peers extrapolated)
    python benchmarks/estimators.py --big --big-te   # and the 128-channel TE matrix (minutes)
    python benchmarks/estimators.py --quick    # small smoke run (1,000 samples, 8 channels)

Tasks: the lag-1 time-delayed MI matrix (all N x N ordered pairs, diagonal included) with KSG and
with the Gaussian copula; the pairwise transfer-entropy matrix (KSG, history 1); KSG bias against the
closed form for bivariate Gaussians. Data: a random tanh recurrent system, standardised, with seeded
1e-10 jitter (as infoflow's public layer prepares it), fed identically to every library.
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import sys
import time
import tracemalloc

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma

from infoflow.estimators import ksg

K = 4
ROWS: list[tuple] = []
NOTES: list[str] = []


def tanh_system(N: int, n: int, seed: int = 0) -> np.ndarray:
    """n steps of h <- tanh(W h + 0.5 noise), W Gaussian with gain 1.2; standardised and jittered."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((N, N)) * 1.2 / np.sqrt(N)
    h, out = np.zeros(N), np.empty((n + 200, N))
    for t in range(n + 200):
        h = np.tanh(W @ h + 0.5 * rng.standard_normal(N))
        out[t] = h
    out = out[200:]
    out = (out - out.mean(0)) / out.std(0)
    return out + 1e-10 * rng.standard_normal(out.shape)


def peer(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        NOTES.append(f"{name} not installed: skipped (pip install rnn-infoflow[bench])")
        return None


REPEAT = 1  # --repeat: every library's time is the best of this many runs (as timeit reports)


def timed(fn, *args, **kw):
    best = np.inf
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        best = min(best, time.perf_counter() - t0)
    return out, best


def pair_subset(N: int, m: int, seed: int = 1) -> list[tuple[int, int]]:
    """All N*N ordered pairs, or m of them at random (then peers' times are extrapolated)."""
    pairs = [(i, j) for i in range(N) for j in range(N)]
    if m >= len(pairs):
        return pairs
    pick = np.random.default_rng(seed).choice(len(pairs), m, replace=False)
    return [pairs[p] for p in sorted(pick)]


def loop_pairs(fn, pairs, N):
    """Run ``fn(i, j)`` over ``pairs``; return the (N, N) matrix (NaN where not run) and the time."""
    def run():
        out = np.full((N, N), np.nan)
        for i, j in pairs:
            out[i, j] = fn(i, j)
        return out
    return timed(run)


def add(task, library, seconds, ref, got, note=""):
    diff = np.nanmax(np.abs(np.asarray(got) - ref)) if got is not None else np.nan
    ROWS.append((task, library, seconds, diff, note))
    print(f"  done: {task} | {library}: {seconds:.2f} s", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- peers' KSG
def ckdtree_ksg(x: np.ndarray, y: np.ndarray, k: int = K) -> float:
    """A plain KSG algorithm 1 with scipy's cKDTree (the straightforward implementation)."""
    xy = np.c_[x, y]
    eps = cKDTree(xy).query(xy, k=k + 1, p=np.inf)[0][:, -1]
    r = np.nextafter(eps, 0)
    nx = cKDTree(x[:, None]).query_ball_point(x[:, None], r, p=np.inf, return_length=True) - 1
    ny = cKDTree(y[:, None]).query_ball_point(y[:, None], r, p=np.inf, return_length=True) - 1
    return float(digamma(k) + digamma(len(x)) - np.mean(digamma(nx + 1) + digamma(ny + 1)))


def bench_tdmi(H: np.ndarray, n_peer_pairs: int) -> None:
    N = H.shape[1]
    X, Y = np.ascontiguousarray(H[:-1]), np.ascontiguousarray(H[1:])
    task = f"TDMI KSG {N}x{N}"
    ksg.pairwise_mi(X[:300, :2], Y[:300, :2])  # load the compiled kernels outside the timing
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    ref, t_ours = timed(ksg.pairwise_mi, X, Y, k=K)
    py_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    add(task, "infoflow ksg.pairwise_mi", t_ours, ref, ref)
    NOTES.append(f"{task}: infoflow peak Python-heap {py_peak / 2**20:.1f} MiB (tracemalloc), process "
                 f"max-RSS growth {(rss1 - rss0) / 1024:.1f} MiB (numba buffers are O(n) per thread); "
                 f"data {X.nbytes / 2**20:.1f} MiB per copy")
    try:
        from infoflow.estimators import pairwise_mutual_information
        got, t = timed(pairwise_mutual_information, H, lag=1, method="ksg", k=K, jitter=0.0)
        add(task, "infoflow public API (validate+standardise)", t, ref, got)
    except Exception as exc:  # the public layer is built in parallel; its absence is not ours to fix
        NOTES.append(f"public pairwise_mutual_information unavailable: {type(exc).__name__}: {exc}")

    pairs = pair_subset(N, n_peer_pairs)
    note = "" if len(pairs) == N * N else f"extrapolated from {len(pairs)} pairs"
    scale = N * N / len(pairs)
    got, t = loop_pairs(lambda i, j: ckdtree_ksg(X[:, i], Y[:, j]), pairs, N)
    add(task, "plain scipy cKDTree KSG", t * scale, ref, got, note)

    sk = peer("sklearn.feature_selection")
    if sk is not None:
        cols = sorted({j for _, j in pairs})

        def sk_all():
            got = np.full((N, N), np.nan)
            for j in cols:  # one call per target gives a whole column
                got[:, j] = sk.mutual_info_regression(X, Y[:, j], n_neighbors=K, random_state=0)
            return got
        got, t = timed(sk_all)
        t *= N / len(cols)
        add(task, "scikit-learn mutual_info_regression", t, ref, got,
            ("" if len(cols) == N else f"extrapolated from {len(cols)} columns; ") + "clips <0 to 0")
    en = peer("ennemi")
    if en is not None:
        cols = sorted({j for _, j in pairs})

        def en_all():
            got = np.full((N, N), np.nan)
            for j in cols:
                got[:, j] = en.estimate_mi(Y[:, j], X, k=K, preprocess=False)[0]
            return got
        got, t = timed(en_all)
        t *= N / len(cols)
        add(task, "ennemi estimate_mi", t, ref, got, "" if len(cols) == N else
            f"extrapolated from {len(cols)} columns")
    npeet = peer("npeet_plus")
    if npeet is not None:
        got, t = loop_pairs(lambda i, j: npeet.mi(X[:, i:i + 1], Y[:, j:j + 1], k=K, base=np.e), pairs, N)
        add(task, "NPEET (npeet-plus) mi", t * scale, ref, got, note + ("; " if note else "") + "adds own noise")
    NOTES.append("JIDT (Java) is not run here; measured earlier on this machine: 40.7 s for 32x32")


def bench_gcmi(H: np.ndarray) -> None:
    N = H.shape[1]
    task = f"TDMI Gaussian copula {N}x{N}"
    try:
        from infoflow.estimators import pairwise_mutual_information
        ref, t = timed(pairwise_mutual_information, H, lag=1, method="gaussian_copula")
        ref = np.asarray(ref)
        add(task, "infoflow gaussian_copula", t, ref, ref)
    except Exception as exc:
        NOTES.append(f"infoflow gaussian_copula unavailable: {type(exc).__name__}: {exc}")
        return
    fc = peer("frites.core")
    if fc is None:
        return

    def frites_all():
        # used well: copula-normalise each channel once, then every pair in one vectorised call per
        # source row (pairs on leading axes, the samples on the last axis)
        cx = fc.copnorm_nd(np.ascontiguousarray(H[:-1].T), axis=-1)
        cy = fc.copnorm_nd(np.ascontiguousarray(H[1:].T), axis=-1)
        out = np.empty((N, N))
        for i in range(N):
            xi = np.broadcast_to(cx[i], (N, 1, cx.shape[1]))
            out[i] = fc.mi_nd_gg(xi, cy[:, None, :], mvaxis=-2, traxis=-1, biascorrect=False,
                                 demeaned=True, shape_checking=False)
        return out * np.log(2.0)  # frites returns bits

    got, t = timed(frites_all)
    add(task, "frites copnorm_nd + mi_nd_gg", t, ref, got, "bits converted to nats")


def bench_te(H: np.ndarray, n_peer_pairs: int) -> None:
    N = H.shape[1]
    task = f"TE KSG h=1 {N}x{N}"
    src, fut, past = np.ascontiguousarray(H[:-1]), np.ascontiguousarray(H[1:]), H[:-1]
    Z = np.ascontiguousarray(past.T[:, :, None])
    ksg.pairwise_cmi(src[:300, :2], fut[:300, :2], Z[:2, :300])
    ref, t = timed(ksg.pairwise_cmi, src, fut, Z, k=K)
    add(task, "infoflow ksg.pairwise_cmi", t, ref, ref)
    pairs = pair_subset(N, n_peer_pairs)
    note = "" if len(pairs) == N * N else f"extrapolated from {len(pairs)} pairs"
    scale = N * N / len(pairs)
    en = peer("ennemi")
    if en is not None:
        got, t = loop_pairs(lambda i, j: en.estimate_mi(fut[:, j], src[:, i], k=K, cond=past[:, j],
                                                        preprocess=False)[0, 0], pairs, N)
        add(task, "ennemi estimate_mi(cond=) loop", t * scale, ref, got, note)
    npeet = peer("npeet_plus")
    if npeet is not None:
        got, t = loop_pairs(lambda i, j: npeet.cmi(src[:, i:i + 1], fut[:, j:j + 1], past[:, j:j + 1], k=K,
                                                   base=np.e), pairs, N)
        add(task, "NPEET (npeet-plus) cmi loop", t * scale, ref, got, note + ("; " if note else "")
            + "adds own noise")


def bench_bias(sizes: dict[int, int]) -> list[str]:
    en = importlib.import_module("ennemi") if importlib.util.find_spec("ennemi") else None
    lines = [f"KSG bias vs closed form -0.5 ln(1 - rho^2), k={K}, mean over seeds (nats)",
             f"{'n':>6} {'seeds':>5} {'rho':>5} {'true':>8} {'infoflow':>9} {'ennemi':>9}"]
    for n, seeds in sizes.items():
        for rho in (0.0, 0.3, 0.6, 0.9, 0.99):
            ours, theirs = [], []
            for s in range(seeds):
                rng = np.random.default_rng(1000 + s)
                x = rng.standard_normal(n)
                y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal(n)
                x, y = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
                ours.append(ksg.mutual_information(x, y, k=K))
                if en is not None:
                    theirs.append(float(en.estimate_mi(y, x, k=K, preprocess=False)[0, 0]))
            true = -0.5 * np.log(1 - rho**2)
            b_en = f"{np.mean(theirs) - true:+9.4f}" if theirs else f"{'-':>9}"
            lines.append(f"{n:>6} {seeds:>5} {rho:>5} {true:8.4f} {np.mean(ours) - true:+9.4f} {b_en}")
            if rho == 0.0:
                lines.append(f"{'':>18} spread at independence: std infoflow {np.std(ours):.4f}"
                             + (f", ennemi {np.std(theirs):.4f}" if theirs else ""))
    return lines


def print_table() -> None:
    print(f"{'task':<28} {'library':<42} {'time (s)':>9} {'vs fastest peer':>15} {'max|diff| nats':>14}  note")
    for task in dict.fromkeys(r[0] for r in ROWS):
        rows = [r for r in ROWS if r[0] == task]
        peers = [r[2] for r in rows if not r[1].startswith("infoflow")]
        best = min(peers) if peers else np.nan
        for _, lib, sec, diff, note in rows:
            speed = f"{best / sec:.1f}x" if lib.startswith("infoflow") and peers else (
                "fastest peer" if sec == best else f"{best / sec:.2f}x")
            print(f"{task:<28} {lib:<42} {sec:9.2f} {speed:>15} {diff:14.2e}  {note}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="also 128 channels (peers on a pair subset)")
    ap.add_argument("--big-te", action="store_true", help="with --big: also the 128-channel TE matrix")
    ap.add_argument("--quick", action="store_true", help="smoke run: 1,000 samples, 8 channels")
    ap.add_argument("--n", type=int, default=10_000, help="samples per channel")
    ap.add_argument("--te-peer-pairs", type=int, default=48, help="pairs the slow TE peers run")
    ap.add_argument("--tasks", default="tdmi,gcmi,te,bias", help="comma list of tdmi, gcmi, te, bias")
    ap.add_argument("--repeat", type=int, default=1,
                    help="time every library this many times and keep the best (shared hosts are noisy)")
    args = ap.parse_args(argv)
    global REPEAT
    REPEAT = max(1, args.repeat)
    n, N = (1_000, 8) if args.quick else (args.n, 32)
    import numba
    print(f"infoflow KSG benchmark: n={n}, k={K}, {numba.get_num_threads()} numba threads, "
          f"{os.cpu_count()} CPUs visible, python {sys.version.split()[0]}, best of {REPEAT} run(s) each")
    tasks = set(args.tasks.split(","))
    H = tanh_system(N, n + 1)
    if "tdmi" in tasks:
        bench_tdmi(H, N * N)
    if "gcmi" in tasks:
        bench_gcmi(H)
    if "te" in tasks:
        bench_te(H, args.te_peer_pairs)
    if args.big:
        Hb = tanh_system(128, n + 1, seed=1)
        if "tdmi" in tasks:
            bench_tdmi(Hb, 256)
        if "gcmi" in tasks:
            bench_gcmi(Hb)
        if "te" in tasks and args.big_te:  # infoflow's full 128 x 128 TE matrix takes minutes on 2 cores
            bench_te(Hb, args.te_peer_pairs)
    print_table()
    for note in dict.fromkeys(NOTES):
        print("note:", note)
    if "bias" in tasks:
        sizes = {1_000: 20, 10_000: 5} if args.quick else {1_000: 100, 10_000: 20}
        print("\n".join(bench_bias(sizes)))


if __name__ == "__main__":
    main()
