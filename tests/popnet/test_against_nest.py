"""The density solver against real NEST Monte Carlo simulations of LIF neurons.

NEST's `iaf_psc_delta` with E_L = V_reset = 0 mV is exactly the neuron of the
density equation: a weight is a voltage jump in mV, θ = V_th − E_L.
"""
from __future__ import annotations

import numpy as np
import pytest

from simulators.popnet.siegert import poisson_drive, siegert_rate
from simulators.popnet.solver import Connection, DensitySolver, ExternalPopulation, Population
from simulators.popnet.steady_state import steady_state

pytestmark = [pytest.mark.slow, pytest.mark.nest]


def _nest():
    nest = pytest.importorskip("nest")
    if hasattr(nest, "VerbosityLevel"):          # NEST >= 3.9 spelling; older: set_verbosity
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.local_num_threads = 2
    nest.resolution = 0.1
    nest.rng_seed = 12345
    return nest


def _lif(nest, n, tau_m, t_ref):
    return nest.Create("iaf_psc_delta", n, params=dict(E_L=0.0, V_th=20.0, V_reset=0.0, V_m=0.0,
                                                       tau_m=tau_m, t_ref=t_ref, C_m=250.0))


def _mean_rate(nest, neurons, start, stop):
    rec = nest.Create("spike_recorder", params={"start": start, "stop": stop})
    nest.Connect(neurons, rec)
    return rec, lambda: rec.n_events / len(neurons) / ((stop - start) / 1000.0)


def test_large_jumps_match_10000_nest_neurons_within_3_percent():
    """w = 5 mV, θ = 20 mV, τ = 20 ms, 100 Hz Poisson input: NEST (10,000 neurons,
    3 s) ≈ 5.3 Hz; the density solver within 3%, the diffusion formula ≈ 20% low."""
    nest = _nest()
    neurons = _lif(nest, 10_000, 20.0, 0.0)
    gen = nest.Create("poisson_generator", params={"rate": 100.0})
    nest.Connect(gen, neurons, syn_spec={"weight": 5.0, "delay": 0.1})
    _, rate = _mean_rate(nest, neurons, 200.0, 3200.0)
    nest.Simulate(3200.0)
    nest_rate = rate()

    pop = Population("e", tau_m=20.0, threshold=20.0, v_min=-2.0, dv=0.05)
    solver = DensitySolver([pop], [Connection("x", "e", 1.0, 5.0)], [ExternalPopulation("x", 100.0)])
    stepped = solver.run(300.0).rates[-1, 0]
    stationary = steady_state(solver).rates["e"]
    diffusion = siegert_rate(*poisson_drive([100.0], [5.0], 20.0), 20.0, 20.0)

    assert 4.5 < nest_rate < 6.0
    assert stepped == pytest.approx(nest_rate, rel=0.03)
    assert stationary == pytest.approx(nest_rate, rel=0.03)
    assert abs(diffusion - nest_rate) / nest_rate > 0.1      # the test tells solver from approximation


def test_reset_below_rest_refractory_and_inhibition_match_nest_within_3_percent():
    """θ = 15 mV, reset −5 mV, t_ref 3 ms, τ = 15 ms; +1 mV at 2 kHz and −2 mV at 500 Hz:
    ≈29 Hz in NEST (10,000 neurons, 2 s); the density solver within 3%."""
    nest = _nest()
    neurons = nest.Create("iaf_psc_delta", 10_000, params=dict(
        E_L=0.0, V_th=15.0, V_reset=-5.0, V_m=0.0, tau_m=15.0, t_ref=3.0, C_m=250.0))
    for rate, weight in ((2000.0, 1.0), (500.0, -2.0)):
        gen = nest.Create("poisson_generator", params={"rate": rate})
        nest.Connect(gen, neurons, syn_spec={"weight": weight, "delay": 0.1})
    _, rate = _mean_rate(nest, neurons, 200.0, 2200.0)
    nest.Simulate(2200.0)
    nest_rate = rate()

    pop = Population("a", tau_m=15.0, threshold=15.0, v_min=-30.0, dv=0.05, v_reset=-5.0, t_ref=3.0)
    solver = DensitySolver([pop], [Connection("x", "a", 1, 1.0), Connection("y", "a", 1, -2.0)],
                           [ExternalPopulation("x", 2000.0), ExternalPopulation("y", 500.0)])
    assert 20.0 < nest_rate < 40.0
    assert solver.run(300.0).rates[-1, 0] == pytest.approx(nest_rate, rel=0.03)
    assert steady_state(solver).rates["a"] == pytest.approx(nest_rate, rel=0.03)


def test_recurrent_ei_pair_matches_10000_neuron_nest_network_within_5_percent():
    """8,000 E + 2,000 I neurons, fixed in-degree 100 from each, delays 1.5 ms,
    external Poisson 1.3 kHz × 1 mV: steady rates (≈17 Hz E, ≈9 Hz I) within 5%."""
    k, ext_hz, delay = 100, 1300.0, 1.5
    weights = {("e", "e"): 0.1, ("e", "i"): 0.3, ("i", "e"): -0.6, ("i", "i"): -0.4}
    params = {"e": (20.0, 2.0, 8000), "i": (10.0, 1.0, 2000)}      # tau_m, t_ref, size

    nest = _nest()
    nodes = {n: _lif(nest, size, tau, ref) for n, (tau, ref, size) in params.items()}
    gen = nest.Create("poisson_generator", params={"rate": ext_hz})
    nest.Connect(gen, nodes["e"] + nodes["i"], syn_spec={"weight": 1.0, "delay": 0.1})
    for (src, tgt), w in weights.items():
        nest.Connect(nodes[src], nodes[tgt],
                     {"rule": "fixed_indegree", "indegree": k, "allow_autapses": False},
                     {"weight": w, "delay": delay})
    rates = {n: _mean_rate(nest, nodes[n], 300.0, 2300.0)[1] for n in nodes}
    nest.Simulate(2300.0)
    nest_rates = {n: f() for n, f in rates.items()}

    pops = [Population(n, tau_m=tau, threshold=20.0, v_min=-15.0, dv=0.05, t_ref=ref)
            for n, (tau, ref, _) in params.items()]
    conns = [Connection("x", n, 1.0, 1.0) for n in params]
    conns += [Connection(s, t, k, w, delay) for (s, t), w in weights.items()]
    solver = DensitySolver(pops, conns, [ExternalPopulation("x", ext_hz)], dt=0.05)
    stepped = solver.run(300.0)
    stationary = steady_state(solver).rates

    for n in params:
        assert 5.0 < nest_rates[n] < 40.0
        assert stationary[n] == pytest.approx(nest_rates[n], rel=0.05)
        assert stepped.rate(n)[-1] == pytest.approx(nest_rates[n], rel=0.05)
    assert np.ptp(stepped.rates[-1000:], axis=0).max() < 0.1      # settled, not oscillating
