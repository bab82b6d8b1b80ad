"""Checks on recordings handed to the bottleneck analysis (private).

The recording format is fixed in docs/design.md; this module only turns "one Dataset or several"
into a list and checks that the variables the information plane needs are there. (The checks live in
``infoflow._validation``, shared with the dynamics package.)
"""

from __future__ import annotations

from infoflow._validation import as_recordings, count_tied_units, hidden_activity  # noqa: F401 (re-exported)
