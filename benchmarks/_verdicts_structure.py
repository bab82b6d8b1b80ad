"""Calibration of the structure verdicts and of the flow p-values on known-answer systems.

For each verdict ("layers: more than one", "direction", "role order", the flow p-values) and each
family of systems with a known answer, the share of draws that answer "yes". Families without an
effect (``effect`` False) must say "yes" at most at alpha within Monte Carlo error; families with
one show the power. Several generators, sizes, densities, noise levels and seeds; none is tuned to.

``calibrate(n_draws, seed)`` returns one row per (verdict, family) with keys ``verdict``, ``family``,
``effect``, ``draws``, ``yes``, ``rate``, ``mc_se`` (binomial standard error of the rate), ``alpha``
and ``detail``. ``benchmarks/verdicts.py`` imports it; ``python benchmarks/_verdicts_structure.py
--draws 100`` prints the table (docs/concepts.md, "Calibration of the structure verdicts").
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from collections.abc import Callable

import numpy as np
from scipy import stats

ALPHA = 0.05
N_NULL = 99


# --------------------------------------------------------------------------- weighted flow graphs
def random_directed(rng: np.random.Generator, sparse: bool) -> dict:
    """Erdos-Renyi directed graph, iid exponential weights: no layers, no direction."""
    n = int(rng.integers(10, 41))
    density = rng.uniform(0.12, 0.3) if sparse else rng.uniform(0.5, 0.95)
    w = rng.exponential(size=(n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(w, 0.0)
    return {"w": w}


def symmetric(rng: np.random.Generator) -> dict:
    """Symmetric coupling seen through estimation noise (multiplicative, 2-20%): no layers, no direction."""
    n = int(rng.integers(10, 31))
    a = rng.exponential(size=(n, n)) * (rng.random((n, n)) < rng.uniform(0.3, 0.8))
    w = np.triu(a, 1)
    w = w + w.T
    w = np.clip(w * (1.0 + rng.uniform(0.02, 0.2) * rng.standard_normal((n, n))), 0.0, None)
    np.fill_diagonal(w, 0.0)
    return {"w": w}


def _labels(depth: int, width: int) -> np.ndarray:
    return np.repeat(np.arange(depth), width)


def _roles(lab: np.ndarray) -> list[str]:
    top = lab.max()
    return ["input" if v == 0 else "output" if v == top else "hidden" for v in lab]


def chain(rng: np.random.Generator) -> dict:
    """``width`` parallel chains of ``depth`` units (unit u of layer l drives unit u of layer l + 1)."""
    depth, width = int(rng.integers(3, 6)), int(rng.integers(2, 6))
    lab = _labels(depth, width)
    n = lab.size
    w = np.zeros((n, n))
    idx = np.arange(n - width)
    w[idx, idx + width] = rng.uniform(0.7, 1.3, idx.size)
    return {"w": w, "depth": depth, "roles": _roles(lab)}


def layered_dag(rng: np.random.Generator) -> dict:
    """Every unit of layer l drives every unit of layer l + 1, plus weak U(0, noise) flow everywhere."""
    depth, width = int(rng.integers(3, 7)), int(rng.integers(2, 6))
    lab = _labels(depth, width)
    w = np.where(lab[None, :] == lab[:, None] + 1, rng.uniform(0.7, 1.3, (lab.size, lab.size)), 0.0)
    w = w + rng.uniform(0.0, 0.1) * rng.random(w.shape)
    np.fill_diagonal(w, 0.0)
    return {"w": w, "depth": depth, "roles": _roles(lab)}


def five_layers_shared_role(rng: np.random.Generator) -> dict:
    """Five layers whose three hidden layers share the role "hidden"; flow between layers only (the
    significance mask of a recording), width 2-4, one or all units of the layer before as drivers."""
    width = int(rng.integers(2, 5))
    lab = _labels(5, width)
    n = lab.size
    nxt = lab[None, :] == lab[:, None] + 1
    if rng.random() < 0.5:
        nxt &= (np.arange(n)[None, :] - np.arange(n)[:, None]) == width  # one-to-one
    w = np.where(nxt, rng.uniform(0.5, 1.5, (n, n)), 0.0)
    return {"w": w, "depth": 5, "roles": _roles(lab)}


def random_roles(rng: np.random.Generator) -> dict:
    """A random directed graph with roles assigned at random: no role order."""
    g = random_directed(rng, sparse=False)
    n = g["w"].shape[0]
    n_in, n_out = int(rng.integers(2, 9)), int(rng.integers(2, 9))
    roles = np.array(["hidden"] * n, dtype=object)
    pick = rng.permutation(n)
    roles[pick[:n_in]] = "input"
    roles[pick[n_in:n_in + n_out]] = "output"
    return {"w": g["w"], "roles": list(roles)}


# --------------------------------------------------------------------------- simulated activity
def _var(rng: np.random.Generator, a: np.ndarray, n_time: int) -> np.ndarray:
    n = a.shape[0]
    x = np.zeros((n_time + 100, n))
    e = rng.standard_normal(x.shape)
    for t in range(x.shape[0] - 1):
        x[t + 1] = np.tanh(0.3 * x[t] + x[t] @ a) + e[t + 1]
    return x[100:]


def _flow(x: np.ndarray, seed: int):
    from infoflow.flow import information_flow

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return information_flow(x, lags=1, surrogates=50, method="gaussian_copula", scheduler="inprocess", seed=seed)


def var_symmetric(rng: np.random.Generator, steps: tuple[int, int] = (800, 2001)) -> dict:
    """Activity of a network with symmetric coupling, through information_flow (copula, 50 surrogates)."""
    n = int(rng.integers(8, 15))
    a = rng.normal(0.0, 1.0, (n, n)) * (rng.random((n, n)) < 0.4)
    a = np.triu(a, 1)
    a = a + a.T
    a *= rng.uniform(0.4, 0.8) / max(float(np.abs(np.linalg.eigvalsh(a)).max()), 1e-9)
    return {"w": _flow(_var(rng, a, int(rng.integers(*steps))), int(rng.integers(2**31)))}


def var_random_directed(rng: np.random.Generator) -> dict:
    """Activity of a network with random directed coupling (a_ij and a_ji drawn independently; no layers),
    through information_flow (copula, 50 surrogates)."""
    n = int(rng.integers(8, 15))
    a = rng.normal(0.0, 1.0, (n, n)) * (rng.random((n, n)) < 0.4)
    np.fill_diagonal(a, 0.0)
    a *= rng.uniform(0.4, 0.8) / max(float(np.abs(np.linalg.eigvals(a)).max()), 1e-9)
    return {"w": _flow(_var(rng, a, int(rng.integers(800, 2001))), int(rng.integers(2**31)))}


def var_layered(rng: np.random.Generator) -> dict:
    """Activity of a 5-layer feed-forward network (hidden layers share a role) through information_flow."""
    width = int(rng.integers(2, 4))
    lab = _labels(5, width)
    n = lab.size
    a = np.where(lab[None, :] == lab[:, None] + 1, rng.uniform(0.8, 1.2, (n, n)) / np.sqrt(width), 0.0)
    return {"w": _flow(_var(rng, a, 1500), int(rng.integers(2**31))), "depth": 5, "roles": _roles(lab)}


def var_layered_short(rng: np.random.Generator) -> dict:
    """Activity of a 3-5-layer feed-forward network, weaker coupling and shorter recordings (partial power
    per pair: the significance mask misses some true flows), through information_flow."""
    depth, width = int(rng.integers(3, 6)), int(rng.integers(2, 5))
    lab = _labels(depth, width)
    n = lab.size
    gain = rng.uniform(0.5, 1.0)
    a = np.where(lab[None, :] == lab[:, None] + 1, gain * rng.uniform(0.8, 1.2, (n, n)) / np.sqrt(width), 0.0)
    return {"w": _flow(_var(rng, a, int(rng.integers(400, 1501))), int(rng.integers(2**31))), "depth": depth,
            "roles": _roles(lab)}


def var_chains(rng: np.random.Generator) -> dict:
    """Activity of 2-4 parallel chains of 3-5 units (unit u of layer l drives unit u of layer l + 1; the chains
    are joined by nothing but estimation noise), 800-2000 steps, through information_flow."""
    depth, width = int(rng.integers(3, 6)), int(rng.integers(2, 5))
    n = depth * width
    a = np.zeros((n, n))
    idx = np.arange(n - width)
    a[idx, idx + width] = rng.uniform(0.8, 1.2, idx.size)
    return {"w": _flow(_var(rng, a, int(rng.integers(800, 2001))), int(rng.integers(2**31))), "depth": depth,
            "roles": _roles(_labels(depth, width))}


# --------------------------------------------------------------------------- verdicts
def _layers(null: str = "uniform", method: str | None = None, graph: str | None = None
            ) -> Callable[[dict, int], tuple[bool, bool]]:
    """The layer test; ``method``/``graph`` None: the library's defaults (what analyze_structure uses)."""
    def run(g: dict, seed: int) -> tuple[bool, bool]:
        from infoflow.structure import layers

        kw = {k: v for k, v in (("method", method), ("graph", graph)) if v is not None}
        res = layers(g["w"], roles=g.get("roles"), null=null, n_null=N_NULL, alpha=ALPHA, seed=seed, **kw)
        return res.n_layers > 1, res.n_layers == g.get("depth", 1)
    return run


