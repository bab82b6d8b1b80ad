"""infoflow.flow (under construction in this commit series)."""
