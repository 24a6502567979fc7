"""SONATA edge files: ``/edges/<population>/...`` read as columns, written sorted with indices.

Written files are sorted by (target, source) and carry both indices
(``source_to_target`` and ``target_to_source``), each with ``range_to_edge_id``
and ``node_id_to_ranges`` plus a hard link ``node_id_to_range`` (the name bmtk
reads). Large edge sets are written in blocks of targets with `EdgeFileWriter`.
"""
from __future__ import annotations

import os
from typing import Mapping

import h5py
import numpy as np
import pandas as pd

from bmtk_like.errors import SonataError
from bmtk_like.sonata.h5util import (STRING_DTYPE, as_storable, check_id_dataset, dataset_kwargs, read_column,
                                     read_populations, write_root_attributes)
from bmtk_like.sonata.checks import edge_value_problems
from bmtk_like.sonata.columns import LEGACY_EDGE_COLUMNS
from bmtk_like.sonata.population import TypedPopulation, merge_groups
from bmtk_like.sonata.types_csv import read_types_csv

INDEX_RANGE_NAMES = ("node_id_to_ranges", "node_id_to_range")
INDEX_GROUP_SPELLINGS = ("indices", "indicies")


class EdgePopulation(TypedPopulation):
    """One edge population as columns (one row per edge, or per connection with ``nsyns``)."""

    kind = "edge population"
    type_id_column = "edge_type_id"

    def __init__(self, name: str, source_population: str, target_population: str,
                 source_node_id: np.ndarray, target_node_id: np.ndarray, edge_type_id: np.ndarray,
                 edge_types: pd.DataFrame, group_columns: Mapping[str, np.ndarray],
                 edges_file: str | None = None, edge_types_file: str | None = None):
        self.name = name
        self.source_population = source_population
        self.target_population = target_population
        self.source_node_id = np.asarray(source_node_id, dtype=np.int64)
        self.target_node_id = np.asarray(target_node_id, dtype=np.int64)
        self.type_ids = np.asarray(edge_type_id, dtype=np.int64)
        self.size = int(self.type_ids.size)
        self.types = edge_types
        self.group_columns = dict(group_columns)
        self.h5_file = self.edges_file = None if edges_file is None else str(edges_file)
        self.types_file = self.edge_types_file = None if edge_types_file is None else str(edge_types_file)

    @property
    def edge_type_id(self) -> np.ndarray:
        return self.type_ids

    @property
    def edge_types(self) -> pd.DataFrame:
        return self.types

    def nsyns(self) -> np.ndarray:
        """Synapses per row (``nsyns``; 1 where the file has none)."""
        if self.has_column("nsyns"):
            values = np.asarray(self.column("nsyns"), dtype=float)
            return np.where(np.isnan(values), 1.0, values).astype(np.int64)
        return np.ones(self.size, dtype=np.int64)

    def syn_weight(self) -> np.ndarray:
        """``syn_weight`` per row (float; raises SonataError naming the files if absent)."""
        return np.asarray(self.column("syn_weight"), dtype=float)

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return (f"EdgePopulation({self.name!r}, {self.source_population} -> {self.target_population}, "
                f"{self.size} edges)")


def read_edges(edges_file: str | os.PathLike, edge_types_file: str | os.PathLike,
               populations: list[str] | None = None) -> dict[str, EdgePopulation]:
    """Read every (or the named) edge population of an edges file with its types CSV."""
    types = read_types_csv(edge_types_file, "edge_type_id")
    return read_populations(edges_file, "edge", types, edge_types_file, populations, _read_population)


def _node_population_attr(dataset: h5py.Dataset, where: str) -> str:
    value = dataset.attrs.get("node_population")
    if value is None:
        raise SonataError(f"{where}: '{dataset.name}' lacks the 'node_population' attribute.")
    return value.decode() if isinstance(value, bytes) else str(value)


def _read_population(grp: h5py.Group, name: str, types: pd.DataFrame, edges_file, types_file) -> EdgePopulation:
    where = f"edges file '{edges_file}', population '{name}'"
    for key in ("source_node_id", "target_node_id", "edge_type_id"):
        if key not in grp:
            raise SonataError(f"{where}: missing dataset '{key}'.")
        check_id_dataset(grp, key, where)
    source = grp["source_node_id"][()].astype(np.int64)
    target = grp["target_node_id"][()].astype(np.int64)
    type_id = read_column(grp["edge_type_id"]).astype(np.int64)
    if not (source.size == target.size == type_id.size):
        raise SonataError(f"{where}: source_node_id, target_node_id and edge_type_id have "
                          f"{source.size}, {target.size}, {type_id.size} rows; they must match.")
    columns = merge_groups(grp, "edge", source.size, where)
    for old, new in LEGACY_EDGE_COLUMNS.items():
        if old in columns and new not in columns:
            columns[new] = columns[old]
    if "population" in types.columns:
        types = types[types["population"].isna() | (types["population"].astype(str) == name)]
    pop = EdgePopulation(name, _node_population_attr(grp["source_node_id"], where),
                         _node_population_attr(grp["target_node_id"], where),
                         source, target, type_id, types, columns, edges_file, types_file)
    pop._type_rows()                      # every edge_type_id has a types-CSV row
    problems = edge_value_problems(pop)
    if problems:
        raise SonataError("; ".join(problems))
    return pop


