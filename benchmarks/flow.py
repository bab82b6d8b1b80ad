"""Benchmark: the full significance-tested flow matrix (issue 4), time and memory, one table.

Target workload: 64 neurons x 10,000 steps, lags 1..3, 100 circular-shift surrogates, KSG TE, on a
2-worker dask LocalCluster (2 cores). That is 4,032 ordered pairs x 3 lags x 101 estimates of a
3-D KSG CMI at n = 10,000: far too long to run casually, so this script

1. times the KSG kernels at the target length (one all-pairs block, here and per pair);
2. runs a *scaled* end-to-end job through ``information_flow`` on the LocalCluster (all pairs of
   `--scaled-neurons` neurons, full length, all lags, `--scaled-surrogates` surrogates), with and
   without Gaussian-copula screening, and reports the measured wall time next to the time the
   kernel model predicts for it (checks the extrapolation);
3. runs the full-size job with ``method="gaussian_copula"`` (cheap): its wall time and the share
   of pairs that pass the screen at the full size;
4. runs the full-size KSG job itself, as a user would (sequential surrogates, the default, and
   with ``--full`` also Gaussian-copula screening): measured wall time, surrogates drawn, memory;
5. extrapolates the full KSG job with every surrogate for every pair (``sequential=False``) from
   1-3 and prints one table, marking every extrapolated figure as such. Memory: peak RSS of this
   process and of each worker.

Run: ``.venv/bin/python benchmarks/flow.py`` (about 10-20 min on 2 idle cores without the full KSG
runs; ``--full screen`` adds the screened full job, ``--full noscreen`` the unscreened one,
``--full both`` both;
``--quick`` for a smoke run). Not collected by pytest; no test asserts on time.

Two whole jobs as a user runs them, in this process with the default scheduler (``--job``):

* ``--job airport``: ``information_flow(method="ksg")`` on the last epoch of infoflow's default
  trained network (32 units, 1,752 steps, lags 1-3, at most 100 surrogates), the job that decides
  whether KSG can be ``infoflow run``'s tracked estimator (trained once into ``--cache``);
* ``--job airport-kernel``: the TE kernel alone on the airport job's own kernel calls (the first
  ``--calls`` calls of ``ksg.pairwise_cmi`` the job makes: observed pairs, then the surrogate
  batches, with the engine's pair masks), one thread, ms per estimate; with ``--baseline <commit>``
  that commit's kernels on the same arrays in the same process, interleaved, and whether every
  value is bitwise the same (the A/B for TE-kernel changes aimed at this job);
* ``--job full64``: the 64-neuron x 10,000-step KSG job (lags 1-3, 100 surrogates, sequential),
  with its progress logged, so a run stopped by ``--budget`` seconds reports the measured share
  of the work and a linear extrapolation (marked as such).
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _worker_rss_mb() -> float:
    import resource as res

    return res.getrusage(res.RUSAGE_SELF).ru_maxrss / 1024.0


def activity(n_neuron: int, n_time: int, seed: int = 0):
    """A layered delay chain (4 layers), the kind of directed structure the flow matrix should find."""
    from infoflow.data import delay_chain

    units = max(n_neuron // 4, 1)
    return delay_chain(n_time, n_layers=4, units_per_layer=units, delay=1, seed=seed)


def _true_edge_mask(act) -> np.ndarray:
    """(source, target) bool matrix of the chain's direct edges, from its ``edges`` attr."""
    names = [str(v) for v in act["neuron"].values]
    edges = act.attrs["edges"]
    edges = edges.split(",") if isinstance(edges, str) else edges
    out = np.zeros((len(names), len(names)), dtype=bool)
    for edge in edges:
        src, tgt = edge.strip().split("->")
        out[names.index(src), names.index(tgt)] = True
    return out


