"""Optional compiled loop of the co-moving-frame engine (numba): many internal steps per call.

:func:`frame.run_block` (numpy) is the reference; :func:`run_block` here is the same
algorithm with explicit loops, compiled by numba when it is installed (``pip install
numba``, extra ``fast``), so the cost is arithmetic, not Python overhead. Results agree
with numpy to rounding. Without numba :data:`HAVE_NUMBA` is False and the solver uses numpy.
"""
from __future__ import annotations

import numpy as np

try:
    import numba
    HAVE_NUMBA = True
except ImportError:       # pragma: no cover - depends on the environment
    numba = None
    HAVE_NUMBA = False


def _terms(x, tol):
    term = np.exp(-x)
    cum = term
    m = 0
    while 1.0 - cum > tol and m < 2000:
        m += 1
        term *= x / m
        cum += term
    m = max(m, 1)
    ratio = 1.0
    t = 1.0
    for j in range(1, 200):
        t = t * x / (m + j)
        ratio += t
        if t < 1e-17:
            break
    return m, ratio


def run_block(state, n, n_ext, row_ptr, s_off, s_ptr, s_conn, s_prob, thr_cell, thr_frac, reset_cell,
              reset_w, remap_lo, remap_frac, conn_row, p_conn, p_src, p_delay, p_w, history, ring,
              r_steps, r_w, r_pop, ext, step0, h, tol, out):
    """Same arguments and result as :func:`simulators.popnet.frame.run_block`."""
    npop, width = state.shape
    L = thr_cell.shape[0]
    nconn = conn_row.size
    hist_len, ring_len = history.shape[0], ring.shape[0]
    v = np.zeros(3 * width)            # padded: cells at [width, 2·width), zeros around
    buf_a = np.zeros(3 * width)
    buf_b = np.zeros(3 * width)
    lam = np.empty(nconn)
    coef = np.zeros(s_off.size)
    xrow = np.empty(npop)
    fired = np.empty(npop)
    for i in range(ext.shape[0]):
        g = step0 + i
        s = g % L
        slot = g % hist_len
        for j in range(ext.shape[1]):
            history[slot, npop + j] = ext[i, j]
        lam[:] = 0.0
        for q in range(p_conn.size):
            lam[p_conn[q]] += p_w[q] * history[(g - p_delay[q]) % hist_len, p_src[q]]
        xrow[:] = 0.0
        for k in range(nconn):
            xrow[conn_row[k]] += lam[k] * h
        for q in range(row_ptr[s * npop], row_ptr[(s + 1) * npop]):
            c = 0.0
            for e in range(s_ptr[q], s_ptr[q + 1]):
                c += s_prob[e] * lam[s_conn[e]]
            coef[q] = c * h
        for r in range(npop):
            x = xrow[r]
            fired[r] = 0.0
            if x == 0.0:
                continue
            m_terms, ratio = _terms(x, tol)
            vv = v[width:2 * width]
            for j in range(width):
                vv[j] = state[r, j]
            b = thr_cell[s, r]
            f = thr_frac[s, r]
            src = v
            z = buf_a
            sink = 0.0
            for mm in range(m_terms, 0, -1):
                scale = 1.0 / mm
                if mm == m_terms:
                    scale *= ratio
                zz = z[width:2 * width]
                up = 0.0
                low = 0.0
                first = True
                for q in range(row_ptr[s * npop + r], row_ptr[s * npop + r + 1]):
                    c = coef[q] * scale
                    if c == 0.0:
                        continue
                    d = s_off[q]
                    ss = src[width - d:2 * width - d]       # views: LLVM vectorizes the loop
                    if first:                               # z = v + c·(src shifted by d), one pass
                        for j in range(width):
                            zz[j] = vv[j] + c * ss[j]
                        first = False
                    else:
                        for j in range(width):
                            zz[j] += c * ss[j]
                    acc = 0.0
                    if d > 0:
                        for j in range(2 * width - d, 2 * width):
                            acc += src[j]
                        up += c * acc
                    elif d < 0:
                        for j in range(width, width - d):
                            acc += src[j]
                        low += c * acc
                if first:
                    for j in range(width):
                        zz[j] = vv[j]
                landed = zz[b] - vv[b]
                acc = 0.0
                for j in range(b + 1, width):
                    acc += zz[j]
                    zz[j] = 0.0
                up += acc + f * landed
                zz[b] = vv[b] + (1.0 - f) * landed
                zz[0] += low
                sink = sink * (x / mm) + up
                src = z
                z = buf_b if z is buf_a else buf_a
            keep = np.exp(-x)
            for j in range(width):
                state[r, j] = src[width + j] * keep
            fired[r] = sink * keep
        for q in range(r_steps.size):
            p = r_pop[q]
            ring[(g + r_steps[q]) % ring_len, p] += fired[p] * r_w[q]
        rslot = g % ring_len
        for r in range(npop):
            rel = ring[rslot, r]
            if rel != 0.0:
                state[r, reset_cell[s, r, 0]] += rel * reset_w[s, r, 0]
                state[r, reset_cell[s, r, 1]] += rel * reset_w[s, r, 1]
            ring[rslot, r] = 0.0
        if s == L - 1:
            for r in range(npop):
                vv = v[width:2 * width]
                vv[:] = 0.0
                for j in range(n_ext[r]):
                    mass = state[r, j]
                    if mass != 0.0:
                        vv[remap_lo[r, j]] += (1.0 - remap_frac[r, j]) * mass
                        vv[remap_lo[r, j] + 1] += remap_frac[r, j] * mass
                for j in range(width):
                    state[r, j] = vv[j]
        for p in range(npop):
            rate = fired[p] / h
            history[slot, p] = rate
            out[i, p] = rate


if HAVE_NUMBA:
    _terms = numba.njit(cache=True)(_terms)
    run_block = numba.njit(cache=True, nogil=True)(run_block)