def _direction(g: dict, seed: int) -> tuple[bool, bool]:
    from infoflow.structure import directedness

    res = directedness(g["w"], n_null=N_NULL, seed=seed, alpha=ALPHA, reference="none")
    return res.verdict == "yes", res.verdict in ("yes", "no")


def _role_order(g: dict, seed: int) -> tuple[bool, bool]:
    from infoflow.structure import directedness

    res = directedness(g["w"], roles=g["roles"], n_null=9, seed=seed, alpha=ALPHA, reference="none")
    t = {(r.earlier, r.later): r for r in res.role_tests}[("input", "output")]
    return t.verdict == "yes", t.verdict in ("yes", "no")


def _short_noise(rng: np.random.Generator, seed: int) -> tuple[bool, bool]:
    """10 neurons x 30 steps of noise: does any pair come out significant? (second: refused as too short)"""
    try:
        ds = _flow(rng.standard_normal((30, 10)), seed)
    except ValueError:  # the autocorrelation time asks for a minimum shift that leaves no admissible shift
        return False, True
    return bool(ds["significant"].values.any()), False


def _coupled(rng: np.random.Generator, seed: int, n_time: int = 400) -> tuple[bool, bool]:
    """10 neurons x ``n_time`` steps, neuron 0 drives neuron 1 (0.6): is that pair significant?"""
    x = rng.standard_normal((n_time, 10))
    x[1:, 1] += 0.6 * x[:-1, 0]
    return bool(_flow(x, seed)["significant"].values[0, 1]), False


