"""Properties of the public estimators (``infoflow.estimators``) on arbitrary and seeded data.

MI symmetry for every method that is symmetric, Gaussian-copula invariance under strictly monotone
maps, KSG invariance to shifting and rescaling a marginal, the plug-in entropy identities of the
binning estimator, and the constant-input warning. Statistical statements (MI of independent data
is ~0 on average) are not properties and live in the estimator tests with their tolerance tables.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given, note
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from infoflow import InfoflowWarning
from infoflow.estimators import conditional_mutual_information, entropy, mutual_information

from ._strategies import pairs, seeded_pair

pytestmark = pytest.mark.slow_hypothesis


def _quiet(fn, *args, **kw):
    """Call an estimator with the ties warning silenced (tied inputs are drawn on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfoflowWarning)
        return fn(*args, **kw)


def _r2(x, y):
    return float(np.corrcoef(x, y)[0, 1] ** 2)


# ----------------------------------------------------------------------------- symmetry
@given(xy=pairs(), method=st.sampled_from(["gaussian_copula", "gaussian", "binning"]))
def test_mi_is_symmetric(xy, method):
    x, y = xy
    if method == "gaussian":
        # the Gaussian estimator is a log-determinant: for nearly collinear data its rounding error
        # grows like eps / (1 - r^2), which is conditioning, not asymmetry
        assume(1 - _r2(x, y) > 1e-6)
    a, b = _quiet(mutual_information, x, y, method=method), _quiet(mutual_information, y, x, method=method)
    # swapping the arguments swaps the order of float sums (joint symbols, covariance blocks)
    assert a == pytest.approx(b, rel=1e-10, abs=1e-12)


@given(xy=pairs(), k=st.integers(1, 6))
def test_ksg_mi_is_symmetric_without_jitter(xy, k):
    """KSG algorithm 1 treats x and y alike (max-norm joint distance, two marginal counts), ties included."""
    x, y = xy
    a = _quiet(mutual_information, x, y, k=k, jitter=0.0)
    b = _quiet(mutual_information, y, x, k=k, jitter=0.0)
    assert a == pytest.approx(b, rel=0, abs=1e-12)  # only the order of the digamma sum differs


@given(xy=seeded_pair(ties=False), k=st.integers(1, 6))
def test_ksg_mi_is_symmetric_on_tie_free_data(xy, k):
    """Default jitter (1e-10 sd): swapping the arguments swaps which jitter column each variable gets,
    which cannot change any count on tie-free data, whose gaps are far above the jitter."""
    x, y = xy
    assert mutual_information(x, y, k=k) == pytest.approx(mutual_information(y, x, k=k), rel=0, abs=1e-12)


def _tied_example():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(150)
    y = 0.6 * x + rng.standard_normal(150)
    return np.round(x, 1), np.round(y, 1)


_TIED_EXAMPLE = _tied_example()  # I(x;y) - I(y;x) = 0.0227 nats at the default seed


# Regression: jitter used to follow argument position, so I(X;Y) != I(Y;X) on tied data (~1e-2 nats).
@given(xy=seeded_pair(min_n=60, ties=True))
@example(xy=_TIED_EXAMPLE)
def test_ksg_mi_is_symmetric_on_tied_data_with_default_jitter(xy):
    x, y = xy
    a, b = _quiet(mutual_information, x, y), _quiet(mutual_information, y, x)
    note(f"I(x;y)={a!r} I(y;x)={b!r}")
    assert a == pytest.approx(b, rel=0, abs=1e-9)


# ----------------------------------------------------------------------------- Gaussian copula
_INCREASING = {
    "exp": lambda v: np.exp(v / max(1.0, np.abs(v).max() / 50.0)),  # scaled so it cannot overflow
    "cube": lambda v: v**3,
    "affine": lambda v: 3.5 * v - 7.0,
    "arctan": np.arctan,
    "sinh": lambda v: np.sinh(v / max(1.0, np.abs(v).max() / 50.0)),
    "logistic": lambda v: 1.0 / (1.0 + np.exp(-v / max(1.0, np.abs(v).max() / 30.0))),
}


