"""Groups of cells to average rates over, read from a circuit's node tables.

A group is every non-virtual node sharing a value of a node column — by default ``pop_name``,
falling back to ``model_name`` where a node has no ``pop_name``, and to its SONATA population
name where it has neither. Labels are the column values; a value that occurs in two SONATA
populations is prefixed ``<population>.`` (the labels the popnet backend gives its density
populations, so spikes of a point/compartmental run and rates of a density run line up).
"""
from __future__ import annotations

import os
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from bmtk_like.errors import ConfigError
from bmtk_like.sonata import read_nodes
from bmtk_like.sonata.nodes import normalize_model_type

#: default grouping columns, tried in order per node
DEFAULT_GROUP_BY: tuple[str, ...] = ("pop_name", "model_name")

NodeGroups = Dict[str, Dict[str, np.ndarray]]   # label -> {SONATA population: sorted node ids}


def _is_blank(values: np.ndarray) -> np.ndarray:
    text = np.char.strip(np.asarray(values, dtype=str))
    return np.isin(np.char.lower(text), ["", "nan", "none", "null"])


def _config(config: Any) -> Any:
    if isinstance(config, (str, os.PathLike, dict)):
        from bmtk_like.config import SimulationConfig
        return SimulationConfig.from_json(config)
    return config


def node_populations(config: Any) -> dict:
    """{population: NodePopulation} of every ``networks.nodes`` entry of a config (path or object)."""
    cfg = _config(config)
    out: dict = {}
    for entry in cfg.nodes:
        out.update(read_nodes(entry.nodes_file, entry.node_types_file))
    if not out:
        raise ConfigError(f"{getattr(cfg, 'path', 'config')}: no node populations under "
                          "networks.nodes; groups need the circuit's node tables")
    return out


def node_groups(config: Any, group_by: Optional[Union[str, Sequence[str]]] = None) -> NodeGroups:
    """Label -> {population: node ids} of every non-virtual node of the config's circuit.

    ``group_by`` is a node column or a list tried in order (default ``pop_name`` then
    ``model_name``); ``"population"`` groups by SONATA population. A column no population
    has is a ConfigError listing the columns there are.
    """
    keys = (DEFAULT_GROUP_BY if group_by is None else
            (group_by,) if isinstance(group_by, str) else tuple(group_by))
    populations = node_populations(config)
    if group_by is not None and keys != ("population",) and not any(
            nodes.has_column(k) for nodes in populations.values() for k in keys):
        columns = sorted({c for nodes in populations.values() for c in nodes.columns})
        raise ConfigError(f"--group-by {','.join(keys)}: no node population has that column; "
                          f"columns are: {', '.join(columns)}")
    raw: dict[tuple[str, str], np.ndarray] = {}
    for pop, nodes in populations.items():
        ids = np.asarray(nodes.node_ids, dtype=np.int64)
        labels = np.full(nodes.size, pop, dtype=object)
        unset = np.ones(nodes.size, dtype=bool)
        for key in keys:
            if key == "population" or not nodes.has_column(key):
                continue
            values = np.asarray(nodes.column(key), dtype=str)
            take = unset & ~_is_blank(values)
            labels[take] = np.char.strip(values[take])
            unset &= ~take
        if nodes.has_column("model_type"):
            mtypes = np.asarray(nodes.column("model_type"), dtype=str)
            uniq, inverse = np.unique(mtypes, return_inverse=True)
            virtual = np.array([normalize_model_type(u) == "virtual" for u in uniq])[inverse.ravel()]
        else:
            virtual = np.zeros(nodes.size, dtype=bool)
        for label in np.unique(labels[~virtual].astype(str)):
            raw[(pop, str(label))] = ids[~virtual & (labels.astype(str) == label)]
    counts: dict[str, int] = {}
    for _, label in raw:
        counts[label] = counts.get(label, 0) + 1
    groups: NodeGroups = {}
    for (pop, label), ids in raw.items():
        name = label if counts[label] == 1 else f"{pop}.{label}"
        groups[name] = {pop: np.sort(ids)}
    return groups


def group_sizes(groups: NodeGroups) -> Dict[str, int]:
    """Number of nodes per group."""
    return {name: int(sum(ids.size for ids in members.values())) for name, members in groups.items()}
