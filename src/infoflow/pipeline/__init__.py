"""infoflow.pipeline: whole runs in one call.

:func:`run_pipeline` (``infoflow run``) trains several seeds on the bundled airport data and
runs flow -> structure -> bottleneck/dynamics -> report, skipping stages whose inputs have not
changed. :func:`analyze_recording` (``infoflow analyze``) does flow -> structure -> report for a
recording a user brings.
"""

from typing import Any

from infoflow.pipeline._run import (
    RUN_SEEDS,
    RunOptions,
    RunReport,
    analyze_recording,
    make_options,
    options_from_toml,
    run_pipeline,
    tracked_epochs,
)

__all__ = ["OPTION_NAMES", "RUN_SEEDS", "RunOptions", "RunReport", "analyze_recording", "make_options",
           "options_from_toml",
           "run_pipeline", "tracked_epochs"]


def __getattr__(name: str) -> Any:
    if name == "OPTION_NAMES":  # the flat option names; needs TrainConfig (torch), so computed on use
        from infoflow.pipeline import _run

        return _run.OPTION_NAMES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