# --------------------------------------------------------------------------- the tracked KSG flow
def _independent_units(rng: np.random.Generator, n_time: int, phi: tuple[float, float], gain: float | None,
                       n_unit: int = 8, coupling: float = 0.0, square: bool = False) -> np.ndarray:
    """AR(1) units (coefficients drawn in `phi`), unit 0 driving unit 1 with `coupling` when given
    (through its square minus its variance when `square`: a non-monotone link that rank
    correlations do not see), through tanh(gain .) when `gain` (saturated units, as trained tanh
    networks produce)."""
    a = rng.uniform(*phi, n_unit)
    x = np.zeros((n_time + 200, n_unit))
    e = rng.standard_normal(x.shape)
    var0 = 1.0 / (1.0 - a[0] ** 2)
    for t in range(1, x.shape[0]):
        x[t] = a * x[t - 1] + e[t]
        x[t, 1] += coupling * ((x[t - 1, 0] ** 2 - var0) / np.sqrt(2.0) / var0 if square else x[t - 1, 0])
    x = x[200:] / x[200:].std(axis=0)
    return np.tanh(gain * x) if gain else x


def _tracked_flow(x: np.ndarray, seed: int, method: str, surrogates: int):
    """``infoflow run``'s tracked flow (its lags and alpha) with `method` and `surrogates`."""
    from infoflow.flow import information_flow
    from infoflow.pipeline import RunOptions

    o = RunOptions()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return information_flow(x, method=method, lags=o.lags, surrogates=surrogates, alpha=o.alpha,
                                scheduler="inprocess", seed=seed)


