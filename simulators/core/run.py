"""`run(config, simulator=None)`: load a config and hand it to the chosen backend."""
from __future__ import annotations

import os
from typing import Any

from bmtk_like.errors import SimulationError
from simulators.core.registry import canonical_name, get_backend
from simulators.core.results import SimulationResult


def load_config(config: Any) -> Any:
    """A SimulationConfig from a path, a dict, or an already-loaded config (returned as is)."""
    if isinstance(config, (str, os.PathLike, dict)):
        from bmtk_like.config import SimulationConfig

        return SimulationConfig.from_json(config)
    return config


def run(config: Any, simulator: str | None = None, **overrides: Any) -> SimulationResult:
    """Run a simulation config on a backend and return its SimulationResult.

    Args:
        config: path of a simulation config JSON, a config dict, or a SimulationConfig.
        simulator: backend name or alias (``NEST``/``pointnet``, ``NEURON``/``bionet``,
            ``popnet``/``DiPDE``/``population``); overrides the config's ``target_simulator``.
        **overrides: passed to the backend's ``run_config`` (e.g. ``nthreads=2``).
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
    run_keys = {k: overrides[k] for k in ("tstop", "dt") if overrides.get(k) is not None}
    if run_keys and getattr(cfg, "has_run", False):
        cfg = cfg.with_overrides({"run": run_keys})   # inputs' default windows follow the new tstop
    return get_backend(name)(cfg, **overrides)
