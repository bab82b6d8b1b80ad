"""Kraskov-Stögbauer-Grassberger (KSG) estimators: entropy, MI, conditional MI and the all-pairs engine.

Place in the pipeline: ``estimators`` layer. This is the KSG *family module*: the public functions
of :mod:`infoflow.estimators` validate the data, standardise every column and add seeded jitter once
per recording, cut sequences and align lags, then call the functions here with float64, C-contiguous
2-D arrays. Nothing here validates; users import the public API instead.

All functions use the max-norm, count marginal neighbours strictly inside the k-th joint distance
(``|d| <= nextafter(eps, 0)``), never clip negative estimates, and exclude neighbours with
``|i - j| <= theiler`` in sample index from every neighbour search and count. Results are in nats.

Scalar pairs (one column each) go through the compiled kernels of :mod:`._kernels`, so a single
``mutual_information`` call and the same cell of ``pairwise_mi`` are bitwise equal; multivariate
variables use scipy's cKDTree with the same conventions.

References
----------
Kraskov, Stögbauer & Grassberger (2004), Estimating mutual information, Phys. Rev. E 69, 066138,
doi:10.1103/PhysRevE.69.066138. Frenzel & Pompe (2007), Partial mutual information for coupling
analysis of multivariate time series, Phys. Rev. Lett. 99, 204101, doi:10.1103/PhysRevLett.99.204101.
Kozachenko & Leonenko (1987), Sample estimate of the entropy of a random vector, Probl. Inf. Transm. 23.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import numba
import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma

from infoflow._defaults import DEFAULT_K
from infoflow.estimators import _kernels, _kernels_nd

__all__ = [
    "entropy",
    "mutual_information",
    "conditional_mutual_information",
    "local_mutual_information",
    "pairwise_mi",
    "pairwise_cmi",
]


# ----------------------------------------------------------------------------- shared helpers
def _as2d(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return np.ascontiguousarray(a[:, None] if a.ndim == 1 else a)


def _psi_table(n: int) -> np.ndarray:
    """``digamma(m)`` for m = 0..n+1 (entry 0 unused), looked up by the kernels."""
    return np.ascontiguousarray(digamma(np.arange(n + 2, dtype=np.float64)))


def _sort_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted values, ranks and sort order of each row of ``rows`` (..., n), computed once per
    channel and shared by every pair that channel is part of."""
    # numpy's default argsort made stable by _kernels_nd.sort_rows (ties by index): the same three
    # arrays as a stable argsort, its gather and its scatter, about 5x faster and on every thread
    flat = np.ascontiguousarray(rows, dtype=np.float64).reshape(-1, rows.shape[-1])
    order = np.argsort(flat, axis=-1).astype(np.int64, copy=False)
    svals, ranks = np.empty_like(flat), np.empty_like(order)
    _kernels_nd.sort_rows(flat, order, svals, ranks)
    return svals.reshape(rows.shape), ranks.reshape(rows.shape), order.reshape(rows.shape)


def _grid_mi(n: int) -> int:
    """Cells per axis for the MI grid: ~4 points per cell, so the 3 x 3 block around a query
    usually holds its k = 4 neighbours (measured fastest at n = 10^4: G = 50)."""
    return int(min(max(np.sqrt(n / 4.0), 1), 2048))


def _grid_cmi(n: int) -> int:
    """Cells per axis of the 3-D (x, y, z0) grid of the conditional-MI kernel: about
    ``CMI_POINTS_PER_CELL`` points per cell. Measured (TE matrices, 2 threads): 4 per cell was fastest
    on a trained RNN's units (n = 1,752; 2 per cell was 19% slower), 2 per cell 8% faster on the
    random tanh benchmark system (n = 10^4); 4 is kept for the real data."""
    return int(min(max(round((n / CMI_POINTS_PER_CELL) ** (1.0 / 3.0)), 1), 256))


CMI_POINTS_PER_CELL = 4.0


_WORKQUEUE_LOCK = threading.Lock()


def _run_parallel(kernel, *args):
    """Call a ``prange`` kernel and return what it returns. numba's fallback "workqueue" threading
    layer must not be entered from two threads at once (Dask threads may call us concurrently), so
    calls are serialised there; the OpenMP and TBB layers are thread-safe and run unlocked."""
    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet, the layer is not chosen
        layer = None
    if layer in (None, "workqueue"):
        with _WORKQUEUE_LOCK:
            return kernel(*args)
    return kernel(*args)


