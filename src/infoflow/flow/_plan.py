"""The plan of one ``information_flow`` call: every option resolved once, in one frozen object.

Flow layer; users do not import this module. :func:`make_plan` turns the validated arguments into a
:class:`Plan`; the work units (:mod:`._engine`), the sequential test (:mod:`._sequential`) and the
result assembly (:mod:`._assemble`) read their options from it instead of threading them one by one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from infoflow.estimators._pairwise import Estimator, resolve_estimator
from infoflow.flow import _schedule
from infoflow.flow import _significance as sig


@dataclass(frozen=True)
class Plan:
    """Resolved options of one call (cheap to ship to a worker with every task).

    ``marks`` are the surrogate counts at which the sequential test decides (only the total when
    not sequential); ``rounds`` the surrogate index blocks of each round, at most ``block_size``
    each; ``n_jobs`` the estimator threads (None: every core, in process; 1 on Dask workers, which
    already run one task per core). ``min_shift`` None means chosen per epoch from the
    autocorrelation time. ``estimator`` is the estimators' resolved `method` (seed: the int seed;
    each epoch's jitter generator is made from it and the epoch label), ``entropy_estimator`` the
    KSG one that gives the entropies (the copula has none), ``screen_estimator`` the Gaussian
    copula of ``screen=True`` (else None).
    """

    method: str
    measure: str
    lags: tuple[int, ...]
    history: int
    k: int
    theiler: int
    surrogates: int
    alpha: float
    pvalue: str
    sequential: bool
    marks: tuple[int, ...]
    rounds: tuple[tuple[slice, ...], ...]
    block_size: int
    screen: bool
    screen_threshold: float
    min_shift: int | None
    seed: int
    jitter: float
    condition_on_input: bool
    estimator: Estimator
    entropy_estimator: Estimator
    screen_estimator: Estimator | None
    n_jobs: int | None = None

    def estimators(self) -> list[Estimator]:
        """The distinct estimator families an epoch is prepared for (KSG first: always needed)."""
        out = {self.entropy_estimator.method: self.entropy_estimator, self.estimator.method: self.estimator}
        if self.screen_estimator is not None:
            out[self.screen_estimator.method] = self.screen_estimator
        return list(out.values())

    @property
    def margin(self) -> float:
        """The sequential test's early-acceptance margin: :func:`._significance.accept_margin` of the marks."""
        return sig.accept_margin(self.marks)


def make_plan(*, method: str, measure: str, lags: tuple[int, ...], history: int, k: int, theiler: int,
              surrogates: int, alpha: float, pvalue: str, sequential, block_size: int | None, screen: bool,
              screen_threshold: float, min_shift: int | None, seed: int, jitter: float,
              condition_on_input: bool, n_workers: int, on_dask: bool) -> Plan:
    """Resolve the estimators (an option the method does not use raises), ``sequential="auto"``, the
    checkpoints, the block size and the rounds for `n_workers`."""
    func = "information_flow"
    # k and theiler are KSG's (flow's own theiler also widens the minimum shift, whatever the method)
    ksg = method == "ksg"
    estimator = resolve_estimator(func, method, k=k if ksg else None, theiler=theiler if ksg else 0,
                                  jitter=jitter, seed=seed)
    entropy_estimator = estimator if method == "ksg" else resolve_estimator(func, "ksg", jitter=jitter, seed=seed)
    screen_estimator = resolve_estimator(func, "gaussian_copula", jitter=jitter, seed=seed) if screen else None
    if sequential == "auto":
        sequential = method == "ksg"
    marks = sig.checkpoints(surrogates, bool(sequential))
    if block_size is None:
        # About two tasks per worker in the smallest round keeps every worker busy in each round.
        block_size = max(1, math.ceil(min(np.diff([0, *marks])) / (2 * n_workers)))
    rounds = _schedule.rounds(marks, block_size)
    return Plan(method=method, measure=measure, lags=tuple(lags), history=int(history), k=int(k),
                theiler=int(theiler), surrogates=int(surrogates), alpha=float(alpha), pvalue=pvalue,
                sequential=bool(sequential), marks=tuple(marks), rounds=tuple(tuple(r) for r in rounds),
                block_size=int(block_size), screen=bool(screen), screen_threshold=float(screen_threshold),
                min_shift=None if min_shift is None else int(min_shift), seed=int(seed), jitter=float(jitter),
                condition_on_input=bool(condition_on_input), estimator=estimator,
                entropy_estimator=entropy_estimator, screen_estimator=screen_estimator,
                # one worker thread per core already; estimator threads would oversubscribe (results unchanged)
                n_jobs=1 if on_dask else None)
