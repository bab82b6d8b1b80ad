"""Layers: group neurons by progression, choose how many layers there are against a null, and
measure how flow runs within, across and past layers; how layering changes over training.

Pipeline place: ``flow`` -> **structure** -> ``report``; users call
:func:`infoflow.structure.layers` and :func:`infoflow.structure.layers_by_epoch`.

Clustering is 1-D k-means solved *exactly* by dynamic programming over the sorted values
(Wang & Song 2011, "Ckmeans.1d.dp"; Bellman 1973): on a line an optimal cluster is a contiguous run
of sorted points, so O(k n^2) work gives the global optimum. That is preferred over
``scipy.cluster.vq.kmeans2``, whose random restarts can miss it and would make the layer count
depend on the seed as well as on the null. scikit-learn is not a dependency.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from infoflow._defaults import DEFAULT_ALPHA, DEFAULT_N_NULL_LAYERS, DEFAULT_RIDGE, DEFAULT_SEED
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
    check_seed,
    validate_params,
)
from infoflow.structure._direction import _json
from infoflow.structure._input import WEIGHTS, read_flow
from infoflow.structure._null import LAYER_NULLS, NULL_DESCRIPTIONS, null_graphs, null_raw, uniform_progressions
from infoflow.structure._progression import (
    METHODS,
    hodge_potential,
    incoherence,
    normalise,
    raw_progression,
    spring_rank,
    trophic_levels,
)

if TYPE_CHECKING:
    import xarray as xr

CRITERIA = ("silhouette", "gap", "bic")
GRAPHS = ("raw", "significant")
"""Which matrix the clustered progression is computed from: every pair's flow (``"raw"``, no significance
mask) or the significant pairs only (``"significant"``, trophic levels only)."""
_FLOOR = 1e-12  # relative within-cluster variance below this counts as perfectly clustered
EFFECT_SEPARATION = 6.0
"""Stated effect for the power of the layer test: two equal layers whose centres lie this many
within-layer standard deviations apart (normal spread). A failed test says "no" layers only when it
would have found such layers with probability :data:`MIN_POWER`; otherwise "inconclusive"."""
MIN_POWER = 0.8
N_POWER_DRAWS = 100


def kmeans_1d(x: np.ndarray, k_max: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Exact 1-D k-means for k = 1..k_max on sorted ``x``.

    Returns the within-cluster sums of squares (k_max,) and, for each k, the start index of each
    cluster in the sorted array.
    """
    n = x.size
    s1 = np.concatenate(([0.0], np.cumsum(x)))
    s2 = np.concatenate(([0.0], np.cumsum(x * x)))
    i = np.arange(n + 1)[:, None]
    j = np.arange(n + 1)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = s2[j] - s2[i] - (s1[j] - s1[i]) ** 2 / (j - i)
    cost = np.where(j > i, np.maximum(cost, 0.0), np.inf)
    d = cost[0].copy()
    back = []
    wss = [d[n]]
    for _ in range(2, k_max + 1):
        tot = d[:, None] + cost
        arg = np.argmin(tot, axis=0)
        d = tot[arg, np.arange(n + 1)]
        back.append(arg)
        wss.append(d[n])
    starts = [np.array([0])]
    for k in range(2, k_max + 1):
        bounds, end = [], n
        for level in range(k - 2, -1, -1):
            end = back[level][end]
            bounds.append(end)
        starts.append(np.array([0, *reversed(bounds)]))
    return np.array(wss), starts


def _bic(x: np.ndarray, k_max: int) -> np.ndarray:
    """BIC of a 1-D Gaussian mixture with a shared variance fitted by hard (k-means) assignment."""
    xs = np.sort(x)
    n = xs.size
    kk = min(k_max, len(np.unique(xs)))
    out = np.full(k_max, np.nan)
    wss, starts = kmeans_1d(xs, kk)
    floor = _FLOOR * max(np.var(xs), 1e-300)
    for k in range(1, kk + 1):
        sizes = np.diff(np.append(starts[k - 1], n))
        var = max(wss[k - 1] / n, floor)
        loglik = float(np.sum(sizes * np.log(sizes / n)) - 0.5 * n * np.log(2 * np.pi * var) - 0.5 * n)
        out[k - 1] = -2 * loglik + (2 * k) * np.log(n)  # k means + (k-1) weights + 1 variance
    return out


