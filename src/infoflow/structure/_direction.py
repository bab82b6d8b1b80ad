"""Direction of flow: do outputs sit downstream of hidden units and hidden of inputs, and how
directed is the network as a whole, against null models.

Pipeline place: ``flow`` -> **structure** -> ``report``; users call
:func:`infoflow.structure.directedness`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.special import comb
from scipy.stats import mannwhitneyu, norm

from infoflow._defaults import DEFAULT_ALPHA, DEFAULT_N_NULL, DEFAULT_SEED
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
from infoflow.structure._input import WEIGHTS, read_flow, reference_graphs
from infoflow.structure._null import NULL_DESCRIPTIONS, NULLS, null_graphs
from infoflow.structure._progression import (
    METHODS,
    downhill_fraction,
    incoherence,
    normalise,
    raw_progression,
    trophic_levels,
)

ROLE_PAIRS = (("input", "hidden"), ("hidden", "output"), ("input", "output"))
VERDICTS = ("yes", "no", "inconclusive", "not available")
MIN_POWER = 0.8
"""A test that fails to reject says "no" only with at least this power against the stated effect."""
ROLE_EFFECT = 0.5
"""Stated effect of a role test: Cliff's delta 0.5, i.e. a later-role neuron sits downstream of an
earlier-role one with probability 0.75."""
F0_EFFECT = 0.1
"""Stated effect of the direction test: F0 lower than the null's by 0.1 (a tenth of the way from
no preferred direction, F0 = 1, to perfectly layered, F0 = 0)."""


def _json(x):
    """NaN/inf -> None so the dict is strict JSON."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json(v) for v in x]
    if isinstance(x, np.generic):
        return _json(x.item())
    return x


@dataclass(frozen=True)
class RoleTest:
    """One-sided Mann-Whitney U test that role ``later`` sits further downstream than ``earlier``.

    ``cliffs_delta`` = P(later > earlier) - P(later < earlier), which equals the rank-biserial
    correlation of the U test (Cliff 1993; Kerby 2014): +1 every later neuron is downstream of every
    earlier one, 0 no shift, -1 reversed.
    """

    earlier: str
    later: str
    n_earlier: int
    n_later: int
    u: float
    pvalue: float
    cliffs_delta: float
    median_difference: float
    min_pvalue: float = float("nan")
    power: float = float("nan")
    verdict: str = "not available"
    reason: str = ""


@dataclass(frozen=True)
class NullComparison:
    """F0 and downhill fraction of one null family, with the observed values' p-values."""

    kind: str
    n: int
    f0_mean: float
    f0_pvalue: float
    downhill_mean: float
    downhill_pvalue: float


@dataclass(frozen=True)
class DirectednessResult:
    """How directed the flow network is.

    Attributes
    ----------
    f0 : float
        Trophic incoherence (MacKay et al. 2020): 0 perfectly layered, 1 no preferred direction.
    downhill_fraction : float
        Fraction of total significant flow running from lower to higher progression.
    nulls : tuple of NullComparison
        The model null (``null=``) first, then surrogate or epoch-0 references when given. A
        p-value is (1 + #null at least as extreme) / (n + 1); NaN for a single reference matrix.
    role_tests : tuple of RoleTest
        Input < hidden, hidden < output, input < output, for role pairs present.
    verdict, reason, power, null_description
        "Is the flow directed?" from the F0 test against the model null: "yes" (p <= alpha), "no"
        (not rejected with power >= :data:`MIN_POWER` against F0 lower by :data:`F0_EFFECT`),
        "inconclusive" (less power) or "not available" (no edges, or too few for the null graphs to
        differ from the most directed value: no p-value below alpha is attainable); why, in words;
        that power; which null.
    """

    f0: float
    downhill_fraction: float
    method: str
    weight: str
    null: str
    n_null: int
    seed: int | None
    nulls: tuple[NullComparison, ...]
    role_tests: tuple[RoleTest, ...]
    n_neurons: int
    n_edges: int
    notes: tuple[str, ...] = field(default=())
    alpha: float = DEFAULT_ALPHA
    verdict: str = "not available"
    reason: str = ""
    power: float = float("nan")
    null_description: str = ""

    @property
    def f0_pvalue(self) -> float:
        return self.nulls[0].f0_pvalue if self.nulls else float("nan")

    @property
    def downhill_pvalue(self) -> float:
        return self.nulls[0].downhill_pvalue if self.nulls else float("nan")

    def to_dict(self) -> dict:
        """JSON-safe dict (NaN becomes None)."""
        d = asdict(self)
        d["f0_pvalue"] = self.f0_pvalue
        d["downhill_pvalue"] = self.downhill_pvalue
        return _json(d)


