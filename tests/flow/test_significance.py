"""Tests of the flow engine's significance helpers: sequential checkpoints, stopping, ragged p-values."""

from __future__ import annotations

import numpy as np
import pytest

from infoflow.flow import _significance as sig


def test_checkpoints_double_from_ten_and_end_at_the_surrogate_count():
    assert sig.checkpoints(100, True) == [10, 20, 40, 80, 100]
    assert sig.checkpoints(40, True) == [10, 20, 40]
    assert sig.checkpoints(10, True) == [10]
    assert sig.checkpoints(7, True) == [7]
    assert sig.checkpoints(100, False) == [100]


def test_settled_futility_needs_h_exceedances_and_p_above_alpha():
    rng = np.random.default_rng(0)
    null = rng.standard_normal((20, 4))
    # pair 0: below every surrogate (20 exceed); 1: above all; 2: 9 exceed; 3: exactly 10 exceed
    ordered = np.sort(null, axis=0)
    obs = np.array([-10.0, ordered[-1, 1] + 1.0, ordered[-9, 2], ordered[-10, 3]])
    out = sig.settled(obs, null, kind="empirical", alpha=0.05, n_tests=4)
    assert out.tolist() == [True, False, False, True]
    # pair 3's p-value is 11/21 = 0.52: with alpha above it BH could reject it, so it goes on
    assert not sig.settled(obs[3:], null[:, 3:], kind="empirical", alpha=0.6, n_tests=4)[0]
    assert sig.settled(obs[3:], null[:, 3:], kind="empirical", alpha=0.5, n_tests=4)[0]


def test_settled_accepts_only_far_beyond_the_bh_floor():
    rng = np.random.default_rng(1)
    null = rng.exponential(1.0, size=(10, 4))
    med = np.median(null, axis=0)
    n_tests = 4032
    far = sig.settled(med + 500.0, null, kind="fit", alpha=0.05, n_tests=n_tests)
    near = sig.settled(med + 8.0, null, kind="fit", alpha=0.05, n_tests=n_tests)
    assert far.all() and not near.any()
    # the same values with an empirical null never accept: its p-value cannot go below 1/11
    assert not sig.settled(med + 500.0, null, kind="empirical", alpha=0.05, n_tests=n_tests).any()
    # the acceptance threshold is alpha / (n_tests * margin): just on either side of it
    p = sig.pvalues(med + 30.0, null, kind="fit")["pvalue"]
    at = p * n_tests * sig.ACCEPT_MARGIN
    assert sig.settled(med + 30.0, null, kind="fit", alpha=float(at.max()) * 1.001, n_tests=n_tests).all()
    assert not sig.settled(med + 30.0, null, kind="fit", alpha=float(at.min()) * 0.999, n_tests=n_tests).any()


def test_settled_ignores_nan_pairs():
    null = np.ones((10, 2))
    null[:, 1] = np.nan
    out = sig.settled(np.array([np.nan, 0.0]), null, kind="fit", alpha=0.05, n_tests=2)
    assert not out.any()


@pytest.mark.parametrize("kind", ["empirical", "fit"])
def test_pvalues_ragged_equals_pvalues_on_each_pairs_own_surrogates(kind):
    rng = np.random.default_rng(2)
    null = rng.standard_normal((40, 3, 4, 4))
    obs = rng.standard_normal((3, 4, 4)) + 1.5
    counts = rng.choice([0, 10, 20, 40], size=(4, 4))
    out = sig.pvalues_ragged(obs, null, counts, kind=kind)
    for i in range(4):
        for j in range(4):
            m = counts[i, j]
            if m == 0:
                assert np.isnan(out["pvalue"][:, i, j]).all()
                continue
            ref = sig.pvalues(obs[:, i, j], null[:m, :, i, j], kind=kind)
            for key in ("pvalue", "null_mean", "null_std", "z"):
                np.testing.assert_array_equal(out[key][:, i, j], ref[key])