def adjusted_rand_index(a: Any, b: Any) -> float:
    """Adjusted Rand index of two labellings (Hubert & Arabie 1985); 1 when both are one cluster."""
    a, b = np.asarray(a), np.asarray(b)
    if a.size != b.size:
        raise ValueError(f"adjusted_rand_index: labellings have {a.size} and {b.size} items; give equal lengths.")
    if a.size < 2:
        return 1.0
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    cont = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(cont, (ai, bi), 1)

    def comb2(v):
        return (v * (v - 1) / 2).sum()

    index = comb2(cont)
    sa, sb = comb2(cont.sum(axis=1)), comb2(cont.sum(axis=0))
    expected = sa * sb / comb2(np.array([a.size]))
    top = 0.5 * (sa + sb)
    if top == expected:
        return 1.0
    return float((index - expected) / (top - expected))


def flow_fractions(w: np.ndarray, assignment: np.ndarray) -> dict[str, float]:
    """Fractions of total flow within a layer, to the next (l -> l+1), skipping forward (l -> l+2 or more),
    back one layer and skipping back; over neurons with a layer (assignment >= 0)."""
    ok = assignment >= 0
    sub = w[np.ix_(ok, ok)]
    lab = assignment[ok]
    step = lab[None, :] - lab[:, None]
    total = sub.sum()
    names = ("within_fraction", "forward_fraction", "skip_forward_fraction", "backward_fraction",
             "skip_backward_fraction")
    if total <= 0:
        return dict.fromkeys(names, float("nan"))
    masks = (step == 0, step == 1, step >= 2, step == -1, step <= -2)
    return {n: float((sub * m).sum() / total) for n, m in zip(names, masks)}


@dataclass(frozen=True)
class LayersResult:
    """Layers found in the progression of a flow network.

    ``assignment`` gives each neuron's layer (0 = most upstream; -1 = no progression, e.g. no
    significant flow). Fractions are of the total significant flow among assigned neurons.
    ``gap``/``gap_sd``/``bic``/``silhouette`` are per candidate layer count 1..max_layers (None where the count
    exceeds the distinct values). ``pvalue`` tests "more than one layer" against the null.
    ``verdict`` answers "more than one layer?": "yes" (rejected at alpha), "no" (not rejected, and the
    test had at least :data:`MIN_POWER` power against the stated effect, :data:`EFFECT_SEPARATION`),
    "inconclusive" (not rejected, less power; ``power`` says how much) or "not available" (the test
    cannot run or cannot reject); ``reason`` says why in words and ``null_description`` which null.
    ``graph`` says which matrix the clustered progression rests on ("raw": every pair's flow, no
    significance mask; "significant": significant pairs only) and ``progression_description`` says
    it in words (method and matrix); ``f0`` and the flow fractions always use the significant pairs.
    """

    n_layers: int
    neurons: tuple[str, ...]
    assignment: tuple[int, ...]
    progression: tuple[float, ...]
    centres: tuple[float, ...]
    method: str
    criterion: str
    null: str
    n_null: int
    seed: int | None
    pvalue: float
    gap: tuple[float, ...]
    gap_sd: tuple[float, ...]
    bic: tuple[float, ...]
    silhouette: tuple[float, ...]
    n_layers_bic: int
    within_fraction: float
    forward_fraction: float
    skip_forward_fraction: float
    backward_fraction: float
    skip_backward_fraction: float
    f0: float
    notes: tuple[str, ...] = field(default=())
    verdict: str = "not available"
    reason: str = ""
    power: float = float("nan")
    null_description: str = ""
    graph: str = "raw"
    progression_description: str = ""

    @property
    def across_fraction(self) -> float:
        return 1.0 - self.within_fraction if math.isfinite(self.within_fraction) else float("nan")

    @property
    def skip_fraction(self) -> float:
        return self.skip_forward_fraction + self.skip_backward_fraction

    def to_dict(self) -> dict:
        """JSON-safe dict (NaN becomes None)."""
        d = asdict(self)
        d["across_fraction"] = self.across_fraction
        d["skip_fraction"] = self.skip_fraction
        return _json(d)


