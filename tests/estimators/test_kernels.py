"""Each compiled kernel of ``infoflow.estimators._kernels`` against its brute-force twin in
``tests/reference.py``, on small arrays with and without ties and Theiler windows."""

from __future__ import annotations

import numpy as np
import pytest

from infoflow.estimators import _kernels as K
from infoflow.estimators import ksg
from tests import reference as ref


def _data(rng, n, d, ties):
    a = rng.standard_normal((n, d))
    a[:, 1:] += 0.7 * a[:, :1]  # some dependence, so the grid is not uniform
    return np.round(a, 1) if ties else a  # rounding to 0.1 gives many exact ties


def _crowded(rng, n, kind, ties):
    """Two columns whose marginals pile up where tanh units saturate: "saturated" units tanh(3 u)
    of a random recurrent system, or slow units pinned near +-1, tanh(c cumsum(z) + z). With
    ``ties`` the pinned units reach exactly +-1.0 and the saturated ones are rounded to 0.01, so
    many points coincide on one or both coordinates."""
    if kind == "saturated":
        W = rng.standard_normal((2, 2)) * 1.2 / np.sqrt(2)
        h, a = np.zeros(2), np.empty((n, 2))
        for t in range(n):
            h = np.tanh(3.0 * (W @ h + 0.5 * rng.standard_normal(2)))
            a[t] = h
        return np.round(a, 2) if ties else a
    z = rng.standard_normal((n, 2))
    return np.tanh((2.0 if ties else 0.3) * np.cumsum(z, axis=0) + z)


CROWDED = [("saturated", False), ("saturated", True), ("pinned", False), ("pinned", True)]


def _sorted(col):
    return ksg._sort_rows(np.ascontiguousarray(col))


@pytest.mark.parametrize("ties", [False, True])
def test_one_dimensional_searches_equal_brute_force(rng, ties):
    s = np.sort(_data(rng, 300, 1, ties)[:, 0])
    for r in range(0, 300, 7):
        for t in (0.0, 0.05, 0.3, 5.0):
            q = s[r]
            n_in = ref.count_sorted(s, q, t)
            for B in (1, 7, 600):  # one bucket, coarse buckets, ~2 per value
                table, lo, scale = K.bucket_table(s, B)
                above = K._rank_above(s, table, lo, scale, q, t)
                within = K._rank_within(s, table, lo, scale, q, t)
                assert above == np.sum(s - q <= t)
                assert within == np.sum(q - s > t)
                assert above - within == n_in  # the points within t of q, itself included


@pytest.mark.parametrize("kind, ties", CROWDED)
def test_one_dimensional_searches_on_crowded_values(rng, kind, ties):
    # thousands of values in one bucket: the searches gallop from the bucket's start
    s = np.sort(_crowded(rng, 400, kind, ties)[:, 0])
    for B in (1, 8, 800):
        table, lo, scale = K.bucket_table(s, B)
        for r in range(0, 400, 3):
            q = s[r]
            for t in (0.0, 1e-9, 1e-4, 0.02, 3.0):
                assert K._rank_above(s, table, lo, scale, q, t) == np.sum(s - q <= t)
                assert K._rank_within(s, table, lo, scale, q, t) == np.sum(q - s > t)


