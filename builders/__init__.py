"""Build SONATA circuits with bmtk's calls, columnar and fast.

``from builders import NetworkBuilder`` replaces ``from bmtk.builder import NetworkBuilder``.
Connection rules (:mod:`builders.rules`) and edge-property rules
(:mod:`builders.properties`) work on arrays; bmtk's per-pair callables still work.
Positions: :mod:`builders.positions` (bmtk's names in ``builders.auxi.node_params``);
synapse placement: :mod:`builders.placement` over :mod:`builders.morphology`
(bmtk's per-edge ``rand_syn_locations`` in :mod:`builders.bionet`).
"""
from builders.network import NetworkBuilder
from builders.node_table import Node, NodeArrays, NodeSelection
from builders.connection_map import ConnectionMap
from builders.rules import (AllToAll, ConnectionRule, DistanceProbability, FixedInDegree, FixedOutDegree,
                            FixedProbability, FixedTotalNumber, OneToOne, vectorised)
from builders.properties import (ConstantValue, DistanceValues, LognormalValues, NormalValues, UniformValues)
from builders import positions

# bmtk's other names for the same builder
DenseNetwork = NetworkBuilder
BioNetBuilder = NetworkBuilder

__all__ = ["NetworkBuilder", "DenseNetwork", "BioNetBuilder", "Node", "NodeArrays", "NodeSelection", "ConnectionMap",
           "ConnectionRule", "AllToAll", "DistanceProbability", "FixedInDegree", "FixedOutDegree",
           "FixedProbability", "FixedTotalNumber", "OneToOne", "vectorised", "ConstantValue",
           "DistanceValues", "LognormalValues", "NormalValues", "UniformValues", "positions"]
