"""Compiled KSG conditional-MI kernel for many sources sharing one target and conditioning set.

Place in the pipeline: ``estimators`` layer, below ``ksg.py`` (:func:`infoflow.estimators.ksg.cmi_shared`
calls it with validated, standardised, jittered arrays; nothing here checks its input). The
reference twin is ``tests/reference.py``'s ``ksg_cmi``; the tests also compare it bitwise with
:func:`._kernels.cmi_pair`.

Why a second CMI kernel: :func:`._kernels.cmi_pair` searches neighbours on a 3-D grid over
(x, y, z0) and checks the other conditioning dimensions only in the distance. With 3-8
conditioning dimensions (a target's own past plus its parents already selected, as in the
effective network's greedy search) the k-th joint neighbour lies far away in that projection, so
the grid prunes little and the counting pass scans a long z0 range (measured at n = 6,000: 0.1 s
per estimate at dz = 3, 0.4 s at dz = 8). A k-d tree on the whole joint space (scipy's cKDTree,
as :func:`~infoflow.estimators.ksg.conditional_mutual_information` uses for multivariate x) was
slower still: 0.5-2.5 s, most of it in its ball counts; its k-th-neighbour query alone took
0.055-0.26 s at dz = 3-8, ten times this kernel's whole estimate (13-20 ms at dz = 3, 5-6 ms at
dz = 8), because a tree per source cannot reuse what the sources share.

What this kernel exploits instead: in one round of a greedy search every candidate source x, and
every circularly shifted copy of it, is tested against the *same* target y and conditioning set Z.
So the neighbourhoods in the Z space and in the (y, Z) space are computed once (the ``L`` nearest
of every point, by scipy's cKDTree, then the exact distances recomputed here), and each source only
walks those lists:

* k-th joint distance: the (y, Z) list in increasing distance, keeping the k smallest of
  ``max(|x_i - x_j|, d_yz)``; it stops once ``d_yz`` reaches the current k-th (no later point can
  be closer). Usually a few dozen entries.
* ``n_yz``: the entries of the (y, Z) list within ``t = nextafter(eps, 0)``; ``n_z`` and ``n_xz``:
  the entries of the Z list within ``t`` (and within ``t`` on x).
* Where a list ends before the answer is certain (its last distance does not exceed what is
  needed), that query falls back to the z0-sorted order: the k-th distance by walking outward from
  the query until the z0 gap alone reaches it (:func:`_kth_z0`; a scan of all points before, 2x
  slower on the omnibus), the counts by one pass over the z0 range within ``t``.

Counts are exactly those of :func:`._kernels.cmi_pair` (same float subtractions, same ``<= t``)
and the per-sample terms are summed in that kernel's order (its grid cells, then x order), so the
two return bitwise-equal results.

The sources are walked :data:`LANES` at a time (:func:`cmi_block`): a query's lists are read once
for eight sources (or surrogates), each a lane with its own k-th distance and counts; for k = 4 the
walks are single LLVM loops on ``<8 x double>`` values (:func:`_kth8`, :func:`_count8_x`; the plain
loops :func:`_kth_walk_body` / :func:`_count_walk_body` elsewhere and without JIT). Measured on the
VAR benchmark's own 102 calls (n = 997, dz = 1-3, one process, against 454dcc5's one-source-at-a-time
walk with a numpy stable sort per column): 4.2-5.8x, bitwise the same.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]  # numba's own dependency, no stubs
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from infoflow.estimators._kernels import _above_from, _within_from, cells3, refine_grid3, sort_into_cells

_INF = np.inf


@njit(cache=True, parallel=True)
def exact_lists(C, first, idx, dist):
    """Recompute ``dist[i, m]`` = max-norm distance over rows ``first..`` of ``C`` (D, n) from point i
    to point ``idx[i, m]`` with the kernels' own subtraction, and re-sort each row where needed
    (cKDTree's order is kept where it already agrees)."""
    n, L = idx.shape
    D = C.shape[0]
    for i in prange(n):
        ok = True
        for m in range(L):
            j = idx[i, m]
            d = 0.0
            for dd in range(first, D):
                d = max(d, abs(C[dd, j] - C[dd, i]))
            dist[i, m] = d
            if m > 0 and d < dist[i, m - 1]:
                ok = False
        if not ok:
            o = np.argsort(dist[i], kind="mergesort")
            idx[i, :] = idx[i, o]
            dist[i, :] = dist[i, o]


@njit(cache=True, nogil=True)
def _insertion_sort(idx, dist, a, b):
    """Sort ``dist[a:b]`` increasingly, carrying ``idx``; stable (equal distances keep their order)."""
    for p in range(a + 1, b):
        v = dist[p]
        o = idx[p]
        q = p
        while q > a and dist[q - 1] > v:
            dist[q] = dist[q - 1]
            idx[q] = idx[q - 1]
            q -= 1
        dist[q] = v
        idx[q] = o


@njit(cache=True, nogil=True)
def nearest_sorted(d, idx, dist):
    """The ``L = idx.shape[0]`` smallest of the distances ``d`` (n,) >= 0 into ``dist``, increasing, ties
    by index, their indices into ``idx``: a bucket sort on ``d`` scaled to n equal buckets (a monotone
    map, so every bucket's values lie below the next one's), buckets below the one holding the L-th
    smallest gathered in index order and insertion-sorted (stable) in place, that bucket's values
    sorted and cut at L. O(n) for spread distances; measured 4-5x faster than numba's ``np.partition``
    and a stable argsort of the L (n = 6,000, L = 513)."""
    n = d.shape[0]
    L = idx.shape[0]
    top = 0.0
    for j in range(n):
        top = max(top, d[j])
    nb = n
    scale = nb / top if top > 0.0 else 0.0
    cnt = np.zeros(nb + 1, dtype=np.int64)
    bk = np.empty(n, dtype=np.int64)
    for j in range(n):
        b = min(int(d[j] * scale), nb - 1)
        bk[j] = b
        cnt[b + 1] += 1
    for b in range(nb):
        cnt[b + 1] += cnt[b]
    # the bucket holding the L-th smallest: cnt[last] < L <= cnt[last + 1]
    last = 0
    while cnt[last + 1] < L:
        last += 1
    below = cnt[last]
    fill = cnt[:last + 1].copy()
    tail_idx = np.empty(cnt[last + 1] - below, dtype=np.int64)
    tail = np.empty(cnt[last + 1] - below)
    m = 0
    for j in range(n):
        b = bk[j]
        if b < last:
            p = fill[b]
            fill[b] = p + 1
            idx[p] = j
            dist[p] = d[j]
        elif b == last:
            tail_idx[m] = j
            tail[m] = d[j]
            m += 1
    for b in range(last):
        if cnt[b + 1] - cnt[b] > 1:
            _insertion_sort(idx, dist, cnt[b], cnt[b + 1])
    if m > 32:
        o = np.argsort(tail, kind="mergesort")
        tail_idx = tail_idx[o]
        tail = tail[o]
    else:
        _insertion_sort(tail_idx, tail, 0, m)
    for p in range(L - below):
        idx[below + p] = tail_idx[p]
        dist[below + p] = tail[p]


@njit(cache=True, parallel=True)
def brute_lists(C, first, idx, dist):
    """Each point's ``L = idx.shape[1]`` nearest points by max-norm distance over rows ``first..`` of ``C``
    (D, n), by brute force: ``idx[i]`` their indices, ``dist[i]`` their distances (the kernels' own
    subtraction, as :func:`exact_lists` recomputes them), increasing, ties by index (the point itself is
    among them; :func:`nearest_sorted`). Any L nearest serve the kernels (they trust a list only below
    its last distance), so this and the k-d tree's lists give the same estimates. O(n^2 D): below a k-d
    tree in 4-12 dimensions at a few thousand points, where a tree prunes little."""
    D, n = C.shape
    for i in prange(n):
        d = np.zeros(n)
        for dd in range(first, D):
            ci = C[dd, i]
            for j in range(n):
                v = abs(C[dd, j] - ci)
                if v > d[j]:
                    d[j] = v
        nearest_sorted(d, idx[i], dist[i])


@njit(cache=True, nogil=True)
def _insert(topk, k, d):
    m = k - 1
    while m > 0 and topk[m - 1] > d:
        topk[m] = topk[m - 1]
        m -= 1
    topk[m] = d


@njit(cache=True, nogil=True)
def _dx(X, j, i):
    """Max-norm distance between points ``j`` and ``i`` of ``X`` (dx, n)."""
    d = abs(X[0, j] - X[0, i])
    for dd in range(1, X.shape[0]):
        d = max(d, abs(X[dd, j] - X[dd, i]))
    return d


@njit(cache=True, nogil=True)
def _kth_z0(r, Xz, Cz, iz, w, k, topk):
    """k-th joint distance of the query at z0 position ``r`` by walking outward from it in the z0-sorted
    order (``Xz``, ``Cz``, ``iz`` as in :func:`_counts_z0`), each direction stopping once the gap on z0
    alone reaches the current k-th distance (no later point can be closer; a point at exactly that
    distance cannot change it). The same distances (same float subtractions) as a scan of every
    point, so the same k-th value; it replaced that scan where a (y, Z) list ends too soon (measured at
    n = 6,000, same process: the omnibus of a 3-dim source given 1 dim, 356 ms per estimate with the
    scan, 175 ms with this walk)."""
    n = Xz.shape[1]
    for m in range(k):
        topk[m] = _INF
    _kth_walk(r, k, Xz, Cz, iz, w, topk, r + 1, n, 1)
    _kth_walk(r, k, Xz, Cz, iz, w, topk, r - 1, -1, -1)
    return topk[k - 1]


@njit(cache=True, nogil=True, inline="always")
def _kth_walk(r, k, Xz, Cz, iz, w, topk, start, stop, step):
    """:func:`_kth_z0`'s walk in one direction of the z0 order (``range(start, stop, step)``), until
    the gap on z0 alone (exact: |a - b| is the positive one of a - b and b - a) reaches the k-th."""
    D = Cz.shape[0]
    i = iz[r]
    q0 = Cz[1, r]
    for u in range(start, stop, step):
        if abs(Cz[1, u] - q0) >= topk[k - 1]:
            break
        if abs(iz[u] - i) <= w:
            continue
        d = _dx(Xz, u, r)
        for dd in range(D):
            d = max(d, abs(Cz[dd, u] - Cz[dd, r]))
        if d < topk[k - 1]:
            _insert(topk, k, d)


@njit(cache=True, nogil=True)
def _counts_z0(r, t, Xz, Cz, iz, w):
    """n_xz, n_yz and n_z of the query at z0 position ``r`` within ``t``, by one pass over the range of
    the z0-sorted order within ``t`` of it on z0 (as :func:`._kernels.cmi_pair` counts): ``Xz`` x and
    ``Cz`` (D, n) y then Z, in z0 order (row 1 is the sorted z0); ``iz`` the sample index at each
    position. The range ends are found by :func:`._kernels._within_from` / :func:`._kernels._above_from`
    (the exact predicates, galloping out from the query)."""
    D = Cz.shape[0]
    s = Cz[1]
    q0 = s[r]
    # the range's ends by the exact predicates, galloping out from the query's own position
    lo = _within_from(s, r, q0, t)
    hi = _above_from(s, r, q0, t)
    i = iz[r]
    nxz = 0
    nyz = 0
    nz = 0
    for u in range(lo, hi):
        j = iz[u]
        if abs(j - i) <= w:
            continue
        ok = True
        for dd in range(2, D):
            ok = ok & (abs(Cz[dd, u] - Cz[dd, r]) <= t)
        nz += ok
        nxz += ok & (_dx(Xz, u, r) <= t)
        nyz += ok & (abs(Cz[0, u] - Cz[0, r]) <= t)
    return nxz, nyz, nz


@njit(cache=True, nogil=True)
def cmi_one(X, rz0, C, Cz, iz, yz_idx, yz_dist, z_idx, z_dist, k, w, psi, local):
    """Frenzel-Pompe I(x; y | Z) for one source ``X`` (dx, n) against the prepared target.

    ``C`` (1 + dz, n): y then the rows of Z; ``Cz`` the same columns in increasing z0 and ``iz`` the
    sample index of each. ``yz_idx``/``yz_dist`` (n, L): each point's nearest points in the (y, Z)
    space with their exact distances, increasing (the point itself may be among them);
    ``z_idx``/``z_dist`` likewise in the Z space; ``rz0`` the ranks of Z's first row. The terms are
    summed in sample order (scalar sources: :func:`cmi_scalar_columns`, in the grid kernel's order).
    Local values go to ``local`` when it has n elements.
    """
    n = X.shape[1]
    Ly = yz_idx.shape[1]
    Lz = z_idx.shape[1]
    topk = np.empty(k)
    v = np.empty(n)
    Xz = np.empty((X.shape[0], n))
    for u in range(n):
        for dd in range(X.shape[0]):
            Xz[dd, u] = X[dd, iz[u]]
    for i in range(n):
        for m in range(k):
            topk[m] = _INF
        # k-th joint distance along the (y, Z) list; no later point can be closer once d_yz >= kth
        Ry = yz_dist[i, Ly - 1] if Ly < n else _INF  # every point not listed is at least this far
        kth = _INF
        for m in range(Ly):
            dyz = yz_dist[i, m]
            if dyz >= kth:
                break
            j = yz_idx[i, m]
            if abs(j - i) <= w:
                continue
            d = max(_dx(X, j, i), dyz)
            if d < kth:
                _insert(topk, k, d)
                kth = topk[k - 1]
        if kth > Ry:
            kth = _kth_z0(rz0[i], Xz, Cz, iz, w, k, topk)
        t = np.nextafter(kth, 0.0)
        Rz = z_dist[i, Lz - 1] if Lz < n else _INF
        if t >= Ry or t >= Rz:
            nxz, nyz, nz = _counts_z0(rz0[i], t, Xz, Cz, iz, w)
        else:
            nyz = 0
            for m in range(Ly):
                if yz_dist[i, m] > t:
                    break
                nyz += abs(yz_idx[i, m] - i) > w
            nz = 0
            nxz = 0
            for m in range(Lz):
                if z_dist[i, m] > t:
                    break
                j = z_idx[i, m]
                if abs(j - i) <= w:
                    continue
                nz += 1
                nxz += _dx(X, j, i) <= t
        v[i] = psi[nxz + 1] + psi[nyz + 1] - psi[nz + 1]
    want_local = local.shape[0] == n
    base = psi[k]
    acc = 0.0
    for i in range(n):
        acc += v[i]
        if want_local:
            local[i] = base - v[i]
    return base - acc / n


# ----------------------------------------------------------------------------- lane walks
# cmi_block's two list walks, one query against LANES sources (the lanes): the k-th-distance walk
# along the (y, Z) list and the count walk along a list up to the lanes' radii. Written as plain loops
# (``_kth_walk_body``, ``_count_walk_body``: what runs without JIT, and compiled for any k or lane
# count), and for k = 4 and 8 lanes as one LLVM loop on <8 x double> values (numba's ``intrinsic``;
# LLVM did not vectorise the loops, whose lane state went through memory every entry), with the
# loops' arithmetic lane by lane: the same subtractions, fabs, and numba's min/max (select on an
# ordered compare), so bitwise the same values.

@njit(cache=True, nogil=True, inline="always")
def _lane_dx(X, xi, j, b, B, dx):
    """Lane b's max-norm x distance from the query (``xi`` (dx * B,)) to point j of ``X`` (n * dx * B,),
    lane-minor: :func:`_dx`'s order (the first coordinate, then ``max`` with each next one)."""
    c = abs(X[j * dx * B + b] - xi[b])
    for dd in range(1, dx):
        c = max(c, abs(X[(j * dx + dd) * B + b] - xi[dd * B + b]))
    return c


def _kth_walk_body(dist, idx, m_end, i, w, X, xi, T, k, dx):
    """Walk the list ``dist``/``idx`` (distances increasing) of query ``i`` for the lanes' k smallest
    ``max(dx_b(j), dist[m])`` (:func:`_lane_dx`; B = ``xi.shape[0] // dx`` lanes of dx-dimensional
    sources, ``X`` (n * dx * B,) lane-minor), entries within the Theiler window ``w`` left out: ``T``
    (k * B,) holds them, ``T[r * B + b]`` the r-th smallest of lane b, sorted (a min/max network: the
    same values as an insertion), updated in place. Stops at the first entry whose distance reaches
    every lane's k-th (no later entry can enter)."""
    B = xi.shape[0] // dx
    kmax = T[(k - 1) * B]
    for b in range(1, B):
        kmax = max(kmax, T[(k - 1) * B + b])
    for m in range(m_end):
        d0 = dist[m]
        if d0 >= kmax:
            break
        j = idx[m]
        if abs(j - i) <= w:
            continue
        for b in range(B):
            c = max(_lane_dx(X, xi, j, b, B, dx), d0)
            for r in range(k):
                tr = T[r * B + b]
                T[r * B + b] = min(tr, c)
                c = max(tr, c)
        kmax = T[(k - 1) * B]
        for b in range(1, B):
            kmax = max(kmax, T[(k - 1) * B + b])


def _count_walk_body(dist, idx, m_end, i, w, X, xi, t, tmax, cnt, with_x, dx):
    """Count, per lane b, the entries of the list ``dist``/``idx`` of query ``i`` (outside the Theiler
    window ``w``) with ``dist[m] <= t[b]`` into ``cnt[b]``, and (``with_x``) those also with
    x distance (:func:`_lane_dx`) ``<= t[b]`` into ``cnt[B + b]``; the walk stops at the first entry
    beyond ``tmax``. ``cnt`` (2B,) int64 is added to."""
    B = xi.shape[0] // dx
    for m in range(m_end):
        d0 = dist[m]
        if d0 > tmax:
            break
        j = idx[m]
        if abs(j - i) <= w:
            continue
        for b in range(B):
            inb = d0 <= t[b]
            cnt[b] += inb
            if with_x:
                cnt[B + b] += inb & (_lane_dx(X, xi, j, b, B, dx) <= t[b])


_kth_walk_any = njit(cache=True, nogil=True)(_kth_walk_body)
_count_walk_any = njit(cache=True, nogil=True)(_count_walk_body)

_F8 = types.Array(types.float64, 1, "C")
_I8 = types.Array(types.int64, 1, "C")


def _lane_loop(builder, m_end, body):
    """``for m in range(m_end)`` with an early exit: ``body(m, stop, next_)`` emits one entry and
    ends by branching to ``stop`` (leave the loop) or ``next_`` (the next entry)."""
    i64 = ir.IntType(64)
    slot = cgutils.alloca_once_value(builder, ir.Constant(i64, 0))
    head = builder.append_basic_block("head")
    work = builder.append_basic_block("work")
    step = builder.append_basic_block("step")
    done = builder.append_basic_block("done")
    builder.branch(head)
    builder.position_at_end(head)
    m = builder.load(slot)
    builder.cbranch(builder.icmp_signed("<", m, m_end), work, done)
    builder.position_at_end(work)
    body(m, done, step)
    builder.position_at_end(step)
    builder.store(builder.add(m, ir.Constant(i64, 1)), slot)
    builder.branch(head)
    builder.position_at_end(done)


def _lane_tools(context, builder, signature, argv, L):
    i32, i64, f64 = ir.IntType(32), ir.IntType(64), ir.DoubleType()
    vd = ir.VectorType(f64, L)

    def data(a):
        return context.make_array(signature.args[a])(context, builder, argv[a]).data

    def integer(a):
        return context.cast(builder, argv[a], signature.args[a], types.int64)

    def vload(ptr, index, vt=vd):
        p = builder.gep(ptr, [index])
        return builder.load(builder.bitcast(p, vt.as_pointer()), align=8)

    def vstore(v, ptr, index):
        p = builder.gep(ptr, [index])
        builder.store(v, builder.bitcast(p, v.type.as_pointer()), align=8)

    def splat(v):
        one = builder.insert_element(ir.Constant(vd, ir.Undefined), v, ir.Constant(i32, 0))
        return builder.shuffle_vector(one, ir.Constant(vd, ir.Undefined), ir.Constant(ir.VectorType(i32, L), [0] * L))

    def outside(j, i, w):  # abs(j - i) > w, as the scalar loops test it (the window's complement)
        dj = builder.sub(j, i)
        neg = builder.icmp_signed("<", dj, ir.Constant(i64, 0))
        aj = builder.select(neg, builder.sub(ir.Constant(i64, 0), dj), dj)
        return builder.icmp_signed(">", aj, w)

    fabs = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vd, [vd]), f"llvm.fabs.v{L}f64")
    return data, integer, vload, vstore, splat, outside, fabs, vd


