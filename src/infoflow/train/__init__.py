"""infoflow.train (under construction in this commit series)."""
