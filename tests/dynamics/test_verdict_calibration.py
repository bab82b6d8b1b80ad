"""Calibration of the training verdicts on small families of known-answer curves, both directions.

detect_transition (Q5), compression_verdict (Q3) and lead_lag (Q4) must say "yes" at most at alpha
on curves with no effect and find real effects. With 40 draws a family, the bounds are binomial
quantiles: false alarms may exceed 40 * alpha by chance, so a no-effect family fails only above the
0.9999 quantile of Binomial(40, 0.05) (a failure is then a broken null, not bad luck), and an effect
family fails below the 0.0001 quantile of Binomial(40, 0.8). ``benchmarks/_verdicts_dynamics.py``
measures the same families at 200 draws (docs/concepts.md, "Calibration of the training verdicts").
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from infoflow.bottleneck import compression_verdict
from infoflow.dynamics import detect_transition, lead_lag

DRAWS = 40
ALPHA = 0.05
MAX_FALSE = int(stats.binom.ppf(0.9999, DRAWS, ALPHA))   # 9 of 40
MIN_FOUND = int(stats.binom.ppf(0.0001, DRAWS, 0.8))     # 22 of 40


def _rngs(global_random_seed, tag):
    return [np.random.default_rng([global_random_seed, tag, d]) for d in range(DRAWS)]


def _snr(y, rng, sd, phi=0.0):
    e = rng.standard_normal(y.size)
    for i in range(1, e.size):
        e[i] = phi * e[i - 1] + math.sqrt(1 - phi * phi) * e[i]
    return 10 ** (y + sd * e)


Q5_NULL = {
    "power law": lambda t, r: 1.5 - r.uniform(0.8, 1.6) * np.log10(t),
    "approach to a floor": lambda t, r: np.log10(0.3 + 30 * np.exp(-t / r.uniform(5, 20))),
    "linear in epochs": lambda t, r: 1.0 - r.uniform(0.01, 0.04) * t,
}


@pytest.mark.parametrize("shape", sorted(Q5_NULL))
def test_transition_false_alarms_on_smooth_declines(shape, global_random_seed):
    found = 0
    for d, rng in enumerate(_rngs(global_random_seed, 1)):
        t = np.arange(1, (20 if d % 2 else 50) + 1.0)
        snr = _snr(Q5_NULL[shape](t, rng), rng, sd=rng.choice([0.05, 0.2]), phi=0.5 * (d % 3 == 0))
        found += detect_transition(snr, epochs=t, seed=d)["found"]
    assert found <= MAX_FALSE


def test_transition_found_at_a_step(global_random_seed):
    found, near = 0, 0
    for d, rng in enumerate(_rngs(global_random_seed, 2)):
        n = 20 if d % 2 else 50
        t = np.arange(1, n + 1.0)
        at = int(rng.integers(n // 4, 3 * n // 4))
        snr = _snr(1.0 - 0.3 * np.log10(t) - np.log10(rng.uniform(4, 10)) * (t >= at), rng, sd=0.1)
        r = detect_transition(snr, epochs=t, seed=d)
        found += r["found"]
        near += r["found"] and abs(r["transition_epoch"] - at) <= 1
    assert found >= MIN_FOUND and near >= MIN_FOUND


def _iy(n, rng):
    return 0.5 + 0.3 * (1 - np.exp(-np.arange(n) / 5)) + 0.01 * rng.standard_normal(n)


Q3_NULL = {
    "random walk, flat I(T;Y)": lambda n, r: 3 + np.cumsum(r.choice([0.05, 0.2]) * r.standard_normal(n)),
    "random walk plus noise": lambda n, r: 3 + np.cumsum(0.05 * r.standard_normal(n)) + 0.05 * r.standard_normal(n),
    "saturating rise plus noise": (lambda n, r: 4 - 2 * np.exp(-np.arange(n) / r.uniform(3, 10))
                                   + 0.05 * r.standard_normal(n)),
}


@pytest.mark.parametrize("shape", sorted(Q3_NULL))
def test_compression_false_alarms_on_drifting_curves(shape, global_random_seed):
    said = 0
    for d, rng in enumerate(_rngs(global_random_seed, 3)):
        n = 20 if d % 2 else 60
        said += compression_verdict(Q3_NULL[shape](n, rng), _iy(n, rng), seed=d)["compression"]
    assert said <= MAX_FALSE


def test_a_fall_from_initialisation_is_its_own_finding(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    e = np.arange(40.0)
    v = compression_verdict(2 + 2 * np.exp(-e / 6) + 0.02 * rng.standard_normal(40), _iy(40, rng))
    assert not v["compression"] and v["finding"] == "falls from initialisation" and not v["fitting_phase"]


def test_compression_found_after_a_fitting_phase(global_random_seed):
    said = 0
    for d, rng in enumerate(_rngs(global_random_seed, 4)):
        n = 20 if d % 2 else 60
        t = np.arange(n, dtype=float)
        pk = int(rng.integers(n // 4, n // 2 + 1))
        ix = np.where(t <= pk, 2 + 2 * t / pk, 4 - 4 * rng.uniform(0.1, 0.3) * (t - pk) / (n - 1 - pk))
        said += compression_verdict(ix + 0.05 * rng.standard_normal(n), _iy(n, rng), seed=d)["compression"]
    assert said >= MIN_FOUND


def _pair(make, n, seeds, rng):
    t = np.arange(n, dtype=float)
    xs, ys = zip(*(make(t, rng) for _ in range(seeds)))
    return np.array(xs), np.array(ys)


Q4_NULL = {
    "unrelated decays": lambda t, r: (np.exp(-t / r.uniform(3, 20)) + 0.03 * r.standard_normal(t.size),
                                      np.exp(-t / r.uniform(3, 20)) + 0.03 * r.standard_normal(t.size)),
    "shared trend": lambda t, r: (2 * np.exp(-t / 8) + 0.02 * r.standard_normal(t.size),
                                  np.exp(-t / 8) + 0.02 * r.standard_normal(t.size)),
    "random walks": lambda t, r: (np.cumsum(r.standard_normal(t.size)), np.cumsum(r.standard_normal(t.size))),
}


@pytest.mark.parametrize("shape", sorted(Q4_NULL))
def test_lead_lag_false_alarms_on_unrelated_curves(shape, global_random_seed):
    said = 0
    for d, rng in enumerate(_rngs(global_random_seed, 5)):
        x, y = _pair(Q4_NULL[shape], 20 if d % 2 else 60, 1 + 2 * (d % 3 == 0), rng)
        said += lead_lag(x, y)["significant"]
    assert said <= MAX_FALSE


def test_lead_lag_finds_a_loss_that_follows_two_epochs_later(global_random_seed):
    def make(t, r):
        f = np.cumsum(0.05 * r.standard_normal(t.size + 2))
        return np.exp(-t / 10) + f[2:], 0.3 + np.exp(-t / 8) + f[:-2] + 0.02 * r.standard_normal(t.size)
    leads = 0
    for d, rng in enumerate(_rngs(global_random_seed, 6)):
        x, y = _pair(make, 20 if d % 2 else 60, 1 + 2 * (d % 3 == 0), rng)
        r = lead_lag(x, y)
        leads += r["leads"] and r["best_lag"] == 2
    assert leads >= MIN_FOUND
