"""``effective_network``: multivariate transfer entropy, each target's direct parents (flow layer).

Bivariate measures (TDMI, the seed's TDMI - MI, TE given only the target's own past) flag every
indirect path and every common driver. The effective network keeps, for each target, the smallest
set of (source, lag) variables that together carry the information about its next value, by the
greedy algorithm of Lizier & Rubinov (2012) with the hierarchical tests of Novelli et al. (2019):

1. **own past**: lag 1 of the target is always conditioned on (as in TE); further lags up to
   ``max_history`` join greedily while the best of them passes the maximum-statistic test;
2. **inclusion**: among the candidates (source, lag), the one with the largest CMI with the
   target's next value given everything selected so far is tested against the maximum, over all
   candidates, of the same CMI with every source circularly shifted (one shift per source and
   surrogate, so each source keeps its autocorrelation; or, with ``surrogate="local"``, all candidates
   permuted by one local permutation within the conditioning set's neighbourhoods, :class:`_LocalDraws`);
   it joins if significant, else the search stops.
   With KSG and more than ``screen_top`` candidates, KSG is computed for the ``screen_top`` candidates a
   Gaussian-copula score ranks best, in the observed data and in each surrogate alike (:class:`_Screen`);
3. **pruning**: the selected source variable with the smallest CMI given all others is tested
   against its own shifted CMIs; it leaves if not significant, and the test repeats (IDTxl tests it
   against the minimum over all selected variables' shifted CMIs, which keeps redundant variables;
   see :func:`_prune`);
4. **omnibus**: the CMI of all selected sources jointly with the target's next value, given its own
   past, against jointly shifted sources; Benjamini-Hochberg across targets at ``alpha`` (a target
   that fails keeps no parents).

The tests stop drawing surrogates once their decision is settled, at the checkpoints of
:func:`information_flow` (10, 20, 40, ...): for futility once the empirical p-value must exceed
alpha whatever the remaining surrogates give (so a failed inclusion step is cheap), and for
acceptance once the fitted-tail p-value is below alpha by the flow engine's margin. The fitted tail
of a test takes its shape from the columns its round draws (:func:`_shape_pool`: the per-candidate
columns of a max test, the selected variables' columns in pruning, the last pruning round's for the
omnibus), not from the tested statistic's few exceedances alone.
The estimators are the family modules' own all-pairs functions (``pairwise_mi`` / ``pairwise_cmi``,
one call per block of surrogates, every candidate in one call), on data prepared once per epoch by
the estimators' own preparation (standardise + seeded jitter for KSG, normal scores for the copula).
Each target is one task, so Dask and in-process runs give identical numbers.

References
----------
Lizier & Rubinov (2012), Multivariate construction of effective computational networks from
observational data, Max Planck Institute preprint 25/2012. Novelli, Wollstadt, Mediano, Wibral &
Lizier (2019), Large-scale directed network inference with multivariate transfer entropy and
hierarchical statistical testing, Network Neuroscience 3(3), 827-847, doi:10.1162/netn_a_00092.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from infoflow._defaults import (
    DEFAULT_ALPHA,
    DEFAULT_JITTER,
    DEFAULT_LAGS,
    DEFAULT_NETWORK_SURROGATE,
    DEFAULT_SCREEN_TOP,
    DEFAULT_SEED,
    DEFAULT_SURROGATES,
    FLOW_METHODS,
    NETWORK_SURROGATES,
)
from infoflow._validation import (
    SEED_CONSTRAINTS,
    Anything,
    CallableOK,
    InfoflowWarning,
    InstanceOf,
    Interval,
    InvalidParameterError,
    NoneOK,
    Options,
    Seed,
    _check_finite_activity,
    check_lags,
    root_seed,
    validate_params,
)
from infoflow.estimators import gaussian
from infoflow.estimators._pairwise import prepare, resolve_estimator
from infoflow.flow import _schedule
from infoflow.flow import _significance as sig
from infoflow.flow._engine import autocorr_times, epoch_seed

if TYPE_CHECKING:
    import xarray as xr

FUNC = "effective_network"
METHODS = FLOW_METHODS
ALGORITHM = ("greedy multivariate transfer entropy (Lizier & Rubinov 2012): own past, then (source, lag) "
             "candidates by maximum-statistic inclusion and pruning of the weakest, an omnibus test per "
             "target, Benjamini-Hochberg across targets (after Novelli et al. 2019)")
SURROGATE_BLOCK = 10
"""Surrogates per estimator call in the inclusion test (memory: n x candidates x this many floats)."""
SHARED_MIN_DZ = 2
"""KSG conditioning sets of at least this many dimensions use the shared-target kernel in inclusion
rounds (:class:`_Given`; every candidate and surrogate of the round shares one preparation);
:data:`SHARED_MIN_DZ_PRUNE` in pruning, where one preparation serves one variable's surrogates only.
Measured per estimate at n = 6,000 (2 threads, same process): quiet-ish host, dz = 1 grid 8 ms vs
shared 48 ms; dz = 2 45-50 vs 21-46; dz = 3 82-120 vs 13-20; dz = 4 140-200 vs 11-16; dz = 8
480-540 vs 5-6 ms; at load 12, dz = 2 344 vs 159 ms and dz = 3 327 vs 86 ms. The preparation costs
about 1-3 s (4 s at load 12) per conditioning set."""
SHARED_MIN_DZ_PRUNE = 3
SHARED_ANY_DZ_N = 2000
"""Below this many samples every KSG conditioning set uses the shared-target kernel, whatever
:data:`SHARED_MIN_DZ` and :data:`SHARED_MIN_DZ_PRUNE` say: since its lanes (8 sources per list walk) and
bucket-sorted neighbour lists it beats the grid kernel at dz = 1 on short recordings. Measured on the
VAR network (10 nodes x 1,000 samples, same process, interleaved, load 4-9): 1.16 -> 0.95 s per target,
the same network; at 6,000 samples and dz = 1 the grid kernel stays faster (425 ms against 1,542 ms
plus 533 ms of preparation). Speed only: the estimates of scalar sources are bitwise the same."""
LONG_LIST = 512
LONG_LIST_MAX_DZ = 2
"""KSG shared targets with at most :data:`LONG_LIST_MAX_DZ` conditioning dimensions list this many
neighbours per point (:func:`infoflow.estimators.ksg.prepare_shared`; more, in a low-dimensional
conditioning space, settle more queries without the z0-order fallbacks); larger sets keep
:data:`infoflow.estimators.ksg.SHARED_LIST`. Speed only: the estimates are the same. Measured at
n = 6,000 on the 17-unit system's target 8, same process, interleaved, 2 threads, load 5-6: dz = 2
(45 scalar sources) 32 ms per estimate with 256 against 21 ms with 512; the omnibus (a 3-dim source,
dz = 1) 393 against 273 ms; dz = 3 and 4 no faster (22.5 / 23.8 and 10.2 / 11.1 ms)."""
POOL_GROUPS_EXCEEDANCES = 200
"""The tail shape of a test (:func:`_shape_pool`) is fitted to at most this many surrogate exceedances
(twice what the pool counts for after tempering; more only cost time: 25 ms per checkpoint for 93
columns of 100 surrogates)."""
MIN_SAMPLES_PER_DIM = 10
"""Fewer usable samples than this many per candidate variable of a target warns: the maximum over
many candidates' surrogates then has a wide spread (weak tests), and each selected parent widens the
conditioning space, where KSG's bias grows and a copula covariance becomes unstable."""