@contextmanager
def _threads(n_jobs: int | None):
    """Run the parallel kernels on ``n_jobs`` threads (None or -1: all), then restore the setting."""
    old = numba.get_num_threads()
    limit = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # config attributes are set at import
    want = limit if n_jobs is None or n_jobs < 0 else max(1, min(int(n_jobs), limit))
    numba.set_num_threads(want)
    try:
        yield
    finally:
        numba.set_num_threads(old)


def _kth_distance(pts: np.ndarray, k: int, theiler: int) -> np.ndarray:
    """Max-norm distance from each point to its k-th neighbour with ``|i - j| > theiler``.

    Querying ``k + 2*theiler + 1`` neighbours always holds at least k admissible ones, and any point
    left out is no closer than the farthest returned, so the k-th admissible distance is exact.
    """
    n = pts.shape[0]
    kq = min(n, k + 2 * theiler + 1)
    dist, idx = cKDTree(pts).query(pts, k=kq, p=np.inf)
    dist, idx = dist.reshape(n, kq), idx.reshape(n, kq)
    ok = np.abs(idx - np.arange(n)[:, None]) > theiler
    pos = np.argmax(np.cumsum(ok, axis=1) >= k, axis=1)
    return dist[np.arange(n), pos]


def _count_inside(pts: np.ndarray, eps: np.ndarray, theiler: int) -> np.ndarray:
    """Points ``j`` with ``|i - j| > theiler`` strictly inside ``eps[i]`` of point ``i`` (max-norm).

    ``nextafter(eps, 0)`` makes "strictly inside" exact and scale-free (no fixed 1e-12 offset).
    """
    r = np.nextafter(eps, 0.0)
    cnt = cKDTree(pts).query_ball_point(pts, r, p=np.inf, return_length=True) - 1
    n = pts.shape[0]
    for off in range(1, min(theiler, n - 1) + 1):
        d = np.max(np.abs(pts[off:] - pts[:-off]), axis=1)
        close = d <= r[:-off]
        cnt[:-off] -= close
        cnt[off:] -= d <= r[off:]
    return cnt


# ----------------------------------------------------------------------------- single estimates
def entropy(x: np.ndarray, *, k: int = DEFAULT_K, theiler: int = 0) -> float:
    """Kozachenko-Leonenko entropy estimate with the max-norm, in nats.

    Parameters
    ----------
    x : ndarray of shape (n,) or (n, d)
        Samples, already validated (float64, finite, no exact ties).
    k : int, default=4
        Neighbour used for the distance.
    theiler : int, default=0
        Neighbours with ``|i - j| <= theiler`` are ignored.

    Returns
    -------
    h : float
        ``psi(n) - psi(k) + d * mean(log(2 * eps_i))`` (Kraskov et al. 2004, eq. 20), nats.
    """
    pts = _as2d(x)
    n, d = pts.shape
    eps = _kth_distance(pts, k, theiler)
    return float(digamma(n) - digamma(k) + d * np.mean(np.log(2.0 * eps)))


def _mi_generic(x: np.ndarray, y: np.ndarray, k: int, theiler: int) -> np.ndarray:
    joint = np.hstack([x, y])
    eps = _kth_distance(joint, k, theiler)
    nx = _count_inside(x, eps, theiler)
    ny = _count_inside(y, eps, theiler)
    n = joint.shape[0]
    return digamma(k) + digamma(n) - digamma(nx + 1) - digamma(ny + 1)


def _channel(x: np.ndarray) -> _kernels.Channel:
    """The kernels' record of one channel (n,): values, sorted values, ranks, order, bucket table."""
    x = np.ascontiguousarray(x)
    return _kernels.channel(x, *_sort_rows(x))


def _mi_scalar(x: np.ndarray, y: np.ndarray, k: int, theiler: int, local: np.ndarray) -> float:
    n = x.shape[0]
    return float(_kernels.mi_pair(_channel(x[:, 0]), _channel(y[:, 0]), k, theiler, _psi_table(n), _grid_mi(n),
                                  local))


