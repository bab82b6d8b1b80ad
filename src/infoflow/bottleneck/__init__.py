"""infoflow.bottleneck (under construction in this commit series)."""
