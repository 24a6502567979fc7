"""Truncation of the uniformization (Poisson) series used for the synaptic jumps.

Over one step every population p makes a Poisson number of jumps with mean
x_p = Λ_p·dt (Λ_p = Σₖ λₖ, jumps per ms). The jump step is
Σ_{m<M} Poisson(m; x)·Q̄ᵐ p + tail·Q̄ᴹ p, with tail = Σ_{m>=M} Poisson(m; x): the
neglected tail is lumped into the last term, so mass is conserved exactly.
"""
from __future__ import annotations

import numpy as np

from bmtk_like.errors import SimulationError

MAX_JUMPS_PER_STEP = 500.0


def poisson_terms(x: np.ndarray, tol: float) -> tuple[int, np.ndarray]:
    """Number of terms M and the per-population weight ``ratio`` of the last term.

    ``x`` are the mean jump counts per step (dimensionless), ``tol`` the largest
    neglected Poisson tail; M is chosen for the largest x (one M for all
    populations, so every population is stepped by the same operator sequence).
    With Q̃ = x·Q̄ the step is e^{-x}[Σ_{m<M} Q̃ᵐp/m! + ratio·Q̃ᴹp/M!] where
    ratio = Σ_{j>=0} xʲ M!/(M+j)! (summed directly: no cancellation)."""
    xmax = float(x.max(initial=0.0))
    if xmax > MAX_JUMPS_PER_STEP:
        raise SimulationError(f"total input rate × dt = {xmax:.0f} jumps per step is too "
                              f"large; use a smaller run.dt")
    term = cum = np.exp(-xmax)
    m = 0
    while 1.0 - cum > tol and m < 2000:
        m += 1
        term *= xmax / m
        cum += term
    m = max(m, 1)
    ratio = np.ones_like(x)
    t = np.ones_like(x)
    for j in range(1, 200):
        t = t * x / (m + j)
        ratio += t
        if float(t.max(initial=0.0)) < 1e-17:
            break
    return m, ratio