LOCAL_NEIGHBOURS = 10
"""k_perm of the local permutation: each sample's source value is exchanged with one of its this many
nearest samples in the conditioning space (max-norm on the standardised columns the KSG uses). Runge
(2018) found 5-10 a good compromise between level (small) and power (large); see docs/concepts.md."""

LOCAL_SLOW_TAU = 20
"""``surrogate="local"`` warns when the slowest neuron's autocorrelation time (first lag below 1/e) is at
least this many steps: a local permutation keeps a source's tie to the conditioning set but not its
autocorrelation, and with slow units the estimate's null spread comes from that autocorrelation.
Measured (KSG, 6 independent AR(1) units, 1,000 samples; benchmarks/README.md): targets with a false
parent 1 / 48 at coefficient 0.9 (autocorrelation time about 15), 15 / 96 at 0.95 (about 28), 14 / 48
at 0.98 (about 54), against 0 / 48, 7 / 96 and 1 / 48 with shifts."""


def _local_window(lags: tuple[int, ...], max_history: int, theiler: int) -> int:
    """Samples within this many steps of a sample are never its local-permutation neighbours: its own
    lagged windows (a neighbour one step away would hand it nearly its own source value back, which
    only weakens the test), and the KSG Theiler window."""
    return max(max(lags), max_history) + int(theiler)


def _z_neighbours(z: np.ndarray, k_perm: int, window: int) -> np.ndarray:
    """(n, k_perm) the k_perm nearest samples of each sample in the conditioning space z (n, dz) by the
    max-norm, excluding itself and samples within ``window`` steps (scipy's k-d tree: it returns the
    nearest k_perm + 2 window + 1, of which at most 2 window + 1 are excluded), nearest first (ties
    by index). z with no columns (nothing conditioned on): any k_perm samples at random is then
    the plain permutation test, so a uniform draw over all rows is used instead (see
    :class:`_LocalDraws`)."""
    from scipy.spatial import cKDTree

    n = z.shape[0]
    q = min(n, k_perm + 2 * window + 1)
    _, idx = cKDTree(z).query(z, k=q, p=np.inf)
    idx = np.asarray(idx, dtype=np.int64).reshape(n, q)
    far = np.abs(idx - np.arange(n)[:, None]) > window
    # the first k_perm admissible entries of each row (every row has at least k_perm when n > q)
    order = np.argsort(~far, axis=1, kind="stable")[:, :k_perm]
    out = np.take_along_axis(idx, order, axis=1)
    if not np.take_along_axis(far, order, axis=1).all():
        raise ValueError(f"{FUNC}: too few samples ({n}) for {k_perm} local-permutation neighbours outside a "
                         f"window of {window} steps; use surrogate='shift' or record longer epochs.")
    return np.ascontiguousarray(out)


class _ShiftDraws:
    """One test's surrogates as circular shifts (S, n_neuron): every neuron shifted by its own draw, all
    lags of a neuron by the same one (the target's next value stays in place)."""

    def __init__(self, shifts: np.ndarray):
        self.shifts = shifts

    def block(self, s: _Series, variables: list, start: int, b: int) -> np.ndarray:
        """(n, b * len(variables)): surrogates start..start+b of the variables, surrogate-major."""
        return np.column_stack([s.cols(variables, self.shifts[start + r]) for r in range(b)])

    def stack(self, s: _Series, variables: list, start: int, b: int) -> np.ndarray:
        """(b, n, len(variables)): the same, one multivariate source per surrogate (the omnibus)."""
        return np.stack([s.cols(variables, self.shifts[start + r]) for r in range(b)])

    def pick(self, s: _Series, cands: list, top: np.ndarray, start: int) -> np.ndarray:
        """(n, b * m): surrogate start + r of the candidates ``top[r]`` (b, m) only (the screened ones)."""
        return np.column_stack([s.cols([cands[i] for i in top[r]], self.shifts[start + r]) for r in range(len(top))])


class _LocalDraws:
    """One test's surrogates as Runge's (2018) restricted local permutations of the sample rows
    (:func:`infoflow.estimators._kernels_nd.restricted_permutation`) within each sample's ``k_perm``
    nearest neighbours in the test's conditioning set ``z`` (:func:`_z_neighbours`; without a
    conditioning set, plain random permutations): surrogate r gives
    every tested column the same row permutation (so the candidates of a max test keep their joint
    structure and their tie to z), while the target and z stay in place. Drawn lazily, in order, from
    a child stream of the target's generator (one draw of it per test, whatever the test uses)."""

    def __init__(self, rng: np.random.Generator, z: np.ndarray, k_perm: int, window: int):
        self.rng = np.random.default_rng(int(rng.integers(0, 2**63 - 1)))
        self.z, self.k_perm, self.window = z, int(k_perm), int(window)
        self.nb: np.ndarray | None = None
        self.perms: list[np.ndarray] = []

    def perm(self, r: int) -> np.ndarray:
        n = self.z.shape[0]
        while len(self.perms) <= r:
            if self.z.shape[1] == 0:
                self.perms.append(self.rng.permutation(n))
                continue
            if self.nb is None:
                self.nb = _z_neighbours(self.z, self.k_perm, self.window)
            from infoflow.estimators import _kernels_nd

            self.perms.append(_kernels_nd.restricted_permutation(self.nb, self.rng.permutation(n),
                                                                 self.rng.random(self.nb.shape)))
        return self.perms[r]

    def block(self, s: _Series, variables: list, start: int, b: int) -> np.ndarray:
        X = s.cols(variables)
        return np.column_stack([X[self.perm(start + r)] for r in range(b)])

    def stack(self, s: _Series, variables: list, start: int, b: int) -> np.ndarray:
        X = s.cols(variables)
        return np.stack([X[self.perm(start + r)] for r in range(b)])

    def pick(self, s: _Series, cands: list, top: np.ndarray, start: int) -> np.ndarray:
        return np.column_stack([s.cols([cands[i] for i in top[r]])[self.perm(start + r)] for r in range(len(top))])


@dataclass(frozen=True)
class _Plan:
    """The options every target's search shares (hashable, cheap to ship to a worker)."""

    method: str
    est_kwargs: tuple
    lags: tuple[int, ...]
    max_history: int
    surrogates: int
    alpha: float
    marks: tuple[int, ...]
    min_shift: int
    seed: int
    start: int  # first usable row: max lag of any candidate
    n_jobs: int | None
    screen_top: int | None = None  # KSG candidates per inclusion round (copula-screened); None: all
    cond_neurons: tuple[int, ...] = ()  # the neurons whose present values are the conditioned-on input
    surrogate: str = "shift"  # NETWORK_SURROGATES
    local_window: int = 0  # local permutation: no neighbour within this many steps (_local_window)


