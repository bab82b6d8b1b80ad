"""infoflow.pipeline: whole runs in one call.

:func:`run_pipeline` (``infoflow run``) trains several seeds on the bundled airport data and
runs flow -> structure -> bottleneck/dynamics -> report, skipping stages whose inputs have not
changed. :func:`analyze_recording` (``infoflow analyze``) does flow -> structure -> report for a
recording a user brings.
"""

from infoflow.pipeline._run import (
                                    OPTION_NAMES,
                                    RunOptions,
                                    RunReport,
                                    analyze_recording,
                                    make_options,
                                    options_from_toml,
                                    run_pipeline,
                                    tracked_epochs,
)

__all__ = ["OPTION_NAMES", "RunOptions", "RunReport", "analyze_recording", "make_options", "options_from_toml",
           "run_pipeline", "tracked_epochs"]
