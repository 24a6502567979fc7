"""Diffusion (Siegert) approximation of the LIF firing rate.

Valid only for jumps w ≪ θ; the density solver does not use it, tests and
users compare against it. Units: ms, mV, Hz.
"""
from __future__ import annotations

import numpy as np
from scipy.integrate import quad
from scipy.special import erfcx


def siegert_rate(mu: float, sigma: float, tau_m: float, threshold: float,
                 v_reset: float = 0.0, t_ref: float = 0.0) -> float:
    """Stationary rate (Hz) of an LIF neuron, τ dV/dt = −V + μ + σ√τ ξ(t), with
    mean drive ``mu`` and noise ``sigma`` in mV (Brunel 2000 convention):

        1/ν = t_ref + τ √π ∫_{(V_r−μ)/σ}^{(θ−μ)/σ} exp(u²)(1 + erf u) du.
    """
    if sigma <= 0:
        if mu <= threshold:
            return 0.0
        return 1000.0 / (t_ref + tau_m * np.log((mu - v_reset) / (mu - threshold)))
    lo, hi = (v_reset - mu) / sigma, (threshold - mu) / sigma
    integral, _ = quad(lambda u: erfcx(-u), lo, hi, limit=200)   # erfcx(−u) = e^{u²}(1+erf u)
    return 1000.0 / (t_ref + tau_m * np.sqrt(np.pi) * integral)


def poisson_drive(rates_hz, weights_mv, tau_m: float) -> tuple[float, float]:
    """(μ, σ) in mV of Poisson inputs with total rates ``rates_hz`` (Hz, already
    multiplied by synapse counts) and jumps ``weights_mv``: μ = τ Σ λw, σ² = τ Σ λw²."""
    lam = np.asarray(rates_hz, dtype=float) / 1000.0
    w = np.asarray(weights_mv, dtype=float)
    return float(tau_m * np.sum(lam * w)), float(np.sqrt(tau_m * np.sum(lam * w * w)))
