"""False-alarm rate and power of the training verdicts (Q3 compression, Q4 indicators, Q5 phases).

Not collected by pytest and not part of the package. ``benchmarks/verdicts.py`` imports
:func:`calibrate` beside the structure verdicts' one; this file also runs alone::

    python benchmarks/_verdicts_dynamics.py --draws 200     # one table, about a minute on 2 cores

Each family is a generator of synthetic per-epoch curves with a known answer, drawn with several
shapes, lengths (20 or 60 epochs), noise levels and seeds. No-effect families must say "yes" at
most at alpha (within Monte Carlo error, ``mc_se`` = sqrt(rate (1 - rate) / draws)); effect
families should be found at least 80 % of the time.

Verdicts and what counts as "yes": ``detect_transition(...)["found"]`` on a gradient-SNR series,
``compression_verdict(...)["compression"]`` on an (I(X;T), I(T;Y)) pair, and
``lead_lag(...)["significant"]`` on an (indicator, loss) pair (one to three seeds).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from infoflow.bottleneck import compression_verdict  # noqa: E402
from infoflow.dynamics import detect_transition, lead_lag  # noqa: E402

ALPHA = 0.05


def _n(rng: np.random.Generator) -> int:
    return int(rng.choice([20, 60]))


# ------------------------------------------------------------------ Q5: gradient SNR series
def _snr(log10_snr: np.ndarray, rng: np.random.Generator, sd: float | None = None, phi: float = 0.0) -> np.ndarray:
    sd = float(rng.choice([0.05, 0.1, 0.2])) if sd is None else sd
    e = rng.standard_normal(log10_snr.size)
    if phi:
        for i in range(1, e.size):
            e[i] = phi * e[i - 1] + math.sqrt(1 - phi * phi) * e[i]
    return 10 ** (log10_snr + sd * e)


def _q5_power_law(rng):
    t = np.arange(1, _n(rng) + 1.0)
    return _snr(1.5 - rng.uniform(0.8, 1.6) * np.log10(t), rng)


def _q5_floor(rng):
    t = np.arange(1, _n(rng) + 1.0)
    return _snr(np.log10(0.3 + 30 * np.exp(-t / rng.uniform(5, 20))), rng)


def _q5_linear(rng):
    t = np.arange(1, _n(rng) + 1.0)
    return _snr(1.0 - rng.uniform(0.01, 0.04) * t, rng)


def _q5_ar_noise(rng):
    t = np.arange(1, _n(rng) + 1.0)
    return _snr(1.0 - 0.8 * np.log10(t), rng, sd=0.1, phi=0.6)


def _q5_flat(rng):
    return _snr(np.full(_n(rng), rng.uniform(-0.5, 1.0)), rng)


def _q5_step(rng):
    n = _n(rng)
    t = np.arange(1, n + 1.0)
    at = rng.integers(n // 4, 3 * n // 4)
    return _snr(1.0 - 0.3 * np.log10(t) - np.log10(rng.uniform(4, 10)) * (t >= at), rng)


def _q5_step_ar(rng):
    n = _n(rng)
    t = np.arange(1, n + 1.0)
    at = rng.integers(n // 4, 3 * n // 4)
    return _snr(1.0 - 0.5 * np.log10(t) - np.log10(rng.uniform(6, 12)) * (t >= at), rng, sd=0.1, phi=0.5)


def _run_q5(gen: Callable, rng: np.random.Generator, seed: int) -> bool:
    s = gen(rng)
    return bool(detect_transition(s, epochs=np.arange(1, s.size + 1), alpha=ALPHA, seed=seed)["found"])


# ------------------------------------------------------------------ Q3: information-plane curves
def _iy(n, rng):
    t = np.arange(n, dtype=float)
    return 0.5 + 0.3 * (1 - np.exp(-t / 5)) + 0.01 * rng.standard_normal(n)


def _q3_random_walk(rng):
    n = _n(rng)
    return 3 + np.cumsum(rng.choice([0.05, 0.1, 0.2]) * rng.standard_normal(n)), 0.5 + 0.01 * rng.standard_normal(n)


def _q3_random_walk_drift(rng):
    n = _n(rng)
    return 3 + np.cumsum(0.05 + 0.1 * rng.standard_normal(n)), _iy(n, rng)


def _q3_random_walk_noise(rng):
    n = _n(rng)
    return 3 + np.cumsum(0.05 * rng.standard_normal(n)) + 0.05 * rng.standard_normal(n), _iy(n, rng)


def _q3_saturating_rise(rng):
    n = _n(rng)
    t = np.arange(n, dtype=float)
    sd = rng.choice([0.02, 0.05, 0.1])
    return 2 + 2 * (1 - np.exp(-t / rng.uniform(3, 10))) + sd * rng.standard_normal(n), _iy(n, rng)


def _q3_flat(rng):
    n = _n(rng)
    return 3 + rng.choice([0.02, 0.05, 0.1]) * rng.standard_normal(n), _iy(n, rng)


def _q3_decay_from_init(rng):
    n = _n(rng)
    t = np.arange(n, dtype=float)
    sd = rng.choice([0.02, 0.05, 0.1])
    return 2 + 2 * np.exp(-t / rng.uniform(3, 10)) + sd * rng.standard_normal(n), _iy(n, rng)


def _rise_fall(rng, fall, sd):
    n = _n(rng)
    t = np.arange(n, dtype=float)
    pk = rng.integers(n // 4, n // 2 + 1)
    ix = np.where(t <= pk, 2 + 2 * t / pk, 4 - 4 * rng.uniform(*fall) * (t - pk) / (n - 1 - pk))
    return ix + sd * rng.standard_normal(n), _iy(n, rng)


def _q3_rise_fall(rng):
    return _rise_fall(rng, (0.15, 0.35), rng.choice([0.02, 0.05, 0.1]))


def _q3_rise_fall_weak(rng):
    return _rise_fall(rng, (0.08, 0.15), 0.1)


def _q3_rise_fall_walk(rng):
    n = _n(rng)
    t = np.arange(n, dtype=float)
    pk = rng.integers(n // 4, n // 2 + 1)
    ix = np.where(t <= pk, 2 + 2 * t / pk, 4 - 1.2 * (t - pk) / (n - 1 - pk))
    return ix + np.cumsum(0.03 * rng.standard_normal(n)) + 0.03 * rng.standard_normal(n), _iy(n, rng)


def _run_q3(gen: Callable, rng: np.random.Generator, seed: int) -> bool:
    ix, iy = gen(rng)
    return bool(compression_verdict(ix, iy, alpha=ALPHA, seed=seed)["compression"])


# ------------------------------------------------------------------ Q4: indicator and loss
def _pairs(make: Callable, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n, seeds = _n(rng), int(rng.choice([1, 3]))
    t = np.arange(n, dtype=float)
    xs, ys = zip(*(make(t, rng, float(rng.choice([0.01, 0.03, 0.1]))) for _ in range(seeds)))
    return np.array(xs), np.array(ys)


def _q4_unrelated_decays(rng):
    return _pairs(lambda t, r, sd: (np.exp(-t / r.uniform(3, 20)) + sd * r.standard_normal(t.size),
                                    0.2 + np.exp(-t / r.uniform(3, 20)) + sd * r.standard_normal(t.size)), rng)


def _q4_shared_trend(rng):
    def make(t, r, sd):
        tau = r.uniform(3, 20)
        return 2 * np.exp(-t / tau) + sd * r.standard_normal(t.size), np.exp(-t / tau) + sd * r.standard_normal(t.size)
    return _pairs(make, rng)


def _q4_power_laws(rng):
    return _pairs(lambda t, r, sd: ((t + 1) ** -r.uniform(0.3, 1) + sd * r.standard_normal(t.size),
                                    (t + 1) ** -r.uniform(0.3, 1) + sd * r.standard_normal(t.size)), rng)


def _q4_random_walks(rng):
    return _pairs(lambda t, r, sd: (np.cumsum(r.standard_normal(t.size)), np.cumsum(r.standard_normal(t.size))), rng)


def _q4_ar_on_trend(rng):
    def make(t, r, sd):
        out = []
        for _ in range(2):
            e, z = r.standard_normal(t.size), np.zeros(t.size)
            for i in range(1, t.size):
                z[i] = 0.8 * z[i - 1] + e[i]
            out.append(3 * np.exp(-t / 10) + z)
        return tuple(out)
    return _pairs(make, rng)


def _q4_lead(rng):
    def make(t, r, sd):
        f = np.cumsum(0.05 * r.standard_normal(t.size + 2))
        return np.exp(-t / 10) + f[2:], 0.3 + np.exp(-t / 8) + f[:-2] + 0.02 * r.standard_normal(t.size)
    return _pairs(make, rng)


def _run_q4(gen: Callable, rng: np.random.Generator, seed: int) -> bool:
    x, y = gen(rng)
    return bool(lead_lag(x, y, confidence=1 - ALPHA)["significant"])


FAMILIES: list[tuple[str, str, bool, Callable, Callable]] = [
    ("detect_transition", "power-law SNR decay", False, _q5_power_law, _run_q5),
    ("detect_transition", "exponential approach of SNR to a floor", False, _q5_floor, _run_q5),
    ("detect_transition", "log SNR declining linearly in epochs", False, _q5_linear, _run_q5),
    ("detect_transition", "power-law decay, AR(1) noise (phi 0.6)", False, _q5_ar_noise, _run_q5),
    ("detect_transition", "flat SNR", False, _q5_flat, _run_q5),
    ("detect_transition", "4-10 fold step on a slow decline", True, _q5_step, _run_q5),
    ("detect_transition", "6-12 fold step, AR(1) noise (phi 0.5)", True, _q5_step_ar, _run_q5),
    ("compression_verdict", "random-walk I(X;T), flat I(T;Y)", False, _q3_random_walk, _run_q3),
    ("compression_verdict", "random walk with upward drift", False, _q3_random_walk_drift, _run_q3),
    ("compression_verdict", "random walk plus white noise", False, _q3_random_walk_noise, _run_q3),
    ("compression_verdict", "saturating rise plus white noise", False, _q3_saturating_rise, _run_q3),
    ("compression_verdict", "flat plus white noise", False, _q3_flat, _run_q3),
    ("compression_verdict", "decay from initialisation (no fitting phase)", False, _q3_decay_from_init, _run_q3),
    ("compression_verdict", "rise, then 15-35 % fall, I(T;Y) holding", True, _q3_rise_fall, _run_q3),
    ("compression_verdict", "rise, then 8-15 % fall, noise SD 0.1 nat", True, _q3_rise_fall_weak, _run_q3),
    ("compression_verdict", "rise, then 30 % fall, on a random walk plus noise", True, _q3_rise_fall_walk, _run_q3),
    ("lead_lag", "two unrelated smooth exponential decays", False, _q4_unrelated_decays, _run_q4),
    ("lead_lag", "shared exponential trend, independent noise", False, _q4_shared_trend, _run_q4),
    ("lead_lag", "unrelated power-law decays", False, _q4_power_laws, _run_q4),
    ("lead_lag", "independent random walks", False, _q4_random_walks, _run_q4),
    ("lead_lag", "independent AR(1) (phi 0.8) on a shared decay", False, _q4_ar_on_trend, _run_q4),
    ("lead_lag", "loss follows the indicator 2 epochs later", True, _q4_lead, _run_q4),
]


def calibrate(n_draws: int = 200, seed: int = 0) -> list[dict]:
    """False-alarm rate (no-effect families) and power (effect families) of the training verdicts.

    Parameters
    ----------
    n_draws : int, default=200
        Draws per family.
    seed : int, default=0
        Base seed; draw d of family f uses ``default_rng([seed, f, d])``. Same seed, same table.

    Returns
    -------
    rows : list of dict
        One per (verdict, family): ``verdict``, ``family``, ``effect`` (bool), ``draws``, ``yes``
        (draws where the verdict said yes / found / significant), ``rate``, ``mc_se`` (binomial
        standard error sqrt(rate (1 - rate) / draws)) and ``alpha``.
    """
    rows = []
    for f, (verdict, family, effect, gen, run) in enumerate(FAMILIES):
        yes = 0
        for d in range(n_draws):
            rng = np.random.default_rng([seed, f, d])
            yes += run(gen, rng, seed * 1_000_003 + d)
        rate = yes / n_draws
        rows.append({"verdict": verdict, "family": family, "effect": effect, "draws": n_draws, "yes": yes,
                     "rate": rate, "mc_se": math.sqrt(rate * (1 - rate) / n_draws), "alpha": ALPHA})
    return rows


def format_table(rows: list[dict]) -> str:
    """Markdown table of :func:`calibrate` rows."""
    lines = ["| verdict | family | effect | draws | said yes | rate | MC s.e. | target |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        target = ">= 0.80" if r["effect"] else f"<= {r['alpha']:g}"
        lines.append(f"| `{r['verdict']}` | {r['family']} | {'yes' if r['effect'] else 'no'} | {r['draws']} | "
                     f"{r['yes']} | {r['rate']:.3f} | {r['mc_se']:.3f} | {target} |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    table = calibrate(args.draws, args.seed)
    print(format_table(table))
    print(f"\n{args.draws} draws per family, alpha = {ALPHA}, {time.perf_counter() - t0:.1f} s")