def _lane_xdist(builder, vload, fabs, pX, pxi, xi0, L):
    """Emitter of :func:`_lane_dx` for all L lanes: ``xdist(j, dx)`` is the <L x double> max-norm
    distance from the queries ``xi`` to point j (the first coordinate, then numba's ``max`` with each
    next one, as the scalar loop takes them)."""
    i64 = ir.IntType(64)

    def xdist(j, dx):
        row = builder.mul(j, dx)
        first = builder.call(fabs, [builder.fsub(vload(pX, builder.mul(row, ir.Constant(i64, L))), xi0)])
        acc = cgutils.alloca_once_value(builder, first)
        with cgutils.for_range(builder, builder.sub(dx, ir.Constant(i64, 1))) as loop:
            dd = builder.add(loop.index, ir.Constant(i64, 1))
            xv = vload(pX, builder.mul(builder.add(row, dd), ir.Constant(i64, L)))
            q = vload(pxi, builder.mul(dd, ir.Constant(i64, L)))
            nxt = builder.call(fabs, [builder.fsub(xv, q)])
            cur = builder.load(acc)
            builder.store(builder.select(builder.fcmp_ordered(">", nxt, cur), nxt, cur), acc)  # max(cur, nxt)
        return builder.load(acc)

    return xdist


def _kth8_typed(args):
    """Typing of :func:`_kth_walk_body` for k = 4 and 8 lanes as one vector loop (None for other types)."""
    dist, idx, m_end, i, w, X, xi, T, dx = args
    if not (dist == _F8 and idx == _I8 and X == _F8 and xi == _F8 and T == _F8
            and all(isinstance(a, types.Integer) for a in (m_end, i, w, dx))):
        return None
    L = 8

    def codegen(context, builder, signature, argv):
        data, integer, vload, vstore, splat, outside, fabs, vd = _lane_tools(context, builder, signature, argv, L)
        i64 = ir.IntType(64)
        pdist, pidx, pX, pxi, pT = data(0), data(1), data(5), data(6), data(7)
        m_end_, i_, w_, dx_ = integer(2), integer(3), integer(4), integer(8)
        xi_ = vload(pxi, ir.Constant(i64, 0))
        xdist = _lane_xdist(builder, vload, fabs, pX, pxi, xi_, L)
        t = [cgutils.alloca_once(builder, vd) for _ in range(4)]  # promoted to registers by LLVM
        for r in range(4):
            builder.store(vload(pT, ir.Constant(i64, r * L)), t[r])

        def body(m, stop, next_):
            d0 = builder.load(builder.gep(pdist, [m]))
            # stop once d0 >= every lane's k-th (d0 >= their maximum)
            reached = builder.fcmp_ordered(">=", splat(d0), builder.load(t[3]))
            mask = ir.IntType(L)
            every = builder.icmp_unsigned("==", builder.bitcast(reached, mask), ir.Constant(mask, (1 << L) - 1))
            go = builder.append_basic_block("go")
            builder.cbranch(every, stop, go)
            builder.position_at_end(go)
            j = builder.load(builder.gep(pidx, [m]))
            enter = builder.append_basic_block("enter")
            builder.cbranch(outside(j, i_, w_), enter, next_)
            builder.position_at_end(enter)
            a = xdist(j, dx_)
            b = splat(d0)
            c = builder.select(builder.fcmp_ordered(">", b, a), b, a)  # numba's max(a, b)
            for r in range(4):
                tr = builder.load(t[r])
                builder.store(builder.select(builder.fcmp_ordered("<", c, tr), c, tr), t[r])  # min(tr, c)
                c = builder.select(builder.fcmp_ordered(">", c, tr), c, tr)  # max(tr, c)
            builder.branch(next_)

        _lane_loop(builder, m_end_, body)
        for r in range(4):
            vstore(builder.load(t[r]), pT, ir.Constant(i64, r * L))
        return context.get_dummy_value()

    return types.void(*args), codegen


