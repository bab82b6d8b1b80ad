"""Compiled KSG kernels: every piece of numba code in infoflow lives in this module.

Place in the pipeline: ``estimators`` layer, below ``ksg.py``. Users never import it; ``ksg.py``
calls it with validated, standardised, jittered, C-contiguous float64 arrays, so nothing here
checks its input. Each kernel has a slow, obviously correct twin in ``tests/reference.py``.

Design of the all-pairs engine (why it is fast):

* Each channel is sorted once (order, rank, sorted values) by the caller and the result is shared by
  every pair the channel appears in, instead of re-sorting per pair; the MI and CMI kernels take it,
  with the channel's bucket table, as one :class:`Channel` record per channel.
* The joint k-nearest-neighbour search (max-norm) of a pair uses a quantile grid built from those ranks
  (a counting sort, O(n)): 2-D on (x, y) for MI, 3-D on (x, y, z0) for conditional MI, made finer
  where dependent coordinates crowd the points. The queries of one cell share the gathered block of
  cells around it; the k-th distance found there is exact when it lies within the block's faces,
  else the block's k-th distance bounds the true one and one scan of the cells within it finds it
  (:func:`knn_box2_rest`, :func:`knn_box2`, :func:`knn_box3`); the MI kernel's scan skips the block's
  own cells, whose points it has already selected from. The MI kernel reads the block once for up to
  eight of the cell's queries, one SIMD lane each (:func:`block_lanes`, an LLVM-IR intrinsic: numba
  has no vector type). Quantile cells are narrow in value where a marginal is
  crowded (saturated units), so there the neighbourhoods are long and thin in cells and many
  queries take this path; its rectangle follows that shape, which square rings of cells did not.
* MI on crowded marginals: where the cells of one axis are 8x narrower in value than the other's,
  a query walks the other channel's sorted order outward instead (:func:`knn_strip4`), visiting
  about the points within the k-th distance on that axis, whose count it then has for free; where
  dependence crowds the cells, the search grid is made finer (:func:`refine_grid2`) and the
  per-point values are summed afterwards in the caller's grid order (so bitwise the same value).
* Marginal counts (MI) look the box's edges up in an equal-width bucket table of each marginal's
  sorted values, and where a crowded marginal puts more than 3 values in a bucket (hundreds to
  thousands on saturated or pinned units) in that channel's index of crowded values
  (:class:`Crowd`: finer buckets within the crowded ones, built once per channel, not per pair),
  so the end lies within a window of 4 values whatever the marginal (:func:`_count_near`: four
  comparisons added, no unpredictable branches); else (ties, rounding at a bucket's edge) fix
  the last steps with the exact comparison (galloping). A strip query counts its walked axis
  over the positions it walked (:func:`_strip_count`). Conditional MI gets n_z, n_xz
  and n_yz from one vectorised pass over the z0-sorted range of the box (found the same way).
* The CMI kernel (issue 17): a query whose cell-mate before it left the 3 x 3 x 3 block for the
  box scan tries the scan first, with 1.5x that query's k-th distance as the reach
  (:func:`knn_box3s`: exact when at least k points lie within the scanned box's face bound, else
  it declines and the block decides); grid cells are looked up by rank (:func:`rank_cells`)
  rather than divided out; the block's face values and row slices are taken once per cell. With one
  conditioning row, k = 4 and no Theiler window (the flow's TE with history 1) the block is read in
  place once for up to sixteen consecutive queries of a column of cells, one SIMD lane each
  (:func:`block_lanes3`, :func:`_lanes_search`), and every query starts there (the scan-first rule
  is for the other cases); its counts then run in z0 order, after the search.
* Inner loops index through slices: numba adds a negative-index check to ``a[j]`` when it cannot
  prove ``j >= 0``, which stops LLVM from vectorising the loop (measured 5x slower).
* Pairs are spread over threads with ``prange`` and each writes only its own output cell, so results
  are bitwise identical for any thread count.

Counts are "strictly inside the k-th joint distance" as ``|d| <= nextafter(eps, 0)`` (Kraskov et al.
2004, eq. 8; the scale-free form used by scikit-learn), and every comparison uses the same float
subtraction as a brute-force reference, so kernel and reference agree exactly.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]  # numba's own dependency, no stubs
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

_INF = np.inf


class Channel(NamedTuple):
    """One channel as the kernels take it: everything about one variable that every pair it is
    part of shares, computed once (:func:`channel`, :func:`channels`). A kernel takes whole records
    (``mi_pair(cx, cy, ...)``, ``cmi_pair(cx, cy, cz, ...)``), so two channels can only be swapped
    whole, never one field of each.

    numba passes the record by value (a tuple of array views and floats; no copy of the data).
    The same class holds a stack of C channels (:func:`channels`: each array gets a leading
    channel axis, ``lo`` and ``scale`` become (C,) arrays), and :func:`channel_row` takes one out.
    """

    x: np.ndarray  # (n,) float64 values in sample order
    s: np.ndarray  # (n,) float64 sorted values
    r: np.ndarray  # (n,) int64 rank of each sample (s[r[i]] == x[i])
    o: np.ndarray  # (n,) int64 sort order (x[o[j]] == s[j])
    tab: np.ndarray  # (2n + 1,) int32 bucket table of s (bucket_table, 2n buckets)
    lo: Any  # float (one channel) or (C,) float64 (a stack): the table's first value
    scale: Any  # float or (C,) float64: the table's buckets per unit of value


# ----------------------------------------------------------------------------- small helpers
@njit(cache=True, nogil=True)
def _window_count(C, dims, i, w, t):
    """Points ``j != i`` with ``|i - j| <= w`` within ``t`` of point ``i`` on all ``dims`` of ``C``.

    These are the Theiler-excluded points a box count includes and must give back.
    """
    n = C.shape[1]
    lo = i - w
    if lo < 0:
        lo = 0
    hi = i + w
    if hi > n - 1:
        hi = n - 1
    c = 0
    for j in range(lo, hi + 1):
        if j == i:
            continue
        ok = True
        for dd in dims:
            if abs(C[dd, j] - C[dd, i]) > t:
                ok = False
                break
        if ok:
            c += 1
    return c


# ----------------------------------------------------------------------------- quantile grid
@njit(cache=True, nogil=True)
def sort_into_cells(cells, n_cells, order, cell_start, gidx):
    """Counting sort of points by cell id ``cells`` (n,): fills ``cell_start`` (n_cells + 1,) and
    ``gidx`` (n,), the point indices cell by cell, in the order ``order`` within a cell. O(n)."""
    n = cells.shape[0]
    cell_start[:] = 0
    for i in range(n):
        cell_start[cells[i] + 1] += 1
    for c in range(n_cells):
        cell_start[c + 1] += cell_start[c]
    fill = cell_start[:-1].copy()
    for r in range(n):
        i = order[r]
        p = fill[cells[i]]
        fill[cells[i]] = p + 1
        gidx[p] = i


@njit(cache=True, nogil=True)
def _cell_gap(c, ci, q, s, bs):
    """Lower bound of the distance from value ``q`` (in cell ``ci``) to any point of cell ``c``."""
    if c < ci:
        return q - s[bs[c + 1] - 1]
    if c > ci:
        return s[bs[c]] - q
    return 0.0


@njit(cache=True, nogil=True)
def knn_grid(i, w, k, r1i, r2i, G, bs, s1, s2, q, cell_start, gc, gidx, topk):
    """Distance (max-norm over all coordinates) from point ``i`` to its k-th neighbour outside the
    Theiler window ``|i - j| <= w``, by a ring search of the quantile grid.

    ``q`` (D,) holds the point's coordinates; grid coordinates are ``q[0]`` and ``q[1]``; ``bs`` (G+1,)
    the first rank of each cell; ``s1``, ``s2`` the sorted grid coordinates; ``topk`` (k,) scratch.
    """
    n = s1.shape[0]
    D = q.shape[0]
    for m in range(k):
        topk[m] = _INF
    kth = _INF
    ci1 = r1i * G // n
    ci2 = r2i * G // n
    q1 = q[0]
    q2 = q[1]
    for ring in range(G):
        lo1 = ci1 - ring
        hi1 = ci1 + ring
        lo2 = ci2 - ring
        hi2 = ci2 + ring
        a1 = lo1 if lo1 > 0 else 0
        b1 = hi1 if hi1 < G - 1 else G - 1
        a2 = lo2 if lo2 > 0 else 0
        b2 = hi2 if hi2 < G - 1 else G - 1
        for c1 in range(a1, b1 + 1):
            g1 = _cell_gap(c1, ci1, q1, s1, bs)
            if g1 >= kth:
                continue
            edge1 = c1 == lo1 or c1 == hi1  # noqa: SIM109 (numba kernel: two int compares, no tuple)
            step = 1 if edge1 else hi2 - lo2
            c2 = lo2 if edge1 else lo2
            while c2 <= hi2:
                if c2 >= a2 and c2 <= b2:
                    g2 = _cell_gap(c2, ci2, q2, s2, bs)
                    if g2 < kth:
                        c = c1 * G + c2
                        for p in range(cell_start[c], cell_start[c + 1]):
                            j = gidx[p]
                            if abs(j - i) <= w:
                                continue
                            d = 0.0
                            for dd in range(D):
                                e = abs(gc[p, dd] - q[dd])
                                if e > d:
                                    d = e
                                    if d >= kth:
                                        break
                            if d < kth:
                                m = k - 1
                                while m > 0 and topk[m - 1] > d:
                                    topk[m] = topk[m - 1]
                                    m -= 1
                                topk[m] = d
                                kth = topk[k - 1]
                if step == 0:
                    break
                c2 += step
        # every point not yet visited lies outside the searched square of cells
        bound = _INF
        if lo1 > 0:
            bound = min(bound, q1 - s1[bs[lo1] - 1])
        if hi1 < G - 1:
            bound = min(bound, s1[bs[hi1 + 1]] - q1)
        if lo2 > 0:
            bound = min(bound, q2 - s2[bs[lo2] - 1])
        if hi2 < G - 1:
            bound = min(bound, s2[bs[hi2 + 1]] - q2)
        if kth <= bound or bound == _INF:
            break
    return kth


@njit(cache=True, nogil=True)
def cell_bounds(n, G):
    """First rank of each of the ``G`` quantile cells, plus ``n``: shape (G + 1,)."""
    bs = np.empty(G + 1, dtype=np.int64)
    for c in range(G + 1):
        bs[c] = (c * n + G - 1) // G
    return bs


# ----------------------------------------------------------------------------- KSG, one pair
@njit(cache=True, nogil=True)
def _insert4(t0, t1, t2, t3, d):
    """Insert ``d`` into the sorted four smallest ``t0 <= t1 <= t2 <= t3`` (min/max network)."""
    a = min(t0, d)
    d = max(t0, d)
    t0 = a
    a = min(t1, d)
    d = max(t1, d)
    t1 = a
    a = min(t2, d)
    d = max(t2, d)
    return t0, t1, a, min(t3, d)


@njit(cache=True, nogil=True)
def kth_smallest(vals, cnt, k, topk):
    """k-th smallest of ``vals[:cnt]`` (cnt >= k) by a min/max insertion network, branch-free.
    k = 4 (the default) runs on four scalars that stay in registers (measured ~10% faster overall)."""
    if k == 4:
        t0 = _INF
        t1 = _INF
        t2 = _INF
        t3 = _INF
        for u in range(cnt):
            t0, t1, t2, t3 = _insert4(t0, t1, t2, t3, vals[u])
        return t3
    for m in range(k):
        topk[m] = _INF
    for u in range(cnt):
        d = vals[u]
        for m in range(k):
            lo_ = min(topk[m], d)
            d = max(topk[m], d)
            topk[m] = lo_
    return topk[k - 1]


@njit(cache=True, nogil=True)
def block_kth(dist, self_pos, biv, i, w, k, bound, prev, kept, topk):
    """The k-th smallest admissible distance in ``dist`` (a query's distances to its gathered block),
    when it is exact, i.e. below ``bound`` (the distance to the block's faces); else inf, and the
    caller searches wider. Overwrites ``dist`` entries of excluded points (the query itself at
    ``self_pos``, or the Theiler window ``|biv - i| <= w``) with inf.

    Only points under a threshold are kept for the selection (branch-free compaction): 1.5x the
    previous query's k-th distance ``prev`` when that keeps k points (neighbouring queries have
    similar ones), else ``bound``."""
    mc = dist.shape[0]
    if w == 0:
        dist[self_pos] = _INF  # no other point is excluded
    else:
        bi = biv[:mc]
        for u in range(mc):
            if abs(bi[u] - i) <= w:
                dist[u] = _INF
    thr = min(bound, 1.5 * prev) if prev > 0.0 else bound
    cnt = 0
    for u in range(mc):
        d = dist[u]
        kept[cnt] = d
        cnt += d < thr
    if cnt < k and thr < bound:
        cnt = 0
        for u in range(mc):
            d = dist[u]
            kept[cnt] = d
            cnt += d < bound
    if cnt >= k:
        return kth_smallest(kept, cnt, k, topk)
    return _INF


# ----------------------------------------------------------------------------- lane-parallel block scan
# The queries of one grid cell share their 3 x 3 block: the block's points are read once for up to
# eight of them at a time, each query a lane of a SIMD vector. numba has no vector type and LLVM did
# not vectorise the scalar forms (four queries written out, or the lanes as small arrays: their state
# went through memory each point, 1.07x slower than the two-query scalar pass it replaced), so the
# loop is emitted as LLVM IR (numba's ``intrinsic``) on <L x double> values; the arithmetic is the
# scalar code's, lane by lane (the same subtraction, fabs, and min/max as numba's ``min``/``max``:
# select on an ordered compare), so each lane's four distances are bitwise those of the scalar
# insertion (:func:`_insert4`). Without JIT (NUMBA_DISABLE_JIT) :func:`block_lanes` runs its Python
# body, the obviously correct twin.

def _lanes_typed(D, L, args):
    """Typing of a lane scan over ``D`` coordinates (:func:`_lanes_intrinsic`, :func:`_lanes3_intrinsic`):
    ``args`` are the D grid coordinate arrays, ``s``, ``e``, the D query arrays, ``sp`` and ``T``;
    returns (signature, codegen), or None for other types."""
    f8 = types.Array(types.float64, 1, "C")
    if not (all(a == f8 for a in args[:D] + args[D + 2:2 * D + 2]) and args[2 * D + 3] == f8
            and args[2 * D + 2] == types.Array(types.int64, 1, "C")
            and isinstance(args[D], types.Integer) and isinstance(args[D + 1], types.Integer)):
        return None

    def codegen(context, builder, signature, argv):
        def data(i):
            return context.make_array(signature.args[i])(context, builder, argv[i]).data

        grid = [data(i) for i in range(D)]
        s_ = context.cast(builder, argv[D], signature.args[D], types.int64)
        e_ = context.cast(builder, argv[D + 1], signature.args[D + 1], types.int64)
        pq = [data(D + 2 + i) for i in range(D)]
        psp, pT = data(2 * D + 2), data(2 * D + 3)
        i32, i64, f64 = ir.IntType(32), ir.IntType(64), ir.DoubleType()
        vd, vi = ir.VectorType(f64, L), ir.VectorType(i64, L)

        def vload(ptr, vt, row):
            p = builder.gep(ptr, [ir.Constant(i64, row * L)])
            return builder.load(builder.bitcast(p, vt.as_pointer()), align=8)

        def splat(v, vt):
            one = builder.insert_element(ir.Constant(vt, ir.Undefined), v, ir.Constant(i32, 0))
            return builder.shuffle_vector(one, ir.Constant(vt, ir.Undefined),
                                          ir.Constant(ir.VectorType(i32, L), [0] * L))

        def vmin(a, b):  # numba's min(a, b): b if b < a else a
            return builder.select(builder.fcmp_ordered("<", b, a), b, a)

        def vmax(a, b):  # numba's max(a, b): b if b > a else a
            return builder.select(builder.fcmp_ordered(">", b, a), b, a)

        fabs = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vd, [vd]), f"llvm.fabs.v{L}f64")
        q = [vload(pq[c], vd, 0) for c in range(D)]
        me = vload(psp, vi, 0)
        inf = ir.Constant(vd, [float("inf")] * L)
        t = [cgutils.alloca_once(builder, vd) for _ in range(4)]  # promoted to registers by LLVM
        for r in range(4):
            builder.store(vload(pT, vd, r), t[r])
        count = builder.sub(e_, s_)
        with cgutils.for_range(builder, count) as loop:
            p = builder.add(s_, loop.index)
            dist = [builder.call(fabs, [builder.fsub(splat(builder.load(builder.gep(grid[c], [p])), vd), q[c])])
                    for c in range(D)]
            # the scalar kernels' order: max(|x - q0|, |y - q1|) (MI), max(|x - q0|, max(|y - q1|, |z - q2|)) (TE)
            d = dist[D - 1]
            for c in range(D - 2, -1, -1):
                d = vmax(dist[c], d)
            d = builder.select(builder.icmp_signed("==", splat(p, vi), me), inf, d)
            for r in range(3):  # _insert4, lane by lane
                tr = builder.load(t[r])
                builder.store(vmin(tr, d), t[r])
                d = vmax(tr, d)
            builder.store(vmin(builder.load(t[3]), d), t[3])
        for r in range(4):
            p = builder.gep(pT, [ir.Constant(i64, r * L)])
            builder.store(builder.load(t[r]), builder.bitcast(p, vd.as_pointer()), align=8)
        return context.get_dummy_value()

    return types.void(*args), codegen


def _lanes_intrinsic(L):
    """The numba intrinsic behind :func:`block_lanes` for ``L`` lanes (4 or 8): one loop over the grid
    positions ``s..e-1`` on <L x double> values, the state ``T`` loaded before and stored after it."""

    @intrinsic
    def scan(typingctx, gx, gy, s, e, qx, qy, sp, T):
        return _lanes_typed(2, L, (gx, gy, s, e, qx, qy, sp, T))

    return scan


_scan_lanes4 = _lanes_intrinsic(4)
_scan_lanes8 = _lanes_intrinsic(8)


def block_lanes(gx, gy, s, e, qx, qy, sp, T):
    """Insert the max-norm distances from each of L queries (``qx``, ``qy`` (L,), L = 4 or 8) to the
    points at grid positions ``s..e-1`` (``gx``, ``gy``) into each query's four smallest, leaving out
    the query's own position ``sp`` (L,): ``T`` (4L,) holds them, ``T[r * L + l]`` the r-th smallest of
    lane l, sorted, updated in place (start from inf). Compiled, a vector loop over four or eight
    queries at a time (:func:`_lanes_intrinsic`); this Python body is what runs without JIT."""
    L = qx.shape[0]
    for lane in range(L):
        t0, t1, t2, t3 = T[lane], T[L + lane], T[2 * L + lane], T[3 * L + lane]
        for p in range(s, e):
            d = max(abs(gx[p] - qx[lane]), abs(gy[p] - qy[lane]))
            d = _INF if p == sp[lane] else d
            t0, t1, t2, t3 = _insert4(t0, t1, t2, t3, d)
        T[lane], T[L + lane], T[2 * L + lane], T[3 * L + lane] = t0, t1, t2, t3


@overload(block_lanes, jit_options={"nogil": True})
def _block_lanes_jit(gx, gy, s, e, qx, qy, sp, T):
    def impl(gx, gy, s, e, qx, qy, sp, T):
        if qx.shape[0] == 8:
            _scan_lanes8(gx, gy, s, e, qx, qy, sp, T)
        else:
            _scan_lanes4(gx, gy, s, e, qx, qy, sp, T)
    return impl


@njit(cache=True, nogil=True)
def block_lanes_runs(gx, gy, s0, e0, s1, e1, s2, e2, qx, qy, sp, T):
    """The four smallest distances of the L queries ``qx``, ``qy``, ``sp`` (L,) at once (:func:`block_lanes`)
    to a cell's 3 x 3 block read in place: ``T`` (4L,) gets each query's four smallest distances to the
    points of the block's three runs of grid positions ``s0:e0``, ``s1:e1``, ``s2:e2`` (one per row of
    cells; empty where the block meets the grid's edge), ``T[r * L + l]`` the r-th of lane l."""
    T[:] = _INF
    block_lanes(gx, gy, s0, e0, qx, qy, sp, T)
    block_lanes(gx, gy, s1, e1, qx, qy, sp, T)
    block_lanes(gx, gy, s2, e2, qx, qy, sp, T)


@njit(cache=True, nogil=True)
def _bucket(v, lo, scale, B):
    """Index of the equal-width bucket of value ``v`` (clamped to ``0..B-1``): non-decreasing in v."""
    f = (v - lo) * scale
    if f < 0.0:
        return 0
    if f >= B:
        return B - 1
    return int(f)


@njit(cache=True, nogil=True)
def bucket_table(s, B):
    """For sorted ``s``: ``table[b]`` = number of values whose bucket is below ``b`` (b = 0..B), with
    B equal-width buckets spanning ``s``; returns (table, lo, scale) for :func:`_rank_above`."""
    n = s.shape[0]
    lo = s[0]
    width = s[n - 1] - s[0]
    scale = B / width if width > 0.0 else 0.0
    table = np.zeros(B + 1, dtype=np.int32)
    for j in range(n):
        table[_bucket(s[j], lo, scale, B) + 1] += 1
    for b in range(B):
        table[b + 1] += table[b]
    return table, lo, scale


@njit(cache=True, nogil=True)
def channel(x, s, r, o):
    """The :class:`Channel` record of one channel: values ``x``, sorted values ``s``, ranks ``r`` and
    sort order ``o`` (n,), with the bucket table of ``s`` (2n buckets) built here."""
    tab, lo, scale = bucket_table(s, 2 * x.shape[0])
    return Channel(x, s, r, o, tab, lo, scale)


@njit(cache=True, parallel=True)
def channels(X, S, R, Q):
    """The stacked :class:`Channel` record of channels in rows ``X`` (C, n) with their sorted values
    ``S``, ranks ``R`` and sort orders ``Q`` (C, n): each channel's bucket table built once, in parallel,
    rather than once per pair; :func:`channel_row` takes channel ``c`` out of it."""
    C = S.shape[0]
    n = S.shape[1]
    T = np.empty((C, 2 * n + 1), dtype=np.int32)
    lo = np.empty(C)
    scale = np.empty(C)
    for c in prange(C):
        tab, lo[c], scale[c] = bucket_table(S[c], 2 * n)
        T[c, :] = tab
    return Channel(X, S, R, Q, T, lo, scale)


def channel_stacks(X, S, R, Q):
    """Stacked :class:`Channel` records of M stacks of d channels each: ``X`` and its sorted values
    ``S``, ranks ``R``, sort orders ``Q`` have shape (M, d, n), as the conditioning sets of M target
    columns (:func:`pairwise_cmi`). Every field gets the leading (M, d) axes (``lo``, ``scale``
    (M, d)); :func:`channel_row` takes stack ``m`` out of it, a :func:`channels` record of d rows.
    Built by :func:`channels` on the M * d rows (one bucket table per row, in parallel)."""
    M, d, n = X.shape
    flat = channels(X.reshape(M * d, n), S.reshape(M * d, n), R.reshape(M * d, n), Q.reshape(M * d, n))
    return Channel(*(f.reshape((M, d) + f.shape[1:]) for f in flat))


@njit(cache=True, nogil=True, inline="always")
def channel_row(stack, c):
    """Channel ``c`` of a stacked record (:func:`channels`) as a one-channel :class:`Channel` (views);
    of a stack of stacks (:func:`channel_stacks`), stack ``c`` as a :func:`channels` record."""
    return Channel(stack.x[c], stack.s[c], stack.r[c], stack.o[c], stack.tab[c], stack.lo[c], stack.scale[c])


@njit(cache=True, nogil=True, inline="always")
def around(lo, hi, G):
    """The cells ``lo - 1 .. hi + 1`` of one axis of a G-cell quantile grid, clipped to the grid: the
    block of neighbouring cells the kernels read around a query's cell (``lo == hi``) or a run of cells."""
    return max(lo - 1, 0), min(hi + 1, G - 1)


@njit(cache=True, nogil=True, inline="always")
def faces(s, bs, a, b, G):
    """The faces on one axis of the block of cells ``a .. b`` (sorted values ``s``, cell bounds ``bs``):
    the largest value below cell ``a`` and the smallest above cell ``b`` (-inf and inf at the grid's
    edges). Every point outside the block is at least ``min(q - lo, hi - q)`` from a query ``q`` in it."""
    return (s[bs[a] - 1] if a > 0 else -_INF), (s[bs[b + 1]] if b < G - 1 else _INF)


@njit(cache=True, nogil=True, inline="always")
def gather_cells(p0, p1, gx, gy, gidx, w, bx, by, bi, mc):
    """Append the points at grid positions ``p0:p1`` (a run of consecutive cells of a quantile grid)
    to the gathered block: their coordinates ``gx``, ``gy`` into ``bx``, ``by`` and, with a Theiler
    window (``w > 0``), their sample indices ``gidx`` into ``bi``, from block position ``mc`` on.
    Returns the block's new size. The MI kernel gathers its 3 x 3 block with it (k != 4 or a Theiler
    window; else :func:`block_lanes_runs` reads the runs in place), one run per row of cells (element
    copies, coordinates written out: a run holds a few points; slice assignments cost 12-23% and a
    loop over a coordinate axis 1-8% in a same-process A/B, docs/design.md)."""
    for pp in range(p0, p1):
        bx[mc] = gx[pp]
        by[mc] = gy[pp]
        if w > 0:  # sample indices are only needed for a Theiler window
            bi[mc] = gidx[pp]
        mc += 1
    return mc


@njit(cache=True, nogil=True)
def _rank_above(s, table, lo, scale, q, t):
    """First index ``j`` of sorted ``s`` with ``s[j] - q > t`` (so ``s[:j] - q <= t``).

    The bucket of ``q + t`` gives the index up to the points of one bucket; ``q + t`` is rounded, so
    :func:`_above_from`'s gallop from there moves the index the last steps (almost never needed) and
    makes it exact for the predicate as written."""
    return _above_from(s, np.int64(table[_bucket(q + t, lo, scale, table.shape[0] - 1)]), q, t)


@njit(cache=True, nogil=True)
def _rank_within(s, table, lo, scale, q, t):
    """First index ``j`` of sorted ``s`` with ``q - s[j] <= t`` (see :func:`_rank_above`)."""
    return _within_from(s, np.int64(table[_bucket(q - t, lo, scale, table.shape[0] - 1)]), q, t)


# ----------------------------------------------------------------------------- crowded marginals (MI)
class Crowd(NamedTuple):
    """Index of one channel's crowded values, built once per channel (:func:`crowd_index`,
    :func:`crowd_stack`) for the MI kernel's marginal counts (:func:`_count_near`).

    The channel's bucket table (:func:`bucket_table`, 2n equal-width buckets) places a value within
    the one or two values of its bucket where the marginal is spread out; where it is crowded
    (saturated or pinned units) a bucket holds hundreds to thousands of values. Each bucket holding
    more than ``_CROWD`` distinct-valued points becomes a node: equal-width buckets, two per value,
    over its own values' span, and the same again for its crowded buckets (at most ``_CROWD_DEPTH``
    levels), so a lookup ends in a bucket of at most ``_CROWD`` values, whatever the marginal.
    An entry of ``top`` or ``ent`` is the first index (into sorted s) of its bucket, or ``-1 - m``
    where the bucket is node m: one load per level.
    """

    sp: np.ndarray  # (n + 6,) float64 the sorted values between 2 -inf and 4 +inf (the count's window)
    top: np.ndarray  # (2n,) int32 the channel's bucket table, crowded buckets as their node
    lo: np.ndarray  # (m,) float64 each node's first value
    scale: np.ndarray  # (m,) float64 each node's buckets per unit of value
    nb: np.ndarray  # (m,) int64 each node's number of buckets
    off: np.ndarray  # (m,) int64 each node's first entry in ent
    ent: np.ndarray  # (e,) int32 each node bucket's first index or node, nb per node


_CROWD = 3  # a bucket with more points than this gets a node (the window of _count_near covers 3)
_CROWD_DEPTH = 6  # levels of nodes below the table; deeper (adversarial spans) the searches gallop


@njit(cache=True, nogil=True)
def _crowd_build(s, tab, top, nlo, nsc, nnb, noff, ent, fill):
    """Builds the :class:`Crowd` of sorted ``s`` with bucket table ``tab`` into the given arrays
    (``fill``), or only counts them; returns the number of nodes and of entries. Breadth first:
    the nodes of one level are numbered before the next's."""
    n = s.shape[0]
    B = tab.shape[0] - 1
    cap = _CROWD_DEPTH * n // (_CROWD + 1) + 1  # a node holds > _CROWD values, a level's are disjoint
    qa = np.empty(cap, dtype=np.int64)  # each node's values s[qa:qz] and level
    qz = np.empty(cap, dtype=np.int64)
    qd = np.empty(cap, dtype=np.int64)
    m = 0
    for b in range(B):
        a = tab[b]
        z = tab[b + 1]
        v = a
        if z - a > _CROWD and s[z - 1] > s[a]:
            v = -1 - m
            qa[m] = a
            qz[m] = z
            qd[m] = 1
            m += 1
        if fill:
            top[b] = v
    tmp = np.empty(2 * n + 1, dtype=np.int64)
    e = 0
    u = 0
    while u < m:
        a = qa[u]
        z = qz[u]
        nb = 2 * (z - a)
        sc = nb / (s[z - 1] - s[a])
        if not sc < _INF:
            sc = 0.0  # a span too small to divide: one bucket in effect, the searches gallop
        p = a
        for b in range(nb + 1):
            while p < z and _bucket(s[p], s[a], sc, nb) < b:
                p += 1
            tmp[b] = p
        if fill:
            nlo[u] = s[a]
            nsc[u] = sc
            nnb[u] = nb
            noff[u] = e
        for b in range(nb):
            a2 = tmp[b]
            z2 = tmp[b + 1]
            v = a2
            if z2 - a2 > _CROWD and s[z2 - 1] > s[a2] and qd[u] < _CROWD_DEPTH and sc > 0.0:
                v = -1 - m
                qa[m] = a2
                qz[m] = z2
                qd[m] = qd[u] + 1
                m += 1
            if fill:
                ent[e + b] = v
        e += nb
        u += 1
    return m, e


@njit(cache=True, nogil=True)
def _pad_sorted(s, sp):
    """``sp`` (n + 6,) = sorted ``s`` between two -inf and four +inf: the window of :func:`_count_near`
    reads six values around any index 0..n without a bounds check, and the infinities compare as
    values beyond either end do."""
    n = s.shape[0]
    sp[0] = -_INF
    sp[1] = -_INF
    sp[2:n + 2] = s
    sp[n + 2:] = _INF


@njit(cache=True, nogil=True)
def crowd_index(ch):
    """The :class:`Crowd` of one :class:`Channel` record (the one-pair path, :func:`mi_pair`)."""
    none32 = np.empty(0, dtype=np.int32)
    none64 = np.empty(0, dtype=np.int64)
    m, e = _crowd_build(ch.s, ch.tab, none32, np.empty(0), np.empty(0), none64, none64, none32, False)
    sp = np.empty(ch.s.shape[0] + 6)
    _pad_sorted(ch.s, sp)
    cw = Crowd(sp, np.empty(ch.tab.shape[0] - 1, dtype=np.int32), np.empty(m), np.empty(m),
               np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64), np.empty(e, dtype=np.int32))
    _crowd_build(ch.s, ch.tab, cw.top, cw.lo, cw.scale, cw.nb, cw.off, cw.ent, True)
    return cw


