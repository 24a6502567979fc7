"""The density solver's invariants and its agreement with the diffusion limit."""
from __future__ import annotations

import numpy as np
import pytest

from bmtk_like.errors import SimulationError
from simulators.popnet import distributions as dists
from simulators.popnet.siegert import poisson_drive, siegert_rate
from simulators.popnet.solver import Connection, DensitySolver, ExternalPopulation, Population
from simulators.popnet.steady_state import steady_state


def _driven(rate_hz=100.0, weight=5.0, dv=0.1, dt=0.1, t_ref=0.0, v_min=-2.0, delay=0.0):
    pop = Population("e", tau_m=20.0, threshold=20.0, v_min=v_min, dv=dv, t_ref=t_ref)
    return DensitySolver([pop], [Connection("x", "e", 1.0, weight, delay)],
                         [ExternalPopulation("x", rate_hz)], dt=dt)


def _ei_network(dt=0.1):
    pops = [Population("e", tau_m=20, v_min=-15, dv=0.1, t_ref=2.0),
            Population("i", tau_m=10, v_min=-15, dv=0.1, t_ref=1.0)]
    conns = [Connection("x", "e", 100, 1.0, 1.0), Connection("x", "i", 100, 1.0, 1.0),
             Connection("e", "e", 20, dists.uniform(0.1, 0.5), 1.5),
             Connection("e", "i", 20, dists.gaussian(0.5, 0.1), {"distribution": "uniform", "low": 1, "high": 2}),
             Connection("i", "e", 20, [(-2.0, 0.5), (-1.0, 0.5)], 1.5),
             Connection("i", "i", 20, -1.5, 1.5)]
    return DensitySolver(pops, conns, [ExternalPopulation("x", 12.0)], dt=dt)


def test_mass_conserved_each_step_and_density_nonnegative():
    """Tolerance: |mass − 1| <= 1e-12 after every step, density >= 0 everywhere."""
    solver = _ei_network()
    for _ in range(300):
        solver.step()
        assert np.all(np.abs(solver.total_mass() - 1.0) <= 1e-12)
        assert solver.state.min() >= 0.0
    assert np.all(solver.history[:, :2].max(axis=0) > 0)     # it really fired


def test_mass_conserved_with_inhibition_below_floor():
    """Inhibitory jumps larger than the room above v_min clamp into the floor cell (the frame
    engine keeps it there in its frame, so it leaks up with the rest: the bottom two cells)."""
    pops = [Population("e", tau_m=20, v_min=-1.0, dv=0.1)]
    conns = [Connection("x", "e", 1, 5.0), Connection("y", "e", 1, -7.3)]
    s = DensitySolver(pops, conns, [ExternalPopulation("x", 200.0), ExternalPopulation("y", 300.0)])
    s.run(100.0)
    assert abs(s.total_mass()[0] - 1.0) <= 1e-12 and s.state.min() >= 0
    v, p = s.density("e")
    assert (p[0] + p[1]) * (v[1] - v[0]) > 0.05        # a real share of the mass sits on the floor


def test_large_dt_stays_stable_and_positive():
    """dt = 2 ms is 400 times the leak's CFL limit at dv = 0.05 mV: still positive and close."""
    fine = _driven(dt=0.05).run(400.0).rates[-1, 0]
    coarse = _driven(dt=2.0).run(400.0).rates[-1, 0]
    assert np.isfinite(coarse) and coarse > 0
    assert abs(coarse - fine) / fine < 0.05


def test_time_stepping_settles_on_the_steady_state_solver():
    """Tolerance 1% (dt = 0.1 ms splitting error against the dt → 0 stationary density)."""
    s = _driven()
    stepped = s.run(400.0).rates[-1, 0]
    assert stepped == pytest.approx(steady_state(_driven()).rates["e"], rel=0.01)


def test_recurrent_network_settles_on_the_steady_state_solver():
    """Tolerance 3% between the stepped E/I network (dt = 0.05 ms) and its fixed point
    (the dt → 0 limit); rates ≈ 30 Hz (E) and 5.6 Hz (I)."""
    s = _ei_network(dt=0.05)
    r = s.run(300.0)
    ss = steady_state(_ei_network())
    assert ss.converged
    for name in ("e", "i"):
        assert r.rate(name)[-1] == pytest.approx(ss.rates[name], rel=0.03)