@intrinsic
def _kth8(typingctx, dist, idx, m_end, i, w, X, xi, T, dx):
    return _kth8_typed((dist, idx, m_end, i, w, X, xi, T, dx))


def _count8_typed(args, with_x):
    """Typing of :func:`_count_walk_body` for 8 lanes as one vector loop (None for other types)."""
    dist, idx, m_end, i, w, X, xi, t, tmax, cnt, dx = args
    if not (dist == _F8 and idx == _I8 and X == _F8 and xi == _F8 and t == _F8 and cnt == _I8
            and isinstance(tmax, types.Float) and all(isinstance(a, types.Integer) for a in (m_end, i, w, dx))):
        return None
    L = 8

    def codegen(context, builder, signature, argv):
        data, integer, vload, vstore, splat, outside, fabs, vd = _lane_tools(context, builder, signature, argv, L)
        i64 = ir.IntType(64)
        vi = ir.VectorType(i64, L)
        pdist, pidx, pX, pxi, pt, pcnt = data(0), data(1), data(5), data(6), data(7), data(9)
        m_end_, i_, w_, dx_ = integer(2), integer(3), integer(4), integer(10)
        tmax_ = context.cast(builder, argv[8], signature.args[8], types.float64)
        xi_ = vload(pxi, ir.Constant(i64, 0))
        xdist = _lane_xdist(builder, vload, fabs, pX, pxi, xi_, L)
        tv = vload(pt, ir.Constant(i64, 0))
        cz = cgutils.alloca_once(builder, vi)
        cx = cgutils.alloca_once(builder, vi)
        builder.store(vload(pcnt, ir.Constant(i64, 0), vi), cz)
        builder.store(vload(pcnt, ir.Constant(i64, L), vi), cx)

        def body(m, stop, next_):
            d0 = builder.load(builder.gep(pdist, [m]))
            go = builder.append_basic_block("go")
            builder.cbranch(builder.fcmp_ordered(">", d0, tmax_), stop, go)
            builder.position_at_end(go)
            j = builder.load(builder.gep(pidx, [m]))
            enter = builder.append_basic_block("enter")
            builder.cbranch(outside(j, i_, w_), enter, next_)
            builder.position_at_end(enter)
            inb = builder.fcmp_ordered("<=", splat(d0), tv)
            builder.store(builder.add(builder.load(cz), builder.zext(inb, vi)), cz)
            if with_x:
                inx = builder.fcmp_ordered("<=", xdist(j, dx_), tv)
                builder.store(builder.add(builder.load(cx), builder.zext(builder.and_(inb, inx), vi)), cx)
            builder.branch(next_)

        _lane_loop(builder, m_end_, body)
        vstore(builder.load(cz), pcnt, ir.Constant(i64, 0))
        vstore(builder.load(cx), pcnt, ir.Constant(i64, L))
        return context.get_dummy_value()

    return types.void(*args), codegen


