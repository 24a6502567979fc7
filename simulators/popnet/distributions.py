"""Synaptic weight and delay distributions of the population-density solver.

Every distribution is reduced to a discrete list of (value, probability) pairs;
the solver then splits each value between the two neighbouring grid points
(weights, in voltage cells) or time steps (delays), which keeps the mean exact.
Weights are voltage jumps in mV (negative = inhibitory), delays are in ms.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence, Union

import numpy as np

from bmtk_like.errors import SimulationError


@dataclass(frozen=True)
class Discrete:
    """A discrete distribution: ``values`` (mV or ms) with ``probs`` summing to 1."""

    values: np.ndarray
    probs: np.ndarray

    @property
    def mean(self) -> float:
        """Expected value, in the unit of ``values``."""
        return float(np.dot(self.values, self.probs))


def delta(value: float) -> Discrete:
    """All mass at ``value`` (mV for weights, ms for delays)."""
    return Discrete(np.array([float(value)]), np.array([1.0]))


def discrete(values: Sequence[float], probs: Sequence[float] | None = None,
             what: str = "weight distribution") -> Discrete:
    """Any discrete distribution; ``probs`` default to equal and are normalised."""
    vals = np.asarray(values, dtype=float).ravel()
    p = np.full(vals.size, 1.0) if probs is None else np.asarray(probs, dtype=float).ravel()
    if vals.size == 0 or vals.size != p.size:
        raise SimulationError(f"{what}: needs as many probabilities as values (got "
                              f"{vals.size} values, {p.size} probabilities)")
    if np.any(p < 0) or not np.isfinite(p).all() or p.sum() <= 0 or not np.isfinite(vals).all():
        raise SimulationError(f"{what}: values must be finite and probabilities "
                              f"non-negative with a positive sum; got {list(p)}")
    return Discrete(vals, p / p.sum())


def uniform(low: float, high: float, n: int = 64) -> Discrete:
    """Uniform on [low, high], sampled at ``n`` equal-width midpoints (mean exact)."""
    if not high > low:
        raise SimulationError(f"uniform distribution: needs high > low, got [{low}, {high}]")
    edges = np.linspace(low, high, n + 1)
    return Discrete(0.5 * (edges[1:] + edges[:-1]), np.full(n, 1.0 / n))


def gaussian(mean: float, std: float, n: int = 81, width: float = 5.0) -> Discrete:
    """Gaussian of ``mean`` and ``std``, on ``n`` points spanning ±``width`` std
    (symmetric, so the mean is exact)."""
    if std < 0:
        raise SimulationError(f"gaussian distribution: std must be >= 0, got {std}")
    if std == 0:
        return delta(mean)
    x = np.linspace(-width, width, n)
    return discrete(mean + std * x, np.exp(-0.5 * x * x))


DistributionLike = Union[float, int, Discrete, dict, Iterable]


def as_distribution(spec: DistributionLike, what: str = "weight") -> Discrete:
    """Normalise a user spec to :class:`Discrete`.

    Accepted: a number (delta); a :class:`Discrete`; a list of ``(value, prob)``
    pairs; a dict ``{"distribution": "delta"|"uniform"|"gaussian"|"discrete", ...}``
    with keys ``value`` / ``low``, ``high`` / ``mean``, ``std`` / ``values``, ``probs``.
    """
    dist = _as_distribution(spec, what)
    if not (np.isfinite(dist.values).all() and np.isfinite(dist.probs).all()):
        raise SimulationError(f"{what}: values must be finite numbers, got {dist.values[:5].tolist()}")
    return dist


def _as_distribution(spec: DistributionLike, what: str) -> Discrete:
    if isinstance(spec, Discrete):
        return spec
    if isinstance(spec, (int, float, np.integer, np.floating)):
        return delta(float(spec))
    if isinstance(spec, dict):
        kind = str(spec.get("distribution", "delta")).lower()
        try:
            if kind == "delta":
                return delta(spec["value"])
            if kind == "uniform":
                return uniform(spec["low"], spec["high"])
            if kind in ("gaussian", "normal"):
                return gaussian(spec["mean"], spec["std"])
            if kind == "discrete":
                return discrete(spec["values"], spec.get("probs"), what=what)
        except KeyError as exc:
            raise SimulationError(f"{what} distribution '{kind}' needs key {exc}; "
                                  f"got keys {sorted(spec)}") from None
        raise SimulationError(f"{what}: unknown distribution '{kind}'; use delta, "
                              f"uniform, gaussian or discrete")
    pairs = np.asarray(list(spec), dtype=float)
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        raise SimulationError(f"{what}: a list must hold (value, probability) pairs")
    return discrete(pairs[:, 0], pairs[:, 1], what=what)


def split_on_grid(dist: Discrete, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (integers, in units of ``step``) and probabilities of ``dist`` after
    splitting every value between its two neighbouring grid points so that the
    mean is exact. Duplicate offsets are merged; zero-probability ones dropped.
    A value within rounding (1e-12 relative) of a grid point is that grid point, so
    −0.5 mV on a 0.1 mV grid is 5 cells, not 6 cells with probability 1e-15."""
    x = np.clip(dist.values / step, -2.0 ** 52, 2.0 ** 52)     # beyond any grid; keeps int64 exact
    nearest = np.round(x)
    x = np.where(np.abs(x - nearest) <= 1e-12 * np.maximum(np.abs(x), 1.0), nearest, x)
    lo = np.floor(x)
    frac = x - lo
    offsets = np.concatenate([lo, lo + 1]).astype(np.int64)
    probs = np.concatenate([dist.probs * (1 - frac), dist.probs * frac])
    uniq, inv = np.unique(offsets, return_inverse=True)
    merged = np.bincount(inv, weights=probs, minlength=uniq.size)
    keep = merged > 0
    return uniq[keep], merged[keep]