@pytest.mark.parametrize("kind, ties", [("spread", False), ("spread", True)] + CROWDED)
def test_count_near_equals_brute_force(rng, kind, ties):
    # the branch-free count where the bucket table places both ends, the searches elsewhere
    s = np.sort(_data(rng, 400, 1, ties)[:, 0] if kind == "spread" else _crowded(rng, 400, kind, ties)[:, 0])
    for B in (1, 8, 800):
        table, lo, scale = K.bucket_table(s, B)
        cw = K.crowd_index(K.Channel(s, s, np.arange(400), np.arange(400), table, lo, scale))
        for r in range(0, 400, 3):
            q = s[r]
            for t in (0.0, 1e-9, 1e-4, 0.02, 0.3, 3.0):
                assert K._count_near(s, lo, scale, cw, q, t) == ref.count_sorted(s, q, t)
    for m in (1, 2, 5, 6, 7):  # arrays too short for the four-value window
        c = ksg._channel(s[:m])
        cw = K.crowd_index(c)
        for t in (0.0, 0.1, 5.0):
            assert K._count_near(c.s, c.lo, c.scale, cw, s[m // 2], t) == ref.count_sorted(s[:m], s[m // 2], t)


@pytest.mark.parametrize("kind", ["saturated", "pinned", "spread"])
def test_crowd_index_places_each_end_within_the_counts_window(rng, kind):
    # the channel's table alone leaves hundreds of values of a crowded marginal in one bucket; the
    # crowded-value index (built once per channel) starts every end within 3 values of the answer,
    # so the count's branch-free window applies whatever the marginal (values without ties)
    s = np.sort(_data(rng, 2000, 1, False)[:, 0] if kind == "spread" else _crowded(rng, 2000, kind, False)[:, 0])
    c = ksg._channel(s)
    cw = K.crowd_index(c)
    far_table = 0
    for r in range(0, 2000, 7):
        for t in (1e-9, 1e-6, 1e-4, 0.01):
            v = s[r] + t
            want = np.searchsorted(s, v, side="right")  # the first value above v
            assert 0 <= want - K._crowd_rank(c.lo, c.scale, cw, v) <= 3
            far_table += want - c.tab[K._bucket(v, c.lo, c.scale, 4000)] > 3
    frac = far_table / (4 * len(range(0, 2000, 7)))  # the lookups the table alone would not do
    assert frac > 0.2 if kind != "spread" else frac < 0.05
    # the stacked index holds each channel's (pairwise_mi builds it once per channel)
    X = np.ascontiguousarray(np.c_[s, _crowded(rng, 2000, "pinned", True)[:, 1]].T)
    stack = K.crowd_stack(K.channels(X, *_sorted(X)))
    for m in range(2):
        row, one = K.crowd_row(stack, m), K.crowd_index(ksg._channel(X[m]))
        for name in K.Crowd._fields:
            np.testing.assert_array_equal(getattr(row, name), getattr(one, name))


@pytest.mark.parametrize("w", [0, 2])
def test_block_selection_is_exact_or_declines(rng, w):
    k, mc = 4, 30
    idx = rng.permutation(100)[:mc]  # sample indices of the block's points
    for _ in range(50):
        dist = np.round(rng.random(mc), 2)  # with ties
        me = int(rng.integers(mc))
        dist[me] = 0.0
        bound, prev = rng.uniform(0.05, 1.0), rng.choice([0.0, rng.uniform(0.0, 0.5)])
        excluded = np.abs(idx - idx[me]) <= w
        admissible = np.sort(dist[~excluded])
        want = admissible[k - 1] if admissible[k - 1] < bound else np.inf
        got = K.block_kth(dist.copy(), me, idx, idx[me], w, k, bound, prev, np.empty(mc), np.empty(k))
        assert got == want


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("L", [4, 8])
def test_lane_block_selection_equals_sorting(rng, ties, L):
    # block_lanes_runs: L queries at once (compiled, one SIMD lane each; without JIT the Python body),
    # each leaving out its own grid position, over up to three runs (empty ones at the grid's edge):
    # each lane gets the four smallest distances of sorting, bitwise, also where lanes repeat a query
    gx, gy = _data(rng, 60, 2, ties).T.copy()
    for _ in range(40):
        cuts = np.sort(rng.integers(0, 61, size=6))
        if rng.random() < 0.3:
            cuts[4] = cuts[5] = cuts[3]  # a block two rows high
        runs = np.r_[np.arange(cuts[0], cuts[1]), np.arange(cuts[2], cuts[3]), np.arange(cuts[4], cuts[5])]
        if runs.size == 0:
            continue
        sp = rng.choice(runs, size=L)
        sp[L - 2:] = sp[L - 3]  # padded lanes repeat the last query
        T = np.full(4 * L, -1.0)
        K.block_lanes_runs(gx, gy, *cuts, gx[sp].copy(), gy[sp].copy(), sp, T)
        for lane, s_ in enumerate(sp):
            d = np.maximum(np.abs(gx[runs] - gx[s_]), np.abs(gy[runs] - gy[s_]))
            d = np.sort(d[runs != s_])
            want = np.concatenate([d[:4], np.full(4, np.inf)])[:4]
            assert np.array_equal(T[lane::L], want)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("L", [4, 8, 16])
def test_3d_lane_block_selection_equals_sorting(rng, ties, L):
    # block_lanes3_cells: L queries at once over the cells a0..b0 x a1..b1 x a2..b2 of a 3-D grid
    # (compiled, one SIMD lane each; without JIT the Python body), each leaving out its own grid
    # position: each lane gets the four smallest max-norm distances of sorting, bitwise, also where
    # padded lanes repeat a query and where the cells hold fewer than five points (inf)
    n, G = 120, 4
    a = _data(rng, n, 3, ties)
    r = [np.argsort(np.argsort(a[:, d], kind="stable"), kind="stable") for d in range(3)]
    cs = np.empty(G ** 3 + 1, dtype=np.int64)
    gc = np.empty((3, n))
    gidx = np.empty(n, dtype=np.int64)
    K.build_grid3(r[0], r[1], r[2], np.arange(n), np.ascontiguousarray(a.T), G, cs, gc, gidx)
    cell_of = np.repeat(np.arange(G ** 3), np.diff(cs))
    c = np.stack([cell_of // (G * G), (cell_of // G) % G, cell_of % G])
    for _ in range(60):
        lo = rng.integers(0, G, size=3)
        hi = np.minimum(lo + rng.integers(0, 3, size=3), G - 1)
        inside = np.flatnonzero(np.all((c >= lo[:, None]) & (c <= hi[:, None]), axis=0))
        if inside.size == 0:
            continue
        sp = rng.choice(inside, size=L)
        sp[L - 2:] = sp[L - 3]  # padded lanes repeat the last query
        T = np.full(4 * L, -1.0)
        K.block_lanes3_cells(gc[0], gc[1], gc[2], cs, G, lo[0], hi[0], lo[1], hi[1], lo[2], hi[2],
                             gc[0, sp].copy(), gc[1, sp].copy(), gc[2, sp].copy(), sp, T)
        for lane, s_ in enumerate(sp):
            d = np.max(np.abs(gc[:, inside] - gc[:, s_:s_ + 1]), axis=0)
            d = np.sort(d[inside != s_])
            want = np.concatenate([d[:4], np.full(4, np.inf)])[:4]
            assert np.array_equal(T[lane::L], want)


@pytest.mark.parametrize("ties", [False, True])
def test_count_pass_equals_brute_force(rng, ties):
    # count_pass (compiled: 512-bit vectors, the last one masked; without JIT the Python body): the points
    # of s..e-1 within t of qx on xs and of qy on ys, for ranges of every length mod 8, also empty ones
    # and ones reaching the arrays' end (their padding is read and left out)
    n = 101
    a = _data(rng, n, 2, ties)
    xs = np.r_[a[:, 0], np.full(8, 7.0)]
    ys = np.r_[a[:, 1], np.full(8, -7.0)]
    N = np.empty(2, dtype=np.int64)
    for _ in range(200):
        s = int(rng.integers(0, n + 1))
        e = int(rng.integers(s, n + 1))
        qx, qy = a[rng.integers(0, n)]
        t = float(rng.choice([0.0, 0.1, 0.5, 2.0, np.inf]))
        K.count_pass(xs, ys, s, e, qx, qy, t, N)
        assert N[0] == np.sum(np.abs(xs[s:e] - qx) <= t)
        assert N[1] == np.sum(np.abs(ys[s:e] - qy) <= t)


def test_channel_records_hold_each_channel_and_its_bucket_table(rng):
    # the stacked record (channels) and its rows (channel_row) equal one record per channel (channel),
    # whose table is bucket_table's; fields in the order the kernels read them
    X = np.ascontiguousarray(_data(rng, 150, 3, True).T)
    stack = K.channels(X, *_sorted(X))
    for c in range(3):
        one = ksg._channel(X[c])
        np.testing.assert_array_equal(one.s, np.sort(X[c]))
        np.testing.assert_array_equal(one.x[one.o], one.s)
        np.testing.assert_array_equal(one.s[one.r], one.x)
        table, lo_c, scale_c = K.bucket_table(one.s, 300)
        np.testing.assert_array_equal(one.tab, table)
        assert (one.lo, one.scale) == (lo_c, scale_c)
        row = K.channel_row(stack, c)
        for name in K.Channel._fields:
            np.testing.assert_array_equal(getattr(row, name), getattr(one, name))


def test_channel_stacks_hold_each_conditioning_set(rng):
    # M stacks of d rows (the conditioning sets of pairwise_cmi's targets): stack m is the channels
    # record of its d rows, field for field
    Z = np.ascontiguousarray(_data(rng, 120, 6, True).T.reshape(3, 2, 120))
    stacks = K.channel_stacks(Z, *_sorted(Z))
    assert stacks.lo.shape == (3, 2) and stacks.tab.shape == (3, 2, 241)
    for m in range(3):
        row = K.channel_row(stacks, m)
        one = K.channels(Z[m], *_sorted(Z[m]))
        single = ksg._cmi_inputs(Z[m, :1].T, Z[m, 1:].T, Z[m].T)[2]  # the one-estimate path's stack
        for name in K.Channel._fields:
            np.testing.assert_array_equal(getattr(row, name), getattr(one, name))
            np.testing.assert_array_equal(getattr(single, name), getattr(one, name))


def test_mi_pair_takes_whole_channels_and_is_symmetric(rng):
    # a swap of the two records swaps whole channels: the same local values, the same MI
    a = _data(rng, 300, 2, True)
    cx, cy = ksg._channel(a[:, 0]), ksg._channel(a[:, 1])
    psi = ksg._psi_table(300)
    lxy, lyx = np.empty(300), np.empty(300)
    mxy = K.mi_pair(cx, cy, 4, 0, psi, 9, lxy)
    myx = K.mi_pair(cy, cx, 4, 0, psi, 9, lyx)
    np.testing.assert_array_equal(lxy, lyx)
    assert abs(mxy - myx) < 1e-12
    assert abs(mxy - ref.ksg_mi(a[:, 0], a[:, 1], 4)) < 1e-10


@pytest.mark.parametrize("k", [1, 3, 4, 6])
def test_kth_smallest_equals_sorting(rng, k):
    topk = np.empty(k)
    for cnt in (k, k + 1, 40):
        vals = np.round(rng.random(cnt), 1)  # with ties
        assert K.kth_smallest(vals, cnt, k, topk) == np.sort(vals)[k - 1]


@pytest.mark.parametrize("n, G", [(200, 1), (200, 5), (200, 12), (203, 13), (1000, 50), (9, 3)])
def test_mi_grid_puts_points_in_their_cells_in_x_order(rng, n, G):
    # the MI kernel's grid (cells from a table of ranks, no division; coordinates gathered as it
    # sorts): each point in its quantile cell, a cell's points in increasing x, coordinates gathered
    a = _data(rng, n, 2, True)
    (s1, r1, o1), (_, r2, _) = _sorted(a[:, 0]), _sorted(a[:, 1])
    assert np.array_equal(K.rank_cells(n, G), np.arange(n) * G // n)
    assert np.array_equal(K.cell_bounds(n, G), [(c * n + G - 1) // G for c in range(G + 1)])
    cells = np.empty(n, dtype=np.int64)
    K.grid_cells2(r1, r2, G, cells)
    assert np.array_equal(cells, ref.grid_cells(r1, r2, G))
    cs, gi, gx, gy = K.grid2(a[:, 1].copy(), s1, o1, cells, G)
    assert np.array_equal(np.diff(cs), np.bincount(cells, minlength=G * G))
    assert sorted(gi) == list(range(n))
    assert np.array_equal(gx, a[gi, 0]) and np.array_equal(gy, a[gi, 1])
    for c in range(G * G):
        members = gi[cs[c]:cs[c + 1]]
        assert np.all(cells[members] == c)
        assert np.all(np.diff(r1[members]) > 0)  # sorted by the first coordinate within a cell


def _grid_for(a, G):
    """Grid on coordinates 0 and 1 of ``a`` (n, D), as the MI kernel builds it (:func:`grid2`), with
    every coordinate gathered by grid position (``gc`` (n, D))."""
    n = len(a)
    (s1, r1, o1), (s2, r2, _) = _sorted(a[:, 0]), _sorted(a[:, 1])
    cells = np.empty(n, dtype=np.int64)
    K.grid_cells2(r1, r2, G, cells)
    cs, gi, _, _ = K.grid2(np.ascontiguousarray(a[:, 1]), s1, o1, cells, G)
    return s1, r1, s2, r2, cs, np.ascontiguousarray(a[gi]), gi, K.cell_bounds(n, G)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("D", [2, 3])
@pytest.mark.parametrize("w", [0, 3])
def test_knn_searches_equal_reference(rng, ties, D, w):
    a = _data(rng, 250, D, ties)
    want = ref.kth_distance(a, 4, w)
    for G in (1, 7, 11):
        s1, r1, s2, r2, cs, gc, gi, bs = _grid_for(a, G)
        topk = np.empty(4)
        for i in range(len(a)):
            q = a[i].copy()
            assert K.knn_grid(i, w, 4, r1[i], r2[i], G, bs, s1, s2, q, cs, gc, gi, topk) == want[i]


@pytest.mark.parametrize("kind, ties", CROWDED)
@pytest.mark.parametrize("k, w", [(4, 0), (3, 2)])
def test_box_search_equals_reference_on_crowded_marginals(rng, kind, ties, k, w):
    # knn_box2 scans the cells within a reach at or above the true k-th distance
    a = _crowded(rng, 300, kind, ties)
    want = ref.kth_distance(a, k, w)
    for G in (1, 6, 13):
        s1, r1, s2, r2, cs, gc, gi, bs = _grid_for(a, G)
        gx, gy = gc[:, 0].copy(), gc[:, 1].copy()
        for i in range(0, len(a), 3):
            c1, c2 = r1[i] * G // len(a), r2[i] * G // len(a)
            for reach in (want[i], np.nextafter(want[i], np.inf), 1.7 * want[i] + 1e-3, 100.0):
                got = K.knn_box2(i, w, k, reach, a[i, 0], a[i, 1], c1, c2, G, bs, s1, s2, cs, gx, gy, gi,
                                 np.empty(len(a)), np.empty(k))
                assert got == want[i]


@pytest.mark.parametrize("kind, ties", CROWDED)
def test_box_search_from_the_block_equals_reference_on_crowded_marginals(rng, kind, ties):
    # knn_box2_rest starts from the four smallest distances within the 3 x 3 block of cells and
    # scans only the cells outside it (the MI kernel's path for k = 4 without a Theiler window)
    a = _crowded(rng, 300, kind, ties)
    n = len(a)
    want = ref.kth_distance(a, 4, 0)
    for G in (1, 3, 6, 13):
        s1, r1, s2, r2, cs, gc, _, bs = _grid_for(a, G)
        gx, gy = gc[:, 0].copy(), gc[:, 1].copy()
        cell1, cell2 = r1 * G // n, r2 * G // n
        for i in range(0, n, 3):
            c1, c2 = cell1[i], cell2[i]
            a1, b1, a2, b2 = max(c1 - 1, 0), min(c1 + 1, G - 1), max(c2 - 1, 0), min(c2 + 1, G - 1)
            inside = (cell1 >= a1) & (cell1 <= b1) & (cell2 >= a2) & (cell2 <= b2)
            inside[i] = False
            d = np.sort(np.max(np.abs(a[inside] - a[i]), axis=1))
            if d.size < 4:
                continue  # the kernel takes the ring search then
            got = K.knn_box2_rest(*d[:4], a[i, 0], a[i, 1], c1, c2, a1, b1, a2, b2, G, bs, s1, s2, cs, gx, gy)
            assert got == want[i]


@pytest.mark.parametrize("kind, ties", CROWDED)
@pytest.mark.parametrize("k, w", [(4, 0), (3, 2), (1, 0)])
def test_strip_search_equals_reference_on_crowded_marginals(rng, kind, ties, k, w):
    # knn_strip walks one channel's sorted order outward from the query; the positions it walked
    # hold every point within t < the k-th distance of the query on that axis (_strip_count)
    a = _crowded(rng, 300, kind, ties)
    n = len(a)
    want = ref.kth_distance(a, k, w)
    for axis in (0, 1):
        s, r, o = _sorted(a[:, axis])
        other = a[o, 1 - axis].copy()  # the other coordinate in this channel's sorted order
        for i in range(0, n, 2):
            q_other, q_axis = a[i, 1 - axis], a[i, axis]
            got, lo, hi = K.knn_strip(i, w, k, r[i], q_other, q_axis, s, other, o, np.empty(k))
            assert got == want[i]
            assert 0 <= lo <= r[i] < hi <= n
            ranges = [(lo, hi)]
            if k == 4 and w == 0:
                got4, lo4, hi4 = K.knn_strip4(r[i], q_other, q_axis, s, other)
                assert got4 == want[i]
                ranges.append((lo4, hi4))
            for a_, b_ in ranges:
                for t in (np.nextafter(got, 0.0), 0.0, 0.5 * got):
                    assert K._strip_count(s, q_axis, t, a_, b_) == ref.count_sorted(s, q_axis, t)


def test_strip_search_is_taken_where_cells_are_long_and_thin(rng):
    # a pinned x (most values within 1e-4 of +1) against a spread-out y: its cells are far
    # narrower in value than y's, so mi_pair walks y's sorted order there; the values and the
    # local values stay those of brute force
    n = 600
    x = np.tanh(8.0 + 0.3 * np.cumsum(rng.standard_normal(n)) + rng.standard_normal(n))
    y = 0.5 * x + rng.standard_normal(n)
    G = 12
    bs = K.cell_bounds(n, G)
    wx, wy = K.cell_widths(np.sort(x), bs, G), K.cell_widths(np.sort(y), bs, G)
    assert np.max(wy) > 8.0 * np.min(wx)  # some cells take the strip search
    psi = ksg._psi_table(n)
    for k, w in ((4, 0), (3, 2)):
        want = ref.ksg_mi_local(x, y, k, w)
        for cx, cy in ((ksg._channel(x), ksg._channel(y)), (ksg._channel(y), ksg._channel(x))):
            local = np.empty(n)
            got = K.mi_pair(cx, cy, k, w, psi, G, local)
            np.testing.assert_allclose(local, want, rtol=0, atol=1e-12)
            assert abs(got - want.mean()) < 1e-10


def test_search_grid_is_refined_only_where_dependence_crowds_the_cells(rng):
    n, G = 900, 15
    x = rng.standard_normal(n)
    for y, finer in ((rng.standard_normal(n), False), (x + 0.05 * rng.standard_normal(n), True)):
        r = [_sorted(c)[1] for c in (x, y)]
        cells = np.empty(n, dtype=np.int64)
        Gs = K.refine_grid2(*r, G, cells)
        assert np.array_equal(cells, (r[0] * G // n) * G + r[1] * G // n)
        assert (G < Gs <= 2 * G) if finer else Gs == G


def _sum_in_grid_order(x, y, k, w, G):
    """KSG MI summed as the kernels always summed it: over the caller's G x G quantile grid, cell
    by cell, increasing x within a cell; the per-point terms from brute-force counts."""
    n = len(x)
    psi = ksg._psi_table(n)
    eps = ref.kth_distance(np.c_[x, y], k, w)
    nx, ny = ref.count_inside(x, eps, w), ref.count_inside(y, eps, w)
    (_, rx, _), (_, ry, _) = _sorted(x), _sorted(y)
    acc = 0.0
    for i in np.lexsort((rx, (rx * G // n) * G + ry * G // n)):
        acc += psi[nx[i] + 1] + psi[ny[i] + 1]
    return psi[k] + psi[n] - acc / n


@pytest.mark.parametrize("kind", ["independent", "dependent", "saturated", "pinned"])
@pytest.mark.parametrize("k, w", [(4, 0), (3, 2)])
def test_mi_pair_sums_in_the_callers_grid_order(rng, kind, k, w):
    # whatever grid or strip the search uses, the terms are added in the caller's grid order, so
    # the value is bitwise the one the earlier kernels returned (exact equality, not a tolerance)
    n = 500
    if kind in ("saturated", "pinned"):
        a = _crowded(rng, n, kind, False)
        x, y = a[:, 0].copy(), a[:, 1].copy()
    else:
        x = rng.standard_normal(n)
        y = x + 0.05 * rng.standard_normal(n) if kind == "dependent" else rng.standard_normal(n)
    psi = ksg._psi_table(n)
    for G in (4, 7, 11, 15):
        got = K.mi_pair(ksg._channel(x), ksg._channel(y), k, w, psi, G, np.empty(0))
        assert got == _sum_in_grid_order(x, y, k, w, G)


def _grid3_for(a, G):
    """3-D grid on coordinates 0, 1 and 2 of ``a`` (n, D), as the CMI kernel builds it."""
    n = len(a)
    (s0, r0, o0), (s1, r1, _), (s2, r2, _) = (_sorted(a[:, m]) for m in range(3))
    cs = np.empty(G ** 3 + 1, dtype=np.int64)
    gc, gi = np.empty((a.shape[1], n)), np.empty(n, dtype=np.int64)
    K.build_grid3(r0, r1, r2, o0, np.ascontiguousarray(a.T), G, cs, gc, gi)
    return (s0, s1, s2), (r0, r1, r2), cs, gc, gi, K.cell_bounds(n, G)


@pytest.mark.parametrize("G", [1, 4, 7])
def test_build_grid3_puts_points_in_their_cells(rng, G):
    a = _data(rng, 200, 4, True)
    _, (r0, r1, r2), cs, gc, gi, _ = _grid3_for(a, G)
    cells = (r0 * G // 200 * G + r1 * G // 200) * G + r2 * G // 200
    assert np.array_equal(np.diff(cs), np.bincount(cells, minlength=G ** 3))
    assert sorted(gi) == list(range(200))
    assert np.array_equal(gc.T, a[gi])
    for c in range(G ** 3):
        members = gi[cs[c]:cs[c + 1]]
        assert np.all(cells[members] == c)
        assert np.all(np.diff(r0[members]) > 0)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("D", [3, 4])
@pytest.mark.parametrize("w", [0, 3])
def test_3d_knn_searches_equal_reference(rng, ties, D, w):
    # knn_block3 widens blocks around the query's cell; knn_box3 scans once the cells within a
    # reach at or above the true k-th distance (in cmi_pair: the k-th distance within the block)
    a = _data(rng, 250, D, ties)
    want = ref.kth_distance(a, 4, w)
    for G in (1, 3, 6):
        (s0, s1, s2), (r0, r1, r2), cs, gc, gi, bs = _grid3_for(a, G)
        for i in range(len(a)):
            c = [r[i] * G // len(a) for r in (r0, r1, r2)]
            got = K.knn_block3(i, w, 4, *c, G, bs, s0, s1, s2, a[i].copy(), cs, gc, gi, np.empty(4))
            assert got == want[i]
            for reach in (want[i], np.nextafter(want[i], np.inf), 1.7 * want[i] + 0.1, 100.0):
                # a 3-slot buffer: the kernel must grow its own when the box holds more points
                got = K.knn_box3(i, w, 4, reach, a[i].copy(), *c, G, bs, s0, s1, s2, cs, gc, gi, np.empty(3),
                                 np.empty(4))
                assert got == want[i]


@pytest.mark.parametrize("n", [1, 7, 250, 1000])
def test_rank_cells_equal_integer_division(n):
    # the grids look each rank's cell up in a table instead of dividing: the same cells, G > n too
    r = np.arange(n)
    for G in (1, 2, 3, 8, 13, 64, 2 * n + 1):
        assert np.array_equal(K.rank_cells(n, G), r * G // n)


@pytest.mark.parametrize("kind, ties", CROWDED + [("normal", False), ("normal", True)])
@pytest.mark.parametrize("k, w", [(4, 0), (3, 2)])
def test_3d_box_scan_from_any_reach_is_exact_or_declines(rng, kind, ties, k, w):
    # knn_box3s (the CMI kernel's scan, also tried first with a guessed reach): from a reach at or
    # above the true k-th distance it is exact; from a smaller one it is exact or returns inf,
    # never a wrong distance, and its face bound holds (no point outside the box is closer)
    if kind == "normal":
        a = _data(rng, 250, 3, ties)
    else:
        a = np.c_[_crowded(rng, 250, kind, ties), _crowded(rng, 250, kind, ties)[:, :1]]
    n = len(a)
    want = ref.kth_distance(a, k, w)
    d = ref.max_norm_distances(a)
    d[ref.excluded(n, w)] = np.inf
    for G in (1, 4, 9):
        (s0, s1, s2), (r0, r1, r2), cs, gc, gi, bs = _grid3_for(a, G)
        for i in range(0, n, 2):
            c = [r[i] * G // n for r in (r0, r1, r2)]
            for reach in (0.0, 0.3 * want[i], 0.9 * want[i], want[i], 1.7 * want[i] + 0.1, np.inf):
                got, fb = K.knn_box3s(i, w, k, reach, a[i].copy(), *c, G, bs, s0, s1, s2, cs, gc, gi,
                                      np.empty(n), np.empty(k))
                if got == np.inf:
                    # it declines only when fewer than k admissible points lie closer than its face
                    # bound (all of those are in the box; a point at exactly fb may lie outside)
                    assert reach < want[i] and np.sum(d[i] < fb) < k
                else:
                    assert got == want[i]


def test_grid_is_refined_only_for_crowded_points(rng):
    n = 4000
    x, z = rng.standard_normal(n), rng.standard_normal(n)
    r = [_sorted(v)[1] for v in (x, rng.standard_normal(n), z)]
    assert K.refine_grid3(*r, 10) == 10  # independent coordinates fill the grid evenly
    r[1] = _sorted(z + 1e-3 * rng.standard_normal(n))[1]  # y ~ z0: a thin band, 10x crowded
    assert K.refine_grid3(*r, 10) == 10  # not worth empty cells and slow-path queries
    r[0] = _sorted(z + 1e-3 * rng.standard_normal(n))[1]  # x ~ y ~ z0: a line, 100x crowded
    assert 10 < K.refine_grid3(*r, 10) <= 20


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("w", [0, 2, 5])
def test_mi_pair_equals_reference(rng, ties, w):
    a = _data(rng, 300, 2, ties)
    x, y = a[:, 0].copy(), a[:, 1].copy()
    want_local = ref.ksg_mi_local(x, y, 4, w)
    psi = ksg._psi_table(300)
    for G in (1, 4, 9, 17):
        local = np.empty(300)
        got = K.mi_pair(ksg._channel(x), ksg._channel(y), 4, w, psi, G, local)
        np.testing.assert_allclose(local, want_local, rtol=0, atol=1e-12)
        assert abs(got - want_local.mean()) < 1e-10


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("dz", [1, 2])
@pytest.mark.parametrize("w", [0, 3])
def test_cmi_pair_equals_reference(rng, ties, dz, w):
    a = _data(rng, 250, 2 + dz, ties)
    x, y, z = a[:, 0].copy(), a[:, 1].copy(), a[:, 2:]
    want = ref.ksg_cmi(x, y, z, 4, w)
    zt = np.ascontiguousarray(z.T)
    cx, cy, cz = ksg._channel(x), ksg._channel(y), K.channels(zt, *_sorted(zt))
    for G in (1, 5, 11):
        got = K.cmi_pair(cx, cy, cz, 4, w, ksg._psi_table(250), G, np.empty(0))
        assert abs(got - want) < 1e-10


@pytest.mark.parametrize("kind, ties", [("plain", False), ("plain", True)] + CROWDED)
def test_cmi_pair_lanes_equal_reference_bitwise(rng, kind, ties):
    # one conditioning row, k = 4, no Theiler window: the block selection runs on SIMD lanes
    # (block_lanes3_cells), four or eight of a cell's queries at a time, and falls through to the box
    # scan where the block's 4th distance is not within its faces. Every local value is bitwise the
    # one the reference's distances and counts give (same digamma table, same sums)
    n = 300
    if kind == "plain":
        a = _data(rng, n + 1, 2, ties)
        b = a
    else:
        a, b = _crowded(rng, n + 1, kind, ties), _crowded(rng, n + 1, kind, ties)
    x, y, z = a[1:, 0].copy(), b[1:, 1].copy(), b[:-1, 1].copy()
    psi = ksg._psi_table(n)
    eps = ref.kth_distance(np.c_[x, y, z], 4)
    nxz = ref.count_inside(np.c_[x, z], eps)
    nyz = ref.count_inside(np.c_[y, z], eps)
    nz = ref.count_inside(z, eps)
    want = psi[4] - (psi[nxz + 1] + psi[nyz + 1] - psi[nz + 1])
    zt = z[None, :].copy()
    for G in (1, 3, 6, 12):
        local = np.empty(n)
        K.cmi_pair(ksg._channel(x), ksg._channel(y), K.channels(zt, *_sorted(zt)), 4, 0, psi, G, local)
        assert np.array_equal(local, want)


@pytest.mark.parametrize("kind, ties", CROWDED)
def test_pairs_equal_reference_on_crowded_marginals(rng, kind, ties):
    # where the quantile cells are far narrower on one axis than the other, most queries leave the
    # 3 x 3 block for the box search: results stay those of brute force, locals included
    a = _crowded(rng, 400, kind, ties)
    b = _crowded(rng, 400, kind, ties)
    x, y, z = a[1:, 0].copy(), b[1:, 1].copy(), b[:-1, 1].copy()  # y's own past conditions
    n = len(x)
    psi = ksg._psi_table(n)
    zt = z[None, :].copy()
    for k, w in ((4, 0), (3, 2)):
        want_local = ref.ksg_mi_local(x, y, k, w)
        want_cmi = ref.ksg_cmi(x, y, z, k, w)
        for G in (5, 10, 20):
            local = np.empty(n)
            got = K.mi_pair(ksg._channel(x), ksg._channel(y), k, w, psi, G, local)
            np.testing.assert_allclose(local, want_local, rtol=0, atol=1e-12)
            assert abs(got - want_local.mean()) < 1e-10
            got = K.cmi_pair(ksg._channel(x), ksg._channel(y), K.channels(zt, *_sorted(zt)), k, w, psi, G,
                             np.empty(0))
            assert abs(got - want_cmi) < 1e-10


@pytest.mark.parametrize("k", [1, 3, 6])
def test_other_k_equal_reference(rng, k):
    a = _data(rng, 200, 3, False)
    assert abs(ksg.mutual_information(a[:, 0], a[:, 1], k=k) - ref.ksg_mi(a[:, 0], a[:, 1], k)) < 1e-10
    assert abs(ksg.conditional_mutual_information(a[:, 0], a[:, 1], a[:, 2], k=k)
               - ref.ksg_cmi(a[:, 0], a[:, 1], a[:, 2], k)) < 1e-10


def test_all_pairs_kernels_equal_reference_loop(rng):
    X = _data(rng, 150, 3, False)
    Y = _data(rng, 150, 2, True)
    np.testing.assert_allclose(ksg.pairwise_mi(X, Y, theiler=1), ref.pairwise(ref.ksg_mi, X, Y, 4, 1),
                               rtol=0, atol=1e-10)
    Z = np.stack([_data(rng, 150, 2, False) for _ in range(2)])
    want = np.array([[ref.ksg_cmi(X[:, i], Y[:, j], Z[j], 4, 1) for j in range(2)] for i in range(3)])
    np.testing.assert_allclose(ksg.pairwise_cmi(X, Y, Z, theiler=1), want, rtol=0, atol=1e-10)


@pytest.mark.parametrize("k", [1, 2, 4])
@pytest.mark.parametrize("G", [1, 2, 3, 5])
def test_coincident_points_equal_reference(k, G):
    # k-th distance 0 (at least k exact duplicates): "strictly inside" then means "coincident", and
    # duplicates spread over several quantile cells must still all be counted
    a = np.r_[0.0, np.ones(19), 2.0 * np.ones(5)]
    psi = ksg._psi_table(len(a))
    local = np.empty(len(a))
    K.mi_pair(ksg._channel(a), ksg._channel(a), k, 0, psi, G, local)
    np.testing.assert_allclose(local, ref.ksg_mi_local(a, a, k, 0), rtol=0, atol=1e-12)
    b = np.r_[1.0, np.zeros(19), 3.0 * np.ones(5)]
    zt = b[None, :].copy()
    for x, y in ((b, b), (a, b), (b, a)):
        got = K.cmi_pair(ksg._channel(x), ksg._channel(y), K.channels(zt, *_sorted(zt)), k, 0, psi, G,
                         np.empty(0))
        assert abs(got - ref.ksg_cmi(x, y, b, k, 0)) < 1e-10
