"""Binning: hand-counted discrete examples, multivariate symbols, the pairwise engine."""

import numpy as np
import pytest

from infoflow.estimators import (
    binning,
    conditional_mutual_information,
    entropy,
    mutual_information,
    pairwise_mutual_information,
    pairwise_transfer_entropy,
    transfer_entropy,
)


def H(*p):
    p = np.array(p, dtype=float)
    return float(-(p * np.log(p)).sum())


def test_hand_counted_mi():
    # joint counts: (0,0) x2, (0,1) x1, (1,1) x1 -> p = .5, .25, .25
    x = np.array([0.0, 0.0, 0.0, 1.0])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    expected = H(0.75, 0.25) + H(0.5, 0.5) - H(0.5, 0.25, 0.25)
    assert mutual_information(x, y, method="binning", bins=2) == pytest.approx(expected, abs=1e-12)
    assert entropy(x, method="binning", bins=2) == pytest.approx(H(0.75, 0.25), abs=1e-12)


def test_equal_width_edges():
    # range [0, 10], 5 bins of width 2: 0,1.9 -> bin 0; 2 -> bin 1; 9.99, 10 -> bin 4
    idx = binning.bin_indices(np.array([[0.0], [1.9], [2.0], [9.99], [10.0]]), 5)[:, 0]
    assert idx.tolist() == [0, 0, 1, 4, 4]


def test_xor_cmi_is_ln2():
    x = np.array([0, 0, 1, 1] * 10, dtype=float)
    y = np.array([0, 1, 0, 1] * 10, dtype=float)
    z = np.logical_xor(x, y).astype(float)
    with pytest.warns(Warning):  # heavily tied columns are flagged
        assert mutual_information(x, y, method="binning", bins=2) == pytest.approx(0.0, abs=1e-12)
        assert conditional_mutual_information(x, y, z, method="binning", bins=2) == pytest.approx(np.log(2))


def test_multivariate_rows_are_symbols():
    # rows (0,0), (0,1), (1,0), (1,1) once each -> 4 symbols, H = ln 4; x = first column: MI = ln 2
    t = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    assert entropy(t, method="binning", bins=2) == pytest.approx(np.log(4))
    assert mutual_information(t[:, 0], t, method="binning", bins=2) == pytest.approx(np.log(2))


def test_more_bins_more_information(rng):
    """The documented artefact: the estimate grows with the bin count on the same data."""
    x = rng.standard_normal(2000)
    y = 0.5 * x + rng.standard_normal(2000)
    values = [mutual_information(x, y, method="binning", bins=b) for b in (5, 30, 200)]
    assert values[0] < values[1] < values[2]


def test_pairwise_equals_single(rng):
    X = rng.standard_normal((600, 4))
    X[1:, 2] += X[:-1, 0]
    mi = pairwise_mutual_information(X, lag=1, method="binning", bins=8)
    te = pairwise_transfer_entropy(X, history=2, method="binning", bins=4)
    for i in range(4):
        for j in range(4):
            assert mi[i, j] == pytest.approx(
                mutual_information(X[:-1, i], X[1:, j], method="binning", bins=8), abs=1e-12)
            if i != j:
                assert te[i, j] == pytest.approx(
                    transfer_entropy(X[:, i], X[:, j], history=2, method="binning", bins=4), abs=1e-12)


def test_local_te_averages_to_value(rng):
    x = rng.standard_normal(400)
    y = np.r_[0.0, x[:-1]] + 0.5 * rng.standard_normal(400)
    loc = transfer_entropy(x, y, method="binning", bins=5, return_local=True)
    assert loc.shape == (399,)
    assert loc.mean() == pytest.approx(transfer_entropy(x, y, method="binning", bins=5), abs=1e-12)