@njit(cache=True, parallel=True)
def crowd_stack(stack):
    """The :class:`Crowd` of each channel of a stacked :class:`Channel` record, built once per channel
    (in parallel) and shared by all its pairs: the fields of all channels one after another, with
    each channel's first node and entry (``nodes``, ``entries``, (C + 1,)); :func:`crowd_row` takes
    channel ``c`` out. Returns (sp (C, n + 6), top (C, 2n), nodes, entries, lo, scale, nb, off, ent)."""
    C = stack.s.shape[0]
    sp = np.empty((C, stack.s.shape[1] + 6))
    top = np.empty((C, stack.tab.shape[1] - 1), dtype=np.int32)
    nodes = np.zeros(C + 1, dtype=np.int64)
    entries = np.zeros(C + 1, dtype=np.int64)
    none32 = np.empty(0, dtype=np.int32)
    none64 = np.empty(0, dtype=np.int64)
    for c in prange(C):
        m, e = _crowd_build(stack.s[c], stack.tab[c], none32, np.empty(0), np.empty(0), none64, none64, none32,
                            False)
        nodes[c + 1] = m
        entries[c + 1] = e
        _pad_sorted(stack.s[c], sp[c])
    for c in range(C):
        nodes[c + 1] += nodes[c]
        entries[c + 1] += entries[c]
    lo = np.empty(nodes[C])
    scale = np.empty(nodes[C])
    nb = np.empty(nodes[C], dtype=np.int64)
    off = np.empty(nodes[C], dtype=np.int64)
    ent = np.empty(entries[C], dtype=np.int32)
    for c in prange(C):
        a, z = nodes[c], nodes[c + 1]
        f, g = entries[c], entries[c + 1]
        _crowd_build(stack.s[c], stack.tab[c], top[c], lo[a:z], scale[a:z], nb[a:z], off[a:z], ent[f:g], True)
    return sp, top, nodes, entries, lo, scale, nb, off, ent


