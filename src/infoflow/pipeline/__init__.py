"""infoflow.pipeline: `infoflow run` end to end (train -> flow -> structure -> dynamics -> report)."""