def describe_progression(method: str, graph: str, weight: str) -> str:
    """The progression a layer test rests on, in words (method and matrix)."""
    if method == "trophic" and graph == "significant":
        return f"trophic levels of the graph of significant {weight} flows (significance mask)"
    name = {"trophic": "trophic levels", "hodge": "HodgeRank potential", "springrank": "SpringRank"}[method]
    return f"{name} of the raw {weight} flow matrix (every pair, no significance mask)"


def _progression(fi, method, graph):
    """Unnormalised progression the layers rest on (trophic levels of the chosen matrix, else raw flow)."""
    if method == "trophic":
        return trophic_levels(fi.raw if graph == "raw" else fi.graph)
    return raw_progression(fi, method)


def _null_progressions(fi, method, null, n_null, rng, ridge, x=None, graph="raw"):
    if null == "uniform":
        yield from uniform_progressions(x, n_null, rng)
    elif method == "trophic":
        for g in null_graphs(fi.raw if graph == "raw" else fi.graph, null, n_null, rng):
            yield trophic_levels(g)[0]
    else:
        for r in null_raw(fi.raw, null, n_null, rng):
            yield hodge_potential(r - r.T, r + r.T)[0] if method == "hodge" else spring_rank(r, ridge)[0]


def _cluster_stats(x: np.ndarray, k_max: int, resolution: float):
    """One exact k-means pass -> per k = 1..k_max: log(W_k / W_1), resolved?, mean silhouette width.

    log(W_k/W_1) feeds the gap statistic; "resolved" means adjacent layer centres are at least
    ``resolution`` x the range apart; silhouettes follow Rousseeuw (1987), singletons scoring 0.
    Entries beyond the number of distinct values are NaN / False.
    """
    xs = np.sort(x)
    kk = min(k_max, len(np.unique(xs)))
    logr = np.full(k_max, np.nan)
    allowed = np.zeros(k_max, dtype=bool)
    sil = np.full(k_max, np.nan)
    allowed[0] = True
    wss, starts = kmeans_1d(xs, kk)
    if wss[0] <= 0:
        logr[0] = 0.0
        return logr, allowed, sil
    logr[:kk] = np.log(np.maximum(wss / wss[0], _FLOOR))
    span = xs[-1] - xs[0]
    dist = np.abs(xs[:, None] - xs[None, :])
    rows = np.arange(xs.size)
    for k in range(2, kk + 1):
        lab = np.zeros(xs.size, dtype=int)
        lab[starts[k - 1][1:]] = 1
        lab = np.cumsum(lab)
        sizes = np.bincount(lab, minlength=k)
        sums = np.stack([dist[:, lab == c].sum(axis=1) for c in range(k)], axis=1)
        centres = np.bincount(lab, weights=xs, minlength=k) / sizes
        allowed[k - 1] = np.diff(centres).min() >= resolution * span
        own = sizes[lab]
        a = np.where(own > 1, sums[rows, lab] / np.maximum(own - 1, 1), 0.0)
        other = sums / sizes[None, :]
        other[rows, lab] = np.inf
        b = other.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            width = np.where(own > 1, (b - a) / np.maximum(a, b), 0.0)
        sil[k - 1] = float(np.nan_to_num(width).mean())
    return logr, allowed, sil


def _best_silhouette(sil: np.ndarray, allowed: np.ndarray) -> float:
    """Largest mean silhouette over resolved counts k >= 2 (NaN if there is none)."""
    cand = np.where(allowed, sil, np.nan)[1:]
    return float(np.nanmax(cand)) if np.isfinite(cand).any() else float("nan")