KSG_FAMILIES = {
    "independent AR(1) units (phi 0.3-0.9), 8 x 800": (lambda r: _independent_units(r, 800, (0.3, 0.9), None), False),
    "independent saturated units tanh(3 AR(1)), 8 x 800":
        (lambda r: _independent_units(r, 800, (0.3, 0.9), 3.0), False),
    "independent slow saturated units tanh(2.5 AR(0.95-0.98)), 8 x 1500":
        (lambda r: _independent_units(r, 1500, (0.95, 0.98), 2.5), False),
    "unit 0 drives unit 1 (0.5), AR(1) units, 8 x 2000":
        (lambda r: _independent_units(r, 2000, (0.3, 0.9), None, coupling=0.5), True),
    "unit 0 drives unit 1 (0.3), AR(1) units, 8 x 2000":
        (lambda r: _independent_units(r, 2000, (0.3, 0.9), None, coupling=0.3), True),
    "unit 0 drives unit 1 (0.5), saturated tanh(3 .), 8 x 2000":
        (lambda r: _independent_units(r, 2000, (0.3, 0.9), 3.0, coupling=0.5), True),
    "unit 0 drives unit 1 through its square (0.7, non-monotone), AR(1) units, 8 x 2000":
        (lambda r: _independent_units(r, 2000, (0.3, 0.9), None, coupling=0.7, square=True), True),
}
"""Families of the tracked-flow rows: null ones (is any pair significant?) and one known link (is it?).
The links are on 2,000 steps: a circular-shift p-value is at least 1 / (distinct shifts + 1), and on
800 steps that floor (about 1/740) is above what BH needs for one link among 56 pairs (0.05 / 56),
at any number of surrogates and with either estimator (docs/concepts.md, "Resolution arithmetic")."""


def _tracked_rows(n_draws: int, seed: int) -> list[dict]:
    """The tracked flow's verdicts with the run's default estimator and surrogates, with KSG at 50
    surrogates and with the Gaussian copula at 50 (the tracked default before issue 17) beside them."""
    from infoflow.pipeline import RunOptions

    o = RunOptions()
    settings = [(o.track_method, o.track_surrogates), ("ksg", 50), ("gaussian_copula", 50)]
    rows = []
    for fam, (make, effect) in KSG_FAMILIES.items():
        g = np.random.default_rng([seed, sum(map(ord, fam))])
        systems = [make(g) for _ in range(n_draws)]
        for method, surr in dict.fromkeys(settings):
            yes = used = false = 0
            for d, x in enumerate(systems):
                ds = _tracked_flow(x, d, method, surr)
                sig = ds["significant"].values
                yes += bool(sig[0, 1]) if effect else bool(sig.any())
                false += int(sig.sum() - sig[0, 1]) if effect else 0
                used += int(ds["n_surrogates"].values.sum()) if "n_surrogates" in ds else 0
            n_pair = x.shape[1] * (x.shape[1] - 1)
            drawn = f"{used / (n_draws * n_pair):.1f} surrogates per pair" if used else "every surrogate"
            default = (method, surr) == settings[0]
            rows.append(_row("tracked flow: link 0 -> 1 significant" if effect else
                             "tracked flow: any pair significant", fam, effect, n_draws, yes, ALPHA,
                             f"information_flow, {'KSG' if method == 'ksg' else 'copula'}, lags 1-3, {surr} "
                             f"surrogates{' (the run default)' if default else ''}, BH at alpha; {drawn}"
                             + (f"; {false} of {n_draws * (n_pair - 1)} unlinked pairs significant" if effect else "")))
    return rows


TAIL_NULLS = {
    "normal": lambda r, s: r.standard_normal(s),
    "chi-square(1)": lambda r, s: r.chisquare(1, s),
    "chi-square(3)": lambda r, s: r.chisquare(3, s),
    "Student t(3)": lambda r, s: r.standard_t(3, s),
    "Student t(10)": lambda r, s: r.standard_t(10, s),
    "generalised Pareto 0.1": lambda r, s: stats.genpareto.rvs(0.1, size=s, random_state=r),
    "generalised Pareto 0.3": lambda r, s: stats.genpareto.rvs(0.3, size=s, random_state=r),
    "generalised Pareto 0.5": lambda r, s: stats.genpareto.rvs(0.5, size=s, random_state=r),
    "lognormal(0, 1)": lambda r, s: r.lognormal(0.0, 1.0, s),
}
"""Null families of the per-pair p-value rows: light, exponential-type and heavy tails (shape up to 0.5)."""
TAIL_CALL = 900
"""Pairs per ``pvalues`` call in the tail rows (one recording's pairs: they pool their tail shape)."""


def _tail_rate(draw, n_pair: int, n_surr: int, levels: tuple[float, ...]) -> list[int]:
    from infoflow.flow._significance import pvalues

    hits = np.zeros(len(levels), dtype=np.int64)
    for start in range(0, n_pair, TAIL_CALL):
        m = min(TAIL_CALL, n_pair - start)
        p = pvalues(draw(m), draw((n_surr, m)), kind="fit")["pvalue"]
        hits += [int(np.sum(p <= lv)) for lv in levels]
    return hits.tolist()


