"""Time infoflow's estimators against peer libraries on the same data, in one run, and print one table.

Not collected by pytest and not part of the package. Peers are optional (``pip install
rnn-infoflow[bench]``); a missing peer is skipped with a note. Usage::

    python benchmarks/estimators.py            # 32 channels x 10,000 samples
    python benchmarks/estimators.py --big      # also 128 channels (slow peers extrapolated)
    python benchmarks/estimators.py --big --big-te   # and the 128-channel TE matrix (minutes)
    python benchmarks/estimators.py --quick    # small smoke run (1,000 samples, 8 channels)
    python benchmarks/estimators.py --tasks kinds --big   # by kind of activity, and 128 x 128

Tasks: ``kinds`` times the lag-1 KSG MI matrix against ennemi on four kinds of activity (the random
tanh system, saturated units, slow units pinned near +-1, the last epoch of infoflow's default
trained network, trained here on first use) and the MI and TE kernels against an earlier commit's.

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


def _prepare(out: np.ndarray, rng) -> np.ndarray:
    """Standardise each channel and add seeded 1e-10 jitter, as infoflow's public layer does."""
    out = out[:, out.std(0) > 0]
    out = (out - out.mean(0)) / out.std(0)
    return out + 1e-10 * rng.standard_normal(out.shape)


def saturated_system(N: int, n: int, seed: int = 0) -> np.ndarray:
    """The tanh system with units driven three times harder, h <- tanh(3 (W h + 0.5 noise)): most
    values pile up near +-1, as saturated units of trained networks do."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((N, N)) * 1.2 / np.sqrt(N)
    h, out = np.zeros(N), np.empty((n + 200, N))
    for t in range(n + 200):
        h = np.tanh(3.0 * (W @ h + 0.5 * rng.standard_normal(N)))
        out[t] = h
    return _prepare(out[200:], rng)


def pinned_units(N: int, n: int, seed: int = 0) -> np.ndarray:
    """Slow units pinned near +-1: tanh(0.05 cumsum(z) + z), z white Gaussian noise per unit."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, N))
    return _prepare(np.tanh(0.05 * np.cumsum(z, axis=0) + z), rng)


def trained_network(cache: str, epochs: int = 60, seed: int = 0) -> np.ndarray:
    """Last-epoch activity (test split, 1,752 steps) of infoflow's default network (32 fully
    recurrent tanh units, Greensboro airport temperature, ``infoflow train`` defaults), trained here
    through the public API on the first run and read back from ``cache`` afterwards."""
    from pathlib import Path

    from infoflow.train import TrainConfig, load_recording, train

    run = Path(cache) / f"greensboro-e{epochs}-s{seed}"
    if not (run / "recording.zarr").exists():
        print(f"  training the default network into {run} (once; minutes)", file=sys.stderr, flush=True)
        train(TrainConfig(epochs=epochs, seeds=(seed,)), out_dir=run)
    act = load_recording(run)["activity"]
    return _prepare(np.asarray(act.isel(epoch=-1).values, dtype=np.float64), np.random.default_rng(seed))


