"""The run sequence every backend follows; a backend supplies only the steps that differ.

One run, on any backend::

    run_config(cfg, **overrides)                       # simulators.<backend>.run_config
      check_overrides(backend, overrides, accepted)    # unknown key -> the same ConfigError everywhere
      network = <X>Network.from_config(cfg)            # load the circuit (nothing written yet: a
                                                       #   circuit that cannot be read leaves old outputs)
      sim = <X>Simulator.from_config(cfg, network)     #   -> begin_run(): output folder + log, once
                                                       #   -> build cells/populations, inputs, recorders
      result = sim.run()                               # simulate, write files
                                                       #   -> end_run(): after_run hook, close the log
    a failure anywhere after the log opened is written to it (failures_logged) and re-raised.

BMTK's four-line scripts (``Config.from_json`` / ``Network.from_config`` / ``Simulator.from_config`` /
``sim.run()``) go through the same ``begin_run`` and ``end_run``, so the output folder is prepared
at one moment on every backend: when the simulator is made from the config.
"""
from __future__ import annotations

import difflib
import logging
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

from bmtk_like.errors import ConfigError
from simulators.core.output import LOGGER_NAME, close_logging, log_failure, prepare_output_dir, setup_logging
from simulators.core.results import SimulationResult

log = logging.getLogger(LOGGER_NAME)

#: Overrides every backend accepts (ms); ``simulators.run`` applies them to the config's run section.
COMMON_OVERRIDES = frozenset({"tstop", "dt"})

_after_run_hooks: list[Callable[[Any, SimulationResult], None]] = []


def check_overrides(backend: str, overrides: Mapping[str, Any], accepted: Iterable[str]) -> dict:
    """Return ``overrides`` as a dict; ConfigError naming every unknown key (with a close match) if any.

    The message has one shape on every backend: ``unknown run override(s) 'x' (did you mean 'y'?) for
    <backend>; accepted: a, b, c``.
    """
    accepted = sorted(set(accepted) | COMMON_OVERRIDES)
    unknown = sorted(set(overrides) - set(accepted))
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(str(key), accepted, n=1)
            hints.append(f"'{key}' (did you mean '{close[0]}'?)" if close else f"'{key}'")
        raise ConfigError(f"unknown run override(s) {', '.join(hints)} for {backend}; "
                          f"accepted: {', '.join(accepted)}")
    return dict(overrides)


def check_whole_steps(tstop: float, dt: float) -> None:
    """ConfigError unless ``tstop`` (ms) is a whole number of ``dt`` (ms) steps."""
    steps = float(tstop) / float(dt)
    if abs(steps - round(steps)) > 1e-6 * max(1.0, steps):
        raise ConfigError(f"run.tstop {tstop} ms is not a whole number of run.dt {dt} ms steps; "
                          "adjust one of them in the config's run section")


def begin_run(cfg: Any, extra_outputs: Iterable[str | Path] = (), *, is_root: bool = True,
              barrier: Optional[Callable[[], None]] = None) -> Path:
    """Prepare the output folder (``simulators.core.output`` policy) and open the run log.

    The one moment every backend's ``<X>Simulator.from_config`` calls, once the circuit is loaded.
    Under MPI only the root rank touches the folder; ``barrier`` makes the others wait for it.
    """
    out_dir = Path(cfg.output.output_dir)
    if is_root:
        prepare_output_dir(cfg, extra_outputs)
        setup_logging(cfg)
    if barrier is not None:
        barrier()
    return out_dir


def add_after_run_hook(hook: Callable[[Any, SimulationResult], None]) -> None:
    """Call ``hook(cfg, result)`` after every finished run, while the log is still open.

    For run summaries (per-population counts, rates...) written to the log or the console.
    Adding the same hook twice has no effect.
    """
    if hook not in _after_run_hooks:
        _after_run_hooks.append(hook)


def remove_after_run_hook(hook: Callable[[Any, SimulationResult], None]) -> None:
    """Stop calling ``hook`` after runs (no error if it was not added)."""
    if hook in _after_run_hooks:
        _after_run_hooks.remove(hook)


def after_run(cfg: Any, result: SimulationResult) -> None:
    """Everything that follows a successful run on any backend, before the log closes."""
    for hook in list(_after_run_hooks):
        hook(cfg, result)
    if result.timings:
        log.info("%s run finished; timings (s): %s", result.backend,
                 ", ".join(f"{k}={v:.3f}" for k, v in result.timings.items()))


def end_run(cfg: Any, result: SimulationResult) -> SimulationResult:
    """Run the after-run steps (:func:`after_run`), record the log file, close the log; return ``result``."""
    try:
        after_run(cfg, result)
    finally:
        close_logging()
    log_file = getattr(getattr(cfg, "output", None), "log_file", None)
    if log_file and "log" not in result.files:
        result.files["log"] = Path(log_file)
    return result


@contextmanager
def failures_logged() -> Iterator[None]:
    """Write an exception raised inside the block to the run log, close the log, re-raise it."""
    try:
        yield
    except BaseException as exc:
        log_failure(exc)
        close_logging()
        raise


def run_sequence(backend: str, cfg: Any, overrides: Mapping[str, Any], accepted: Iterable[str],
                 load: Callable[[Any, dict], Any], make_simulator: Callable[[Any, Any, dict], Any],
                 simulate: Callable[[Any], SimulationResult] = lambda sim: sim.run()) -> SimulationResult:
    """The shared ``run_config``: check overrides, load, make the simulator, simulate and write.

    Args:
        backend: the name used in messages (e.g. ``"NEST (pointnet)"``).
        cfg: a SimulationConfig, or a path/dict to one.
        overrides: the caller's keyword overrides; ``accepted`` names the backend's own.
        load: ``load(cfg, overrides) -> network`` (reads the circuit; writes nothing).
        make_simulator: ``make_simulator(cfg, network, overrides) -> simulator``; it calls
            :func:`begin_run` and builds.
        simulate: ``simulate(simulator) -> SimulationResult``; runs, writes, ends with :func:`end_run`.
    """
    from simulators.core.run import load_config

    cfg = load_config(cfg)
    overrides = check_overrides(backend, overrides, accepted)
    start = time.perf_counter()
    network = load(cfg, overrides)
    load_time = time.perf_counter() - start
    with failures_logged():
        sim = make_simulator(cfg, network, overrides)
        result = simulate(sim)
    result.timings.setdefault("load", load_time)
    return result