@intrinsic
def _count8_x(typingctx, dist, idx, m_end, i, w, X, xi, t, tmax, cnt, dx):
    return _count8_typed((dist, idx, m_end, i, w, X, xi, t, tmax, cnt, dx), True)


@intrinsic
def _count8_plain(typingctx, dist, idx, m_end, i, w, X, xi, t, tmax, cnt, dx):
    return _count8_typed((dist, idx, m_end, i, w, X, xi, t, tmax, cnt, dx), False)


def kth_lanes(dist, idx, m_end, i, w, X, xi, T, k, dx):
    """:func:`_kth_walk_body`; compiled, one vector loop for k = 4 and 8 lanes (:func:`_kth8`)."""
    _kth_walk_body(dist, idx, m_end, i, w, X, xi, T, k, dx)


@overload(kth_lanes, jit_options={"nogil": True})
def _kth_lanes_jit(dist, idx, m_end, i, w, X, xi, T, k, dx):
    def impl(dist, idx, m_end, i, w, X, xi, T, k, dx):
        if k == 4 and xi.shape[0] == 8 * dx:
            _kth8(dist, idx, m_end, i, w, X, xi, T, dx)
        else:
            _kth_walk_any(dist, idx, m_end, i, w, X, xi, T, k, dx)
    return impl