def _keeps_order(v, fv, *, increasing=True):
    """True if `fv` orders the sample exactly as `v` does (a strictly monotone map can still merge
    neighbouring floats after rounding; the property is about maps that are strictly monotone here)."""
    o = np.argsort(v, kind="stable")
    dv, dfv = np.diff(v[o]), np.diff(fv[o])
    if not np.all(np.isfinite(fv)):
        return False
    return bool(np.all((dv > 0) == (dfv > 0 if increasing else dfv < 0)) and np.all(dfv[dv == 0] == 0))


@given(xy=pairs(), fname=st.sampled_from(sorted(_INCREASING)), which=st.sampled_from(["x", "y", "both"]))
def test_gcmi_invariant_under_strictly_increasing_maps(xy, fname, which):
    x, y = xy
    f = _INCREASING[fname]
    fx = f(x) if which in ("x", "both") else x
    fy = f(y) if which in ("y", "both") else y
    assume(_keeps_order(x, fx) and _keeps_order(y, fy))
    base = _quiet(mutual_information, x, y, method="gaussian_copula")
    # same ranks -> the same normal scores, bit for bit
    assert _quiet(mutual_information, fx, fy, method="gaussian_copula") == base


@given(xy=pairs(), fname=st.sampled_from(sorted(_INCREASING)))
def test_gcmi_invariant_under_strictly_decreasing_maps(xy, fname):
    x, y = xy
    fx = -_INCREASING[fname](x)
    assume(_keeps_order(x, fx, increasing=False))
    base = _quiet(mutual_information, x, y, method="gaussian_copula")
    # reversed ranks give the negated scores only up to rounding (ndtri(1 - p) vs -ndtri(p)), and the
    # correlation changes sign, which -1/2 ln(1 - r^2) does not see. That rounding (~1e-16 in r) is
    # amplified by 1 / (1 - r^2): for identically ranked x and y (r = 1, MI = inf) the reflected
    # copy gives r = -(1 - 1e-16) and a finite ~18 nats, so nearly perfectly ranked pairs are left
    # out (MI < 5 nats means 1 - r^2 > 4e-5, an error below 1e-11 nats).
    assume(base < 5.0)
    assert _quiet(mutual_information, fx, y, method="gaussian_copula") == pytest.approx(base, rel=1e-9, abs=1e-12)


@given(xy=seeded_pair(), seed=st.integers(0, 2**32 - 1), fname=st.sampled_from(sorted(_INCREASING)))
def test_gcmi_cmi_invariant_under_strictly_increasing_maps(xy, seed, fname):
    x, y = xy
    z = x + np.random.default_rng(seed).standard_normal(len(x))
    f = _INCREASING[fname]
    assume(_keeps_order(x, f(x)) and _keeps_order(z, f(z)))
    base = _quiet(conditional_mutual_information, x, y, z, method="gaussian_copula")
    assert _quiet(conditional_mutual_information, f(x), y, f(z), method="gaussian_copula") == base


# ----------------------------------------------------------------------------- KSG affine invariance
_SCALES = st.floats(1e-3, 1e3)
# shift in units of the variable's sd: |shift| / sd <= 100 keeps the rounding of a*x + b (~100 ulp
# of the standardised value) far below the 1e-10 jitter, so KSG must see the same neighbours
_SHIFTS = st.floats(-100.0, 100.0)


@given(xy=pairs(), a=_SCALES, c=_SHIFTS, which=st.sampled_from(["x", "y"]), k=st.integers(1, 6))
def test_ksg_mi_invariant_to_shift_and_positive_scale(xy, a, c, which, k):
    """KSG standardises each column before the (relative) jitter, so a*v + b with a > 0 is seen as v."""
    x, y = xy
    if which == "x":
        x2, y2 = a * x + c * a * x.std(), y
    else:
        x2, y2 = x, a * y + c * a * y.std()
    assume(np.ptp(x2) > 0 and np.ptp(y2) > 0)
    want = _quiet(mutual_information, x, y, k=k)
    assert _quiet(mutual_information, x2, y2, k=k) == pytest.approx(want, rel=0, abs=1e-9)


