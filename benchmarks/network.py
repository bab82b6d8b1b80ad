"""Benchmark: the effective network (multivariate TE) against known parents, and against IDTxl.

Ground truths of our own (``infoflow.data.parents_network``): linear VAR networks and coupled
logistic maps, N nodes with 2-3 random parents at random lags 1-3 each, and a five-unit chain with a
common driver. For each system and sample count the script prints precision and recall of
``effective_network`` (KSG and Gaussian copula), its wall time per target, and, where the peer is
installed (``pip install idtxl-uv`` + Java; uninstall ``mpi4py`` if it cannot load an MPI library),
IDTxl's ``MultivariateTE`` with ``JidtKraskovCMI`` on the same data and matched settings (k = 4, source
lags 1-3, target lags up to 3, the same permutation counts), timed per target in the same run.
A missing peer is skipped with a note.

Also (``--layers``) the 17-unit five-layer system with a shared 24-step rhythm on its inputs (the
issue's speed target: its whole KSG network at 6,000 samples in 2 minutes), and (``--airport RUN_DIR``)
the KSG effective network of a trained run's last epoch (``infoflow run DIR --quick`` makes one; the
target: 3 minutes).

Run: ``.venv/bin/python benchmarks/network.py`` (``--quick`` smoke run; ``--samples 100,1000,6000``;
``--nodes 10``; ``--idtxl-targets 1`` how many targets IDTxl gets, it is slow; ``--null-draws 20``
networks of independent units per null family, where every parent found is false). Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import time
from pathlib import Path

import numpy as np


def _truth(act) -> np.ndarray:
    n = act.sizes["neuron"]
    true = np.zeros((n, n), dtype=bool)
    true[act.attrs["edge_source"], act.attrs["edge_target"]] = True
    return true


def _pooled(counts: list[tuple[int, int]]) -> str:
    """Hits / trials pooled over networks, with its binomial standard error."""
    hits, trials = (sum(c[i] for c in counts) for i in (0, 1))
    p = hits / max(trials, 1)
    return f"{p:.3f} +- {np.sqrt(p * (1 - p) / max(trials, 1)):.3f} ({hits}/{trials})"


def _score(sig: np.ndarray, true: np.ndarray) -> tuple[float, float]:
    tp = int((sig & true).sum())
    return tp / max(int(sig.sum()), 1), tp / max(int(true.sum()), 1)


def _idtxl_target(x: np.ndarray, target: int, surrogates: int) -> tuple[set[int], float] | None:
    """IDTxl's MultivariateTE for one target (JIDT KSG, k = 4), or None when IDTxl is absent."""
    try:
        from idtxl.data import Data
        from idtxl.multivariate_te import MultivariateTE
    except Exception as exc:  # ImportError, or JPype/MPI failing to load
        print(f"  [IDTxl skipped: {type(exc).__name__}: {exc}]")
        return None
    data = Data(x.T, dim_order="ps", normalise=True)
    settings = {"cmi_estimator": "JidtKraskovCMI", "kraskov_k": 4, "max_lag_sources": 3, "min_lag_sources": 1,
                "max_lag_target": 3, "n_perm_max_stat": surrogates, "n_perm_min_stat": surrogates,
                "n_perm_omnibus": surrogates, "n_perm_max_seq": surrogates, "verbose": False}
    t0 = time.perf_counter()
    res = MultivariateTE().analyse_single_target(settings=settings, data=data, target=target)
    secs = time.perf_counter() - t0
    sel = res.get_single_target(target, fdr=False)["selected_vars_sources"] or []
    return {int(v[0]) for v in sel}, secs


