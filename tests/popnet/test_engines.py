"""The batched (shared-grid) engine and the generic sparse engine step the same method."""
from __future__ import annotations

import numpy as np
import pytest

from bmtk_like.errors import SimulationError
from simulators.popnet import distributions as dists
from simulators.popnet.engine_batched import BatchedEngine
from simulators.popnet.engine_sparse import SparseEngine
from simulators.popnet.frame import FrameEngine
from simulators.popnet.solver import Connection, DensitySolver, ExternalPopulation, Population


def _network(engine: str, dt: float = 0.1, accelerate=False) -> DensitySolver:
    """Three populations on one grid (different τ, t_ref, reset): excitatory and
    inhibitory jumps, weight distributions, jumps past threshold and below the
    floor, fixed and distributed delays, a time-varying external input."""
    grid = dict(threshold=20.0, v_min=-8.0, dv=0.1)
    pops = [Population("e", tau_m=20.0, t_ref=2.0, **grid),
            Population("i", tau_m=10.0, t_ref=1.0, **grid),
            Population("f", tau_m=15.0, v_reset=-2.0, **grid)]
    drive = ExternalPopulation("x", lambda t: 15.0 + 10.0 * np.sin(t / 7.0))
    conns = [Connection("x", "e", 100, 1.07, 1.0),
             Connection("x", "i", 80, dists.gaussian(0.9, 0.2), 0.35),
             Connection("x", "f", 3, 25.0),                                    # past θ at once
             Connection("e", "e", 20, dists.uniform(0.1, 0.5), 1.5),
             Connection("e", "i", 20, 0.63, {"distribution": "uniform", "low": 1, "high": 2}),
             Connection("e", "f", 30, [(0.4, 0.3), (2.26, 0.7)], 0.8),
             Connection("i", "e", 20, [(-2.0, 0.5), (-1.03, 0.5)], 1.5),
             Connection("i", "i", 20, -1.5, 1.5),
             Connection("i", "f", 2, -40.0, 0.5)]                             # below the floor
    return DensitySolver(pops, conns, [drive], dt=dt, engine=engine, accelerate=accelerate)


def test_frame_engine_compiled_and_numpy_agree_and_conserve_mass():
    """The co-moving-frame engine (the default): its numba loop against the numpy loop at
    dt = 1 ms (10 internal steps per report, periods of 10 steps), three populations on
    three different grids: rates within 1e-10 relative, densities within 1e-12, mass
    conserved to 1e-12 and densities >= 0."""
    kernel = pytest.importorskip("simulators.popnet.kernel")
    if not kernel.HAVE_NUMBA:
        pytest.skip("numba not installed")

    def network(accelerate):
        s = _network("frame", dt=1.0, accelerate=accelerate)
        return s
    fast, ref = network(True), network(False)
    assert fast.engine.compiled and not ref.engine.compiled
    rf, rr = fast.run(60.0).rates, ref.run(60.0).rates
    assert np.all(rr[-1] > 1.0)
    assert np.max(np.abs(rf - rr)) <= 1e-10 * rr.max()
    assert np.allclose(fast.engine.state, ref.engine.state, rtol=0, atol=1e-12)
    for s in (fast, ref):
        assert np.all(np.abs(s.total_mass() - 1.0) <= 1e-12)
        assert s.engine.state.min() >= -1e-15


def test_frame_engine_takes_different_grids_per_population():
    pops = [Population("a", v_min=-2, dv=0.05), Population("b", v_min=-5, threshold=15, dv=0.1, tau_m=10)]
    conns = [Connection("x", "a", 1, 5.0), Connection("x", "b", 5, 3.0), Connection("a", "b", 10, 0.5, 1.0)]
    s = DensitySolver(pops, conns, [ExternalPopulation("x", 100.0)], dt=0.5)
    r = s.run(100.0).rates
    assert r[-1].min() > 1.0 and np.all(np.abs(s.total_mass() - 1.0) <= 1e-12)
    centres, density = s.density("b")
    assert centres.size == density.size == s.grids[1].n


def test_batched_and_sparse_engines_give_the_same_rates_and_densities():
    """Tolerance 1e-10 relative on every rate of every step (they differ by rounding)."""
    batched, sparse = _network("batched"), _network("sparse")
    assert isinstance(batched.engine, BatchedEngine) and isinstance(sparse.engine, SparseEngine)
    rb, rs = batched.run(150.0).rates, sparse.run(150.0).rates
    assert rs.min() >= 0 and np.all(rs[-1] > 1.0)                # all three really fire
    assert np.max(np.abs(rb - rs)) <= 1e-10 * rs.max()
    for name in ("e", "i", "f"):
        assert np.allclose(batched.density(name)[1], sparse.density(name)[1], rtol=0, atol=1e-12)
    assert np.allclose(batched.state, sparse.state, rtol=0, atol=1e-12)


@pytest.mark.parametrize("engine", ["batched", "sparse"])
def test_each_engine_conserves_mass_and_positivity_at_large_dt(engine):
    """dt = 1 ms (many jumps per step): |mass − 1| <= 1e-12 every step, density >= 0."""
    s = _network(engine, dt=1.0)
    for _ in range(100):
        s.step()
        assert np.all(np.abs(s.total_mass() - 1.0) <= 1e-12)
        assert s.state.min() >= 0.0


def test_auto_engine_is_the_frame_engine_and_batched_needs_one_grid():
    same = [Population("a", v_min=-2), Population("b", v_min=-2)]
    mixed = [Population("a", v_min=-2), Population("b", v_min=-3)]
    conns = [Connection("x", "a", 1, 5.0), Connection("x", "b", 1, 5.0)]
    ext = [ExternalPopulation("x", 100.0)]
    assert isinstance(DensitySolver(same, conns, ext).engine, FrameEngine)
    assert isinstance(DensitySolver(mixed, conns, ext).engine, FrameEngine)
    assert isinstance(DensitySolver(same, conns, ext, engine="batched").engine, BatchedEngine)
    assert isinstance(DensitySolver(mixed, conns, ext, engine="sparse").engine, SparseEngine)
    with pytest.raises(SimulationError, match="same voltage grid.*'sparse'"):
        DensitySolver(mixed, conns, ext, engine="batched")
    with pytest.raises(SimulationError, match="engine 'fast' is not one of"):
        DensitySolver(same, conns, ext, engine="fast")


def test_weights_on_grid_points_make_one_offset():
    """−0.5 mV on a 0.1 mV grid is 5 cells down (not 6 with probability 1e-15)."""
    offsets, probs = dists.split_on_grid(dists.delta(-0.5), 0.1)
    assert offsets.tolist() == [-5] and probs.tolist() == [1.0]
    offsets, probs = dists.split_on_grid(dists.delta(0.37), 0.1)
    assert offsets.tolist() == [3, 4] and probs == pytest.approx([0.3, 0.7])
