"""Fixtures for the training tests: a short synthetic series and tiny, fast training options."""

import numpy as np
import pytest


@pytest.fixture(scope="session")
def series():
    """400 steps of a noisy daily-like cycle (AR(1) noise), one channel: forecastable, not trivial."""
    rng = np.random.default_rng(0)
    t = np.arange(400)
    noise = np.zeros(400)
    for i in range(1, 400):
        noise[i] = 0.8 * noise[i - 1] + 0.3 * rng.standard_normal()
    return np.sin(2 * np.pi * t / 24) + noise

