"""SONATA node files: ``/nodes/<population>/...`` read as columns, written libsonata-safe."""
from __future__ import annotations

import os
from typing import Mapping

import h5py
import numpy as np
import pandas as pd

from bmtk_like.errors import SonataError
from bmtk_like.sonata.h5util import (create_column, dataset_kwargs, read_column, read_populations,
                                     write_root_attributes)
from bmtk_like.sonata.columns import is_missing
from bmtk_like.sonata.population import TypedPopulation, merge_groups
from bmtk_like.sonata.types_csv import read_types_csv

#: model_type spellings that mean a point neuron.
POINT_MODEL_TYPES = {"point_neuron", "point_process", "point_soma"}


def normalize_model_type(model_type) -> str:
    """One spelling per model_type: lower case, ``point_process`` -> ``point_neuron``, missing -> ""."""
    if is_missing(model_type):
        return ""
    text = str(model_type).strip().lower()
    return "point_neuron" if text in POINT_MODEL_TYPES else text


class NodePopulation(TypedPopulation):
    """One node population as columns: ids 0..N-1 in row order, per-node and per-type columns."""

    kind = "node population"
    type_id_column = "node_type_id"

    def __init__(self, name: str, node_type_id: np.ndarray, node_types: pd.DataFrame,
                 group_columns: Mapping[str, np.ndarray], nodes_file: str | None = None,
                 node_types_file: str | None = None):
        self.name = name
        self.type_ids = np.asarray(node_type_id, dtype=np.int64)
        self.size = int(self.type_ids.size)
        self.types = node_types
        self.group_columns = dict(group_columns)
        self.h5_file = self.nodes_file = None if nodes_file is None else str(nodes_file)
        self.types_file = self.node_types_file = None if node_types_file is None else str(node_types_file)
        self.node_ids = np.arange(self.size, dtype=np.int64)

    @property
    def node_type_id(self) -> np.ndarray:
        return self.type_ids

    @property
    def node_types(self) -> pd.DataFrame:
        return self.types

    def model_types(self) -> np.ndarray:
        """Normalised ``model_type`` per node (``point_process`` -> ``point_neuron``)."""
        raw = self.column_or("model_type", "")
        uniq, inverse = np.unique(raw.astype(str), return_inverse=True)
        return np.array([normalize_model_type(m) for m in uniq], dtype=object)[inverse].astype(str)

    def positions(self) -> np.ndarray | None:
        """(N, 3) soma positions in µm from ``x``/``y``/``z`` or ``positions``, or None."""
        if all(self.has_column(c) for c in ("x", "y", "z")):
            return np.column_stack([self.column(c).astype(float) for c in ("x", "y", "z")])
        if "positions" in self.group_columns and self.group_columns["positions"].ndim == 2:
            return self.group_columns["positions"].astype(float)
        return None

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"NodePopulation({self.name!r}, {self.size} nodes, {len(self.types)} node types)"


def read_nodes(nodes_file: str | os.PathLike, node_types_file: str | os.PathLike,
               populations: list[str] | None = None) -> dict[str, NodePopulation]:
    """Read every (or the named) node population of a nodes file with its types CSV."""
    types = read_types_csv(node_types_file, "node_type_id")
    return read_populations(nodes_file, "node", types, node_types_file, populations, _read_population)


def _read_population(grp: h5py.Group, name: str, types: pd.DataFrame, nodes_file, types_file) -> NodePopulation:
    where = f"nodes file '{nodes_file}', population '{name}'"
    if "node_type_id" not in grp:
        raise SonataError(f"{where}: missing dataset 'node_type_id'.")
    node_type_id = read_column(grp["node_type_id"]).astype(np.int64)
    columns = merge_groups(grp, "node", node_type_id.size, where)
    if "node_id" in grp:
        node_id = grp["node_id"][()].astype(np.int64)
        if node_id.size != node_type_id.size:
            raise SonataError(f"{where}: node_id has {node_id.size} rows, node_type_id {node_type_id.size}.")
        if not np.array_equal(node_id, np.arange(node_id.size)):
            order = np.argsort(node_id, kind="stable")
            if not np.array_equal(node_id[order], np.arange(node_id.size)):
                raise SonataError(f"{where}: node ids must be 0..N-1 (each once); found gaps or repeats.")
            node_type_id = node_type_id[order]
            columns = {k: v[order] for k, v in columns.items()}
    if "population" in types.columns:
        mine = types["population"].isna() | (types["population"].astype(str) == name)
        types = types[mine]
    pop = NodePopulation(name, node_type_id, types, columns, nodes_file, types_file)
    pop._type_rows()                      # every node_type_id has a types-CSV row
    return pop


def write_nodes(path: str | os.PathLike, population: str, node_type_id, columns: Mapping | None = None,
                dynamics_params: Mapping | None = None, compression: str | None = None,
                mode: str = "w") -> None:
    """Write one node population: ids 0..N-1, one group ``0`` of 1-D datasets.

    ``columns`` are per-node arrays (length N; an (N, 3) ``positions`` array is
    split into ``x``/``y``/``z``), ``dynamics_params`` per-node arrays stored in
    the group's ``dynamics_params`` subgroup. ``mode="a"`` adds a population to
    an existing file. Uncompressed by default (libsonata cannot read gzip here).
    """
    node_type_id = np.asarray(node_type_id)
    n = node_type_id.size
    columns = dict(columns or {})
    if "positions" in columns:
        pos = np.asarray(columns.pop("positions"), dtype=float)
        if pos.shape != (n, 3):
            raise SonataError(f"population '{population}': positions must be an (N, 3) array "
                              f"with N = {n}, got shape {pos.shape}.")
        columns.update(x=pos[:, 0], y=pos[:, 1], z=pos[:, 2])
    for label, table in (("column", columns), ("dynamics_params", dynamics_params or {})):
        for key, values in table.items():
            if np.shape(values)[:1] != (n,) or np.ndim(values) != 1:
                raise SonataError(f"population '{population}': {label} '{key}' has shape "
                                  f"{np.shape(values)}, expected ({n},) — one value per node.")
    if mode not in ("w", "a"):
        raise SonataError(f"write_nodes mode must be 'w' or 'a', got {mode!r}.")
    with h5py.File(path, mode) as h5:
        write_root_attributes(h5)
        nodes = h5.require_group("nodes")
        if population in nodes:
            raise SonataError(f"nodes file '{path}' already has population '{population}'.")
        grp = nodes.create_group(population)
        kw = dataset_kwargs(compression)
        grp.create_dataset("node_type_id", data=node_type_id.astype(np.uint64), **kw)
        grp.create_dataset("node_id", data=np.arange(n, dtype=np.uint64), **kw)
        grp.create_dataset("node_group_id", data=np.zeros(n, dtype=np.uint32), **kw)
        grp.create_dataset("node_group_index", data=np.arange(n, dtype=np.uint64), **kw)
        group0 = grp.create_group("0")
        for key, values in columns.items():
            create_column(group0, key, values, compression)
        if dynamics_params:
            dyn = group0.create_group("dynamics_params")
            for key, values in dynamics_params.items():
                create_column(dyn, key, values, compression)
