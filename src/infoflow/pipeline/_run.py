"""``infoflow run``: data -> training (several seeds) -> flow -> structure -> bottleneck/dynamics -> report.

Pipeline place: the top library layer (only ``cli`` sits above it). Each stage is a call into its
own package; this module only decides what to compute, where to write it and what to skip on a
re-run (see :mod:`infoflow.pipeline._stages`).

What runs by default, and why (budget: about ten minutes on two CPU cores)
---------------------------------------------------------------------------
* Three seeds of the fully recurrent network (the dynamics need a spread).
* For every seed, a KSG flow at a grid of epochs (``track_every``), with circular-shift
  surrogates tested sequentially (up to ``track_surrogates``): it traces how direction and layering
  change over training, and the untrained networks' flows (below) use the same estimator. Measured
  on this machine's two cores (2026-12-06): 7.7 s per epoch with 20 surrogates (13 epochs of seed
  0 in 100 s; the whole run 476 s), against 13.0 s with 50 (the run 701 s, over the budget);
  20 keep 94.6-100 % of the pairs 50 find, epoch by epoch (833 of 864 at the last epoch). The
  tracked flow is calibrated in ``benchmarks/verdicts.py`` ("tracked flow" rows, docs/concepts.md:
  no false alarm among independent units; less power than 50 surrogates for a lone link among many
  null pairs).
  ``track_method="gaussian_copula"`` is the fast choice (the quick mode's).
* For seed 0, the significance-tested flow at epoch 0 and the last epoch (Gaussian copula with 100
  surrogates by default; ``flow_method="ksg"`` for KSG with screening), which the report's
  direction/layer answers rest on; epoch 0 is the reference (the untrained network already shows
  much of the pattern, because the output unit receives no input directly). A KSG test of every
  pair with up to 100 surrogates at lags 1-3 costs 10-20 s per epoch of this 1,752-step
  recording on two cores (the last epoch's 992 pairs: 19.6-19.9 s with sequential surrogates,
  2026-12-06, commit d30aec4), for both measures, so by default KSG re-estimates the last
  epoch's transfer-entropy matrix once (``ksg_check``), and the report states how well the two
  estimators agree.
* The other flow measure beside the run's (``measure="te"``: the seed's TDMI - MI in
  ``flow_tdmi.nc``/``structure_tdmi.json``), through the same estimator and significance path.
* Untrained networks of the same architecture as the null of the direction and layer answers:
  every seed's epoch 0 plus ``n_untrained - len(seeds)`` further initialisations (default 20 in
  all), recorded on the same probe (forward passes only) and analysed with the tracked estimator
  (2 surrogates: only the flow values are used, at the edge density of seed 0's full test);
  :func:`infoflow.structure.compare_untrained` writes ``untrained.json``.
* Every flow analyses the sliding-window probe: for each time, the state at the read-out step of the
  window ending there, each window run from a zero state as in training (trained and untrained
  networks alike). The recording carries the probe-versus-windowed-MSE check (``probe_check``);
  an older, stateful probe has its zero-state warm-up dropped (``transient_dropped``).
* The information plane under several estimators, the learning indicators and gradient phases.
"""

from __future__ import annotations

