"""Every validated public function rejects a bad value for each constrained parameter.

One generic test instead of a hand-written table per package: the public functions are found in
the ``__all__`` of every infoflow subpackage, their constraints are read from the decorator
(``validate_params`` keeps them on ``__infoflow_constraints__``), and the invalid values are
generated from those constraints (a value of the right kind outside an interval, an option that
is not one, an object of no accepted type). Each call must raise ``InvalidParameterError`` whose
message names the function and the parameter. Validation runs before the body, so no call
computes anything; the other arguments only have to pass validation.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
import re
from typing import Any

import pytest

import infoflow
from infoflow._validation import Anything, InstanceOf, Interval, InvalidParameterError, NoneOK, Options

SUBPACKAGES = sorted(m.name for m in pkgutil.iter_modules(infoflow.__path__)
                     if m.ispkg and not m.name.startswith("_") and m.name != "cli")  # cli: typer commands

# Public functions without validate_params (their arguments are checked in the body, or they
# take only objects infoflow made). A function that loses its decorator fails the test below.
NOT_VALIDATED = {
    "bottleneck.input_history", "bottleneck.noise_level", "bottleneck.plot_information_plane",
    "dynamics.load_run", "dynamics.participation_ratio", "dynamics.plot_gradient_snr", "dynamics.plot_indicators",
    "flow.to_networkx", "flow.write_graphml",
    "pipeline.analyze_recording", "pipeline.make_options", "pipeline.options_from_toml", "pipeline.run_pipeline",
    "pipeline.tracked_epochs",
    "report.build_summary", "report.write_report",
    "structure.adjusted_rand_index", "structure.save_figure",
    "train.train",
}

# Keyword arguments that may be unconstrained (``Anything``): data, labels and sequences that the
# function body checks (with ValueError for bad data). Every other option must have a constraint,
# so replacing one with ``Anything`` fails the test below.
DATA_KEYWORDS = {"ax", "channel_names", "channels", "condition", "epochs", "fractions", "lags", "name_or_series",
                 "reference", "roles", "significant"}

# Public functions whose signatures are not (fully) annotated yet, so mypy does not check calls to
# them; flow's and structure's modules are being reworked. Every other public signature is annotated.
NOT_ANNOTATED: set[str] = set()


def _public_functions() -> dict[str, Any]:
    found = {}
    for pkg in SUBPACKAGES:
        module = importlib.import_module(f"infoflow.{pkg}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                found[f"{pkg}.{name}"] = obj
    return found


PUBLIC = _public_functions()
VALIDATED = {key: f for key, f in PUBLIC.items() if hasattr(f, "__infoflow_constraints__")}


def _base_arguments() -> dict[str, dict[str, Any]]:
    """Valid values for the required arguments that cannot be generated from their constraints
    (objects of a given class); data arguments (constraint ``Anything``) get a placeholder."""
    import torch
    import xarray as xr

    return {
        "train.record": {"model": torch.nn.GRU(1, 2, batch_first=True)},
        "train.load_recording": {"path": "nowhere.zarr"},
        "data.load_csv": {"path": "nowhere.csv"},
        "dynamics.indicator_correlations": {"indicators": xr.Dataset()},
    }


class _Placeholder:
    """Stands for a data argument: ``Anything`` accepts it, and no body ever sees it."""


class _NotAValue:
    """An object of no accepted type: not a number, string, None, callable or array."""

    def __repr__(self) -> str:
        return "<_NotAValue>"


# --------------------------------------------------------------------------- value generators
def _valid_value(constraint: Any) -> Any:
    """A value satisfying `constraint`, or a _Placeholder where none can be made up."""
    if isinstance(constraint, NoneOK):
        return None
    if isinstance(constraint, Options):
        return constraint.values[0]
    if isinstance(constraint, Interval):
        lo, hi, closed = constraint.low, constraint.high, constraint.closed
        if constraint.kind is int:
            if lo is None:
                v = 0
            else:
                v = math.ceil(lo) + (1 if closed in ("neither", "right") and lo == math.ceil(lo) else 0)
            return v if hi is None or v <= hi else math.floor(hi)
        if lo is None:
            return 0.0 if hi is None or hi > 0 else float(hi) - 1.0
        return float(lo) + (0.0 if closed in ("both", "left") else (0.5 if hi is None else (hi - lo) / 2))
    return _Placeholder()


def invalid_values(constraint: Any) -> list[Any]:
    """Values of the constraint's own kind that violate it (the wrong-type value is added by the caller)."""
    if isinstance(constraint, Interval):
        lo, hi, closed = constraint.low, constraint.high, constraint.closed
        out: list[Any] = []
        if constraint.kind is int:
            if lo is not None:
                out.append(math.ceil(lo) - 1 if closed in ("both", "left") else math.floor(lo))
            if hi is not None:
                out.append(math.floor(hi) + 1 if closed in ("both", "right") else math.ceil(hi))
            out += [0.5 + (0 if lo is None else math.ceil(lo)), True]  # a float and a bool are not ints
        else:
            if lo is not None:
                out.append(float(lo) - 1.0 if closed in ("both", "left") else float(lo))
            if hi is not None:
                out.append(float(hi) + 1.0 if closed in ("both", "right") else float(hi))
            out += ["0.5", True]  # a string and a bool are not floats
        return out
    if isinstance(constraint, Options):
        out = []
        if any(isinstance(v, str) for v in constraint.values):
            out += ["not_an_option", str(constraint.values[0]).upper() + "_"]
        ints = [v for v in constraint.values if isinstance(v, int) and not isinstance(v, bool)]
        if ints:
            out.append(min(ints) - 1)
        return out
    if isinstance(constraint, InstanceOf):
        return [_NotAValue()]
    return []


