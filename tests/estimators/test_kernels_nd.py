"""The shared-target CMI kernel (``infoflow.estimators._kernels_nd`` through ``ksg.cmi_shared``)
against ``ksg.conditional_mutual_information`` (bitwise for scalar sources: the same counts summed in
the same order) and the brute-force twin in ``tests/reference.py``, with and without ties, Theiler
windows, short neighbour lists (every fallback path) and several thread counts."""

from __future__ import annotations

import numpy as np
import pytest

from infoflow.estimators import ksg
from tests import reference as ref


def _system(rng, n, dz, ties):
    a = rng.standard_normal((n, dz + 4))
    a[:, 1:1 + dz] += 0.7 * a[:, :1]  # y and Z dependent, so neighbourhoods are uneven
    a[1:, 0] += 1.0 * a[:-1, -1]  # the last column drives y: a nonzero CMI among the sources
    a = np.round(a, 1) if ties else a
    y, Z, X = a[:, 0], a[:, 1:1 + dz], a[:, 1 + dz:]
    return y, Z, np.column_stack([X, np.roll(a[:, -1], 1)])


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("dz,w,k", [(1, 0, 4), (2, 0, 4), (3, 2, 4), (5, 0, 3), (4, 1, 2)])
@pytest.mark.parametrize("short", [False, True])
def test_scalar_sources_bitwise_equal_to_cmi(rng, monkeypatch, ties, dz, w, k, short):
    if short:  # lists of a few points: most queries take the full-scan and z0-range fallbacks
        monkeypatch.setattr(ksg, "SHARED_LIST", 5)
    y, Z, X = _system(rng, 240, dz, ties)
    got = ksg.cmi_shared(X, ksg.prepare_shared(y, Z, k=k, theiler=w))
    want = np.array([ksg.conditional_mutual_information(X[:, c], y, Z, k=k, theiler=w) for c in range(X.shape[1])])
    np.testing.assert_array_equal(got, want)
    twin = np.array([ref.ksg_cmi(X[:, c], y, Z, k, w) for c in range(X.shape[1])])
    np.testing.assert_allclose(got, twin, rtol=0, atol=1e-10)
    if not ties:  # (rounded values bias KSG upwards)
        assert got[-1] > 0.1 and abs(got[0]) < 0.1  # the driver is found, an unrelated column is not


@pytest.mark.parametrize("dz,dx,w", [(1, 2, 0), (3, 3, 1), (2, 2, 0)])
def test_multivariate_sources_match_the_kd_tree_path(rng, monkeypatch, dz, dx, w):
    y, Z, X = _system(rng, 260, dz, False)
    Xs = np.stack([X[:, :dx], np.column_stack([X[:, -1:], X[:, :dx - 1]])])
    for lst in (256, 6):
        monkeypatch.setattr(ksg, "SHARED_LIST", lst)
        got = ksg.cmi_shared(Xs, ksg.prepare_shared(y, Z, theiler=w))
        want = [ksg.conditional_mutual_information(x, y, Z, theiler=w) for x in Xs]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got, [ref.ksg_cmi(x, y, Z, 4, w) for x in Xs], rtol=0, atol=1e-10)


def test_same_for_any_thread_count_and_equals_pairwise(rng):
    y, Z, X = _system(rng, 400, 3, False)
    target = ksg.prepare_shared(y, Z)
    one = ksg.cmi_shared(X, target, n_jobs=1)
    np.testing.assert_array_equal(one, ksg.cmi_shared(X, target, n_jobs=2))
    np.testing.assert_array_equal(one, ksg.pairwise_cmi(X, y[:, None], Z[None])[:, 0])
    assert ksg.cmi_shared(np.empty((400, 0)), target).shape == (0,)


