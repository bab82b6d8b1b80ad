"""Seeding of every random source used in training (train layer)."""

from __future__ import annotations

import random

import numpy as np
import torch

from infoflow._validation import InstanceOf, Interval, NoneOK, root_seed, validate_params


# SEED_CONSTRAINTS with an upper bound: torch.manual_seed takes 64-bit seeds only
@validate_params({"seed": [NoneOK(), Interval(int, 0, 2**63 - 1), InstanceOf(np.random.Generator)],
                  "deterministic": [InstanceOf(bool)]})
def seed_everything(seed: int | np.random.Generator | None, *, deterministic: bool = True) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and CUDA).

    Parameters
    ----------
    seed : int, None or numpy.random.Generator
        Non-negative seed; a Generator is consumed (one root int is drawn from it), None draws the root
        from fresh entropy.
    deterministic : bool, default=True
        Where CUDA is available, also call ``torch.use_deterministic_algorithms(True)`` (it may slow
        some kernels; cuBLAS needs ``CUBLAS_WORKSPACE_CONFIG=:4096:8``). On CPU-only machines it is
        skipped: the CPU kernels these models use are deterministic already, and the call would
        import torch's compiler stack (seconds and hundreds of MB) for nothing.

    Notes
    -----
    Same seed, same numbers on the same machine, torch build and thread count; never expect equal
    weights on CPU and GPU (pytorch docs, "Reproducibility").
    """
    seed = root_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (the global generator that third-party code draws from)
    torch.manual_seed(seed)
    if deterministic and torch.cuda.is_available():
        torch.use_deterministic_algorithms(True, warn_only=True)


def rng_state() -> dict:
    """Snapshot of the global random states (stored in checkpoints for exact resume)."""
    state = {"python": random.getstate(), "numpy": np.random.get_state(),  # noqa: NPY002 (as above)
             "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore a snapshot taken by :func:`rng_state`."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])  # noqa: NPY002 (the global generator seeded above)
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
