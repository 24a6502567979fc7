"""popnet: population-density simulation of SONATA circuits (target_simulator
"popnet", aliases "DiPDE" and "population").

``solver.py`` is the pure numpy/scipy engine; ``network.py`` maps circuits onto
it, ``simulator.py`` runs and writes outputs, ``units.py`` is the one place where
BMTK's seconds/volts become ms/mV. Importing this package imports neither NEST nor
NEURON.
"""
from bmtk_like.config import SimulationConfig as Config
from simulators.popnet.network import PopNetwork
from simulators.popnet.simulator import PopSimulator, run_config

__all__ = ["Config", "PopNetwork", "PopSimulator", "run_config"]
