"""Hypothesis settings for the property tests (docs/design.md, "Public functions"; xarray's
properties/conftest.py practice).

Profile "infoflow-ci" (the default, used by ``make test``): no deadline (numba may compile on the
first example and 2 shared cores make timings meaningless), a bounded number of examples so the
folder stays well under a minute, and ``derandomize=True`` so every run tries the same examples and
CI is reproducible. Profile "infoflow-dev" (``INFOFLOW_HYPOTHESIS_PROFILE=infoflow-dev``) searches
randomly and longer, for hunting bugs by hand; a failure it finds is printed with its seed/blob.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "infoflow-ci",
    deadline=None,
    max_examples=30,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "infoflow-dev",
    deadline=None,
    max_examples=500,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("INFOFLOW_HYPOTHESIS_PROFILE", "infoflow-ci"))
