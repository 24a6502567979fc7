"""Synapse placement for edge types with ``target_sections`` and ``distance_range`` (bmtk's rand_syn_locations).

When an edge type names ``target_sections`` and ``distance_range`` and its
targets have a ``morphology`` that can be found (absolute path, or a
``morphologies_dir`` given to ``add_edges``/``build``), every synapse row gets
``afferent_section_id`` and ``afferent_section_pos`` drawn uniformly in path
length over the allowed part of the SWC morphology (see :mod:`builders.morphology`
for the numbering). Rows onto targets without a morphology get -1 and NaN.
Without a findable morphology nothing is placed and the simulator places
synapses at run time from the edge-type columns, as bmtk does.
"""
from __future__ import annotations

import ast
from typing import Callable

import numpy as np

from bmtk_like.errors import BuilderError
from bmtk_like.sonata.columns import AFFERENT_SECTION_ID, AFFERENT_SECTION_POS
from builders.morphology import load_morphology, resolve_morphology_path
from builders.node_table import NodeTable

PLACEMENT_COLUMNS = (AFFERENT_SECTION_ID, AFFERENT_SECTION_POS)


def _as_list(value, name: str, where: str):
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            value = [value]
    if isinstance(value, str):
        value = [value]
    try:
        return list(value)
    except TypeError:
        raise BuilderError(f"{where}: {name}={value!r} must be a list.") from None


def placer_for(cm, target_table: NodeTable, morphologies_dir: str | None) -> Callable | None:
    """A function ``(target_ids, rng) -> {column: array}`` placing synapses, or None."""
    props = cm.edge_type_properties
    if "target_sections" not in props or "distance_range" not in props:
        return None
    if not target_table.known("morphology"):
        return None
    where = cm.describe()
    sections = _as_list(props["target_sections"], "target_sections", where)
    distance_range = _as_list(props["distance_range"], "distance_range", where)
    if len(distance_range) != 2:
        raise BuilderError(f"{where}: distance_range must be [min, max] in µm, got {props['distance_range']!r}.")
    directory = cm.morphologies_dir or morphologies_dir
    names = target_table.column("morphology")
    target_ids = cm.target_nodes.node_ids
    paths: dict[str, str | None] = {}
    for name in np.unique(np.asarray(names[target_ids]).astype(str)):
        paths[name] = resolve_morphology_path(name, directory, where=f"{where}: ")
    if not any(paths.values()):
        return None

    def place(trg: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        sec_id = np.full(trg.size, -1, dtype=np.int64)
        sec_x = np.full(trg.size, np.nan)
        morph_of_row = np.asarray(names[trg]).astype(str)
        for name in sorted(set(morph_of_row.tolist())):
            path = paths.get(name)
            if path is None:
                continue
            rows = np.flatnonzero(morph_of_row == name)
            ids, x = load_morphology(path).place(rows.size, sections, distance_range, rng, where=f"{where}: ")
            sec_id[rows], sec_x[rows] = ids, x
        return {"afferent_section_id": sec_id, "afferent_section_pos": sec_x}

    return place
