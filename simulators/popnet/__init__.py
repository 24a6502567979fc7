"""popnet: population-density simulation of SONATA circuits (target_simulator
"popnet", aliases "DiPDE" and "population").

``solver.py`` is the pure numpy/scipy engine; ``network.py`` maps circuits onto
it, ``simulator.py`` runs and writes outputs, ``units.py`` is the one place where
BMTK's seconds/volts become ms/mV. Importing this package imports neither NEST nor
NEURON, and loads the backend modules only when used.
"""
from __future__ import annotations

from typing import Any

from bmtk_like.config import SimulationConfig

Config = SimulationConfig

__all__ = ["Config", "PopNetwork", "PopSimulator", "run_config"]


def run_config(cfg: Any, **overrides: Any):
    """Run a popnet config (path, dict or SimulationConfig); returns a SimulationResult."""
    from simulators.popnet.simulator import run_config as _run

    return _run(cfg, **overrides)


def __getattr__(name: str) -> Any:
    if name == "PopNetwork":
        from simulators.popnet.network import PopNetwork

        return PopNetwork
    if name == "PopSimulator":
        from simulators.popnet.simulator import PopSimulator

        return PopSimulator
    raise AttributeError(f"module 'simulators.popnet' has no attribute '{name}'")