@given(xy=seeded_pair(), a=_SCALES, c=_SHIFTS, seed=st.integers(0, 2**32 - 1))
def test_ksg_cmi_invariant_to_shift_and_positive_scale(xy, a, c, seed):
    x, y = xy
    z = y + np.random.default_rng(seed).standard_normal(len(y))
    want = _quiet(conditional_mutual_information, x, y, z)
    got = _quiet(conditional_mutual_information, a * x + c * a * x.std(), y, a * z + c * a * z.std())
    assert got == pytest.approx(want, rel=0, abs=1e-9)


@given(xy=seeded_pair(ties=False), a=_SCALES, c=_SHIFTS)
def test_ksg_entropy_shifts_by_log_scale(xy, a, c):
    """H(a X + b) = H(X) + ln a: KSG adds back the log-sd it standardised away."""
    x, _ = xy
    got = entropy(a * x + c * a * x.std())
    assert got == pytest.approx(entropy(x) + np.log(a), rel=0, abs=1e-9)


# ----------------------------------------------------------------------------- binning identities
@st.composite
def discrete_columns(draw, n_cols):
    n = draw(st.integers(2, 150))
    levels = draw(st.integers(1, 12))
    cols = [draw(hnp.arrays(np.int64, n, elements=st.integers(0, levels))).astype(np.float64)
            for _ in range(n_cols)]
    for c in cols:
        assume(np.ptp(c) > 0)
    return cols


@given(cols=discrete_columns(2), bins=st.integers(2, 40))
def test_binning_mi_is_entropy_identity(cols, bins):
    """Plug-in: I(X;Y) = H(X) + H(Y) - H(X,Y) exactly, on arbitrary discrete data."""
    x, y = cols
    mi = _quiet(mutual_information, x, y, method="binning", bins=bins)
    hx = _quiet(entropy, x, method="binning", bins=bins)
    hy = _quiet(entropy, y, method="binning", bins=bins)
    hxy = _quiet(entropy, np.column_stack([x, y]), method="binning", bins=bins)
    assert mi == pytest.approx(hx + hy - hxy, rel=0, abs=1e-12)
    # plug-in MI of discrete symbols lies in [0, min(H(X), H(Y))] and H(X) <= ln(bins)
    assert -1e-12 <= mi <= min(hx, hy) + 1e-12
    assert hx <= np.log(bins) + 1e-12


@given(cols=discrete_columns(3), bins=st.integers(2, 40))
def test_binning_cmi_is_entropy_identity(cols, bins):
    """Plug-in: I(X;Y|Z) = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) exactly, and is >= 0."""
    x, y, z = cols

    def h(*vs):
        return _quiet(entropy, np.column_stack(vs), method="binning", bins=bins)

    cmi = _quiet(conditional_mutual_information, x, y, z, method="binning", bins=bins)
    assert cmi == pytest.approx(h(x, z) + h(y, z) - h(x, y, z) - h(z), rel=0, abs=1e-12)
    assert cmi >= -1e-12


# ----------------------------------------------------------------------------- degenerate input
@given(xy=seeded_pair(ties=False), value=st.floats(-1e3, 1e3),
       method=st.sampled_from(["ksg", "gaussian_copula", "gaussian", "binning"]))
def test_constant_variable_warns(xy, value, method):
    """A constant variable is computable but suspicious: the documented InfoflowWarning names it."""
    x, _ = xy
    with pytest.warns(InfoflowWarning, match="constant"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log(0) of a singular covariance
        mutual_information(x, np.full_like(x, value), method=method)
