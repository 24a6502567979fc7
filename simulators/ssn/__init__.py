"""ssn: BMTK PopNet's stabilized supralinear network (SSN) rate model (target_simulator "SSN").

The level below population densities: each recurrent node is one rate unit r (Hz)
with, per step of ``run.dt``,

    u   = f(scaling_coef · Σⱼ W[i, j] sⱼ) ** exponent        (s = recurrent rates, then external)
    r  ← f(r + (−r + u) · dt / decay_const)

f the activation (bmtk's default ``relu``), W[i, j] the ``syn_weight`` of the edge j → i.
``network.py`` reads the circuit, ``inputs.py`` the initial states and external rates,
``simulator.py`` steps and writes bmtk's rates files. Same surface as the other backends:
``Config``, ``SSNNetwork.from_config``, ``SSNSimulator.from_config``, ``run_config``.
"""
from __future__ import annotations

from typing import Any

from bmtk_like.config import SimulationConfig

Config = SimulationConfig

__all__ = ["Config", "SSNNetwork", "SSNSimulator", "run_config"]


def run_config(cfg: Any, **overrides: Any):
    """Run an SSN config (path, dict or SimulationConfig); returns a SimulationResult."""
    from simulators.ssn.simulator import run_config as _run

    return _run(cfg, **overrides)


def __getattr__(name: str) -> Any:
    if name == "SSNNetwork":
        from simulators.ssn.network import SSNNetwork

        return SSNNetwork
    if name == "SSNSimulator":
        from simulators.ssn.simulator import SSNSimulator

        return SSNSimulator
    raise AttributeError(f"module 'simulators.ssn' has no attribute '{name}'")
