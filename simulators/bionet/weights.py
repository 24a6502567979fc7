"""Weight functions on NEURON: the contract is ``simulators/core/weights.py`` (batch signature, per-network
registry, BMTK's ``@synaptic_weight``); a weight here is per synapse (µS for NetCons onto synapses).

``add_weight_function`` / ``synaptic_weight`` register for every network (BMTK's module-level habit);
``BioNetwork.add_weight_function`` for one network. Built in (:data:`PER_SYNAPSE_BUILTINS`): ``wmax``,
``default_weight_fnc``, ``static_weight``, ``set_syn_weight`` (the edge's ``syn_weight``) and ``gaussianLL``.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from simulators.core.weights import (PER_SYNAPSE_BUILTINS, EdgeBatch, WeightFunctions, add_weight_function,
                                     synaptic_weight)

__all__ = ["PER_SYNAPSE_BUILTINS", "add_weight_function", "compute_weights", "network_weight_functions",
           "synaptic_weight"]


def network_weight_functions() -> WeightFunctions:
    """A new per-network registry with NEURON's built-ins (weights per synapse)."""
    return WeightFunctions(PER_SYNAPSE_BUILTINS)


def compute_weights(name: str | None, edges: Mapping[str, np.ndarray], src: Mapping[str, np.ndarray],
                    trg: Mapping[str, np.ndarray], who: str) -> np.ndarray:
    """Weights of edges given as dicts of arrays (edge ``i`` from ``src[..][i]`` to ``trg[..][i]``) by the
    function ``name`` (None: ``syn_weight``), with the global and built-in functions."""
    functions = network_weight_functions()
    batch = EdgeBatch.from_columns(edges, src, trg)
    return functions.compute(name, batch, who) if name is not None else functions.weights(batch, who)
