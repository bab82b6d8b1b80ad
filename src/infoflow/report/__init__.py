"""infoflow.report (under construction in this commit series)."""
