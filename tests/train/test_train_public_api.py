"""Public functions of infoflow.models/infoflow.train. (Bad values for each parameter:
tests/test_public_functions.py.)"""

import pytest

from infoflow._validation import InvalidParameterError
from infoflow.models import build_model


def test_unknown_keyword():
    with pytest.raises(InvalidParameterError, match="n_unit"):
        build_model(n_unit=3)
