"""Steady state of a population-density network without time stepping.

For fixed input rates, a population's stationary density is the null vector of
its generator (leak + jumps + reinjection at reset), normalised so that the
density plus the refractory fraction r·t_ref is 1. Recurrent rates are then the
fixed point r = F(r), found with a Powell hybrid (Newton-like) solver for up to
50 populations (its Jacobian costs one evaluation per population) and, for more
populations or if it fails, a damped fixed-point iteration. Delays do not matter at steady
state. Units: ms, mV, Hz.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import root
from scipy.sparse.linalg import spsolve

from bmtk_like.errors import SimulationError
from simulators.popnet import distributions as dists
from simulators.popnet.operators import jump_coo, leak_generator
from simulators.popnet.operators import VoltageGrid
from simulators.popnet.solver import DensitySolver

REFINE = 8
"""Default refinement of the solver's grids for the stationary problem (upwind diffusion)."""
MAX_CELLS = 100_000


@dataclass
class SteadyState:
    """Stationary rates (Hz) and densities (per mV, on each population's cell centres)."""

    rates: dict[str, float]
    densities: dict[str, tuple[np.ndarray, np.ndarray]]
    converged: bool


class _PopulationOperators:
    """Leak generator and per-unit-rate jump generators of one population, on the solver's
    grid refined ``refine`` times (the upwind leak generator diffuses ≈ (v/τ)·dv/2 mV²/ms)."""

    def __init__(self, solver: DensitySolver, p: int, refine: int = 1) -> None:
        base = solver.grids[p]
        refine = max(1, min(int(refine), MAX_CELLS // base.n))
        self.grid = g = VoltageGrid(base.v_min, base.threshold, base.cell / refine, base.v_reset)
        self.t_ref = solver.populations[p].t_ref
        self.leak = leak_generator(g, solver.populations[p].tau_m)
        self.jumps = []     # (connection index, cell block n x n, firing row 1 x n)
        for k, c in enumerate(solver.connections):
            if c.target != solver.names[p]:
                continue
            offs, probs = dists.split_on_grid(dists.as_distribution(c.weight), g.cell)
            r, cl, v = jump_coo(g, offs, probs)
            q = sp.coo_matrix((v, (r, cl)), shape=(g.n + 1, g.n)).tocsr()
            self.jumps.append((k, (q[:g.n] - sp.eye(g.n)).tocsr(), np.asarray(q[g.n].todense()).ravel()))
        cells, weights = g.split_point(g.v_reset)
        self.reset = np.zeros(g.n)
        self.reset[cells] = weights

    def stationary(self, lam: np.ndarray) -> tuple[float, np.ndarray]:
        """(rate per ms, cell masses) for per-connection input rates ``lam`` (per ms).

        Unknowns: the n cell masses m and the rate r; equations, all sparse (memory O(n)):
        (A m + reset·r)_i = 0 for cells 1..n−1 (cell 0's row is implied: the columns of the
        generator sum to −fire), fire·m − r = 0, and Σm + t_ref·r = 1 (normalisation)."""
        n = self.grid.n
        gen = self.leak.copy()
        fire = np.zeros(n)
        for k, block, row in self.jumps:
            if lam[k] > 0:
                gen = gen + lam[k] * block
                fire += lam[k] * row
        body = sp.hstack([gen[1:], sp.csr_matrix(self.reset[1:, None])])
        fire_row = sp.csr_matrix(np.r_[fire, -1.0][None, :])
        norm_row = sp.csr_matrix(np.r_[np.ones(n), self.t_ref][None, :])
        system = sp.vstack([body, fire_row, norm_row], format="csc")
        rhs = np.zeros(n + 1)
        rhs[-1] = 1.0
        solution = spsolve(system, rhs)
        mass = np.maximum(solution[:n], 0.0)
        return float(fire @ mass), mass


def steady_state(solver: DensitySolver, t: float = 0.0, guess: dict | None = None,
                 tol: float = 1e-9, max_iter: int = 500, method: str = "auto",
                 refine: int = REFINE) -> SteadyState:
    """Stationary rates of ``solver``'s network with external rates taken at time
    ``t`` ms; ``guess`` optional starting rates (Hz) per internal population;
    ``method`` "hybr", "iterate" (damped fixed point) or "auto" (see module doc);
    ``refine``: grid refinement of the stationary problem (densities on that grid)."""
    if method not in ("auto", "hybr", "iterate"):
        raise SimulationError(f"steady state: method '{method}' is not one of auto, hybr, iterate")
    npop = len(solver.populations)
    ops = [_PopulationOperators(solver, p, refine) for p in range(npop)]
    ext = np.array([e.rates_at(np.array([t]))[0] for e in solver.externals]) / 1000.0
    src = np.array([solver._src_index[c.source] for c in solver.connections], dtype=np.int64)
    nsyns = np.array([c.nsyns for c in solver.connections], dtype=float)

    def evaluate(r_internal: np.ndarray) -> tuple[np.ndarray, list]:
        rates = np.concatenate([np.maximum(r_internal, 0.0), ext])
        lam = nsyns * rates[src] if src.size else np.zeros(0)
        out = [op.stationary(lam) for op in ops]
        return np.array([o[0] for o in out]), [o[1] for o in out]

    r0 = np.zeros(npop) if guess is None else np.array([guess.get(n, 0.0) for n in solver.names]) / 1000.0
    recurrent = any(s < npop for s in src)
    converged = True
    if recurrent:
        r, ok = r0, False
        if method == "hybr" or (method == "auto" and npop <= 50):
            sol = root(lambda r: evaluate(r)[0] - r, r0, method="hybr", options={"xtol": tol})
            r = np.maximum(sol.x, 0.0)
            ok = sol.success and np.max(np.abs(evaluate(r)[0] - r)) <= 1e-6
        if not ok:
            r, converged = r0, False
            for _ in range(max_iter):      # damped fixed-point iteration
                new = evaluate(r)[0]
                if np.max(np.abs(new - r)) < tol:
                    converged = True
                    break
                r = 0.7 * r + 0.3 * new
        if not converged:
            raise SimulationError("steady state: the recurrent rates did not converge; the "
                                  "network may oscillate or have no stable fixed point — "
                                  "run the time-stepping solver instead")
    else:
        r = r0
    rates, masses = evaluate(r)
    dens = {n: (op.grid.centers, m / op.grid.cell) for n, op, m in zip(solver.names, ops, masses)}
    return SteadyState({n: float(x) * 1000.0 for n, x in zip(solver.names, rates)}, dens, converged)