def count_lanes(dist, idx, m_end, i, w, X, xi, t, tmax, cnt, with_x, dx):
    """:func:`_count_walk_body`; compiled, one vector loop for 8 lanes (:func:`_count8_x`)."""
    _count_walk_body(dist, idx, m_end, i, w, X, xi, t, tmax, cnt, with_x, dx)


@overload(count_lanes, jit_options={"nogil": True})
def _count_lanes_jit(dist, idx, m_end, i, w, X, xi, t, tmax, cnt, with_x, dx):
    def impl(dist, idx, m_end, i, w, X, xi, t, tmax, cnt, with_x, dx):
        if xi.shape[0] == 8 * dx:
            if with_x:
                _count8_x(dist, idx, m_end, i, w, X, xi, t, tmax, cnt, dx)
            else:
                _count8_plain(dist, idx, m_end, i, w, X, xi, t, tmax, cnt, dx)
        else:
            _count_walk_any(dist, idx, m_end, i, w, X, xi, t, tmax, cnt, with_x, dx)
    return impl


LANES = 8
"""Scalar sources walked together by :func:`cmi_block` (one list walk per query serves this many)."""


@njit(cache=True, nogil=True)
def cmi_block(Xb, rz0, Cz, iz, yz_idx, yz_dist, z_idx, z_dist, k, w, psi, V):
    """Per-sample terms ``V[b, i] = psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1)`` of :func:`cmi_one` for
    ``B = V.shape[0]`` sources of ``dx`` dimensions at once, ``Xb`` (n * dx * B,) (coordinate dd of
    source b's sample j at ``(j * dx + dd) * B + b``), every query's lists walked once for all of them
    (:func:`kth_lanes`, :func:`count_lanes`).

    Each lane's arithmetic is :func:`cmi_one`'s (the same subtractions, ``max`` and ``<=``), so its
    terms are bitwise that kernel's. The k-th-distance walk goes on until the (y, Z) distance reaches
    the largest lane's k-th: past its own stop a lane's candidates are ``max(|dx|, d_yz) >= d_yz >=``
    its k-th and never enter. The count walks go to the largest lane's ``t`` and count each entry
    only in the lanes whose ``t`` it is within. Lanes whose lists end too soon take :func:`cmi_one`'s
    z0-order fallbacks on their own."""
    B, n = V.shape
    dx = Xb.shape[0] // (n * B)
    Ly = yz_idx.shape[1]
    Lz = z_idx.shape[1]
    T = np.empty(B * k)
    one = np.empty(k)
    kth = np.empty(B)
    t = np.empty(B)
    xi = np.empty(dx * B)
    cy = np.zeros(2 * B, dtype=np.int64)
    cz = np.zeros(2 * B, dtype=np.int64)
    slow = np.zeros(B, dtype=np.bool_)
    Xz = np.empty((B, dx, n))  # each source in z0 order, for the fallbacks
    for u in range(n):
        for dd in range(dx):
            for b in range(B):
                Xz[b, dd, u] = Xb[(iz[u] * dx + dd) * B + b]
    for i in range(n):
        for m in range(dx * B):
            xi[m] = Xb[i * dx * B + m]
        T[:] = _INF
        kth_lanes(yz_dist[i], yz_idx[i], Ly, i, w, Xb, xi, T, k, dx)
        Ry = yz_dist[i, Ly - 1] if Ly < n else _INF  # every point not listed is at least this far
        Rz = z_dist[i, Lz - 1] if Lz < n else _INF
        tmax = -_INF
        for b in range(B):
            kth[b] = T[(k - 1) * B + b]
            if kth[b] > Ry:
                kth[b] = _kth_z0(rz0[i], Xz[b], Cz, iz, w, k, one)
            t[b] = np.nextafter(kth[b], 0.0)
            slow[b] = t[b] >= Ry or t[b] >= Rz
            if not slow[b]:
                tmax = max(tmax, t[b])
        cy[:] = 0
        cz[:] = 0
        count_lanes(yz_dist[i], yz_idx[i], Ly, i, w, Xb, xi, t, tmax, cy, False, dx)
        count_lanes(z_dist[i], z_idx[i], Lz, i, w, Xb, xi, t, tmax, cz, True, dx)
        for b in range(B):
            if slow[b]:
                nxz, nyz, nz = _counts_z0(rz0[i], t[b], Xz[b], Cz, iz, w)
            else:
                nxz, nyz, nz = cz[B + b], cy[b], cz[b]
            V[b, i] = psi[nxz + 1] + psi[nyz + 1] - psi[nz + 1]


