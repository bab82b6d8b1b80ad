"""Properties of the all-pairs engine (``pairwise_mutual_information``, ``pairwise_transfer_entropy``).

Relabelling neurons must relabel the matrix: the matrix of a column-permuted recording is the
permuted matrix. Each cell depends only on its two channels (plus the conditioning set), so this is
exact wherever a channel's preprocessing does not depend on its column position:

* Gaussian copula: ranks and scores are computed per channel, so equality is exact;
* KSG with ``jitter=0``: the compiled kernel sees the same two columns, so equality is exact, ties
  included;
* KSG with the default jitter: each channel's jitter is keyed by the recording's seed and the
  channel's own values (``_preprocess.standardise_and_jitter``), so it follows the variable, not its
  column position, and equality is exact on tied data too.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infoflow import InfoflowWarning
from infoflow.estimators import pairwise_mutual_information, pairwise_transfer_entropy

from ._strategies import recording

pytestmark = pytest.mark.slow_hypothesis


def _perm(data, m):
    return np.asarray(data.draw(st.permutations(list(range(m)))))


def _both(fn, a, p, **kw):
    """(matrix of a, matrix of a with columns permuted by p), ties warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfoflowWarning)
        return fn(a, **kw), fn(a[:, p], **kw)


_QUANTITIES = st.sampled_from([
    (pairwise_mutual_information, {"lag": 0}),
    (pairwise_mutual_information, {"lag": 2}),
    (pairwise_transfer_entropy, {"lag": 1, "history": 1}),
    (pairwise_transfer_entropy, {"lag": 3, "history": 2}),
])


@given(a=recording(ties=True), q=_QUANTITIES, data=st.data())
def test_gcmi_matrices_permute_with_neuron_order(a, q, data):
    fn, kw = q
    p = _perm(data, a.shape[1])
    m, mp = _both(fn, a, p, method="gaussian_copula", **kw)
    # exact: per-channel scores, and each cell's correlation is its own dot product (assert_array_equal
    # treats the NaN diagonal cells as equal)
    np.testing.assert_array_equal(mp, m[np.ix_(p, p)])


@given(a=recording(ties=True), q=_QUANTITIES, k=st.integers(1, 6), data=st.data())
def test_ksg_matrices_permute_with_neuron_order_without_jitter(a, q, k, data):
    fn, kw = q
    p = _perm(data, a.shape[1])
    m, mp = _both(fn, a, p, k=k, jitter=0.0, **kw)
    np.testing.assert_array_equal(mp, m[np.ix_(p, p)])


@given(a=recording(ties=True), q=_QUANTITIES, data=st.data())
def test_ksg_matrices_permute_with_neuron_order_with_default_jitter(a, q, data):
    fn, kw = q
    p = _perm(data, a.shape[1])
    m, mp = _both(fn, a, p, **kw)
    # jitter follows the variable (module docstring), so the permuted matrix is exact, ties included
    np.testing.assert_array_equal(mp, m[np.ix_(p, p)])


@given(a=recording(ties=True), method=st.sampled_from(["ksg", "gaussian_copula", "gaussian", "binning"]),
       data=st.data())
def test_cross_matrices_permute_with_both_orders(a, method, data):
    """X and Y given separately: permuting sources permutes rows, permuting targets columns."""
    m = a.shape[1]
    h = m // 2 + 1
    X, Y = a[:, :h], a[:, h - 1:]
    px, py = _perm(data, X.shape[1]), _perm(data, Y.shape[1])
    kw = {"jitter": 0.0} if method == "ksg" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfoflowWarning)
        for fn in (pairwise_mutual_information, pairwise_transfer_entropy):
            want = fn(X, Y, method=method, **kw)[np.ix_(px, py)]
            np.testing.assert_array_equal(fn(X[:, px], Y[:, py], method=method, **kw), want)


@given(a=recording(ties=True), method=st.sampled_from(["ksg", "gaussian_copula", "gaussian", "binning"]))
def test_zero_lag_mi_matrix_is_symmetric(a, method):
    """With Y=None every channel has one preprocessing (one jitter column), so M == M.T even on
    tied data, for KSG with its default jitter too."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfoflowWarning)
        m = pairwise_mutual_information(a, method=method)
    assert np.all(np.isnan(np.diag(m)))
    np.testing.assert_allclose(m, m.T, rtol=1e-12, atol=1e-12)  # order of float sums may differ
