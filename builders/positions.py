"""Cell positions (µm) as (N, 3) arrays for ``add_nodes(positions=...)``.

Every helper takes a ``seed`` (int, Generator or None) and, for the random ones,
an optional ``min_distance`` (µm): points closer than that to an earlier point
are redrawn (k-d tree check, batch rejection), and an error is raised if the
volume cannot hold N points that far apart.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.spatial import cKDTree

from bmtk_like.errors import BuilderError

Seed = int | np.random.Generator | None


def _rng(seed: Seed) -> np.random.Generator:
    """A Generator from ``seed``; None draws the seed from ``np.random`` (so np.random.seed still works)."""
    if seed is None:
        seed = int(np.random.randint(0, 2 ** 31 - 1))
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _with_min_distance(N: int, draw: Callable[[int], np.ndarray], min_distance: float,
                       what: str, max_rounds: int = 200) -> np.ndarray:
    """Draw until N points are pairwise >= min_distance apart (greedy, in draw order)."""
    if min_distance <= 0:
        return draw(N)
    kept = np.empty((0, 3))
    for _ in range(max_rounds):
        need = N - kept.shape[0]
        if need <= 0:
            return kept[:N]
        cand = draw(max(need * 2, 16))
        if kept.shape[0]:
            dist, _ = cKDTree(kept).query(cand, k=1)
            cand = cand[dist >= min_distance]
        # among the candidates themselves, keep a point only if no earlier candidate is too close
        tree = cKDTree(cand)
        ok = np.ones(cand.shape[0], dtype=bool)
        for i, j in sorted(tree.query_pairs(min_distance)):
            if ok[i] and ok[j]:
                ok[j] = False
        kept = np.vstack([kept, cand[ok]])
    raise BuilderError(f"{what}: could not place {N} cells at least {min_distance} µm apart; "
                       "enlarge the volume, lower N or lower min_distance.")


def positions_cuboid(N: int = 1, center=(0.0, 0.0, 0.0), height: float = 100.0, xside_length: float = 100.0,
                     yside_length: float = 100.0, min_dist: float = 0.0, seed: Seed = None) -> np.ndarray:
    """Uniform in a box centred on ``center`` with sides ``xside_length`` (x), ``yside_length`` (y),
    ``height`` (z), as bmtk names them (bmtk puts ``center`` at a corner and draws from a grid)."""
    rng = _rng(seed)
    half = np.array([xside_length, yside_length, height]) / 2.0
    c = np.asarray(center, dtype=float)
    return _with_min_distance(N, lambda n: c + rng.uniform(-half, half, size=(n, 3)), min_dist, "positions_cuboid")


def positions_columnar(N: int = 1, center=(0.0, 50.0, 0.0), height: float = 100.0, min_radius: float = 0.0,
                       max_radius: float = 1.0, min_dist: float = 0.0, seed: Seed = None) -> np.ndarray:
    """Uniform in a vertical (y-axis) cylinder or annulus ``min_radius..max_radius`` around ``center``."""
    rng = _rng(seed)
    c = np.asarray(center, dtype=float)

    def draw(n):
        phi = rng.uniform(0.0, 2.0 * np.pi, n)
        r = np.sqrt(rng.uniform(min_radius ** 2, max_radius ** 2, n))
        y = rng.uniform(-height / 2.0, height / 2.0, n)
        return c + np.column_stack([r * np.cos(phi), y, r * np.sin(phi)])

    return _with_min_distance(N, draw, min_dist, "positions_columnar")


def positions_ellipsoid(N: int = 1, center=(0.0, 0.0, 0.0), radii=(100.0, 100.0, 100.0), min_dist: float = 0.0,
                        seed: Seed = None) -> np.ndarray:
    """Uniform inside an axis-aligned ellipsoid with semi-axes ``radii`` (µm)."""
    rng = _rng(seed)
    c, r = np.asarray(center, dtype=float), np.asarray(radii, dtype=float)

    def draw(n):
        v = rng.normal(size=(n, 3))
        v /= np.linalg.norm(v, axis=1)[:, None]
        return c + v * (rng.uniform(size=(n, 1)) ** (1.0 / 3.0)) * r

    return _with_min_distance(N, draw, min_dist, "positions_ellipsoid")


def positions_sphere(N: int = 1, center=(0.0, 0.0, 0.0), radius: float = 100.0, min_dist: float = 0.0,
                     seed: Seed = None) -> np.ndarray:
    """Uniform inside a ball of ``radius`` µm."""
    return positions_ellipsoid(N, center, (radius, radius, radius), min_dist, seed)


def positions_grid(shape=(10, 10, 1), spacing=(10.0, 10.0, 10.0), origin=(0.0, 0.0, 0.0),
                   jitter: float = 0.0, seed: Seed = None) -> np.ndarray:
    """A regular ``nx × ny × nz`` grid (x fastest) with ``spacing`` µm, optionally jittered uniformly by ±jitter."""
    axes = [np.arange(n) * s for n, s in zip(shape, np.broadcast_to(spacing, (3,)))]
    zz, yy, xx = np.meshgrid(axes[2], axes[1], axes[0], indexing="ij")
    points = np.column_stack([xx.ravel(), yy.ravel(), zz.ravel()]) + np.asarray(origin, dtype=float)
    if jitter > 0:
        points = points + _rng(seed).uniform(-jitter, jitter, size=points.shape)
    return points


def positions_list(positions=np.array([[0, 0, 0], [0, 0, 1]])) -> np.ndarray:
    """The given positions as an (N, 3) float array (bmtk compatibility)."""
    arr = np.asarray(positions, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise BuilderError(f"positions_list: expected an (N, 3) array, got shape {arr.shape}.")
    return arr


def xiter_random(N: int = 1, min_x: float = 0.0, max_x: float = 1.0, seed: Seed = None) -> np.ndarray:
    """N uniform values in ``[min_x, max_x)`` (bmtk compatibility: e.g. random rotation angles)."""
    return _rng(seed).uniform(min_x, max_x, size=N)


# bmtk's (misspelt) name
positions_columinar = positions_columnar
