"""Optional compiled loop of the batched engine (numba), many internal steps per call.

The pure-numpy path (:mod:`engine_batched` driven step by step by
:class:`solver.DensitySolver`) is the reference; this kernel runs the same
method — leak h/2, uniformized jumps (Horner), refractory ring and re-injection,
leak h/2, delayed recurrent input from the rate history — for a whole block of
internal steps in one call, so the cost is arithmetic, not Python overhead. The
one difference: the Poisson series is truncated per population (its own mean
jump count), not at the largest one, so results agree with numpy to ~``jump_tol``.
Install numba (``pip install numba``, extra ``fast``) to enable it; without it
everything runs in numpy. Units: ms, probabilities per cell.
"""
from __future__ import annotations

import numpy as np

try:
    import numba
    HAVE_NUMBA = True
except ImportError:       # pragma: no cover - depends on the environment
    numba = None
    HAVE_NUMBA = False


def _leak_arrays(grid, taus, h):
    """Per row: lower target cell and fraction of the exact leak over ``h`` ms."""
    n, c = grid.n, grid.cell
    lo = np.empty((len(taus), n), dtype=np.int64)
    frac = np.empty((len(taus), n))
    for r, tau in enumerate(taus):
        x = np.clip((grid.centers * np.exp(-h / tau) - grid.v_min) / c - 0.5, 0.0, n - 1.0)
        lo[r] = np.minimum(np.floor(x).astype(np.int64), n - 2)
        frac[r] = x - lo[r]
    return lo, frac


def _loop(state, lo, frac, row_ptr, s_off, s_ptr, s_conn, s_prob, conn_row, p_conn, p_src, p_delay, p_w,
          history, ring, r_steps, r_w, r_pop, reset_cell, reset_w, reset_row, reset_pop, row_of_pop,
          ext, step0, h, tol, out):
    """``len(ext)`` internal steps from global step ``step0``; rates (1/ms) into ``out``.

    Jump slots (one per row and cell offset) are ``row_ptr[r]:row_ptr[r+1]``; slot s has
    offset ``s_off[s]`` and coefficient Σ prob·λ·h over its entries ``s_ptr[s]:s_ptr[s+1]``."""
    nrow, n = state.shape
    npop = row_of_pop.size
    nconn = conn_row.size
    hist_len, ring_len = history.shape[0], ring.shape[0]
    # padded buffers: cells at [n, 2n), zeros on both sides, so a shift by |d| <= n reads zeros
    v = np.zeros(3 * n)
    buf_a = np.zeros(3 * n)
    buf_b = np.zeros(3 * n)
    lam = np.empty(nconn)
    coef = np.empty(s_off.size)
    xrow = np.empty(nrow)
    fired_row = np.empty(nrow)
    for i in range(ext.shape[0]):
        g = step0 + i
        slot = g % hist_len
        for j in range(ext.shape[1]):
            history[slot, npop + j] = ext[i, j]
        lam[:] = 0.0
        for q in range(p_conn.size):
            lam[p_conn[q]] += p_w[q] * history[(g - p_delay[q]) % hist_len, p_src[q]]
        xrow[:] = 0.0
        for k in range(nconn):
            xrow[conn_row[k]] += lam[k] * h
        for sl in range(s_off.size):
            c = 0.0
            for q in range(s_ptr[sl], s_ptr[sl + 1]):
                c += s_prob[q] * lam[s_conn[q]]
            coef[sl] = c * h
        for r in range(nrow):
            x = xrow[r]
            # leak h/2 into v
            v[n:2 * n] = 0.0
            for j in range(n):
                m = state[r, j]
                if m != 0.0:
                    v[n + lo[r, j]] += (1.0 - frac[r, j]) * m
                    v[n + lo[r, j] + 1] += frac[r, j] * m
            # Poisson terms for this row's mean jump count x
            term = np.exp(-x)
            cum = term
            nterms = 0
            while 1.0 - cum > tol and nterms < 2000:
                nterms += 1
                term *= x / nterms
                cum += term
            nterms = max(nterms, 1)
            ratio = 1.0
            t = 1.0
            for jj in range(1, 200):
                t = t * x / (nterms + jj)
                ratio += t
                if t < 1e-17:
                    break
            sink = 0.0
            src = v
            z = buf_a
            for mm in range(nterms, 0, -1):
                scale = 1.0 / mm
                if mm == nterms:
                    scale *= ratio
                up = 0.0
                low = 0.0
                first = True
                for sl in range(row_ptr[r], row_ptr[r + 1]):
                    c = coef[sl] * scale
                    if c == 0.0:
                        continue
                    d = s_off[sl]
                    zz = z[n:2 * n]         # views: contiguous, so LLVM vectorizes the loops
                    ss = src[n - d:2 * n - d]
                    if first:       # z = v + c·(src shifted by d), one pass
                        vv = v[n:2 * n]
                        for j in range(n):
                            zz[j] = vv[j] + c * ss[j]
                        first = False
                    else:
                        for j in range(n):
                            zz[j] += c * ss[j]
                    acc = 0.0
                    if d > 0:       # past threshold: fired
                        for j in range(2 * n - d, 2 * n):
                            acc += src[j]
                        up += c * acc
                    elif d < 0:     # below the floor: clamped into cell 0
                        for j in range(n, n - d):
                            acc += src[j]
                        low += c * acc
                if first:
                    z[n:2 * n] = v[n:2 * n]
                z[n] += low
                sink = sink * (x / mm) + up
                src = z                   # Horner: this term's result feeds the next
                z = buf_b if z is buf_a else buf_a
            keep = np.exp(-x)
            for j in range(n):
                state[r, j] = src[n + j] * keep   # jumps done; re-injection and the second leak below
            fired_row[r] = sink * keep
        for q in range(r_steps.size):
            p = r_pop[q]
            ring[(g + r_steps[q]) % ring_len, p] += fired_row[row_of_pop[p]] * r_w[q]
        rslot = g % ring_len
        for q in range(reset_cell.size):
            state[reset_row[q], reset_cell[q]] += ring[rslot, reset_pop[q]] * reset_w[q]
        ring[rslot, :] = 0.0
        for r in range(nrow):
            v[n:2 * n] = 0.0
            for j in range(n):
                m = state[r, j]
                if m != 0.0:
                    v[n + lo[r, j]] += (1.0 - frac[r, j]) * m
                    v[n + lo[r, j] + 1] += frac[r, j] * m
            state[r, :] = v[n:2 * n]
        for p in range(npop):
            rate = fired_row[row_of_pop[p]] / h
            history[slot, p] = rate
            out[i, p] = rate


