"""`Circuit`: every node and edge population of a config, as columnar tables."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from bmtk_like.errors import ConfigError, SonataError
from bmtk_like.node_sets import NodeSetResolver
from simulators.core.levels import node_model_types
from simulators.core.params import component_dir


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Attribute or mapping access, so config records and plain dicts both work."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _read_populations(entries: Any, reader: Any, kind: str) -> dict[str, Any]:
    """Read every population of the ``kind`` ("nodes"/"edges") files; names must be unique."""
    out: dict[str, Any] = {}
    for entry in entries:
        h5_file = _get(entry, f"{kind}_file")
        types_file = _get(entry, f"{kind[:-1]}_types_file")
        for name, pop in reader(h5_file, types_file, _get(entry, "populations")).items():
            if name in out:
                raise SonataError(
                    f"{kind[:-1]} population '{name}' is defined twice (in {out[name].h5_file} and "
                    f"{h5_file}); each population may be listed once in networks.{kind}")
            out[name] = pop
    return out


class Circuit:
    """A loaded circuit: node populations, edge populations, component folders, node sets.

    Attributes:
        nodes: population name -> ``bmtk_like.sonata.NodePopulation``.
        edges: edge population name -> ``bmtk_like.sonata.EdgePopulation``.
        components: components key (e.g. ``point_neuron_models_dir``) -> Path.
        node_sets: named node sets from the config.
        config: the SimulationConfig it came from (None when built directly).
    """

    def __init__(self, nodes: Mapping[str, Any], edges: Mapping[str, Any] | None = None,
                 components: Mapping[str, Any] | None = None,
                 node_sets: Mapping[str, Any] | None = None, config: Any = None):
        self.nodes = dict(nodes)
        self.edges = dict(edges or {})
        self.components = {k: Path(v) for k, v in (components or {}).items() if v is not None}
        self.node_sets = dict(node_sets or {})
        self.config = config
        source = f"config {getattr(config, 'path', None)}" if config is not None else "the circuit"
        self._resolver = NodeSetResolver(self.nodes, self.node_sets, source=source)
        self._virtual: dict[str, bool] = {}

    @classmethod
    def from_config(cls, cfg: Any) -> "Circuit":
        """Read every nodes/edges file listed by a SimulationConfig (columnar, no per-node objects).

        Raises SonataError when two files define the same population name or when an
        edge population refers to a node population the config does not load.
        """
        from bmtk_like.sonata import read_edges, read_nodes
        from bmtk_like.sonata.checks import check_edge_endpoints

        nodes = _read_populations(cfg.nodes, read_nodes, "nodes")
        edges = _read_populations(cfg.edges, read_edges, "edges")
        for name, pop in edges.items():
            for side in ("source_population", "target_population"):
                if getattr(pop, side) not in nodes:
                    raise SonataError(
                        f"edge population '{name}' in {pop.h5_file} has {side} "
                        f"'{getattr(pop, side)}' which no nodes file in the config defines "
                        f"(loaded: {', '.join(sorted(nodes)) or 'none'}); add its nodes file "
                        "to networks.nodes")
            check_edge_endpoints(pop, {n: p.size for n, p in nodes.items()})
        return cls(nodes, edges, dict(cfg.components or {}), dict(cfg.node_sets or {}), config=cfg)

    # ---- queries -------------------------------------------------------------------------
    def population(self, name: str) -> Any:
        """The NodePopulation ``name``; ConfigError listing the populations if unknown."""
        if name not in self.nodes:
            raise ConfigError(f"the circuit has no node population '{name}'; it has "
                              f"{', '.join(sorted(self.nodes)) or 'none'}")
        return self.nodes[name]

    def node_set(self, spec: str | dict | list | None) -> dict[str, np.ndarray]:
        """Resolve a node-set spec to population -> sorted int64 node ids (see node_sets.py)."""
        return self._resolver.resolve(spec)

    def edges_into(self, population: str) -> list[Any]:
        """Edge populations whose target is node population ``population``."""
        return [e for e in self.edges.values() if e.target_population == population]

    def edges_from(self, population: str) -> list[Any]:
        """Edge populations whose source is node population ``population``."""
        return [e for e in self.edges.values() if e.source_population == population]

    def model_types(self, population: str) -> np.ndarray:
        """Normalised model_type per node of ``population`` (``point_process`` -> ``point_neuron``)."""
        return node_model_types(self.population(population))

    def is_virtual(self, population: str) -> bool:
        """True when every node of ``population`` has model_type ``virtual``."""
        if population not in self._virtual:
            types = self.model_types(population)
            self._virtual[population] = bool(types.size) and bool(np.all(types == "virtual"))
        return self._virtual[population]

    def virtual_populations(self) -> list[str]:
        """Names of the all-virtual node populations."""
        return [name for name in self.nodes if self.is_virtual(name)]

    def component_dir(self, key: str, required_by: str = "") -> Path:
        """The components folder ``key``; ConfigError saying which config key to add if missing."""
        return component_dir(self.components, key, required_by)

    def __repr__(self) -> str:
        return (f"Circuit(nodes={ {k: v.size for k, v in self.nodes.items()} }, "
                f"edges={ {k: v.size for k, v in self.edges.items()} })")