def test_damped_iteration_finds_the_same_fixed_point():
    """Tolerance 1e-6 relative between the Newton-like and the damped fixed-point methods."""
    hybr = steady_state(_ei_network(), method="hybr").rates
    damped = steady_state(_ei_network(), method="iterate", tol=1e-12, max_iter=2000).rates
    for name in hybr:
        assert damped[name] == pytest.approx(hybr[name], rel=1e-6)
    with pytest.raises(SimulationError, match="method 'newton'"):
        steady_state(_ei_network(), method="newton")


@pytest.mark.parametrize("weight,rate", [(0.25, 3800.0), (0.5, 1850.0)])
def test_small_weights_match_siegert(weight, rate):
    """Jumps of w ≪ θ: stationary rate within 2% of the diffusion formula."""
    s = _driven(rate_hz=rate, weight=weight, dv=0.02, v_min=-5.0)
    mu, sigma = poisson_drive([rate], [weight], 20.0)
    expected = siegert_rate(mu, sigma, 20.0, 20.0)
    assert 2.0 < expected < 40.0
    assert steady_state(s).rates["e"] == pytest.approx(expected, rel=0.02)


def test_large_weights_differ_from_diffusion():
    """w = 5 mV, θ = 20 mV at 100 Hz: the jump equation gives ≈5.3 Hz, diffusion ≈4.2 Hz."""
    rate = steady_state(_driven()).rates["e"]
    assert rate == pytest.approx(5.30, rel=0.02)
    assert siegert_rate(*poisson_drive([100.0], [5.0], 20.0), 20.0, 20.0) < 0.85 * rate


def test_refractory_period_lowers_the_rate_by_the_dead_time():
    """With t_ref, ν_ref ≈ ν / (1 + ν·t_ref) only approximately; check direction and mass."""
    s = _driven(rate_hz=160.0, t_ref=5.0)
    r_ref = s.run(400.0).rates[-1, 0]
    r_free = _driven(rate_hz=160.0).run(400.0).rates[-1, 0]
    assert r_ref < r_free
    assert abs(s.total_mass()[0] - 1.0) < 1e-12 and s.refractory.sum() > 0
    assert r_ref == pytest.approx(steady_state(_driven(rate_hz=160.0, t_ref=5.0)).rates["e"], rel=0.01)


def test_delay_shifts_the_response():
    """A step of input 10 ms late: the delayed population fires later by the delay."""
    step = ExternalPopulation("x", lambda t: np.where(t >= 20.0, 300.0, 0.0))
    pops = [Population("a", dv=0.1, v_min=-2), Population("b", dv=0.1, v_min=-2)]
    s = DensitySolver(pops, [Connection("x", "a", 1, 5.0, 0.0), Connection("x", "b", 1, 5.0, 10.0)],
                      [step], dt=0.1)
    r = s.run(100.0)
    onset = [r.times[np.argmax(r.rate(n) > 1.0)] for n in ("a", "b")]
    assert onset[1] - onset[0] == pytest.approx(10.0, abs=0.11)


def test_time_varying_input_as_table():
    """(times, rates) inputs are interpolated: zero input gives zero rate, then it fires."""
    s = DensitySolver([Population("a", v_min=-2)], [Connection("x", "a", 1, 5.0)],
                      [ExternalPopulation("x", ([0.0, 50.0, 50.1, 200.0], [0.0, 0.0, 200.0, 200.0]))])
    r = s.run(200.0).rate("a")
    assert r[:400].max() == 0.0 and r[-1] > 5.0


def test_density_on_request_integrates_to_one():
    s = _driven()
    res = s.run(50.0, density_every=100)
    assert len(res.densities) == 5
    v, p = s.density("e")
    assert np.sum(p) * (v[1] - v[0]) == pytest.approx(1.0, abs=1e-12)