import dataclasses
import difflib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infoflow._defaults import (
    DEFAULT_ALPHA,
    DEFAULT_LAGS,
    DEFAULT_N_NULL,
    DEFAULT_N_NULL_LAYERS,
    DEFAULT_SEED,
    DEFAULT_SURROGATES,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 (supported, pyproject.toml): the backport the standard module came from
    import tomli as tomllib

from infoflow._io import atomic_write_json, load_dataset, save_dataset
from infoflow._validation import InvalidParameterError
from infoflow.pipeline._stages import run_stage
from infoflow.pipeline._untrained import (
    MEASURE_TAGS,
    drop_transient,
    other_measure,
    record_untrained,
    untrained_comparisons,
    write_json,
)
from infoflow.train._recording import PROBE_KIND

if TYPE_CHECKING:
    import numpy as np

    from infoflow.train import TrainConfig

ProgressFn = Callable[[str, int, int], None]


RUN_SEEDS = (0, 1, 2)
"""Training seeds of ``infoflow run`` (TrainConfig's own default is one seed; the dynamics need a spread)."""

# options of the training stage that run_options.json and the train stage's record held before RunOptions
# held a TrainConfig: they stay in the train stage's options so existing run folders stay up to date
_TRAIN_STAGE_KEYS = ("dataset", "csv", "value_columns", "time_column", "fill", "channels", "arch", "n_units",
                     "epochs", "lr", "batch_size", "seeds")


def _run_train_config() -> TrainConfig:
    from infoflow.train import TrainConfig

    return TrainConfig(seeds=RUN_SEEDS)


@dataclass(frozen=True)
class RunOptions:
    """Every option of ``infoflow run``: the training run (a :class:`infoflow.train.TrainConfig`,
    ``train``) and the options of the analyses.

    Flat keys, as in the TOML config file, the CLI and ``run_options.json``, name a ``TrainConfig``
    field (``epochs``, ``n_units``, ``seeds``...) or a field below; :meth:`from_dict` and
    :func:`make_options` sort them, :meth:`to_dict` writes them back. The training defaults are
    TrainConfig's, except ``seeds`` (:data:`RUN_SEEDS`).
    """

    # data and training: TrainConfig's options, defined there once
    train: TrainConfig = field(default_factory=_run_train_config)
    # flow and significance
    flow_method: str = "gaussian_copula"
    measure: str = "te"
    lags: tuple[int, ...] = DEFAULT_LAGS
    surrogates: int = DEFAULT_SURROGATES
    alpha: float = DEFAULT_ALPHA
    screen: bool = True
    condition_on_input: bool = False
    theiler: int = 0
    track_method: str = "ksg"
    track_every: int = 5
    track_surrogates: int = 20  # KSG's sequential test; 50 would take the run to 11.7 min (module docstring)
    scheduler: str | None = None
    # structure
    n_null: int = DEFAULT_N_NULL
    # untrained networks of the same architecture as the null of Q1/Q2: every seed's epoch 0 plus
    # further random initialisations up to this many in all (0: no untrained test)
    n_untrained: int = 20
    # bottleneck
    ip_estimators: tuple[str, ...] = ("binning", "kde", "gaussian_copula")
    ip_window: int = 24
    ip_every: int = 1
    # per-neuron I(h;X), I(h;Y) for these; KDE is O(n^2) per call, so per neuron it would cost
    # ~2 s per epoch and seed (measured) and it stays population-only
    ip_per_neuron: tuple[str, ...] = ("binning", "gaussian_copula", "ksg")
    ip_max_samples: int | None = 1000  # KDE is O(n^2) per neuron; a random subset keeps the stage to seconds
    ksg_check: bool = True
    # the effective network (multivariate TE) of seed 0 before and after training, beside the bivariate
    # graph; None: skip. With the copula it took about 90 s on the default run (KSG: see docs/concepts.md)
    network_method: str | None = "gaussian_copula"
    # bookkeeping
    quick: bool = False

    @classmethod
    def quick_options(cls, **overrides: Any) -> RunOptions:
        """A first look in two to three minutes: the same units; fewer epochs, seeds and surrogates, copula flow."""
        # 20 epochs: the default network passes the persistence baseline around epoch 17
        base: dict[str, Any] = dict(epochs=20, seeds=(0, 1), flow_method="gaussian_copula", surrogates=50,
                                    track_method="gaussian_copula", track_every=5, track_surrogates=20, n_null=99,
                                    ip_estimators=("binning", "gaussian_copula"), ksg_check=False, quick=True)
        base.update(overrides)
        return cls.from_dict(base)

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, func: str = "run") -> RunOptions:
        """Options from flat keys (a TOML file, ``run_options.json`` of this or an earlier version).

        A key names a TrainConfig field or a RunOptions field; lists become tuples; an unknown key is
        an InvalidParameterError suggesting the closest one. ``train=`` (a TrainConfig) may be given
        too; flat training keys then change it.
        """
        for key in values:
            if key not in (names := _option_names()) and key != "train":
                close = difflib.get_close_matches(key, names, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise InvalidParameterError(f"{func}: unknown option {key!r}.{hint}")
        from infoflow.train import TrainConfig

        clean: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in values.items()}
        base = clean.pop("train", None)
        if base is not None and not isinstance(base, TrainConfig):
            raise InvalidParameterError(f"{func}: train must be an infoflow.train.TrainConfig; got "
                                        f"{type(base).__name__}. Give training options as flat keys (epochs=...).")
        train = base if base is not None else _run_train_config()
        train_changes = {k: clean.pop(k) for k in list(clean) if k in _train_names()}
        return cls(train=train.replace(**train_changes) if train_changes else train, **clean)

    def to_dict(self) -> dict[str, Any]:
        """Flat JSON-ready dict (TrainConfig's fields, then the others; tuples become lists):
        what ``run_options.json`` holds and :meth:`from_dict` reads back."""
        own = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "train"}
        return {**self.train.to_dict(), **{k: list(v) if isinstance(v, tuple) else v for k, v in own.items()}}

    def train_options(self) -> dict[str, Any]:
        """The training stage's options, by which a re-run decides whether to train again: the keys it
        has always held, plus any other TrainConfig field set away from its default."""
        defaults = type(self.train)()
        out = {k: getattr(self.train, k) for k in _TRAIN_STAGE_KEYS}
        out.update({f.name: getattr(self.train, f.name) for f in dataclasses.fields(self.train)
                    if f.name not in out and getattr(self.train, f.name) != getattr(defaults, f.name)})
        return out


