"""NetworkBuilder: bmtk's calls (add_nodes, add_edges, build, save) over columnar node and edge tables."""
from __future__ import annotations

import os
import random
import types
from typing import Any

import numpy as np
import pandas as pd

from bmtk_like.errors import BuilderError
from builders.arguments import (check_bool, check_count, check_number, check_output_dir, check_params,
                               check_property_name, check_seed, is_whole_number, per_node_array,
                               positions_array)
from builders.connection_map import ConnectionMap
from builders.edge_store import PairEdges, collect_pair
from builders.generate import PairJob
from builders.node_table import Node, NodeBatch, NodeSelection, NodeTable

FIRST_TYPE_ID = 100     # bmtk numbers node and edge types from 100
DEFAULT_BLOCK_SIZE = 4096


#: bmtk save options with no effect here (sorting and indexing are always done; builds happen on demand).
BMTK_SAVE_OPTIONS = frozenset({"mode", "sort_by", "index_by", "name", "force_build", "sort_on_disk"})


class NetworkBuilder:
    """Build one network (a SONATA node population) and the edges it owns.

    ``seed`` fixes every random draw of ``build()`` (connection rules, property
    rules, synapse placement); ``None`` takes one from ``np.random`` at build
    time, so ``np.random.seed(...)`` in a bmtk script still makes it repeatable.
    """

    def __init__(self, name: str, seed: int | None = None, **network_props: Any):
        if not isinstance(name, str) or not name or "/" in name:
            raise BuilderError(f"NetworkBuilder name must be a non-empty string without '/', got {name!r}.")
        self._name = name
        self.seed = check_seed(seed, f"NetworkBuilder('{name}')")
        self.network_props = network_props
        self._batches: list[NodeBatch] = []
        self._n_nodes = 0
        self._table: NodeTable | None = None
        self._connection_maps: list[ConnectionMap] = []
        self._built: dict[tuple[str, str], PairEdges] = {}
        self._used_type_ids: set[int] = set()

    # ------------------------------------------------------------------ nodes
    @property
    def name(self) -> str:
        return self._name

    @property
    def nnodes(self) -> int:
        return self._n_nodes

    @property
    def nedges(self) -> int:
        """Number of synapses built (sum of nsyns), as bmtk counts them."""
        return int(sum(p.n_synapses for p in self._built.values()))

    @property
    def edges_built(self) -> bool:
        return bool(self._built)

    def add_nodes(self, N: int = 1, **properties: Any) -> NodeSelection:
        """Add ``N`` nodes of one new node type.

        A scalar property becomes a node-type column (CSV); a list/array of length
        ``N`` a per-node column (HDF5). ``positions=`` (N, 3) µm becomes ``x, y, z``.
        Returns the selection of the added nodes.
        """
        where = f"network '{self.name}': add_nodes"
        if isinstance(N, (bool, np.bool_)) or not isinstance(N, (int, np.integer)) or N < 0:
            raise BuilderError(f"{where}: N must be a non-negative int, got {N!r}.")
        check_count(N, "N", where)
        if "node_id" in properties:
            raise BuilderError(f"{where}: node_id cannot be set; ids are 0..N-1 in the order nodes are added.")
        type_props, columns = {}, {}
        for key, value in properties.items():
            check_property_name(key, where)
            if isinstance(value, (types.GeneratorType, range)):
                value = list(value)
            if key == "positions":
                arr = positions_array(value, N, where)
                columns.update(x=arr[:, 0], y=arr[:, 1], z=arr[:, 2])
                continue
            if isinstance(value, (list, np.ndarray, pd.Series)):
                arr = per_node_array(value, key, N, where)
                if arr.shape[:1] != (N,):
                    raise BuilderError(f"{where}: property '{key}' has {len(value)} values for N={N} nodes; "
                                       f"give one value per node or a single scalar.")
                if arr.ndim != 1:
                    raise BuilderError(f"{where}: property '{key}' has shape {arr.shape}; per-node properties "
                                       "must be 1-D (split it into one property per column).")
                if key == "node_type_id":
                    raise BuilderError(f"{where}: node_type_id must be a single value per add_nodes call.")
                columns[key] = arr
            else:
                type_props[key] = value
        node_type_id = type_props.pop("node_type_id", None)
        node_type_id = self._next_type_id() if node_type_id is None else int(node_type_id)
        if node_type_id in self._used_type_ids:
            raise BuilderError(f"{where}: node_type_id {node_type_id} is already used in this network.")
        self._used_type_ids.add(node_type_id)
        ids = np.arange(self._n_nodes, self._n_nodes + N, dtype=np.int64)
        self._add_batch(NodeBatch(node_type_id, ids, type_props, columns))
        return NodeSelection(self, node_ids=ids)

    def _next_type_id(self) -> int:
        tid = FIRST_TYPE_ID
        while tid in self._used_type_ids:
            tid += 1
        return tid

    def _add_batch(self, batch: NodeBatch) -> None:
        self._batches.append(batch)
        self._n_nodes += len(batch)
        self._table = None
        self._built.clear()

    def node_table(self) -> NodeTable:
        """All nodes as columns (rebuilt after ``add_nodes``)."""
        if self._table is None:
            self._table = NodeTable(self.name, self._batches)
        return self._table

    def nodes(self, **filters: Any) -> NodeSelection:
        """Nodes whose properties match every filter: a value, a list of values, or a callable."""
        if filters:
            self.node_table().select(filters)        # validate keys now, where the mistake is
        return NodeSelection(self, filters)

    def nodes_iter(self, nids=None):
        """Iterate over dict-like nodes (all, or the given ids) — bmtk compatibility."""
        table = self.node_table()
        ids = range(self.nnodes) if nids is None else nids
        return (Node(table, i) for i in ids)

    def import_nodes(self, nodes_file_name: str, node_types_file_name: str, population: str | None = None) -> None:
        """Add the nodes of an existing SONATA population (ids kept) to this empty network."""
        from bmtk_like.sonata import read_nodes
        where = f"network '{self.name}': import_nodes('{nodes_file_name}')"
        if self._n_nodes:
            raise BuilderError(f"{where}: the network already has nodes; import into a new NetworkBuilder.")
        pops = read_nodes(nodes_file_name, node_types_file_name)
        if population is None:
            population = self.name if self.name in pops else (next(iter(pops)) if len(pops) == 1 else None)
        if population not in pops:
            raise BuilderError(f"{where}: population {population!r} not in file (has {', '.join(pops)}); "
                               "pass population=.")
        pop = pops[population]
        for type_id, ids in pop.type_batches():
            row = pop.type_row(type_id)
            props = {k: v for k, v in row.items() if k not in ("node_type_id", "population")
                     and not (isinstance(v, float) and np.isnan(v))}
            cols = {k: np.asarray(v)[ids] for k, v in pop.group_columns.items()}
            self._used_type_ids.add(int(type_id))
            self._add_batch(NodeBatch(int(type_id), np.asarray(ids, dtype=np.int64), props, cols))

    # ------------------------------------------------------------------ edges
    def _selection(self, spec, argument: str, edge_type: str) -> NodeSelection:
        if spec is None:
            return self.nodes()
        if isinstance(spec, NodeSelection):
            return spec
        if isinstance(spec, dict):
            try:
                return self.nodes(**spec)
            except BuilderError as exc:
                raise BuilderError(f"{edge_type}: add_edges {argument}={spec!r}: {exc}") from None
        raise BuilderError(f"network '{self.name}': {edge_type}: add_edges {argument}= must be a dict of filters or "
                           f"net.nodes(...), got {type(spec).__name__}.")

    def add_edges(self, source=None, target=None, connection_rule: Any = 1, connection_params: dict | None = None,
                  iterator: str = "one_to_one", morphologies_dir: str | None = None,
                  **edge_type_properties: Any) -> ConnectionMap:
        """Record an edge type from ``source`` to ``target`` nodes (made by ``build()``).

        ``connection_rule``: an int (that many synapses between every pair), a
        rule from :mod:`builders.rules` (object or name with ``connection_params``),
        a ``@vectorised`` function, or a bmtk per-pair callable (slow path,
        called per ``iterator``). Other keywords are edge-type properties
        (edge-types CSV columns), e.g. ``syn_weight``, ``delay`` (ms),
        ``dynamics_params``, ``model_template``, ``target_sections``, ``distance_range`` (µm).
        """
        props = dict(edge_type_properties)
        if "nsyns" in props:
            connection_rule = props.pop("nsyns")
        etid = props.get("edge_type_id")
        taken = {cm.edge_type_id for cm in self._connection_maps}
        if etid is None:
            etid = FIRST_TYPE_ID
            while etid in taken:
                etid += 1
        elif int(etid) in taken:
            raise BuilderError(f"network '{self.name}': add_edges edge_type_id {etid} is already used.")
        props["edge_type_id"] = int(etid)
        where = f"network '{self.name}': edge type {etid}: add_edges"
        for key in props:
            check_property_name(key, where)
        connection_params = check_params(connection_params, "connection_params", where)
        if isinstance(connection_rule, (int, np.integer, float)) and not isinstance(connection_rule, bool):
            check_count(connection_rule, "connection_rule (synapses per pair)", where)
        check_number(props.get("delay"), "delay", where, minimum=0.0, units=" (ms)")
        if not callable(props.get("syn_weight")) and not isinstance(props.get("syn_weight"), str):
            check_number(props.get("syn_weight"), "syn_weight", where)
        source_sel = self._selection(source, "source", f"edge type {etid}")
        target_sel = self._selection(target, "target", f"edge type {etid}")
        if source_sel.network is not self and target_sel.network is not self:
            raise BuilderError(f"network '{self.name}': add_edges needs this network as source or target "
                               f"(got {source_sel.network_name} -> {target_sel.network_name}).")
        props["source_query"] = source_sel.filter_str
        props["target_query"] = target_sel.filter_str
        cm = ConnectionMap(self, source_sel, target_sel, connection_rule, connection_params, iterator, props,
                           morphologies_dir=morphologies_dir)
        self._connection_maps.append(cm)
        self._built.clear()
        return cm

    def get_connections(self) -> list[ConnectionMap]:
        """Every edge type (ConnectionMap) added to this network."""
        return list(self._connection_maps)

    def network_pairs(self) -> list[tuple[str, str]]:
        """(source network, target network) pairs with edge types, in the order first added."""
        pairs: list[tuple[str, str]] = []
        for cm in self._connection_maps:
            key = (cm.source_network_name, cm.target_network_name)
            if key not in pairs:
                pairs.append(key)
        return pairs

    def build(self, workers: int = 1, block_size: int = DEFAULT_BLOCK_SIZE, morphologies_dir: str | None = None,
              force: bool = False) -> None:
        """Make every edge, in blocks of ``block_size`` targets, optionally over ``workers`` processes.

        The files are identical for any ``workers``. ``morphologies_dir`` is where
        node-type ``morphology`` files are found for synapse placement.
        """
        if not is_whole_number(workers) or not is_whole_number(block_size) or workers < 1 or block_size < 1:
            raise BuilderError(f"network '{self.name}': build needs workers >= 1 and block_size >= 1.")
        seed = self.seed if self.seed is not None else int(np.random.randint(0, 2 ** 31 - 1))
        # bmtk per-pair rules draw from np.random/random, which the blocks reseed; in a worker
        # process that leaves the caller's generators alone, so they are restored here too and
        # the script's later draws (the next builder's seed) are the same for any ``workers``.
        np_state, py_state = np.random.get_state(), random.getstate()
        self._built = {}
        try:
            for key in self.network_pairs():
                cms = [cm for cm in self._connection_maps
                       if (cm.source_network_name, cm.target_network_name) == key]
                job = PairJob(cms, seed, block_size, morphologies_dir)
                self._built[key] = collect_pair(job, workers)
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)

    def _require_built(self) -> None:
        if self._connection_maps and not self._built:
            self.build()

    def edges_table(self, source_network: str | None = None, target_network: str | None = None) -> pd.DataFrame:
        """Built edges as a DataFrame (one row per edge row; for inspection and tests)."""
        self._require_built()
        frames = []
        for (src, trg), pair in self._built.items():
            if (source_network or src) != src or (target_network or trg) != trg:
                continue
            block = pair.concatenated()
            frame = pd.DataFrame({"source_network": src, "target_network": trg,
                                  "source_node_id": block.source, "target_node_id": block.target,
                                  "edge_type_id": block.edge_type_id, **block.columns})
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def edges(self, **filters: Any) -> list[dict]:
        """Built edges as dicts (bmtk compatibility; slow for large networks)."""
        table = self.edges_table()
        for key, value in filters.items():
            if key not in table.columns:
                raise BuilderError(f"network '{self.name}': edges() filter key '{key}' is not an edge column "
                                   f"({', '.join(table.columns)}).")
            table = table[table[key].isin(value if isinstance(value, (list, tuple)) else [value])]
        return table.to_dict("records")

    def built_edges(self) -> dict[tuple[str, str], PairEdges]:
        """Built edges per (source network, target network)."""
        self._require_built()
        return dict(self._built)

    # ------------------------------------------------------------------ files, graphs
    def save(self, output_dir: str = ".", overwrite: bool = False, force_overwrite: bool | None = None,
             compression: str | None = None, **bmtk_options: Any) -> None:
        """Write ``<net>_nodes.h5``, ``<net>_node_types.csv`` and every ``<src>_<trg>_edges.h5`` /
        ``_edge_types.csv`` into ``output_dir``; existing files need ``overwrite=True``."""
        from builders.save import save_network
        self._check_save_options("save", bmtk_options)
        output_dir, overwrite = self._check_save_arguments("save", output_dir, overwrite, force_overwrite)
        save_network(self, output_dir, overwrite, compression)

    def _check_save_arguments(self, method: str, output_dir, overwrite, force_overwrite) -> tuple[str, bool]:
        where = f"network '{self.name}': {method}"
        output_dir = check_output_dir(output_dir, where)
        overwrite = check_bool(overwrite, "overwrite", where)
        if force_overwrite is not None:
            overwrite = overwrite or check_bool(force_overwrite, "force_overwrite", where)
        return output_dir, overwrite

    def _check_save_options(self, method: str, options: dict) -> None:
        """BMTK's save options that change nothing here are accepted; anything else is a typo."""
        unknown = sorted(set(options) - BMTK_SAVE_OPTIONS)
        if unknown:
            raise BuilderError(f"network '{self.name}': {method}() got unknown argument(s) {unknown}; it takes "
                               "output_dir, overwrite/force_overwrite, compression and file names "
                               f"(bmtk options accepted and unused: {sorted(BMTK_SAVE_OPTIONS)})")

    def save_nodes(self, nodes_file_name: str | None = None, node_types_file_name: str | None = None,
                   output_dir: str = ".", overwrite: bool = False, force_overwrite: bool | None = None,
                   compression: str | None = None, **bmtk_options: Any) -> None:
        """Write the nodes file and node-types CSV (bmtk's default names under ``output_dir``)."""
        from builders.save import save_nodes
        self._check_save_options("save_nodes", bmtk_options)
        output_dir, overwrite = self._check_save_arguments("save_nodes", output_dir, overwrite, force_overwrite)
        save_nodes(self, _path(output_dir, nodes_file_name, f"{self.name}_nodes.h5"),
                   _path(output_dir, node_types_file_name, f"{self.name}_node_types.csv"),
                   overwrite, compression)

    def save_edges(self, edges_file_name: str | None = None, edge_types_file_name: str | None = None,
                   output_dir: str = ".", src_network: str | None = None, trg_network: str | None = None,
                   overwrite: bool = False, force_overwrite: bool | None = None,
                   compression: str | None = None, **bmtk_options: Any) -> None:
        """Write edges files for every (or the chosen) source/target network pair."""
        from builders.save import save_edges
        self._check_save_options("save_edges", bmtk_options)
        output_dir, overwrite = self._check_save_arguments("save_edges", output_dir, overwrite, force_overwrite)
        pairs = [(s, t) for s, t in self.network_pairs()
                 if src_network in (None, s) and trg_network in (None, t)]
        if (edges_file_name or edge_types_file_name) and len(pairs) > 1:
            raise BuilderError(f"network '{self.name}': save_edges with a file name needs src_network= and "
                               f"trg_network= to pick one of {pairs}.")
        self._require_built()
        for s, t in pairs:
            save_edges(self, self._built[(s, t)],
                       _path(output_dir, edges_file_name, f"{s}_{t}_edges.h5"),
                       _path(output_dir, edge_types_file_name, f"{s}_{t}_edge_types.csv"),
                       overwrite, compression)

    def to_networkx(self, level: str = "node", group_by: str = "pop_name"):
        """The built connectivity as a ``networkx.MultiDiGraph`` (level='node') or a
        ``DiGraph`` of populations grouped by node property ``group_by`` (level='population')."""
        from builders.graph import to_networkx
        return to_networkx(self, level=level, group_by=group_by)

    def __repr__(self) -> str:
        return f"NetworkBuilder({self.name!r}, nodes={self.nnodes}, edge_types={len(self._connection_maps)})"


def _path(output_dir: str, file_name: str | None, default: str) -> str:
    if file_name is None:
        return os.path.join(output_dir, default)
    return file_name if os.path.isabs(file_name) else os.path.join(output_dir, file_name)
