"""Shared fixtures. Random tests take `global_random_seed` and must pass for any seed 0-99:
the default run uses one seed; INFOFLOW_TEST_SEEDS="all" (a scheduled job) runs all of them."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("INFOFLOW_TESTING", "1")  # CLI re-raises unexpected errors under test
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_generate_tests(metafunc):
    if "global_random_seed" in metafunc.fixturenames:
        spec = os.environ.get("INFOFLOW_TEST_SEEDS", "42")
        seeds = list(range(100)) if spec == "all" else [int(s) for s in spec.split(",")]
        metafunc.parametrize("global_random_seed", seeds)


@pytest.fixture
def rng(global_random_seed):
    return np.random.default_rng(global_random_seed)


TINY_RUN_OPTIONS = dict(n_units=6, epochs=3, seeds=(0, 1), flow_method="gaussian_copula", surrogates=20, lags=(1, 2),
                        track_every=1, track_surrogates=10, n_null=19,
                        ip_estimators=("binning", "gaussian_copula"))


@pytest.fixture(scope="session")
def tiny_options():
    return dict(TINY_RUN_OPTIONS)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """One tiny end-to-end `infoflow run` shared by the pipeline, report and CLI tests (~30 s)."""
    from infoflow.pipeline import make_options, run_pipeline

    out = tmp_path_factory.mktemp("run")
    return out, run_pipeline(out, make_options(**TINY_RUN_OPTIONS))