def mutual_information(x: np.ndarray, y: np.ndarray, *, k: int = DEFAULT_K, theiler: int = 0) -> float:
    """KSG mutual information (algorithm 1), in nats.

    Parameters
    ----------
    x : ndarray of shape (n,) or (n, dx)
    y : ndarray of shape (n,) or (n, dy)
        Already validated, standardised and jittered samples.
    k : int, default=4
        Neighbours in the joint space.
    theiler : int, default=0
        Neighbours with ``|i - j| <= theiler`` are ignored in every search and count.

    Returns
    -------
    mi : float
        ``psi(k) + psi(n) - <psi(n_x + 1) + psi(n_y + 1)>``; may be slightly negative (noise).

    Notes
    -----
    Scalar x and y use the compiled kernel of the all-pairs engine, so the result equals the
    matching cell of :func:`pairwise_mi` exactly.
    """
    x, y = _as2d(x), _as2d(y)
    if x.shape[1] == 1 and y.shape[1] == 1:
        return _mi_scalar(x, y, k, theiler, np.empty(0))
    return float(np.mean(_mi_generic(x, y, k, theiler)))


def local_mutual_information(x: np.ndarray, y: np.ndarray, *, k: int = DEFAULT_K,
                             theiler: int = 0) -> np.ndarray:
    """Per-sample (local) KSG mutual information, in nats.

    Parameters
    ----------
    x, y, k, theiler
        As in :func:`mutual_information`.

    Returns
    -------
    local : ndarray of shape (n,)
        ``psi(k) + psi(n) - psi(n_x(i) + 1) - psi(n_y(i) + 1)``; its mean is :func:`mutual_information`.
    """
    x, y = _as2d(x), _as2d(y)
    if x.shape[1] == 1 and y.shape[1] == 1:
        local = np.empty(x.shape[0])
        _mi_scalar(x, y, k, theiler, local)
        return local
    return _mi_generic(x, y, k, theiler)


def _cmi_inputs(x: np.ndarray, y: np.ndarray, z: np.ndarray):
    """The compiled CMI kernel's records for scalar x and y (n, 1) and z (n, dz): x's and y's
    :class:`~._kernels.Channel`, and the stacked record of z's dz rows."""
    zt = np.ascontiguousarray(z.T)
    sz, rz, oz = _sort_rows(zt)
    # z's rows one by one (nogil, no thread launch: a single estimate may be small), stacked as
    # _kernels.channels stacks them
    rows = [_kernels.channel(zt[m], sz[m], rz[m], oz[m]) for m in range(zt.shape[0])]
    cz = _kernels.Channel(zt, sz, rz, oz, np.stack([c.tab for c in rows]), np.array([c.lo for c in rows]),
                          np.array([c.scale for c in rows]))
    return _channel(x[:, 0]), _channel(y[:, 0]), cz


def conditional_mutual_information(x: np.ndarray, y: np.ndarray, z: np.ndarray, *, k: int = DEFAULT_K,
                                   theiler: int = 0) -> float:
    """Frenzel-Pompe conditional mutual information I(x; y | z), in nats.

    Parameters
    ----------
    x : ndarray of shape (n,) or (n, dx)
    y : ndarray of shape (n,) or (n, dy)
    z : ndarray of shape (n,) or (n, dz)
        Already validated, standardised and jittered samples.
    k : int, default=4
        Neighbours in the joint (x, y, z) space.
    theiler : int, default=0
        Neighbours with ``|i - j| <= theiler`` are ignored in every search and count.

    Returns
    -------
    cmi : float
        ``psi(k) - <psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1)>``; may be slightly negative.
    """
    x, y, z = _as2d(x), _as2d(y), _as2d(z)
    n = x.shape[0]
    if x.shape[1] == 1 and y.shape[1] == 1:
        cx, cy, cz = _cmi_inputs(x, y, z)
        return float(_kernels.cmi_pair(cx, cy, cz, k, theiler, _psi_table(n), _grid_cmi(n), np.empty(0)))
    eps = _kth_distance(np.hstack([x, y, z]), k, theiler)
    nxz = _count_inside(np.hstack([x, z]), eps, theiler)
    nyz = _count_inside(np.hstack([y, z]), eps, theiler)
    nz = _count_inside(z, eps, theiler)
    return float(digamma(k) - np.mean(digamma(nxz + 1) + digamma(nyz + 1) - digamma(nz + 1)))


