"""infoflow.data (under construction in this commit series)."""
