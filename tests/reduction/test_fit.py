"""The reduction's formulas against independent integrations (no simulator needed)."""
from __future__ import annotations

import numpy as np
import pytest

from simulators.reduction import fit
from simulators.pointnet.intfire import intfire1_as_iaf_psc_delta


def _euler_lif_rate(current_na, theta, reset, t_ref, tau_m, r_in, dt=0.001, t_end=2000.0):
    v, t, spikes, refractory_until = 0.0, 0.0, [], -1.0
    drive = r_in * current_na
    while t < t_end:
        if t >= refractory_until:
            v += dt * (drive - v) / tau_m
            if v >= theta:
                spikes.append(t)
                v, refractory_until = reset, t + t_ref
        t += dt
    isi = np.diff(spikes)
    return 1000.0 / isi.mean() if isi.size else 0.0


@pytest.mark.parametrize("current", [0.06, 0.1, 0.2])
def test_lif_rate_formula_matches_integration(current):
    args = dict(theta=15.0, reset=5.0, t_ref=2.0, tau_m=20.0, r_in=200.0)
    expected = _euler_lif_rate(current, **args, t_end=1000.0)
    assert fit.lif_rate(current, **args) == pytest.approx(expected, rel=2e-3)


def test_lif_rate_is_zero_below_threshold():
    assert fit.lif_rate(0.05, 15.0, 5.0, 2.0, 20.0, 200.0) == 0.0        # R·I = 10 mV < 15 mV


def test_membrane_fit_recovers_a_lif():
    truth = dict(theta=18.0, reset=4.0, t_ref=3.0, tau_m=15.0, r_in=150.0)
    rheobase = truth["theta"] / truth["r_in"] * 1.02
    mult = [1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0]
    amps = [m * rheobase for m in mult]
    meas = {"fi_amps_nA": amps, "fi_multiples": mult, "fi_rates_hz": fit.lif_rate(np.array(amps), **truth).tolist(),
            "r_in": truth["r_in"], "tau_m": truth["tau_m"], "v_rest": -65.0, "passive_hold_nA": 0.0}
    out = fit.fit_membrane(meas, dt=0.1)
    assert np.allclose(out["fit_rates_hz"][1:], meas["fi_rates_hz"][1:], rtol=0.01)
    assert out["params"]["V_th"] == pytest.approx(-65.0 + 18.0, abs=0.5)
    assert out["params"]["C_m"] == pytest.approx(1000.0 * out["params"]["tau_m"] / 150.0)


def _psp(t, j_pa, c_pf, tau_m, tau_s):
    """iaf_psc_exp PSP by integrating dI/dt = -I/τs, dV/dt = -V/τm + I/C (Euler, fine step)."""
    dt = t[1] - t[0]
    sub = 50
    v, i, out = 0.0, j_pa, []
    for _ in t:
        out.append(v)
        for _ in range(sub):
            v += dt / sub * (-v / tau_m + i / c_pf)
            i += dt / sub * (-i / tau_s)
    return np.array(out)


def test_tau_syn_and_weight_recover_a_point_psp():
    t = np.arange(0, 400.0, 0.1)
    trace = _psp(t, j_pa=50.0, c_pf=200.0, tau_m=20.0, tau_s=5.0)
    tau_s = fit.fit_tau_syn([trace], 0.1, 20.0)
    assert tau_s == pytest.approx(5.0, rel=0.03)
    assert fit.weight_per_unit(trace, 2.0, 200.0, 20.0, tau_s, 0.1) == pytest.approx(25.0, rel=0.03)


def test_inhibitory_psp_gives_a_negative_weight():
    t = np.arange(0, 400.0, 0.1)
    trace = -_psp(t, j_pa=30.0, c_pf=100.0, tau_m=10.0, tau_s=8.0)
    tau_s = fit.fit_tau_syn([trace], 0.1, 10.0)
    assert tau_s == pytest.approx(8.0, rel=0.03)
    assert fit.weight_per_unit(trace, 1.0, 100.0, 10.0, tau_s, 0.1) == pytest.approx(-30.0, rel=0.03)


def test_intfire1_translation_converts_seconds():
    p = intfire1_as_iaf_psc_delta({"tau": 0.024, "refrac": 0.003, "type": "NEURON_IntFire1"})
    assert (p["tau_m"], p["t_ref"], p["V_th"] - p["E_L"], p["V_reset"]) == (24.0, 3.0, 1.0, 0.0)
