"""KDE (Kolchinsky-Tracey bound with added noise): bound property, limits, refusals."""

import numpy as np
import pytest

from infoflow import InvalidParameterError
from infoflow.estimators import (
    conditional_mutual_information,
    entropy,
    mutual_information,
    pairwise_mutual_information,
    transfer_entropy,
)


@pytest.mark.parametrize("var", [0.05, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("n", [200, 1000])
def test_bound_exceeds_true_mi_of_gaussian_channel(rng, var, n):
    # T = X + N(0, var) with X ~ N(0, 1): I(X; T) = 1/2 ln(1 + 1/var)
    x = rng.standard_normal(n)
    est = mutual_information(x, x, method="kde", bandwidth=var)
    assert est >= 0.5 * np.log1p(1.0 / var)


@pytest.mark.parametrize("var", [0.1, 1.0])
def test_entropy_bound_exceeds_true_entropy(rng, var):
    x = rng.standard_normal(1000)
    assert entropy(x, method="kde", bandwidth=var) >= 0.5 * np.log(2 * np.pi * np.e * (1 + var)) - 0.02


def test_single_point_is_noise_entropy():
    var = 0.3
    from infoflow.estimators import kde

    assert kde.entropy(np.full((1, 2), 5.0), bandwidth=var) == pytest.approx(
        np.log(2 * np.pi * np.e * var))


def test_saturates_at_ln_n_for_separated_points():
    # far-apart activations, each its own input: I(X;T) -> ln n (the known saturation)
    x = np.arange(50.0)
    assert mutual_information(x, 100 * x, method="kde", bandwidth=0.1) == pytest.approx(np.log(50), abs=1e-9)


def test_discrete_labels_give_label_entropy(rng):
    # two well-separated clusters labelled 0/1: I(T; Y) = H(Y) = ln 2
    labels = np.repeat([0.0, 1.0], 100)
    t = 20 * labels + rng.standard_normal(200) * 0.1
    with pytest.warns(Warning):  # labels are heavily tied
        assert mutual_information(labels, t, method="kde", bandwidth=0.1) == pytest.approx(np.log(2), abs=1e-6)


def test_tile_boundary_does_not_matter(rng, monkeypatch):
    from infoflow.estimators import kde

    x = rng.standard_normal((300, 2))
    full = entropy(x, method="kde")
    monkeypatch.setattr(kde, "_TILE", 7)
    assert entropy(x, method="kde") == pytest.approx(full, abs=1e-12)


def test_pairwise_equals_single(rng):
    X = rng.standard_normal((120, 3))
    X[:, 1] = np.round(X[:, 0])  # a discrete channel makes H(T|X) non-trivial
    with pytest.warns(Warning):
        mat = pairwise_mutual_information(X, lag=1, method="kde")
    for i in range(3):
        for j in range(3):
            with pytest.warns(Warning) if i == 1 or j == 1 else _nothing():
                ref = mutual_information(X[:-1, i], X[1:, j], method="kde")
            assert mat[i, j] == pytest.approx(ref, abs=1e-12)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_conditional_quantities_are_refused(rng):
    x = rng.standard_normal((100, 3))
    with pytest.raises(InvalidParameterError, match="ksg"):
        conditional_mutual_information(x[:, 0], x[:, 1], x[:, 2], method="kde")
    with pytest.raises(InvalidParameterError, match="kde"):
        transfer_entropy(x[:, 0], x[:, 1], method="kde")
    with pytest.raises(InvalidParameterError, match="condition"):
        pairwise_mutual_information(x, condition=x[:, 0], method="kde")
