"""infoflow.models (under construction in this commit series)."""
