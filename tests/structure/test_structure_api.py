"""Public API of infoflow.structure. (Bad values for each parameter: tests/test_public_functions.py.)"""

import infoflow.structure as st

VALIDATED = ["progression", "directedness", "layers", "layers_by_epoch", "analyze_structure",
             "plot_progression_histogram", "plot_flow_graph"]


def test_all_is_complete():
    for name in st.__all__:
        assert hasattr(st, name)
    assert set(VALIDATED) <= set(st.__all__)