def role_test_power(n1: int, n2: int, alpha: float, delta: float = ROLE_EFFECT) -> tuple[float, float]:
    """(smallest attainable one-sided p-value, power against Cliff's delta ``delta``) of the U test.

    The smallest p-value is the exact one without ties, 1 / C(n1 + n2, n1) (every later value above
    every earlier one). The power uses Noether's (1987) normal approximation of U under a shift
    with P(later > earlier) = (1 + delta) / 2, and is 0 when the smallest p-value exceeds alpha.
    """
    p_min = float(1.0 / comb(n1 + n2, n1, exact=True))
    if p_min > alpha:
        return p_min, 0.0
    sd0 = math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12.0)
    return p_min, float(norm.cdf(n1 * n2 * delta / 2.0 / sd0 - norm.ppf(1.0 - alpha)))


def _role_verdict(early, late, n1, n2, p, delta, p_min, power, alpha):
    if p_min > alpha:
        return "not available", (f"{n1} {early} and {n2} {late} neuron(s): even a perfect ordering gives p = "
                                 f"{p_min:.3g} > alpha = {alpha:g}, so this test cannot reach significance.")
    if p <= alpha:
        return "yes", f"{late} downstream of {early}: p = {p:.3g} <= alpha = {alpha:g}, Cliff's delta {delta:.2f}."
    if power >= MIN_POWER:
        return "no", (f"not significant (p = {p:.3g}); the test had power {power:.2f} to find Cliff's delta "
                      f"{ROLE_EFFECT:g}.")
    return "inconclusive", (f"not significant (p = {p:.3g}), but with {n1} and {n2} neurons the power to find "
                            f"Cliff's delta {ROLE_EFFECT:g} is only {power:.2f} (< {MIN_POWER:g}).")


def role_tests(h: np.ndarray, roles: list[str] | None, alpha: float = DEFAULT_ALPHA) -> tuple[RoleTest, ...]:
    """Mann-Whitney U (one-sided, later role greater) for each pair of roles present, with verdicts."""
    if roles is None:
        return ()
    r = np.asarray(roles)
    out = []
    for early, late in ROLE_PAIRS:
        x = h[(r == early) & np.isfinite(h)]
        y = h[(r == late) & np.isfinite(h)]
        if x.size == 0 or y.size == 0:
            continue
        res = mannwhitneyu(y, x, alternative="greater")
        u = float(res.statistic)
        delta = float(2.0 * u / (x.size * y.size) - 1.0)
        p_min, power = role_test_power(int(x.size), int(y.size), alpha)
        verdict, reason = _role_verdict(early, late, int(x.size), int(y.size), float(res.pvalue), delta, p_min, power,
                                        alpha)
        out.append(RoleTest(early, late, int(x.size), int(y.size), u, float(res.pvalue), delta,
                            float(np.median(y) - np.median(x)), p_min, power, verdict, reason))
    return tuple(out)


def _stats(w: np.ndarray) -> tuple[float, float]:
    h, _, _ = trophic_levels(w)
    return incoherence(w, h), downhill_fraction(w, h)


def _compare(kind, f0, down, null_f0, null_down) -> NullComparison:
    null_f0, null_down = np.asarray(null_f0), np.asarray(null_down)
    n = null_f0.size
    ok_f, ok_d = np.isfinite(null_f0), np.isfinite(null_down)
    if n < 2 or not np.isfinite(f0):
        pf = pd = float("nan")
    else:
        # Small F0 and large downhill fraction mean more direction; ties count against the network.
        pf = float((1 + np.sum(null_f0[ok_f] <= f0 + 1e-12)) / (ok_f.sum() + 1))
        pd = float((1 + np.sum(null_down[ok_d] >= down - 1e-12)) / (ok_d.sum() + 1))
    mf = float(np.mean(null_f0[ok_f])) if ok_f.any() else float("nan")
    md = float(np.mean(null_down[ok_d])) if ok_d.any() else float("nan")
    return NullComparison(kind, int(n), mf, pf, md, pd)