def invalid_cases(constraints: list[Any]) -> list[Any]:
    """The generated values that violate every constraint of a parameter. A value made from one
    constraint is checked against the others only (as scikit-learn does), so a constraint that
    stopped rejecting its own invalid values cannot hide them from the test."""
    sentinel = _NotAValue()
    candidates = [(sentinel, list(constraints))] if not any(c.is_satisfied_by(sentinel) for c in constraints) else []
    for i, c in enumerate(constraints):
        others = constraints[:i] + constraints[i + 1:]
        candidates += [(v, others) for v in invalid_values(c)]
    seen, out = set(), []
    for v, others in candidates:
        key = (type(v).__name__, repr(v))
        if key not in seen and not any(o.is_satisfied_by(v) for o in others):
            seen.add(key)
            out.append(v)
    return out


def _call(key: str, func: Any, param: str, value: Any, base: dict[str, dict[str, Any]]):
    """Call `func` with valid arguments everywhere except `param` = `value`."""
    sig = inspect.signature(func)
    constraints = func.__infoflow_constraints__
    args, kwargs = [], {}
    for name, p in sig.parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if name == param:
            v = value
        elif name in base.get(key, {}):
            v = base[key][name]
        elif p.default is not inspect.Parameter.empty:
            if p.kind is not p.POSITIONAL_ONLY:
                continue
            v = p.default  # keeps later positional arguments in their places
        elif any(isinstance(c, Anything) for c in constraints[name]):
            v = _Placeholder()
        else:
            v = _valid_value(constraints[name][0])
            assert not isinstance(v, _Placeholder), (
                f"{key}: no valid value for required {name!r}; add one to _base_arguments()")
        if p.kind is p.POSITIONAL_ONLY:
            args.append(v)
        else:
            kwargs[name] = v
    return func(*args, **kwargs)


def _constrained(func: Any) -> list[str]:
    """Parameters with a real constraint (``Anything`` marks data checked by the body)."""
    sig = inspect.signature(func)
    return [name for name, cs in func.__infoflow_constraints__.items()
            if sig.parameters[name].kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
            and not any(isinstance(c, Anything) for c in cs)]


CASES = [(key, param) for key, f in VALIDATED.items() for param in _constrained(f)]


# --------------------------------------------------------------------------- tests
def test_public_functions_are_validated():
    assert len(VALIDATED) >= 40, sorted(VALIDATED)  # the enumeration found the package's functions
    assert sorted(set(PUBLIC) - set(VALIDATED)) == sorted(NOT_VALIDATED & set(PUBLIC))
    assert NOT_VALIDATED <= set(PUBLIC), sorted(NOT_VALIDATED - set(PUBLIC))  # stale entries


def test_public_signatures_are_annotated():
    """mypy checks every call to an annotated function; these are the public ones (docs/design.md, "Tools")."""
    def annotated(f: Any) -> bool:
        sig = inspect.signature(f)
        return sig.return_annotation is not sig.empty and all(
            p.annotation is not p.empty for p in sig.parameters.values())

    assert sorted(k for k, f in PUBLIC.items() if not annotated(f)) == sorted(NOT_ANNOTATED & set(PUBLIC))


@pytest.mark.parametrize("key", sorted(VALIDATED))
def test_constraints_cover_the_signature(key):
    func = VALIDATED[key]
    assert set(func.__infoflow_constraints__) == set(inspect.signature(func).parameters)


@pytest.mark.parametrize("key", sorted(VALIDATED))
def test_only_data_arguments_are_unconstrained(key):
    """Required and positional-only arguments are data; a keyword option needs a constraint."""
    func = VALIDATED[key]
    sig = inspect.signature(func)
    for name, constraints in func.__infoflow_constraints__.items():
        p = sig.parameters[name]
        if any(isinstance(c, Anything) for c in constraints) and p.default is not p.empty:
            assert p.kind is p.POSITIONAL_ONLY or name in DATA_KEYWORDS, f"{key}: option {name!r} is unconstrained"


@pytest.mark.parametrize("key,param", CASES, ids=[f"{k}-{p}" for k, p in CASES])
def test_invalid_value_is_rejected_naming_function_and_parameter(key, param):
    func = VALIDATED[key]
    values = invalid_cases(func.__infoflow_constraints__[param])
    assert values, f"{key}: no invalid value could be generated for {param!r}"
    base = _base_arguments()
    expected = rf"^{re.escape(func.__name__)}: parameter {re.escape(repr(param))} must be "
    for value in values:
        with pytest.raises(InvalidParameterError, match=expected):
            _call(key, func, param, value, base)


def test_generated_values_violate_their_constraint():
    """The generator itself: out of range, wrong type, not an option; never a valid value."""
    got = [repr(v) for v in invalid_cases([Interval(int, 1, None)])]
    assert got == ["<_NotAValue>", "0", "1.5", "True"]
    got = [repr(v) for v in invalid_cases([Interval(float, 0, 1, closed="neither")])]
    assert got == ["<_NotAValue>", "0.0", "1.0", "'0.5'", "True"]
    got = [repr(v) for v in invalid_cases([Interval(int, 1, None), Options(-1), NoneOK()])]
    assert got == ["<_NotAValue>", "0", "1.5", "True", "-2"]
    got = [repr(v) for v in invalid_cases([Options("ksg", "kde")])]
    assert got == ["<_NotAValue>", "'not_an_option'", "'KSG_'"]
    assert [repr(v) for v in invalid_cases([InstanceOf(bool)])] == ["<_NotAValue>"]
