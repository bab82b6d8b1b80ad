"""The compiled KSG kernels (``infoflow.estimators._kernels``) equal their brute-force twins in
``tests/reference.py`` on small arbitrary arrays: n from 20 to 200, exact ties (rounding, or small
integers, where whole points coincide and the k-th distance can be 0), every k, Theiler window and
grid size. ``tests/estimators/test_kernels.py`` pins the same kernels on fixed seeds; here
Hypothesis searches the corners (duplicate points, near-empty grids, windows that leave exactly
k admissible neighbours).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, event, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from infoflow.estimators import _kernels as K
from infoflow.estimators import ksg
from tests import reference as ref

pytestmark = pytest.mark.slow_hypothesis


@st.composite
def samples(draw, d, *, min_n=20, max_n=200):
    """(n, d) float64: seeded correlated normals, optionally rounded (ties), or arbitrary small integers
    (many coincident points; "split" ones tie in every column but one) / floats from
    hypothesis.extra.numpy."""
    n = draw(st.integers(min_n, max_n))
    kind = draw(st.sampled_from(["seeded", "integers", "split_integers", "floats"]))
    if kind == "seeded":
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        a = rng.standard_normal((n, d))
        a[:, 1:] += draw(st.floats(-2, 2)) * a[:, :1]
        decimals = draw(st.sampled_from([None, 0, 1, 2]))
        return a if decimals is None else np.round(a, decimals)
    if kind in ("integers", "split_integers"):
        top = draw(st.integers(1, 20))
        a = draw(hnp.arrays(np.int64, (n, d), elements=st.integers(0, top))).astype(np.float64)
        if kind == "split_integers":
            # distinct sub-unit offsets in one column: ties everywhere else, but no coincident points
            a[:, draw(st.integers(0, d - 1))] += np.random.default_rng(n).permutation(n) / (2.0 * n)
        return a
    return draw(hnp.arrays(np.float64, (n, d), elements=st.floats(-100, 100, allow_subnormal=False)))


def _admissible(n, k, w):
    # every point needs k neighbours outside its Theiler window |i - j| <= w
    return n - (2 * w + 1) >= k


def _admissible_and_note(a, n, k, w):
    """`_admissible`, and record for --hypothesis-show-statistics what kind of ties the draw has."""
    if np.any(ref.kth_distance(a, k, w) == 0):
        event("coincident points")
    elif any(len(np.unique(c)) < len(c) for c in np.asarray(a).T):
        event("marginal ties")
    else:
        event("tie-free")
    return _admissible(n, k, w)


@given(a=samples(2), k=st.integers(1, 6), w=st.integers(0, 5), G=st.integers(1, 25))
def test_mi_pair_equals_reference(a, k, w, G):
    n = len(a)
    assume(_admissible_and_note(a, n, k, w))
    x, y = a[:, 0].copy(), a[:, 1].copy()
    want = ref.ksg_mi_local(x, y, k, w)
    for g in (G, ksg._grid_mi(n)):
        local = np.empty(n)
        got = K.mi_pair(ksg._channel(x), ksg._channel(y), k, w, ksg._psi_table(n), g, local)
        np.testing.assert_allclose(local, want, rtol=0, atol=1e-12)
        assert got == pytest.approx(want.mean(), rel=0, abs=1e-10)


@given(data=st.data(), dz=st.integers(1, 3), k=st.integers(1, 6), w=st.integers(0, 5), G=st.integers(1, 25))
def test_cmi_pair_equals_reference(data, dz, k, w, G):
    a = data.draw(samples(2 + dz))
    n = len(a)
    assume(_admissible_and_note(a, n, k, w))
    x, y, z = a[:, :1], a[:, 1:2], a[:, 2:]
    want = ref.ksg_cmi(x, y, z, k, w)
    for g in (G, ksg._grid_cmi(n)):
        got = K.cmi_pair(*ksg._cmi_inputs(x, y, z), k, w, ksg._psi_table(n), g, np.empty(0))
        assert got == pytest.approx(want, rel=0, abs=1e-10)


@given(data=st.data(), k=st.integers(1, 6), w=st.integers(0, 3))
def test_family_functions_equal_reference(data, k, w):
    """The family entry points ksg.mutual_information / local / conditional / entropy, scalar and
    multivariate (cKDTree path), against the twins."""
    a = data.draw(samples(4, max_n=120))
    n = len(a)
    assume(_admissible_and_note(a, n, k, w))
    x, y, z = a[:, 0], a[:, 1], a[:, 2:]
    assert ksg.mutual_information(x, y, k=k, theiler=w) == pytest.approx(ref.ksg_mi(x, y, k, w), abs=1e-10)
    np.testing.assert_allclose(ksg.local_mutual_information(x, a[:, 1:], k=k, theiler=w),
                               ref.ksg_mi_local(x, a[:, 1:], k, w), rtol=0, atol=1e-12)
    assert ksg.conditional_mutual_information(x, y, z, k=k, theiler=w) == pytest.approx(
        ref.ksg_cmi(x, y, z, k, w), abs=1e-10)
    assert ksg.conditional_mutual_information(a[:, :2], a[:, 2], a[:, 3], k=k, theiler=w) == pytest.approx(
        ref.ksg_cmi(a[:, :2], a[:, 2], a[:, 3], k, w), abs=1e-10)
    eps = ref.kth_distance(a[:, :2], k, w)
    if np.all(eps > 0):  # KL entropy takes log(eps): coincident points make it -inf in both
        assert ksg.entropy(a[:, :2], k=k, theiler=w) == pytest.approx(ref.kl_entropy(a[:, :2], k, w), abs=1e-10)


@given(data=st.data(), N=st.integers(1, 3), M=st.integers(1, 3), dz=st.integers(1, 2),
       k=st.integers(1, 5), w=st.integers(0, 2))
def test_all_pairs_kernels_equal_reference_loop(data, N, M, dz, k, w):
    a = data.draw(samples(N + M + M * dz, max_n=100))
    n = len(a)
    assume(_admissible(n, k, w))
    X, Y = a[:, :N], a[:, N:N + M]
    Z = np.ascontiguousarray(a[:, N + M:].reshape(n, M, dz).transpose(1, 0, 2))
    np.testing.assert_allclose(ksg.pairwise_mi(X, Y, k=k, theiler=w), ref.pairwise(ref.ksg_mi, X, Y, k, w),
                               rtol=0, atol=1e-10)
    want = np.array([[ref.ksg_cmi(X[:, i], Y[:, j], Z[j], k, w) for j in range(M)] for i in range(N)])
    np.testing.assert_allclose(ksg.pairwise_cmi(X, Y, Z, k=k, theiler=w), want, rtol=0, atol=1e-10)


# ----------------------------------------------------------------------------- coincident points
# When a point has k coincident neighbours its k-th max-norm distance is 0, nextafter(0, 0) == 0, and
# "strictly inside" becomes "coincident". Public calls jitter first (default jitter=1e-10), so only
# jitter=0.0 on data with repeated points reaches this, but the twin defines it and the kernels
# must agree. Random draws rarely hit it, hence these tests and their pinned minimal examples (both
# kernels disagreed with their twins here until commits ecdf31b and ca5129b).
def _coincident(a, k):
    """Non-constant columns and at least one point whose k-th neighbour coincides with it."""
    return bool(np.all(np.ptp(a, axis=0) > 0) and np.any(ref.kth_distance(a, k, 0) == 0))


@given(a=samples(2), k=st.integers(1, 4), G=st.integers(1, 25))
@example(a=np.repeat(np.r_[0.0, np.ones(19)][:, None], 2, axis=1), k=1, G=3)
def test_mi_pair_equals_reference_on_coincident_points(a, k, G):
    assume(_coincident(a, k))
    x, y = a[:, 0].copy(), a[:, 1].copy()
    n = len(x)
    local = np.empty(n)
    K.mi_pair(ksg._channel(x), ksg._channel(y), k, 0, ksg._psi_table(n), G, local)
    np.testing.assert_allclose(local, ref.ksg_mi_local(x, y, k, 0), rtol=0, atol=1e-12)


@given(a=samples(3), k=st.integers(1, 4), G=st.integers(1, 25))
@example(a=np.repeat(np.r_[1.0, np.zeros(19)][:, None], 3, axis=1), k=1, G=2)
def test_cmi_pair_equals_reference_on_coincident_points(a, k, G):
    assume(_coincident(a, k))
    x, y, z = a[:, :1], a[:, 1:2], a[:, 2:]
    got = K.cmi_pair(*ksg._cmi_inputs(x, y, z), k, 0, ksg._psi_table(len(a)), G, np.empty(0))
    assert got == pytest.approx(ref.ksg_cmi(x, y, z, k, 0), rel=0, abs=1e-10)