def _draws(plan: _Plan, s, z: np.ndarray, rng: np.random.Generator, n_neuron: int):
    """The surrogates of one test whose conditioning set is ``z`` (n, dz)."""
    if plan.surrogate == "local":
        return _LocalDraws(rng, z, LOCAL_NEIGHBOURS, plan.local_window)
    return _ShiftDraws(sig.draw_shifts(rng, plan.surrogates, n_neuron, s.x.shape[0], plan.min_shift, "analysed"))


# --------------------------------------------------------------------------- estimates
def _family(method: str):
    from infoflow.estimators import gcmi, ksg

    return ksg if method == "ksg" else gcmi


def _opts(plan: _Plan, *, pairwise: bool) -> dict[str, Any]:
    opts = dict(plan.est_kwargs)
    if pairwise and plan.method == "ksg":
        opts["n_jobs"] = plan.n_jobs
    return opts


def _cmi_many(plan: _Plan, X: np.ndarray, y: np.ndarray, z: np.ndarray | None) -> np.ndarray:
    """I(X[:, c]; y | z) for every column c of X, all with the same conditioning set z (n, dz)."""
    fam = _family(plan.method)
    Y = np.ascontiguousarray(y[:, None])
    if z is None or z.shape[1] == 0:
        return fam.pairwise_mi(np.ascontiguousarray(X), Y, **_opts(plan, pairwise=True))[:, 0]
    return fam.pairwise_cmi(np.ascontiguousarray(X), Y, np.ascontiguousarray(z[None]),
                            **_opts(plan, pairwise=True))[:, 0]