# ----------------------------------------------------------------------------- all pairs
def _pair_list(pairs: np.ndarray | None, N: int, M: int):
    """Kernel pair lists for the all-pairs kernels: every cell, or the True cells of `pairs` (N, M).

    Returns (used source columns, used target columns, PA, PB indexing into those, output (N, M)):
    only columns that appear in a pair are sorted, and cells not computed stay NaN.
    """
    if pairs is None:
        a, b = np.divmod(np.arange(N * M, dtype=np.int64), M)
        return slice(None), slice(None), a, b, np.empty((N, M))
    pairs = np.asarray(pairs, dtype=bool)
    if pairs.shape != (N, M):
        raise ValueError(f"pairs has shape {pairs.shape}; it must be (n_source, n_target) = ({N}, {M})")
    a, b = np.nonzero(pairs)
    used_a, used_b = np.unique(a), np.unique(b)
    return (used_a, used_b, np.searchsorted(used_a, a).astype(np.int64),
            np.searchsorted(used_b, b).astype(np.int64), np.full((N, M), np.nan))


def _scatter(out: np.ndarray, used_a, used_b, PA, PB, sub: np.ndarray) -> np.ndarray:
    """Put the computed cells of `sub` (indexed like PA, PB) into `out` (N, M)."""
    if isinstance(used_a, slice):
        return sub
    out[used_a[PA], used_b[PB]] = sub[PA, PB]
    return out


def pairwise_mi(X: np.ndarray, Y: np.ndarray, *, k: int = DEFAULT_K, theiler: int = 0,
                n_jobs: int | None = None, pairs: np.ndarray | None = None) -> np.ndarray:
    """KSG MI of every pair of columns, ``out[i, j] = I(X[:, i]; Y[:, j])``, in nats.

    Parameters
    ----------
    X : ndarray of shape (n, N)
    Y : ndarray of shape (n, M)
        Already validated, standardised, jittered and lag-aligned columns (row t of X pairs with
        row t of Y).
    k : int, default=4
    theiler : int, default=0
    n_jobs : int or None, default=None
        Threads; None or -1 uses every core. The result does not depend on it (bitwise).
    pairs : ndarray of bool, shape (N, M), optional
        Compute only these cells (the others are NaN): a sparse set of pairs in one call, each
        column still sorted once, the pairs load-balanced over the threads.

    Returns
    -------
    mi : ndarray of shape (N, M), float64
        Each computed cell equals ``mutual_information(X[:, i], Y[:, j])`` exactly.

    Notes
    -----
    Each column is sorted once and its ranks shared by all its pairs; memory is O(n) per thread.
    """
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    used_a, used_b, PA, PB, out = _pair_list(pairs, X.shape[1], Y.shape[1])
    if PA.size == 0:
        return out
    Xt = np.ascontiguousarray(X[:, used_a].T)
    Yt = np.ascontiguousarray(Y[:, used_b].T)
    sub = np.empty((Xt.shape[0], Yt.shape[0]))
    with _threads(n_jobs):
        n = Xt.shape[1]
        cX = _run_parallel(_kernels.channels, Xt, *_sort_rows(Xt))
        cY = _run_parallel(_kernels.channels, Yt, *_sort_rows(Yt))
        _run_parallel(_kernels.pairwise_mi, cX, cY, PA, PB, k, theiler, _psi_table(n), _grid_mi(n), sub)
    return _scatter(out, used_a, used_b, PA, PB, sub)