@njit(cache=True, nogil=True)
def stable_order(x, ox):
    """Make ``ox``, any order that sorts ``x``, the stable one (ties by increasing index), in place:
    each run of equal values is insertion-sorted by index. O(n) without ties. (numpy's default
    argsort is several times faster than its stable one or numba's sorts: measured 9 against 39 and
    46-48 us for 997 values; the runs are all that can differ.)"""
    n = x.shape[0]
    a = 0
    while a < n:
        b = a + 1
        while b < n and x[ox[b]] == x[ox[a]]:
            b += 1
        for p in range(a + 1, b):
            o = ox[p]
            q = p
            while q > a and ox[q - 1] > o:
                ox[q] = ox[q - 1]
                q -= 1
            ox[q] = o
        a = b


@njit(cache=True, parallel=True)
def sort_rows(rows, order, svals, ranks):
    """Each row's stable sort order, sorted values and ranks (rows, order, svals, ranks all (m, n)) from
    ``order`` any order that sorts each row (numpy's default argsort, several times faster than its
    stable one: 1.4 against 7.8 ms for 96 x 1,752 values), made stable in place (:func:`stable_order`);
    one row per thread. The same three arrays as numpy's stable argsort, take_along_axis and
    put_along_axis give (:func:`infoflow.estimators.ksg._sort_rows`)."""
    m, n = rows.shape
    for r in prange(m):
        x = rows[r]
        ox = order[r]
        stable_order(x, ox)
        for p in range(n):
            svals[r, p] = x[ox[p]]
            ranks[r, ox[p]] = p


