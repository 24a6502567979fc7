"""`PointNetwork`: the circuit of a config, prepared for NEST (no NEST call yet)."""
from __future__ import annotations

import time
from typing import Any, Callable, Optional

from simulators.core import Circuit, load_config
from simulators.pointnet.synapses import weight_functions_for


class PointNetwork:
    """A loaded circuit plus the user hooks the NEST build will use.

    ``PointNetwork.from_config(cfg)`` reads every node/edge population (columnar);
    the NEST objects are made by ``PointSimulator.from_config(cfg, net)``.
    """

    def __init__(self, circuit: Circuit, config: Any = None, load_time: float = 0.0):
        self.circuit = circuit
        self.config = config
        self.load_time = load_time
        self.weight_functions = weight_functions_for()

    @classmethod
    def from_config(cls, cfg: Any) -> "PointNetwork":
        """Load the circuit of ``cfg`` (a SimulationConfig, or a path/dict to one)."""
        cfg = load_config(cfg)
        start = time.perf_counter()
        circuit = Circuit.from_config(cfg)
        return cls(circuit, cfg, time.perf_counter() - start)

    def add_weight_function(self, function: Callable, name: Optional[str] = None,
                            overwrite: bool = True) -> None:
        """Register a weight function for edge types naming it in ``weight_function``, on this network only.

        ``function(batch)`` receives a ``simulators.core.weights.EdgeBatch`` (arrays for the edges of one
        edge type: ``syn_weight()``, ``nsyns()``, ``column(name)``, ``source_column(name)``...) and returns
        one weight per edge (NEST units, pA for current-based synapses); see ``simulators/core/weights.py``
        for BMTK's per-edge form.
        """
        self.weight_functions.add(function, name, overwrite=overwrite)

    @property
    def nodes(self) -> dict:
        return self.circuit.nodes

    @property
    def edges(self) -> dict:
        return self.circuit.edges

    def __repr__(self) -> str:
        return f"PointNetwork({self.circuit!r})"