def pairwise_cmi(X: np.ndarray, Y: np.ndarray, Z: np.ndarray, *, k: int = DEFAULT_K, theiler: int = 0,
                 n_jobs: int | None = None, pairs: np.ndarray | None = None) -> np.ndarray:
    """Frenzel-Pompe CMI of every pair, ``out[i, j] = I(X[:, i]; Y[:, j] | Z[j])``, in nats.

    With Y the targets' next values and Z their pasts this is the transfer-entropy matrix.

    Parameters
    ----------
    X : ndarray of shape (n, N)
    Y : ndarray of shape (n, M)
    Z : ndarray of shape (M, n, dz)
        Conditioning set of each target column (dz >= 1: history, plus e.g. the network input).
    k, theiler, n_jobs, pairs
        As in :func:`pairwise_mi`.

    Returns
    -------
    cmi : ndarray of shape (N, M), float64
        Each computed cell equals ``conditional_mutual_information(X[:, i], Y[:, j], Z[j])`` exactly.
    """
    X, Y, Z = (np.asarray(a, dtype=np.float64) for a in (X, Y, Z))
    used_a, used_b, PA, PB, out = _pair_list(pairs, X.shape[1], Y.shape[1])
    if PA.size == 0:
        return out
    Xt = np.ascontiguousarray(X[:, used_a].T)
    Yt = np.ascontiguousarray(Y[:, used_b].T)
    Zt = np.ascontiguousarray(np.transpose(Z[used_b], (0, 2, 1)))
    sub = np.empty((Xt.shape[0], Yt.shape[0]))
    with _threads(n_jobs):
        n = Xt.shape[1]
        cX = _run_parallel(_kernels.channels, Xt, *_sort_rows(Xt))
        cY = _run_parallel(_kernels.channels, Yt, *_sort_rows(Yt))
        cZ = _run_parallel(_kernels.channel_stacks, Zt, *_sort_rows(Zt))
        _run_parallel(_kernels.pairwise_cmi, cX, cY, cZ, PA, PB, k, theiler, _psi_table(n), _grid_cmi(n), sub)
    return _scatter(out, used_a, used_b, PA, PB, sub)


# ----------------------------------------------------------------------------- shared target
SHARED_LIST = 256
"""Neighbours listed per point in the Z and (y, Z) spaces by :func:`prepare_shared` by default (a query
whose answer the lists cannot settle walks the z0-sorted order instead). Longer lists settle more
queries but cost more to prepare and to hold (n x L x 32 bytes). Measured at n = 6,000 on the
17-unit layered system's target 8 (2 threads, loaded host), one process, 256 and 512 interleaved:
dz = 2 23-32 against 17-21 ms per estimate, dz = 3 and 4 no faster with 512; in separate runs 1,024
gave no more than 512 and 2,048 was slower (memory); preparation 0.3-0.6 s with 256, 0.6-1.0 s with
512, 1-2 s with 1,024, 3-4 s with 2,048."""


BRUTE_MIN_DIM = 5
BRUTE_ANY_DIM_N = 12000
BRUTE_MAX_N = 20000
""":func:`prepare_shared` lists neighbours by brute force (:func:`._kernels_nd.brute_lists`) up to
:data:`BRUTE_ANY_DIM_N` points, and up to :data:`BRUTE_MAX_N` in spaces of at least
:data:`BRUTE_MIN_DIM` dimensions (where a k-d tree prunes little); else by scipy's k-d tree. The
same lists either way (the same distances; any L nearest give the same estimates). Measured per
preparation (both lists; one process, load 7-9, 2 threads, brute force with its bucket sort,
:func:`._kernels_nd.nearest_sorted`), brute against the tree: n = 6,000, dz = 1 / 2, 512 listed,
513 / 486 against 1,164 / 1,144 ms; dz = 3 / 4, 256 listed, 431 / 482 against 622 / 798 ms;
n = 3,000, dz = 2: 181 against 457 ms; n = 12,000, dz = 2: 1,692 against 2,125 ms. (Before the
bucket sort, with ``np.partition`` and a stable argsort per point, the tree won at n = 6,000 in 3-4
dimensions and the limit for any dimension was 3,000.)"""


