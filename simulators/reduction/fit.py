"""Fitting a current-based LIF (NEST ``iaf_psc_exp``) to a cell's measurements. Units: ms, mV, nA, MΩ, pF, pA.

**Membrane.** The LIF is the cell's linearisation at its holding level I_h (just below rheobase):
``R = r_in`` and ``tau_m`` of a small hyperpolarising step there, ``E_L = V_h − R·I_h`` (the rest the
linear model needs to sit at V_h under I_h) and ``C_m = tau_m / R``. Under a DC current I the LIF fires at

    f(I) = 1000 / (t_ref + tau_m · ln((R·I − (V_reset − E_L)) / (R·I − (V_th − E_L))))   Hz, R·I > V_th − E_L

``V_th − E_L``, ``V_reset − E_L`` (between ``E_L`` − :data:`RESET_FLOOR_MV` and ``V_th``) and ``t_ref``
(at most :data:`T_REF_MAX`) are fitted by least squares on the relative rate error
at the measured multiples of the rheobase (1× … 3×; the 2× point counts three times). When that leaves
an error above :data:`FREE_TAU_ABOVE` at 1.5×, 2× or 3×, ``tau_m`` is freed too, within 0.5–2× the measured one
(``C_m`` follows from ``R``). ``t_ref`` is then rounded to the simulation step (NEST counts it in steps) and the other
parameters refitted. The bounds keep the LIF physiological: an unbounded fit imitates strong
spike-frequency adaptation with a reset far below rest, which matches DC steps but silences the cell
under the fluctuating drive of a network. The LIF has no adaptation and starts firing at 0 Hz, so a cell that jumps to a
finite rate at its rheobase (a type II onset) is matched above 1.25× rheobase, not at 1×.

**Synapses.** The somatic PSP of ``iaf_psc_exp`` for a weight J pA at t = 0 is

    v(t) = J/C_m · τm·τs/(τm − τs) · (exp(−t/τm) − exp(−t/τs))

Per target type and sign, the edge types' location-averaged PSPs (at the firing cell's voltage, see
``measure``) are matched in *area* first — the charge each event delivers, hence the mean drive it adds
in a network, which sets the rates — and in *peak* second: ``tau_syn`` is chosen so that the point PSP
has the cells' mean peak/area ratio (1-D root finding), and each edge type's weight then gives the
cell's area, J = area · C_m / (τm · τs) per unit of ``syn_weight``. When the cell's PSP is briefer
than any LIF PSP of its area (area/peak < τm) ``tau_syn`` is the smallest allowed (:data:`TAU_SYN_MIN`)
and the point PSP's peak is lower than the cell's.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, least_squares

FREE_TAU_ABOVE = 0.03
RESET_FLOOR_MV = 10.0
T_REF_MAX = 10.0
TAU_SYN_MIN = 0.2
TAU_SYN_MAX = 50.0
_WEIGHTED_MULTIPLE = 2.0


def lif_rate(current_na, theta: float, reset: float, t_ref: float, tau_m: float, r_in: float) -> np.ndarray:
    """LIF rate (Hz) under DC ``current_na``; ``theta``/``reset`` relative to E_L (mV)."""
    drive = r_in * np.asarray(current_na, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        isi = t_ref + tau_m * np.log((drive - reset) / (drive - theta))
        return np.where(drive > theta, 1000.0 / isi, 0.0)


def fit_membrane(meas: dict, dt: float) -> dict:
    """iaf_psc_exp membrane parameters (NEST names; mV, ms, pF) and the fit's own rates (Hz)."""
    amps = np.asarray(meas["fi_amps_nA"], float)
    rates = np.asarray(meas["fi_rates_hz"], float)
    mult = np.asarray(meas["fi_multiples"], float)
    r_in, tau0 = float(meas["r_in"]), float(meas["tau_m"])
    use = rates > 0
    weight = np.where(np.isclose(mult, _WEIGHTED_MULTIPLE), 3.0, 1.0)[use]
    a, f = amps[use], rates[use]
    theta0 = 0.9 * r_in * amps[0]

    def solve(free_tau: bool, t_ref_fixed: float | None):
        def unpack(x):
            theta, frac = x[0], x[1]        # reset = -RESET_FLOOR_MV + frac·(theta + RESET_FLOOR_MV)
            t_ref = t_ref_fixed if t_ref_fixed is not None else x[2]
            tau = x[-1] if free_tau else tau0
            return theta, -RESET_FLOOR_MV + frac * (theta + RESET_FLOOR_MV), t_ref, tau

        def residual(x):
            theta, reset, t_ref, tau = unpack(x)
            model = lif_rate(a, theta, reset, t_ref, tau, r_in)
            return weight * (model - f) / np.maximum(f, 1.0)

        x0, lo, hi = [theta0, 0.5], [0.1, 0.0], [r_in * amps[0] * 1.5, 0.98]
        if t_ref_fixed is None:
            x0, lo, hi = x0 + [2.0], lo + [0.0], hi + [T_REF_MAX]
        if free_tau:
            x0, lo, hi = x0 + [tau0], lo + [0.5 * tau0], hi + [2.0 * tau0]
        x0 = np.clip(x0, np.asarray(lo) + 1e-9, np.asarray(hi) - 1e-9)
        sol = least_squares(residual, x0, bounds=(lo, hi))
        return unpack(sol.x)

    free_tau = False
    theta, reset, t_ref, tau = solve(False, None)
    if _worst_error(meas, theta, reset, t_ref, tau, r_in) > FREE_TAU_ABOVE:
        free_tau = True
        theta, reset, t_ref, tau = solve(True, None)
    t_ref = max(dt, round(t_ref / dt) * dt)
    theta, reset, _, tau = solve(free_tau, t_ref)
    e_l = float(meas["v_rest"]) - r_in * float(meas.get("passive_hold_nA", 0.0))
    params = {"E_L": e_l, "V_m": e_l, "V_th": e_l + theta, "V_reset": e_l + reset, "t_ref": t_ref,
              "tau_m": tau, "C_m": 1000.0 * tau / r_in, "I_e": 0.0}
    return {"params": params, "free_tau": free_tau,
            "fit_rates_hz": lif_rate(amps, theta, reset, t_ref, tau, r_in).tolist()}