def _direction_verdict(f0, p, null_f0, n_edges, alpha, null):
    """(verdict, reason, power) of "is the flow directed?" from F0 against the model null's draws."""
    nf = np.sort(np.asarray(null_f0, dtype=float))
    nf = nf[np.isfinite(nf)]
    if n_edges == 0 or nf.size == 0 or not np.isfinite(f0):
        return "not available", "no significant edge, so no direction to test.", 0.0
    n = nf.size

    def pval(v):  # rank p-value of F0 = v against the draws, ties against the network as in _compare
        return (1 + np.searchsorted(nf, np.asarray(v) + 1e-12, side="right")) / (n + 1)

    best = float(pval(0.0))  # F0 = 0 is the most directed value any graph can have
    if best > alpha:
        return "not available", (f"with {n_edges} edge(s), {int(round(best * (n + 1))) - 1} of {n} null graphs are "
                                 f"as directed as any graph can be (F0 = 0), so the smallest attainable p-value is "
                                 f"{best:.3g} > alpha = {alpha:g}: the null has too little room to vary."), 0.0
    power = float(np.mean(pval(np.maximum(nf - F0_EFFECT, 0.0)) <= alpha))
    if p <= alpha:
        return "yes", f"F0 = {f0:.3g} against {n} {NULL_DESCRIPTIONS[null]}: p = {p:.3g} <= alpha = {alpha:g}.", power
    if power >= MIN_POWER:
        return "no", (f"F0 = {f0:.3g}, p = {p:.3g} > alpha = {alpha:g}; the test had power {power:.2f} to find F0 "
                      f"lower than the null's by {F0_EFFECT:g}."), power
    return "inconclusive", (f"F0 = {f0:.3g}, p = {p:.3g} > alpha = {alpha:g}, but the power to find F0 lower than the "
                            f"null's by {F0_EFFECT:g} is only {power:.2f} (< {MIN_POWER:g})."), power


def resolve_reference(reference, fi, func):
    """[(kind, graphs (K, N, N))] from ``reference=`` ("auto", "none" or matrices)."""
    if isinstance(reference, str):
        if reference not in ("auto", "none"):
            raise InvalidParameterError(f"{func}: reference must be 'auto', 'none' or an array of flow matrices; "
                                        f"got {reference!r}.")
        return list(fi.reference) if reference == "auto" else []
    return [("reference", reference_graphs(reference, fi, func))]


_CONSTRAINTS: dict[str, Sequence] = {  # one list of constraints per parameter
    "flow": [Anything()],
    "null": [Options(*NULLS)],
    "n_null": [Interval(int, 1, None)],
    "alpha": [Interval(float, 0, 1, closed="neither")],
    "seed": SEED_CONSTRAINTS,
    "method": [Options(*METHODS)],
    "reference": [Anything()],  # "auto" | "none" | matrices: checked by resolve_reference
    "roles": [NoneOK(), InstanceOf(list, tuple, np.ndarray)],
    "significant": [NoneOK(), Anything()],
    "weight": [Options(*WEIGHTS)],
    "epoch": [NoneOK(), InstanceOf(int, str)],
    "callback": [NoneOK(), CallableOK()],
}