def _train_names() -> tuple[str, ...]:
    from infoflow.train import TrainConfig

    return tuple(f.name for f in dataclasses.fields(TrainConfig))


def _option_names() -> tuple[str, ...]:
    own = tuple(f.name for f in dataclasses.fields(RunOptions) if f.name != "train")
    return (*_train_names(), *own)


def __getattr__(name: str) -> Any:
    # OPTION_NAMES needs TrainConfig's fields, hence torch: computed on first use, so that importing
    # the pipeline (infoflow analyze, which trains nothing) does not load torch
    if name == "OPTION_NAMES":
        return _option_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def options_from_toml(path: str | Path, **overrides: Any) -> RunOptions:
    """Read a TOML config (top level or a ``[run]`` table) into :class:`RunOptions`.

    Unknown keys are an error that suggests the closest valid key; values go through the same
    validation as keyword options.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"config file {path} does not exist.")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"config file {path} is not valid TOML: {exc}") from None
    data = data.get("run", data)
    quick = bool(data.pop("quick", False) or overrides.pop("quick", False))
    merged = {**data, **{k: v for k, v in overrides.items() if v is not None}}
    return make_options(quick=quick, **merged)


def make_options(*, quick: bool = False, **values: Any) -> RunOptions:
    """Build validated :class:`RunOptions` from flat keys (training keys go to its TrainConfig; lists
    become tuples; unknown names are errors)."""
    opts = RunOptions.quick_options(**values) if quick else RunOptions.from_dict(values)
    _check_options(opts)
    return opts


def _check_options(o: RunOptions) -> None:
    from infoflow._validation import Interval, NoneOK, Options, check_param

    check_param("run", "n_units", o.train.n_units, [Interval(int, 3, None)])
    check_param("run", "epochs", o.train.epochs, [Interval(int, 1, None)])
    check_param("run", "surrogates", o.surrogates, [Interval(int, 2, None)])
    check_param("run", "track_surrogates", o.track_surrogates, [Interval(int, 2, None)])
    check_param("run", "n_null", o.n_null, [Interval(int, 1, None)])
    check_param("run", "track_every", o.track_every, [Interval(int, 1, None)])
    check_param("run", "ip_every", o.ip_every, [Interval(int, 1, None)])
    check_param("run", "alpha", o.alpha, [Interval(float, 0, 1, closed="neither")])
    from infoflow.flow._api import MEASURES, METHODS

    check_param("run", "flow_method", o.flow_method, [Options(*METHODS)])
    check_param("run", "track_method", o.track_method, [Options(*METHODS)])
    check_param("run", "measure", o.measure, [Options(*MEASURES)])
    check_param("run", "network_method", o.network_method, [Options(*METHODS), NoneOK()])
    check_param("run", "n_untrained", o.n_untrained, [Interval(int, 0, None)])
    if o.n_untrained == 1:
        raise InvalidParameterError("run: n_untrained must be 0 (no untrained test) or at least 2; got 1.")
    if not o.lags or any((not isinstance(v, int)) or v < 1 for v in o.lags):
        raise InvalidParameterError(f"run: lags must be positive ints; got {o.lags!r}.")


@dataclass
class RunReport:
    """What :func:`run_pipeline` did: the folder, which stages ran or were skipped, timings."""

    run_dir: Path
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


def tracked_epochs(n_epochs: int, every: int) -> list[int]:
    """Epoch grid for the per-epoch flow: 0, every, 2*every, ..., always ending at the last epoch."""
    grid = list(range(0, n_epochs + 1, every))
    if grid[-1] != n_epochs:
        grid.append(n_epochs)
    return grid


def run_pipeline(out_dir: str | Path, options: RunOptions | None = None, *,
                 progress: ProgressFn | None = None, force: bool = False) -> RunReport:
    """Run every stage into `out_dir`, skipping stages whose inputs and options are unchanged.

    Parameters
    ----------
    out_dir : path
        Run folder; ``seed_<s>/`` sub-folders hold each seed's training run.
    options : RunOptions or None
        None means the defaults (see the module docstring).
    progress : callable(stage, done, total) or None
        Called as each stage advances (the CLI draws one bar per stage).
    force : bool, default=False
        Recompute every stage even when up to date.

    Returns
    -------
    RunReport
    """
    # Imports here: the pipeline is the one place that pulls in every stage (torch included).
    from infoflow.bottleneck import information_plane
    from infoflow.dynamics import analyze_dynamics
    from infoflow.flow import information_flow
    from infoflow.report import write_report
    from infoflow.structure import analyze_structure
    from infoflow.train import load_recording, train

    o = options or RunOptions()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = RunReport(run_dir=out)
    # train() writes a single seed straight into out_dir and several into seed_<s>/ folders
    seed_dirs = [out / f"seed_{s}" for s in o.train.seeds] if len(o.train.seeds) > 1 else [out]
    recordings = [d / "recording.zarr" for d in seed_dirs]
    primary = seed_dirs[0]
    atomic_write_json(out / "run_options.json", o.to_dict())

    def cb(stage: str) -> Callable[[int, int], None] | None:
        return None if progress is None else (lambda done, total: progress(stage, done, total))

    def stage(name: str, options: dict[str, Any], inputs: list[Path], outputs: list[Path],
              compute: Callable[[], Any]) -> None:
        if force:
            for p in outputs:
                _remove(p)
        if progress is not None:
            progress(name, 0, 0)
        t0 = time.perf_counter()
        ran = run_stage(out, name, options=options, inputs=inputs, outputs=outputs, compute=compute)
        (report.ran if ran else report.skipped).append(name)
        report.seconds[name] = round(time.perf_counter() - t0, 2)

    # 1. training (train() resumes an interrupted run from its checkpoints)
    stage("train", o.train_options(), [], recordings,
          lambda: train(o.train, out_dir=out, resume=True, callback=cb("train")))

    # 2. flow: tracked over epochs for every seed (cheap estimator), full test on seed 0
    track_opts = dict(method=o.track_method, surrogates=o.track_surrogates, lags=o.lags, alpha=o.alpha,
                      measure=o.measure, condition_on_input=o.condition_on_input, theiler=o.theiler,
                      epochs=tracked_epochs(o.train.epochs, o.track_every))
    # flows analyse the sliding-window probe (an older stateful one after its zero-state warm-up)
    transient = {"probe_transient": "dropped", "probe": PROBE_KIND}
    for d, rec in zip(seed_dirs, recordings):
        def compute_track(d=d, rec=rec):
            ds = information_flow(drop_transient(load_recording(rec)), seed=0, scheduler=o.scheduler,
                                  callback=cb("flow over epochs"), **track_opts)
            save_dataset(ds, d / "flow_epochs.nc")
        stage(f"flow_epochs({d.name})", {**track_opts, **transient}, [rec], [d / "flow_epochs.nc"], compute_track)

    flow_opts = dict(method=o.flow_method, surrogates=o.surrogates, lags=o.lags, alpha=o.alpha, measure=o.measure,
                     condition_on_input=o.condition_on_input, theiler=o.theiler,
                     screen=bool(o.screen and o.flow_method == "ksg"), epochs=[0, o.train.epochs])

    def compute_flow(measure: str, path: Path):
        ds = information_flow(drop_transient(load_recording(recordings[0])), seed=0, scheduler=o.scheduler,
                              callback=cb("flow"), **{**flow_opts, "measure": measure})
        save_dataset(ds, path)
    stage("flow", {**flow_opts, **transient}, [recordings[0]], [primary / "flow.nc"],
          lambda: compute_flow(o.measure, primary / "flow.nc"))
    # the other measure (TE or the seed's TDMI - MI) through the same estimator and significance path
    other = other_measure(o.measure)
    other_flow = primary / f"flow_{MEASURE_TAGS[other]}.nc"
    other_opts = {**flow_opts, **transient, "measure": other}
    stage(f"flow({other})", other_opts, [recordings[0]], [other_flow], lambda: compute_flow(other, other_flow))

    if o.ksg_check:
        ksg_opts = dict(lags=o.lags, epoch=o.train.epochs, history=1)
        stage("ksg_check", {**ksg_opts, **transient}, [recordings[0]], [primary / "te_ksg.nc"],
              lambda: save_dataset(ksg_te_matrix(drop_transient(load_recording(recordings[0])), epoch=o.train.epochs,
                                                 lags=o.lags),
                                   primary / "te_ksg.nc"))

    # 3. structure: the full flow of seed 0, and the tracked flow of every seed
    struct_opts = dict(n_null=o.n_null, alpha=o.alpha, weight=o.measure)
    stage("structure", struct_opts, [primary / "flow.nc"], [primary / "structure.json"],
          lambda: atomic_write_json(primary / "structure.json",
                                    analyze_structure(load_dataset(primary / "flow.nc"), seed=0,
                                                      callback=cb("structure"),
                                                      **struct_opts)))
    other_struct = primary / f"structure_{MEASURE_TAGS[other]}.json"
    other_struct_opts = {**struct_opts, "weight": other}
    stage(f"structure({other})", other_struct_opts, [other_flow], [other_struct],
          lambda: atomic_write_json(other_struct, analyze_structure(load_dataset(other_flow), seed=0,
                                                                    **other_struct_opts)))
    track_struct_opts = dict(struct_opts, n_null=min(o.n_null, DEFAULT_N_NULL_LAYERS))  # one test per tracked epoch
    for d in seed_dirs:
        stage(f"structure_epochs({d.name})", track_struct_opts, [d / "flow_epochs.nc"], [d / "structure_epochs.json"],
              lambda d=d: atomic_write_json(d / "structure_epochs.json",  # type: ignore[misc]  # (mypy cannot type a lambda whose default binds the loop variable)
                                            analyze_structure(load_dataset(d / "flow_epochs.nc"), seed=0,
                                                              **track_struct_opts)))

    # 3b. untrained networks of the same architecture: the null of Q1/Q2 (every seed's epoch 0 is in its
    # tracked flow; further initialisations are recorded on the same probe and analysed the same way)
    n_extra = max(o.n_untrained - len(seed_dirs), 0) if o.n_untrained else 0
    untrained_flow = out / "untrained_flow.nc"
    if n_extra:
        ut_opts = {**track_opts, **transient, "epochs": "all", "surrogates": 2, "n_extra": n_extra}

        def compute_untrained_flow():
            rec = load_recording(recordings[0])
            nets = record_untrained(rec, load_json(primary / "config.json"), n_extra)
            opts = {k: v for k, v in ut_opts.items() if k not in ("n_extra", "probe_transient", "probe")}
            save_dataset(information_flow(drop_transient(nets), seed=0, scheduler=o.scheduler,
                                          callback=cb("untrained networks"), **opts), untrained_flow)
        stage("untrained_flow", ut_opts, [recordings[0]], [untrained_flow], compute_untrained_flow)
    if o.n_untrained:
        full_flows = {o.measure: primary / "flow.nc", other: other_flow}
        cmp_opts = dict(alpha=o.alpha, n_untrained=o.n_untrained)
        stage("untrained", cmp_opts, [*(d / "flow_epochs.nc" for d in seed_dirs), untrained_flow, *full_flows.values()],
              [out / "untrained.json"],
              lambda: write_json(out / "untrained.json", untrained_comparisons(
                  seed_dirs, untrained_flow if n_extra else None, measures=(o.measure, other), full_flows=full_flows,
                  alpha=o.alpha)))

    # 3c. the effective network of seed 0 at epoch 0 and the last epoch (multivariate TE: direct parents)
    if o.network_method:
        net_opts = dict(method=o.network_method, lags=o.lags, surrogates=o.surrogates, alpha=o.alpha,
                        condition_on_input=o.condition_on_input, epochs=[0, o.train.epochs])

        def compute_network():
            from infoflow.flow import effective_network

            save_dataset(effective_network(drop_transient(load_recording(recordings[0])), seed=0,
                                           scheduler=o.scheduler, callback=cb("effective network"), **net_opts),
                         primary / "network.nc")
        stage("network", {**net_opts, **transient}, [recordings[0]], [primary / "network.nc"], compute_network)

    # 4. information plane (all seeds) and dynamics
    ip_opts = dict(estimators=o.ip_estimators, window=o.ip_window, max_samples=o.ip_max_samples,
                   epochs=tracked_epochs(o.train.epochs, o.ip_every), per_neuron=o.ip_per_neuron)

    def compute_plane():
        import xarray as xr

        recs = [load_recording(r) for r in recordings]
        opts = {k: v for k, v in ip_opts.items() if k not in ("estimators", "per_neuron")}
        parts = []
        for per_neuron in (True, False):
            ests = tuple(e for e in o.ip_estimators if (e in o.ip_per_neuron) == per_neuron)
            if ests:
                parts.append(information_plane(recs, estimators=ests, per_neuron=per_neuron,
                                               callback=cb("information plane"), **opts))
        plane = parts[0] if len(parts) == 1 else xr.concat(
            parts, dim="estimator", data_vars="minimal", coords="minimal", compat="override", join="outer",
            combine_attrs="override")
        save_dataset(plane, out / "information_plane.nc")
    stage("bottleneck", ip_opts, recordings, [out / "information_plane.nc"], compute_plane)

    dyn_opts: dict[str, Any] = {}
    stage("dynamics", dyn_opts, [*recordings, out / "information_plane.nc"], [out / "dynamics.json"],
          lambda: atomic_write_json(out / "dynamics.json",
                                    analyze_dynamics(out, plane=load_dataset(out / "information_plane.nc"),
                                                     figures_dir=out / "figures", callback=cb("dynamics"))))

    # 5. report (always re-rendered: cheap, and it reads only saved files)
    inputs = [out / "run_options.json", primary / "flow.nc", primary / "structure.json", out / "dynamics.json",
              primary / "te_ksg.nc", other_flow, other_struct, out / "untrained.json",
              out / "information_plane.nc", *[d / "structure_epochs.json" for d in seed_dirs]]
    stage("report", {}, inputs, [out / "report.html", out / "summary.json"], lambda: write_report(out))
    report.summary = load_json(out / "summary.json")
    atomic_write_json(out / "timings.json", {"seconds": report.seconds, "ran": report.ran, "skipped": report.skipped})
    return report


def ksg_te_matrix(recording, *, epoch: int, lags: tuple[int, ...]):
    """KSG transfer entropy of every ordered pair at one epoch, peak over `lags` (no surrogates).

    The cross-check of the default Gaussian-copula flow: same pairs, same lags, the
    nonparametric estimator. Returns a Dataset with ``te_ksg (source, target)`` and
    ``te_ksg_lag (lag, source, target)`` in nats.
    """
    import numpy as np
    import xarray as xr

    from infoflow.estimators import pairwise_transfer_entropy

    act = recording["activity"].sel(epoch=epoch)
    per_lag = xr.concat([pairwise_transfer_entropy(act, lag=int(lag), method="ksg") for lag in lags],
                        dim=xr.DataArray(list(lags), dims="lag", name="lag"))
    peak = per_lag.max("lag")
    eye = np.eye(act.sizes["neuron"], dtype=bool)
    peak = peak.where(~xr.DataArray(eye, dims=("source", "target"), coords={"source": peak.source,
                                                                            "target": peak.target}))
    ds = xr.Dataset({"te_ksg": peak, "te_ksg_lag": per_lag}, attrs=dict(per_lag.attrs))
    ds.attrs.pop("lag", None)
    ds.attrs.update(long_name="KSG transfer entropy (peak over lags)", units="nat", epoch=int(epoch),
                    lags=[int(v) for v in lags])
    return ds


def load_json(path: Path) -> dict[str, Any]:
    import json

    return json.loads(Path(path).read_text("utf-8"))


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def analyze_recording(recording: Any, out_dir: str | Path, *, roles: Any = None, method: str = "ksg",
                      lags: tuple[int, ...] = DEFAULT_LAGS, surrogates: int = DEFAULT_SURROGATES,
                      alpha: float = DEFAULT_ALPHA, measure: str = "te", screen: bool = True,
                      n_null: int = DEFAULT_N_NULL,
                      epochs: Any = None, time_column: str | None = None, fill: str | None = None,
                      scheduler: str | None = None, seed: int | np.random.Generator | None = DEFAULT_SEED,
                      progress: ProgressFn | None = None) -> RunReport:
    """Flow, structure and report for a recording a user brings (no training history needed).

    Both measures are analysed: `measure` gives ``flow.nc``/``structure.json`` and the other one
    (TE or the seed's TDMI - MI) ``flow_<te|tdmi>.nc``/``structure_<te|tdmi>.json``, through the same
    estimator and significance path. With no untrained counterpart, the report's answers rest on the
    graph nulls of :func:`infoflow.structure.analyze_structure` and say so.

    Parameters
    ----------
    recording : path, xarray Dataset/DataArray or ndarray
        An activity file (.npy/.npz/.csv/.nc/.zarr, or a run folder), a recording from
        :func:`infoflow.train.record`, or an array of shape (time, neuron) / (epoch, time, neuron).
        A partial recording of an interrupted training run (attr ``complete = 0``) is refused.
    out_dir : path
        Where ``flow.nc``, ``structure.json``, ``summary.json`` and ``report.html`` go.
    roles : sequence of {"input", "hidden", "output"} or None
        One per neuron; required unless the recording carries roles (a ``role`` coordinate, or
        ``roles`` in an ``.npz``): the direction tests need to know where the flow enters and
        leaves. Give "hidden" for neurons whose role you do not know.
    method, lags, surrogates, alpha, measure, screen, scheduler, seed
        As for :func:`infoflow.flow.information_flow` (`screen` applies to method="ksg" only).
    time_column, fill
        For a ``.csv`` file, as for :func:`infoflow.train.load_recording`.
    n_null : int, default=199
        Null networks for the structure tests (at least 1).
    epochs : "all", "last", int, list of int or None, default=None
        Epochs analysed; None: the first and the last of a multi-epoch recording (the untrained
        reference and the trained network), the only one otherwise.

    Returns
    -------
    RunReport
        Sections needing training history (bottleneck, indicators, gradient phases) are marked
        unavailable in the report, with a note. Warnings raised by the flow and structure stages
        are re-emitted once each and saved (``flow.nc`` attr ``warnings``, ``structure.json``
        key ``warnings``) so the report lists them.
    """
    import warnings

    import xarray as xr

    from infoflow._io import recording_fingerprint, source_fingerprint
    from infoflow._validation import SEED_CONSTRAINTS, InfoflowWarning, Interval, Options, check_param, root_seed
    from infoflow.flow import information_flow
    from infoflow.flow._api import MEASURES, METHODS
    from infoflow.report import write_report
    from infoflow.structure import analyze_structure
    from infoflow.train import load_recording
    from infoflow.train._recording import incomplete_message

    func = "analyze_recording"
    check_param(func, "method", method, [Options(*METHODS)])
    check_param(func, "measure", measure, [Options(*MEASURES)])
    check_param(func, "surrogates", surrogates, [Interval(int, 2, None)])
    check_param(func, "n_null", n_null, [Interval(int, 1, None)])
    check_param(func, "alpha", alpha, [Interval(float, 0, 1, closed="neither")])
    check_param(func, "seed", seed, SEED_CONSTRAINTS)
    seed = root_seed(seed)  # one root for both measures' flow and structure
    source = "in-memory recording"
    if isinstance(recording, (str, Path)):
        given = Path(recording)
        source = str(given / "recording.zarr" if given.is_dir() and given.suffix != ".zarr" else given)
        rec = load_recording(recording, roles=list(roles) if roles is not None else None, time_column=time_column,
                             fill=fill)
        if rec.attrs.get("complete", 1) == 0:
            raise ValueError(f"{func}: " + incomplete_message(Path(recording), rec))
        roles_known = roles is not None or bool(rec.attrs.get("roles_given", 1))
    elif isinstance(recording, (xr.Dataset, xr.DataArray)):
        rec = recording
        act0 = rec["activity"] if isinstance(rec, xr.Dataset) else rec
        roles_known = roles is not None or "role" in act0.coords
    else:
        rec = xr.Dataset({"activity": (("epoch", "time", "neuron") if getattr(recording, "ndim", 0) == 3
                                       else ("time", "neuron"), recording)})
        roles_known = roles is not None
    act = rec["activity"] if isinstance(rec, xr.Dataset) else rec
    n_neuron = int(act.sizes.get("neuron", 0))
    if n_neuron < 2:
        raise ValueError(f"{func}: the recording has {n_neuron} neuron(s); information flow is measured between "
                         "pairs of neurons, so at least 2 are needed (check the file's orientation: one column per "
                         "neuron, one row per time step).")
    if not roles_known:
        raise ValueError(f"{func}: the recording carries no roles: give one role per neuron ({n_neuron} of them) "
                         "as input, hidden or output (CLI: --roles input,hidden,...,output). The direction tests "
                         "need to know where information enters and leaves; give 'hidden' where you do not know.")
    if epochs is None:
        epochs = "all"
        if "epoch" in act.dims and act.sizes["epoch"] > 1:
            epochs = [int(act["epoch"].values[0]), int(act["epoch"].values[-1])]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = RunReport(run_dir=out)
    flow_opts = dict(method=method, lags=tuple(lags), surrogates=surrogates, alpha=alpha, measure=measure,
                     screen=bool(screen and method == "ksg"), epochs=epochs)
    analysed = _describe_source(recording, act, source, roles_given=bool(roles is not None or roles_known))
    atomic_write_json(out / "run_options.json", {**flow_opts, "n_null": n_null, "alpha": alpha, "measure": measure,
                                                 "analysed": analysed})
    t0 = time.perf_counter()
    if progress is not None:
        progress("flow", 0, 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = information_flow(rec, roles=list(roles) if roles is not None and "role" not in act.coords else None,
                              seed=seed, scheduler=scheduler,
                              callback=None if progress is None else (lambda d, t: progress("flow", d, t)), **flow_opts)
    flow_warnings = _distinct(caught)
    fingerprint = source_fingerprint(source) if isinstance(recording, (str, Path)) else recording_fingerprint(rec)
    ds.attrs.update(recording_fingerprint=fingerprint, recording_source=source,
                    warnings="\n".join(flow_warnings))
    save_dataset(ds, out / "flow.nc")
    report.seconds["flow"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    if progress is not None:
        progress("structure", 0, 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        structure = analyze_structure(ds, n_null=n_null, alpha=alpha, weight=measure, seed=seed)
    structure_warnings = _distinct(caught)
    structure["warnings"] = structure_warnings
    atomic_write_json(out / "structure.json", structure)
    report.seconds["structure"] = round(time.perf_counter() - t0, 2)
    # the other measure (TE or the seed's TDMI - MI): same estimator, same surrogates, same graph nulls
    other = other_measure(measure)
    t0 = time.perf_counter()
    if progress is not None:
        progress(f"flow ({other})", 0, 0)
    ds_other = information_flow(rec, roles=roles if "role" not in act.coords else None, seed=seed, scheduler=scheduler,
                                callback=None if progress is None else (lambda d, t: progress(f"flow ({other})", d, t)),
                                **{**flow_opts, "measure": other})
    save_dataset(ds_other, out / f"flow_{MEASURE_TAGS[other]}.nc")
    atomic_write_json(out / f"structure_{MEASURE_TAGS[other]}.json",
                      analyze_structure(ds_other, n_null=n_null, alpha=alpha, weight=other, seed=seed))
    report.seconds[f"flow+structure ({other})"] = round(time.perf_counter() - t0, 2)
    for text in dict.fromkeys(flow_warnings + structure_warnings):
        warnings.warn(text, InfoflowWarning, stacklevel=2)
    write_report(out)
    report.ran = ["flow", "structure", f"flow+structure ({other})", "report"]
    report.summary = load_json(out / "summary.json")
    return report


def _distinct(caught: list) -> list[str]:
    """Distinct warning messages (whitespace collapsed), in the order they were first raised."""
    return list(dict.fromkeys(" ".join(str(w.message).split()) for w in caught if str(w.message).strip()))


def _describe_source(recording: Any, act: Any, source: str, *, roles_given: bool) -> dict[str, Any]:
    """What was analysed, for the report's title and set-up table."""
    import json

    info: dict[str, Any] = {"source": source, "neurons": int(act.sizes.get("neuron", 0)),
                            "time steps": int(act.sizes.get("time", 0)),
                            "epochs in recording": int(act.sizes.get("epoch", 1)), "roles given": roles_given}
    if isinstance(recording, (str, Path)):
        folder = Path(recording)
        folder = folder.parent if folder.name == "recording.zarr" else folder
        cfg_path = folder / "config.json"
        if folder.is_dir() and cfg_path.exists():
            try:
                cfg = json.loads(cfg_path.read_text("utf-8"))
            except (OSError, ValueError):
                cfg = {}
            info["trained run"] = {k: cfg[k] for k in ("dataset_label", "arch", "n_units", "epochs", "seeds")
                                   if k in cfg}
    return info
