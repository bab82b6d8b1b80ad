"""Benchmark: false-alarm rate and power of every verdict infoflow states, in one table.

Each verdict the report answers with (direction, layers, role order and the flow p-values it rests
on; compression, learning indicators, drift/diffusion phases) is a statistical test. This script
runs each on families of systems whose answer is known, several generators, sizes, noise levels and
seeds of our own, and counts how often it says "yes":

* rows with ``effect = no`` give the **false-alarm rate**: it must be at most alpha within Monte
  Carlo error (the ``ok`` column checks rate <= alpha + 2 MC standard errors);
* rows with ``effect = yes`` give the **power**: the share of draws in which the effect was found.

The families live beside the code they calibrate: ``_verdicts_structure.py`` (flow significance,
direction, layers) and ``_verdicts_dynamics.py`` (bottleneck, indicators, phases). Their
``calibrate(n_draws, seed)`` returns one row per (verdict, family).

Run: ``.venv/bin/python benchmarks/verdicts.py`` (200 draws per dynamics family, 100 per structure
family; ``--draws N`` for both, ``--only structure|dynamics``, ``--json out.json`` to keep the rows).
Not collected by pytest; the unit tests run small versions of the same families.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

PARTS = {"structure": ("_verdicts_structure", 100), "dynamics": ("_verdicts_dynamics", 200)}


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _check(row: dict) -> str:
    if row["effect"]:
        return "power"
    bound = row["alpha"] + 2 * math.sqrt(row["alpha"] * (1 - row["alpha"]) / row["draws"])
    return "ok" if row["rate"] <= bound else "TOO HIGH"


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=None, help="draws per family (default: 100 structure, 200 dynamics)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", choices=sorted(PARTS), default=None)
    ap.add_argument("--json", type=Path, default=None, help="write the rows here too")
    args = ap.parse_args(argv)
    rows: list[dict] = []
    for part, (module, default_draws) in PARTS.items():
        if args.only and part != args.only:
            continue
        t0 = time.perf_counter()
        mod = importlib.import_module(module)
        part_rows = mod.calibrate(n_draws=args.draws or default_draws, seed=args.seed)
        for r in part_rows:
            r["part"] = part
        rows += part_rows
        print(f"[{part}: {len(part_rows)} families in {time.perf_counter() - t0:.0f} s]", flush=True)
    print(f"\nmachine: {platform.machine()} {platform.processor() or ''}; commit {_commit()}; seed {args.seed}\n")
    print("| verdict | family | effect | draws | said yes | rate | MC s.e. | alpha | check |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['verdict']} | {r['family']} | {'yes' if r['effect'] else 'no'} | {r['draws']} | {r['yes']} "
              f"| {r['rate']:.3f} | {r['mc_se']:.3f} | {r['alpha']} | {_check(r)} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=float))
    return rows


if __name__ == "__main__":
    main()