def kernel_costs(n_time: int, n_src: int = 8, n_tgt: int = 8) -> dict[str, float]:
    """Seconds per pair of the KSG CMI (TE, history 1) and MI at this length, single thread, on the
    benchmark's own kind of activity (a delay chain), standardised and jittered as the engine does:
    sources at t, targets at t + 1 conditioned on their own value at t. (Independent Gaussian data
    would misstate the cost: the kernels' work depends on how the points crowd.)"""
    from infoflow.estimators import ksg

    act = activity(max(n_src, n_tgt) * 4, n_time + 1).values[0]  # (time, neuron), first epoch
    act = (act - act.mean(0)) / act.std(0)
    act = act + 1e-10 * np.random.default_rng(0).standard_normal(act.shape)
    cols = np.linspace(0, act.shape[1] - 1, max(n_src, n_tgt)).astype(int)
    x = np.ascontiguousarray(act[:-1, cols[:n_src]])
    y = np.ascontiguousarray(act[1:, cols[:n_tgt]])
    z = np.ascontiguousarray(act[:-1, cols[:n_tgt]].T[:, :, None])
    ksg.pairwise_cmi(x[:200], y[:200], z[:, :200], n_jobs=1)  # compile / load the numba cache
    ksg.pairwise_mi(x[:200], y[:200], n_jobs=1)
    t0 = time.perf_counter()
    ksg.pairwise_cmi(x, y, z, n_jobs=1)
    t1 = time.perf_counter()
    ksg.pairwise_mi(x, y, n_jobs=1)
    t2 = time.perf_counter()
    return {"cmi": (t1 - t0) / (n_src * n_tgt), "mi": (t2 - t1) / (n_src * n_tgt)}


def predicted_seconds(n_neuron: int, n_lags: int, n_surrogates: int, cost: dict, workers: int,
                      measure: str = "te", pair_fraction: float = 1.0) -> float:
    """Kernel model: every (pair, lag) estimate of the observed data and of each surrogate."""
    per_pair = n_lags * cost["cmi"] if measure == "te" else (n_lags + 1) * cost["mi"]
    pairs = n_neuron * n_neuron  # the all-pairs kernel computes the diagonal too
    observed = pairs * (n_lags * cost["cmi"] + (n_lags + 1) * cost["mi"])  # te + tdmi + mi, all pairs
    return (observed + pairs * pair_fraction * n_surrogates * per_pair) / workers


def _cpu_s() -> float:
    return time.process_time()


def job_airport(cache: str, surrogates: int, save: str | None = None) -> None:
    """The airport net's KSG-tested flow, last epoch, in this process: wall, CPU, peak RSS, the load
    average around it; with ``save`` its te, pvalue and n_surrogates go to that .npz (to compare two
    commits' runs bitwise)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from estimators import trained_network

    from infoflow.flow import information_flow
    from infoflow.train import load_recording

    trained_network(cache)
    act = load_recording(Path(cache) / "greensboro-e60-s0")["activity"].isel(epoch=[-1]).load()
    information_flow(act.isel(time=slice(0, 300)), method="ksg", surrogates=10)  # kernels compiled / loaded
    load0 = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), _cpu_s()
    ds = information_flow(act, method="ksg", surrogates=surrogates)
    wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
    drawn = ds["n_surrogates"].values
    print(f"airport net KSG flow, last epoch ({act.sizes['neuron']} units x {act.sizes['time']} steps, lags 1-3, "
          f"at most {surrogates} surrogates, default scheduler): {wall:.1f} s wall, {cpu:.1f} s CPU, "
          f"peak RSS {_rss_mb():.0f} MB; {int(ds['significant'].sum())} significant; "
          f"{drawn[drawn > 0].mean():.1f} surrogates per tested pair; load average {load0:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after ({os.cpu_count()} CPUs)")
    if save:
        np.savez(save, te=ds["te"].values, pvalue=ds["pvalue"].values, n_surrogates=drawn)


def _captured_calls(act, calls: int) -> list:
    """The arguments of the first ``calls`` calls the KSG flow of ``act`` makes to ``ksg.pairwise_cmi``
    (the job is stopped there)."""
    from infoflow.estimators import ksg
    from infoflow.flow import information_flow

    seen: list = []
    real = ksg.pairwise_cmi

    class Enough(Exception):
        pass

    def capture(X, Y, Z, **kw):
        seen.append((np.array(X), np.array(Y), np.array(Z), dict(kw)))
        if len(seen) >= calls:
            raise Enough
        return real(X, Y, Z, **kw)

    ksg.pairwise_cmi = capture
    try:
        information_flow(act, method="ksg", surrogates=100)
    except Enough:
        pass
    finally:
        ksg.pairwise_cmi = real
    return seen


def _kernel_args(mod, X, Y, Z, kw):
    """``mod.pairwise_cmi``'s inputs for one captured call, built as ``ksg.pairwise_cmi`` builds them."""
    from infoflow.estimators import ksg

    used_a, used_b, PA, PB, _ = ksg._pair_list(kw.get("pairs"), X.shape[1], Y.shape[1])
    Xt = np.ascontiguousarray(X[:, used_a].T)
    Yt = np.ascontiguousarray(Y[:, used_b].T)
    Zt = np.ascontiguousarray(np.transpose(Z[used_b], (0, 2, 1)))
    n = Xt.shape[1]
    recs = (mod.channels(Xt, *ksg._sort_rows(Xt)), mod.channels(Yt, *ksg._sort_rows(Yt)),
            mod.channel_stacks(Zt, *ksg._sort_rows(Zt)))
    return recs + (PA, PB, kw.get("k", ksg.DEFAULT_K), kw.get("theiler", 0), ksg._psi_table(n), ksg._grid_cmi(n)), \
        (Xt.shape[0], Yt.shape[0])