@njit(cache=True, nogil=True)
def restricted_permutation(neighbours, order, keys):
    """Runge's (2018) restricted local permutation, one draw (the effective network's local surrogates):
    samples are visited in ``order``; each takes the not-yet-used one of its ``neighbours`` (n, k_perm)
    with the smallest random key (``keys`` (n, k_perm): a uniformly random unused neighbour), or, when
    all are used, its neighbour with the smallest key (a repeat). Returns ``perm`` (n,): sample i's
    surrogate source value is the source at ``perm[i]``. A sequential greedy assignment has no array
    form, hence a kernel."""
    n, k = neighbours.shape
    used = np.zeros(n, dtype=np.bool_)
    perm = np.empty(n, dtype=np.int64)
    for i in order:
        best, best_key, first, first_key = -1, 2.0, -1, 2.0
        for m in range(k):
            j = neighbours[i, m]
            key = keys[i, m]
            if key < first_key:
                first, first_key = j, key
            if not used[j] and key < best_key:
                best, best_key = j, key
        if best < 0:
            best = first
        used[best] = True
        perm[i] = best
    return perm


@njit(cache=True, nogil=True)
def _grid_sum(v, x, ox, ry, rz0, k, G, psi):
    """``psi(k) - mean(v)`` summed in :func:`._kernels.cmi_pair`'s order for the scalar source ``x``
    (its (x, y, z0) grid cells, then increasing x within a cell): ``ox`` an order that sorts ``x``,
    made stable here."""
    n = x.shape[0]
    stable_order(x, ox)
    rx = np.empty(n, dtype=np.int64)
    for r in range(n):
        rx[ox[r]] = r
    G = refine_grid3(rx, ry, rz0, G)
    cs = np.empty(G * G * G + 1, dtype=np.int64)
    gidx = np.empty(n, dtype=np.int64)
    sort_into_cells(cells3(rx, ry, rz0, G), G * G * G, ox, cs, gidx)
    acc = 0.0
    for p in range(n):
        acc += v[gidx[p]]
    return psi[k] - acc / n