def test_split_keeps_the_mean_of_weights():
    for dist in (dists.delta(0.37), dists.uniform(-1.3, 2.9), dists.gaussian(0.81, 0.4),
                 dists.discrete([0.1, 3.33], [0.25, 0.75])):
        offs, probs = dists.split_on_grid(dist, 0.1)
        assert np.dot(offs, probs) * 0.1 == pytest.approx(dist.mean, abs=1e-12)
        assert probs.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("kwargs,message", [
    (dict(target="nope"), "target 'nope' is not an internal population"),
    (dict(source="ghost"), "source 'ghost' is not a population"),
    (dict(nsyns=-1), "nsyns must be >= 0"),
    (dict(delay=-1.0), "delays must be >= 0 ms"),
    (dict(weight={"distribution": "uniform", "low": 1}), "needs key 'high'"),
    (dict(weight={"distribution": "lognormal"}), "unknown distribution 'lognormal'"),
    (dict(weight=float("nan")), r"weight: values must be finite numbers, got \[nan\]"),
    (dict(weight=float("-inf")), r"weight: values must be finite numbers"),
    (dict(delay=float("inf")), r"delay: values must be finite numbers"),
    (dict(delay=1e9), r"delay 1e\+09 ms is more than 1e\+07 internal steps of 0.1 ms; check its units"),
])
def test_bad_connections_name_the_connection(kwargs, message):
    conn = dict(source="x", target="e", nsyns=1.0, weight=1.0, delay=0.0) | kwargs
    with pytest.raises(SimulationError, match=message):
        DensitySolver([Population("e")], [Connection(**conn)], [ExternalPopulation("x", 1.0)])


def test_bad_population_names_the_population():
    with pytest.raises(SimulationError, match="at least one internal population"):
        DensitySolver([], [])
    with pytest.raises(SimulationError, match="population 'e'.*threshold"):
        DensitySolver([Population("e", threshold=-5.0)], [])
    with pytest.raises(SimulationError, match="population 'e': tau_m"):
        DensitySolver([Population("e", tau_m=0.0)], [])
    with pytest.raises(SimulationError, match="external population 'x'"):
        DensitySolver([Population("e")], [Connection("x", "e", 1, 1.0)],
                      [ExternalPopulation("x", -3.0)]).run(1.0)


def test_distributed_delay_mixes_past_rates():
    """Delays uniform on [0, 10] ms: 5 ms after an input step, half the input has arrived."""
    step = ExternalPopulation("x", lambda t: np.where(t >= 20.0, 200.0, 0.0))
    s = DensitySolver([Population("a", v_min=-2)],
                      [Connection("x", "a", 3, 1.0, dists.uniform(0.0, 10.0))], [step], dt=0.1)
    s.run(25.0)
    s.history[s.step_count % s._hist_len, 1:] = 0.2          # what the next step writes (per ms)
    assert s.input_rates()[0] == pytest.approx(3 * 0.2 * 0.5, rel=0.02)
    s.run(10.0)
    s.history[s.step_count % s._hist_len, 1:] = 0.2
    assert s.input_rates()[0] == pytest.approx(3 * 0.2, rel=1e-12)


def test_a_network_without_connections_steps_and_keeps_its_mass():
    for engine in ("batched", "sparse"):
        s = DensitySolver([Population("e", v_min=-2.0)], [], [], dt=0.1, engine=engine)
        rates = s.run(5.0).rates
        assert np.all(rates == 0.0) and s.total_mass() == pytest.approx([1.0], abs=1e-12)


@pytest.mark.parametrize("t_ref", [float("nan"), float("inf")])
def test_non_finite_refractory_period_is_refused(t_ref):
    with pytest.raises(SimulationError, match="population 'e': t_ref must be a finite number >= 0 ms"):
        DensitySolver([Population("e", v_min=-2.0, t_ref=t_ref)], [], [])


def test_huge_weights_fire_at_once_instead_of_overflowing():
    """A 1e30 mV jump crosses threshold: every input spike fires the neuron."""
    s = DensitySolver([Population("e", v_min=-2.0)], [Connection("x", "e", 1, 1e30)],
                      [ExternalPopulation("x", 100.0)])
    assert s.run(50.0).rates[-1, 0] == pytest.approx(100.0, rel=0.01)


def test_steady_state_memory_grows_linearly_with_the_grid():
    """20,000 cells: a dense generator would need 3.2 GB; the sparse bordered system a few MB."""
    import tracemalloc
    s = DensitySolver([Population("e", tau_m=20.0, threshold=20.0, v_min=-2.0, dv=0.0011)],
                      [Connection("x", "e", 1, 5.0)], [ExternalPopulation("x", 100.0)])
    assert s.grids[0].n >= 20_000
    tracemalloc.start()
    rate = steady_state(s).rates["e"]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 100e6
    assert rate == pytest.approx(5.29, rel=0.01)