def _worst_error(meas, theta, reset, t_ref, tau, r_in) -> float:
    mult = np.asarray(meas["fi_multiples"], float)
    sel = np.isin(mult, (1.5, 2.0, 3.0))
    cell = np.asarray(meas["fi_rates_hz"], float)[sel]
    model = lif_rate(np.asarray(meas["fi_amps_nA"], float)[sel], theta, reset, t_ref, tau, r_in)
    return float(np.max(np.abs(model - cell) / np.maximum(cell, 1.0)))


def unit_psp(t: np.ndarray, tau_m: float, tau_s: float) -> np.ndarray:
    """PSP (mV) of iaf_psc_exp for J/C_m = 1 mV/ms at t = 0."""
    if abs(tau_m - tau_s) < 1e-9:
        tau_s = tau_m * (1.0 + 1e-6)
    return tau_m * tau_s / (tau_m - tau_s) * (np.exp(-t / tau_m) - np.exp(-t / tau_s))


def _peak(tau_m: float, tau_s: float) -> float:
    if abs(tau_m - tau_s) < 1e-9:
        tau_s = tau_m * (1.0 + 1e-6)
    t_peak = tau_m * tau_s / (tau_m - tau_s) * np.log(tau_m / tau_s)
    return float(unit_psp(np.array([t_peak]), tau_m, tau_s)[0])


def psp_area(trace: np.ndarray, dt: float) -> float:
    """Area (mV·ms) of a PSP trace, its tail beyond the window extrapolated as an exponential."""
    trace = np.asarray(trace, float)
    area = float(np.sum(trace) * dt)
    k = int(np.argmax(np.abs(trace)))
    tail = trace[k:]
    if tail.size > 10 and abs(tail[-1]) > 0 and np.sign(tail[-1]) == np.sign(trace[k]):
        j = tail.size // 2
        ratio = tail[-1] / tail[j]
        if 0.0 < ratio < 1.0:
            tau_tail = (tail.size - 1 - j) * dt / -np.log(ratio)
            area += float(tail[-1] * tau_tail)
    return area


def fit_tau_syn(traces: list, dt: float, tau_m: float) -> float:
    """tau_syn (ms) whose unit-peak point PSP has the mean peak-normalised area of ``traces``."""
    ratios = []
    for trace in traces:
        trace = np.asarray(trace, float)
        peak = trace[int(np.argmax(np.abs(trace)))]
        if peak != 0.0:
            ratios.append(psp_area(trace, dt) / peak)
    if not ratios:
        return 2.0
    target = float(np.mean(ratios))                  # area / peak (ms)

    def mismatch(tau_s):
        return tau_m * tau_s / _peak(tau_m, tau_s) - target

    if mismatch(TAU_SYN_MIN) >= 0.0:
        return TAU_SYN_MIN
    if mismatch(TAU_SYN_MAX) <= 0.0:
        return TAU_SYN_MAX
    return float(brentq(mismatch, TAU_SYN_MIN, TAU_SYN_MAX, xtol=1e-3))


def weight_per_unit(trace: list, syn_weight: float, c_m: float, tau_m: float, tau_s: float, dt: float) -> float:
    """Point weight (pA) per unit of the edge's weight, so the point PSP's area equals the cell's."""
    if syn_weight == 0.0 or not len(trace):
        return 0.0
    return psp_area(np.asarray(trace, float), dt) * c_m / (tau_m * tau_s) / syn_weight