def _tail_rows(n_draws: int, rng: np.random.Generator) -> list[dict]:
    """Per-pair rejection rates of the fitted-tail p-value against known nulls, and its power.

    100 surrogates: 2,000 x n_draws null pairs per family, at 0.05, 1e-3 and 1e-4; 20 and 1,000
    surrogates: 200 x n_draws pairs for three families at 0.05 and 1e-3. Pairs come in calls of
    :data:`TAIL_CALL` (they pool their tail shape, as one recording's pairs do). Power: one pair whose
    true tail probability is 1e-6 among 89 null pairs (chi-square(1) and normal nulls), Benjamini-Hochberg
    at alpha = 0.05 (it needs p <= 0.05 / 90), 2 x n_draws recordings.
    """
    from infoflow.flow._significance import fdr, pvalues

    rows = []
    plan = [(100, 2000 * n_draws, (0.05, 1e-3, 1e-4), list(TAIL_NULLS))]
    plan += [(s, 200 * n_draws, (0.05, 1e-3), ["chi-square(1)", "Student t(3)", "generalised Pareto 0.5"])
             for s in (20, 1000)]
    for n_surr, n_pair, levels, fams in plan:
        for fam in fams:
            hits = _tail_rate(lambda size, f=TAIL_NULLS[fam]: f(rng, size), n_pair, n_surr, levels)
            for level, yes in zip(levels, hits):
                rows.append(_row(f"flow p-value <= {level:g} (fitted tail, per pair)", f"{fam} null", False, n_pair,
                                 yes, level, f"{n_surr} surrogates; tail fitted beyond the largest one, "
                                 f"shape pooled over {TAIL_CALL} pairs"))
    for fam, isf in (("chi-square(1)", lambda q: stats.chi2.isf(q, 1)), ("normal", stats.norm.isf)):
        found = 0
        for _ in range(2 * n_draws):
            null, obs = TAIL_NULLS[fam](rng, (100, 90)), TAIL_NULLS[fam](rng, 90)
            obs[0] = isf(1e-6)
            found += int(fdr(pvalues(obs, null, kind="fit")["pvalue"], ALPHA)[1][0])
        rows.append(_row("flow: true pair significant (fitted tail, BH over 90 pairs)",
                         f"{fam} null, one pair at true tail probability 1e-6", True, 2 * n_draws, found, ALPHA,
                         "100 surrogates; BH needs p <= 0.05/90"))
    return rows


def _row(verdict, family, effect, draws, yes, alpha, detail="") -> dict:
    rate = yes / draws if draws else float("nan")
    return {"verdict": verdict, "family": family, "effect": bool(effect), "draws": int(draws), "yes": int(yes),
            "rate": rate, "mc_se": math.sqrt(rate * (1 - rate) / draws) if draws else float("nan"),
            "alpha": alpha, "detail": detail}


FAMILIES = {
    "random directed, sparse (n 10-40, density 0.12-0.3)": (lambda r: random_directed(r, True), False),
    "random directed, dense (n 10-40, density 0.5-0.95)": (lambda r: random_directed(r, False), False),
    "symmetric coupling + 2-20% estimation noise (n 10-30)": (symmetric, False),
    "symmetric-coupling network, activity -> information_flow": (var_symmetric, False),
    "symmetric-coupling network, 300-800 steps, activity -> information_flow":
        (lambda r: var_symmetric(r, (300, 801)), False),
    "random directed coupling network, activity -> information_flow": (var_random_directed, False),
    "parallel chains (3-5 layers x 2-5 units, one-to-one)": (chain, True),
    "layered DAG (3-6 layers x 2-5 units) + weak flow everywhere": (layered_dag, True),
    "5 layers, hidden layers share one role": (five_layers_shared_role, True),
    "5-layer network, activity -> information_flow": (var_layered, True),
    "parallel chains (3-5 layers x 2-4 units), activity -> information_flow": (var_chains, True),
    "3-5-layer network, weaker coupling, 400-1500 steps, activity -> information_flow": (var_layered_short, True),
}
_ACTIVITY = [f for f in FAMILIES if "activity" in f]
PLAN = [
    ("layers: more than one", _layers(), list(FAMILIES)),
    ("layers: more than one (old default: trophic levels of the significant pairs)",
     _layers("uniform", "trophic", "significant"),
     [*_ACTIVITY, "parallel chains (3-5 layers x 2-5 units, one-to-one)", "5 layers, hidden layers share one role"]),
    ("layers: more than one (trophic levels of the raw flow, no mask)", _layers("uniform", "trophic", "raw"),
     _ACTIVITY),
    ("layers: more than one (old rewire null, trophic)", _layers("rewire", "trophic"),
     ["random directed, dense (n 10-40, density 0.5-0.95)", "symmetric coupling + 2-20% estimation noise (n 10-30)",
      "parallel chains (3-5 layers x 2-5 units, one-to-one)"]),
    ("direction", _direction,
     ["random directed, sparse (n 10-40, density 0.12-0.3)", "random directed, dense (n 10-40, density 0.5-0.95)",
      "symmetric coupling + 2-20% estimation noise (n 10-30)",
      "symmetric-coupling network, activity -> information_flow",
      "layered DAG (3-6 layers x 2-5 units) + weak flow everywhere",
      "5-layer network, activity -> information_flow"]),
    ("role order", _role_order, ["random roles on a random directed graph",
                                 "layered DAG (3-6 layers x 2-5 units) + weak flow everywhere"]),
]
FAMILIES["random roles on a random directed graph"] = (random_roles, False)