def _select(x, null_iter, *, k_max, criterion, alpha, callback, n_null, resolution):
    """Choose the number of layers; returns (k, pvalue, gap, gap_sd, bic, k_bic)."""
    obs, allowed, sil = _cluster_stats(x, k_max, resolution)
    bic = _bic(x, k_max)
    k_bic = int(np.nanargmin(np.where(allowed, bic, np.nan))) + 1
    null = np.full((n_null, k_max), np.nan)
    t_null = np.full(n_null, np.nan)
    for b, h in enumerate(null_iter):
        hf = h[np.isfinite(h)]
        if hf.size >= 2:
            null[b], ok_b, sil_b = _cluster_stats(hf, k_max, resolution)
            t_null[b] = _best_silhouette(sil_b, ok_b)
        if callback is not None:
            callback(b + 1, n_null)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns where k exceeds distinct values
        mean = np.nanmean(null, axis=0)
        sd = np.nanstd(null, axis=0, ddof=1) * np.sqrt(1 + 1 / max(n_null, 1))
    gap = mean - obs
    valid = np.isfinite(gap)
    valid[0] = True
    gap[0], sd[0] = 0.0, 0.0
    if criterion == "bic":
        k_hat = k_bic
    elif criterion == "silhouette":
        cand = np.where(allowed, sil, np.nan)
        k_hat = int(np.nanargmax(cand)) + 1 if np.isfinite(cand).any() else 1
    else:
        # Dudoit & Fridlyand (2002) "globalSEmax": the smallest k whose gap is within one SE of the largest.
        # Only counts whose layers are resolved: within-layer spread can be tiny, and on a log scale
        # splitting a tight layer of 3 neurons in two always looks like a large improvement.
        g = np.where(valid & allowed, gap, -np.inf)
        best = int(np.argmax(g))
        k_hat = int(np.flatnonzero(g >= g[best] - np.nan_to_num(sd[best]))[0]) + 1
    # Is there more than one layer at all? One test for all counts: the best mean silhouette over k >= 2
    # against the same statistic of each null draw, so a random network reports one layer at rate <= alpha.
    # (A max-standardised-gap statistic was tried first: log(W_k/W_1) of 12-15 null values has a long lower
    # tail, which cost it power on clearly layered chains; silhouettes are bounded in [-1, 1].)
    t_obs = _best_silhouette(sil, allowed)
    ok = np.isfinite(t_null)
    pvalue = float((1 + np.sum(t_null[ok] >= t_obs - 1e-12)) / (ok.sum() + 1)) if np.isfinite(t_obs) else float("nan")
    if not (pvalue <= alpha):
        k_hat = 1
    return k_hat, pvalue, gap, np.where(valid, sd, np.nan), bic, k_bic, sil, t_null


