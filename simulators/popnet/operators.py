"""Sparse operators of one LIF population on its voltage grid.

The grid is finite-volume: cell j covers [v_min + j·dv, v_min + (j+1)·dv) mV
relative to rest (rest = 0), so the threshold θ is the upper edge of the last
cell and "crossed θ" means "moved to a cell index >= n". Probability mass of
cell j sits at its centre v_j = v_min + (j + ½)·dv.

* Jumps: a jump of w mV moves a uniform-in-cell density by w/dv cells; when that
  is not an integer it lands in two neighbouring cells, split so the mean is
  exact. Mass moved to index >= n fires (goes to the population's sink); mass
  moved below the floor is clamped into cell 0.
* Leak: during a time h each voltage relaxes exactly as v → v·exp(−h/τ); the
  image of each cell centre is split linearly between the two cells around it
  (a column-stochastic matrix, exact mean, positive, unconditionally stable).
  As h → 0 it equals the upwind generator :func:`leak_generator`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bmtk_like.errors import SimulationError


@dataclass(frozen=True)
class VoltageGrid:
    """Cells between ``v_min`` and ``threshold`` (mV relative to rest) of width ``dv`` mV."""

    v_min: float
    threshold: float
    dv: float
    v_reset: float = 0.0

    def __post_init__(self) -> None:
        if not self.dv > 0:
            raise SimulationError(f"voltage grid: dv must be > 0 mV, got {self.dv}")
        if not self.threshold > self.v_min:
            raise SimulationError(f"voltage grid: threshold ({self.threshold} mV) must lie "
                                  f"above v_min ({self.v_min} mV)")
        if not (self.v_min <= self.v_reset < self.threshold) or not self.v_min <= 0 < self.threshold:
            raise SimulationError(f"voltage grid: need v_min <= reset, rest (0) < threshold; got "
                                  f"v_min={self.v_min}, v_reset={self.v_reset}, "
                                  f"threshold={self.threshold} mV")

    @property
    def n(self) -> int:
        """Number of cells (θ − v_min)/dv, rounded."""
        return max(int(round((self.threshold - self.v_min) / self.dv)), 2)

    @property
    def centers(self) -> np.ndarray:
        """Cell centres in mV relative to rest."""
        return self.v_min + (np.arange(self.n) + 0.5) * self.cell

    @property
    def cell(self) -> float:
        """Actual cell width in mV (dv adjusted so that n cells fill [v_min, θ))."""
        return (self.threshold - self.v_min) / self.n

    def split_point(self, v: float) -> tuple[np.ndarray, np.ndarray]:
        """Cells and weights that represent a point mass at ``v`` mV with exact mean."""
        x = (v - self.v_min) / self.cell - 0.5
        x = min(max(x, 0.0), self.n - 1.0)
        lo = int(np.floor(x))
        frac = x - lo
        if lo >= self.n - 1 or frac == 0.0:
            return np.array([lo]), np.array([1.0])
        return np.array([lo, lo + 1]), np.array([1.0 - frac, frac])


def jump_coo(grid: VoltageGrid, offsets: np.ndarray, probs: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-stochastic jump matrix Q as COO (rows, cols, values) over
    ``n + 1`` rows: rows 0..n-1 are cells, row n is the firing sink.

    ``offsets`` are integer cell shifts and ``probs`` their probabilities
    (see :func:`distributions.split_on_grid`)."""
    n = grid.n
    cols = np.tile(np.arange(n), offsets.size)
    dest = cols + np.repeat(offsets, n)
    rows = np.clip(dest, 0, n)             # below the floor -> cell 0, at/above θ -> sink n
    vals = np.repeat(probs, n)
    return rows, cols, vals


def leak_map(grid: VoltageGrid, tau_m: float, h: float) -> sp.csr_matrix:
    """Exact leak over ``h`` ms (time constant ``tau_m`` ms) as an n × n
    column-stochastic matrix, characteristic v → v·exp(−h/τ) split linearly."""
    n, c = grid.n, grid.cell
    x_new = (grid.centers * np.exp(-h / tau_m) - grid.v_min) / c - 0.5
    x_new = np.clip(x_new, 0.0, n - 1.0)
    lo = np.minimum(np.floor(x_new).astype(np.int64), n - 2)
    frac = x_new - lo
    cols = np.arange(n)
    m = sp.coo_matrix((np.concatenate([1 - frac, frac]),
                       (np.concatenate([lo, lo + 1]), np.concatenate([cols, cols]))),
                      shape=(n, n)).tocsr()
    m.eliminate_zeros()
    return m


def leak_generator(grid: VoltageGrid, tau_m: float) -> sp.csr_matrix:
    """Upwind generator of the leak drift dv/dt = −v/τ (per ms): the h → 0 limit
    of :func:`leak_map` (columns sum to 0, off-diagonals >= 0)."""
    n = grid.n
    speed = np.abs(grid.centers) / (tau_m * grid.cell)   # cells per ms, towards rest
    toward = np.where(grid.centers > 0, -1, 1)
    cols = np.arange(n)
    dest = cols + toward
    ok = (dest >= 0) & (dest < n)
    rate = np.where(ok, speed, 0.0)
    return sp.coo_matrix((np.concatenate([rate[ok], -rate]),
                          (np.concatenate([dest[ok], cols]), np.concatenate([cols[ok], cols]))),
                         shape=(n, n)).tocsr()
