"""Built connectivity as networkx graphs, for analysis and plots.

``level='node'``: a ``MultiDiGraph`` with one node per (network, node_id)
(attributes: every node property) and one edge per edge row (``edge_type_id``,
``nsyns`` and per-edge properties). ``level='population'``: a ``DiGraph`` with
one node per (network, group) — group = value of ``group_by`` — and edges
carrying ``n_connections`` (rows), ``n_synapses`` (sum of nsyns) and
``mean_indegree`` (synapses per target node of the group).
"""
from __future__ import annotations

import networkx as nx
import numpy as np

from bmtk_like.errors import BuilderError


def _networks(net) -> dict:
    found = {net.name: net}
    for cm in net.get_connections():
        found.setdefault(cm.source_network_name, cm.source_nodes.network)
        found.setdefault(cm.target_network_name, cm.target_nodes.network)
    return found


def to_networkx(net, level: str = "node", group_by: str = "pop_name"):
    """See the module docstring."""
    if level not in ("node", "population"):
        raise BuilderError(f"network '{net.name}': to_networkx level must be 'node' or 'population', got {level!r}.")
    networks = _networks(net)
    built = net.built_edges()
    if level == "node":
        graph = nx.MultiDiGraph(name=net.name)
        for name, other in networks.items():
            frame = other.node_table()
            names = frame.column_names()
            cols = {c: frame.column(c) for c in names}
            graph.add_nodes_from(((name, int(i)), {c: cols[c][i] for c in names}) for i in range(frame.size))
        for (src, trg), pair in built.items():
            block = pair.concatenated()
            keys = list(block.columns)
            graph.add_edges_from(
                ((src, int(s)), (trg, int(t)),
                 {"edge_type_id": int(e), **{k: block.columns[k][r] for k in keys}})
                for r, (s, t, e) in enumerate(zip(block.source, block.target, block.edge_type_id)))
        return graph

    graph = nx.DiGraph(name=net.name)
    labels_of, code_of = {}, {}
    for name, other in networks.items():
        table = other.node_table()
        if not table.known(group_by):
            raise BuilderError(f"network '{name}': to_networkx(level='population') groups by '{group_by}', "
                               "which no node has; pass group_by= a node property.")
        labels, codes, counts = np.unique(np.asarray(table.column(group_by)).astype(str),
                                          return_inverse=True, return_counts=True)
        labels_of[name], code_of[name] = labels, codes
        for label, count in zip(labels, counts):
            graph.add_node((name, label), network=name, group=label, n_nodes=int(count))
    for (src, trg), pair in built.items():
        block = pair.concatenated()
        n_trg_groups = labels_of[trg].size
        key = code_of[src][block.source] * n_trg_groups + code_of[trg][block.target]
        uniq, inverse = np.unique(key, return_inverse=True)
        rows = np.bincount(inverse, minlength=uniq.size)
        syns = np.bincount(inverse, weights=block.columns["nsyns"].astype(float), minlength=uniq.size)
        for k, combined in enumerate(uniq):
            a, b = labels_of[src][combined // n_trg_groups], labels_of[trg][combined % n_trg_groups]
            n_targets = graph.nodes[(trg, b)]["n_nodes"]
            graph.add_edge((src, a), (trg, b), n_connections=int(rows[k]), n_synapses=int(syns[k]),
                           mean_indegree=float(syns[k]) / n_targets)
    return graph