def layer_test_power(n: int, t_null: np.ndarray, *, alpha: float, k_max: int, resolution: float,
                     rng: np.random.Generator, separation: float = EFFECT_SEPARATION,
                     n_draws: int = N_POWER_DRAWS) -> float:
    """Share of two-layer samples (centres ``separation`` SDs apart) the test against ``t_null`` rejects.

    ``t_null`` holds the statistic (best mean silhouette over k >= 2) of each null draw; a sample is
    rejected when its rank p-value against them is at most ``alpha``, as in the test itself.
    """
    ok = np.sort(t_null[np.isfinite(t_null)])
    if n < 3 or ok.size == 0:
        return 0.0
    sizes = (n // 2, n - n // 2)
    hits = 0
    for _ in range(n_draws):
        x = np.concatenate([rng.standard_normal(sizes[0]), separation + rng.standard_normal(sizes[1])])
        _, allowed, sil = _cluster_stats(x, min(k_max, n), resolution)
        t = _best_silhouette(sil, allowed)
        if np.isfinite(t):
            n_ge = ok.size - np.searchsorted(ok, t - 1e-12, side="left")
            hits += (1 + n_ge) / (ok.size + 1) <= alpha
    return hits / n_draws


def _verdict(k, pvalue, power, alpha, n_null, null):
    desc = NULL_DESCRIPTIONS[null]
    if k > 1:
        return "yes", (f"{k} layers; one layer rejected at p = {pvalue:.3g} <= alpha = {alpha:g} against "
                       f"{n_null} {desc}.")
    if power >= MIN_POWER:
        return "no", (f"one layer not rejected (p = {pvalue:.3g} > alpha = {alpha:g}), and the test finds two layers "
                      f"{EFFECT_SEPARATION:g} within-layer SDs apart with power {power:.2f} >= {MIN_POWER:g}.")
    return "inconclusive", (f"one layer not rejected (p = {pvalue:.3g} > alpha = {alpha:g}), but the test finds two "
                            f"layers {EFFECT_SEPARATION:g} within-layer SDs apart with power only {power:.2f} "
                            f"(< {MIN_POWER:g}) with this many neurons and null draws.")


def _assign(x, k):
    """Layer of each value (0 = lowest), and the centres."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    _, starts = kmeans_1d(xs, k)
    bounds = np.append(starts[k - 1], xs.size)
    lab = np.empty(x.size, dtype=int)
    centres = []
    for c in range(k):
        lab[order[bounds[c]:bounds[c + 1]]] = c
        centres.append(float(xs[bounds[c]:bounds[c + 1]].mean()))
    return lab, centres


def _layers_one(fi, *, method, criterion, max_layers, null, n_null, alpha, resolution, seed, rng, callback, func,
                graph="raw"):
    notes = []
    described = describe_progression(method, graph, fi.weight)
    h, _, _ = _progression(fi, method, graph)
    hn, _ = normalise(h, fi.roles)
    finite = np.isfinite(hn)
    x = hn[finite]
    f0 = incoherence(fi.graph, trophic_levels(fi.graph)[0])
    nan_k = (float("nan"),) * max_layers
    if (~finite).any():
        what = "no significant flow" if graph == "significant" else "no flow"
        msg = f"{func}: {int((~finite).sum())} neuron(s) without progression ({what}) get layer -1."
        notes.append(msg)
        warnings.warn(msg, InfoflowWarning, stacklevel=4)
    # Round-off spread (a symmetric graph's levels are 0 up to ~1e-16) is not a progression: normalised to [0, 1]
    # it would be clustered like any other values.
    flat = x.size < 3 or np.ptp(h[finite]) <= 1e-9 * max(1.0, float(np.abs(h[finite]).max()))
    if flat:
        msg = f"{func}: {x.size} neuron(s) with distinct progression; one layer reported."
        notes.append(msg)
        warnings.warn(msg, InfoflowWarning, stacklevel=4)
        assignment = np.where(finite, 0, -1)
        centres = (float(x.mean()),) if x.size else ()
        reason = (f"{x.size} neuron(s) with a progression" + ("" if x.size < 3 else ", all at the same value")
                  + ": layers cannot be told apart, so no test was run.")
        return LayersResult(1, tuple(fi.neurons), tuple(int(a) for a in assignment), tuple(float(v) for v in hn),
                            centres, method, criterion, null, n_null, seed, float("nan"), nan_k, nan_k, nan_k, nan_k, 1,
                            **flow_fractions(fi.graph, assignment), f0=f0, notes=tuple(notes),
                            verdict="not available", reason=reason, power=0.0,
                            null_description=NULL_DESCRIPTIONS[null], graph=graph, progression_description=described)
    k_max = min(max_layers, x.size)
    cannot_reject = 1.0 / (n_null + 1) > alpha
    if cannot_reject:
        msg = (f"{func}: with n_null={n_null} the smallest p-value is 1/{n_null + 1} > alpha={alpha}, so more than "
               f"one layer can never be reported. Use n_null >= {int(np.ceil(1 / alpha)) - 1}.")
        notes.append(msg)
        warnings.warn(msg, InfoflowWarning, stacklevel=4)
    k, pvalue, gap, sd, bic, k_bic, sil, t_null = _select(
        x, _null_progressions(fi, method, null, n_null, rng, DEFAULT_RIDGE, x, graph), k_max=k_max,
        criterion=criterion, alpha=alpha,
        callback=callback, n_null=n_null, resolution=resolution)
    if cannot_reject:
        power = 0.0
        verdict, reason = "not available", (f"with n_null={n_null} the smallest attainable p-value is 1/{n_null + 1} > "
                                             f"alpha = {alpha:g}, so more than one layer can never be reported.")
    else:
        power = layer_test_power(x.size, t_null, alpha=alpha, k_max=k_max, resolution=resolution, rng=rng)
        if np.isfinite(pvalue):
            verdict, reason = _verdict(k, pvalue, power, alpha, n_null, null)
        else:
            verdict, reason = "not available", (f"no count of layers >= 2 has centres at least resolution = "
                                                f"{resolution:g} of the progression range apart; nothing to test.")
    lab, centres = _assign(x, k)
    assignment = np.full(hn.size, -1)
    assignment[finite] = lab
    pad = (float("nan"),) * (max_layers - k_max)
    return LayersResult(int(k), tuple(fi.neurons), tuple(int(a) for a in assignment), tuple(float(v) for v in hn),
                        tuple(centres), method, criterion, null, n_null, seed, pvalue,
                        tuple(float(g) for g in gap) + pad, tuple(float(s) for s in sd) + pad,
                        tuple(float(b) for b in bic) + pad, tuple(float(v) for v in sil) + pad, k_bic,
                        **flow_fractions(fi.graph, assignment), f0=f0,
                        notes=tuple(notes), verdict=verdict, reason=reason, power=float(power),
                        null_description=NULL_DESCRIPTIONS[null], graph=graph, progression_description=described)


_CONSTRAINTS: dict[str, Sequence] = {  # one list of constraints per parameter
    "flow": [Anything()],
    "method": [Options(*METHODS)],
    "criterion": [Options(*CRITERIA)],
    "max_layers": [Interval(int, 1, None)],
    "null": [Options(*LAYER_NULLS)],
    "graph": [NoneOK(), Options(*GRAPHS)],
    "n_null": [Interval(int, 1, None)],
    "alpha": [Interval(float, 0, 1, closed="neither")],
    "resolution": [Interval(float, 0, 1, closed="left")],
    "seed": SEED_CONSTRAINTS,
    "roles": [NoneOK(), InstanceOf(list, tuple, np.ndarray)],
    "significant": [NoneOK(), Anything()],
    "weight": [Options(*WEIGHTS)],
    "epoch": [NoneOK(), InstanceOf(int, str)],
    "callback": [NoneOK(), CallableOK()],
}


@validate_params(_CONSTRAINTS)
def layers(flow: Any, *, method: str = "springrank", criterion: str = "silhouette", max_layers: int = 8,
           null: str = "uniform", n_null: int = DEFAULT_N_NULL_LAYERS, alpha: float = DEFAULT_ALPHA,
           resolution: float = 0.05, seed: Seed = DEFAULT_SEED, roles: Any = None, significant: Any = None,
           weight: str = "te", epoch: Any = None, callback: Callable[[int, int], Any] | None = None,
           graph: Any = None) -> LayersResult:
    """Group neurons into layers by progression and describe how flow runs between them.

    Parameters
    ----------
    flow : xarray.Dataset, xarray.DataArray or array-like of shape (N, N)
        As for :func:`progression`; with an ``epoch`` dim the last epoch unless ``epoch`` is given.
    method : {"springrank", "trophic", "hodge"}, default="springrank"
        Progression that is clustered (as :func:`progression` computes it, from the matrix ``graph``
        names). SpringRank of the raw flow matrix is the default because it is the one whose layer
        test stays at or below alpha on every unlayered family of the calibration and keeps its
        power on the layered ones (docs/concepts.md, "Calibration of the structure verdicts"):
        trophic levels of the significant pairs report layers on symmetric coupling seen through
        :func:`infoflow.flow.information_flow` (a pair often passes in one direction only), and
        trophic levels of the raw matrix place parallel chains joined only by estimation noise at
        arbitrary offsets, which SpringRank's ridge fixes.
    criterion : {"silhouette", "gap", "bic"}, default="silhouette"
        How the count is chosen among 2..max_layers: largest mean silhouette width (Rousseeuw
        1987); gap statistic against progressions of the null graphs, smallest count within one
        SE of the best (Dudoit & Fridlyand 2002); or BIC of a shared-variance 1-D Gaussian mixture.
        Whatever the criterion, more than one layer is reported only if a single test over all
        counts rejects "one layer" at ``alpha``: the best mean silhouette over k >= 2 against the
        same statistic of the progressions of null graphs (a gap-statistic-like comparison with
        the same null), so a random network reports one layer at rate <= alpha.
        ``n_layers_bic`` always gives BIC's own, untested choice for comparison.
    max_layers : int, default=8
        Largest count considered (also capped by the number of neurons).
    null : {"uniform", "rewire", "weights", "flip"}, default="uniform"
        Null model of the "more than one layer" test. ``"uniform"``: the progressions are replaced by
        values drawn uniformly over their observed range (the gap statistic's reference; the most
        cluster-prone unimodal law, so the test is conservative for unlayered networks and does not
        inherit layers from the graph). The graph nulls are those of :func:`directedness`; they keep
        sources and sinks (``"rewire"``) or the skeleton, so on layered or sparse graphs their
        progressions are layered too and the test loses its power (see docs/concepts.md). They act
        on the matrix ``graph`` names; on a complete raw matrix (``"hodge"``/``"springrank"``, or a
        raw matrix with no zero pair) ``"rewire"`` reduces to permuting weights.
    n_null : int, default=99
        Null draws.
    alpha : float, default=0.05
        Level of the "more than one layer" test.
    resolution : float, default=0.05
        Layers whose centres are closer than this fraction of the progression range are not told
        apart: counts that would need it are not considered (by either criterion).
    seed : int, Generator or None, default=0
    roles, significant, weight
        As for :func:`progression`. ``significant`` (or the Dataset's mask) selects the pairs behind
        ``f0`` and the flow fractions, and the progression only with ``graph="significant"``.
    epoch : int, str or None, default=None
    callback : callable(done, total) or None, default=None
        Progress over null draws.
    graph : {"raw", "significant"} or None, default=None
        Matrix the progression is computed from. ``"raw"``: every pair's flow, no significance
        mask; ``"significant"``: the significant pairs only (``method="trophic"`` only). None: the
        method's own, as in :func:`progression` (``"significant"`` for ``"trophic"``, the progression
        :func:`directedness` tests; ``"raw"`` for the others). Trophic levels of the raw matrix are
        SpringRank without its ridge. The result records the one used.

    Returns
    -------
    LayersResult
        ``n_layers``, per-neuron ``assignment`` (0 upstream ... n_layers-1; -1 none), ``centres``,
        the flow fractions within / forward / skipping forward / backward / skipping back,
        ``pvalue``, the per-count ``gap``, ``gap_sd``, ``bic`` and ``silhouette``, the ``verdict``
        ("yes", "no", "inconclusive", "not available"), its ``reason``, the test's ``power``
        against the stated effect, ``null_description``, and the ``graph`` and
        ``progression_description`` the progression rests on; ``.to_dict()`` is JSON-safe.

    References
    ----------
    Rousseeuw (1987) doi:10.1016/0377-0427(87)90125-7.
    Tibshirani, Walther & Hastie (2001) doi:10.1111/1467-9868.00293. Dudoit & Fridlyand (2002)
    doi:10.1186/gb-2002-3-7-research0036. Wang & Song (2011) Ckmeans.1d.dp, R Journal 3(2):29,
    doi:10.32614/RJ-2011-015. Schwarz (1978) doi:10.1214/aos/1176344136.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> w = np.zeros((9, 9))
    >>> for a in range(6):
    ...     w[a, (a // 3 + 1) * 3:(a // 3 + 2) * 3] = 1.0
    >>> layers(w + 0.01 * rng.random((9, 9)), n_null=49).n_layers
    3
    """
    func = "layers"
    graph = _check_graph(method, graph, func)
    rng = check_seed(seed)
    fi = read_flow(flow, weight=weight, roles=roles, significant=significant, func=func, epoch=epoch)
    return _layers_one(fi, method=method, criterion=criterion, max_layers=max_layers, null=null, n_null=n_null,
                       alpha=alpha, resolution=resolution, seed=seed if isinstance(seed, int) else None, rng=rng,
                       callback=callback, func=func, graph=graph)


def _check_graph(method, graph, func):
    """The matrix the progression rests on: ``graph``, or the method's own when None."""
    if graph is None:
        return "significant" if method == "trophic" else "raw"
    if graph == "significant" and method != "trophic":
        raise InvalidParameterError(f"{func}: graph='significant' needs method='trophic'; {method!r} always uses the "
                                    "raw flow matrix. Use graph='raw' or None.")
    return graph


@validate_params(_CONSTRAINTS)
def layers_by_epoch(flow: Any, *, method: str = "springrank", criterion: str = "silhouette", max_layers: int = 8,
                    null: str = "uniform", n_null: int = DEFAULT_N_NULL_LAYERS, alpha: float = DEFAULT_ALPHA,
                    resolution: float = 0.05, seed: Seed = DEFAULT_SEED, roles: Any = None, significant: Any = None,
                    weight: str = "te", epoch: Any = None, callback: Callable[[int, int], Any] | None = None,
                    graph: Any = None) -> xr.Dataset:
    """How layering changes over training: :func:`layers` on every epoch of the flow.

    Parameters are those of :func:`layers` (``epoch`` must be None: every epoch is analysed); each
    epoch uses a generator spawned from ``seed``, so epochs are independent and reproducible.

    Returns
    -------
    xarray.Dataset
        ``n_layers (epoch)``, ``f0 (epoch)`` trophic incoherence, ``pvalue (epoch)``,
        ``ari (epoch)`` adjusted Rand index of the layer assignment with the previous epoch over
        neurons assigned in both (NaN for the first epoch), ``layer (epoch, neuron)`` (-1: none).
    """
    import xarray as xr

    func = "layers_by_epoch"
    graph = _check_graph(method, graph, func)
    if epoch is not None:
        raise InvalidParameterError(f"{func}: epoch must be None (every epoch is analysed); use layers(epoch=...) "
                                    "for one epoch.")
    items = read_flow(flow, weight=weight, roles=roles, significant=significant, func=func, allow_epochs=True)
    if not isinstance(items, list):
        items = [(0, items)]
    base = check_seed(seed)
    gens = base.spawn(len(items))
    results = []
    for e, ((_lab, fi), g) in enumerate(zip(items, gens)):
        cb = None if callback is None else (lambda d, t, e=e: callback(e * t + d, len(items) * t))
        results.append(_layers_one(fi, method=method, criterion=criterion, max_layers=max_layers, null=null,
                                   n_null=n_null, alpha=alpha, resolution=resolution,
                                   seed=seed if isinstance(seed, int) else None, rng=g,
                                   callback=cb, func=func, graph=graph))
    assign = np.array([r.assignment for r in results])
    ari = [float("nan")]
    for a, b in zip(assign[:-1], assign[1:]):
        both = (a >= 0) & (b >= 0)
        ari.append(adjusted_rand_index(a[both], b[both]) if both.sum() >= 2 else float("nan"))
    fi = items[-1][1]
    coords = {"epoch": [lab for lab, _ in items], "neuron": fi.neurons}
    if fi.roles is not None:
        coords["role"] = ("neuron", fi.roles)
    return xr.Dataset(
        {"n_layers": ("epoch", [r.n_layers for r in results], {"long_name": "number of layers", "units": "1"}),
         "f0": ("epoch", [r.f0 for r in results], {"long_name": "trophic incoherence F0", "units": "1"}),
         "pvalue": ("epoch", [r.pvalue for r in results], {"long_name": "p-value of more than one layer",
                                                           "units": "1"}),
         "ari": ("epoch", ari, {"long_name": "adjusted Rand index with the previous epoch", "units": "1"}),
         "layer": (("epoch", "neuron"), assign, {"long_name": "layer (0 upstream, -1 none)", "units": "1"})},
        coords=coords,
        attrs={"method": method, "graph": graph, "progression": describe_progression(method, graph, weight),
               "criterion": criterion, "null": null, "n_null": int(n_null), "alpha": float(alpha),
               "weight": weight, "seed": seed if isinstance(seed, int) else "none"})
