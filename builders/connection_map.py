"""One edge type as recorded by ``add_edges``: selections, rule, properties (bmtk's ConnectionMap)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bmtk_like.errors import BuilderError
from builders.arguments import check_params, check_property_name
from builders.node_table import NodeSelection

ITERATORS = ("one_to_one", "one_to_all", "all_to_one")


@dataclass
class PropertySpec:
    """One ``add_properties`` call: ``names`` filled by ``rule`` (or fixed ``values``)."""
    names: list[str]
    rule: Any
    rule_params: dict
    dtypes: list[Any | None]
    values: np.ndarray | None = None


class ConnectionMap:
    """An edge type: which nodes connect (``connector``), how many synapses, and per-edge properties.

    Returned by ``NetworkBuilder.add_edges``; call :meth:`add_properties` to add
    per-edge columns. Edges are made by ``build()``.
    """

    def __init__(self, network, source: NodeSelection, target: NodeSelection, connector: Any,
                 connector_params: dict | None, iterator: str, edge_type_properties: dict,
                 morphologies_dir: str | None = None):
        if iterator not in ITERATORS:
            raise BuilderError(f"network '{network.name}', edge type {edge_type_properties.get('edge_type_id')}: "
                               f"iterator={iterator!r} is not one of {', '.join(ITERATORS)}.")
        self.network = network
        self.source_nodes = source
        self.target_nodes = target
        self.connector = connector
        self.connector_params = dict(connector_params or {})
        self.iterator = iterator
        self.edge_type_properties = edge_type_properties
        self.morphologies_dir = morphologies_dir
        self.params: list[PropertySpec] = []

    @property
    def edge_type_id(self) -> int:
        return int(self.edge_type_properties["edge_type_id"])

    @property
    def source_network_name(self) -> str:
        return self.source_nodes.network_name

    @property
    def target_network_name(self) -> str:
        return self.target_nodes.network_name

    @property
    def property_names(self) -> list[str]:
        names = [n for p in self.params for n in p.names]
        return names or ["nsyns"]

    def describe(self) -> str:
        """'network 'v1', edge type 100 (v1 -> lgn)' for error messages."""
        return (f"network '{self.network.name}', edge type {self.edge_type_id} "
                f"({self.source_network_name} [{self.source_nodes.filter_str}] -> "
                f"{self.target_network_name} [{self.target_nodes.filter_str}])")

    def add_properties(self, names: str | list[str], rule: Any = None, rule_params: dict | None = None,
                       values: Any = None, dtypes: Any = None) -> "ConnectionMap":
        """Add per-edge properties ``names`` computed by ``rule`` or given as ``values``.

        ``rule`` may be a vectorised rule (``rule(sources, targets, rng, **rule_params)``
        on edge-aligned tables, see :mod:`builders.properties`), a bmtk per-edge
        callable ``rule(source_node, target_node, **rule_params)`` (slow path), or a
        constant. ``values`` is one value per edge row in build order. A rule
        returning several properties returns a tuple of arrays (one per name).
        Edges of a type with properties are stored one row per synapse, as bmtk does.
        """
        where = f"{self.describe()}: add_properties"
        name_list = [names] if isinstance(names, str) else list(names)
        if not name_list or not all(isinstance(n, str) for n in name_list):
            raise BuilderError(f"{where}: names must be a string or a list of strings, got {names!r}.")
        for name in name_list:
            check_property_name(name, where)
        rule_params = check_params(rule_params, "rule_params", where)
        if (rule is None) == (values is None):
            raise BuilderError(f"{where}({name_list}): give exactly one of rule= or values=.")
        taken = set(self.property_names) - {"nsyns"}
        clash = [n for n in name_list if n in taken or n in ("source_node_id", "target_node_id", "edge_type_id")]
        if clash:
            raise BuilderError(f"{where}: property {clash} is already defined or reserved.")
        if dtypes is None:
            dtype_list = [None] * len(name_list)
        elif isinstance(dtypes, (list, tuple)):
            dtype_list = list(dtypes)
        else:
            dtype_list = [dtypes]
        if len(dtype_list) != len(name_list):
            raise BuilderError(f"{where}: {len(name_list)} names but {len(dtype_list)} dtypes; give one per name.")
        if values is not None:
            if len(name_list) != 1:
                raise BuilderError(f"{where}: values= sets a single property; got names {name_list}.")
            values = np.asarray(values)
        self.params.append(PropertySpec(name_list, rule, dict(rule_params or {}), dtype_list, values))
        return self

    def __repr__(self) -> str:
        return f"ConnectionMap({self.describe()})"
