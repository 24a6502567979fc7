"""Generic stepping engine: every population on its own grid, one sparse system.

The state vector holds the cells of every population, then one firing sink per
population. The jump generator is one CSR matrix Q̃ = Σₖ xₖ·Qₖ (xₖ = λₖ·dt of
connection k) whose values are refreshed each step from the per-connection jump
counts with one sparse product; the leak over dt/2 is a block-diagonal CSR map.
This engine accepts any mix of grids; :mod:`engine_batched` is the faster one
for populations that share a grid. Units: probabilities per cell, dt in ms.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp

from simulators.popnet.operators import VoltageGrid, jump_coo, leak_map
from simulators.popnet.uniformization import poisson_terms

# A connection's jump: (target population index, integer cell offsets, probabilities).
JumpKernel = tuple[int, np.ndarray, np.ndarray]


class SparseEngine:
    """Leak–jumps–leak (Strang) step of populations on arbitrary grids.

    ``grids`` and ``taus`` (ms) per population; ``kernels`` one per connection;
    ``dt`` in ms; ``jump_tol`` the neglected Poisson tail per step."""

    def __init__(self, grids: Sequence[VoltageGrid], taus: Sequence[float],
                 kernels: Sequence[JumpKernel], dt: float, jump_tol: float) -> None:
        self.grids, self.jump_tol = list(grids), jump_tol
        sizes = np.array([g.n for g in self.grids], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(sizes)])
        self.n_cells = int(self.offsets[-1])
        self.npop = npop = len(self.grids)
        self._pop_of_state = np.concatenate([np.repeat(np.arange(npop), sizes), np.arange(npop)])
        self._build_jumps(kernels)
        leaks = [leak_map(g, tau, dt / 2) for g, tau in zip(self.grids, taus)]
        self._leak_half = sp.block_diag(leaks, format="csr")
        idx, w, pop = [], [], []
        for p, g in enumerate(self.grids):
            cells, weights = g.split_point(g.v_reset)
            idx.append(cells + self.offsets[p]), w.append(weights), pop.append(np.full(cells.size, p))
        self._reset_idx, self._reset_w = np.concatenate(idx), np.concatenate(w)
        self._reset_pop = np.concatenate(pop)
        self.state = np.zeros(self.n_cells + npop)

    def _build_jumps(self, kernels: Sequence[JumpKernel]) -> None:
        npop, n_all = self.npop, self.n_cells + self.npop
        rows, cols, vals, kk = [], [], [], []
        for k, (p, offs, probs) in enumerate(kernels):
            g = self.grids[p]
            r, cl, v = jump_coo(g, offs, probs)
            rows.append(np.where(r >= g.n, self.n_cells + p, r + self.offsets[p]))
            cols.append(cl + self.offsets[p])
            vals.append(v)
            kk.append(np.full(r.size, k))
        kconst = len(kernels)   # the sinks keep their mass: Q̃[s, s] = x of the population
        sinks = np.arange(self.n_cells, n_all)
        rows.append(sinks), cols.append(sinks), vals.append(np.ones(npop))
        kk.append(kconst + np.arange(npop))
        rows, cols, vals, kk = (np.concatenate(a) for a in (rows, cols, vals, kk))
        lin = rows.astype(np.int64) * n_all + cols
        uniq, inv = np.unique(lin, return_inverse=True)
        urows, ucols = uniq // n_all, uniq % n_all
        indptr = np.searchsorted(urows, np.arange(n_all + 1))
        self._mix = sp.csr_matrix((vals, (inv, kk)), shape=(uniq.size, kconst + npop))
        self._qbar = sp.csr_matrix((np.zeros(uniq.size), ucols, indptr), shape=(n_all, n_all))
        self._coef = np.zeros(kconst + npop)

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """All mass at each population's reset point; sinks empty."""
        self.state[:] = 0.0
        np.add.at(self.state, self._reset_idx, self._reset_w)

    def inject(self, released: np.ndarray) -> None:
        """Add ``released`` probability per population at its reset point."""
        self.state[self._reset_idx] += released[self._reset_pop] * self._reset_w

    def cells(self, p: int) -> np.ndarray:
        """Probability per cell of population ``p`` (a view)."""
        return self.state[self.offsets[p]:self.offsets[p + 1]]

    def cell_mass(self) -> np.ndarray:
        """Probability in the cells, per population."""
        return np.add.reduceat(self.state[:self.n_cells], self.offsets[:-1])

    def state_vector(self) -> np.ndarray:
        """Cells of every population, then one (empty) sink per population."""
        return self.state

    # --------------------------------------------------------------- stepping
    def jumps(self, x_conn: np.ndarray, x_pop: np.ndarray) -> np.ndarray:
        """First half of a step: leak h/2, then the jumps with ``x_conn`` = λₖ·h per
        connection (``x_pop`` their sum per population). Returns the probability that
        fired, per population (removed from the state); :meth:`finish` completes it."""
        self._coef[:x_conn.size] = x_conn
        self._coef[x_conn.size:] = x_pop
        self._qbar.data[:] = self._mix @ self._coef          # Q̃ = x·Q̄, per population
        nterms, ratio = poisson_terms(x_pop, self.jump_tol)
        v = self.state
        v[:self.n_cells] = self._leak_half @ v[:self.n_cells]
        y = v.copy()
        for m in range(1, nterms):
            v = self._qbar @ v
            v *= 1.0 / m
            y += v
        v = self._qbar @ v
        v *= 1.0 / nterms
        y += ratio[self._pop_of_state] * v
        y *= np.exp(-x_pop)[self._pop_of_state]
        fired = y[self.n_cells:].copy()
        y[self.n_cells:] = 0.0
        self.state = y
        return fired

    def finish(self, released: np.ndarray) -> None:
        """Second half of the step begun by :meth:`jumps`: add ``released`` probability
        per population at its reset point, then leak h/2."""
        self.inject(released)
        self.state[:self.n_cells] = self._leak_half @ self.state[:self.n_cells]