@njit(cache=True, nogil=True, inline="always")
def crowd_row(cs, c):
    """Channel ``c``'s :class:`Crowd` out of :func:`crowd_stack`'s arrays ``cs`` (views)."""
    sp, top, nodes, entries, lo, scale, nb, off, ent = cs
    a, z = nodes[c], nodes[c + 1]
    f, g = entries[c], entries[c + 1]
    return Crowd(sp[c], top[c], lo[a:z], scale[a:z], nb[a:z], off[a:z], ent[f:g])


@njit(cache=True, nogil=True, inline="always")
def _crowd_rank(lo, scale, cw, v):
    """An index of sorted ``s`` near the first value above ``v``: the first index of ``v``'s bucket
    in the channel's table (first value ``lo``, ``scale`` buckets per unit), or, where that bucket
    is crowded, of ``v``'s bucket in the deepest node of ``cw`` (:class:`Crowd`) holding it."""
    m = np.int64(cw.top[_bucket(v, lo, scale, cw.top.shape[0])])
    while m < 0:
        node = -1 - m
        m = np.int64(cw.ent[cw.off[node] + _bucket(v, cw.lo[node], cw.scale[node], cw.nb[node])])
    return m


@njit(cache=True, nogil=True)
def _above_from(s, j, q, t):
    """First index ``j`` of sorted ``s`` with ``s[j] - q > t``, galloping from any index ``j``
    (:func:`_rank_above` starts it at the bucket of ``q + t``)."""
    n = s.shape[0]
    if j < n and s[j] - q <= t:
        # gallop up: s[j] - q <= t holds at j; find a step where it fails, then bisect
        step = 1
        a = j
        b = j + 1
        while b < n and s[b] - q <= t:
            a = b
            step *= 2
            b = a + step
        if b > n:
            b = n
        # s[a] - q <= t, and b == n or s[b] - q > t
        while b - a > 1:
            m = (a + b) >> 1
            if s[m] - q <= t:
                a = m
            else:
                b = m
        return b
    step = 1
    b = j
    a = j - 1
    while a >= 0 and s[a] - q > t:
        b = a
        step *= 2
        a = b - step
    if a < -1:
        a = -1
    while b - a > 1:
        m = (a + b) >> 1
        if s[m] - q <= t:
            a = m
        else:
            b = m
    return b


@njit(cache=True, nogil=True)
def _within_from(s, j, q, t):
    """First index ``j`` of sorted ``s`` with ``q - s[j] <= t``, galloping from any index ``j``
    (:func:`_rank_within` starts it at the bucket of ``q - t``)."""
    n = s.shape[0]
    if j < n and q - s[j] > t:
        step = 1
        a = j
        b = j + 1
        while b < n and q - s[b] > t:
            a = b
            step *= 2
            b = a + step
        if b > n:
            b = n
        while b - a > 1:
            m = (a + b) >> 1
            if q - s[m] > t:
                a = m
            else:
                b = m
        return b
    step = 1
    b = j
    a = j - 1
    while a >= 0 and q - s[a] <= t:
        b = a
        step *= 2
        a = b - step
    if a < -1:
        a = -1
    while b - a > 1:
        m = (a + b) >> 1
        if q - s[m] > t:
            a = m
        else:
            b = m
    return b


@njit(cache=True, nogil=True, inline="always")
def _count_near(s, lo, scale, cw, q, t):
    """Values of sorted ``s`` within ``t`` of ``q``: ``_rank_above - _rank_within`` (the same
    comparisons), without their branches where the index places both ends exactly.

    Each end starts from the first index of its bucket: in the channel's bucket table, or where that
    bucket is crowded, in the crowded-value index ``cw`` (:class:`Crowd`, built once per channel),
    so the bucket holds at most ``_CROWD`` values whatever the marginal. The comparison
    ``s[j] - q <= t`` is monotone in ``j``; where it holds at ``j - 2`` and fails at ``j + 3``
    (``j`` the start of ``q + t``), its first failure is ``j - 1`` plus the number of
    ``j - 1 .. j + 2`` where it holds: four comparisons added, no branch on them. The same for
    ``q - t``. The window reads the padded values ``cw.sp`` (infinities beyond the ends), so it
    holds at the ends of ``s`` too. Elsewhere (rounding at a bucket's edge, ties, spans too deep
    for the index) the galloping searches from those starts (:func:`_above_from`,
    :func:`_within_from`). About 2x faster than the two searches on spread-out values (their
    branches are unpredictable). Inlined: the index record is not passed through a call."""
    j = _crowd_rank(lo, scale, cw, q + t)
    h = _crowd_rank(lo, scale, cw, q - t)
    u = cw.sp[j:j + 6]  # s[j - 2 .. j + 3]
    v = cw.sp[h:h + 6]
    a = (j - 1 + np.int64(u[1] - q <= t) + np.int64(u[2] - q <= t) + np.int64(u[3] - q <= t)
         + np.int64(u[4] - q <= t))
    b = (h - 1 + np.int64(q - v[1] > t) + np.int64(q - v[2] > t) + np.int64(q - v[3] > t)
         + np.int64(q - v[4] > t))
    if (u[0] - q <= t) & (u[5] - q > t) & (q - v[0] > t) & (q - v[5] <= t):
        return a - b
    return _above_from(s, j, q, t) - _within_from(s, h, q, t)