def job_airport_kernel(cache: str, calls: int, baseline: str | None, repeat: int) -> None:
    """The TE kernel alone on the airport job's first ``calls`` kernel calls, one thread: ms per estimate,
    against ``baseline``'s kernels in the same process (interleaved, best of ``repeat``)."""
    import sys
    from pathlib import Path

    import numba

    sys.path.insert(0, str(Path(__file__).parent))
    from estimators import baseline_kernels, trained_network

    from infoflow.estimators import _kernels
    from infoflow.train import load_recording

    trained_network(cache)
    act = load_recording(Path(cache) / "greensboro-e60-s0")["activity"].isel(epoch=[-1]).load()
    seen = _captured_calls(act, calls)
    mods = {"this tree": _kernels}
    if baseline:
        mods[baseline] = baseline_kernels(baseline)
    numba.set_num_threads(1)
    inputs = {name: [_kernel_args(mod, *call) for call in seen] for name, mod in mods.items()}
    n_est = sum(len(args[3]) for args, _ in inputs["this tree"])
    best = {name: np.inf for name in mods}
    outs: dict = {}
    for name, mod in mods.items():  # compile / load the kernels
        args, shape = inputs[name][0]
        mod.pairwise_cmi(*args[:3], args[3][:2], args[4][:2], *args[5:], np.full(shape, np.nan))
    for _ in range(repeat):
        for name, mod in mods.items():
            res = []
            t0 = time.process_time()
            for args, shape in inputs[name]:
                out = np.full(shape, np.nan)
                mod.pairwise_cmi(*args, out)
                res.append(out)
            best[name] = min(best[name], time.process_time() - t0)
            outs[name] = res
    sizes = sorted({call[0].shape[0] for call in seen})
    n = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]}-{sizes[-1]}"
    line = (f"airport job's first {len(seen)} TE kernel calls ({n_est} estimates, n = {n}), one thread, CPU best of "
            f"{repeat}: this tree {best['this tree'] / n_est * 1e3:.3f} ms per estimate")
    if baseline:
        same = all(np.array_equal(a, b, equal_nan=True) for a, b in zip(outs["this tree"], outs[baseline]))
        line += (f"; {baseline} {best[baseline] / n_est * 1e3:.3f} ms (this / baseline "
                 f"{best['this tree'] / best[baseline]:.3f}); identical: {'yes' if same else 'NO'}")
    print(line + f"; load average {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")


