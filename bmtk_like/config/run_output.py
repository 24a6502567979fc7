"""The ``run``, ``conditions`` and ``output`` sections of a simulation config."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from bmtk_like.config import checks
from bmtk_like.config.paths import output_file, resolve_path
from bmtk_like.config.vocabulary.lint import closest
from bmtk_like.config.vocabulary.sections import RUN as RUN_KEYS
from bmtk_like.errors import ConfigError


@dataclass(frozen=True)
class RunSettings:
    """The ``run`` section.

    Times in ms, except that popnet (DiPDE) configs give ``dt`` in seconds: the
    values are kept as written and the popnet backend converts them. ``extra``
    holds the whole raw ``run`` dict, unknown keys included.
    """

    tstop: float
    dt: float
    spike_threshold: float = -15.0   # mV, spike detection threshold (NEURON)
    dL: float = 20.0                 # µm, maximum segment length (NEURON)
    nsteps_block: int = 5000         # steps between report/spike flushes
    nthreads: int = 1
    seed: Optional[int] = None
    block_run: bool = False
    block_size: Optional[float] = None
    tstart: float = 0.0              # ms
    coreneuron: bool = False         # NEURON backend: simulate on CoreNEURON
    extra: dict = field(default_factory=dict)
    duration: Optional[float] = None  # ms, bmtk pointnet's alternative to tstop (as written)

    def tstop_for(self, level: str) -> float:
        """The end time (ms) bmtk gives this run on ``level`` (NEST, NEURON or popnet): bmtk's
        pointnet runs for ``duration`` when the config has one, the others until ``tstop``."""
        return self.duration if level == "NEST" and self.duration is not None else self.tstop


def parse_run(run: Any, source: str) -> RunSettings:
    """Validate the ``run`` section; ``tstop`` and ``dt`` are required numbers > 0.

    ``duration`` (bmtk pointnet's alternative) stands in for a missing ``tstop``; when
    both are given, ``tstop`` is kept here and ``duration`` recorded (bmtk's pointnet
    runs for ``duration``; the vocabulary warns that the two differ).
    """
    run = checks.mapping(run, "run", source)
    duration = checks.optional_number(run.get("duration"), "run.duration", source, "ms",
                                      positive=True)
    for key in ("tstop", "dt"):
        if key not in run and not (key == "tstop" and duration is not None):
            typo = closest(key, [k for k in run if k not in RUN_KEYS])
            hint = f" ('run.{typo}' is there: a misspelling of '{key}'?)" if typo else ""
            raise ConfigError(f"{source}: missing required key 'run.{key}'{hint}; add it to the "
                              f"\"run\" section, e.g. \"run\": {{\"tstop\": 1000.0, \"dt\": 0.1}} "
                              f"(ms).")
    tstop = checks.number(run.get("tstop", duration), "run.tstop", source, "ms", positive=True)
    dt = checks.number(run["dt"], "run.dt", source, "ms", positive=True)
    if dt > tstop:
        raise ConfigError(f"{source}: 'run.dt' ({dt}) is larger than 'run.tstop' ({tstop}); "
                          f"the time step must not exceed the simulated time.")
    tstart = checks.number(run.get("tstart", 0.0), "run.tstart", source, "ms")
    if not 0.0 <= tstart < tstop:
        raise ConfigError(f"{source}: 'run.tstart' ({tstart}) must be >= 0 and below "
                          f"'run.tstop' ({tstop}).")
    seed = run.get("seed")
    return RunSettings(
        tstop=tstop, dt=dt,
        spike_threshold=checks.number(run.get("spike_threshold", -15.0),
                                      "run.spike_threshold", source, "mV"),
        dL=checks.number(run.get("dL", 20.0), "run.dL", source, "µm", positive=True),
        nsteps_block=checks.integer(run.get("nsteps_block", 5000), "run.nsteps_block",
                                    source, minimum=1),
        nthreads=checks.integer(run.get("nthreads", 1), "run.nthreads", source, minimum=1),
        seed=None if seed is None else checks.integer(seed, "run.seed", source, minimum=0),
        block_run=checks.boolean(run.get("block_run", False), "run.block_run", source),
        block_size=checks.optional_number(run.get("block_size"), "run.block_size", source,
                                          "ms", positive=True),
        tstart=tstart,
        coreneuron=checks.boolean(run.get("coreneuron", False), "run.coreneuron", source),
        extra=dict(run),
        duration=duration,
    )


CONDITION_DEFAULTS = {"v_init": -65.0, "celsius": 34.0}


def parse_conditions(conditions: Any, source: str) -> dict:
    """Validate ``conditions``; defaults ``v_init`` = -65.0 mV, ``celsius`` = 34.0 °C."""
    conditions = checks.mapping(conditions if conditions is not None else {}, "conditions",
                                source)
    merged = {**CONDITION_DEFAULTS, **conditions}
    for key, units in (("v_init", "mV"), ("celsius", "degrees Celsius")):
        merged[key] = checks.number(merged[key], f"conditions.{key}", source, units)
    return merged


@dataclass(frozen=True)
class OutputSettings:
    """The ``output`` section, with every file resolved under ``output_dir``.

    ``overwrite_output_dir`` defaults to True (BMTK's documented default); when
    false, backends must refuse to write into an existing non-empty folder.
    ``spikes_sort_order`` is one of ``by_time``, ``by_id``, ``none``.
    """

    output_dir: Path
    log_file: Optional[Path] = None
    spikes_file: Optional[Path] = None
    spikes_file_csv: Optional[Path] = None
    spikes_sort_order: str = "by_time"
    overwrite_output_dir: bool = True
    quiet_simulator: bool = False
    rates_file: Optional[Path] = None
    extra: dict = field(default_factory=dict)


SORT_ORDERS = {"time": "by_time", "by_time": "by_time", "id": "by_id", "by_id": "by_id",
               "node_id": "by_id", "gid": "by_id", "none": "none", "unsorted": "none"}
OUTPUT_FILE_KEYS = ("log_file", "spikes_file", "spikes_file_csv", "rates_file")


def parse_output(output: Any, source: str, config_dir: Path) -> OutputSettings:
    """Validate ``output`` and resolve its paths.

    ``output_dir`` (default ``output``) is relative to ``config_dir``; the file
    keys are relative to ``output_dir``. ``spikes_file`` defaults to
    ``spikes.h5``; other files are written only when named.
    """
    output = checks.mapping(output if output is not None else {}, "output", source)
    out_dir_text = checks.string(output.get("output_dir", "output"), "output.output_dir", source)
    output_dir = Path(resolve_path(out_dir_text, config_dir))
    overwrite = checks.boolean(output.get("overwrite_output_dir", True),
                               "output.overwrite_output_dir", source)
    files: dict[str, Optional[Path]] = {}
    for key in OUTPUT_FILE_KEYS:
        value = output.get(key, "spikes.h5" if key == "spikes_file" else None)
        if value is not None:
            value = output_file(checks.string(value, f"output.{key}", source),
                                output_dir, config_dir)
        files[key] = value
    order = checks.string(output.get("spikes_sort_order", "time"), "output.spikes_sort_order",
                          source)
    if order.lower() not in SORT_ORDERS:
        raise ConfigError(f"{source}: 'output.spikes_sort_order' is {order!r}; expected one "
                          f"of \"time\", \"id\" or \"none\".")
    return OutputSettings(
        output_dir=output_dir,
        spikes_sort_order=SORT_ORDERS[order.lower()],
        overwrite_output_dir=overwrite,
        quiet_simulator=checks.boolean(output.get("quiet_simulator", False),
                                       "output.quiet_simulator", source),
        extra=dict(output), **files)


def output_as_data(settings: OutputSettings) -> dict:
    """The resolved ``output`` section as JSON-ready data (paths as strings)."""
    data = dict(settings.extra)
    data.update(output_dir=str(settings.output_dir),
                spikes_sort_order=settings.spikes_sort_order,
                overwrite_output_dir=settings.overwrite_output_dir,
                quiet_simulator=settings.quiet_simulator)
    for key in OUTPUT_FILE_KEYS:
        value = getattr(settings, key)
        if value is not None:
            data[key] = str(value)
    return data