@njit(cache=True, nogil=True, inline="always")
def _range_near(s, sp, tab, lo, scale, q, t):
    """``(_rank_within(..), _rank_above(..))`` of sorted ``s`` (bucket table ``tab``, ``lo``,
    ``scale``): the range of values within ``t`` of ``q``, each end placed without branches where
    the window of four values after its bucket's start decides it (as :func:`_count_near` does
    with the crowded-value index; ``sp`` is ``s`` padded by :func:`_pad_sorted`), else by the
    galloping searches from those starts."""
    B = tab.shape[0] - 1
    j = np.int64(tab[_bucket(q + t, lo, scale, B)])
    h = np.int64(tab[_bucket(q - t, lo, scale, B)])
    u = sp[j:j + 6]  # s[j - 2 .. j + 3]
    v = sp[h:h + 6]
    a = (j - 1 + np.int64(u[1] - q <= t) + np.int64(u[2] - q <= t) + np.int64(u[3] - q <= t)
         + np.int64(u[4] - q <= t))
    b = (h - 1 + np.int64(q - v[1] > t) + np.int64(q - v[2] > t) + np.int64(q - v[3] > t)
         + np.int64(q - v[4] > t))
    if not ((u[0] - q <= t) & (u[5] - q > t)):
        a = _above_from(s, j, q, t)
    if not ((q - v[0] > t) & (q - v[5] <= t)):
        b = _within_from(s, h, q, t)
    return b, a


@njit(cache=True, nogil=True)
def _cell_span(s, bs, c, G, q, reach):
    """First and last cell of the quantile axis (sorted values ``s``, cell bounds ``bs``) holding a
    point within ``reach`` of ``q``, a value in cell ``c``: walks out from ``c`` comparing each
    neighbouring cell's nearest value, with the distance's own subtraction (exact)."""
    a = c
    while a > 0 and q - s[bs[a] - 1] <= reach:
        a -= 1
    b = c
    while b < G - 1 and s[bs[b + 1]] - q <= reach:
        b += 1
    return a, b


@njit(cache=True, nogil=True)
def knn_box2(i, w, k, reach, q1, q2, c1, c2, G, bs, sx, sy, cs, gx, gy, gidx, kept, topk):
    """k-th max-norm distance from point ``i`` at ``(q1, q2)`` to the other points outside the Theiler
    window, when it is at most ``reach`` (an upper bound: the k-th distance within a subset of the
    points). Scans once the rectangle of cells of the 2-D quantile grid (:func:`grid2`) that
    holds every point within ``reach`` on both axes (:func:`_cell_span` from the query's cell
    ``(c1, c2)``). The rectangle follows the local aspect of the data (long where a marginal is
    crowded), which the square rings of :func:`knn_grid` do not. ``kept`` (n,) is scratch for k != 4."""
    a1, b1 = _cell_span(sx, bs, c1, G, q1, reach)
    a2, b2 = _cell_span(sy, bs, c2, G, q2, reach)
    if k == 4:  # the default: one pass, the four smallest kept in registers
        t0 = _INF
        t1 = _INF
        t2 = _INF
        t3 = _INF
        for c1 in range(a1, b1 + 1):
            p0 = cs[c1 * G + a2]
            p1 = cs[c1 * G + b2 + 1]
            xs = gx[p0:p1]
            ys = gy[p0:p1]
            js = gidx[p0:p1]
            for u in range(p1 - p0):
                d = max(abs(xs[u] - q1), abs(ys[u] - q2))
                d = _INF if abs(js[u] - i) <= w else d
                t0, t1, t2, t3 = _insert4(t0, t1, t2, t3, d)
        return t3
    cnt = 0  # kept has room for every point
    for c1 in range(a1, b1 + 1):
        p0 = cs[c1 * G + a2]
        p1 = cs[c1 * G + b2 + 1]
        xs = gx[p0:p1]
        ys = gy[p0:p1]
        js = gidx[p0:p1]
        for u in range(p1 - p0):
            d = max(abs(xs[u] - q1), abs(ys[u] - q2))
            d = _INF if abs(js[u] - i) <= w else d
            kept[cnt] = d
            cnt += d <= reach
    return kth_smallest(kept, cnt, k, topk)


@njit(cache=True, nogil=True)
def _scan4(p0, p1, q1, q2, gx, gy, t0, t1, t2, t3):
    """Insert the max-norm distances from ``(q1, q2)`` to the gathered points ``p0:p1`` into the
    four smallest ``t0 <= t1 <= t2 <= t3`` (k = 4, no Theiler window)."""
    xs = gx[p0:p1]
    ys = gy[p0:p1]
    for u in range(p1 - p0):
        d = max(abs(xs[u] - q1), abs(ys[u] - q2))
        t0, t1, t2, t3 = _insert4(t0, t1, t2, t3, d)
    return t0, t1, t2, t3


@njit(cache=True, nogil=True)
def knn_box2_rest(t0, t1, t2, t3, q1, q2, c1, c2, ba1, bb1, ba2, bb2, G, bs, sx, sy, cs, gx, gy):
    """:func:`knn_box2` for k = 4 and no Theiler window, given the four smallest distances
    ``t0..t3`` from the query to the points of its block of cells ``ba1..bb1`` x ``ba2..bb2``
    (:func:`block_lanes_runs`): scans only the cells of the rectangle within ``t3`` that lie outside
    the block, since the block's points are already in the selection (about half of the
    rectangle's points on crowded marginals)."""
    a1, b1 = _cell_span(sx, bs, c1, G, q1, t3)
    a2, b2 = _cell_span(sy, bs, c2, G, q2, t3)
    for r in range(a1, b1 + 1):
        if r < ba1 or r > bb1:
            t0, t1, t2, t3 = _scan4(cs[r * G + a2], cs[r * G + b2 + 1], q1, q2, gx, gy, t0, t1, t2, t3)
        else:
            if a2 < ba2:
                t0, t1, t2, t3 = _scan4(cs[r * G + a2], cs[r * G + ba2], q1, q2, gx, gy, t0, t1, t2, t3)
            if b2 > bb2:
                t0, t1, t2, t3 = _scan4(cs[r * G + bb2 + 1], cs[r * G + b2 + 1], q1, q2, gx, gy, t0, t1, t2,
                                        t3)
    return t3


_STRIP_ASPECT = 8.0  # a cell goes to the strip search when one axis' cells are this many times wider


@njit(cache=True, nogil=True)
def knn_strip4(r, q1, q2, s2, v1):
    """:func:`knn_strip` for k = 4 and no Theiler window: the four smallest distances kept in
    registers, in runs of 8 positions per side."""
    n = s2.shape[0]
    t0 = _INF
    t1 = _INF
    t2 = _INF
    t3 = _INF
    hi = r + 1
    lo = r
    up = hi < n
    dn = lo > 0
    while up or dn:
        if up:
            e = min(hi + 8, n)
            ys = s2[hi:e]
            xs = v1[hi:e]
            for u in range(e - hi):
                d = max(abs(xs[u] - q1), ys[u] - q2)
                t0, t1, t2, t3 = _insert4(t0, t1, t2, t3, d)
            hi = e
            up = hi < n and s2[hi] - q2 < t3
        if dn:
            b = max(lo - 8, 0)
            ys = s2[b:lo]
            xs = v1[b:lo]
            for u in range(lo - b):
                d = max(abs(xs[u] - q1), q2 - ys[u])
                t0, t1, t2, t3 = _insert4(t0, t1, t2, t3, d)
            lo = b
            dn = lo > 0 and q2 - s2[lo - 1] < t3
    return t3, lo, hi


@njit(cache=True, nogil=True)
def knn_strip(i, w, k, r, q1, q2, s2, v1, o2, topk):
    """k-th max-norm distance from point ``i`` at ``(q1, q2)`` to the other points outside the
    Theiler window, walking one channel's sorted order outward from the point's position ``r``
    (``s2`` the sorted values of that channel, ``v1`` the other coordinate and ``o2`` the sample
    index at each sorted position), in runs of 8 positions per side, until the next position on
    each side is at least the k-th distance found so far away on this axis. Returns the distance
    and the positions ``lo..hi-1`` walked (for :func:`_strip_count`).

    The search for a point whose cell is far narrower in value on one axis than on the other
    (a crowded marginal: the neighbourhood is long and thin in cells, there by :func:`knn_box2`):
    walked along the other axis it visits about the points within the k-th distance on that axis,
    the smaller of the two marginal counts."""
    n = s2.shape[0]
    for m in range(k):
        topk[m] = _INF
    kth = _INF
    hi = r + 1
    lo = r
    up = hi < n
    dn = lo > 0
    while up or dn:
        if up:
            e = min(hi + 8, n)
            for p in range(hi, e):
                d = max(abs(v1[p] - q1), s2[p] - q2)
                if d < kth and abs(o2[p] - i) > w:
                    m = k - 1
                    while m > 0 and topk[m - 1] > d:
                        topk[m] = topk[m - 1]
                        m -= 1
                    topk[m] = d
                    kth = topk[k - 1]
            hi = e
            up = hi < n and s2[hi] - q2 < kth
        if dn:
            b = max(lo - 8, 0)
            for p in range(lo - 1, b - 1, -1):
                d = max(abs(v1[p] - q1), q2 - s2[p])
                if d < kth and abs(o2[p] - i) > w:
                    m = k - 1
                    while m > 0 and topk[m - 1] > d:
                        topk[m] = topk[m - 1]
                        m -= 1
                    topk[m] = d
                    kth = topk[k - 1]
            lo = b
            dn = lo > 0 and q2 - s2[lo - 1] < kth
    return kth, lo, hi


@njit(cache=True, nogil=True)
def _strip_count(s, q, t, lo, hi):
    """Points of sorted ``s`` within ``t`` of ``q`` (a value of ``s``, itself included), counted over
    the positions ``lo..hi-1`` a strip search walked (:func:`knn_strip4`, :func:`knn_strip`): it
    stops where the next position on each side is at least the k-th distance away on this axis,
    farther than ``t`` unless that distance is 0 (ties), so such points lie there; the ends are
    then moved out past any more values within ``t`` (the ties). ``_rank_above - _rank_within``
    of the bucket search, by the same comparisons (both hold, as the two ranks require), in a
    loop with no branch that vectorises (the walk passes the ends by up to 8 positions; moving
    them back one step at a time mispredicted the loops' exits)."""
    n = s.shape[0]
    ss = s[lo:hi]
    c = 0
    for u in range(hi - lo):
        c += np.int64(ss[u] - q <= t) & np.int64(q - ss[u] <= t)
    while hi < n and s[hi] - q <= t:
        c += 1
        hi += 1
    while lo > 0 and q - s[lo - 1] <= t:
        c += 1
        lo -= 1
    return c


@njit(cache=True, nogil=True)
def cell_widths(s, bs, G):
    """Value width of each of the ``G`` quantile cells of sorted ``s`` (cell bounds ``bs``): the
    spread of the values in it (0 for an empty cell)."""
    wd = np.zeros(G)
    for c in range(G):
        if bs[c + 1] > bs[c]:
            wd[c] = s[bs[c + 1] - 1] - s[bs[c]]
    return wd


@njit(cache=True, nogil=True)
def grid_cells2(rx, ry, G, cells):
    """Fills ``cells`` (n,) with each point's cell ``(rx * G // n) * G + ry * G // n`` in the ``G x G``
    quantile grid of ranks ``rx``, ``ry``, from a table of ranks (:func:`rank_cells`)."""
    tab = rank_cells(rx.shape[0], G)
    for i in range(rx.shape[0]):
        cells[i] = tab[rx[i]] * G + tab[ry[i]]


@njit(cache=True, nogil=True)
def grid2(y, sx, ox, cells, G):
    """The MI kernel's ``G x G`` quantile grid on the ranks of (x, y) (a counting sort, as
    :func:`sort_into_cells`, that also gathers the coordinates), with sort order ``ox``,
    from each point's cell ``cells`` (:func:`grid_cells2`): returns the first grid position of each
    cell ``cs`` (G*G + 1,), the sample at each position ``gidx`` and its coordinates ``gx``, ``gy``
    (n,), points within a cell in increasing x (read in sorted order, ``sx``)."""
    n = y.shape[0]
    cs = np.zeros(G * G + 1, dtype=np.int64)
    for i in range(n):
        cs[cells[i] + 1] += 1
    for c in range(G * G):
        cs[c + 1] += cs[c]
    fill = cs[:-1].copy()
    gidx = np.empty(n, dtype=np.int64)
    gx = np.empty(n)
    gy = np.empty(n)
    for r in range(n):
        i = ox[r]
        c = cells[i]
        p = fill[c]
        fill[c] = p + 1
        gidx[p] = i
        gx[p] = sx[r]
        gy[p] = y[i]
    return cs, gidx, gx, gy


@njit(cache=True, nogil=True)
def refine_grid2(rx, ry, G, cells):
    """Cells per axis of the MI kernel's search grid, from the caller's ``G``, for ranks ``rx``, ``ry``
    (n,); fills ``cells`` (n,) with each point's cell in the ``G x G`` grid. Dependent channels crowd
    the points into some cells (a trained network's units: the cell of a point holds 1.4-6 times the
    mean number of points, median 2.6), so the 3 x 3 blocks hold more points than the grid was sized
    for: where that factor is above 1.6 the grid is made finer by the square root of its ratio to
    1.6, at most 2x (and at most n cells). 1.6 measured faster than 1.0 or 1.3 (it leaves the random
    tanh systems, at 1.3-1.5, on the caller's grid)."""
    n = rx.shape[0]
    counts = np.zeros(G * G, dtype=np.int64)
    grid_cells2(rx, ry, G, cells)
    for i in range(n):
        counts[cells[i]] += 1
    occ = 0.0
    for c in range(G * G):
        occ += counts[c] * counts[c]
    rel = occ * G * G / (n * n)  # sum of squared counts over n, over the mean count n / G^2
    Gs = int(G * np.sqrt(rel / 1.6) + 0.5)
    return max(G, min(Gs, 2 * G, int(np.sqrt(n))))