def job_full64(args, lags) -> None:
    """The 64-neuron KSG job in this process, with progress timestamps; stops after ``--budget`` s."""
    from infoflow.flow import information_flow

    big = activity(args.neurons, args.steps)
    information_flow(activity(4, 400), method="ksg", lags=lags, surrogates=4)  # compile / load kernels
    t0 = time.perf_counter()
    seen = {"done": 0, "total": 1}

    class Budget(Exception):
        pass

    def callback(done: int, total: int) -> None:
        seen.update(done=done, total=total)
        print(f"  {time.perf_counter() - t0:8.1f} s: {done}/{total} tasks", flush=True)
        if time.perf_counter() - t0 > args.budget:
            raise Budget

    try:
        ds = information_flow(big, method="ksg", lags=lags, surrogates=args.surrogates, screen=args.full == "screen",
                              callback=callback)
    except Budget:
        wall = time.perf_counter() - t0
        print(f"64-neuron KSG job stopped at the {args.budget:.0f} s budget after {wall:.0f} s: "
              f"{seen['done']}/{seen['total']} progress units (units are not equal work; the surrogate rounds "
              f"shrink as pairs are decided). Linear EXTRAPOLATION: "
              f"{wall * seen['total'] / max(seen['done'], 1) / 60:.1f} min")
        return
    wall = time.perf_counter() - t0
    off = ~np.eye(big.sizes["neuron"], dtype=bool)
    print(f"64-neuron KSG job MEASURED ({big.sizes['neuron']} x {args.steps}, lags {lags}, {args.surrogates} "
          f"surrogates, screen={args.full == 'screen'}, default scheduler): {wall / 60:.1f} min; "
          f"{int(ds['significant'].values[off].sum())} significant; peak RSS {_rss_mb():.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--surrogates", type=int, default=100)
    ap.add_argument("--lags", type=int, default=3)
    ap.add_argument("--scaled-neurons", type=int, default=8)
    ap.add_argument("--scaled-surrogates", type=int, default=8)
    ap.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    ap.add_argument("--full", choices=("none", "screen", "noscreen", "both"), default="none",
                    help="also run the full-size KSG job (sequential): screened, unscreened, or both")
    ap.add_argument("--save", default=None, help="folder to write the full-size KSG results to (flow_*.nc); with "
                    "--job airport an .npz of its te, pvalue and n_surrogates")
    ap.add_argument("--job", choices=("airport", "airport-kernel", "full64"), default=None,
                    help="run only this whole job in this process (see the module docstring)")
    ap.add_argument("--budget", type=float, default=float("inf"), help="full64: stop after this many seconds")
    ap.add_argument("--cache", default="runs/bench-cache", help="airport: folder of the trained network")
    ap.add_argument("--calls", type=int, default=6, help="airport-kernel: kernel calls of the job to time")
    ap.add_argument("--baseline", default=None, help="airport-kernel: also this commit's kernels (same process)")
    ap.add_argument("--repeat", type=int, default=3, help="airport-kernel: best of this many interleaved runs")
    args = ap.parse_args()
    if args.quick:
        args.neurons, args.steps, args.surrogates, args.scaled_neurons, args.scaled_surrogates = 16, 2000, 20, 4, 4
    lags = tuple(range(1, args.lags + 1))
    if args.job == "airport":
        return job_airport(args.cache, args.surrogates, args.save)
    if args.job == "airport-kernel":
        return job_airport_kernel(args.cache, args.calls, args.baseline, args.repeat)
    if args.job == "full64":
        return job_full64(args, lags)

    from distributed import Client, LocalCluster

    from infoflow.flow import information_flow

    rows: list[tuple[str, str, str]] = []
    cost = kernel_costs(args.steps)
    rows.append(("KSG CMI (TE) per pair, 1 thread", f"{cost['cmi'] * 1e3:.1f} ms", f"n={args.steps}"))
    rows.append(("KSG MI per pair, 1 thread", f"{cost['mi'] * 1e3:.1f} ms", f"n={args.steps}"))

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        workers = len(client.scheduler_info()["workers"])
        # Warm-up: every worker loads the numba kernels once, outside the timings.
        warm = activity(4, 400)
        for method in ("ksg", "gaussian_copula"):
            information_flow(warm, method=method, lags=lags, surrogates=4, block_size=1, scheduler=client)
        # --- scaled KSG run, full length, all lags
        small = activity(args.scaled_neurons, args.steps)
        n_small = small.sizes["neuron"]
        kw = {"lags": lags, "surrogates": args.scaled_surrogates, "scheduler": client}
        t0 = time.perf_counter()
        full_small = information_flow(small, method="ksg", sequential=False, **kw)
        t_small = time.perf_counter() - t0
        pred_small = predicted_seconds(n_small, len(lags), args.scaled_surrogates, cost, workers)
        rows.append((f"KSG scaled: {n_small} neurons x {args.steps} x {len(lags)} lags x "
                     f"{args.scaled_surrogates} surr.", f"{t_small:.1f} s measured",
                     f"model {pred_small:.1f} s; {int(full_small.significant.sum())} sig."))
        t0 = time.perf_counter()
        scr_small = information_flow(small, method="ksg", screen=True, sequential=False, **kw)
        t_scr = time.perf_counter() - t0
        frac_small = float(scr_small["screened"].values.sum()) / (n_small * (n_small - 1))
        agree = int((scr_small.significant.values == full_small.significant.values).sum())
        rows.append(("  same, screen=True", f"{t_scr:.1f} s measured",
                     f"{frac_small:.0%} pairs pass; speed-up {t_small / t_scr:.2f}x; "
                     f"{agree}/{n_small ** 2} decisions agree"))

        # --- full-size Gaussian-copula run (cheap): time, and the screen pass rate at full size
        big = activity(args.neurons, args.steps)
        n_big = big.sizes["neuron"]
        t0 = time.perf_counter()
        gc = information_flow(big, method="gaussian_copula", lags=lags, surrogates=args.surrogates, scheduler=client)
        t_gc = time.perf_counter() - t0
        p_gc = gc["pvalue"].values
        off = ~np.eye(n_big, dtype=bool)
        frac = float(np.mean(p_gc[off] <= 0.1))
        rows.append((f"Gaussian copula full: {n_big} x {args.steps} x {len(lags)} lags x {args.surrogates} surr.",
                     f"{t_gc:.1f} s measured", f"{int(gc.significant.sum())} significant pairs"))
        # --- the full-size KSG job itself: sequential surrogates (default), with / without the screen
        for screen in {"none": (), "screen": (True,), "noscreen": (False,), "both": (True, False)}[args.full]:
            t0 = time.perf_counter()
            ksg_full = information_flow(big, method="ksg", lags=lags, surrogates=args.surrogates, screen=screen,
                                        scheduler=client)
            t_full = time.perf_counter() - t0
            if args.save:
                from pathlib import Path

                from infoflow._io import save_dataset

                save_dataset(ksg_full, Path(args.save) / f"flow_ksg_{'screen' if screen else 'all'}.nc")
            drawn = ksg_full["n_surrogates"].values[off]
            sig_ksg = ksg_full["significant"].values[off]
            edges = _true_edge_mask(big)[off]
            rows.append((f"KSG full job MEASURED, sequential{', screen=True' if screen else ''}",
                         f"{t_full / 60:.1f} min measured",
                         f"{int(sig_ksg.sum())} significant ({int((sig_ksg & edges).sum())}/{int(edges.sum())} "
                         f"direct edges); surrogates/pair: mean {drawn.mean():.1f} "
                         f"({np.mean(drawn == args.surrogates):.0%} got all, {np.mean(drawn == 0):.0%} none)"))
        worker_rss = client.run(_worker_rss_mb)

    # --- extrapolations for the full KSG job
    full = predicted_seconds(n_big, len(lags), args.surrogates, cost, workers)
    screened = predicted_seconds(n_big, len(lags), args.surrogates, cost, workers, pair_fraction=frac) + t_gc
    flow_only = predicted_seconds(n_big, len(lags), args.surrogates, cost, workers, measure="flow")
    # the scaled run's measured / modelled ratio carries what the kernel model leaves out (Dask,
    # the observed-stage entropies, data movement, load imbalance) over to the full size
    calib = t_small / pred_small
    rows.append((f"KSG full TE job, sequential=False ({n_big} x {args.steps}, {len(lags)} lags, "
                 f"{args.surrogates} surr.)",
                 f"{full / 3600:.2f} h EXTRAPOLATED", f"{workers} workers, kernel model"))
    rows.append(("  calibrated by the scaled run", f"{full * calib / 3600:.2f} h EXTRAPOLATED",
                 f"kernel model x {calib:.2f} (scaled run measured / modelled)"))
    rows.append(("  with screen=True", f"{screened / 3600:.2f} h EXTRAPOLATED",
                 f"{frac:.0%} pairs pass the screen (measured at full size); speed-up {full / screened:.1f}x"))
    rows.append(("  with screen=True, calibrated", f"{(screened - t_gc) * calib / 3600 + t_gc / 3600:.2f} h "
                 "EXTRAPOLATED", "KSG part x the same ratio"))
    rows.append(("  measure='flow' instead of TE (MI only)", f"{flow_only / 3600:.2f} h EXTRAPOLATED",
                 "TDMI - MI needs 4 KSG MIs per pair per surrogate"))
    rows.append(("peak RSS, this process", f"{_rss_mb():.0f} MB", ""))
    rows.append(("peak RSS, per worker", ", ".join(f"{v:.0f} MB" for v in worker_rss.values()), ""))

    width = max(len(r[0]) for r in rows)
    print(f"{'quantity':<{width}}  {'value':<22}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<22}  {note}")


if __name__ == "__main__":
    main()
