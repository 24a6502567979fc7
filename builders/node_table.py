"""Nodes of one network as columns: batches, the network-wide table, selections.

A *batch* is what one ``add_nodes`` call (or one imported node type) adds: a
node type (scalar properties, written to the node-types CSV) plus per-node
columns (arrays, written to the nodes HDF5 file). Node ids are 0..N-1 in the
order batches were added. A :class:`NodeSelection` is the result of
``net.nodes(**filters)``: sorted node ids plus column access, iterable as
dict-like :class:`Node` objects for bmtk compatibility (the slow path).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bmtk_like.errors import BuilderError

#: per-node columns that always exist
BUILTIN_COLUMNS = ("node_id", "node_type_id")


@dataclass
class NodeBatch:
    """One node type and its nodes: ``type_props`` scalars, ``columns`` per-node arrays."""
    node_type_id: int
    node_ids: np.ndarray
    type_props: dict[str, Any]
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.node_ids.size)

    def has(self, name: str) -> bool:
        return name in self.columns or name in self.type_props or name in BUILTIN_COLUMNS

    def values(self, name: str) -> np.ndarray:
        """Per-node values of ``name`` for this batch (scalar properties broadcast)."""
        if name == "node_id":
            return self.node_ids
        if name == "node_type_id":
            return np.full(len(self), self.node_type_id, dtype=np.int64)
        if name in self.columns:
            return self.columns[name]
        value = self.type_props[name]
        if isinstance(value, (list, tuple)):
            out = np.empty(len(self), dtype=object)
            out[:] = [value] * len(self)
            return out
        return np.full(len(self), value)


def _fill_value(dtype: np.dtype):
    if dtype.kind in "fc":
        return np.nan
    if dtype.kind in "iub":
        return np.nan   # promoted to float
    return ""


class NodeTable:
    """All nodes of one network as columns over node ids 0..N-1 (cached per column)."""

    def __init__(self, network_name: str, batches: list[NodeBatch]):
        self.network_name = network_name
        self.batches = batches
        self.size = int(sum(len(b) for b in batches))
        self._cache: dict[str, np.ndarray] = {}
        self.node_type_id = np.zeros(self.size, dtype=np.int64)
        for b in batches:
            self.node_type_id[b.node_ids] = b.node_type_id
        self._cache["node_type_id"] = self.node_type_id
        self._batch_of = np.empty(self.size, dtype=np.int32)
        self._row_of = np.empty(self.size, dtype=np.int64)
        for i, b in enumerate(batches):
            self._batch_of[b.node_ids] = i
            self._row_of[b.node_ids] = np.arange(len(b))

    def locate(self, node_id: int) -> tuple[NodeBatch, int]:
        """The batch holding ``node_id`` and the node's row in it."""
        return self.batches[self._batch_of[node_id]], int(self._row_of[node_id])

    def known(self, name: str) -> bool:
        return any(b.has(name) for b in self.batches)

    def column_names(self) -> list[str]:
        names: list[str] = list(BUILTIN_COLUMNS)
        for b in self.batches:
            names.extend(k for k in list(b.type_props) + list(b.columns) if k not in names)
        return names

    def column(self, name: str) -> np.ndarray:
        """Values of ``name`` for every node (missing: NaN for numbers, '' for strings)."""
        if name in self._cache:
            return self._cache[name]
        if name == "positions":
            return self.positions_or_error()
        if not self.known(name):
            raise BuilderError(f"network '{self.network_name}': no node property '{name}' "
                               f"(known: {', '.join(self.column_names())}).")
        parts = [(b.node_ids, b.values(name)) for b in self.batches if b.has(name)]
        sample = np.concatenate([np.asarray(v)[:1] for _, v in parts])
        covered = sum(ids.size for ids, _ in parts)
        dtype = sample.dtype
        if covered < self.size and dtype.kind in "iub":
            dtype = np.dtype(float)
        out = np.empty(self.size, dtype=dtype if dtype.kind != "U" else object)
        if covered < self.size:
            out[:] = _fill_value(dtype)
        for ids, values in parts:
            out[ids] = values
        if out.dtype == object and all(isinstance(v, str) for v in out[:min(8, out.size)]):
            try:
                out = out.astype(str)
            except (TypeError, ValueError):
                pass
        self._cache[name] = out
        return out

    def positions(self) -> np.ndarray | None:
        """(N, 3) positions in µm from the x, y, z columns, or None."""
        if not all(self.known(c) for c in "xyz"):
            return None
        return np.column_stack([self.column(c).astype(float) for c in "xyz"])

    def positions_or_error(self) -> np.ndarray:
        pos = self.positions()
        if pos is None:
            raise BuilderError(f"network '{self.network_name}': nodes have no positions; pass "
                               "positions=(N, 3) array or x=, y=, z= arrays to add_nodes.")
        return pos

    def select(self, filters: Mapping[str, Any]) -> np.ndarray:
        """Sorted node ids matching every filter (scalar, list/tuple/set or callable)."""
        for key in filters:
            if key != "positions" and not self.known(key):
                raise BuilderError(f"network '{self.network_name}': nodes(...) filter key '{key}' is not "
                                   f"a property of any node (known: {', '.join(self.column_names())}).")
        chosen = []
        for batch in self.batches:
            mask = np.ones(len(batch), dtype=bool)
            for key, wanted in filters.items():
                if not batch.has(key):
                    mask[:] = False
                    break
                if key in batch.columns or key in BUILTIN_COLUMNS:
                    mask &= _match_array(batch.values(key), wanted)
                else:
                    mask &= bool(_match_scalar(batch.type_props[key], wanted))
            chosen.append(batch.node_ids[mask])
        ids = np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
        return np.sort(ids.astype(np.int64))


