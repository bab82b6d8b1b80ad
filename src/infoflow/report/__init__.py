"""infoflow.report: the HTML report and ``summary.json`` of a run folder.

Pipeline place: after structure / bottleneck / dynamics; reads their saved files and never
recomputes. Users call :func:`write_report` (or ``infoflow run`` / ``infoflow analyze`` do).
"""

from infoflow.report._summary import build_summary
from infoflow.report._write import write_report

__all__ = ["write_report", "build_summary"]
