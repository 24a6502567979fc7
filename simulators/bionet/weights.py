"""Synaptic weight functions, named by an edge type's ``weight_function`` column.

A vectorised function receives three dicts of equal-length arrays (the edges' columns, their source
nodes' columns, their target nodes' columns; missing columns read as NaN) and returns one weight per
edge. BMTK's per-pair functions ``f(edge_props, src_node, trg_node) -> float`` are accepted too
(``vectorized=False``) and called once per edge: the slow path, kept for old scripts.
Built in: ``wmax``, ``default_weight_fnc``, ``set_syn_weight`` (the edge's ``syn_weight``) and
``gaussianLL`` (``syn_weight · exp(-(Δθ/weight_sigma)²)`` of the nodes' ``tuning_angle`` in degrees).
"""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from bmtk_like.errors import SimulationError

Columns = Mapping[str, np.ndarray]
_FUNCTIONS: dict[str, tuple[Callable, bool]] = {}


def add_weight_function(func: Callable, name: str | None = None, vectorized: bool = True,
                        overwrite: bool = True) -> Callable:
    """Register ``func`` under ``name`` (default: its __name__); returns func so it works as a decorator."""
    key = name or func.__name__
    if overwrite or key not in _FUNCTIONS:
        _FUNCTIONS[key] = (func, vectorized)
    return func


def synaptic_weight(*args, **kwargs):
    """BMTK-style decorator ``@synaptic_weight`` / ``@synaptic_weight(name=...)`` for per-pair functions."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return add_weight_function(args[0], vectorized=False)
    return lambda func: add_weight_function(func, kwargs.get("name"), vectorized=kwargs.get("vectorized", False))


def _syn_weight(edges: Columns, src: Columns, trg: Columns) -> np.ndarray:
    return np.asarray(edges["syn_weight"], dtype=np.float64)


def _gaussian_ll(edges: Columns, src: Columns, trg: Columns) -> np.ndarray:
    delta = np.abs(np.abs(np.abs(180.0 - np.abs(np.asarray(trg["tuning_angle"], float)
                                              - np.asarray(src["tuning_angle"], float)) % 360.0) - 90.0) - 90.0)
    return np.asarray(edges["syn_weight"], float) * np.exp(-(delta / np.asarray(edges["weight_sigma"], float)) ** 2)


for _name in ("wmax", "default_weight_fnc", "set_syn_weight"):
    add_weight_function(_syn_weight, _name)
add_weight_function(_gaussian_ll, "gaussianLL")


def compute_weights(name: str | None, edges: Columns, src: Columns, trg: Columns, who: str) -> np.ndarray:
    """Weights of a batch of edges that share ``weight_function`` ``name`` (None: ``syn_weight``)."""
    if name is None:
        return _syn_weight(edges, src, trg)
    if name not in _FUNCTIONS:
        raise SimulationError(f"{who}: weight_function {name!r} is not defined; register it before running with "
                              "simulators.bionet.add_weight_function(func, name) (vectorised) or @synaptic_weight "
                              f"(per edge). Known: {sorted(_FUNCTIONS)}")
    func, vectorized = _FUNCTIONS[name]
    n = len(next(iter(edges.values()))) if edges else 0
    try:
        if vectorized:
            weights = np.asarray(func(edges, src, trg), dtype=np.float64)
        else:
            rows = [({k: v[i] for k, v in edges.items()}, {k: v[i] for k, v in src.items()},
                     {k: v[i] for k, v in trg.items()}) for i in range(n)]
            weights = np.array([func(*row) for row in rows], dtype=np.float64)
    except KeyError as exc:
        raise SimulationError(f"{who}: weight_function {name!r} needs the column {exc}, which the edges or "
                              "nodes do not have; add it to the circuit or use another weight_function") from None
    if weights.shape != (n,):
        raise SimulationError(f"{who}: weight_function {name!r} returned shape {weights.shape}, expected ({n},)")
    return weights