@njit(cache=True, nogil=True)
def _mi_terms(order, gidx, nxs, nys, ts, w, C, psi, local, base):
    """The sum of the KSG terms ``psi[nx + 1] + psi[ny + 1]`` of the points at grid positions ``order``
    (all n, in the order they are added; ``gidx`` the sample at each position), from their marginal
    counts ``nxs``, ``nys`` (self excluded) within ``ts``, by grid position, the Theiler window's
    points given back here (``w > 0``; ``C`` (2, n) the coordinates by sample); each sample's local
    value ``base - term`` into ``local`` when it has n elements.

    A pass of its own after the searches: in the query loop, the rarely taken window count (a call)
    and the term's branches cost the airport net's pairs about a fifth of their time (same-process
    A/B)."""
    d0 = np.zeros(1, dtype=np.int64)
    d1 = np.ones(1, dtype=np.int64)
    want_local = local.shape[0] == order.shape[0]
    acc = 0.0
    for u in range(order.shape[0]):
        p = order[u]
        i = gidx[p]
        nx = nxs[p]
        ny = nys[p]
        if w > 0:
            nx -= _window_count(C, d0, i, w, ts[p])
            ny -= _window_count(C, d1, i, w, ts[p])
        v = psi[nx + 1] + psi[ny + 1]
        acc += v
        if want_local:
            local[i] = base - v
    return acc


@njit(cache=True, nogil=True)
def mi_pair(cx, cy, k, w, psi, G, local):
    """:func:`mi_pair_crowd` for one pair, the two channels' :class:`Crowd` indices built here
    (:func:`pairwise_mi` builds them once per channel): KSG MI in nats, local values into ``local``
    when it has n elements."""
    return mi_pair_crowd(cx, cy, crowd_index(cx), crowd_index(cy), k, w, psi, G, local)


@njit(cache=True, nogil=True)
def mi_pair_crowd(cx, cy, crx, cry, k, w, psi, G, local):
    """KSG algorithm 1 for one pair of scalar variables (Kraskov et al. 2004, eq. 8).

    ``cx``, ``cy``: the two channels' :class:`Channel` records (values, sorted values, ranks, sort
    order, bucket table) and ``crx``, ``cry`` their :class:`Crowd` indices, built once per channel
    and shared by every pair it is part of;
    ``psi[m] = digamma(m)``; ``G`` cells per grid axis of the grid whose order the values are
    summed in (the search's own grid may be finer, :func:`refine_grid2`; the values are then kept
    and summed in the ``G`` grid's order, so the result is bitwise the same whatever grid searched).
    Symmetric: ``mi_pair(cy, cx, ...)`` counts the same points (the grid is transposed, so the
    summation order, not the value, may differ in the last bit). Writes the per-sample local values
    into ``local`` when it has n elements (pass an empty array otherwise). Returns MI in nats.

    Strip path: a cell far narrower in value on one axis than on the other (``_STRIP_ASPECT``, 8x;
    a crowded marginal, whose neighbourhoods are long and thin in cells) has its queries searched
    along the other channel's sorted order (:func:`knn_strip4`, :func:`knn_strip`), which visits
    about that axis' marginal count of points and gives that count from the positions it walked
    (:func:`_strip_count`). Fast path: the k nearest neighbours are first sought in the 3 x 3 block
    of cells around the query (for k = 4 without a Theiler window read in place as up to three runs
    of grid positions, the cell's queries four or eight at a time as SIMD lanes,
    :func:`block_lanes_runs`; else gathered once per cell,
    :func:`gather_cells`, and selected by :func:`block_kth`); if the k-th distance is smaller than
    the distance to the block's edge it is exact. Otherwise the block's k-th distance bounds the
    true one and the cells within it are scanned (:func:`knn_box2_rest` for k = 4 without a Theiler
    window: only the cells outside the block, starting from the block's four smallest distances;
    :func:`knn_box2` else); with fewer than k admissible points in the block, the ring search
    (:func:`knn_grid`). Marginal counts: :func:`_count_near` (each marginal's bucket table and
    crowded-value index). The terms are added after the searches (:func:`_mi_terms`).
    """
    x, sx, rx, ox, tabx, lox, scx = cx  # fields to locals once, outside the query loop
    y, sy, ry, oy, taby, loy, scy = cy
    n = x.shape[0]
    # the sum runs over the caller's G x G grid, cell by cell (bitwise the earlier kernels' value);
    # the search may use a finer grid (refine_grid2), then the values are summed in that order after
    Gb = G
    cells_b = np.empty(n, dtype=np.int64)
    G = refine_grid2(rx, ry, Gb, cells_b)
    resum = G != Gb
    bs = cell_bounds(n, G)
    C = np.empty((2, n if w > 0 else 0))  # both coordinates by sample, for the Theiler window's counts
    C[0, :] = x[:C.shape[1]]
    C[1, :] = y[:C.shape[1]]
    cells = cells_b
    if resum:
        cells = np.empty(n, dtype=np.int64)
        grid_cells2(rx, ry, G, cells)
    cs, gidx, gx, gy = grid2(y, sx, ox, cells, G)
    gc = np.empty((n, 2))  # the coordinates by grid position, filled when the ring search needs them
    gc_made = False
    topk = np.empty(k)
    q = np.empty(2)
    cap = 64
    bxv = np.empty(cap)
    byv = np.empty(cap)
    biv = np.empty(cap, dtype=np.int64)
    buf = np.empty(cap)
    kept = np.empty(cap)
    wide = np.empty(n if k != 4 else 0)  # knn_box2's buffer
    nxs = np.empty(n, dtype=np.int64)  # each query's marginal counts and distance, by grid position
    nys = np.empty(n, dtype=np.int64)
    ts = np.empty(n)
    lanes = k == 4 and w == 0  # the lane-parallel selection (block_lanes_runs) covers this case
    qx4 = np.empty(4)
    qy4 = np.empty(4)
    sp4 = np.empty(4, dtype=np.int64)
    T4 = np.empty(16)
    qx8 = np.empty(8)
    qy8 = np.empty(8)
    sp8 = np.empty(8, dtype=np.int64)
    T8 = np.empty(32)
    # cells far narrower in value on one axis than on the other go to the strip search along the
    # other axis (knn_strip), which needs that channel's sorted order with the other coordinate
    wx = cell_widths(sx, bs, G)
    wy = cell_widths(sy, bs, G)
    strip_y = False
    strip_x = False
    for cell in range(G * G):
        if cs[cell + 1] > cs[cell]:
            c1 = cell // G
            c2 = cell - c1 * G
            strip_y = strip_y or wy[c2] > _STRIP_ASPECT * wx[c1]
            strip_x = strip_x or wx[c1] > _STRIP_ASPECT * wy[c2]
    xby = np.empty(n if strip_y else 0)  # x in the sorted order of y
    ybx = np.empty(n if strip_x else 0)  # y in the sorted order of x
    for j in range(xby.shape[0]):
        xby[j] = x[oy[j]]
    for j in range(ybx.shape[0]):
        ybx[j] = y[ox[j]]
    base = psi[k] + psi[n]
    for cell in range(G * G):
        p0 = cs[cell]
        mq = cs[cell + 1] - p0
        if mq == 0:
            continue
        c1 = cell // G
        c2 = cell - c1 * G
        along_y = wy[c2] > _STRIP_ASPECT * wx[c1]
        if along_y or wx[c1] > _STRIP_ASPECT * wy[c2]:
            for j in range(mq):
                p = p0 + j
                i = gidx[p]
                q1 = gx[p]
                q2 = gy[p]
                if along_y:
                    if lanes:
                        kth, lo, hi = knn_strip4(ry[i], q1, q2, sy, xby)
                    else:
                        kth, lo, hi = knn_strip(i, w, k, ry[i], q1, q2, sy, xby, oy, topk)
                    t = np.nextafter(kth, 0.0)
                    ny = _strip_count(sy, q2, t, lo, hi) - 1
                    nx = _count_near(sx, lox, scx, crx, q1, t) - 1
                else:
                    if lanes:
                        kth, lo, hi = knn_strip4(rx[i], q2, q1, sx, ybx)
                    else:
                        kth, lo, hi = knn_strip(i, w, k, rx[i], q2, q1, sx, ybx, ox, topk)
                    t = np.nextafter(kth, 0.0)
                    nx = _strip_count(sx, q1, t, lo, hi) - 1
                    ny = _count_near(sy, loy, scy, cry, q2, t) - 1
                nxs[p] = nx
                nys[p] = ny
                ts[p] = t
            continue
        a1, b1 = around(c1, c1, G)
        a2, b2 = around(c2, c2, G)
        # the queries of one cell share their 3 x 3 block: for k = 4 without a Theiler window its
        # three runs of grid positions (one per row of cells) are read in place; else the block is
        # gathered once, contiguously
        rs0 = cs[a1 * G + a2]
        re0 = cs[a1 * G + b2 + 1]
        rs1 = cs[(a1 + 1) * G + a2] if b1 > a1 else re0
        re1 = cs[(a1 + 1) * G + b2 + 1] if b1 > a1 else re0
        rs2 = cs[b1 * G + a2] if b1 > a1 + 1 else re1
        re2 = cs[b1 * G + b2 + 1] if b1 > a1 + 1 else re1
        mc = 0
        for c in range(a1, b1 + 1):
            mc += cs[c * G + b2 + 1] - cs[c * G + a2]
        if lanes:
            mc = 0  # nothing gathered
        if mc > cap:
            cap = 2 * mc
            bxv = np.empty(cap)
            byv = np.empty(cap)
            biv = np.empty(cap, dtype=np.int64)
            buf = np.empty(cap)
            kept = np.empty(cap)
        self0 = 0
        if not lanes:
            mc = 0
            for c in range(a1, b1 + 1):
                if c == c1:
                    self0 = mc + cs[cell] - cs[c * G + a2]  # block position of the cell's first query
                mc = gather_cells(cs[c * G + a2], cs[c * G + b2 + 1], gx, gy, gidx, w, bxv, byv, biv, mc)
        xlo, xhi = faces(sx, bs, a1, b1, G)
        ylo, yhi = faces(sy, bs, a2, b2, G)
        prev = 0.0
        xv = bxv[:mc]
        yv = byv[:mc]
        T = T8
        L = 8
        for j in range(mq):
            p = p0 + j
            i = gidx[p]
            q1 = gx[p]
            q2 = gy[p]
            # only block points closer than the block's edge can be exact neighbours
            bound = min(min(q1 - xlo, xhi - q1), min(q2 - ylo, yhi - q2))
            if lanes:
                # the cell's queries four or eight at a time, one lane each (block_lanes_runs); lanes
                # past the cell's last query repeat it
                lane = j & 7
                if lane == 0:
                    L = 4 if mq - j <= 4 else 8
                    qx = qx4 if L == 4 else qx8
                    qy = qy4 if L == 4 else qy8
                    sp = sp4 if L == 4 else sp8
                    T = T4 if L == 4 else T8
                    for m in range(L):
                        pm = p0 + min(j + m, mq - 1)
                        qx[m] = gx[pm]
                        qy[m] = gy[pm]
                        sp[m] = pm
                    block_lanes_runs(gx, gy, rs0, re0, rs1, re1, rs2, re2, qx, qy, sp, T)
                u0 = T[lane]
                u1 = T[L + lane]
                u2 = T[2 * L + lane]
                kth = T[3 * L + lane]
                exact = kth < bound
                if not exact and kth < _INF:
                    # the block's four smallest start the scan of the cells around it
                    kth = knn_box2_rest(u0, u1, u2, kth, q1, q2, c1, c2, a1, b1, a2, b2, G, bs, sx, sy, cs, gx, gy)
                    exact = True
            else:
                # distances first (a loop that vectorises), then the selection in block_kth
                dist = buf[:mc]
                for u in range(mc):
                    dist[u] = max(abs(xv[u] - q1), abs(yv[u] - q2))
                kth = block_kth(dist, self0 + j, biv, i, w, k, bound, prev, kept, topk)
                exact = kth < _INF
                if not exact and mc >= k:
                    # the k-th distance within the block bounds the true one (block_kth set the
                    # excluded points' distances to inf)
                    kth = kth_smallest(dist, mc, k, topk)
            if not exact:
                # scan once the cells within the block's k-th distance, or (fewer than k admissible
                # points in the block) the ring search
                if kth < _INF:
                    kth = knn_box2(i, w, k, kth, q1, q2, c1, c2, G, bs, sx, sy, cs, gx, gy, gidx, wide, topk)
                else:
                    if not gc_made:
                        gc[:, 0] = gx
                        gc[:, 1] = gy
                        gc_made = True
                    q[0] = q1
                    q[1] = q2
                    kth = knn_grid(i, w, k, rx[i], ry[i], G, bs, sx, sy, q, cs, gc, gidx, topk)
            t = np.nextafter(kth, 0.0)
            nx = _count_near(sx, lox, scx, crx, q1, t) - 1
            ny = _count_near(sy, loy, scy, cry, q2, t) - 1
            prev = kth
            nxs[p] = nx
            nys[p] = ny
            ts[p] = t
    # the terms added in the caller's grid order: the order of the searched grid's positions, or
    # (a finer search grid) of the caller's grid's, by the same counting sort
    order = np.arange(n)
    if resum:
        csb = np.empty(Gb * Gb + 1, dtype=np.int64)
        gib = np.empty(n, dtype=np.int64)
        sort_into_cells(cells_b, Gb * Gb, ox, csb, gib)
        pos = np.empty(n, dtype=np.int64)
        pos[gidx] = order
        for u in range(n):
            order[u] = pos[gib[u]]
    return base - _mi_terms(order, gidx, nxs, nys, ts, w, C, psi, local, base) / n


