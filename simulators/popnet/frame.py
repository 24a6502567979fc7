"""The co-moving-frame engine: leak without numerical diffusion (the default engine).

Between jumps a membrane potential only decays, v(t) = v₀·e^{−t/τ}. Over a *period* of
L internal steps (T_L = L·h ≈ τ/10) the density is kept in the frame u = v·e^{t/τ}
(t since the period began), where the leak is the identity: nothing moves and nothing
is interpolated. In that frame a jump of w mV at time t is a jump of w·e^{t/τ}, the
threshold is θ·e^{t/τ}, the reset v_reset·e^{t/τ}; every internal step evaluates them at
its midpoint (error O(h²/τ²)). So each step is: uniformized jumps (the Poisson series,
as in the split engines, with offsets split between two cells so the mean is exact; mass
landing past the moving threshold fires, the threshold's own cell split by the fraction
above it), then the refractory ring re-injects at reset. At the end of a period one exact
leak map over T_L takes the density back to the v-grid (one linear interpolation per
period). The u-grid extends θ·(e^{T_L/τ} − 1) above threshold.

Numerical diffusion is then ≤ dv²/4 per period (≈ dv²/(6·T_L) mV²/ms) from the remap plus
≤ dv²/4 per jump whose size is not a whole number of cells — against ≈ (v/τ)·dv/2 for a
leak map applied every step (the Strang engines, :mod:`engine_batched`), which dominates
on coarse grids. Units: ms, mV; state = probability per cell.

:func:`run_block` (numpy) and :mod:`kernel` (numba, same algorithm) advance blocks of steps.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from simulators.popnet import distributions as dists
from simulators.popnet.operators import VoltageGrid

PERIOD_TAUS = 0.1
"""Remap period as a fraction of the shortest τ_m (T_L ≈ τ/10: ≤ 11% more cells)."""


class FrameTables:
    """Per population (row) and per phase of the period: jump slots, threshold cell and
    fraction, reset cells; per row: the remap (exact leak over T_L) back to the v-grid."""

    def __init__(self, grids: Sequence[VoltageGrid], taus: Sequence[float], weights: Sequence[tuple],
                 h: float) -> None:
        """``weights``: one (target row, Discrete weight distribution in mV) per connection."""
        taus = np.asarray(taus, dtype=float)
        self.h = h
        self.period = max(1, int(round(PERIOD_TAUS * taus.min() / h)))
        L, npop = self.period, len(grids)
        t_len = L * h
        self.n = np.array([g.n for g in grids], dtype=np.int64)
        self.cell = np.array([g.cell for g in grids])
        self.v_min = np.array([g.v_min for g in grids])
        self.n_ext = np.array([min(g.n + int(np.ceil(g.threshold * np.expm1(t_len / tau) / g.cell)) + 1,
                                   10 * g.n) for g, tau in zip(grids, taus)], dtype=np.int64)
        width = self.width = int(self.n_ext.max())
        t_mid = (np.arange(L) + 0.5) * h
        gain = np.exp(t_mid[:, None] / taus[None, :])                       # (L, npop)
        theta = np.array([g.threshold for g in grids])
        x = (theta[None, :] * gain - self.v_min[None, :]) / self.cell[None, :]
        self.thr_cell = np.minimum(np.floor(x), self.n_ext[None, :] - 1).astype(np.int64)
        self.thr_frac = np.where(np.floor(x) >= self.n_ext[None, :], 1.0, 1.0 - (x - np.floor(x)))
        # reset points in the u-frame of each phase (two cells, mean exact)
        self.reset_cell = np.zeros((L, npop, 2), dtype=np.int64)
        self.reset_w = np.zeros((L, npop, 2))
        for s in range(L):
            for r, g in enumerate(grids):
                xr = min(max((g.v_reset * gain[s, r] - g.v_min) / g.cell - 0.5, 0.0), self.n_ext[r] - 1.0)
                lo = int(np.floor(xr))
                lo = min(lo, int(self.n_ext[r]) - 2)
                frac = xr - lo
                self.reset_cell[s, r] = (lo, lo + 1)
                self.reset_w[s, r] = (1.0 - frac, frac)
        # remap u -> v over T_L: each u-cell centre decays, split between two v-cells
        self.remap_lo = np.zeros((npop, width), dtype=np.int64)
        self.remap_frac = np.zeros((npop, width))
        for r, (g, tau) in enumerate(zip(grids, taus)):
            centres = g.v_min + (np.arange(width) + 0.5) * g.cell
            xr = np.clip((centres * np.exp(-t_len / tau) - g.v_min) / g.cell - 0.5, 0.0, g.n - 1.0)
            lo = np.minimum(np.floor(xr).astype(np.int64), g.n - 2)
            self.remap_lo[r], self.remap_frac[r] = lo, xr - lo
        self._build_slots(weights, gain)

    def _build_slots(self, weights: Sequence[tuple], gain: np.ndarray) -> None:
        """Slots (one per phase, row and cell offset): ``row_ptr[s, r]:row_ptr[s, r+1]`` index
        ``s_off``/``s_ptr``; slot entries (``s_conn``, ``s_prob``) sum to its coefficient."""
        L, npop, width = self.period, len(self.n), self.width
        keys, conns, probs = [], [], []
        for s in range(L):
            for k, (r, dist) in enumerate(weights):
                offs, p = dists.split_on_grid(dists.Discrete(dist.values * gain[s, r], dist.probs), self.cell[r])
                offs = np.clip(offs, -width, width)
                keys.append((s * npop + r) * (2 * width + 1) + offs + width)
                conns.append(np.full(offs.size, k)), probs.append(p)
        if keys:
            key, conn, prob = (np.concatenate(a) for a in (keys, conns, probs))
        else:
            key, conn, prob = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        order = np.lexsort((conn, key))
        key, conn, prob = key[order], conn[order], prob[order]
        uniq, first = np.unique(key, return_index=True)
        self.s_off = (uniq % (2 * width + 1) - width).astype(np.int64)
        self.s_ptr = np.append(first, key.size).astype(np.int64)
        self.s_conn, self.s_prob = conn.astype(np.int64), prob.astype(float)
        row_key = uniq // (2 * width + 1)                                     # s * npop + r
        self.row_ptr = np.searchsorted(row_key, np.arange(L * npop + 1)).astype(np.int64)

    def arrays(self) -> tuple:
        """The tables in the order :func:`run_block` and the numba kernel take them."""
        return (self.n, self.n_ext, self.row_ptr, self.s_off, self.s_ptr, self.s_conn, self.s_prob,
                self.thr_cell, self.thr_frac, self.reset_cell, self.reset_w, self.remap_lo, self.remap_frac)


def poisson_terms_one(x: float, tol: float) -> tuple[int, float]:
    """Terms M and tail ratio of the Poisson series for one mean jump count ``x``
    (see :mod:`uniformization`)."""
    term = cum = np.exp(-x)
    m = 0
    while 1.0 - cum > tol and m < 2000:
        m += 1
        term *= x / m
        cum += term
    m = max(m, 1)
    ratio, t = 1.0, 1.0
    for j in range(1, 200):
        t = t * x / (m + j)
        ratio += t
        if t < 1e-17:
            break
    return m, ratio


def run_block(state, n, n_ext, row_ptr, s_off, s_ptr, s_conn, s_prob, thr_cell, thr_frac, reset_cell,
              reset_w, remap_lo, remap_frac, conn_row, p_conn, p_src, p_delay, p_w, history, ring,
              r_steps, r_w, r_pop, ext, step0, h, tol, out):
    """``len(ext)`` internal steps from global step ``step0`` (numpy; :mod:`kernel` is the same
    loop compiled). ``state`` (rows × width) is in the u-frame of the current period; rows
    are populations in order. Rates (1/ms) into ``out``; history/ring updated in place."""
    npop, width = state.shape
    L = thr_cell.shape[0]
    hist_len, ring_len = history.shape[0], ring.shape[0]
    pad = np.zeros((npop, 3 * width))            # cells at [width, 2·width), zeros around
    for i in range(ext.shape[0]):
        g = step0 + i
        s = g % L
        slot = g % hist_len
        history[slot, npop:] = ext[i]
        lam = np.bincount(p_conn, weights=p_w * history[(g - p_delay) % hist_len, p_src],
                          minlength=conn_row.size)
        coef = np.zeros(s_off.size)
        for q in range(row_ptr[s * npop], row_ptr[(s + 1) * npop]):      # this phase's slots
            coef[q] = np.dot(s_prob[s_ptr[q]:s_ptr[q + 1]], lam[s_conn[s_ptr[q]:s_ptr[q + 1]]]) * h
        xrow = np.bincount(conn_row, weights=lam * h, minlength=npop)
        fired = np.zeros(npop)
        for r in range(npop):
            x = xrow[r]
            if x == 0.0:
                continue
            m_terms, ratio = poisson_terms_one(x, tol)
            v = state[r].copy()
            b, f = thr_cell[s, r], thr_frac[s, r]
            src = v
            sink = 0.0
            for mm in range(m_terms, 0, -1):
                scale = (ratio if mm == m_terms else 1.0) / mm
                pad[r, width:2 * width] = src
                z = v.copy()
                up = low = 0.0
                for q in range(row_ptr[s * npop + r], row_ptr[s * npop + r + 1]):
                    c, d = coef[q] * scale, s_off[q]
                    if c == 0.0:
                        continue
                    z += c * pad[r, width - d:2 * width - d]
                    if d > 0:
                        up += c * pad[r, 2 * width - d:2 * width].sum()
                    elif d < 0:
                        low += c * pad[r, width:width - d].sum()
                landed = z[b] - v[b]
                up += z[b + 1:].sum() + f * landed
                z[b + 1:] = 0.0
                z[b] = v[b] + (1.0 - f) * landed
                z[0] += low
                sink = sink * (x / mm) + up
                src = z
            keep = np.exp(-x)
            state[r] = src * keep
            fired[r] = sink * keep
        np.add.at(ring, ((g + r_steps) % ring_len, r_pop), fired[r_pop] * r_w)
        released = ring[g % ring_len].copy()
        ring[g % ring_len] = 0.0
        rows = np.arange(npop)
        for c in range(2):
            np.add.at(state, (rows, reset_cell[s, :, c]), released * reset_w[s, :, c])
        if s == L - 1:
            remap(state, n_ext, remap_lo, remap_frac)
        history[slot, :npop] = fired / h
        out[i] = fired / h


def remap(state, n_ext, remap_lo, remap_frac) -> None:
    """End of a period: exact leak over T_L from the u-frame back to the v-grid, in place."""
    for r in range(state.shape[0]):
        old = state[r, :n_ext[r]].copy()
        state[r] = 0.0
        np.add.at(state[r], remap_lo[r, :n_ext[r]], old * (1.0 - remap_frac[r, :n_ext[r]]))
        np.add.at(state[r], remap_lo[r, :n_ext[r]] + 1, old * remap_frac[r, :n_ext[r]])


class FrameEngine:
    """Holds the densities (rows × width, u-frame of the current period) and advances blocks
    of internal steps with :func:`run_block` (numpy) or :func:`kernel.run_block` (numba)."""

    def __init__(self, grids: Sequence[VoltageGrid], taus: Sequence[float], weights: Sequence[tuple],
                 h: float, jump_tol: float, compiled: bool) -> None:
        self.grids, self.taus, self.jump_tol = list(grids), np.asarray(taus, float), jump_tol
        self.tables = FrameTables(grids, taus, weights, h)
        self.state = np.zeros((len(self.grids), self.tables.width))
        if compiled:
            from simulators.popnet.kernel import run_block as compiled_block
            self._block = compiled_block
        else:
            self._block = run_block
        self.compiled = compiled

    def reset(self) -> None:
        """All mass at each population's reset point (start of a period: u = v)."""
        self.state[:] = 0.0
        for r, g in enumerate(self.grids):
            cells, weights = g.split_point(g.v_reset)
            self.state[r, cells] += weights

    def advance(self, solver, ext: np.ndarray) -> np.ndarray:
        """``len(ext)`` internal steps of ``solver`` (its history, ring, delays); rates 1/ms."""
        out = np.empty((ext.shape[0], self.state.shape[0]))
        self._block(self.state, *self.tables.arrays(), solver._conn_target, solver._pair_conn, solver._pair_src,
                    solver._pair_delay, solver._pair_w, solver.history, solver.refractory, solver._ref_steps,
                    solver._ref_w, solver._ref_pop, np.ascontiguousarray(ext, dtype=float), solver.step_count,
                    solver.h, self.jump_tol, out)
        solver.step_count += ext.shape[0]
        return out

    def cells(self, p: int, elapsed: float) -> np.ndarray:
        """Probability per v-grid cell of population ``p``, ``elapsed`` ms into the period
        (the u-frame density decayed by e^{−elapsed/τ}, split between cells)."""
        g, row = self.grids[p], self.state[p]
        centres = g.v_min + (np.arange(row.size) + 0.5) * g.cell
        x = np.clip((centres * np.exp(-elapsed / self.taus[p]) - g.v_min) / g.cell - 0.5, 0.0, g.n - 1.0)
        lo = np.minimum(np.floor(x).astype(np.int64), g.n - 2)
        out = np.bincount(lo, weights=row * (1.0 - (x - lo)), minlength=g.n)
        out += np.bincount(lo + 1, weights=row * (x - lo), minlength=g.n)
        return out[:g.n]

    def cell_mass(self) -> np.ndarray:
        """Probability in the cells, per population."""
        return self.state.sum(axis=1)