@pytest.mark.parametrize("dz", [1, 2])
def test_list_length_changes_speed_only(rng, dz):
    """Lists of 6 points (most k-th distances and counts through the z0-order fallbacks), 40 and the
    effective network's 512 give bitwise the same estimates, scalar and multivariate sources alike."""
    y, Z, X = _system(rng, 300, dz, False)
    Xs = np.stack([X[:, :2], X[:, 1:3]])
    want = ksg.cmi_shared(X, ksg.prepare_shared(y, Z, k=3, list_length=6))
    want_joint = ksg.cmi_shared(Xs, ksg.prepare_shared(y, Z, k=3, list_length=6))
    for length in (40, 512):
        target = ksg.prepare_shared(y, Z, k=3, list_length=length)
        np.testing.assert_array_equal(ksg.cmi_shared(X, target), want)
        np.testing.assert_array_equal(ksg.cmi_shared(Xs, target), want_joint)
    cmi = [ksg.conditional_mutual_information(X[:, c], y, Z, k=3) for c in range(X.shape[1])]
    np.testing.assert_array_equal(want, cmi)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("dz", [1, 3, 6])
def test_brute_force_lists_equal_the_kd_tree_lists(rng, monkeypatch, ties, dz):
    """prepare_shared's brute-force neighbour lists (small n, or many dimensions) and scipy's k-d tree
    lists have the same distances (ties in any order) and give bitwise the same estimates, scalar and
    multivariate sources, lists short enough to need the fallbacks and long ones."""
    y, Z, X = _system(rng, 400, dz, ties)
    Xs = np.stack([X[:, :2], X[:, 1:3]])
    for length in (6, 64):
        brute = ksg.prepare_shared(y, Z, k=3, list_length=length)
        monkeypatch.setattr(ksg, "BRUTE_MAX_N", 0)
        tree = ksg.prepare_shared(y, Z, k=3, list_length=length)
        monkeypatch.undo()
        np.testing.assert_array_equal(brute.yz_dist, tree.yz_dist)
        np.testing.assert_array_equal(brute.z_dist, tree.z_dist)
        assert (np.diff(brute.z_dist, axis=1) >= 0).all()
        for i in range(0, 400, 37):  # the same point sets below each list's last distance
            below = brute.z_dist[i] < brute.z_dist[i, -1]
            assert set(brute.z_idx[i][below]) == set(tree.z_idx[i][tree.z_dist[i] < tree.z_dist[i, -1]])
        np.testing.assert_array_equal(ksg.cmi_shared(X, brute), ksg.cmi_shared(X, tree))
        np.testing.assert_array_equal(ksg.cmi_shared(Xs, brute), ksg.cmi_shared(Xs, tree))


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("dz,w", [(2, 0), (3, 1)])
def test_many_scalar_sources_in_lane_blocks(rng, monkeypatch, ties, dz, w):
    """More sources than one lane block holds (``_kernels_nd.LANES``), a last block padded, shifted
    copies of one source (the surrogates' case: equal values in every column, so ties stay ties):
    each bitwise equal to ``conditional_mutual_information``, with lists long enough to settle most
    queries and short enough to send many lanes to the z0-order fallbacks."""
    y, Z, X = _system(rng, 230, dz, ties)
    cols = np.column_stack([X] + [np.roll(X[:, -1], s) for s in (3, 17, 40, 41, 99, 150, 200, 7, 60, 61, 120)])
    assert cols.shape[1] > 2 * ksg._kernels_nd.LANES - 2 and cols.shape[1] % ksg._kernels_nd.LANES
    want = np.array([ksg.conditional_mutual_information(c, y, Z, theiler=w) for c in cols.T])
    for length in (8, 300):
        got = ksg.cmi_shared(cols, ksg.prepare_shared(y, Z, theiler=w, list_length=length))
        np.testing.assert_array_equal(got, want)
    # the (N, n, 1) form is the same scalar path
    np.testing.assert_array_equal(ksg.cmi_shared(cols.T[:, :, None], ksg.prepare_shared(y, Z, theiler=w)), want)