def read_index(grp: h5py.Group, direction: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(node_id_to_ranges, range_to_edge_id) of ``direction`` (source_to_target|target_to_source).

    Accepts ``indices``/``indicies`` and ``node_id_to_ranges``/``node_id_to_range``; None if absent.
    """
    for spelling in INDEX_GROUP_SPELLINGS:
        if spelling in grp and direction in grp[spelling]:
            idx = grp[spelling][direction]
            for range_name in INDEX_RANGE_NAMES:
                if range_name in idx and "range_to_edge_id" in idx:
                    pair = idx[range_name], idx["range_to_edge_id"]
                    bad = [d.name for d in pair if not isinstance(d, h5py.Dataset) or d.dtype.kind not in "iu"]
                    if bad:
                        raise SonataError(f"edges file '{grp.file.filename}': index dataset(s) {bad} are not "
                                          "integer datasets; rewrite the indices (e.g. save the network again).")
                    return pair[0][()].astype(np.int64), pair[1][()].astype(np.int64)
    return None


def _ranges_for(node_ids_in_edge_order: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays for one direction: edge ids grouped by node id in maximal contiguous runs."""
    if node_ids_in_edge_order.size == 0 or np.all(node_ids_in_edge_order[1:] >= node_ids_in_edge_order[:-1]):
        order = np.arange(node_ids_in_edge_order.size)  # already sorted (the target side): no argsort
    else:
        order = np.argsort(node_ids_in_edge_order, kind="stable")
    keys = node_ids_in_edge_order[order]
    n = order.size
    if n == 0:
        return np.zeros((n_nodes, 2), np.uint64), np.zeros((0, 2), np.uint64)
    starts = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]) | (order[1:] != order[:-1] + 1)])
    ends = np.r_[starts[1:], n]
    range_to_edge = np.column_stack([order[starts], order[ends - 1] + 1]).astype(np.uint64)
    range_node = keys[starts]
    first = np.searchsorted(range_node, np.arange(n_nodes), side="left")
    last = np.searchsorted(range_node, np.arange(n_nodes), side="right")
    return np.column_stack([first, last]).astype(np.uint64), range_to_edge


def write_indices(grp: h5py.Group, source: np.ndarray, target: np.ndarray,
                  n_source_nodes: int, n_target_nodes: int) -> None:
    """Write both SONATA indices (and the ``node_id_to_range`` hard link) under ``grp/indices``."""
    indices = grp.require_group("indices")
    for direction, ids, n_nodes in (("source_to_target", source, n_source_nodes),
                                    ("target_to_source", target, n_target_nodes)):
        node_to_ranges, range_to_edge = _ranges_for(ids, n_nodes)
        sub = indices.create_group(direction)
        sub.create_dataset("node_id_to_ranges", data=node_to_ranges)
        sub.create_dataset("range_to_edge_id", data=range_to_edge)
        sub["node_id_to_range"] = sub["node_id_to_ranges"]


def _sorted_by_target_then_source(source: np.ndarray, target: np.ndarray) -> bool:
    """True when rows are already in (target, source) order."""
    dt = np.diff(target)
    return bool(np.all(dt >= 0) and np.all(np.diff(source)[dt == 0] >= 0))