@njit(cache=True, nogil=True)
def rank_cells(n, G):
    """Cell of each rank on a quantile axis of ``G`` cells: ``out[r] = r * G // n`` (n,), filled from
    :func:`cell_bounds` (G divisions instead of n; the grids look ranks up in it)."""
    bs = cell_bounds(n, G)
    out = np.empty(n, dtype=np.int64)
    for c in range(G):
        out[bs[c]:bs[c + 1]] = c
    return out


@njit(cache=True, nogil=True)
def cells3(r0, r1, r2, G):
    """Cell id (n,) of every point in a ``G x G x G`` grid on the ranks ``r0``, ``r1``, ``r2``:
    ``((r0 * G // n) * G + r1 * G // n) * G + r2 * G // n``, each axis's cell looked up by rank
    (:func:`rank_cells`) rather than divided out (one table of n entries instead of 3n integer
    divisions; bitwise the same cells)."""
    n = r0.shape[0]
    t = rank_cells(n, G)
    cells = np.empty(n, dtype=np.int64)
    for i in range(n):
        cells[i] = (t[r0[i]] * G + t[r1[i]]) * G + t[r2[i]]
    return cells


@njit(cache=True, nogil=True)
def build_grid3(r0, r1, r2, order, C, G, cell_start, gc, gidx):
    """Counting-sort the points into a ``G x G x G`` grid on the ranks ``r0``, ``r1``, ``r2`` (n,) of
    the first three rows of ``C`` (D, n). Points sit in a cell in the order ``order``. Fills
    ``cell_start`` (G**3 + 1,), the gathered coordinates ``gc`` (D, n) and original indices ``gidx``."""
    sort_into_cells(cells3(r0, r1, r2, G), G * G * G, order, cell_start, gidx)
    for dd in range(C.shape[0]):
        for p in range(r0.shape[0]):
            gc[dd, p] = C[dd, gidx[p]]


@njit(cache=True, nogil=True)
def _face_bound(s, bs, a, b, G, q):
    """Distance from ``q`` to the nearest face of the cell slab ``a..b`` (inf where the slab reaches
    the grid's edge): every point outside the slab is at least this far on this coordinate."""
    lo = q - s[bs[a] - 1] if a > 0 else _INF
    hi = s[bs[b + 1]] - q if b < G - 1 else _INF
    return min(lo, hi)


@njit(cache=True, nogil=True)
def refine_grid3(r0, r1, r2, G):
    """Cells per axis for :func:`build_grid3`, starting from ``G``. Strongly dependent coordinates
    (a unit's next value and its own past, say) crowd the points into few cells; while the cell of
    an average point holds more than 16x the points a cell of the ``G`` grid would hold under
    independence, the grid is made finer (up to 2x ``G``, at most 64 per axis). Finer grids than
    that leave many empty cells and send queries to the slow path: measured on an AR(0.95) system
    (n = 10^4) and a trained RNN's units (n = 1,752), these limits were fastest on both."""
    n = r0.shape[0]
    target = n / (G * G * G)
    Gmax = min(2 * G, 64)
    while G < Gmax:
        counts = np.zeros(G * G * G, dtype=np.int64)
        for c in cells3(r0, r1, r2, G):
            counts[c] += 1
        occupancy = 0.0
        for c in range(G * G * G):
            occupancy += counts[c] * counts[c]
        occupancy /= n
        if occupancy <= 16.0 * target:
            break
        G = min(Gmax, int(G * np.sqrt(occupancy / target)) + 1)
    return G


@njit(cache=True, nogil=True)
def knn_block3(i, w, k, c0, c1, c2, G, bs, s0, s1, s2, q, cs, gc, gidx, topk):
    """k-th max-norm distance from point ``i`` (coordinates ``q``, cell ``(c0, c1, c2)``) to the other
    points outside the Theiler window, by scanning ever larger blocks of cells of a 3-D grid
    (:func:`build_grid3`) until the k-th distance is within the block's faces. The slow path of
    :func:`cmi_pair` when the 3 x 3 x 3 block around a query holds fewer than k admissible points
    (otherwise :func:`knn_box3`, which scans once what this scans block by block)."""
    D = q.shape[0]
    kth = _INF
    for R in range(1, G + 1):
        for m in range(k):
            topk[m] = _INF
        a0 = max(c0 - R, 0)
        b0 = min(c0 + R, G - 1)
        a1 = max(c1 - R, 0)
        b1 = min(c1 + R, G - 1)
        a2 = max(c2 - R, 0)
        b2 = min(c2 + R, G - 1)
        for u0 in range(a0, b0 + 1):
            for u1 in range(a1, b1 + 1):
                row = (u0 * G + u1) * G
                for p in range(cs[row + a2], cs[row + b2 + 1]):
                    if abs(gidx[p] - i) <= w:
                        continue
                    d = 0.0
                    for dd in range(D):
                        d = max(d, abs(gc[dd, p] - q[dd]))
                    if d < topk[k - 1]:
                        m = k - 1
                        while m > 0 and topk[m - 1] > d:
                            topk[m] = topk[m - 1]
                            m -= 1
                        topk[m] = d
        kth = topk[k - 1]
        bound = min(_face_bound(s0, bs, a0, b0, G, q[0]),
                    min(_face_bound(s1, bs, a1, b1, G, q[1]), _face_bound(s2, bs, a2, b2, G, q[2])))
        if kth <= bound or bound == _INF:
            break
    return kth


@njit(cache=True, nogil=True)
def knn_box3(i, w, k, reach, q, c0, c1, c2, G, bs, sx, sy, sz0, cs, gc, gidx, kept, topk):
    """k-th max-norm distance from point ``i`` (coordinates ``q``) to the other points outside the
    Theiler window, when it is at most ``reach`` (an upper bound: the k-th distance within a subset
    of the points). Scans once the cells of a 3-D grid (:func:`build_grid3`) that meet the cube of
    half-width ``reach`` around the query, whose cell is ``(c0, c1, c2)``: :func:`_cell_span` on
    each axis (exact, and cheap where a crowded marginal makes the cells narrow)."""
    D = q.shape[0]
    a0, b0 = _cell_span(sx, bs, c0, G, q[0], reach)
    a1, b1 = _cell_span(sy, bs, c1, G, q[1], reach)
    a2, b2 = _cell_span(sz0, bs, c2, G, q[2], reach)
    total = 0
    for u0 in range(a0, b0 + 1):
        for u1 in range(a1, b1 + 1):
            row = (u0 * G + u1) * G
            total += cs[row + b2 + 1] - cs[row + a2]
    if total > kept.shape[0]:
        kept = np.empty(total)
    cnt = 0
    for u0 in range(a0, b0 + 1):
        for u1 in range(a1, b1 + 1):
            row = (u0 * G + u1) * G
            for p in range(cs[row + a2], cs[row + b2 + 1]):
                d = 0.0
                for dd in range(D):
                    d = max(d, abs(gc[dd, p] - q[dd]))
                d = _INF if abs(gidx[p] - i) <= w else d
                kept[cnt] = d
                cnt += d <= reach
    return kth_smallest(kept, cnt, k, topk)


@njit(cache=True, nogil=True)
def knn_box3s(i, w, k, reach, q, c0, c1, c2, G, bs, sx, sy, sz0, cs, gc, gidx, kept, topk):
    """k-th max-norm distance from point ``i`` (coordinates ``q``, cell ``(c0, c1, c2)``) to the other
    points outside the Theiler window, from one scan of the cells of a 3-D grid (:func:`build_grid3`)
    that hold a point within ``reach`` on every grid axis (:func:`_cell_span`), as
    :func:`knn_box3`, but for any ``reach``: returns ``(kth, fb)``, ``fb`` the distance from the query
    to the scanned box's faces (every point outside it is at least that far) and ``kth`` the k-th
    distance when at least k admissible points of the box lie within ``fb`` (then it is exact),
    else inf. With ``reach`` at or above the true k-th distance it is always exact. ``kept`` (n,)
    scratch (no allocation per call)."""
    D = q.shape[0]
    q0 = q[0]
    q1 = q[1]
    q2 = q[2]
    a0, b0 = _cell_span(sx, bs, c0, G, q0, reach)
    a1, b1 = _cell_span(sy, bs, c1, G, q1, reach)
    a2, b2 = _cell_span(sz0, bs, c2, G, q2, reach)
    fb = min(_face_bound(sx, bs, a0, b0, G, q0),
             min(_face_bound(sy, bs, a1, b1, G, q1), _face_bound(sz0, bs, a2, b2, G, q2)))
    cnt = 0
    for u0 in range(a0, b0 + 1):
        for u1 in range(a1, b1 + 1):
            row = (u0 * G + u1) * G
            p0 = cs[row + a2]
            p1 = cs[row + b2 + 1]
            kk = kept[cnt:cnt + p1 - p0]
            js = gidx[p0:p1]
            c = 0
            if D == 3:
                xs = gc[0, p0:p1]
                ys = gc[1, p0:p1]
                zs = gc[2, p0:p1]
                for u in range(p1 - p0):
                    d = max(abs(xs[u] - q0), max(abs(ys[u] - q1), abs(zs[u] - q2)))
                    d = _INF if abs(js[u] - i) <= w else d
                    kk[c] = d
                    c += d <= fb
            else:
                for u in range(p1 - p0):
                    d = 0.0
                    for dd in range(D):
                        d = max(d, abs(gc[dd, p0 + u] - q[dd]))
                    d = _INF if abs(js[u] - i) <= w else d
                    kk[c] = d
                    c += d <= fb
            cnt += c
    if cnt >= k:
        return kth_smallest(kept, cnt, k, topk), fb
    return _INF, fb


# ----------------------------------------------------------------------------- 3-D lane-parallel block scan
# The lanes of block_lanes for the 3-D grid of cmi_pair (x, y, z0: D == 3, k == 4, no Theiler window):
# the 3 x 3 x 3 block is read once for up to eight of a cell's queries, each query one SIMD lane, instead
# of one distance pass and one selection (block_kth) per query. The arithmetic is cmi_pair's scalar code
# lane by lane (the same subtractions, fabs, and numba's min/max), so each lane's four distances are
# bitwise those of sorting the query's distances to the block.

def _lanes3_intrinsic(L):
    """The numba intrinsic behind :func:`block_lanes3` for ``L`` lanes (4, 8 or 16): :func:`_lanes_intrinsic`
    in three coordinates (the same code, :func:`_lanes_typed`)."""

    @intrinsic
    def scan(typingctx, gx, gy, gz, s, e, qx, qy, qz, sp, T):
        return _lanes_typed(3, L, (gx, gy, gz, s, e, qx, qy, qz, sp, T))

    return scan


_scan3_lanes4 = _lanes3_intrinsic(4)
_scan3_lanes8 = _lanes3_intrinsic(8)
_scan3_lanes16 = _lanes3_intrinsic(16)


def block_lanes3(gx, gy, gz, s, e, qx, qy, qz, sp, T):
    """Insert the max-norm distances from each of L queries (``qx``, ``qy``, ``qz`` (L,), L = 4, 8 or 16) to
    the points at grid positions ``s..e-1`` (``gx``, ``gy``, ``gz``) into each query's four smallest,
    leaving out the query's own position ``sp`` (L,): ``T`` (4L,) holds them, ``T[r * L + l]`` the
    r-th smallest of lane l, sorted, updated in place (start from inf). :func:`block_lanes` in three
    coordinates: compiled, a vector loop (:func:`_lanes3_intrinsic`); this Python body is what runs
    without JIT."""
    L = qx.shape[0]
    for lane in range(L):
        t0, t1, t2, t3 = T[lane], T[L + lane], T[2 * L + lane], T[3 * L + lane]
        for p in range(s, e):
            d = max(abs(gx[p] - qx[lane]), max(abs(gy[p] - qy[lane]), abs(gz[p] - qz[lane])))
            d = _INF if p == sp[lane] else d
            t0, t1, t2, t3 = _insert4(t0, t1, t2, t3, d)
        T[lane], T[L + lane], T[2 * L + lane], T[3 * L + lane] = t0, t1, t2, t3


@overload(block_lanes3, jit_options={"nogil": True})
def _block_lanes3_jit(gx, gy, gz, s, e, qx, qy, qz, sp, T):
    def impl(gx, gy, gz, s, e, qx, qy, qz, sp, T):
        if qx.shape[0] == 16:
            _scan3_lanes16(gx, gy, gz, s, e, qx, qy, qz, sp, T)
        elif qx.shape[0] == 8:
            _scan3_lanes8(gx, gy, gz, s, e, qx, qy, qz, sp, T)
        else:
            _scan3_lanes4(gx, gy, gz, s, e, qx, qy, qz, sp, T)
    return impl