@pytest.mark.parametrize("case", ["spread", "ties", "outlier", "constant"])
@pytest.mark.parametrize("first,L", [(0, 9), (1, 40), (0, 150)])
def test_brute_lists_are_each_points_nearest_sorted_ties_by_index(rng, case, first, L):
    """``_kernels_nd.brute_lists`` (a bucket sort per point) gives exactly a stable sort's first L of every
    point's max-norm distances over rows ``first..``: spread values, many ties (rounded), one far
    outlier (nearly every point in the first bucket: the large-bucket paths) and all distances zero."""
    from infoflow.estimators import _kernels_nd

    C = rng.standard_normal((3, 150))
    if case == "ties":
        C = np.round(C, 1)
    elif case == "outlier":
        C[:, 7] = 1e6
    elif case == "constant":
        C[:] = 0.5
    D = np.max(np.abs(C[first:, None, :] - C[first:, :, None]), axis=0)  # D[i, j]
    want = np.argsort(D, axis=1, kind="stable")[:, :L]
    idx = np.empty((150, L), dtype=np.int64)
    dist = np.empty((150, L))
    _kernels_nd.brute_lists(np.ascontiguousarray(C), first, idx, dist)
    np.testing.assert_array_equal(idx, want)
    np.testing.assert_array_equal(dist, np.take_along_axis(D, want, axis=1))


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("dx,k,w,length", [(2, 4, 0, 300), (3, 4, 1, 8), (2, 3, 0, 8), (4, 4, 2, 60)])
def test_multivariate_lane_blocks_equal_the_one_source_kernel(rng, ties, dx, k, w, length):
    """Multivariate sources walked in lane blocks (``cmi_columns``: more sources than a block, the last
    padded) give bitwise what ``_kernels_nd.cmi_one`` gives source by source (the same counts summed in
    sample order), for k = 4 (the vector loop) and k = 3, with lists short enough for the fallbacks."""
    from infoflow.estimators import _kernels_nd

    y, Z, X = _system(rng, 220, 2, ties)
    cols = np.column_stack([X] + [np.roll(X, s, axis=0) for s in (5, 50, 90)])
    Xs = np.stack([cols[:, c:c + dx] for c in range(cols.shape[1] - dx + 1)])  # (N, n, dx)
    assert Xs.shape[0] > _kernels_nd.LANES and Xs.shape[0] % _kernels_nd.LANES
    t = ksg.prepare_shared(y, Z, k=k, theiler=w, list_length=length)
    got = ksg.cmi_shared(Xs, t)
    want = [_kernels_nd.cmi_one(np.ascontiguousarray(x.T), t.rz0, t.C, t.Cz, t.iz, t.yz_idx, t.yz_dist,
                                t.z_idx, t.z_dist, k, w, t.psi, np.empty(0)) for x in Xs]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(got, [ksg.conditional_mutual_information(x, y, Z, k=k, theiler=w) for x in Xs],
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("shape", [(7,), (5, 300), (2, 3, 64)])
@pytest.mark.parametrize("case", ["spread", "ties", "signed zeros", "constant"])
def test_sort_rows_equals_numpys_stable_sort(rng, shape, case):
    """ksg._sort_rows (default argsort made stable in the kernel) gives exactly the stable argsort's
    order, sorted values and ranks: ties (and -0.0 == 0.0) by increasing index."""
    x = rng.standard_normal(shape)
    if case == "ties":
        x = np.round(x * 2) / 2
    elif case == "signed zeros":
        x = np.where(rng.random(shape) < 0.5, 0.0, -0.0) * (rng.random(shape) < 0.8) + (rng.random(shape) < 0.2)
    elif case == "constant":
        x = np.full(shape, 0.25)
    svals, ranks, order = ksg._sort_rows(x)
    want = np.argsort(x, axis=-1, kind="stable")
    np.testing.assert_array_equal(order, want)
    assert np.array_equal(svals, np.take_along_axis(x, want, axis=-1))
    assert np.array_equal(np.signbit(svals), np.signbit(np.take_along_axis(x, want, axis=-1)))
    np.testing.assert_array_equal(np.take_along_axis(ranks, want, axis=-1),
                                  np.broadcast_to(np.arange(shape[-1]), shape))
