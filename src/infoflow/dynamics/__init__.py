"""infoflow.dynamics (under construction in this commit series)."""