@njit(cache=True, nogil=True)
def block_lanes3_cells(gx, gy, gz, cs, G, a0, b0, a1, b1, a2, b2, qx, qy, qz, sp, T):
    """Each of the L queries' (``qx``, ``qy``, ``qz``, ``sp`` (L,)) four smallest max-norm distances to
    the points of the grid cells ``a0..b0 x a1..b1 x a2..b2`` of a ``G x G x G`` grid (cell starts
    ``cs``, coordinates ``gx``, ``gy``, ``gz`` by grid position), each query's own position ``sp``
    left out: ``T`` (4L,), ``T[r * L + l]`` the r-th of lane l (inf where fewer). One run of grid
    positions per row of cells (:func:`block_lanes3`), read in place."""
    T[:] = _INF
    for u0 in range(a0, b0 + 1):
        for u1 in range(a1, b1 + 1):
            row = (u0 * G + u1) * G
            block_lanes3(gx, gy, gz, cs[row + a2], cs[row + b2 + 1], qx, qy, qz, sp, T)


# ----------------------------------------------------------------------------- counting pass (TE), 512-bit
_PASS_LANES = 8  # doubles per vector of count_pass; its arrays hold this many more entries than n


def _count_pass_typed(args):
    """Typing of :func:`_count_pass_intrinsic`: ``xs``, ``ys`` (float64 arrays), ``s``, ``e``
    (integers), ``qx``, ``qy``, ``t`` (floats), ``N`` (int64 array); returns (signature, codegen)."""
    f8 = types.Array(types.float64, 1, "C")
    if not (args[0] == f8 and args[1] == f8 and isinstance(args[2], types.Integer)
            and isinstance(args[3], types.Integer) and all(isinstance(a, types.Float) for a in args[4:7])
            and args[7] == types.Array(types.int64, 1, "C")):
        return None
    L = _PASS_LANES

    def codegen(context, builder, signature, argv):
        def data(i):
            return context.make_array(signature.args[i])(context, builder, argv[i]).data

        i32, i64, f64 = ir.IntType(32), ir.IntType(64), ir.DoubleType()
        vd, vi = ir.VectorType(f64, L), ir.VectorType(i64, L)
        px, py, pN = data(0), data(1), data(7)
        s_ = context.cast(builder, argv[2], signature.args[2], types.int64)
        e_ = context.cast(builder, argv[3], signature.args[3], types.int64)
        qx, qy, t = (context.cast(builder, argv[j], signature.args[j], types.float64) for j in (4, 5, 6))

        def splat(v, vt):
            one = builder.insert_element(ir.Constant(vt, ir.Undefined), v, ir.Constant(i32, 0))
            return builder.shuffle_vector(one, ir.Constant(vt, ir.Undefined),
                                          ir.Constant(ir.VectorType(i32, L), [0] * L))

        def vload(ptr, at):
            return builder.load(builder.bitcast(builder.gep(ptr, [at]), vd.as_pointer()), align=8)

        fabs = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vd, [vd]), f"llvm.fabs.v{L}f64")
        vqx, vqy, vt = splat(qx, vd), splat(qy, vd), splat(t, vd)
        iota = ir.Constant(vi, list(range(L)))
        acc = [cgutils.alloca_once(builder, vi) for _ in range(2)]  # promoted to registers by LLVM
        for r in range(2):
            builder.store(ir.Constant(vi, [0] * L), acc[r])

        def body(at, valid):
            for r, (p, vq) in enumerate(((px, vqx), (py, vqy))):
                h = builder.fcmp_ordered("<=", builder.call(fabs, [builder.fsub(vload(p, at), vq)]), vt)
                if valid is not None:
                    h = builder.and_(h, valid)
                builder.store(builder.add(builder.load(acc[r]), builder.zext(h, vi)), acc[r])

        span = builder.sub(e_, s_)
        full = builder.sdiv(span, ir.Constant(i64, L))
        with cgutils.for_range(builder, full) as loop:
            body(builder.add(s_, builder.mul(loop.index, ir.Constant(i64, L))), None)
        done = builder.mul(full, ir.Constant(i64, L))
        rest = builder.sub(span, done)
        with builder.if_then(builder.icmp_signed(">", rest, ir.Constant(i64, 0))):
            body(builder.add(s_, done), builder.icmp_signed("<", iota, splat(rest, vi)))  # positions past e: left out
        for r in range(2):
            v = builder.load(acc[r])
            tot = builder.extract_element(v, ir.Constant(i32, 0))
            for lane in range(1, L):
                tot = builder.add(tot, builder.extract_element(v, ir.Constant(i32, lane)))
            builder.store(tot, builder.gep(pN, [ir.Constant(i64, r)]))
        return context.get_dummy_value()

    return types.void(*args), codegen


@intrinsic
def _count_pass_intrinsic(typingctx, xs, ys, s, e, qx, qy, t, N):
    """The numba intrinsic behind :func:`count_pass` (:func:`_count_pass_typed`)."""
    return _count_pass_typed((xs, ys, s, e, qx, qy, t, N))


def count_pass(xs, ys, s, e, qx, qy, t, N):
    """``N[0]`` = positions ``u`` in ``s..e-1`` with ``|xs[u] - qx| <= t``, ``N[1]`` = those with
    ``|ys[u] - qy| <= t``; ``xs`` and ``ys`` hold :data:`_PASS_LANES` entries more than ``e`` (read, left
    out). Compiled, one loop over eight positions at a time on 512-bit vectors
    (:func:`_count_pass_intrinsic`); this Python body is what runs without JIT."""
    c1 = 0
    c2 = 0
    for u in range(s, e):
        c1 += abs(xs[u] - qx) <= t
        c2 += abs(ys[u] - qy) <= t
    N[0] = c1
    N[1] = c2


@overload(count_pass, jit_options={"nogil": True})
def _count_pass_jit(xs, ys, s, e, qx, qy, t, N):
    def impl(xs, ys, s, e, qx, qy, t, N):
        _count_pass_intrinsic(xs, ys, s, e, qx, qy, t, N)
    return impl



_SPAN = 99  # _lanes_search: a lane group holds the queries of at most _SPAN + 1 neighbouring cells


@njit(cache=True, nogil=True)
def _lanes_group(G, bs, cs, gc, gidx, sx, sy, sz0, c0, c1, ca, cb, g, lc, lx, ly, lz, lp, T, q, wide, topk, tq):
    """The k-th distances (k = 4) of the ``g`` queries of one lane group of :func:`_lanes_search`: grid
    positions ``lp``, coordinates ``lx``, ``ly``, ``lz``, cells ``(c0, c1, lc[m])`` with
    ``ca <= lc[m] <= cb``; the lanes from ``g`` on repeat the last query. The block of cells
    ``c0-1..c0+1 x c1-1..c1+1 x ca-1..cb+1`` (clipped to the grid) is read once for all of them
    (:func:`block_lanes3_cells`); a lane's 4th smallest distance is exact when it is below the query's
    distance to that block's faces (every point outside is at least that far), else it bounds the
    true one and is the reach of :func:`knn_box3s` (inf where the block holds fewer than four other
    points: a box widened from the faces, as in :func:`cmi_pair`). ``tq[i]`` gets the k-th distance
    of each query ``i``."""
    L = lx.shape[0]
    for m in range(g, L):
        lx[m] = lx[g - 1]
        ly[m] = ly[g - 1]
        lz[m] = lz[g - 1]
        lp[m] = lp[g - 1]
    a0, b0 = around(c0, c0, G)
    a1, b1 = around(c1, c1, G)
    a2, b2 = around(ca, cb, G)
    block_lanes3_cells(gc[0], gc[1], gc[2], cs, G, a0, b0, a1, b1, a2, b2, lx, ly, lz, lp, T)
    xlo, xhi = faces(sx, bs, a0, b0, G)
    ylo, yhi = faces(sy, bs, a1, b1, G)
    zlo, zhi = faces(sz0, bs, a2, b2, G)
    for m in range(g):
        i = gidx[lp[m]]
        q0 = lx[m]
        q1 = ly[m]
        q2 = lz[m]
        bound = min(min(q0 - xlo, xhi - q0), min(min(q1 - ylo, yhi - q1), min(q2 - zlo, zhi - q2)))
        eps = T[3 * L + m]
        if not eps < bound:
            q[0] = q0
            q[1] = q1
            q[2] = q2
            reach = eps
            if reach < _INF:
                eps, fb = knn_box3s(i, 0, 4, reach, q, c0, c1, lc[m], G, bs, sx, sy, sz0, cs, gc, gidx, wide, topk)
            else:
                reach = bound
                while True:
                    eps, fb = knn_box3s(i, 0, 4, reach, q, c0, c1, lc[m], G, bs, sx, sy, sz0, cs, gc, gidx, wide,
                                        topk)
                    if eps < _INF or fb == _INF:
                        break
                    reach = max(2.0 * reach, fb)
        tq[i] = eps


@njit(cache=True, nogil=True, inline="always")
def _narrow_lanes(g, lx, ly, lz, lp, nx, ny, nz, np_):
    """The first ``g`` queries of a 16-lane group (cell coordinates and points) into the buffers of a
    narrower lane width (each width's vectors are typed from its own fixed-size buffers)."""
    nx[:g] = lx[:g]
    ny[:g] = ly[:g]
    nz[:g] = lz[:g]
    np_[:g] = lp[:g]


@njit(cache=True, nogil=True)
def _lanes_search(G, bs, cs, gc, gidx, sx, sy, sz0, span, tq):
    """The k-th (k = 4, no Theiler window) max-norm distance of every point of the 3-D grid of
    :func:`cmi_pair` into ``tq`` (by sample index), eight (or four) queries at a time on SIMD lanes
    (:func:`_lanes_group`). A group takes consecutive queries of one column of cells (fixed x and y
    cells), from at most ``span + 1`` neighbouring z0 cells, and reads their common block once: a
    cell's own few queries would leave most lanes idle (the airport net's cells hold about 3 points),
    and a neighbour's queries cost the block one more layer of cells (a third more points) rather
    than a second pass. Each distance is the exact k-th distance, so the values are those of the
    per-cell groups bitwise."""
    n = gidx.shape[0]
    q = np.empty(3)
    topk = np.empty(4)
    wide = np.empty(n)
    lc = np.empty(16, dtype=np.int64)
    lx16 = np.empty(16)
    ly16 = np.empty(16)
    lz16 = np.empty(16)
    lp16 = np.empty(16, dtype=np.int64)
    T16 = np.empty(64)
    lx4 = np.empty(4)
    ly4 = np.empty(4)
    lz4 = np.empty(4)
    lp4 = np.empty(4, dtype=np.int64)
    T4 = np.empty(16)
    lx8 = np.empty(8)
    ly8 = np.empty(8)
    lz8 = np.empty(8)
    lp8 = np.empty(8, dtype=np.int64)
    T8 = np.empty(32)
    g0 = gc[0]
    g1 = gc[1]
    g2 = gc[2]
    for col in range(G * G):
        c0 = col // G
        c1 = col % G
        base = col * G
        c2 = 0
        p = cs[base]
        end = cs[base + G]
        while p < end:
            # the group: queries p.. of cells ca..cb, at most eight, cb - ca <= span
            while cs[base + c2 + 1] <= p:
                c2 += 1
            ca = c2
            g = 0
            while g < 16 and p < end:
                while cs[base + c2 + 1] <= p:
                    c2 += 1
                if c2 - ca > span:
                    break
                lc[g] = c2
                lx16[g] = g0[p]
                ly16[g] = g1[p]
                lz16[g] = g2[p]
                lp16[g] = p
                g += 1
                p += 1
            cb = lc[g - 1]
            if g <= 4:
                _narrow_lanes(g, lx16, ly16, lz16, lp16, lx4, ly4, lz4, lp4)
                _lanes_group(G, bs, cs, gc, gidx, sx, sy, sz0, c0, c1, ca, cb, g, lc, lx4, ly4, lz4, lp4, T4, q,
                             wide, topk, tq)
            elif g <= 8:
                _narrow_lanes(g, lx16, ly16, lz16, lp16, lx8, ly8, lz8, lp8)
                _lanes_group(G, bs, cs, gc, gidx, sx, sy, sz0, c0, c1, ca, cb, g, lc, lx8, ly8, lz8, lp8, T8, q,
                             wide, topk, tq)
            else:
                _lanes_group(G, bs, cs, gc, gidx, sx, sy, sz0, c0, c1, ca, cb, g, lc, lx16, ly16, lz16, lp16, T16, q,
                             wide, topk, tq)