def _cmi_each(plan: _Plan, X: np.ndarray, y: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """I(X[:, c]; y | Z[c]) for every column c, each with its own conditioning set Z[c] (n, dz)."""
    fam = _family(plan.method)
    m = X.shape[1]
    Y = np.ascontiguousarray(np.repeat(y[:, None], m, axis=1))
    if plan.method == "ksg":
        out = fam.pairwise_cmi(np.ascontiguousarray(X), Y, np.ascontiguousarray(Z), pairs=np.eye(m, dtype=bool),
                               **_opts(plan, pairwise=True))
    else:
        out = fam.pairwise_cmi(np.ascontiguousarray(X), Y, np.ascontiguousarray(Z), **_opts(plan, pairwise=True))
    return np.diagonal(out).copy()


def _cmi_joint(plan: _Plan, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> float:
    """I(x; y | z) with x multivariate (the omnibus statistic)."""
    fam = _family(plan.method)
    return float(fam.conditional_mutual_information(x, y[:, None], z, **_opts(plan, pairwise=False)))


class _Given:
    """One target's next value ``y`` and a conditioning set ``z`` shared by many sources (every candidate
    and surrogate of an inclusion round; one pruned variable's surrogates; the omnibus surrogates).

    With KSG and ``z`` of ``min_dz`` or more dimensions, ``y`` and ``z`` are prepared once
    (:func:`infoflow.estimators.ksg.prepare_shared`: their neighbour lists) on first use and every
    later call only walks them (same counts as :func:`_cmi_many`'s kernel, bitwise for scalar
    sources). Otherwise the all-pairs functions, as before."""

    def __init__(self, plan: _Plan, y: np.ndarray, z: np.ndarray, min_dz: int = SHARED_MIN_DZ):
        self.plan, self.y, self.z = plan, y, z
        self.ksg = plan.method == "ksg" and z.shape[1] >= 1
        self.shared = self.ksg and (z.shape[1] >= min_dz or z.shape[0] < SHARED_ANY_DZ_N)
        opts = dict(plan.est_kwargs)
        # the copula with 2+ conditioning dims: Z's orthonormal basis and y's residual once, not per call
        self.projected = (plan.method != "ksg" and z.shape[1] >= 2 and opts.get("normalised", False)
                          and not opts.get("bias_correct", False))
        self._prep = None
        self._proj: gaussian.SharedTarget | None = None

    def _projection(self) -> gaussian.SharedTarget:
        """The target side of the Gaussian(-copula) CMI (Z's orthonormal basis, y's residual on it),
        computed once: :func:`infoflow.estimators.gaussian.prepare_shared`."""
        if self._proj is None:
            self._proj = gaussian.prepare_shared(self.y, self.z)
        return self._proj

    def _target(self):
        if self._prep is None:
            from infoflow.estimators import ksg

            opts = dict(self.plan.est_kwargs)
            self._prep = ksg.prepare_shared(self.y, self.z, k=opts["k"], theiler=opts["theiler"],
                                            list_length=LONG_LIST if self.z.shape[1] <= LONG_LIST_MAX_DZ else None)
        return self._prep

    def many(self, X: np.ndarray) -> np.ndarray:
        """I(X[:, c]; y | z) for every column c of X (n, m)."""
        if self.projected:
            # pairwise_cmi's partial correlations without its QR per call (which was 90% of the copula
            # network's time at 32 units)
            return gaussian.cmi_shared(np.asarray(X, dtype=np.float64), self._projection())
        if not self.shared:
            return _cmi_many(self.plan, X, self.y, self.z)
        from infoflow.estimators import ksg

        return ksg.cmi_shared(X, self._target(), n_jobs=self.plan.n_jobs)

    def joint(self, Xs: np.ndarray) -> np.ndarray:
        """I(Xs[r]; y | z) for each multivariate source Xs[r] (b, n, dx) (the omnibus statistic; with KSG
        always the shared-target kernel, which beats the k-d tree path for multivariate sources at any dz)."""
        if not self.ksg:
            return np.array([_cmi_joint(self.plan, x, self.y, self.z) for x in Xs])
        from infoflow.estimators import ksg

        return ksg.cmi_shared(Xs, self._target(), n_jobs=self.plan.n_jobs)


# --------------------------------------------------------------------------- one target
class _Series:
    """Lagged columns of one prepared epoch, optionally with shifted sources."""

    def __init__(self, x: np.ndarray, cond: np.ndarray | None, start: int):
        self.x, self.cond, self.start = x, cond, start
        self.n = x.shape[0] - start
        # every lagged, circularly shifted column is one contiguous window of a neuron's series written
        # twice: windows[neuron, offset] = the column whose first row is sample `offset`
        twice = np.ascontiguousarray(np.concatenate([x, x], axis=0).T)  # (n_neuron, 2 n_time)
        self._windows = np.lib.stride_tricks.sliding_window_view(twice, self.n, axis=1)

    def _gather(self, neurons: np.ndarray, lags: np.ndarray, shifts: np.ndarray) -> np.ndarray:
        """Columns (n, k): neuron k at lag k, circularly shifted by shifts[k] steps, rows start..end
        (row r of column c is sample (start + r - lags[c] - shifts[c]) mod n_time)."""
        offsets = (self.start - np.asarray(lags) - np.asarray(shifts)) % self.x.shape[0]
        return np.ascontiguousarray(self._windows[np.asarray(neurons), offsets].T)

    def cols(self, variables, shifts=None) -> np.ndarray:
        """Columns of variables (neuron, lag); `shifts` (n_neuron,) circularly shifts each neuron first."""
        if not variables:
            return np.empty((self.n, 0))
        neurons = np.array([v[0] for v in variables])
        lags = np.array([v[1] for v in variables])
        return self._gather(neurons, lags, np.zeros(len(variables), dtype=np.int64) if shifts is None
                            else np.asarray(shifts)[neurons])

    def copies(self, var: tuple[int, int], shifts: np.ndarray) -> np.ndarray:
        """(n, b) columns of one variable under each of the neuron shifts `shifts` (b,)."""
        b = len(shifts)
        return self._gather(np.full(b, var[0]), np.full(b, var[1]), np.asarray(shifts))

    def target(self, j: int) -> np.ndarray:
        return np.ascontiguousarray(self.x[self.start:, j])

    def fixed(self) -> np.ndarray:
        """Variables conditioned on from the start: the network input at the target's time step."""
        if self.cond is None:
            return np.empty((self.n, 0))
        return self.cond[self.start:]


def _shape_pool(null: np.ndarray, groups) -> np.ndarray | None:
    """Log posterior of a tail shape shared by the surrogate columns ``null`` (S, m), on
    :data:`~infoflow.flow._significance.XI_GRID` (as :func:`~infoflow.flow._significance.shape_pool`),
    for a test whose own statistic is one of them or their maximum; None where no column can give one.

    ``groups`` (m,) labels the columns drawn with the same shifts (one neuron's lags share its shift, so
    their surrogates are strongly dependent): each group enters as the maximum of its columns, which
    has their tail shape (the maximum of finitely many variables with one tail shape has that shape;
    a heavier column dominates it), so the groups give nearly independent columns. At most
    :data:`POOL_GROUPS_EXCEEDANCES` exceedances' worth of groups, evenly spread, are fitted, and the
    pool is tempered to :data:`~infoflow.flow._significance.POOL_EXCEEDANCES` as the flow engine's is.
    Groups with a repeated value (a shift drawn twice) or non-finite values are left out
    (:func:`~infoflow.flow._significance.clean_exceedances`, as the flow engine's pool does). The fit is
    :func:`~infoflow.flow._significance.shape_pool`'s, with its pair limit set by exceedances.
    """
    n_surr = null.shape[0]
    if n_surr < 2:
        return None
    labels, inverse = np.unique(np.asarray(groups), return_inverse=True)
    top = np.full((n_surr, labels.size), -np.inf)
    for g in range(labels.size):
        top[:, g] = null[:, inverse == g].max(axis=1)
    excess, n_tail = sig.clean_exceedances(top)
    if not excess.shape[1]:
        return None
    return sig.shape_pool(excess, most=max(1, -(-POOL_GROUPS_EXCEEDANCES // n_tail)))


def _sequential(plan: _Plan, draw, observed: float, reduce, pool=None) -> tuple[float, int, np.ndarray]:
    """One surrogate test, drawn in blocks with the flow engine's checkpoints and stopping rules.

    ``draw(start, b)`` returns the statistics (b, m) of surrogates start..start+b for m variables;
    ``reduce`` maps them to the tested statistic (max, min or the single column). At each checkpoint
    the test stops for futility once its empirical p-value must exceed alpha whatever the remaining
    surrogates give (exact), or accepts once the fitted-tail p-value times
    :func:`~infoflow.flow._significance.accept_margin` (the number of looks: Bonferroni over them, as in
    :func:`information_flow`'s sequential testing) is at most alpha. ``pool(drawn)`` gives the fitted
    tail's shape (:func:`_shape_pool` over columns that share the tested statistic's tail shape); None:
    the tested statistic's own exceedances only, which cannot tell a shape and are conservative.
    Returns the fitted-tail p-value (the empirical one where no tail is fitted), the surrogates drawn
    and every statistic drawn (S, m).
    """
    blocks: list[np.ndarray] = []
    done = 0

    def p_fit(stats: np.ndarray) -> float:
        shape = None if pool is None else pool(stats)
        return float(sig.pvalues(np.array([observed]), reduce(stats)[:, None], kind="fit", pool=shape)["pvalue"][0])

    margin = sig.accept_margin(plan.marks)
    drawn = np.empty((0, 0))
    for mark in plan.marks:
        while done < mark:
            b = min(SURROGATE_BLOCK, mark - done)
            blocks.append(np.asarray(draw(done, b)).reshape(b, -1))
            done += b
        drawn = np.concatenate(blocks)
        if (1.0 + int(np.sum(reduce(drawn) >= observed))) / (plan.surrogates + 1.0) > plan.alpha:
            break
        if mark < plan.surrogates:
            p = p_fit(drawn)
            if p * margin <= plan.alpha:
                return p, done, drawn
    return p_fit(drawn), done, drawn


def _max_test(plan: _Plan, s: _Series, given: _Given, cands: list, obs: np.ndarray,
              rng: np.random.Generator, n_neuron: int, screen: _Screen | None = None) -> tuple[float, int]:
    """Maximum-statistic test of the best candidate: p-value and surrogates drawn.

    Each surrogate shifts every candidate's neuron (all lags of one neuron by one shift; for the own
    past that neuron is the target, whose next value `y` stays in place), and its statistic is the
    largest CMI over all candidates. With a ``screen`` the statistic is the largest CMI over the
    candidates the screen ranks best (:class:`_Screen`): each surrogate ranks its own shifted
    candidates, exactly as the observed ``obs`` (the screened candidates' CMIs) were obtained.
    """
    surr = _draws(plan, s, given.z, rng, n_neuron)

    if screen is None:
        def draw(start: int, b: int) -> np.ndarray:
            return given.many(surr.block(s, cands, start, b)).reshape(b, len(cands))

        groups = np.array([c[0] for c in cands])
    else:
        def draw(start: int, b: int) -> np.ndarray:
            top = screen.top(cands, surr.block(screen.sc, cands, start, b))
            return given.many(surr.pick(s, cands, top, start)).reshape(b, top.shape[1])

        # the columns in the screen's rank order (every one drawn in every surrogate): each is one
        # candidate's CMI under the null, as the per-candidate columns are without a screen
        groups = np.arange(min(screen.m, len(cands)))
    p, done, _ = _sequential(plan, draw, float(np.max(obs)), lambda v: v.max(axis=1),
                             pool=lambda v: _shape_pool(v, groups))
    return p, done


def _quadratic(z: np.ndarray) -> np.ndarray:
    """z (n, d) with its squares and pairwise products: the screen's conditioning set, so that the target's
    part a quadratic function of z explains is removed before candidates are scored."""
    d = z.shape[1]
    a, b = np.triu_indices(d, 1)
    return np.column_stack([z, z * z, z[:, a] * z[:, b]])


class _Screen:
    """Copula screening of one inclusion round's candidates (KSG only): which ``m`` candidates get KSG.

    The score of a candidate is the Gaussian CMI of its normal score g and g^2 (two columns) with the
    target's next value given the round's conditioning set z with its squares and pairwise products
    (:func:`_quadratic`), all as normal scores (the series ``sc``,
    :func:`~infoflow.estimators._preprocess.copula_normalise` of the prepared epoch, which commutes with
    the circular shifts). The g^2 column lets a non-monotone, even coupling (a logistic map's
    4x(1 - x)) rank high, which the copula's linear score misses; the quadratic z removes more of what
    the selected variables explain through a saturating unit (on three targets of the trained airport
    net the KSG-best of 93 candidates ranked 17th or lower in 10 of 21 rounds with a linear z, 8 with
    the quadratic one, which kept it in rounds where the linear z lost 45 % of the best KSG CMI).
    Scores are cheap (a few matrix products, :func:`infoflow.estimators.gaussian.prepare_shared`'s
    basis computed once per round).
    The screen only chooses which candidates are estimated; the same rule is applied to the observed
    data and to every surrogate, so the maximum-statistic test stays a valid shift test of the
    statistic "largest KSG CMI among the m best-screened candidates"."""

    def __init__(self, sc: _Series, yc: np.ndarray, zc: np.ndarray, m: int):
        self.sc, self.m = sc, int(m)
        self.target = gaussian.prepare_shared(yc, _quadratic(zc))

    def scores(self, X: np.ndarray) -> np.ndarray:
        """The screen's score of every column of X (n, c) (normal scores), -inf where undefined."""
        q, ry, ry2 = self.target
        f1 = X - X.mean(axis=0)
        f2 = X * X
        f2 -= f2.mean(axis=0)
        q1, q2 = q.T @ f1, q.T @ f2
        g11 = np.einsum("ij,ij->j", f1, f1) - np.einsum("ij,ij->j", q1, q1)
        g22 = np.einsum("ij,ij->j", f2, f2) - np.einsum("ij,ij->j", q2, q2)
        g12 = np.einsum("ij,ij->j", f1, f2) - np.einsum("ij,ij->j", q1, q2)
        b1, b2 = f1.T @ ry, f2.T @ ry  # <residual of f, ry> = <f, ry>: ry is orthogonal to Z
        with np.errstate(divide="ignore", invalid="ignore"):
            det = g11 * g22 - g12 * g12
            r2 = (g22 * b1 * b1 - 2.0 * g12 * b1 * b2 + g11 * b2 * b2) / (det * ry2)
            # g and g^2 (nearly) collinear within Z's complement: the linear score alone
            r2 = np.where(det > 1e-10 * g11 * g22, r2, b1 * b1 / (g11 * ry2))
            out = -0.5 * np.log1p(-np.clip(r2, 0.0, 1.0 - 1e-15))
        return np.where(np.isfinite(out), out, -np.inf)

    def top(self, cands: list, X: np.ndarray) -> np.ndarray:
        """(b, m) indices into ``cands`` of the m best-scored candidates in each of b copies of their
        normal-score columns, ``X`` (n, b * len(cands)) surrogate-major (``sc.cols(cands)``: the observed
        data; a surrogate scheme's ``block(sc, ...)``: its surrogates), best first (ties: lower index)."""
        c = len(cands)
        b = X.shape[1] // c
        score = self.scores(X).reshape(b, c)
        return np.argsort(-score, axis=1, kind="stable")[:, :min(self.m, c)]


def _conditioning(s: _Series, variables: list) -> np.ndarray:
    return np.column_stack([s.fixed(), s.cols(variables)]) if variables or s.cond is not None else np.empty((s.n, 0))


def _prune(plan: _Plan, s: _Series, y: np.ndarray, own: list, chosen: list, rng, n_neuron: int):
    """Pruning; returns (kept variables, their CMI given all others, their p-values).

    The selected variable with the smallest CMI given all the others is tested against its own
    surrogates (its neuron shifted, everything else in place) and leaves if not significant; the test
    repeats on those left. IDTxl's minimum statistic tests that smallest value against the minimum
    over every selected variable's surrogates instead; with one redundant variable among strong ones
    that minimum of several null values sits below the redundant variable's own null, so it survives
    (``tests/flow/test_network.py``, the pruning test). Each kept variable's p-value is its own test
    against the same surrogates in the final round.
    """
    while chosen:
        Z = np.stack([_conditioning(s, own + [v for v in chosen if v != c]) for c in chosen])
        givens = [_Given(plan, y, Z[i], SHARED_MIN_DZ_PRUNE) for i in range(len(chosen))]
        if givens[0].shared:
            obs = np.array([g.many(s.cols([c]))[0] for g, c in zip(givens, chosen)])
        else:
            obs = _cmi_each(plan, s.cols(chosen), y, Z)
        weakest = int(np.argmin(obs))
        if plan.surrogate == "local":
            # each variable permuted within its own conditioning set's neighbourhoods (the others + own past)
            perms = [_draws(plan, s, Z[i], rng, n_neuron) for i in range(len(chosen))]

            def draw(start: int, b: int) -> np.ndarray:
                return np.column_stack([givens[i].many(perms[i].block(s, [c], start, b))  # noqa: B023
                                        for i, c in enumerate(chosen)])  # noqa: B023
        else:
            shifts = sig.draw_shifts(rng, plan.surrogates, n_neuron, s.x.shape[0], plan.min_shift, "analysed")

            def draw(start: int, b: int) -> np.ndarray:
                # one call per variable: its b shifted copies share its conditioning set (one QR / one sort of it)
                # noqa below: draw and the lambda are called within this iteration, so they see its values
                return np.column_stack([givens[i].many(s.copies(c, shifts[start:start + b, c[0]]))  # noqa: B023
                                        for i, c in enumerate(chosen)])  # noqa: B023

        groups = np.array([c[0] for c in chosen])
        p_weak, _, null = _sequential(plan, draw, float(obs[weakest]), lambda v: v[:, weakest],  # noqa: B023
                                      pool=lambda v: _shape_pool(v, groups))  # noqa: B023
        if p_weak <= plan.alpha:
            shape = _shape_pool(null, groups)
            return chosen, obs, sig.pvalues(obs, null, kind="fit", pool=shape)["pvalue"], shape
        chosen = [c for i, c in enumerate(chosen) if i != weakest]
    return [], np.empty(0), np.empty(0), None


def _omnibus(plan: _Plan, s: _Series, y: np.ndarray, own: list, chosen: list, rng,
             n_neuron: int, shape: np.ndarray | None = None) -> tuple[float, float]:
    """Omnibus CMI of all selected sources given the own past, and its p-value against jointly shifted
    sources (fitted tail; the FDR across targets needs p-values below 1/(surrogates + 1))."""
    given = _Given(plan, y, _conditioning(s, own))
    obs = float(given.joint(s.cols(chosen)[None])[0])
    surr = _draws(plan, s, given.z, rng, n_neuron)

    def draw(start: int, b: int) -> np.ndarray:
        return given.joint(surr.stack(s, chosen, start, b))

    p, _, _ = _sequential(plan, draw, obs, lambda v: v[:, 0], pool=None if shape is None else lambda v: shape)
    return obs, p


def _include(plan: _Plan, s: _Series, y: np.ndarray, selected: list, pool: list, rng,
             n_neuron: int, sc: _Series | None = None, yc: np.ndarray | None = None) -> tuple[list, int]:
    """Greedy inclusion: the best of `pool` given `selected` joins while it passes the max-statistic test.

    With ``sc`` (the epoch's normal scores; ``yc`` the target's) and more candidates than
    ``plan.screen_top``, each round's KSG is computed for the screen's best candidates only
    (:class:`_Screen`). Returns the grown selection (`selected` first) and the surrogates drawn."""
    selected, pool, drawn = list(selected), list(pool), 0
    while pool:
        given = _Given(plan, y, _conditioning(s, selected))
        screen = None
        if sc is not None and yc is not None and plan.screen_top is not None and len(pool) > plan.screen_top:
            screen = _Screen(sc, yc, _conditioning(sc, selected), plan.screen_top)
        if screen is None:
            obs = given.many(s.cols(pool))
            best = int(np.argmax(obs))
        else:
            top = screen.top(pool, screen.sc.cols(pool))[0]
            obs = given.many(s.cols([pool[i] for i in top]))
            best = int(top[int(np.argmax(obs))])
        p, n = _max_test(plan, s, given, pool, obs, rng, n_neuron, screen)
        drawn += n
        if p > plan.alpha:
            break
        selected.append(pool.pop(best))
    return selected, drawn


def search_target(x: np.ndarray, cond: np.ndarray | None, j: int, plan: _Plan, epoch_seed: int) -> dict[str, Any]:
    """The whole search for target `j` of one prepared epoch `x` (n_time, n_neuron): a work unit.

    BLAS runs single-threaded inside (threadpoolctl): the products here are small (n x tens of columns),
    and on a loaded machine multithreaded OpenBLAS spent 4-5x the time waiting for its threads (7
    targets of the airport net's last epoch, copula, load 3.5 on 2 cores: 13 s with one BLAS thread,
    53-74 s with two)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _search_target(x, cond, j, plan, epoch_seed)


def _search_target(x: np.ndarray, cond: np.ndarray | None, j: int, plan: _Plan, epoch_seed: int) -> dict[str, Any]:
    n_time, n_neuron = x.shape
    if cond is not None and j in plan.cond_neurons:
        # an input neuron as target: its own present value is its next value, so conditioning on it would
        # leave nothing to explain; it is conditioned on the other inputs only
        cond = np.delete(cond, plan.cond_neurons.index(j), axis=1)
        cond = cond if cond.shape[1] else None
    s = _Series(x, cond, plan.start)
    y = s.target(j)
    rng = np.random.default_rng([int(plan.seed), int(epoch_seed) & 0xFFFFFFFF, 2, int(j)])
    # 1. own past: lag 1 always, further lags while the best passes the max-statistic test
    own, n_own = _include(plan, s, y, [(j, 1)], [(j, h) for h in range(2, plan.max_history + 1)], rng, n_neuron)
    # 2. sources by max-statistic inclusion, given the own past
    sources = [(i, lag) for i in range(n_neuron) if i != j for lag in plan.lags]
    sc = yc = None
    if plan.method == "ksg" and plan.screen_top is not None and len(sources) > plan.screen_top:
        from infoflow.estimators._preprocess import copula_normalise

        sc = _Series(copula_normalise(x[None])[0], None if cond is None else copula_normalise(cond[None])[0],
                     plan.start)
        yc = sc.target(j)
    chosen, n_src = _include(plan, s, y, own, sources, rng, n_neuron, sc, yc)
    chosen = chosen[len(own):]
    drawn = n_own + n_src
    # 3. pruning, 4. omnibus
    cmi, pvals, shape = np.empty(0), np.empty(0), None
    omni, p_omni = np.nan, np.nan
    if chosen:
        chosen, cmi, pvals, shape = _prune(plan, s, y, own, chosen, rng, n_neuron)
    if chosen:
        omni, p_omni = _omnibus(plan, s, y, own, chosen, rng, n_neuron, shape)
    return {"target": j, "own": [h for _, h in own], "chosen": chosen, "cmi": cmi, "pvalue": pvals,
            "omnibus": omni, "pvalue_omnibus": p_omni, "surrogates_drawn": drawn}


# --------------------------------------------------------------------------- public function
@validate_params({
    "activity": [Anything()],
    "lags": [Anything()],  # checked by check_lags against the series length
    "method": [Options(*METHODS)],
    "surrogates": [Interval(int, 19, None)],
    "alpha": [Interval(float, 0, 1, closed="neither")],
    "max_history": [Interval(int, 1, None)],
    "condition_on_input": [InstanceOf(bool)],
    "k": [Interval(int, 1, None), NoneOK()],
    "theiler": [Interval(int, 0, None)],
    "min_shift": [Interval(int, 1, None), NoneOK()],
    "screen_top": [Interval(int, 1, None), NoneOK()],
    "surrogate": [Options(*NETWORK_SURROGATES)],
    "epochs": [Anything()],
    "roles": [Anything(), NoneOK()],
    "seed": SEED_CONSTRAINTS,
    "jitter": [Interval(float, 0, None)],
    "scheduler": [_schedule.SchedulerOption()],
    "callback": [CallableOK(), NoneOK()],
})
def effective_network(activity: Any, /, *, lags: int | Sequence[int] = DEFAULT_LAGS, method: str = "ksg",
                      surrogates: int = DEFAULT_SURROGATES, alpha: float = DEFAULT_ALPHA, max_history: int = 3,
                      condition_on_input: bool = False, k: int | None = None, theiler: int = 0,
                      min_shift: int | None = None, screen_top: int | None = DEFAULT_SCREEN_TOP,
                      surrogate: str = DEFAULT_NETWORK_SURROGATE, epochs: Any = "last", roles: Any = None,
                      seed: Seed = DEFAULT_SEED, jitter: float = DEFAULT_JITTER, scheduler: Any = None,
                      callback: Callable[[int, int], Any] | None = None) -> xr.Dataset:
    """Effective network: each target's direct parents by multivariate transfer entropy, in nats.

    For every target neuron, the (source, lag) variables that add information about its next value
    beyond its own past and the parents already found (greedy inclusion with a maximum-statistic
    test, pruning of the weakest parent against its own surrogates, an omnibus test per target, Benjamini-Hochberg
    across targets). Indirect paths and common drivers, which bivariate measures flag, are left out
    when the direct parents carry their information. See the module notes for the algorithm.

    Parameters
    ----------
    activity : DataArray, Dataset or array-like of shape (n_time, n_neuron) or (n_epoch, n_time, n_neuron)
        As for :func:`information_flow`.
    lags : int or sequence of int, default=(1, 2, 3)
        Source lags considered (steps from the source sample to the target's next value).
    method : {"ksg", "gaussian_copula"}, default="ksg"
    surrogates : int, default=100
        Surrogates per test (at least 19; a test stops early once its answer is certain).
    alpha : float, default=0.05
        Level of every test and the FDR level across targets.
    max_history : int, default=3
        Largest lag of the target's own past considered; lag 1 is always conditioned on.
    condition_on_input : bool, default=False
        Condition every test on the network input at the target's time step (the recording's
        ``inputs``, else the neurons with role "input"; an input neuron as target is conditioned on
        the other input neurons, not on itself): use it when a shared input drives many units and
        you want the links the input does not explain.
    k : int or None, default=None
        KSG neighbours (None: 4).
    theiler : int, default=0
        KSG Theiler window.
    min_shift : int or None, default=None
        Smallest circular shift; None: 5 autocorrelation times of the slowest neuron.
    screen_top : int or None, default=16
        KSG only: each inclusion round computes KSG for this many candidates, the best by a
        Gaussian-copula score of the candidate and its square (cheap), and its maximum-statistic test
        uses the largest KSG CMI among them, every surrogate screening its own shifted candidates the
        same way (so the test keeps its level; see docs/concepts.md). None: KSG for every candidate.
        Ignored by the copula (which scores every candidate anyway).
    surrogate : {"shift", "local"}, default="shift"
        How each test's surrogates are made. "shift": every source neuron circularly shifted in time (one
        shift per neuron and surrogate), which keeps its autocorrelation and breaks its ties to the
        target and to everything conditioned on. "local": the tested sources' samples permuted among
        samples with nearby values of the test's conditioning set (each sample's 10 nearest, by the
        max-norm, none within ``max(lags, max_history) + theiler`` steps; Runge 2018's restricted
        permutation, one permutation of all candidates per surrogate), which keeps the sources' ties
        to the conditioning set and breaks their autocorrelation. Both are calibrated on the families
        in docs/concepts.md ("Surrogates of the effective network"), which also gives the measured
        figures behind the default.
    epochs : "all", "last", int or list of int, default="last"
        Epoch labels to analyse, each on its own.
    roles : list of str or None, default=None
        One role per neuron for NumPy input.
    seed : int, None or numpy.random.Generator, default=0
        Seeds the jitter and the surrogate shifts: same seed, same network. A Generator is consumed
        (one root int is drawn from it, recorded in the ``seed`` attr); None draws it from fresh entropy.
    jitter : float, default=1e-10
    scheduler : None, "inprocess", "local", str or distributed.Client, default=None
        As for :func:`information_flow`; each target is one task.
    callback : callable(done, total) or None
        Called as targets finish.

    Returns
    -------
    xarray.Dataset
        ``significant (source, target)`` bool (a direct parent after every test and the FDR across
        targets); ``te (source, target)``: CMI of the parent's strongest lag with the target's next
        value given the target's selected past and every other parent (nats; NaN where no link);
        ``lag (source, target)`` (0 where no link), ``n_lags (source, target)``, ``pvalue (source,
        target)`` (the parent's own test in the final pruning round); per target ``te_omnibus``,
        ``pvalue_omnibus``, ``pvalue_omnibus_adjusted``, ``own_past (target, history_lag)`` bool and
        ``surrogates_drawn``. Attrs name the algorithm, tests and estimator. An ``epoch`` dimension
        when several epochs are analysed.

    Examples
    --------
    >>> import numpy as np
    >>> from infoflow.flow import effective_network
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2000, 3))
    >>> x[1:, 1] += 0.8 * x[:-1, 0]
    >>> x[1:, 2] += 0.8 * x[:-1, 1]        # 0 -> 1 -> 2: the path 0 -> 2 is indirect
    >>> net = effective_network(x, lags=(1, 2), method="gaussian_copula", surrogates=50)
    >>> net["significant"].values.astype(int)
    array([[0, 1, 0],
           [0, 0, 1],
           [0, 0, 0]])
    """
    import xarray as xr

    from infoflow.flow._input import activity_array, input_condition, select_epochs

    seed = root_seed(seed)  # a Generator gives one root int; the per-epoch, per-target streams are keyed by it
    dataset = activity if isinstance(activity, xr.Dataset) else None
    da = activity_array(activity, roles, func=FUNC)
    n_time, n_neuron = da.sizes["time"], da.sizes["neuron"]
    if n_neuron < 2:
        raise ValueError(f"{FUNC}: the recording has {n_neuron} neuron; a network needs at least 2 "
                         "(a target with no other neuron has no candidate parents).")
    lags = tuple(sorted(set(check_lags(lags, n_time=n_time, func=FUNC))))
    if (surrogates + 1) * alpha < 1:
        raise InvalidParameterError(f"{FUNC}: surrogates={surrogates} cannot give a p-value at or below alpha={alpha} "
                                    f"(the smallest is 1/(surrogates + 1)); use at least {math.ceil(1 / alpha) - 1}.")
    if lags[0] == 0:
        raise InvalidParameterError(f"{FUNC}: lags must be >= 1 (a parent precedes its target); got {lags}.")
    est = resolve_estimator(FUNC, method, k=k, theiler=theiler, jitter=jitter, seed=seed)
    start = max(max(lags), max_history)
    usable = n_time - start
    cond = input_condition(dataset, da, n_time, func=FUNC) if condition_on_input else None
    n_cond = 0 if cond is None else (len(cond[1]) if isinstance(cond, tuple) else cond.shape[1])
    need = (est.k + 1 + 2 * theiler) if est.k is not None else 3  # KSG: k neighbours outside the Theiler window
    if surrogate == "local":
        need = max(need, LOCAL_NEIGHBOURS + 2 * _local_window(lags, max_history, theiler) + 2)
    if usable < max(need, 20):
        raise ValueError(f"{FUNC}: each epoch has {usable} usable samples after lags up to {start}; at least "
                         f"{max(need, 20)} are needed. Lower the lags or max_history, or record longer epochs.")
    widest = 1 + max_history + n_cond + len(lags) * (n_neuron - 1)
    if usable < MIN_SAMPLES_PER_DIM * widest:
        warnings.warn(f"{FUNC}: {usable} usable samples for up to {widest} candidate variables per target "
                      f"({n_neuron - 1} sources x {len(lags)} lags + own past): estimates of conditional MI in "
                      "many dimensions will be biased and the tests weak. Record longer epochs or consider "
                      "fewer lags.", InfoflowWarning, stacklevel=2)
    labels = select_epochs(da, epochs, func=FUNC)
    executor = _schedule.make_executor(scheduler)
    n_jobs = 1 if isinstance(executor, _schedule.DaskExecutor) else None
    total = len(labels) * n_neuron
    progress = {"done": 0}

    def tick() -> None:
        progress["done"] += 1
        if callback is not None:
            callback(progress["done"], total)

    executor.tick = tick
    results = []
    try:
        for label in labels:
            raw = np.asarray(da.sel(epoch=label).values, dtype=np.float64)
            _check_finite_activity(raw[None], [label], da["neuron"].values, what="activity", func=FUNC,
                                   hint="Remove or interpolate them first.")
            arrays = [raw[None]]
            if isinstance(cond, tuple):
                arrays.append(raw[None][:, :, cond[1]])
            elif cond is not None:
                arrays.append(np.asarray(cond, dtype=np.float64)[None])
            # the estimators' own preparation, seeded per epoch exactly as information_flow seeds it
            prepped = prepare(dataclasses.replace(est, seed=epoch_seed(seed, label)), arrays)
            x = prepped[0][0]
            c = prepped[1][0] if len(prepped) > 1 else None
            tau = int(autocorr_times(x).max())
            if surrogate == "local" and tau >= LOCAL_SLOW_TAU:
                warnings.warn(f"{FUNC}: epoch {label}: the slowest neuron's autocorrelation time is {tau} steps; local "
                              "permutations keep the sources' ties to the conditioning set but not their "
                              "autocorrelation, and on units this slow they gave too many false parents (16 % of "
                              "targets at alpha 0.05 with AR(1) coefficient 0.95, 29 % at 0.98). Use "
                              "surrogate='shift' here.",
                              InfoflowWarning, stacklevel=2)
            shift_min = sig.choose_min_shift(tau, lags=lags, history=max_history, theiler=theiler) \
                if min_shift is None else int(min_shift)
            if surrogate == "local":
                n_surr = surrogates  # permutations: no short-recording limit on their number
            elif n_time - 2 * shift_min < 1:
                sig.draw_shifts(np.random.default_rng(0), 1, 1, n_time, shift_min, label)  # raises, naming the fix
            if surrogate == "shift":
                # a short recording admits few distinct shifts: a repeated shift is no new evidence, so each test
                # draws at most that many, and a recording too short for any p-value at or below alpha is refused
                distinct = sig.distinct_shifts(n_time, shift_min)
                if (distinct + 1) * alpha < 1:
                    raise ValueError(f"{FUNC}: epoch {label} has {n_time} time steps; with "
                                     f"min_shift={shift_min} only {distinct} distinct circular shifts exist, so no "
                                     f"p-value can be at or below alpha={alpha}. Record at least "
                                     f"{2 * shift_min + math.ceil(1 / alpha) - 1} steps, or use surrogate='local'.")
                n_surr = min(surrogates, distinct)
                if n_surr < surrogates:
                    warnings.warn(f"{FUNC}: epoch {label} admits only {distinct} distinct circular shifts "
                                  f"(min_shift={shift_min}); each test draws at most {n_surr} surrogates instead of "
                                  f"{surrogates}.", InfoflowWarning, stacklevel=2)
            plan = _Plan(method=method, est_kwargs=tuple(sorted(est.kwargs().items())), lags=lags,
                         max_history=max_history, surrogates=n_surr, alpha=alpha,
                         marks=tuple(sig.checkpoints(n_surr, True)), min_shift=shift_min, seed=seed, start=start,
                         n_jobs=n_jobs, screen_top=screen_top if method == "ksg" else None,
                         cond_neurons=tuple(int(v) for v in cond[1]) if isinstance(cond, tuple) else (),
                         surrogate=surrogate, local_window=_local_window(lags, max_history, theiler))
            futures = [executor.submit(search_target, x, c, j, plan, int(label), count=True) for j in range(n_neuron)]
            results.append((label, shift_min, executor.gather(futures)))
    finally:
        executor.close()
    out = [_assemble_one(da, res, alpha, max_history, lags) for _, _, res in results]
    ds = out[0] if len(out) == 1 else xr.concat(out, dim=xr.DataArray([lab for lab, _, _ in results], dims="epoch",
                                                                       name="epoch"))
    if len(out) == 1:
        ds = ds.assign_coords(epoch=labels[0])
    ds.attrs.update({
        "algorithm": ALGORITHM,
        "tests": "maximum statistic (inclusion), the weakest parent against its own surrogates (pruning), omnibus "
                 "(per target; fitted-tail p-value), Benjamini-Hochberg across targets",
        "surrogate": ("circular time shift of each source, one shift per source and surrogate" if surrogate == "shift"
                      else f"local permutation of the tested sources among each sample's {LOCAL_NEIGHBOURS} nearest "
                           "samples in the test's conditioning set (Runge 2018), one permutation per surrogate"),
        "surrogate_scheme": surrogate,
        "surrogates": int(surrogates), "alpha": float(alpha), "lags": list(lags), "max_history": int(max_history),
        "condition_on_input": int(condition_on_input), "min_shift": [int(m) for _, m, _ in results],
        "screen_top": int(screen_top) if method == "ksg" and screen_top is not None else 0,
        "measure": "multivariate transfer entropy", "units": "nats", **est.attrs(),
    })
    ds.attrs["seed"] = int(seed)
    return ds


def _assemble_one(da, res: list[dict], alpha: float, max_history: int, lags: tuple[int, ...]):
    import xarray as xr

    n = da.sizes["neuron"]
    te = np.full((n, n), np.nan)
    lag = np.zeros((n, n), dtype=np.int64)
    n_lags = np.zeros((n, n), dtype=np.int64)
    pval = np.full((n, n), np.nan)
    own = np.zeros((n, max_history), dtype=bool)
    omni = np.full(n, np.nan)
    p_omni = np.full(n, np.nan)
    drawn = np.zeros(n, dtype=np.int64)
    for r in res:
        j = r["target"]
        own[j, np.asarray(r["own"]) - 1] = True
        omni[j], p_omni[j], drawn[j] = r["omnibus"], r["pvalue_omnibus"], r["surrogates_drawn"]
        for (i, lg), v, p in zip(r["chosen"], r["cmi"], r["pvalue"]):
            n_lags[i, j] += 1
            if not np.isfinite(te[i, j]) or v > te[i, j]:
                te[i, j], lag[i, j] = v, lg
            pval[i, j] = p if not np.isfinite(pval[i, j]) else min(pval[i, j], p)
    adjusted, target_ok = sig.fdr(p_omni, alpha)
    selected = n_lags > 0
    significant = selected & target_ok[None, :]
    names = da["neuron"].values
    role = da["role"].values
    coords = {"source": ("source", names), "target": ("target", names),
              "source_role": ("source", role), "target_role": ("target", role),
              "history_lag": ("history_lag", np.arange(1, max_history + 1))}
    st = ("source", "target")
    return xr.Dataset({
        "significant": (st, significant),
        "te": (st, np.where(significant, te, np.nan), {"units": "nats",
                                                       "long_name": "multivariate TE of the parent's strongest lag"}),
        "lag": (st, np.where(significant, lag, 0)),
        "n_lags": (st, np.where(significant, n_lags, 0)),
        "pvalue": (st, np.where(significant, pval, np.nan)),
        "selected": (st, selected, {"long_name": "selected before the omnibus FDR across targets"}),
        "te_omnibus": ("target", omni, {"units": "nats"}),
        "pvalue_omnibus": ("target", p_omni),
        "pvalue_omnibus_adjusted": ("target", adjusted),
        "own_past": (("target", "history_lag"), own),
        "surrogates_drawn": ("target", drawn),
    }, coords=coords)
