"""SONATA ids (0-based, per population) <-> NEST ids (1-based, global): the one mapping.

Each population gets an int64 array indexed by SONATA node id holding the NEST id
(0 = no NEST node). The reverse lookup is one pair of arrays indexed by NEST id.
"""
from __future__ import annotations

import numpy as np

from bmtk_like.errors import SimulationError


class NestIdMap:
    """Population -> node id -> NEST global id, and back, as arrays."""

    def __init__(self) -> None:
        self._forward: dict[str, np.ndarray] = {}
        self._pop_names: list[str] = []
        self._rev_pop = np.zeros(1, dtype=np.int32) - 1     # NEST id -> population index
        self._rev_node = np.zeros(1, dtype=np.int64) - 1    # NEST id -> node id

    def add(self, population: str, node_ids: np.ndarray, nest_ids: np.ndarray, size: int) -> None:
        """Record that ``node_ids`` of ``population`` (of ``size`` nodes) are ``nest_ids``."""
        node_ids = np.asarray(node_ids, dtype=np.int64)
        nest_ids = np.asarray(nest_ids, dtype=np.int64)
        fwd = self._forward.get(population)
        if fwd is None:
            fwd = self._forward[population] = np.zeros(size, dtype=np.int64)
            self._pop_names.append(population)
        fwd[node_ids] = nest_ids
        top = int(nest_ids.max()) + 1 if nest_ids.size else 0
        if top > self._rev_pop.size:
            grow = top - self._rev_pop.size
            self._rev_pop = np.concatenate([self._rev_pop, np.full(grow, -1, np.int32)])
            self._rev_node = np.concatenate([self._rev_node, np.full(grow, -1, np.int64)])
        self._rev_pop[nest_ids] = self._pop_names.index(population)
        self._rev_node[nest_ids] = node_ids

    @property
    def populations(self) -> list[str]:
        return list(self._pop_names)

    def nest_ids(self, population: str, node_ids: np.ndarray | None = None) -> np.ndarray:
        """NEST ids of ``node_ids`` (all nodes when None); error if any has no NEST node."""
        if population not in self._forward:
            raise SimulationError(f"population '{population}' has no NEST nodes (created: "
                                  f"{', '.join(self._pop_names) or 'none'})")
        fwd = self._forward[population]
        out = fwd if node_ids is None else fwd[np.asarray(node_ids, dtype=np.int64)]
        if out.size and out.min() <= 0:
            raise SimulationError(f"some nodes of population '{population}' have no NEST node "
                                  "(were they excluded from the network?)")
        return out

    def to_sonata(self, nest_ids: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Split NEST ids into population -> (positions in the input, node ids)."""
        nest_ids = np.asarray(nest_ids, dtype=np.int64)
        known = (nest_ids >= 0) & (nest_ids < self._rev_pop.size)
        safe = np.where(known, nest_ids, 0)
        pops = np.where(known, self._rev_pop[safe], -1)
        nodes = self._rev_node[safe]
        out = {}
        for k, name in enumerate(self._pop_names):
            sel = np.flatnonzero(pops == k)
            if sel.size:
                out[name] = (sel, nodes[sel])
        return out
