"""Public all-pairs engine: every (source, target) pair of a recording in one call.

Place in the pipeline: ``infoflow.estimators``, used by ``infoflow.flow``. The implementation
lives in :mod:`infoflow.estimators._pairwise`; this module only names the public functions, which
are also importable from :mod:`infoflow.estimators`.
"""

from infoflow.estimators._pairwise import pairwise_mutual_information, pairwise_transfer_entropy

__all__ = ["pairwise_mutual_information", "pairwise_transfer_entropy"]
