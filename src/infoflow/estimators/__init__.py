"""Information-theoretic estimators: entropy, MI, conditional MI, transfer entropy, all pairs.

Place in the pipeline: ``data -> models -> train -> estimators -> flow -> ...``. Needs only
numpy, scipy, numba and xarray (the optional PyTorch engine, ``device=``, is imported lazily).

Public functions (all in nats, all sharing keywords and validation)::

    entropy(x)                            mutual_information(x, y)
    conditional_mutual_information(x, y, z)
    transfer_entropy(source, target, lag=1, history=1)
    pairwise_mutual_information(X, Y=None, lag=0, condition=None)   -> (N, M)
    pairwise_transfer_entropy(X, Y=None, lag=1, history=1, condition=None) -> (N, M)

``method`` picks the family: "ksg" (Kraskov / Frenzel-Pompe, default), "gaussian_copula" (Ince
2017), "gaussian" (linear baseline), "binning" and "kde" (information-plane estimators).
The family modules (``ksg``, ``gcmi``, ``gaussian``, ``binning``, ``kde``) hold the internal
contract on validated arrays; users call the functions above.
"""

from infoflow.estimators._api import (
    conditional_mutual_information,
    entropy,
    mutual_information,
    transfer_entropy,
)
from infoflow.estimators._pairwise import METHODS, pairwise_mutual_information, pairwise_transfer_entropy

__all__ = [
    "METHODS",
    "entropy",
    "mutual_information",
    "conditional_mutual_information",
    "transfer_entropy",
    "pairwise_mutual_information",
    "pairwise_transfer_entropy",
]