def _match_scalar(value, wanted) -> bool:
    if callable(wanted):
        return bool(wanted(value))
    if isinstance(wanted, (list, tuple, set, np.ndarray)):
        return value in list(wanted)
    return value == wanted


def _match_array(values: np.ndarray, wanted) -> np.ndarray:
    if callable(wanted):
        try:
            result = np.asarray(wanted(values))
            if result.dtype == bool and result.shape == values.shape:
                return result
        except Exception:       # a per-value callable (bmtk's habit: lambda s: s.startswith("E"))
            pass
        return np.fromiter((bool(wanted(v)) for v in values), dtype=bool, count=len(values))
    if isinstance(wanted, (list, tuple, set, np.ndarray)):
        return np.isin(values, list(wanted))
    return np.asarray(values == wanted, dtype=bool).reshape(values.shape)


class NodeArrays:
    """Rows of a node table as arrays: what vectorised rules receive.

    ``node_ids`` (int64), ``arrays[name]`` / ``arrays.column(name)`` per-row values,
    ``positions`` (n, 3) µm or None. Rows may repeat (edge-aligned tables).
    """

    def __init__(self, table: NodeTable, node_ids: np.ndarray):
        self.table = table
        self.node_ids = np.asarray(node_ids, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.node_ids.size)

    def column(self, name: str) -> np.ndarray:
        if name == "positions":
            return self.positions_or_error()
        return self.table.column(name)[self.node_ids]

    __getitem__ = column

    def has(self, name: str) -> bool:
        return self.table.known(name)

    @property
    def positions(self) -> np.ndarray | None:
        pos = self.table.positions()
        return None if pos is None else pos[self.node_ids]

    def positions_or_error(self) -> np.ndarray:
        return self.table.positions_or_error()[self.node_ids]

    def take(self, rows: np.ndarray) -> "NodeArrays":
        """The sub-table of the given row indices (not node ids)."""
        return NodeArrays(self.table, self.node_ids[rows])

    @property
    def network_name(self) -> str:
        return self.table.network_name


class UnknownNodeProperty(BuilderError, KeyError):
    """``node[key]`` for a property the node does not have (a KeyError, so ``node.get`` and ``in`` work)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Node(Mapping):
    """One node as a read-only dict (bmtk's ``Node``): ``node['pop_name']``, ``node.node_id``."""

    __slots__ = ("_table", "node_id")

    def __init__(self, table: NodeTable, node_id: int):
        self._table = table
        self.node_id = int(node_id)

    def __getitem__(self, key: str):
        if key == "positions":
            return self._table.positions_or_error()[self.node_id]
        batch, row = self._table.locate(self.node_id)
        if key in batch.columns:
            return batch.columns[key][row]
        if key in batch.type_props:
            return batch.type_props[key]
        if key == "node_id":
            return self.node_id
        if key == "node_type_id":
            return batch.node_type_id
        known = sorted(set(batch.columns) | set(batch.type_props) | {"node_id", "node_type_id"})
        raise UnknownNodeProperty(f"network '{self._table.network_name}': node {self.node_id} has no property "
                                  f"{key!r}; its properties are {known}")

    def __iter__(self) -> Iterator[str]:
        return iter([k for k in self._table.column_names() if k in self])

    def __contains__(self, key) -> bool:
        try:
            self[key]
            return True
        except (KeyError, BuilderError):
            return False

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @property
    def node_type_id(self) -> int:
        return int(self._table.node_type_id[self.node_id])

    @property
    def positions(self) -> np.ndarray:
        return self["positions"]

    @property
    def network(self) -> str:
        return self._table.network_name

    def __repr__(self) -> str:
        return f"Node({self._table.network_name}:{self.node_id})"


class NodeSelection:
    """The nodes matching ``net.nodes(**filters)``: sorted ids, columns, and bmtk-style iteration.

    Evaluated lazily (so a selection made before more ``add_nodes`` calls sees them).
    """

    def __init__(self, network, filters: Mapping[str, Any] | None = None,
                 node_ids: np.ndarray | None = None):
        self.network = network
        self.filters = dict(filters or {})
        self._fixed_ids = None if node_ids is None else np.sort(np.asarray(node_ids, dtype=np.int64))

    @property
    def network_name(self) -> str:
        return self.network.name

    @property
    def node_ids(self) -> np.ndarray:
        if self._fixed_ids is not None:
            return self._fixed_ids
        return self.network.node_table().select(self.filters)

    def arrays(self) -> NodeArrays:
        """The selected nodes as a :class:`NodeArrays` table."""
        return NodeArrays(self.network.node_table(), self.node_ids)

    def column(self, name: str) -> np.ndarray:
        return self.arrays().column(name)

    @property
    def positions(self) -> np.ndarray | None:
        return self.arrays().positions

    def __len__(self) -> int:
        return int(self.node_ids.size)

    def __iter__(self) -> Iterator[Node]:
        table = self.network.node_table()
        return (Node(table, i) for i in self.node_ids)

    @property
    def filter_str(self) -> str:
        """bmtk's query string, written in the edge-types CSV (``*`` = every node)."""
        if self._fixed_ids is not None and not self.filters:
            return "*" if len(self._fixed_ids) == self.network.nnodes else "node_id in list"
        if not self.filters:
            return "*"
        parts = []
        for key, value in self.filters.items():
            shown = getattr(value, "__name__", "callable") if callable(value) else value
            parts.append(f"{key}=={shown!r}" if isinstance(shown, str) and not callable(value) else f"{key}=={shown}")
        return "&".join(parts)

    def __repr__(self) -> str:
        return f"NodeSelection({self.network.name}, {self.filters})"

