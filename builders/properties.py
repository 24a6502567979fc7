"""Vectorised edge-property rules: one call per edge type and block, arrays in, arrays out.

A property rule receives the source and target node tables *aligned to the
edges* (row k = edge k), a ``numpy.random.Generator`` and its ``rule_params``,
and returns one array (or a tuple of arrays for several property names)::

    @vectorised
    def weight_by_distance(sources, targets, rng, w_max=1.0, sigma=100.0):
        d = np.linalg.norm(sources.positions - targets.positions, axis=1)   # µm
        return w_max * np.exp(-d**2 / (2 * sigma**2))

    cm.add_properties('syn_weight', rule=weight_by_distance, rule_params={'sigma': 50.0}, dtypes=float)

The classes below are ready-made rules; a bmtk per-edge callable
``rule(source_node, target_node, **params)`` still works (slow path).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from builders.node_table import NodeArrays


class PropertyRule:
    """Base of the ready-made vectorised property rules."""
    vectorised = True

    def __call__(self, sources: NodeArrays, targets: NodeArrays, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"


class NormalValues(PropertyRule):
    """Normal(mean, std) values, clipped to ``[lower, upper]`` when given (same units as mean)."""

    def __init__(self, mean: float, std: float, lower: float | None = None, upper: float | None = None):
        self.mean, self.std, self.lower, self.upper = float(mean), float(std), lower, upper

    def __call__(self, sources, targets, rng):
        values = rng.normal(self.mean, self.std, size=len(targets))
        if self.lower is not None or self.upper is not None:
            values = np.clip(values, self.lower, self.upper)
        return values


class UniformValues(PropertyRule):
    """Uniform values in ``[low, high)``."""

    def __init__(self, low: float, high: float):
        self.low, self.high = float(low), float(high)

    def __call__(self, sources, targets, rng):
        return rng.uniform(self.low, self.high, size=len(targets))


class LognormalValues(PropertyRule):
    """Log-normal values with the given ``mean`` and ``std`` of the values themselves (not of the log)."""

    def __init__(self, mean: float, std: float):
        self.mean, self.std = float(mean), float(std)

    def __call__(self, sources, targets, rng):
        sigma2 = np.log1p((self.std / self.mean) ** 2)
        return rng.lognormal(np.log(self.mean) - sigma2 / 2.0, np.sqrt(sigma2), size=len(targets))


class DistanceValues(PropertyRule):
    """Soma-to-soma distance in µm, or ``func(distance)`` (vectorised) when a function is given.

    ``axes`` picks the coordinates used, e.g. ``(0, 2)`` for x–z distance. A
    typical use: delays that grow with distance, ``DistanceValues(lambda d: 1.0 + d / 300.0)`` (ms).
    """

    def __init__(self, func: Callable[[np.ndarray], np.ndarray] | None = None,
                 axes: tuple[int, ...] = (0, 1, 2)):
        self.func, self.axes = func, tuple(axes)

    def __call__(self, sources, targets, rng):
        axes = list(self.axes)
        delta = sources.positions_or_error()[:, axes] - targets.positions_or_error()[:, axes]
        distance = np.sqrt(np.sum(delta ** 2, axis=1))
        return distance if self.func is None else np.asarray(self.func(distance))


class ConstantValue(PropertyRule):
    """The same value for every edge."""

    def __init__(self, value):
        self.value = value

    def __call__(self, sources, targets, rng):
        return np.full(len(targets), self.value)