@njit(cache=True, nogil=True)
def cmi_pair(cx, cy, cz, k, w, psi, G, local):
    """Frenzel-Pompe conditional MI I(x; y | Z) for scalar ``x``, ``y`` and ``Z`` (dz, n).

    ``cx``, ``cy``: the :class:`Channel` records of x and y (:func:`channel`); ``cz``: the stacked
    record of the dz rows of Z (:func:`channels`), whose row z0's bucket table serves the counts.
    ``G`` cells per axis of the 3-D grid. Local values go to ``local`` when it has n elements.
    The bucket tables of x and y and the sort order of y are not read (the records are the ones
    every pair of the channel shares).

    Joint search: a quantile grid on the ranks of (x, y, z0), other rows of Z checked in the distance.
    As in :func:`mi_pair`, the queries of one cell share the gathered 3 x 3 x 3 block of cells around
    it; the k-th distance found there is exact when it lies within the block's faces, otherwise it
    bounds the true one and :func:`knn_box3s` scans once the cells within that reach. Crowded
    marginals (saturated units) make the quantile cells narrow in value, and then most queries
    need that scan: a query whose cell-mate before it did tries the scan alone first, with 1.5x that
    query's k-th distance as the reach (exact where it settles, by the box's face bound), and goes
    through the block only where it does not (20% less time on saturated and pinned units at
    n = 10^4, docs/design.md). With one conditioning row, k = 4 and no Theiler window the blocks are
    not gathered: :func:`_lanes_search` reads the block of up to sixteen consecutive queries of a
    column of cells in place once, one SIMD lane each (:func:`block_lanes3_cells`), keeping each
    query's four smallest distances; the 4th is exact when below the query's distance to that
    block's faces, else it is the box scan's reach. Every k-th distance is the exact one, so the
    values are bitwise those of the per-cell blocks.
    Counts: the points within ``t`` of the query on z0 are one contiguous range of the z0-sorted
    order (found in its bucket table, as in :func:`mi_pair`); one branch-free pass over that range,
    with x, y and the other Z rows gathered into z0 order, gives n_z, n_xz and n_yz together. With
    one conditioning row and no Theiler window the counts follow the search, the queries taken in z0
    order (neighbouring ranges stay in cache; ends by :func:`_range_near`), and the per-query terms
    are summed afterwards in the grid's order, as the query loop sums them.
    """
    x, sx, rx, ox = cx.x, cx.s, cx.r, cx.o  # fields to locals once, outside the query loop
    y, sy, ry = cy.x, cy.s, cy.r
    Z = cz.x
    _, sz0, rz0, oz0, tabz, loz, scz = channel_row(cz, 0)  # z0: a grid axis and the counting order
    n = x.shape[0]
    dz = Z.shape[0]
    D = 2 + dz
    C = np.empty((D, n))  # joint layout (x, y, z0, z1, ..)
    C[0, :] = x
    C[1, :] = y
    for m in range(dz):
        C[2 + m, :] = Z[m]
    G = refine_grid3(rx, ry, rz0, G)
    bs = cell_bounds(n, G)
    cs = np.empty(G * G * G + 1, dtype=np.int64)
    gc = np.empty((D, n))
    gidx = np.empty(n, dtype=np.int64)
    build_grid3(rx, ry, rz0, ox, C, G, cs, gc, gidx)
    # every row in z0 order, for the counting pass
    Cz = np.empty((D, n))
    for r in range(n):
        i = oz0[r]
        for dd in range(D):
            Cz[dd, r] = C[dd, i]
    xz = Cz[0]
    yz = Cz[1]
    dimsXZ = np.empty(1 + dz, dtype=np.int64)
    dimsYZ = np.empty(1 + dz, dtype=np.int64)
    dimsZ = np.empty(dz, dtype=np.int64)
    dimsXZ[0] = 0
    dimsYZ[0] = 1
    for m in range(dz):
        dimsXZ[1 + m] = 2 + m
        dimsYZ[1 + m] = 2 + m
        dimsZ[m] = 2 + m
    topk = np.empty(k)
    q = np.empty(D)
    cap = 256
    bv = np.empty((D, cap))
    biv = np.empty(cap, dtype=np.int64)
    buf = np.empty(cap)
    kept = np.empty(cap)
    wide = np.empty(n)  # knn_box3s's scratch
    # the lane-parallel search (_lanes_search) covers one conditioning row, k = 4 and no Theiler window:
    # up to sixteen queries of a column of cells at a time, their block read in place
    lanes = D == 3 and k == 4 and w == 0
    want_local = local.shape[0] == n
    base = psi[k]
    acc = 0.0
    # the counts with one conditioning row and no Theiler window: after the search, query by query in
    # z0 order (neighbouring queries read neighbouring ranges: 0.89x the time per estimate on the
    # airport job's calls), from each query's threshold tq, each pass on 512-bit vectors (count_pass);
    # summed in the grid's order as before
    zorder = dz == 1 and w == 0
    tq = np.empty(n if zorder else 0)
    if lanes:
        _lanes_search(G, bs, cs, gc, gidx, sx, sy, sz0, _SPAN, tq)
    for cell in range(0 if lanes else G * G * G):
        p0 = cs[cell]
        mq = cs[cell + 1] - p0
        if mq == 0:
            continue
        c0 = cell // (G * G)
        c1 = (cell // G) % G
        c2 = cell % G
        a0, b0 = around(c0, c0, G)
        a1, b1 = around(c1, c1, G)
        a2, b2 = around(c2, c2, G)
        # gather the 3 x 3 x 3 block once for all queries of the cell, each coordinate contiguous
        mc = 0
        for u0 in range(a0, b0 + 1):
            for u1 in range(a1, b1 + 1):
                row = (u0 * G + u1) * G
                mc += cs[row + b2 + 1] - cs[row + a2]
        if mc > cap:
            cap = 2 * mc
            bv = np.empty((D, cap))
            biv = np.empty(cap, dtype=np.int64)
            buf = np.empty(cap)
            kept = np.empty(cap)
        mc = 0
        for u0 in range(a0, b0 + 1):
            for u1 in range(a1, b1 + 1):
                row = (u0 * G + u1) * G
                if u0 == c0 and u1 == c1:
                    self0 = mc + cs[cell] - cs[row + a2]  # block position of the cell's first query
                for pp in range(cs[row + a2], cs[row + b2 + 1]):
                    if D == 3:  # element copies, coordinates written out (docs/design.md)
                        bv[0, mc] = gc[0, pp]
                        bv[1, mc] = gc[1, pp]
                        bv[2, mc] = gc[2, pp]
                    else:
                        for dd in range(D):
                            bv[dd, mc] = gc[dd, pp]
                    if w > 0:  # sample indices are only needed for a Theiler window
                        biv[mc] = gidx[pp]
                    mc += 1
        xlo, xhi = faces(sx, bs, a0, b0, G)
        ylo, yhi = faces(sy, bs, a1, b1, G)
        zlo, zhi = faces(sz0, bs, a2, b2, G)
        b0v = bv[0, :mc]
        b1v = bv[1, :mc]
        b2v = bv[2, :mc]
        dist = buf[:mc]
        prev = 0.0
        scanned = False  # did the previous query of this cell need the box scan?
        for j in range(mq):
            p = p0 + j
            i = gidx[p]
            for dd in range(D):
                q[dd] = gc[dd, p]
            eps = _INF
            if scanned:
                # its cell-mate needed the scan: most likely this query does too, so try the scan
                # alone first (exact when it settles, else the block decides as usual)
                eps, fb = knn_box3s(i, w, k, 1.5 * prev, q, c0, c1, c2, G, bs, sx, sy, sz0, cs, gc, gidx, wide, topk)
            if eps == _INF:
                q0 = q[0]
                q1 = q[1]
                q2 = q[2]
                bound = min(min(q0 - xlo, xhi - q0), min(min(q1 - ylo, yhi - q1), min(q2 - zlo, zhi - q2)))
                # distances to every block point (a loop that vectorises), then the selection in block_kth
                if D == 3:
                    for u in range(mc):
                        dist[u] = max(abs(b0v[u] - q0), max(abs(b1v[u] - q1), abs(b2v[u] - q2)))
                else:
                    for u in range(mc):
                        d = 0.0
                        for dd in range(D):
                            d = max(d, abs(bv[dd, u] - q[dd]))
                        dist[u] = d
                eps = block_kth(dist, self0 + j, biv, i, w, k, bound, prev, kept, topk)
                # (where it is not exact) the block's k-th distance, block_kth having set the excluded
                # points' distances to inf
                reach = kth_smallest(dist, mc, k, topk) if eps == _INF and mc >= k else _INF
                scanned = eps == _INF
                if scanned:
                    # the k-th distance within the block bounds the true one: scan once the cells within
                    # that reach; with fewer than k admissible points in the block, widen a box from the
                    # block's faces
                    if reach < _INF:
                        eps, fb = knn_box3s(i, w, k, reach, q, c0, c1, c2, G, bs, sx, sy, sz0, cs, gc, gidx, wide,
                                            topk)
                    else:
                        reach = bound
                        while True:
                            eps, fb = knn_box3s(i, w, k, reach, q, c0, c1, c2, G, bs, sx, sy, sz0, cs, gc, gidx,
                                                wide, topk)
                            if eps < _INF or fb == _INF:
                                break
                            reach = max(2.0 * reach, fb)
            prev = eps
            t = np.nextafter(eps, 0.0)
            if zorder:
                tq[i] = t
                continue
            # one pass over the z0 range of the box gives all three counts (self included)
            lo = _rank_within(sz0, tabz, loz, scz, q[2], t)
            hi = _rank_above(sz0, tabz, loz, scz, q[2], t) - 1
            qx = q[0]
            qy = q[1]
            ncx = 0
            ncy = 0
            # slices, not range(lo, hi + 1): indices numba cannot prove non-negative get a
            # wraparound check that stops the loop from vectorising (5x slower, measured)
            xs = xz[lo:hi + 1]
            ys = yz[lo:hi + 1]
            if dz == 1:
                for u in range(xs.shape[0]):
                    ncx += abs(xs[u] - qx) <= t
                    ncy += abs(ys[u] - qy) <= t
                ncz = hi - lo + 1
            else:
                zs = Cz[3:, lo:hi + 1]
                ncz = 0
                for u in range(xs.shape[0]):
                    okz = True
                    for m in range(dz - 1):
                        okz = okz & (abs(zs[m, u] - q[3 + m]) <= t)
                    ncz += okz
                    ncx += okz & (abs(xs[u] - qx) <= t)
                    ncy += okz & (abs(ys[u] - qy) <= t)
            nxz = ncx - 1
            nyz = ncy - 1
            nz = ncz - 1
            if w > 0:
                nxz -= _window_count(C, dimsXZ, i, w, t)
                nyz -= _window_count(C, dimsYZ, i, w, t)
                nz -= _window_count(C, dimsZ, i, w, t)
            v = psi[nxz + 1] + psi[nyz + 1] - psi[nz + 1]
            acc += v
            if want_local:
                local[i] = base - v
    if lanes:
        for u in range(n):
            tq[u] = np.nextafter(tq[u], 0.0)
    if zorder:
        vals = np.empty(n)
        zp = np.empty(n + 6)
        _pad_sorted(sz0, zp)
        xzp = np.empty(n + _PASS_LANES)  # x and y in z0 order, padded for count_pass's last vector
        yzp = np.empty(n + _PASS_LANES)
        xzp[:n] = xz
        yzp[:n] = yz
        xzp[n:] = 0.0
        yzp[n:] = 0.0
        NC = np.empty(2, dtype=np.int64)
        for r in range(n):  # z0 order: neighbouring queries read neighbouring ranges
            t = tq[oz0[r]]
            qz = sz0[r]
            lo, hi = _range_near(sz0, zp, tabz, loz, scz, qz, t)
            count_pass(xzp, yzp, lo, hi, xz[r], yz[r], t, NC)
            ncx = NC[0]
            ncy = NC[1]
            vals[oz0[r]] = psi[ncx] + psi[ncy] - psi[hi - lo]  # psi[n_xz + 1] + psi[n_yz + 1] - psi[n_z + 1]
        for p in range(n):  # the grid's order, as the scalar pass sums
            v = vals[gidx[p]]
            acc += v
            if want_local:
                local[gidx[p]] = base - v
    return base - acc / n


# ----------------------------------------------------------------------------- all pairs
@njit(cache=True, parallel=True)
def pairwise_mi(cX, cY, PA, PB, k, w, psi, G, out):
    """KSG MI of the listed (source channel i, target channel j) pairs: ``out[i, j] = I(X_i; Y_j)``.

    ``cX``, ``cY``: stacked :class:`Channel` records (:func:`channels`) of the N source and M target
    channels. Pair p is (``PA[p]``, ``PB[p]``); pairs run in parallel, each into its own cell, and
    cells not listed are left as they are.
    """
    empty = np.empty(0)
    wX = crowd_stack(cX)
    wY = crowd_stack(cY)
    for p in prange(PA.shape[0]):
        a = PA[p]
        b = PB[p]
        out[a, b] = mi_pair_crowd(channel_row(cX, a), channel_row(cY, b), crowd_row(wX, a), crowd_row(wY, b),
                                  k, w, psi, G, empty)


@njit(cache=True, parallel=True)
def pairwise_cmi(cX, cY, cZ, PA, PB, k, w, psi, G, out):
    """Frenzel-Pompe CMI of the listed pairs: ``out[i, j] = I(X_i; Y_j | Z_j)``.

    ``cX``, ``cY``: stacked :class:`Channel` records (:func:`channels`) of the N source and M target
    channels; ``cZ``: the conditioning set of each target column, M stacks of dz rows
    (:func:`channel_stacks`). Pairs ``PA``, ``PB`` as in :func:`pairwise_mi`.
    """
    empty = np.empty(0)
    for p in prange(PA.shape[0]):
        a = PA[p]
        b = PB[p]
        out[a, b] = cmi_pair(channel_row(cX, a), channel_row(cY, b), channel_row(cZ, b), k, w, psi, G, empty)