class EdgeFileWriter:
    """Stream one edge population to disk in blocks of targets.

    Blocks must arrive in nondecreasing target order (each block is sorted by
    (target, source) here); ``close()`` writes both indices. Every block must
    carry the same column names. Memory: one block plus the id arrays at close.
    """

    def __init__(self, path: str | os.PathLike, population: str, source_population: str,
                 target_population: str, n_source_nodes: int, n_target_nodes: int,
                 compression: str | None = None, mode: str = "w"):
        self.path, self.population = str(path), population
        self.n_source_nodes, self.n_target_nodes = int(n_source_nodes), int(n_target_nodes)
        self.compression = compression
        self._h5 = h5py.File(path, mode)
        write_root_attributes(self._h5)
        edges = self._h5.require_group("edges")
        if population in edges:
            self._h5.close()
            raise SonataError(f"edges file '{path}' already has population '{population}'.")
        self._grp = edges.create_group(population)
        self._group0 = self._grp.create_group("0")
        self._n = 0
        self._last_target = -1
        self._column_names: list[str] | None = None
        self._source_population, self._target_population = source_population, target_population
        self._extendable("source_node_id", np.uint64)
        self._extendable("target_node_id", np.uint64)
        self._extendable("edge_type_id", np.uint32)
        self._grp["source_node_id"].attrs["node_population"] = source_population
        self._grp["target_node_id"].attrs["node_population"] = target_population

    def _extendable(self, name: str, dtype, group: h5py.Group | None = None) -> None:
        group = self._grp if group is None else group
        kw = dataset_kwargs(self.compression)
        kw["chunks"] = (1 << 16,)
        group.create_dataset(name, shape=(0,), maxshape=(None,), dtype=dtype, **kw)

    def _extend(self, dataset: h5py.Dataset, values: np.ndarray) -> None:
        start = dataset.shape[0]
        dataset.resize((start + len(values),))
        if len(values):
            dataset[start:] = values

    def append(self, source_node_id, target_node_id, edge_type_id, columns: Mapping | None = None) -> None:
        """Append one block of edges (any order within the block; targets ≥ earlier blocks')."""
        source = np.asarray(source_node_id, dtype=np.int64)
        target = np.asarray(target_node_id, dtype=np.int64)
        type_id = np.broadcast_to(np.asarray(edge_type_id, dtype=np.int64), source.shape)
        columns = dict(columns or {})
        names = sorted(columns)
        if self._column_names is None:
            self._column_names = names
            for name in names:
                sample = as_storable(name, columns[name])
                dtype = STRING_DTYPE if sample.dtype == object else sample.dtype
                self._extendable(name, dtype, self._group0)
        elif names != self._column_names:
            raise SonataError(f"edges '{self.population}' in '{self.path}': every block must have the "
                              f"columns {self._column_names}, got {names}.")
        if not (source.size == target.size):
            raise SonataError(f"edges '{self.population}': source and target id arrays differ in length.")
        for name, values in columns.items():
            if np.shape(values) != source.shape:
                raise SonataError(f"edges '{self.population}': column '{name}' has shape {np.shape(values)}, "
                                  f"expected {source.shape} (one value per edge).")
        if source.size == 0:
            return
        for label, ids, n_nodes in (("source", source, self.n_source_nodes), ("target", target, self.n_target_nodes)):
            if ids.min() < 0 or ids.max() >= n_nodes:
                raise SonataError(f"edges '{self.population}': {label} node id {int(ids.max() if ids.max() >= n_nodes else ids.min())} "
                                  f"is outside population of {n_nodes} nodes.")
        if _sorted_by_target_then_source(source, target):
            order = slice(None)  # blocks from the builder arrive sorted: skip the sort
            first, last = target[0], target[-1]
        else:
            order = np.lexsort((source, target))
            first, last = target[order[0]], target[order[-1]]
        if first < self._last_target:
            raise SonataError(f"edges '{self.population}': blocks must be appended in nondecreasing target order.")
        self._last_target = int(last)
        self._extend(self._grp["source_node_id"], source[order].astype(np.uint64))
        self._extend(self._grp["target_node_id"], target[order].astype(np.uint64))
        self._extend(self._grp["edge_type_id"], type_id[order].astype(np.uint32))
        for name, values in columns.items():
            self._extend(self._group0[name], as_storable(name, np.asarray(values)[order]))
        self._n += source.size

    def close(self) -> None:
        """Write group ids/indexes and both indices, then close the file."""
        if self._h5 is None:
            return
        try:
            kw = dataset_kwargs(self.compression)
            self._grp.create_dataset("edge_group_id", data=np.zeros(self._n, dtype=np.uint32), **kw)
            self._grp.create_dataset("edge_group_index", data=np.arange(self._n, dtype=np.uint64), **kw)
            # read back converted on the fly, without an intermediate uint64 copy
            source = self._grp["source_node_id"].astype(np.int64)[()]
            target = self._grp["target_node_id"].astype(np.int64)[()]
            write_indices(self._grp, source, target, self.n_source_nodes, self.n_target_nodes)
        finally:
            self._h5.close()
            self._h5 = None

    def __enter__(self) -> "EdgeFileWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        elif self._h5 is not None:
            self._h5.close()
            self._h5 = None


def write_edges(path: str | os.PathLike, population: str, source_population: str, target_population: str,
                source_node_id, target_node_id, edge_type_id, columns: Mapping | None = None,
                dynamics_params: Mapping | None = None, n_source_nodes: int | None = None,
                n_target_nodes: int | None = None, compression: str | None = None, mode: str = "w") -> None:
    """Write one edge population (sorted by target, then source) with both indices.

    ``n_source_nodes``/``n_target_nodes`` size the indices (default: max id + 1).
    ``dynamics_params`` per-edge arrays go in the group's ``dynamics_params`` subgroup.
    """
    source = np.asarray(source_node_id, dtype=np.int64)
    target = np.asarray(target_node_id, dtype=np.int64)
    n_source_nodes = int(source.max() + 1 if source.size else 0) if n_source_nodes is None else n_source_nodes
    n_target_nodes = int(target.max() + 1 if target.size else 0) if n_target_nodes is None else n_target_nodes
    columns = dict(columns or {})
    for key, values in (dynamics_params or {}).items():
        columns[f"dynamics_params/{key}"] = values
    with EdgeFileWriter(path, population, source_population, target_population, n_source_nodes,
                        n_target_nodes, compression=compression, mode=mode) as writer:
        writer.append(source, target, edge_type_id, columns)