@validate_params(_CONSTRAINTS)
def directedness(flow: Any, *, null: str = "rewire", n_null: int = DEFAULT_N_NULL, seed: Seed = DEFAULT_SEED,
                 method: str = "trophic", reference: str = "auto", roles: Any = None, significant: Any = None,
                 weight: str = "te", epoch: Any = None, callback: Callable[[int, int], Any] | None = None,
                 alpha: float = DEFAULT_ALPHA) -> DirectednessResult:
    """How directed the flow network is, and whether roles follow input -> hidden -> output.

    Parameters
    ----------
    flow : xarray.Dataset, xarray.DataArray or array-like of shape (N, N)
        As for :func:`progression`. With an ``epoch`` dim the last epoch is analysed unless
        ``epoch`` names one.
    null : {"rewire", "weights", "flip"}, default="rewire"
        Null model of the significant graph (see Notes).
    n_null : int, default=199
        Null graphs drawn; the smallest p-value is 1 / (n_null + 1).
    seed : int, Generator or None, default=0
        Seeds the null draws: same seed, same numbers.
    method : {"trophic", "hodge", "springrank"}, default="trophic"
        Progression used by the role tests. F0 and the downhill fraction always use trophic levels
        of the significant graph, where an edge's ideal level step is 1.
    reference : {"auto", "none"} or array-like of shape (n_surrogate, N, N) or (N, N), default="auto"
        Extra null matrices: surrogate-based flow matrices, or the untrained network's. "auto"
        uses epoch 0 when the flow has several epochs and ``<weight>_surrogate`` (dim
        ``surrogate``) when the Dataset holds it.
    roles, significant, weight
        As for :func:`progression`.
    epoch : int, str or None, default=None
        Which epoch to analyse (default: the last).
    callback : callable(done, total) or None, default=None
        Progress over null draws.
    alpha : float, default=0.05
        Level at which the verdicts ("yes", "no", "inconclusive", "not available") are given.

    Returns
    -------
    DirectednessResult
        F0, downhill fraction, their null comparisons and p-values, role tests, the verdict on
        direction with its reason and power; ``.to_dict()`` gives JSON-safe values.

    Notes
    -----
    F0 and the downhill fraction are fitted to the network they describe, so even a random
    network looks somewhat directed (F0 < 1, downhill > 0.5); only the comparison with a null
    says whether the direction is real. ``"rewire"`` keeps every in/out degree and the weights'
    distribution; ``"flip"`` keeps the undirected weighted graph (so a symmetric matrix is exactly
    its own null, p = 1); ``"weights"`` keeps the binary graph. Role tests use the Mann-Whitney U
    test and so are exact only without ties; with one neuron per role the p-value cannot go below
    1/(n+1) of the other role's size.

    References
    ----------
    MacKay, Johnson & Sansom (2020) doi:10.1098/rsos.201138. Maslov & Sneppen (2002) Science
    296:910, doi:10.1126/science.1065103. Mann & Whitney (1947) doi:10.1214/aoms/1177730491.
    Cliff (1993) doi:10.1037/0033-2909.114.3.494.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.diag(np.ones(5), k=1)  # a chain of 6 neurons
    >>> res = directedness(w, n_null=19)
    >>> round(res.f0, 3), res.downhill_fraction
    (0.0, 1.0)
    """
    func = "directedness"
    rng = check_seed(seed)
    fi = read_flow(flow, weight=weight, roles=roles, significant=significant, func=func, epoch=epoch)
    notes = []
    refs = resolve_reference(reference, fi, func)
    w = fi.graph
    n_edges = int((w > 0).sum())
    if n_edges == 0:
        msg = f"{func}: the flow graph has no significant edge; direction is undefined (NaN)."
        warnings.warn(msg, InfoflowWarning, stacklevel=3)
        notes.append(msg)
    f0, down = _stats(w)
    total = n_null + sum(r[1].shape[0] for r in refs)
    done = 0
    nf, nd = [], []
    if n_edges:
        for g in null_graphs(w, null, n_null, rng):
            a, b = _stats(g)
            nf.append(a)
            nd.append(b)
            done += 1
            if callback is not None:
                callback(done, total)
    comps = [_compare(null, f0, down, nf, nd)]
    for kind, stack in refs:
        rf, rd = zip(*(_stats(g) for g in stack))
        done += stack.shape[0]
        if callback is not None:
            callback(done, total)
        if stack.shape[0] == 1:
            notes.append(f"{func}: one {kind} matrix gives a comparison value but no p-value.")
        comps.append(_compare(kind, f0, down, rf, rd))
    h, _, _ = raw_progression(fi, method)
    tests = role_tests(normalise(h, fi.roles)[0], fi.roles, alpha)
    verdict, reason, power = _direction_verdict(f0, comps[0].f0_pvalue, nf, n_edges, alpha, null)
    if fi.roles is None:
        notes.append(f"{func}: no roles given, so no role tests.")
    return DirectednessResult(f0=f0, downhill_fraction=down, method=method, weight=weight, null=null, n_null=n_null,
                              seed=seed if isinstance(seed, int) else None, nulls=tuple(comps), role_tests=tests,
                              n_neurons=len(fi.neurons), n_edges=n_edges, notes=tuple(notes), alpha=float(alpha),
                              verdict=verdict, reason=reason, power=power, null_description=NULL_DESCRIPTIONS[null])