def calibrate(n_draws: int = 100, seed: int = 0, callback: Callable[[str], None] | None = None) -> list[dict]:
    """False-alarm rate and power of every structure verdict and of the flow p-values.

    Parameters
    ----------
    n_draws : int, default=100
        Systems drawn per (verdict, family); the per-pair tail rows use 200 x n_draws pairs.
    seed : int, default=0
        Same seed, same table.
    callback : callable(str) or None
        Called with each finished row's verdict and family (progress).

    Returns
    -------
    list of dict
        One row per (verdict, family): ``verdict``, ``family``, ``effect``, ``draws``, ``yes``,
        ``rate``, ``mc_se``, ``alpha``, ``detail``.
    """
    cache: dict[str, list[dict]] = {}
    rows = []
    for verdict, run, fams in PLAN:
        for fam in fams:
            make, effect = FAMILIES[fam]
            if fam not in cache:  # every verdict sees the same systems of a family
                g = np.random.default_rng([seed, sum(map(ord, fam))])
                cache[fam] = [make(g) for _ in range(n_draws)]
            yes = exact = 0
            for d, system in enumerate(cache[fam]):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    y, e = run(system, d)
                yes += y
                exact += e
            detail = ""
            if verdict.startswith("layers") and effect:
                detail = f"exact layer count in {exact}/{n_draws}"
            elif verdict in ("direction", "role order"):
                detail = f"'yes' or 'no' (not inconclusive / not available) in {exact}/{n_draws}"
            rows.append(_row(verdict, fam, effect, n_draws, yes, ALPHA, detail))
            if callback is not None:
                callback(_table(rows[-1:]).splitlines()[-1])
    for name, fn, effect in (("pure noise, 10 neurons x 30 steps (11 distinct shifts)", _short_noise, False),
                             ("one coupled pair (0.6), 10 neurons x 400 steps", _coupled, True),
                             ("one coupled pair (0.6), 10 neurons x 2000 steps",
                              lambda r, d: _coupled(r, d, 2000), True)):
        g = np.random.default_rng([seed, sum(map(ord, name))])
        got = [fn(g, d) for d in range(n_draws)]
        yes, refused = sum(y for y, _ in got), sum(r for _, r in got)
        rows.append(_row("flow: any pair significant" if not effect else "flow: coupled pair significant", name,
                         effect, n_draws, yes, ALPHA, "information_flow, copula, 50 surrogates, BH at alpha"
                         + (f"; {refused} refused as too short" if refused else "")))
        if callback is not None:
            callback(_table(rows[-1:]).splitlines()[-1])
    rows.extend(_tail_rows(n_draws, np.random.default_rng([seed, 7])))
    for row in _tracked_rows(n_draws, seed):
        rows.append(row)
        if callback is not None:
            callback(_table([row]).splitlines()[-1])
    return rows


def _table(rows: list[dict]) -> str:
    head = "| verdict | family | effect | draws | yes | rate | MC se | alpha | detail |"
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        lines.append(f"| {r['verdict']} | {r['family']} | {'yes' if r['effect'] else 'no'} | {r['draws']} | {r['yes']} "
                     f"| {r['rate']:.3f} | {r['mc_se']:.3f} | {r['alpha']:g} | {r['detail']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    out = calibrate(args.draws, args.seed, callback=lambda s: print(f"  done: {s} ({time.perf_counter() - t0:.0f} s)",
                                                                   flush=True))
    print(_table(out))
    print(f"\n{args.draws} draws per row, seed {args.seed}, {time.perf_counter() - t0:.0f} s")