def baseline_kernels(commit: str):
    """The compiled kernels module as it was at ``commit`` (read with ``git show``), imported under
    another name, so old and new kernels run in the same process on the same arrays (an A/B)."""
    import importlib.util
    import subprocess
    import tempfile

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src = subprocess.run(["git", "-C", root, "show", f"{commit}:src/infoflow/estimators/_kernels.py"],
                         capture_output=True, text=True, check=True).stdout
    path = os.path.join(tempfile.mkdtemp(prefix="infoflow-kernels-"), f"kernels_{commit}.py")
    with open(path, "w") as f:
        f.write(src)
    spec = importlib.util.spec_from_file_location(f"kernels_{commit}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


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


def _kernel_inputs(mod, H: np.ndarray, te: bool):
    """The low-level inputs of ``mod.pairwise_mi`` / ``pairwise_cmi`` for the lag-1 matrix of H: the
    stacked channel records where ``mod`` has them (``mod.channels``; for TE ``mod.channel_stacks``),
    else the kernels' earlier positional arrays (a baseline commit before the records)."""
    X, Y = np.ascontiguousarray(H[:-1].T), np.ascontiguousarray(H[1:].T)
    SX, RX, OX = ksg._sort_rows(X)
    SY, RY, OY = ksg._sort_rows(Y)
    n = X.shape[1]
    if te:
        Zt = np.ascontiguousarray(X[:, None, :])
        if hasattr(mod, "channel_stacks"):
            return ((mod.channels(X, SX, RX, OX), mod.channels(Y, SY, RY, OY),
                     mod.channel_stacks(Zt, *ksg._sort_rows(Zt))), ksg._grid_cmi(n), n)
        return (X, SX, RX, OX, Y, SY, RY, OY, Zt, *ksg._sort_rows(Zt)), ksg._grid_cmi(n), n
    if hasattr(mod, "channels"):
        return (mod.channels(X, SX, RX, OX), mod.channels(Y, SY, RY, OY)), ksg._grid_mi(n), n
    return (X, SX, RX, OX, Y, SY, RY), ksg._grid_mi(n), n


def kernel_ms_per_pair(mod, H: np.ndarray, te: bool, pairs: list[tuple[int, int]]):
    """Time ``mod``'s all-pairs kernel (MI or TE, history 1) on the listed pairs: ms per pair, values."""
    args, G, n = _kernel_inputs(mod, H, te)
    PA = np.array([a for a, _ in pairs], dtype=np.int64)
    PB = np.array([b for _, b in pairs], dtype=np.int64)
    N = H.shape[1]
    out = np.full((N, N), np.nan)
    fn = mod.pairwise_cmi if te else mod.pairwise_mi
    _, t = timed(fn, *args, PA, PB, K, 0, ksg._psi_table(n), G, out)
    return t / len(pairs) * 1e3, out


KIND_ROWS: list[tuple] = []


def bench_kinds(n: int, N: int, peer_cols: int, te_pairs: int, baseline: str | None, cache: str,
                big: bool) -> None:
    """Each kind of activity: the lag-1 KSG MI matrix (infoflow vs ennemi, one run) and the MI and
    TE kernels in ms per pair against the baseline commit's kernels (same process, same arrays)."""
    old = None
    if baseline:
        try:
            old = baseline_kernels(baseline)
        except Exception as exc:  # no git or no such commit: the A/B is skipped, said in a note
            NOTES.append(f"baseline kernels {baseline} unavailable: {type(exc).__name__}: {exc}")
    en = peer("ennemi")
    kinds = [("stable tanh RNN", tanh_system(N, n + 1)),
             ("saturated tanh(3 u)", saturated_system(N, n + 1)),
             ("slow units pinned near +-1", pinned_units(N, n + 1)),
             ("trained airport net, last epoch", trained_network(cache))]
    warm = tanh_system(4, 400)
    for mod in [ksg._kernels] + ([old] if old is not None else []):
        for te in (False, True):
            kernel_ms_per_pair(mod, warm, te, [(0, 1), (1, 0)])
    ksg.pairwise_mi(warm[:, :2], warm[:, :2])
    for name, H in kinds:
        Nk = H.shape[1]
        X, Y = np.ascontiguousarray(H[:-1]), np.ascontiguousarray(H[1:])
        ref, t_ours = timed(ksg.pairwise_mi, X, Y, k=K)
        t_en, diff = np.nan, np.nan
        if en is not None:
            cols = sorted(np.random.default_rng(2).choice(Nk, min(peer_cols, Nk), replace=False))

            def en_cols(X, Y, cols):
                got = np.full((X.shape[1], Y.shape[1]), np.nan)
                for j in cols:
                    got[:, j] = en.estimate_mi(Y[:, j], X, k=K, preprocess=False)[0]
                return got
            got, t_en = timed(en_cols, X, Y, cols)
            t_en *= Nk / len(cols)
            diff = np.nanmax(np.abs(got - ref))
        pick = pair_subset(Nk, te_pairs, seed=3)
        mi_new, v_new = kernel_ms_per_pair(ksg._kernels, H, False, pick)
        te_new, c_new = kernel_ms_per_pair(ksg._kernels, H, True, pick)
        mi_old = te_old = np.nan
        same = "-"
        if old is not None:
            mi_old, v_old = kernel_ms_per_pair(old, H, False, pick)
            te_old, c_old = kernel_ms_per_pair(old, H, True, pick)
            same = "yes" if (np.array_equal(v_old, v_new, equal_nan=True)
                             and np.array_equal(c_old, c_new, equal_nan=True)) else "NO"
        KIND_ROWS.append((f"{name} ({Nk} x {H.shape[0] - 1})", t_ours, t_en, diff, len(cols) if en else 0,
                          mi_old, mi_new, te_old, te_new, same))
        print(f"  done: kinds | {name}", file=sys.stderr, flush=True)
    if big:
        for name, make in (("stable tanh RNN", tanh_system), ("saturated tanh(3 u)", saturated_system)):
            Hb = make(128, n + 1, seed=1)
            _, t = timed(ksg.pairwise_mi, np.ascontiguousarray(Hb[:-1]), np.ascontiguousarray(Hb[1:]), k=K)
            NOTES.append(f"KSG MI 128 x 128 x {n}, {name}: infoflow {t:.1f} s")
            print(f"  done: kinds | 128 x 128 {name}: {t:.1f} s", file=sys.stderr, flush=True)


def print_kinds(baseline: str | None) -> None:
    if not KIND_ROWS:
        return
    print(f"\nlag-1 KSG MI matrix by kind of activity (k={K}), infoflow ksg.pairwise_mi vs ennemi, and the "
          f"kernels in ms per pair (1 thread per pair, pairs over all threads) vs commit {baseline}")
    print(f"{'activity':<50} {'infoflow s':>10} {'ennemi s':>9} {'ratio':>7} {'max|diff|':>9} "
          f"{'MI old':>7} {'MI new':>7} {'TE old':>7} {'TE new':>7}  identical")
    for name, t, te_, d, _cols, mo, mn, to, tn, same in KIND_ROWS:
        print(f"{name:<50} {t:10.2f} {te_:9.2f} {te_ / t:6.1f}x {d:9.1e} {mo:7.2f} {mn:7.2f} {to:7.2f} {tn:7.2f}"
              f"  {same}")
    cols = {r[4] for r in KIND_ROWS}
    print(f"(ennemi ran {sorted(cols)} target columns per kind, its time scaled to all of them; MI/TE "
          f"old/new: ms per pair on the same random pair subset, 'identical': bitwise equal values)")


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
    ap.add_argument("--tasks", default="tdmi,gcmi,te,bias,kinds",
                    help="comma list of tdmi, gcmi, te, bias, kinds")
    ap.add_argument("--kinds-peer-cols", type=int, default=32,
                    help="kinds: target columns ennemi runs per kind (time scaled to all)")
    ap.add_argument("--kinds-pairs", type=int, default=128, help="kinds: pairs the kernel A/B runs")
    ap.add_argument("--baseline", default="3859d79",
                    help="kinds: git commit whose kernels the A/B compares against ('' to skip)")
    ap.add_argument("--cache", default="runs/bench-cache",
                    help="kinds: folder for the trained network's run (made on first use)")
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
    if "kinds" in tasks:
        bench_kinds(n, N, args.kinds_peer_cols, args.kinds_pairs, args.baseline or None, args.cache, args.big)
    print_table()
    print_kinds(args.baseline)
    for note in dict.fromkeys(NOTES):
        print("note:", note)
    if "bias" in tasks:
        sizes = {1_000: 20, 10_000: 5} if args.quick else {1_000: 100, 10_000: 20}
        print("\n".join(bench_bias(sizes)))


if __name__ == "__main__":
    main()
