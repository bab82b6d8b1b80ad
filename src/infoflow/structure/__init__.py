"""infoflow.structure (under construction in this commit series)."""