class SharedTarget:
    """One target ``y`` and conditioning set ``Z`` prepared for :func:`cmi_shared` (see there)."""

    def __init__(self, y: np.ndarray, Z: np.ndarray, k: int, theiler: int, list_length: int | None = None):
        y = np.ascontiguousarray(np.asarray(y, dtype=np.float64).reshape(-1))
        Z = _as2d(Z)
        n = y.shape[0]
        self.n, self.k, self.theiler = n, int(k), int(theiler)
        self.C = np.ascontiguousarray(np.vstack([y[None], Z.T]))
        self.ry = _sort_rows(y)[1]
        _, self.rz0, self.iz = _sort_rows(np.ascontiguousarray(Z[:, 0]))
        self.Cz = np.ascontiguousarray(self.C[:, self.iz])
        L = min(n, (SHARED_LIST if list_length is None else int(list_length)) + 2 * int(theiler) + 1)
        self.yz_idx, self.yz_dist = self._lists(self.C.T, L)
        self.z_idx, self.z_dist = self._lists(np.ascontiguousarray(self.C[1:].T), L)
        self.psi = _psi_table(n)
        self.G = _grid_cmi(n)

    def _lists(self, pts: np.ndarray, L: int) -> tuple[np.ndarray, np.ndarray]:
        first = 0 if pts.shape[1] == self.C.shape[0] else 1
        if self.n <= BRUTE_MAX_N and (self.n <= BRUTE_ANY_DIM_N or pts.shape[1] >= BRUTE_MIN_DIM):
            idx = np.empty((self.n, L), dtype=np.int64)
            dist = np.empty((self.n, L))
            _run_parallel(_kernels_nd.brute_lists, self.C, first, idx, dist)
            return idx, dist
        # the L nearest of each point by scipy's k-d tree; the kernel recomputes the distances exactly
        _, idx = cKDTree(pts).query(pts, k=L, p=np.inf, workers=-1)
        idx = np.ascontiguousarray(np.asarray(idx, dtype=np.int64).reshape(self.n, L))
        dist = np.empty(idx.shape)
        _run_parallel(_kernels_nd.exact_lists, self.C, first, idx, dist)
        return idx, dist


def prepare_shared(y: np.ndarray, Z: np.ndarray, *, k: int = DEFAULT_K, theiler: int = 0,
                   list_length: int | None = None) -> SharedTarget:
    """Prepare target ``y`` (n,) and conditioning set ``Z`` (n, dz) once for many :func:`cmi_shared` calls.

    ``list_length``: neighbours listed per point (None: :data:`SHARED_LIST`); it changes only the speed
    and memory, never the result."""
    return SharedTarget(y, Z, k, theiler, list_length)


def cmi_shared(X: np.ndarray, target: SharedTarget, *, n_jobs: int | None = None) -> np.ndarray:
    """Frenzel-Pompe CMI ``I(X[c]; y | Z)`` of every source against one prepared target, in nats.

    Parameters
    ----------
    X : ndarray of shape (n, N) or (N, n, dx)
        Already validated, standardised, jittered and lag-aligned sources: N scalar columns, or N
        sources of dx dimensions each.
    target : SharedTarget
        From :func:`prepare_shared`: y, Z, k and the Theiler window, with their neighbour lists.
    n_jobs : int or None, default=None
        Threads over the sources; the result does not depend on it (bitwise).

    Returns
    -------
    cmi : ndarray of shape (N,), float64
        The same counts as :func:`conditional_mutual_information` (X[c], y, Z); for scalar columns
        also summed in its order, so bitwise equal, else equal to rounding (<= 1e-12). Faster than
        :func:`pairwise_cmi` when Z has several dimensions and many sources share it (the effective
        network's candidates and their surrogates).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 3 and X.shape[2] == 1:
        X = X[:, :, 0].T
    out = np.empty(X.shape[1] if X.ndim == 2 else X.shape[0])
    if out.shape[0] == 0:
        return out
    t = target
    with _threads(n_jobs):
        if X.ndim == 2:  # scalar sources: walked LANES at a time, summed in the grid kernel's order
            Xt = np.ascontiguousarray(X.T)
            # numpy's default sort (several times faster than a stable one); the kernel orders ties
            OX = np.argsort(Xt, axis=1)
            _run_parallel(_kernels_nd.cmi_scalar_columns, Xt, OX, t.ry, t.rz0, t.Cz, t.iz,
                          t.yz_idx, t.yz_dist, t.z_idx, t.z_dist, t.k, t.theiler, t.psi, t.G, out)
        else:
            Xt = np.ascontiguousarray(np.transpose(X, (0, 2, 1)))
            _run_parallel(_kernels_nd.cmi_columns, Xt, t.rz0, t.Cz, t.iz, t.yz_idx, t.yz_dist,
                          t.z_idx, t.z_dist, t.k, t.theiler, t.psi, out)
    return out