def _slots(eng, n: int) -> tuple:
    """(row_ptr, slot offsets, slot entry ptr, entry connection, entry probability):
    one slot per (row, offset), offsets beyond ±n merged into ±n."""
    off, row, conn, prob = [], [], [], []
    for k, (p, offs, probs) in enumerate(eng.kernels):
        off.append(np.clip(offs, -n, n)), row.append(np.full(offs.size, eng._row_of_pop[p]))
        conn.append(np.full(offs.size, k)), prob.append(probs)
    if not off:
        return (np.zeros(eng.npop + 1, np.int64), np.zeros(0, np.int64), np.zeros(1, np.int64),
                np.zeros(0, np.int64), np.zeros(0))
    off, row, conn, prob = (np.concatenate(a) for a in (off, row, conn, prob))
    order = np.lexsort((conn, off, row))
    off, row, conn, prob = off[order], row[order], conn[order], prob[order]
    key = row.astype(np.int64) * (2 * n + 1) + off + n
    uniq, first = np.unique(key, return_index=True)
    s_row, s_off = uniq // (2 * n + 1), uniq % (2 * n + 1) - n
    s_ptr = np.append(first, key.size).astype(np.int64)
    row_ptr = np.searchsorted(s_row, np.arange(eng.npop + 1)).astype(np.int64)
    return row_ptr, s_off.astype(np.int64), s_ptr, conn.astype(np.int64), prob.astype(float)


if HAVE_NUMBA:
    _loop = numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy")(_loop)


class BatchedKernel:
    """The compiled loop bound to one :class:`solver.DensitySolver` with a batched
    engine; it reads and writes the solver's state, rate history and refractory ring."""

    def __init__(self, solver) -> None:
        eng = solver.engine
        self.solver, self.engine = solver, eng
        self.lo, self.frac = _leak_arrays(eng.grid, eng.leak_taus, solver.h / 2)
        self.slots = _slots(eng, eng.grid.n)
        self.conn_row = eng._row_of_pop[solver._conn_target].astype(np.int64)
        cells = np.asarray(eng._reset_idx) % eng.width - eng.pad_lo
        self.reset = (cells.astype(np.int64), np.asarray(eng._reset_w, float),
                      (np.asarray(eng._reset_idx) // eng.width).astype(np.int64),
                      np.asarray(eng._reset_pop, dtype=np.int64))

    def run(self, ext: np.ndarray) -> np.ndarray:
        """Advance ``len(ext)`` internal steps (external rates 1/ms per step); rates in 1/ms."""
        s, eng = self.solver, self.engine
        out = np.empty((ext.shape[0], len(s.populations)))
        state = np.ascontiguousarray(eng._state2d[:, eng._cells])
        _loop(state, self.lo, self.frac, *self.slots, self.conn_row, s._pair_conn, s._pair_src, s._pair_delay,
              s._pair_w, s.history, s.refractory, s._ref_steps, s._ref_w, s._ref_pop, *self.reset,
              eng._row_of_pop.astype(np.int64), np.ascontiguousarray(ext, dtype=float), s.step_count, s.h,
              s.jump_tol, out)
        eng._state2d[:, eng._cells] = state
        s.step_count += ext.shape[0]
        return out
