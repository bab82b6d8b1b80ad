"""Compiled KSG kernels: every piece of numba code in infoflow lives in this module.

Place in the pipeline: ``estimators`` layer, below ``ksg.py``. Users never import it; ``ksg.py``
calls it with validated, standardised, jittered, C-contiguous float64 arrays, so nothing here
checks its input. Each kernel has a slow, obviously correct twin in ``tests/reference.py``.

Design of the all-pairs engine (why it is fast):

* Each channel is sorted once (order, rank, sorted values) by the caller and the result is shared by
  every pair the channel appears in, instead of re-sorting per pair.
* The joint k-nearest-neighbour search (max-norm) of a pair uses a quantile grid built from those ranks
  (a counting sort, O(n)), so cells hold about the same number of points whatever the marginals; the
  search visits rings of cells and stops once the k-th distance is below the distance to the ring edge.
* One-dimensional marginal counts are a galloping search from the point's own rank in the shared
  sorted array; two-dimensional counts (conditional MI) use a grid and add interior cells whole.
* Pairs are spread over threads with ``prange`` and each writes only its own output cell, so results
  are bitwise identical for any thread count.

Counts are "strictly inside the k-th joint distance" as ``|d| <= nextafter(eps, 0)`` (Kraskov et al.
2004, eq. 8; the scale-free form used by scikit-learn), and every comparison uses the same float
subtraction as a brute-force reference, so kernel and reference agree exactly.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_INF = np.inf


# ----------------------------------------------------------------------------- small helpers
@njit(cache=True, nogil=True)
def _gallop_hi(s, r, q, t):
    """Largest index ``j >= r`` with ``s[j] - q <= t`` in sorted ``s`` (``s[r] - q <= t`` holds)."""
    n = s.shape[0]
    lo = r
    step = 1
    while lo + step < n and s[lo + step] - q <= t:
        lo += step
        step *= 2
    hi = lo + step
    if hi > n:
        hi = n
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if s[mid] - q <= t:
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def _gallop_lo(s, r, q, t):
    """Smallest index ``j <= r`` with ``q - s[j] <= t`` in sorted ``s`` (``q - s[r] <= t`` holds)."""
    hi = r
    step = 1
    while hi - step >= 0 and q - s[hi - step] <= t:
        hi -= step
        step *= 2
    lo = hi - step
    if lo < -1:
        lo = -1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if q - s[mid] <= t:
            hi = mid
        else:
            lo = mid
    return hi


@njit(cache=True, nogil=True)
def _count_1d(s, r, q, t):
    """Number of points (self included) within ``t`` of ``q`` in sorted ``s``; ``s[r] == q``."""
    return _gallop_hi(s, r, q, t) - _gallop_lo(s, r, q, t) + 1


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
def build_grid(r1, r2, order1, C, G, cell_start, gc, gidx):
    """Counting-sort the points into a ``G x G`` grid on the ranks of two coordinates.

    Parameters: ranks ``r1``, ``r2`` (n,) of the two grid coordinates; ``order1`` (n,) the sort order of
    the first, so points sit in a cell in increasing first coordinate; ``C`` (D, n) all coordinates.
    Fills ``cell_start`` (G*G + 1,), the gathered coordinates ``gc`` (n, D) and original indices ``gidx``.
    """
    n = r1.shape[0]
    D = C.shape[0]
    cell_start[:] = 0
    for i in range(n):
        c = (r1[i] * G // n) * G + r2[i] * G // n
        cell_start[c + 1] += 1
    for c in range(G * G):
        cell_start[c + 1] += cell_start[c]
    fill = cell_start[:-1].copy()
    for r in range(n):
        i = order1[r]
        c = (r1[i] * G // n) * G + r2[i] * G // n
        p = fill[c]
        fill[c] = p + 1
        gidx[p] = i
        for dd in range(D):
            gc[p, dd] = C[dd, i]


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
            edge1 = c1 == lo1 or c1 == hi1
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
def knn_grid_rec(i, w, k, r1i, r2i, G, bs, s1, s2, q, cell_start, gc, gidx, topk, skip, rec):
    """:func:`knn_grid` that also records, for every admissible point it scans, the max-norm distance
    over all coordinates except position ``skip``; returns (k-th distance, number recorded).

    Every point closer than the final k-th distance on those coordinates is scanned (cells and rings
    are only skipped when their gap is at least the current k-th distance), so the count of
    ``rec <= t`` equals the box count in that subspace: conditional MI gets its (x, z) count from
    the joint search without a second pass.
    """
    n = s1.shape[0]
    D = q.shape[0]
    for m in range(k):
        topk[m] = _INF
    kth = _INF
    nrec = 0
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
            edge1 = c1 == lo1 or c1 == hi1
            step = 1 if edge1 else hi2 - lo2
            c2 = lo2
            while c2 <= hi2:
                if c2 >= a2 and c2 <= b2:
                    g2 = _cell_gap(c2, ci2, q2, s2, bs)
                    if g2 < kth:
                        c = c1 * G + c2
                        for p in range(cell_start[c], cell_start[c + 1]):
                            if abs(gidx[p] - i) <= w:
                                continue
                            dsub = 0.0
                            for dd in range(D):
                                if dd != skip:
                                    dsub = max(dsub, abs(gc[p, dd] - q[dd]))
                            rec[nrec] = dsub
                            nrec += 1
                            d = max(dsub, abs(gc[p, skip] - q[skip]))
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
    return kth, nrec


@njit(cache=True, nogil=True)
def count_grid(r1i, r2i, G, s1, s2, q, t, dims, cell_start, gc):
    """Points (self included) within ``t`` of ``q`` on every coordinate in ``dims`` (positions in
    ``gc``), which must start with the two grid coordinates 0 and 1; cells wholly inside the box are
    added without looking at their points when ``dims`` is just the grid coordinates."""
    n = s1.shape[0]
    q1 = q[0]
    q2 = q[1]
    lo1 = _gallop_lo(s1, r1i, q1, t) * G // n
    hi1 = _gallop_hi(s1, r1i, q1, t) * G // n
    lo2 = _gallop_lo(s2, r2i, q2, t) * G // n
    hi2 = _gallop_hi(s2, r2i, q2, t) * G // n
    only_grid = dims.shape[0] == 2
    total = 0
    for c1 in range(lo1, hi1 + 1):
        row = c1 * G
        if only_grid and c1 > lo1 and c1 < hi1 and hi2 - lo2 > 1:
            # inner row: cells lo2+1 .. hi2-1 are wholly inside, one prefix-sum difference
            total += cell_start[row + hi2] - cell_start[row + lo2 + 1]
            for c in (row + lo2, row + hi2):
                for p in range(cell_start[c], cell_start[c + 1]):
                    total += abs(gc[p, 1] - q2) <= t
            continue
        for c2 in range(lo2, hi2 + 1):
            c = row + c2
            for p in range(cell_start[c], cell_start[c + 1]):
                ok = True
                for dd in dims:
                    if abs(gc[p, dd] - q[dd]) > t:
                        ok = False
                        break
                if ok:
                    total += 1
    return total


@njit(cache=True, nogil=True)
def cell_bounds(n, G):
    """First rank of each of the ``G`` quantile cells, plus ``n``: shape (G + 1,)."""
    bs = np.empty(G + 1, dtype=np.int64)
    for c in range(G + 1):
        bs[c] = (c * n + G - 1) // G
    return bs


# ----------------------------------------------------------------------------- KSG, one pair
@njit(cache=True, nogil=True)
def _search_hi(s, lo, hi, q, t):
    """Last index in ``[lo, hi)`` with ``s[j] - q <= t``, given it holds at ``lo``.

    Branch-free bisection (the comparison becomes a conditional add), so the four searches of one
    query overlap in the CPU instead of stalling on mispredicted branches."""
    base = lo
    length = hi - lo
    while length > 1:
        half = length >> 1
        base += half * (s[base + half] - q <= t)
        length -= half
    return base


@njit(cache=True, nogil=True)
def _search_lo(s, lo, hi, q, t):
    """First index in ``[lo, hi]`` with ``q - s[j] <= t``, given it holds at ``hi`` (branch-free)."""
    base = hi
    length = hi - lo + 1
    while length > 1:
        half = length >> 1
        base -= half * (q - s[base - half] <= t)
        length -= half
    return base


@njit(cache=True, nogil=True)
def _hi16(s, c16, r, lim, q, t):
    """As :func:`_search_hi` over ``[r, lim)``, bisecting first the small array ``c16 = s[::16]``
    (cache-resident) and then counting one stretch of 16 values, which vectorises."""
    b0 = (r + 15) >> 4
    b1 = (lim + 15) >> 4
    base = b0 - 1  # a virtual "true" entry standing for r itself
    length = b1 - b0 + 1
    while length > 1:
        half = length >> 1
        base += half * (c16[base + half] - q <= t)
        length -= half
    start = r if base < b0 else base << 4
    stop = min(start + 16, lim)
    cnt = 0
    for j in range(start + 1, stop):
        cnt += s[j] - q <= t
    return start + cnt


@njit(cache=True, nogil=True)
def _lo16(s, c16, lo_lim, r, q, t):
    """As :func:`_search_lo` over ``[lo_lim, r]``, through ``c16 = s[::16]`` (see :func:`_hi16`)."""
    b0 = (lo_lim + 15) >> 4
    b1 = r >> 4
    base = b1 + 1  # a virtual "true" entry standing for r itself
    length = b1 - b0 + 2
    while length > 1:
        half = length >> 1
        base -= half * (q - c16[base - half] <= t)
        length -= half
    end = r if base > b1 else base << 4
    begin = max(end - 16, lo_lim)
    cnt = 0
    for j in range(begin, end):
        cnt += q - s[j] <= t
    return end - cnt


@njit(cache=True, nogil=True)
def mi_pair(x, sx, rx, ox, y, sy, ry, k, w, psi, G, local):
    """KSG algorithm 1 for one pair of scalar variables (Kraskov et al. 2004, eq. 8).

    ``x``, ``y`` (n,) values in sample order; ``sx``/``rx``/``ox`` sorted values, ranks and sort order
    of ``x`` (likewise ``sy``/``ry`` for ``y``); ``psi[m] = digamma(m)``; ``G`` cells per grid axis.
    Writes the per-sample local values into ``local`` when it has n elements (pass an empty array
    otherwise). Returns MI in nats.

    Fast path: the k nearest neighbours are first sought in the 3 x 3 block of cells around the
    query; if the k-th distance is smaller than the distance to the block's edge it is exact, and
    the marginal counts are then confined to the block's rank range (short branch-free searches
    through an index of every 16th sorted value).
    Otherwise the full ring search and galloping counts are used.
    """
    n = x.shape[0]
    bs = cell_bounds(n, G)
    C = np.empty((2, n))
    C[0, :] = x
    C[1, :] = y
    cs = np.empty(G * G + 1, dtype=np.int64)
    gc = np.empty((n, 2))
    gidx = np.empty(n, dtype=np.int64)
    build_grid(rx, ry, ox, C, G, cs, gc, gidx)
    gx = gc[:, 0].copy()
    gy = gc[:, 1].copy()
    cx16 = sx[::16].copy()
    cy16 = sy[::16].copy()
    topk = np.empty(k)
    q = np.empty(2)
    d0 = np.zeros(1, dtype=np.int64)
    d1 = np.ones(1, dtype=np.int64)
    cap = 64
    bxv = np.empty(cap)
    byv = np.empty(cap)
    biv = np.empty(cap, dtype=np.int64)
    buf = np.empty(cap)
    want_local = local.shape[0] == n
    base = psi[k] + psi[n]
    acc = 0.0
    for cell in range(G * G):
        p0 = cs[cell]
        mq = cs[cell + 1] - p0
        if mq == 0:
            continue
        c1 = cell // G
        c2 = cell - c1 * G
        a1 = max(c1 - 1, 0)
        b1 = min(c1 + 1, G - 1)
        a2 = max(c2 - 1, 0)
        b2 = min(c2 + 1, G - 1)
        # the queries of one cell share their 3 x 3 block: gather its points once, contiguously
        mc = 0
        for c in range(a1, b1 + 1):
            mc += cs[c * G + b2 + 1] - cs[c * G + a2]
        if mc > cap:
            cap = 2 * mc
            bxv = np.empty(cap)
            byv = np.empty(cap)
            biv = np.empty(cap, dtype=np.int64)
            buf = np.empty(cap)
        mc = 0
        for c in range(a1, b1 + 1):
            for pp in range(cs[c * G + a2], cs[c * G + b2 + 1]):
                bxv[mc] = gx[pp]
                byv[mc] = gy[pp]
                biv[mc] = gidx[pp]
                mc += 1
        xlo = sx[bs[a1] - 1] if a1 > 0 else -_INF
        xhi = sx[bs[b1 + 1]] if b1 < G - 1 else _INF
        ylo = sy[bs[a2] - 1] if a2 > 0 else -_INF
        yhi = sy[bs[b2 + 1]] if b2 < G - 1 else _INF
        for j in range(mq):
            p = p0 + j
            i = gidx[p]
            q1 = gx[p]
            q2 = gy[p]
            r1 = rx[i]
            r2 = ry[i]
            # only block points closer than the block's edge can be exact neighbours: keep those
            # (branch-free compaction), then select the k-th smallest among the few kept
            bound = min(min(q1 - xlo, xhi - q1), min(q2 - ylo, yhi - q2))
            cnt = 0
            for u in range(mc):
                d = max(abs(bxv[u] - q1), abs(byv[u] - q2))
                buf[cnt] = d
                cnt += (d < bound) & (abs(biv[u] - i) > w)
            if cnt >= k:
                for m in range(k):
                    topk[m] = _INF
                for u in range(cnt):
                    d = buf[u]
                    for m in range(k):
                        lo_ = min(topk[m], d)
                        d = max(topk[m], d)
                        topk[m] = lo_
                kth = topk[k - 1]
                t = np.nextafter(kth, 0.0)
                nx = _hi16(sx, cx16, r1, bs[b1 + 1], q1, t) - _lo16(sx, cx16, bs[a1], r1, q1, t)
                ny = _hi16(sy, cy16, r2, bs[b2 + 1], q2, t) - _lo16(sy, cy16, bs[a2], r2, q2, t)
            else:
                q[0] = q1
                q[1] = q2
                kth = knn_grid(i, w, k, r1, r2, G, bs, sx, sy, q, cs, gc, gidx, topk)
                t = np.nextafter(kth, 0.0)
                nx = _count_1d(sx, r1, q1, t) - 1
                ny = _count_1d(sy, r2, q2, t) - 1
            if w > 0:
                nx -= _window_count(C, d0, i, w, t)
                ny -= _window_count(C, d1, i, w, t)
            v = psi[nx + 1] + psi[ny + 1]
            acc += v
            if want_local:
                local[i] = base - v
    return base - acc / n


@njit(cache=True, nogil=True)
def cmi_pair(x, sx, rx, ox, y, sy, ry, oy, Z, sz, rz, oz, k, w, psi, G, local):
    """Frenzel-Pompe conditional MI I(x; y | Z) for scalar ``x``, ``y`` and ``Z`` (dz, n).

    Sorted values / ranks / orders: ``sx, rx, ox`` of x; ``sy, ry, oy`` of y; ``sz, rz, oz`` (dz, n) of
    each row of ``Z``. The joint search uses a grid on (x, z0) and yields the (x, z) counts on the way
    (:func:`knn_grid_rec`); the (y, z) counts use a grid on (y, z0); the z counts a galloping search
    (dz == 1) or a grid on (z0, z1). Local values go to ``local`` when it has n elements.
    """
    n = x.shape[0]
    dz = Z.shape[0]
    D = 2 + dz
    bs = cell_bounds(n, G)
    # coordinate layouts put the two grid coordinates first
    CA = np.empty((D, n))  # (x, z0, y, z1..)
    CA[0, :] = x
    CA[1, :] = Z[0]
    CA[2, :] = y
    for m in range(1, dz):
        CA[2 + m, :] = Z[m]
    CB = np.empty((1 + dz, n))  # (y, z0, z1..)
    CB[0, :] = y
    for m in range(dz):
        CB[1 + m, :] = Z[m]
    startA = np.empty(G * G + 1, dtype=np.int64)
    gA = np.empty((n, D))
    iA = np.empty(n, dtype=np.int64)
    build_grid(rx, rz[0], ox, CA, G, startA, gA, iA)
    startB = np.empty(G * G + 1, dtype=np.int64)
    gB = np.empty((n, 1 + dz))
    iB = np.empty(n, dtype=np.int64)
    build_grid(ry, rz[0], oy, CB, G, startB, gB, iB)
    if dz > 1:
        CC = np.empty((dz, n))
        for m in range(dz):
            CC[m, :] = Z[m]
        startC = np.empty(G * G + 1, dtype=np.int64)
        gC = np.empty((n, dz))
        iC = np.empty(n, dtype=np.int64)
        build_grid(rz[0], rz[1], oz[0], CC, G, startC, gC, iC)
    else:
        CC = np.empty((1, n))
        CC[0, :] = Z[0]
        startC = np.empty(1, dtype=np.int64)
        gC = np.empty((1, 1))
    # coordinate subsets of each count, as positions in the layouts above
    dimsXZ = np.empty(1 + dz, dtype=np.int64)
    dimsXZ[0] = 0
    dimsXZ[1] = 1
    for m in range(1, dz):
        dimsXZ[1 + m] = 2 + m
    dimsYZ = np.arange(1 + dz)
    dimsZ = np.arange(dz)
    topk = np.empty(k)
    rec = np.empty(n)
    qA = np.empty(D)
    qB = np.empty(1 + dz)
    qC = np.empty(dz)
    want_local = local.shape[0] == n
    base = psi[k]
    acc = 0.0
    for p in range(n):
        i = iA[p]
        for dd in range(D):
            qA[dd] = gA[p, dd]
        for dd in range(1 + dz):
            qB[dd] = CB[dd, i]
        for dd in range(dz):
            qC[dd] = CC[dd, i]
        # the joint search scans every point of the (x, z) box, so it also gives n_xz
        eps, nrec = knn_grid_rec(i, w, k, rx[i], rz[0, i], G, bs, sx, sz[0], qA, startA, gA, iA, topk,
                                 2, rec)
        t = np.nextafter(eps, 0.0)
        if eps > 0.0:
            nxz = 0
            for u in range(nrec):
                nxz += rec[u] <= t
        else:
            # k coincident neighbours: t == eps == 0 and unvisited points may sit at distance 0 too
            # (the search stops at a zero gap), so count the (x, z) box directly
            nxz = count_grid(rx[i], rz[0, i], G, sx, sz[0], qA, 0.0, dimsXZ, startA, gA) - 1
            if w > 0:
                nxz -= _window_count(CA, dimsXZ, i, w, 0.0)
        nyz = count_grid(ry[i], rz[0, i], G, sy, sz[0], qB, t, dimsYZ, startB, gB) - 1
        if dz == 1:
            nz = _count_1d(sz[0], rz[0, i], Z[0, i], t) - 1
        else:
            nz = count_grid(rz[0, i], rz[1, i], G, sz[0], sz[1], qC, t, dimsZ, startC, gC) - 1
        if w > 0:
            nyz -= _window_count(CB, dimsYZ, i, w, t)
            nz -= _window_count(CC, dimsZ, i, w, t)
        v = psi[nxz + 1] + psi[nyz + 1] - psi[nz + 1]
        acc += v
        if want_local:
            local[i] = base - v
    return base - acc / n


# ----------------------------------------------------------------------------- all pairs
@njit(cache=True, parallel=True)
def pairwise_mi(Xt, SX, RX, OX, Yt, SY, RY, k, w, psi, G, out):
    """KSG MI of every (source column i, target column j): ``out[i, j] = I(X_i; Y_j)``.

    ``Xt`` (N, n) channels in rows with sorted values ``SX``, ranks ``RX`` and orders ``OX`` (N, n);
    likewise ``Yt``, ``SY``, ``RY`` (M, n). Pairs run in parallel, each into its own cell.
    """
    N = Xt.shape[0]
    M = Yt.shape[0]
    empty = np.empty(0)
    for p in prange(N * M):
        a = p // M
        b = p - a * M
        out[a, b] = mi_pair(Xt[a], SX[a], RX[a], OX[a], Yt[b], SY[b], RY[b], k, w, psi, G, empty)


@njit(cache=True, parallel=True)
def pairwise_cmi(Xt, SX, RX, OX, Yt, SY, RY, OY, Zt, SZ, RZ, OZ, k, w, psi, G, out):
    """Frenzel-Pompe CMI of every pair: ``out[i, j] = I(X_i; Y_j | Z_j)``.

    ``Zt``, ``SZ``, ``RZ``, ``OZ`` have shape (M, dz, n): the conditioning set of each target column.
    """
    N = Xt.shape[0]
    M = Yt.shape[0]
    empty = np.empty(0)
    for p in prange(N * M):
        a = p // M
        b = p - a * M
        out[a, b] = cmi_pair(Xt[a], SX[a], RX[a], OX[a], Yt[b], SY[b], RY[b], OY[b],
                             Zt[b], SZ[b], RZ[b], OZ[b], k, w, psi, G, empty)
