"""BioNet: run SONATA circuits of compartmental and artificial cells on NEURON.

BMTK's four-line shape works::

    conf = bionet.Config.from_json("config.simulation.json")
    net = bionet.BioNetwork.from_config(conf)
    sim = bionet.BioSimulator.from_config(conf, net)
    sim.run()

Importing this package imports neither NEURON nor mpi4py; NEURON is loaded when a network is built,
and MPI is started only when the process was launched by mpirun (``mpirun -n 4 python run.py``: cells
are dealt to ranks round robin, rank 0 writes the same files a serial run writes).

Weight functions named in edge types' ``weight_function`` column are registered with
``add_weight_function(func, name)`` (for every network; ``func(batch)`` returns one weight per synapse,
see ``simulators/core/weights.py``), ``BioNetwork.add_weight_function`` (one network) or BMTK's per-edge
``@synaptic_weight`` decorator. Mechanisms come from NEURON's built-ins and the config's
``components.mechanisms_dir`` (as in BMTK), whose .mod files are compiled automatically into
``$BMTK_LIKE_CACHE`` (default ``~/.cache/bmtk_like``); mechanisms identical to loaded ones are reused.
"""
from __future__ import annotations

import os
from typing import Any

# NEURON prints "no DISPLAY environment variable" on every import without a screen; we never use its GUI.
os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")

from bmtk_like.config import SimulationConfig as Config  # noqa: E402
from simulators.bionet import nrn  # noqa: E402  (BMTK run scripts end with bionet.nrn.quit_execution())
from simulators.bionet.network import BioNetwork  # noqa: E402
from simulators.bionet.simulator import BioSimulator, run_config  # noqa: E402
from simulators.bionet.weights import add_weight_function, synaptic_weight  # noqa: E402

__all__ = ["BioNetwork", "BioSimulator", "Config", "add_weight_function", "nrn", "run_config", "synaptic_weight"]
