"""PointNet: run SONATA circuits of point neurons on NEST.

BMTK's four-line shape works::

    conf = pointnet.Config.from_json("config.simulation.json")
    net = pointnet.PointNetwork.from_config(conf)
    sim = pointnet.PointSimulator.from_config(conf, net)
    sim.run()

Importing this package does not import NEST; the kernel is loaded when a simulator is built.
"""
from bmtk_like.config import SimulationConfig as Config
from simulators.pointnet.network import PointNetwork
from simulators.pointnet.simulator import PointSimulator, run_config

__all__ = ["Config", "PointNetwork", "PointSimulator", "run_config"]
