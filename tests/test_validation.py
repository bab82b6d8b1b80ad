"""The shared seed rule of src/infoflow/_validation.py: every public ``seed`` takes an int, None or a
numpy Generator, with the same meaning everywhere (docs/design.md, glossary)."""

import importlib
import inspect

import numpy as np
import pytest

from infoflow._validation import (
    ROOT_SEED_BOUND,
    SEED_CONSTRAINTS,
    InvalidParameterError,
    check_param,
    check_seed,
    root_seed,
)

PACKAGES = ("data", "models", "train", "estimators", "flow", "structure", "bottleneck", "dynamics", "pipeline")
GOOD = (0, 7, 2**40, np.int64(3), None, np.random.default_rng(0))
BAD = (-1, 1.5, True, "0", [0])


def _public_functions_with_seed():
    out = []
    for pkg in PACKAGES:
        mod = importlib.import_module(f"infoflow.{pkg}")
        for name in mod.__all__:
            f = getattr(mod, name)
            if inspect.isfunction(f) and "seed" in inspect.signature(f).parameters:
                out.append((f"{pkg}.{name}", f))
    return out


SEEDED = _public_functions_with_seed()


def test_the_list_of_seeded_functions_is_not_empty():
    names = {n for n, _ in SEEDED}
    assert {"flow.information_flow", "flow.effective_network", "estimators.entropy", "structure.layers",
            "bottleneck.information_plane", "dynamics.gradient_phases", "models.build_model"} <= names


@pytest.mark.parametrize("name,func", SEEDED, ids=[n for n, _ in SEEDED])
def test_every_public_seed_accepts_int_none_and_generator(name, func):
    constraints = getattr(func, "__infoflow_constraints__", None)
    if constraints is None:  # validated inside (analyze_recording): its check must be the shared one
        assert "SEED_CONSTRAINTS" in inspect.getsource(func), name
        constraints = {"seed": SEED_CONSTRAINTS}
    for value in GOOD:
        check_param(name, "seed", value, constraints["seed"])
    for value in BAD:
        with pytest.raises(InvalidParameterError, match="seed"):
            check_param(name, "seed", value, constraints["seed"])


def test_root_seed_of_an_int_is_the_int():
    assert root_seed(0) == 0 and root_seed(12345) == 12345 and root_seed(np.int64(9)) == 9
    assert type(root_seed(np.int64(9))) is int


def test_root_seed_consumes_a_generator_reproducibly():
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    a, b = root_seed(g1), root_seed(g2)
    assert a == b and 0 <= a < ROOT_SEED_BOUND  # same state, same root
    assert root_seed(g1) != a  # the stream moved on: a second draw differs
    g, ref = np.random.default_rng(6), np.random.default_rng(6)
    root_seed(g)
    ref.integers(0, ROOT_SEED_BOUND)
    assert g.random() == ref.random()  # exactly one draw was taken from the caller's stream


def test_root_seed_of_none_is_fresh_and_in_range():
    roots = {root_seed(None) for _ in range(5)}
    assert len(roots) > 1 and all(0 <= r < ROOT_SEED_BOUND for r in roots)


@pytest.mark.parametrize("bad", BAD)
def test_bad_seeds_raise(bad):
    with pytest.raises(InvalidParameterError, match="seed"):
        root_seed(bad)
    with pytest.raises(InvalidParameterError, match="seed"):
        check_seed(bad)


def test_same_int_same_numbers():
    assert np.array_equal(check_seed(3).random(4), check_seed(3).random(4))
    g = np.random.default_rng(1)
    assert check_seed(g) is g  # a Generator is used as it is (and consumed)


def test_flow_takes_a_generator_as_one_root_int():
    from infoflow.flow import information_flow

    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 3))
    x[1:, 1] += 0.7 * x[:-1, 0]
    kw = dict(lags=1, method="gaussian_copula", surrogates=10, scheduler="inprocess")
    root = root_seed(np.random.default_rng(11))
    by_gen = information_flow(x, seed=np.random.default_rng(11), **kw)
    by_int = information_flow(x, seed=root, **kw)
    assert by_gen.attrs["seed"] == root
    for var in ("te", "pvalue", "n_surrogates"):
        np.testing.assert_array_equal(by_gen[var].values, by_int[var].values)
    again = information_flow(x, seed=root, **kw)  # same int, same numbers
    np.testing.assert_array_equal(again["pvalue"].values, by_int["pvalue"].values)
    other = information_flow(x, seed=root + 1, **kw)
    assert not np.array_equal(other["pvalue_lag"].values, by_int["pvalue_lag"].values)
