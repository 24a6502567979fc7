"""Batched stepping engine for populations that share one voltage grid.

Layout: one row per population, each row ``pad_lo`` empty cells, the n grid
cells, ``pad_hi`` empty cells (the pads are as wide as the largest downward and
upward jump, in cells); rows are stored back to back in one flat float64 buffer
with a margin of zeros at both ends. A jump of d cells is then a read of the
whole buffer shifted by d: mass pushed past threshold lands in the row's upper
pad (it fired, and goes to the population's sink), mass pushed below v_min in its
lower pad (it is clamped into cell 0). The pads are emptied after every jump.

One uniformization term Q̃u (Q̃ = Σₖ xₖ Qₖ, xₖ = λₖ·dt) is, for every distinct
offset d among all connections, a row-scaled add z[r] += c_d[r]·u[r shifted by d]
with c_d[r] = Σ over the row's connections of xₖ·P(offset d): one fused sparse
call per offset (a diagonal CSR over the rows that use d, applied to the rows as
dense vectors), so the work is (rows using d) × row length, no n × n matrix is
rebuilt, and nothing loops over populations in Python. The leak over dt/2 is a
block-diagonal CSR map on the padded layout (one block per population, cached by
τ). Same method and same numbers (to rounding) as :mod:`engine_sparse`.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp

from simulators.popnet.engine_sparse import JumpKernel
from simulators.popnet.operators import VoltageGrid, leak_map
from simulators.popnet.uniformization import poisson_terms

try:   # in-place y += A·x kernels; the public fallback below allocates the product
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:   # pragma: no cover - depends on the scipy version
    _csr_matvec = _csr_matvecs = None


def _add_matvec(a: sp.csr_matrix, x: np.ndarray, y: np.ndarray) -> None:
    """y += a @ x for 1-D float64 ``x`` and ``y``."""
    if _csr_matvec is not None:
        _csr_matvec(a.shape[0], a.shape[1], a.indptr, a.indices, a.data, x, y)
    else:   # pragma: no cover
        y += a @ x


def _add_rows_scaled(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                     x: np.ndarray, y: np.ndarray, nrows: int, width: int) -> None:
    """y[r] += data·x[r] for the rows r listed in the diagonal CSR (indptr, indices),
    ``x`` and ``y`` flat buffers of ``nrows`` rows of ``width`` values."""
    if _csr_matvecs is not None:
        _csr_matvecs(nrows, nrows, width, indptr, indices, data, x, y)
    else:   # pragma: no cover
        diag = sp.csr_matrix((data, indices, indptr), shape=(nrows, nrows))
        y += (diag @ x.reshape(nrows, width)).ravel()


class BatchedEngine:
    """Leak–jumps–leak (Strang) step of populations on one shared ``grid``
    (its v_min, threshold and dv; its v_reset is not used).

    ``taus`` (ms) and ``v_resets`` (mV) per population; ``kernels`` one per connection (target index,
    cell offsets, probabilities); ``dt`` the internal step in ms; ``jump_tol`` the neglected
    Poisson tail per step."""

    def __init__(self, grid: VoltageGrid, taus: Sequence[float], v_resets: Sequence[float],
                 kernels: Sequence[JumpKernel], dt: float, jump_tol: float) -> None:
        self.grid, self.jump_tol = grid, jump_tol
        n, npop = grid.n, len(taus)
        self.npop = npop
        # Offsets beyond ±n act like ±n (everything fires / lands on the floor).
        kernels = [(p, np.clip(offs, -n, n), probs) for p, offs, probs in kernels]
        # Rows sorted by the set of offsets they use, so that each offset's rows sit
        # together in memory (23% faster when every population has its own weight).
        used: list[set] = [set() for _ in range(npop)]
        for p, offs, _ in kernels:
            used[p].update(offs.tolist())
        self._pop_of_row = np.array(sorted(range(npop), key=lambda p: (sorted(used[p]), p)),
                                    dtype=np.int64)
        self._row_of_pop = np.argsort(self._pop_of_row)
        kernels = [(int(self._row_of_pop[p]), offs, probs) for p, offs, probs in kernels]
        taus = [taus[p] for p in self._pop_of_row]
        v_resets = [v_resets[p] for p in self._pop_of_row]
        all_offs = np.concatenate([offs for _, offs, _ in kernels] + [np.zeros(1, np.int64)])
        self.pad_lo, self.pad_hi = int(max(0, -all_offs.min())), int(max(0, all_offs.max()))
        self.width = w = self.pad_lo + n + self.pad_hi
        self.margin = max(self.pad_lo, self.pad_hi)
        self._cells = slice(self.pad_lo, self.pad_lo + n)
        self._build_slots(kernels)
        self._leak_half = self._padded_leak(taus, dt / 2)
        size = npop * w
        self._bufs = [np.zeros(size + 2 * self.margin) for _ in range(4)]   # state, v, h, z
        points = [grid.split_point(v) for v in v_resets]
        self._reset_idx = np.concatenate([r * w + self.pad_lo + c for r, (c, _) in enumerate(points)])
        self._reset_w = np.concatenate([weights for _, weights in points])
        self._reset_pop = np.concatenate([np.full(c.size, self._pop_of_row[r])
                                          for r, (c, _) in enumerate(points)])

    def _build_slots(self, kernels: Sequence[JumpKernel]) -> None:
        """One slot per distinct offset: a diagonal CSR over the rows that use it,
        whose values are refreshed each step as ``mix @ x_conn``."""
        ent_off, ent_row, ent_conn, ent_prob = [], [], [], []
        for k, (p, offs, probs) in enumerate(kernels):
            uniq, inv = np.unique(offs, return_inverse=True)     # merge clipped duplicates
            ent_off.append(uniq), ent_row.append(np.full(uniq.size, p))
            ent_conn.append(np.full(uniq.size, k))
            ent_prob.append(np.bincount(inv, weights=probs, minlength=uniq.size))
        if not kernels:
            ent_off = ent_row = ent_conn = [np.zeros(0, np.int64)]
            ent_prob = [np.zeros(0)]
        off, row, conn, prob = (np.concatenate(a) for a in (ent_off, ent_row, ent_conn, ent_prob))
        key = off.astype(np.int64) * self.npop + row
        uniq, entry = np.unique(key, return_inverse=True)
        self._mix = sp.csr_matrix((prob, (entry, conn)), shape=(uniq.size, max(len(kernels), 1)))
        self._coef = np.zeros(uniq.size)
        self._data = np.zeros(uniq.size)
        slot_off, slot_row = uniq // self.npop, uniq % self.npop
        self._entry_row = slot_row
        self._slots = []          # (offset d, indptr, row indices, entries slice)
        for d in np.unique(slot_off):
            where = np.flatnonzero(slot_off == d)
            rows = slot_row[where].astype(np.int32)
            indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=self.npop))])
            self._slots.append((int(d), indptr.astype(np.int32), rows,
                                slice(int(where[0]), int(where[-1]) + 1)))

    def _padded_leak(self, taus: Sequence[float], h: float) -> sp.csr_matrix:
        cache: dict[float, tuple] = {}
        rows, cols, vals = [], [], []
        for r, tau in enumerate(taus):
            if tau not in cache:
                m = leak_map(self.grid, tau, h).tocoo()
                cache[tau] = (m.row, m.col, m.data)
            lr, lc, lv = cache[tau]
            base = r * self.width + self.pad_lo
            rows.append(lr + base), cols.append(lc + base), vals.append(lv)
        size = self.npop * self.width
        return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(size, size))

    # ------------------------------------------------------------------ state
    def _inner(self, buf: np.ndarray) -> np.ndarray:
        return buf[self.margin:self.margin + self.npop * self.width]

    @property
    def _state2d(self) -> np.ndarray:
        return self._inner(self._bufs[0]).reshape(self.npop, self.width)

    def reset(self) -> None:
        """All mass at each population's reset point."""
        state = self._inner(self._bufs[0])
        state[:] = 0.0
        state[self._reset_idx] += self._reset_w

    def inject(self, released: np.ndarray) -> None:
        """Add ``released`` probability per population at its reset point."""
        self._inner(self._bufs[0])[self._reset_idx] += released[self._reset_pop] * self._reset_w

    def cells(self, p: int) -> np.ndarray:
        """Probability per cell of population ``p`` (a view)."""
        return self._state2d[self._row_of_pop[p], self._cells]

    def cell_mass(self) -> np.ndarray:
        """Probability in the cells, per population."""
        return self._state2d[:, self._cells].sum(axis=1)[self._row_of_pop]

    def state_vector(self) -> np.ndarray:
        """A copy in :class:`SparseEngine`'s layout: all cells, then empty sinks."""
        cells = self._state2d[self._row_of_pop, self._cells]
        return np.concatenate([cells.ravel(), np.zeros(self.npop)])

    # --------------------------------------------------------------- stepping
    def _jump_into(self, u: np.ndarray, z: np.ndarray) -> np.ndarray:
        """z += Q̃u with the entry values in ``self._data`` (u's pads are empty);
        empties z's pads: returns the probability past threshold per row and
        clamps the mass below the floor into cell 0."""
        npop, w, mg = self.npop, self.width, self.margin
        zi = self._inner(z)
        for d, indptr, rows, entries in self._slots:
            _add_rows_scaled(indptr, rows, self._data[entries], u[mg - d:mg - d + npop * w], zi,
                             npop, w)
        z2 = zi.reshape(npop, w)
        upper = z2[:, self.pad_lo + self.grid.n:]
        fired = np.einsum("ij->i", upper)      # row sums; 2x faster than .sum(axis=1), no BLAS threads
        upper[:] = 0.0
        if self.pad_lo:
            lower = z2[:, :self.pad_lo]
            z2[:, self.pad_lo] += np.einsum("ij->i", lower)
            lower[:] = 0.0
        return fired

    def jumps(self, x_conn: np.ndarray, x_pop: np.ndarray) -> np.ndarray:
        """First half of a step: leak h/2, then the jumps with ``x_conn`` = λₖ·h per
        connection (``x_pop`` their sum per population). Returns the probability that
        fired, per population (removed from the state); :meth:`finish` completes the step.

        The truncated series e^{-x}[Σ_{m<M} Q̃ᵐv/m! + ratio·Q̃ᴹv/M!] is summed
        by Horner's rule, h ← v + Q̃h/m from m = M down to 1, so each term is one
        copy of v plus the row-scaled adds (no separate accumulation pass)."""
        state, v, h, z = self._bufs
        x_pop = x_pop[self._pop_of_row]                       # per row from here on
        nterms, ratio = poisson_terms(x_pop, self.jump_tol)
        self._coef[:] = self._mix @ x_conn if x_conn.size else 0.0
        vi = self._inner(v)
        vi[:] = 0.0
        _add_matvec(self._leak_half, self._inner(state), vi)
        sink = np.zeros(self.npop)
        src = v
        for m in range(nterms, 0, -1):
            np.multiply(self._coef, 1.0 / m, out=self._data)
            if m == nterms:    # the lumped tail; ratio is per population and commutes with Q̃
                self._data *= ratio[self._entry_row]
            self._inner(z)[:] = vi
            sink = sink * (x_pop / m) + self._jump_into(src, z)   # Q̃[s, s] = x: sinks keep mass
            src, h, z = z, z, h
        keep = np.exp(-x_pop)
        hi = self._inner(h).reshape(self.npop, -1)
        hi *= keep[:, None]
        self._pending = h
        return (sink * keep)[self._row_of_pop]

    def finish(self, released: np.ndarray) -> None:
        """Second half of the step begun by :meth:`jumps`: add ``released`` probability
        per population at its reset point, then leak h/2."""
        hi = self._inner(self._pending)
        hi[self._reset_idx] += released[self._reset_pop] * self._reset_w
        si = self._inner(self._bufs[0])
        si[:] = 0.0
        _add_matvec(self._leak_half, hi, si)
