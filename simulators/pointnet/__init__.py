"""PointNet: run SONATA circuits of point neurons on NEST.

BMTK's four-line shape works::

    conf = pointnet.Config.from_json("config.simulation.json")
    net = pointnet.PointNetwork.from_config(conf)
    sim = pointnet.PointSimulator.from_config(conf, net)
    sim.run()

Importing this package does not import NEST; the kernel is loaded when a simulator is built.
"""
from __future__ import annotations

from typing import Any

__all__ = ["Config", "PointNetwork", "PointSimulator", "run_config"]


def __getattr__(name: str) -> Any:
    if name == "Config":
        from bmtk_like.config import SimulationConfig

        return SimulationConfig
    if name == "PointNetwork":
        from simulators.pointnet.network import PointNetwork

        return PointNetwork
    if name == "PointSimulator":
        from simulators.pointnet.simulator import PointSimulator

        return PointSimulator
    if name == "run_config":
        from simulators.pointnet.simulator import run_config

        return run_config
    raise AttributeError(f"module 'simulators.pointnet' has no attribute '{name}'")
