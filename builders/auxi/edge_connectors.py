"""bmtk's per-pair connectors (``bmtk.builder.auxi.edge_connectors``), for scripts that import them.

These are per-pair callables (the slow path); :class:`builders.rules.DistanceProbability`
and :class:`builders.rules.FixedProbability` do the same over arrays.
"""
from __future__ import annotations

import random

import numpy as np


def distance_connector(source, target, d_weight_min: float, d_weight_max: float, d_max: float,
                       nsyn_min: int, nsyn_max: int):
    """Connect with probability falling linearly from ``d_weight_max`` (d=0) to ``d_weight_min`` (d=d_max µm),
    never beyond ``d_max`` or onto itself; ``nsyn_min..nsyn_max`` synapses (inclusive)."""
    if source.node_id == target.node_id:
        return None
    r = float(np.linalg.norm(np.asarray(source["positions"]) - np.asarray(target["positions"])))
    if r > d_max:
        return None
    t = r / d_max
    probability = d_weight_max * (1.0 - t) + d_weight_min * t
    if probability <= 0 or random.random() > probability:
        return None
    return random.randint(nsyn_min, nsyn_max)


def connect_random(source, target, nsyn_min: int = 0, nsyn_max: int = 10, distribution=None) -> int:
    """A uniform random synapse count in ``[nsyn_min, nsyn_max)``."""
    return int(np.random.randint(nsyn_min, nsyn_max))