@njit(cache=True, parallel=True)
def cmi_scalar_columns(Xt, OX, ry, rz0, Cz, iz, yz_idx, yz_dist, z_idx, z_dist, k, w, psi, G, out):
    """:func:`cmi_one` of every scalar source ``Xt[c]`` (N, n) into ``out`` (N,), bitwise: blocks of
    :data:`LANES` sources through :func:`cmi_block` (the last block padded with copies of its first
    source), each summed by :func:`_grid_sum` (``OX`` (N, n): orders that sort each source, any
    order among ties; made stable there, in place); blocks spread over threads (each writes only its
    own cells: bitwise the same for any count)."""
    N, n = Xt.shape
    B = LANES
    nblocks = (N + B - 1) // B
    for blk in prange(nblocks):
        c0 = blk * B
        nb = min(B, N - c0)
        Xb = np.empty(n * B)
        for b in range(B):
            c = c0 + (b if b < nb else 0)
            for i in range(n):
                Xb[i * B + b] = Xt[c, i]
        V = np.empty((B, n))
        cmi_block(Xb, rz0, Cz, iz, yz_idx, yz_dist, z_idx, z_dist, k, w, psi, V)
        for b in range(nb):
            out[c0 + b] = _grid_sum(V[b], Xt[c0 + b], OX[c0 + b], ry, rz0, k, G, psi)


@njit(cache=True, parallel=True)
def cmi_columns(Xt, rz0, Cz, iz, yz_idx, yz_dist, z_idx, z_dist, k, w, psi, out):
    """:func:`cmi_one` of every multivariate source ``Xt[c]`` (N, dx, n) into ``out`` (N,), bitwise: blocks
    of :data:`LANES` sources through :func:`cmi_block` (the last padded with copies of its first
    source), each lane's terms summed in sample order as :func:`cmi_one` sums them; blocks spread over
    threads (each writes only its own cells: bitwise the same for any count). Scalar sources go
    through :func:`cmi_scalar_columns` (summed in the grid kernel's order)."""
    N, dx, n = Xt.shape
    B = LANES
    nblocks = (N + B - 1) // B
    for blk in prange(nblocks):
        c0 = blk * B
        nb = min(B, N - c0)
        Xb = np.empty(n * dx * B)
        for b in range(B):
            c = c0 + (b if b < nb else 0)
            for i in range(n):
                for dd in range(dx):
                    Xb[(i * dx + dd) * B + b] = Xt[c, dd, i]
        V = np.empty((B, n))
        cmi_block(Xb, rz0, Cz, iz, yz_idx, yz_dist, z_idx, z_dist, k, w, psi, V)
        base = psi[k]
        for b in range(nb):
            acc = 0.0
            for i in range(n):
                acc += V[b, i]
            out[c0 + b] = base - acc / n