def main(argv: list[str] | None = None) -> None:
    from infoflow.data import parents_network
    from infoflow.flow import effective_network

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", default="300,1000,3000,6000")
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=0, help="first network seed of the precision / recall table")
    ap.add_argument("--surrogates", type=int, default=100)
    ap.add_argument("--methods", default="gaussian_copula,ksg")
    ap.add_argument("--idtxl-targets", type=int, default=1)
    ap.add_argument("--idtxl-max-samples", type=int, default=1000,
                    help="IDTxl runs only up to this many samples (measured: 146-284 s per target at 1,000, "
                         "1,897 s at 6,000)")
    ap.add_argument("--null-draws", type=int, default=20, help="networks per null family (0: skip)")
    ap.add_argument("--null-units", type=int, default=6, help="units per null network")
    ap.add_argument("--null-phis", default="0.0,0.5,0.9", help="AR(1) coefficients of the null families")
    ap.add_argument("--null-first", type=int, default=0, help="first draw of the null families (fresh networks: "
                    "another range than an earlier run's)")
    ap.add_argument("--layers", type=int, default=6000, help="samples of the 17-unit five-layer system (0: skip)")
    ap.add_argument("--airport", default="", help="run folder of `infoflow run` (its seed_0 recording's last epoch), "
                    "or one seed's folder holding recording.zarr")
    ap.add_argument("--screen-top", default="16", help="effective_network's screen_top for KSG ('none': KSG for "
                    "every candidate, the behaviour before the copula screen)")
    ap.add_argument("--surrogate", default="shift", help="effective_network's surrogate scheme(s), comma-separated "
                    "('shift,local': both on the same data, one row each)")
    ap.add_argument("--kinds", default="var,logistic", help="systems of the precision / recall table")
    ap.add_argument("--chain-draws", type=int, default=0, help="networks of the dependent-source null (a chain with a "
                    "common driver: every grandparent is tied to a parent it drives, and is no parent); 0: skip")
    ap.add_argument("--only-extra", action="store_true", help="only the five-layer system and the airport net")
    ap.add_argument("--only-null", action="store_true", help="only the null families")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    a.screen_top = None if a.screen_top.lower() == "none" else int(a.screen_top)
    if a.quick:
        a.samples, a.nodes, a.seeds, a.surrogates, a.idtxl_targets, a.null_draws = "500", 6, 1, 25, 1, 2
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    print(f"commit {commit}; {a.nodes} nodes, 2 parents each, lags 1-3; {a.surrogates} surrogates; k = 4; "
          f"KSG screen_top {a.screen_top}; load {' '.join(f'{v:.1f}' for v in os.getloadavg())}\n")
    # warm-up: the first call loads the compiled kernels (numba's cache) and imports, a few seconds that
    # no timed row should carry (before 2026-12-06 the first row's s per target included them)
    warm = np.random.default_rng(0).standard_normal((600, 4))
    for method in ("ksg", "gaussian_copula"):
        effective_network(warm, method=method, surrogates=19, lags=(1, 2), max_history=2, seed=0)
    if a.layers:
        _layers_row(a)
    if a.airport:
        _airport_row(a)
    if a.only_extra:
        return
    if a.only_null:
        _null_table(a)
        if a.chain_draws:
            _chain_table(a)
        return
    print("| system | samples | method | surrogate | precision (pooled, +- s.e.) | recall | "
          "targets with a false parent | s per target | surrogates per target | "
          "IDTxl precision / recall (its targets) | IDTxl s per target | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for kind in a.kinds.split(","):
        for n in (int(v) for v in a.samples.split(",")):
            for method, scheme in ((m, sch) for m in a.methods.split(",") for sch in a.surrogate.split(",")):
                prec, rec, secs, false_t, drawn = [], [], [], 0, []
                for seed in range(a.first_seed, a.first_seed + a.seeds):
                    act = parents_network(n, a.nodes, n_parents=2, kind=kind, seed=seed)
                    t0 = time.perf_counter()
                    net = effective_network(act, method=method, surrogates=a.surrogates, seed=seed,
                                            screen_top=a.screen_top, surrogate=scheme)
                    secs.append((time.perf_counter() - t0) / a.nodes)
                    drawn.append(float(net["surrogates_drawn"].mean()))
                    sig, true = net["significant"].values, _truth(act)
                    false_t += int((sig & ~true).any(axis=0).sum())
                    prec.append((int((sig & true).sum()), int(sig.sum())))  # (true positives, links found)
                    rec.append((int((sig & true).sum()), int(true.sum())))
                peer, peer_acc, ratio = "", "", ""
                if method == "ksg" and scheme == "shift" and a.idtxl_targets and n <= a.idtxl_max_samples:
                    act = parents_network(n, a.nodes, n_parents=2, kind=kind, seed=0)
                    got = [_idtxl_target(act.values[0], j, a.surrogates) for j in range(a.idtxl_targets)]
                    if all(g is not None for g in got):
                        true = _truth(act)[:, :a.idtxl_targets]
                        sig = np.zeros_like(true)
                        for j, (parents, _) in enumerate(got):
                            sig[sorted(parents), j] = True
                        peer_acc = "{:.2f} / {:.2f}".format(*_score(sig, true))
                        peer_s = float(np.mean([g[1] for g in got]))
                        peer, ratio = f"{peer_s:.1f}", f"{peer_s / np.mean(secs):.1f}x"
                print(f"| {kind} | {n} | {method} | {scheme} | {_pooled(prec)} | {_pooled(rec)} | "
                      f"{false_t} / {a.seeds * a.nodes} | {np.mean(secs):.2f} | {np.mean(drawn):.0f} "
                      f"| {peer_acc} | {peer} | {ratio} |", flush=True)
    if a.null_draws:
        _null_table(a)
    if a.chain_draws:
        _chain_table(a)
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def layers17(n_time: int, seed: int = 0):
    """17 units in five layers (3, 4, 4, 3, 3), each unit driven at lag 1 by two units of the layer
    before (tanh, self-coupling 0.3, noise 0.5), the three inputs sharing a 24-step rhythm: the
    system of the issue, where bivariate TE flags many pairs two or more layers apart. Returns the
    activity (time, unit), roles and the true parent matrix."""
    rng = np.random.default_rng(seed)
    widths = (3, 4, 4, 3, 3)
    layer = np.repeat(np.arange(5), widths)
    n = layer.size
    w = np.zeros((n, n))
    for j in range(n):
        if layer[j]:
            prev = np.flatnonzero(layer == layer[j] - 1)
            w[rng.choice(prev, 2, replace=False), j] = rng.choice([-1.0, 1.0], 2) * rng.uniform(0.6, 1.0, 2)
    x = np.zeros((n_time + 100, n))
    t = np.arange(x.shape[0])
    rhythm = np.sin(2 * np.pi * t / 24.0)
    for s in range(1, x.shape[0]):
        x[s] = np.tanh(0.3 * x[s - 1] + x[s - 1] @ w) + 0.5 * rng.standard_normal(n)
        x[s, :3] += 0.8 * rhythm[s]
    roles = ["input"] * 3 + ["hidden"] * 11 + ["output"] * 3
    return x[100:], roles, w != 0


def _layers_row(a) -> None:
    from infoflow.flow import effective_network

    x, roles, true = layers17(a.layers)
    print(f"17-unit five-layer system, {a.layers} samples, KSG, {a.surrogates} surrogates:")
    for cond in (False,):
        t0 = time.perf_counter()
        net = effective_network(x, roles=roles, method="ksg", surrogates=a.surrogates, condition_on_input=cond,
                                screen_top=a.screen_top)
        secs = time.perf_counter() - t0
        sig = net["significant"].values
        p, r = _score(sig, true)
        far = int(sum(sig[i, j] for i in range(17) for j in range(17)
                      if abs(_layer_of(j) - _layer_of(i)) >= 2))
        print(f"  condition_on_input={cond}: {secs:.0f} s for the whole network ({secs / 17:.1f} s per target); "
              f"precision {p:.3f} recall {r:.3f}; links two or more layers apart {far}; "
              f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)


def _layer_of(u: int) -> int:
    return int(np.searchsorted(np.cumsum((3, 4, 4, 3, 3)), u, side="right"))


def _airport_row(a) -> None:
    import xarray as xr

    from infoflow.flow import effective_network

    folder = Path(a.airport)
    # a run folder (its seed_0 recording) or one seed's folder (its own recording.zarr)
    ds = xr.open_zarr((folder / "seed_0" if (folder / "seed_0").is_dir() else folder) / "recording.zarr")
    act = ds["activity"]
    t0 = time.perf_counter()
    net = effective_network(ds, method="ksg", surrogates=a.surrogates, epochs="last", screen_top=a.screen_top)
    secs = time.perf_counter() - t0
    print(f"airport net ({a.airport}, seed 0, last epoch: {act.sizes['time']} steps x {act.sizes['neuron']} units), "
          f"KSG: {secs:.0f} s ({secs / act.sizes['neuron']:.1f} s per target), "
          f"{int(net['significant'].values.sum())} links; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB\n", flush=True)


def _null_table(a) -> None:
    """False parents where there are none: independent AR(1) units (white, autocorrelated, slow).

    Each target's inclusion test is a level-alpha test of "no candidate adds information", so the
    share of targets that get any parent should be at most alpha (within Monte Carlo error)."""
    from infoflow.flow import effective_network

    print("\nNo edges at all: share of targets given a false parent (should be <= alpha = 0.05)\n")
    print("| units | samples | AR(1) coefficient | method | surrogate | targets | with a false parent | rate | MC s.e. "
          "| s per target |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    n = int(a.samples.split(",")[0])
    for phi in (float(v) for v in a.null_phis.split(",")):
        for method, scheme in ((m, sch) for m in a.methods.split(",") for sch in a.surrogate.split(",")):
            hits = total = 0
            t0 = time.perf_counter()
            for draw in range(a.null_first, a.null_first + a.null_draws):
                rng = np.random.default_rng(1000 + draw)
                x = rng.standard_normal((n, a.null_units))
                for t in range(1, n):
                    x[t] += phi * x[t - 1]
                net = effective_network(x, method=method, surrogates=a.surrogates, seed=draw, screen_top=a.screen_top,
                                        surrogate=scheme)
                hits += int(net["selected"].values.any(axis=0).sum())
                total += a.null_units
            rate = hits / total
            mc_se = np.sqrt(0.05 * 0.95 / total)
            secs = (time.perf_counter() - t0) / total
            print(f"| {a.null_units} | {n} | {phi} | {method} | {scheme} | {total} | {hits} | {rate:.3f} | {mc_se:.3f} "
                  f"| {secs:.2f} |", flush=True)


def chain_network(n_time: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The dependent-source null: a VAR chain 0 -> 1 -> 2 -> 3 (lag 1, weight 0.5) whose units 1 and 3 share
    a common driver 4 (lags 1 and 2, weight 0.4), self-coupling 0.3, unit noise. Units 0 and 4 are
    grandparents of 2 (through 1), 1 and 4 (again) of 3 (through 2): each is tied to the parent it drives,
    which the test conditions on, and is no parent itself. Returns the activity and the true parents."""
    rng = np.random.default_rng(seed)
    w = np.zeros((5, 5, 3))  # (source, target, lag - 1)
    w[0, 1, 0] = w[1, 2, 0] = w[2, 3, 0] = 0.5
    w[4, 1, 0] = w[4, 3, 1] = 0.4
    x = np.zeros((n_time + 200, 5))
    e = rng.standard_normal(x.shape)
    for t in range(3, x.shape[0]):
        x[t] = 0.3 * x[t - 1] + sum(x[t - 1 - lag] @ w[:, :, lag] for lag in range(3)) + e[t]
    return x[200:], w.any(axis=2)


def _chain_table(a) -> None:
    """Targets given a false parent on the dependent-source null (:func:`chain_network`)."""
    from infoflow.flow import effective_network

    print("\nChain with a common driver (grandparents tied to the parents they drive): targets with a false "
          "parent, and recall\n")
    print("| samples | method | surrogate | targets | with a false parent | rate | MC s.e. | recall | s per target |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in (int(v) for v in a.samples.split(",")):
        for method, scheme in ((m, sch) for m in a.methods.split(",") for sch in a.surrogate.split(",")):
            hits = total = found = wires = 0
            t0 = time.perf_counter()
            for draw in range(a.chain_draws):
                x, true = chain_network(n, 2000 + draw)
                net = effective_network(x, method=method, surrogates=a.surrogates, seed=draw, screen_top=a.screen_top,
                                        surrogate=scheme)
                sig = net["significant"].values
                hits += int((sig & ~true).any(axis=0).sum())
                total += 5
                found += int((sig & true).sum())
                wires += int(true.sum())
            rate = hits / total
            print(f"| {n} | {method} | {scheme} | {total} | {hits} | {rate:.3f} | {np.sqrt(0.05 * 0.95 / total):.3f} "
                  f"| {found}/{wires} | {(time.perf_counter() - t0) / total:.2f} |", flush=True)


if __name__ == "__main__":
    main()
