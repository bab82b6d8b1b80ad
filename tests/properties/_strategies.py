"""Hypothesis strategies shared by the property tests: arbitrary finite arrays and seeded correlated data.

Two kinds of input are drawn. ``hypothesis.extra.numpy`` arrays are arbitrary finite float64 vectors
(the shrinker likes long runs of one value, so they are full of ties); seeded generation gives
continuous, correlated, possibly skewed data of moderate size, optionally rounded to create ties.
Constant vectors are excluded: a constant variable has no information and triggers the documented
InfoflowWarning, which has its own property.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# moderate magnitudes: the properties are about estimators, not about float64 overflow in exp/cube
FINITE = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False,
                   allow_subnormal=False, width=64)

MARGINALS = ("normal", "uniform", "lognormal", "student")


def _marginal(rng: np.random.Generator, kind: str, z: np.ndarray) -> np.ndarray:
    """Give standard normal `z` another marginal (monotone maps keep the dependence)."""
    if kind == "uniform":
        from scipy.special import ndtr

        return ndtr(z)
    if kind == "lognormal":
        return np.exp(z)
    if kind == "student":
        return z / np.sqrt(rng.chisquare(3, size=z.shape) / 3.0)
    return z


@st.composite
def arbitrary_pair(draw, *, min_n: int = 20, max_n: int = 120):
    """Two arbitrary, non-constant finite float64 vectors of the same length."""
    n = draw(st.integers(min_n, max_n))
    x = draw(hnp.arrays(np.float64, n, elements=FINITE))
    y = draw(hnp.arrays(np.float64, n, elements=FINITE))
    assume(np.ptp(x) > 0 and np.ptp(y) > 0)
    return x, y


@st.composite
def seeded_pair(draw, *, min_n: int = 20, max_n: int = 200, ties: bool | None = None):
    """Correlated (x, y) from a drawn seed, size, correlation and marginals.

    ``ties=None`` lets Hypothesis choose whether to round to one decimal (many exact ties);
    True / False force it.
    """
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(min_n, max_n))
    rho = draw(st.floats(-0.95, 0.95))
    kx, ky = draw(st.sampled_from(MARGINALS)), draw(st.sampled_from(MARGINALS))
    rounded = draw(st.booleans()) if ties is None else ties
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2))
    x = _marginal(rng, kx, z[:, 0])
    y = _marginal(rng, ky, rho * z[:, 0] + np.sqrt(1 - rho * rho) * z[:, 1])
    if rounded:
        # one decimal of the standardised value: many exact ties whatever the marginal's scale
        x = np.round((x - x.mean()) / x.std(), 1)
        y = np.round((y - y.mean()) / y.std(), 1)
    assume(np.ptp(x) > 0 and np.ptp(y) > 0)
    return x, y


def pairs(**kw):
    """Arbitrary or seeded-correlated pairs, both."""
    return st.one_of(seeded_pair(**kw), arbitrary_pair(min_n=kw.get("min_n", 20)))


@st.composite
def recording(draw, *, min_n: int = 30, max_n: int = 120, min_neurons: int = 2, max_neurons: int = 5,
              ties: bool = False):
    """A (time, neuron) recording of coupled AR(1) neurons from a drawn seed (tie-free unless `ties`)."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(min_n, max_n))
    m = draw(st.integers(min_neurons, max_neurons))
    rng = np.random.default_rng(seed)
    w = 0.5 * rng.standard_normal((m, m)) / np.sqrt(m)
    a = np.zeros((n, m))
    noise = rng.standard_normal((n, m))
    for t in range(1, n):
        a[t] = np.tanh(a[t - 1] @ w) + noise[t]
    if ties:
        a = np.round(a, 1)
    assume(np.all(np.ptp(a, axis=0) > 0))
    return a


def permutations(m: int):
    """A permutation of range(m)."""
    return st.permutations(list(range(m))).map(np.asarray)
