"""`run(config, simulator=None)`: load a config, hand it to the chosen backend, summarise the run."""
from __future__ import annotations

import os
from typing import Any, Optional

from bmtk_like.errors import SimulationError
from bmtk_like.progress import progress_setting
from simulators.core.level_output import output_dir_for_level, with_output_dir
from simulators.core.registry import canonical_name, get_backend
from simulators.core.results import SimulationResult
from simulators.core.summary import finish_run


def load_config(config: Any) -> Any:
    """A SimulationConfig from a path, a dict, or an already-loaded config (returned as is)."""
    if isinstance(config, (str, os.PathLike, dict)):
        from bmtk_like.config import SimulationConfig

        return SimulationConfig.from_json(config)
    return config


def run(config: Any, simulator: str | None = None, output_dir: "str | os.PathLike[str] | None" = None,
        progress: Optional[bool] = None, **overrides: Any) -> SimulationResult:
    """Run a simulation config on a backend and return its SimulationResult.

    Args:
        config: path of a simulation config JSON, a config dict, or a SimulationConfig.
        simulator: backend name or alias (``NEST``/``pointnet``, ``NEURON``/``bionet``,
            ``popnet``/``DiPDE``/``population``); overrides the config's ``target_simulator``.
            A level other than the config's ``target_simulator`` writes into
            ``<output_dir>_<level>`` (see ``simulators.core.level_output``).
        output_dir: write the run's files here instead (log, spikes, reports follow).
        progress: progress bars on/off (default: when stderr is a terminal).
        **overrides: passed to the backend's ``run_config`` (e.g. ``tstop=500.0`` ms, ``nthreads=2``).

    After the backend finishes, ``result.extra["summary"]`` holds one row per population group
    (cells, spikes, mean rate Hz), written to the log and to ``run_info.json`` in the output folder.
    """
    cfg = load_config(config)
    name = simulator or getattr(cfg, "target_simulator", None)
    if not name:
        raise SimulationError(
            f"config {getattr(cfg, 'path', '(dict)')} has no 'target_simulator'; add e.g. "
            "\"target_simulator\": \"NEST\" to it or pass simulator='NEST' / --simulator NEST")
    try:
        canonical_name(name)        # unknown names fail here with the list of known ones
    except SimulationError as exc:
        if simulator:
            raise
        raise SimulationError(f"{getattr(cfg, 'path', '(dict)')}: key 'target_simulator': {exc}") from None
    if (overrides.get("coreneuron") or getattr(getattr(cfg, "run", None), "coreneuron", False)) \
            and canonical_name(name) != "NEURON":
        raise SimulationError(f"CoreNEURON (--coreneuron or run.coreneuron in {getattr(cfg, 'path', '(dict)')}) "
                              f"runs the NEURON backend only, not {name}; drop it or run with --simulator NEURON")
    if not overrides.get("coreneuron", True):
        overrides.pop("coreneuron")
    if output_dir is None:
        output_dir = output_dir_for_level(cfg, simulator)
    if output_dir is not None:
        cfg = with_output_dir(cfg, output_dir)
    run_keys = {k: overrides[k] for k in ("tstop", "dt") if overrides.get(k) is not None}
    if run_keys and getattr(cfg, "has_run", False):
        cfg = cfg.with_overrides({"run": run_keys})   # inputs' default windows follow the new tstop
    with progress_setting(progress):
        result = get_backend(name)(cfg, **overrides)
        if isinstance(result, SimulationResult):
            finish_run(cfg, result)
    return result
