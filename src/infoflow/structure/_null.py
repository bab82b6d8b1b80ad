"""Null models of a weighted flow graph, used by the direction and layer tests.

Pipeline place: inside **structure**; users choose one through ``null=`` of
:func:`infoflow.structure.directedness` and :func:`infoflow.structure.layers`.

* ``"rewire"``: Maslov-Sneppen double-edge swaps (a->b, c->d become a->d, c->b) keep every
  neuron's in- and out-degree, then the weights are permuted among the edges.
  networkx's ``directed_edge_swap`` was considered and not used: it performs three-edge swaps,
  drops edge weights, and raises on dense graphs (every RNN flow graph is dense) instead of
  accepting that no swap is possible; here a dense graph simply keeps its edges and only the
  weight permutation randomises it.
* ``"weights"``: weights permuted among the existing edges (binary graph kept).
* ``"flip"``: each pair (W_ij, W_ji) swapped with probability 1/2: the undirected weighted
  graph, hence every neuron's total strength, is kept and only the direction is randomised.

Under the hypothesis of no directed structure (exchangeable weights or directions) the observed
graph is one more draw from each of these, which is what makes the rank p-values valid.

The layer test (:func:`infoflow.structure.layers`) asks another question, whether the progression
values fall into separated groups, and by default uses a null on the values themselves:

* ``"uniform"``: the n progression values are replaced by the observed minimum, the observed maximum
  and n - 2 values drawn uniformly between them (the conditional law of a uniform sample given its
  range). The uniform is the reference distribution of the gap statistic (Tibshirani, Walther &
  Hastie 2001): among unimodal distributions it is the one most prone to spurious clusters, so a
  test against it is conservative for any unlayered network whose progression has one mode. The
  graph nulls above keep every source a source and every sink a sink (``"rewire"``) or the
  undirected skeleton (``"flip"``, ``"weights"``), and on sparse graphs any orientation gives
  near-integer levels, so their progressions are layered themselves and the test has no power
  (docs/concepts.md, "Calibration of the structure verdicts").
"""

from __future__ import annotations

import numpy as np

NULLS = ("rewire", "weights", "flip")
LAYER_NULLS = ("uniform", *NULLS)
NULL_DESCRIPTIONS = {
    "rewire": "degree-preserving rewired graphs (Maslov-Sneppen swaps, weights permuted)",
    "weights": "the same edges with their weights permuted",
    "flip": "the same undirected graph with each pair's direction flipped at random",
    "uniform": "progressions drawn uniformly over the observed range (no layers, one mode)",
}


def uniform_progressions(x: np.ndarray, n_null: int, rng: np.random.Generator):
    """Yield ``n_null`` samples of ``x.size`` values: min(x), max(x) and the rest uniform between them."""
    lo, hi = float(np.min(x)), float(np.max(x))
    for _ in range(n_null):
        out = np.empty(x.size)
        out[:2] = lo, hi
        out[2:] = rng.uniform(lo, hi, x.size - 2)
        yield out


def _permute_weights(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros_like(w)
    src, dst = np.nonzero(w)
    out[src, dst] = rng.permutation(w[src, dst])
    return out


def _flip(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    iu, ju = np.triu_indices(w.shape[0], k=1)
    swap = rng.random(iu.size) < 0.5
    out = w.copy()
    out[iu[swap], ju[swap]] = w[ju[swap], iu[swap]]
    out[ju[swap], iu[swap]] = w[iu[swap], ju[swap]]
    return out


class _Rewirer:
    """A Markov chain of degree-preserving rewirings (one chain, thinned; Besag & Clifford 1989)."""

    def __init__(self, w: np.ndarray, rng: np.random.Generator):
        self.rng = rng
        self.src, self.dst = (a.copy() for a in np.nonzero(w))
        self.values = w[self.src, self.dst]
        self.adj = w > 0
        self.n_edges = self.src.size
        self.accepted = 0
        self.attempted = 0
        self._swaps(5 * self.n_edges)  # burn-in away from the observed graph

    def _swaps(self, n_attempts: int) -> None:
        if self.n_edges < 2:
            return
        src, dst, adj = self.src, self.dst, self.adj
        picks = self.rng.integers(0, self.n_edges, size=(n_attempts, 2))
        accepted = 0
        for e1, e2 in picks.tolist():
            a, b, c, d = src[e1], dst[e1], src[e2], dst[e2]
            if a in (c, d) or b in (c, d) or adj[a, d] or adj[c, b]:
                continue
            adj[a, b] = adj[c, d] = False
            adj[a, d] = adj[c, b] = True
            dst[e1], dst[e2] = d, b
            accepted += 1
        self.accepted += accepted
        self.attempted += n_attempts

    def sample(self) -> np.ndarray:
        # Thinning of E/5 attempts: the weights are re-permuted at every draw anyway, so the binary graph
        # need not decorrelate fully between draws, and the pure-Python swap loop is the slow part.
        self._swaps(max(self.n_edges // 5, 100))
        out = np.zeros(self.adj.shape)
        out[self.src, self.dst] = self.rng.permutation(self.values)
        return out


def null_graphs(w: np.ndarray, kind: str, n_null: int, rng: np.random.Generator):
    """Yield ``n_null`` null versions of the non-negative weight matrix ``w`` (zero diagonal)."""
    if kind == "rewire":
        chain = _Rewirer(w, rng)
        for _ in range(n_null):
            yield chain.sample()
    elif kind == "weights":
        for _ in range(n_null):
            yield _permute_weights(w, rng)
    else:
        for _ in range(n_null):
            yield _flip(w, rng)


def null_raw(raw: np.ndarray, kind: str, n_null: int, rng: np.random.Generator):
    """Null versions of a complete raw matrix (every off-diagonal pair is an edge)."""
    n = raw.shape[0]
    off = ~np.eye(n, dtype=bool)
    for _ in range(n_null):
        if kind == "flip":
            yield _flip(raw, rng)
        else:
            # On a complete graph no degree-preserving swap exists, so "rewire" = "weights" here.
            out = np.zeros_like(raw)
            out[off] = rng.permutation(raw[off])
            yield out
