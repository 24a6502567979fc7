"""bmtk's ``bmtk.builder.bionet.rand_syn_locations`` for scripts that place synapses per edge.

A per-edge property rule (the slow path): prefer ``target_sections=`` and
``distance_range=`` on the edge type, which places every synapse over arrays
(:mod:`builders.placement`). Draws from ``np.random`` (seeded per block by build()).
"""
from __future__ import annotations

import numpy as np

from bmtk_like.errors import BuilderError
from builders.morphology import load_morphology, resolve_morphology_path


def rand_syn_locations(src, trg, sections=("soma", "apical", "basal"), distance_range=(0.0, 1.0e20),
                       morphology_dir: str = "./components/morphologies", return_coords: bool = False,
                       dL: float | None = None) -> list:
    """[section id, section x, swc id, swc dist] of one synapse on ``trg``'s morphology.

    Sections numbered as :mod:`builders.morphology` documents (NEURON's order);
    the position is uniform in path length over ``sections`` within
    ``distance_range`` µm of the soma. ``return_coords`` is not supported.
    """
    if return_coords:
        raise BuilderError("rand_syn_locations(return_coords=True) is not supported; drop return_coords "
                           "(coordinates follow from the section id and x).")
    path = resolve_morphology_path(trg["morphology"], morphology_dir, where=f"target node {trg.node_id}: ")
    if path is None:
        raise BuilderError(f"rand_syn_locations: target node {trg.node_id} has no morphology.")
    morph = load_morphology(path)
    seed = np.random.randint(0, 2 ** 31 - 1)
    sec, x = morph.place(1, list(sections), distance_range, np.random.default_rng(seed))
    swc_id, swc_dist = morph.swc_ids(sec, x)
    return [int(sec[0]), float(x[0]), int(swc_id[0]), float(swc_dist[0])]
