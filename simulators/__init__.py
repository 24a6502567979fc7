"""Simulators: run SONATA circuits on NEURON (bionet), NEST (pointnet) or the
population-density solver (popnet). Backends are imported only when they run."""
from __future__ import annotations

from typing import Any


def run(config: Any, simulator: str | None = None, **overrides: Any):
    """Run ``config`` (path, dict or SimulationConfig) on ``simulator`` or its target_simulator.

    Returns the backend's ``simulators.core.SimulationResult``. See
    ``simulators.core.run.run`` for the accepted simulator names.
    """
    from simulators.core.run import run as _run

    return _run(config, simulator=simulator, **overrides)


__all__ = ["run"]
