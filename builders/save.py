"""Write a built network with :mod:`bmtk_like.sonata`, under bmtk's file names.

Each file is written to a temporary name beside its destination and moved in
place at the end, so a failed save never leaves a half-written network, and an
existing file is replaced only with ``overwrite=True``.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from bmtk_like.errors import BuilderError
from bmtk_like.sonata import EdgeFileWriter, write_nodes, write_types_csv
from builders.edge_store import PairEdges

#: edge-type properties kept out of the CSV (they steer the builder only)
_BUILDER_ONLY = ()


def _csv_value(value: Any) -> Any:
    """Edge/node-type values as bmtk writes them: lists/tuples as their Python repr."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple, dict)):
        return str(list(value) if isinstance(value, tuple) else value)
    if callable(value):
        return getattr(value, "__name__", str(value))
    return value


def _check_free(paths: list[str], network: str, overwrite: bool) -> None:
    for path in paths:
        if os.path.exists(path) and not overwrite:
            raise BuilderError(f"network '{network}': '{path}' already exists; pass overwrite=True to save() "
                               "(or save into another output_dir).")


@contextmanager
def _replacing(path: str) -> Iterator[str]:
    """Yield a temporary path; move it onto ``path`` if the block succeeds, delete it otherwise."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise BuilderError(f"cannot create the folder '{directory}' for '{path}' ({exc.strerror or exc}); "
                           "choose an output_dir whose parents are folders you can write.") from None
    tmp = os.path.join(directory, f".{os.path.basename(path)}.tmp{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise BuilderError(f"cannot write '{path}' ({exc.strerror or exc}); check the folder is writable "
                           "and has free space.") from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save_network(net, output_dir: str, overwrite: bool, compression: str | None) -> None:
    """Nodes, node types, and every edge pair of ``net`` into ``output_dir``."""
    nodes_h5 = os.path.join(output_dir, f"{net.name}_nodes.h5")
    types_csv = os.path.join(output_dir, f"{net.name}_node_types.csv")
    edge_paths = [(s, t, os.path.join(output_dir, f"{s}_{t}_edges.h5"),
                   os.path.join(output_dir, f"{s}_{t}_edge_types.csv")) for s, t in net.network_pairs()]
    _check_free([nodes_h5, types_csv] + [p for e in edge_paths for p in e[2:]], net.name, overwrite)
    built = net.built_edges()
    save_nodes(net, nodes_h5, types_csv, overwrite, compression)
    for s, t, h5_path, csv_path in edge_paths:
        save_edges(net, built[(s, t)], h5_path, csv_path, overwrite, compression)


def save_nodes(net, nodes_path: str, node_types_path: str, overwrite: bool, compression: str | None) -> None:
    """``<net>_nodes.h5`` (one population, one group) and ``<net>_node_types.csv``."""
    _check_free([nodes_path, node_types_path], net.name, overwrite)
    table = net.node_table()
    per_node = []
    for batch in table.batches:
        per_node.extend(k for k in batch.columns if k not in per_node)
    columns = {name: table.column(name) for name in per_node}
    with _replacing(nodes_path) as tmp:
        write_nodes(tmp, net.name, table.node_type_id, columns=columns, compression=compression)
    rows, seen = [], set()
    for batch in table.batches:
        if batch.node_type_id in seen:
            continue
        seen.add(batch.node_type_id)
        rows.append({"node_type_id": batch.node_type_id,
                     **{k: _csv_value(v) for k, v in batch.type_props.items()}})
    with _replacing(node_types_path) as tmp:
        write_types_csv(tmp, rows, "node_type_id")


def save_edges(net, pair: PairEdges, edges_path: str, edge_types_path: str, overwrite: bool,
               compression: str | None) -> None:
    """``<src>_<trg>_edges.h5`` streamed block by block, and ``<src>_<trg>_edge_types.csv``."""
    _check_free([edges_path, edge_types_path], net.name, overwrite)
    with _replacing(edges_path) as tmp:
        with EdgeFileWriter(tmp, pair.population, pair.source_network, pair.target_network,
                            pair.n_source_nodes, pair.n_target_nodes, compression=compression) as writer:
            for block in pair.blocks:
                writer.append(block.source, block.target, block.edge_type_id, block.columns)
            if not pair.blocks:
                empty = np.empty(0, dtype=np.int64)
                writer.append(empty, empty, empty, {"nsyns": empty.astype(np.uint32)})
    rows = []
    for cm in pair.cms:
        props = cm.edge_type_properties
        row = {"edge_type_id": cm.edge_type_id, "target_query": props["target_query"],
               "source_query": props["source_query"]}
        row.update({k: _csv_value(v) for k, v in props.items() if k not in row and k not in _BUILDER_ONLY})
        rows.append(row)
    with _replacing(edge_types_path) as tmp:
        write_types_csv(tmp, rows, "edge_type_id")
