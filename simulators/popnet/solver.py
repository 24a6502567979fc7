"""Population-density engine: many LIF populations stepped as one sparse system.

Equations (rest = reset = 0 unless ``v_reset`` says otherwise, all in mV, ms):

    ∂p/∂t = ∂/∂v[(v/τ) p] + Σₖ λₖ(t) [∫ qₖ(w) p(v − w) dw − p(v)] + r(t − t_ref) δ(v − v_reset)

with λₖ = nsyns × (delayed) presynaptic rate and r the flux of jumps across θ.

**dt is the reporting interval, not the accuracy knob.** The solver advances in
internal steps h = dt / m, m = ceil(dt / ``max_substep``) (default 0.1 ms), and reports
each population's rate averaged over every dt. Coupling (recurrent input, delays,
external rates, the refractory ring) runs at h.

**Method (default engine, :mod:`frame`).** Over periods of ≈ τ/10 the density is kept in
the co-moving frame u = v·e^{t/τ}, where the leak is the identity; jumps (w·e^{t/τ}),
threshold and reset move instead, evaluated at each step's midpoint. Each step applies
the synaptic jumps exp(h·Σ λₖ(Qₖ − I)) by uniformization: Σₘ Poisson(m; Λh)·Q̄ᵐ p,
Λ = Σ λₖ, truncated once the Poisson tail is below ``jump_tol`` (tail lumped into the last
term); mass past the threshold fires and re-enters at reset after t_ref (ring buffer,
split on the h grid with exact mean). At the end of each period one exact leak map
returns the density to the v-grid. Every factor is column-stochastic: mass is conserved to
rounding, the density stays non-negative. The split engines (``engine="batched"`` or
``"sparse"``: Strang leak h/2 – jumps – leak h/2 on the v-grid) remain available; their
leak map diffuses ≈ (v/τ)·dv/2 mV²/ms, several % of the rate on coarse grids at h = 0.1 ms.

**Internal grid.** Jumps that are not a whole number of cells add ≤ dv²/4 of variance
each, the remap ≤ dv²/4 per period; so each grid is refined by an integer factor until
dv ≤ rms(w)/3 for the smallest rms jump among its connections (jumps below θ/1000 count as
drift and are ignored), at most ``MAX_CELLS`` cells; populations sharing a grid keep sharing.

**Error bound (measured; tests/popnet/test_accuracy.py holds the table).** Against NEST Monte
Carlo of ≥ 10,000 ``iaf_psc_delta`` neurons per population: single populations within
1% (jumps 0.1–5 mV, 1–50 Hz, reset below rest, t_ref 0–5 ms, 10 or 100 cells per
jump), identical for config dt 0.1, 0.5, 1 and 2 ms (the internal step does not change);
recurrent E/I pairs within the 5% the tests allow. The instantaneous rate ripples at the
period on coarse grids (±0.6% at 10 cells per jump, ±0.01% at 100); means are unaffected.

The engines hold the densities: :mod:`frame` (default; :mod:`kernel` runs its loop
compiled when numba is installed, else numpy), :mod:`engine_batched` and :mod:`engine_sparse`. This module validates the network, keeps the delay
ring buffer of past rates and the refractory ring, and reports rates. Units at
this API: ms, mV, Hz.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from bmtk_like.errors import SimulationError
from simulators.popnet import distributions as dists
from simulators.popnet.engine_batched import BatchedEngine
from simulators.popnet.engine_sparse import SparseEngine
from simulators.popnet.frame import FrameEngine
from simulators.popnet.operators import VoltageGrid
from simulators.popnet.uniformization import MAX_JUMPS_PER_STEP

RateLike = Union[float, Callable[[np.ndarray], np.ndarray], tuple]


@dataclass
class Population:
    """An internal LIF population. Voltages in mV relative to rest, times in ms."""

    name: str
    tau_m: float = 20.0
    threshold: float = 20.0
    v_min: float = -10.0
    dv: float = 0.1
    v_reset: float = 0.0
    t_ref: float = 0.0

    def grid(self) -> VoltageGrid:
        """The voltage grid of this population."""
        if not (self.tau_m > 0 and np.isfinite(self.tau_m)):
            raise SimulationError(f"population '{self.name}': tau_m must be a finite number > 0 ms, "
                                  f"got {self.tau_m}")
        if not (self.t_ref >= 0 and np.isfinite(self.t_ref)):
            raise SimulationError(f"population '{self.name}': t_ref must be a finite number >= 0 ms, "
                                  f"got {self.t_ref}")
        try:
            return VoltageGrid(self.v_min, self.threshold, self.dv, self.v_reset)
        except SimulationError as exc:
            raise SimulationError(f"population '{self.name}': {exc}") from None


@dataclass
class ExternalPopulation:
    """A population of Poisson sources. ``rate`` in Hz: a number, a function of
    time (ms array -> Hz array), or ``(times_ms, rates_hz)`` interpolated linearly."""

    name: str
    rate: RateLike = 0.0

    def rates_at(self, t_ms: np.ndarray) -> np.ndarray:
        """Rates in Hz at times ``t_ms``."""
        r = self.rate
        if callable(r):
            out = np.broadcast_to(np.asarray(r(t_ms), dtype=float), t_ms.shape)
        elif isinstance(r, tuple):
            times, values = (np.asarray(a, dtype=float) for a in r)
            out = np.interp(t_ms, times, values)
        else:
            out = np.full(t_ms.shape, float(r))
        if np.any(out < 0) or not np.isfinite(out).all():
            raise SimulationError(f"external population '{self.name}': rates must be finite "
                                  f"and >= 0 Hz")
        return out


@dataclass
class Connection:
    """Poisson input from ``source`` to every cell of ``target``: ``nsyns``
    synapses per target cell, each a voltage jump ``weight`` (mV, or a
    distribution, see :func:`distributions.as_distribution`) after ``delay`` ms."""

    source: str
    target: str
    nsyns: float
    weight: dists.DistributionLike = 0.0
    delay: dists.DistributionLike = 0.0


@dataclass
class RateResult:
    """Firing rates (Hz) of each population over time: ``rates[step, pop]``;
    ``times`` are step starts in ms; ``densities`` optional snapshots."""

    names: list[str]
    times: np.ndarray
    rates: np.ndarray
    densities: list = field(default_factory=list)

    def rate(self, name: str) -> np.ndarray:
        """Rates in Hz of one population."""
        return self.rates[:, self.names.index(name)]


ENGINES = ("auto", "frame", "batched", "sparse")
MAX_DELAY_STEPS = 10_000_000
"""Longest delay in internal steps (the ring buffer of past rates holds one row per step)."""
SUBSTEP_RANGE = (0.1, 0.5)
"""Bounds (ms) of the automatic internal step (module doc)."""
LEAK_CELLS = 4.0
"""Automatic internal step: long enough for the leak to move v = θ/2 by this many half-cells."""


def auto_substep(grids: Sequence[VoltageGrid], taus: Sequence[float]) -> float:
    """Longest internal step (ms) for these grids: 4·dv·τ/θ (smallest over the populations),
    clipped to :data:`SUBSTEP_RANGE` (see the module doc for why not smaller)."""
    h = min(LEAK_CELLS * g.cell * tau / g.threshold for g, tau in zip(grids, taus))
    return float(np.clip(h, *SUBSTEP_RANGE))
MAX_CELLS = 20_000
"""Grid refinement stops at this many cells per population."""
CELLS_PER_JUMP = 3.0
"""Refine until dv <= rms jump / this."""
# the automatic step below serves the split engines; the frame engine takes SUBSTEP_RANGE[0]


def refinement(grid: VoltageGrid, jump_rms: Sequence[float]) -> int:
    """Integer factor by which ``grid`` is refined for jumps of these rms sizes (mV)."""
    sizes = [w for w in jump_rms if w >= grid.threshold * 1e-3]
    if not sizes:
        return 1
    want = int(np.ceil(grid.cell * CELLS_PER_JUMP / min(sizes) - 1e-9))
    return max(1, min(want, MAX_CELLS // grid.n))


class DensitySolver:
    """Steps internal populations driven by external ones and by each other.

    ``dt`` (ms) is the reporting interval; the internal step is dt/m with m the
    smallest integer giving <= ``max_substep`` ms (None: :func:`auto_substep`). ``refine``: refine each grid for
    its jump sizes (module doc). ``jump_tol`` bounds the neglected Poisson tail per
    step; ``engine``: "batched" (populations sharing one voltage grid, see
    :mod:`engine_batched`), "sparse" (any grids, :mod:`engine_sparse`) or "auto"
    (batched when every population has the same grid). ``accelerate``: run the
    batched engine's loop compiled with numba when it is installed ("auto"), never
    (False) or always (True: error without numba). All give the same rates to ~jump_tol."""

    def __init__(self, populations: Sequence[Population],
                 connections: Sequence[Connection],
                 externals: Sequence[ExternalPopulation] = (),
                 dt: float = 0.1, jump_tol: float = 1e-7, engine: str = "auto",
                 max_substep: Optional[float] = None, refine: bool = True,
                 accelerate: Union[bool, str] = "auto") -> None:
        if not dt > 0:
            raise SimulationError(f"dt must be > 0 ms, got {dt}")
        if max_substep is not None and not max_substep > 0:
            raise SimulationError(f"max_substep must be > 0 ms, got {max_substep}")
        if engine not in ENGINES:
            raise SimulationError(f"density solver: engine '{engine}' is not one of {ENGINES}")
        self.populations, self.externals = list(populations), list(externals)
        self.connections, self.dt, self.jump_tol = list(connections), float(dt), jump_tol
        self.names = [p.name for p in self.populations]
        if not self.names:
            raise SimulationError("the density solver needs at least one internal population "
                                  "(a node type with model_type 'population' or point neurons)")
        sources = self.names + [e.name for e in self.externals]
        if len(set(sources)) != len(sources):
            raise SimulationError(f"population names must be unique; got {sources}")
        self._src_index = {name: i for i, name in enumerate(sources)}
        self.given_grids = [p.grid() for p in self.populations]
        self.grids = self._internal_grids() if refine else list(self.given_grids)
        if max_substep is None:
            max_substep = (SUBSTEP_RANGE[0] if engine in ("auto", "frame")
                           else auto_substep(self.grids, [p.tau_m for p in self.populations]))
        self.substeps = max(1, int(np.ceil(self.dt / max_substep - 1e-9)))
        self.h = self.dt / self.substeps
        self.n_cells = sum(g.n for g in self.grids)
        kernels = self._build_connections()
        self._build_refractory()
        taus = [p.tau_m for p in self.populations]
        shape = {(g.v_min, g.threshold, g.dv) for g in self.grids}
        if engine == "batched" and len(shape) > 1:
            raise SimulationError("density solver: engine 'batched' needs every population on the "
                                  "same voltage grid (v_min, threshold, dv); use 'sparse'")
        if engine in ("auto", "frame"):
            weights = [(self.names.index(c.target), dists.as_distribution(c.weight)) for c in self.connections]
            self.engine = FrameEngine(self.grids, taus, weights, self.h, jump_tol, self._compiled(accelerate))
        elif engine == "sparse" or len(shape) > 1:
            self.engine = SparseEngine(self.grids, taus, kernels, self.h, jump_tol)
        else:
            resets = [p.v_reset for p in self.populations]
            self.engine = BatchedEngine(self.grids[0], taus, resets, kernels, self.h, jump_tol)
        self.reset_state()

    # ------------------------------------------------------------------ setup
    def _internal_grids(self) -> list:
        """Each given grid refined for its populations' jump sizes (shared grids stay shared)."""
        rms: dict[str, list] = {n: [] for n in self.names}
        for c in self.connections:
            if c.target in rms:
                w = dists.as_distribution(c.weight, f"connection {c.source} -> {c.target} weight")
                rms[c.target].append(float(np.sqrt(np.dot(w.probs, w.values ** 2))))
        factor: dict[tuple, int] = {}
        for g, name in zip(self.given_grids, self.names):
            key = (g.v_min, g.threshold, g.dv)
            factor[key] = max(factor.get(key, 1), refinement(g, rms[name]))
        return [VoltageGrid(g.v_min, g.threshold, g.cell / factor[(g.v_min, g.threshold, g.dv)],
                            g.v_reset) for g in self.given_grids]

    @staticmethod
    def _compiled(accelerate: Union[bool, str]) -> bool:
        """Whether the frame engine runs its loop compiled (numba)."""
        if accelerate not in (True, False, "auto"):
            raise SimulationError(f"density solver: accelerate must be True, False or 'auto', got {accelerate!r}")
        from simulators.popnet import kernel

        if accelerate is True and not kernel.HAVE_NUMBA:
            raise SimulationError("density solver: accelerate=True needs numba "
                                  "(pip install numba, or the 'fast' extra)")
        return bool(accelerate) and kernel.HAVE_NUMBA

    def _build_connections(self) -> list:
        """Validate the connections; return one jump kernel (target, cell offsets,
        probabilities) per connection and set up the delay ring buffer (internal steps)."""
        npop = len(self.populations)
        kernels, tgt, pair_conn, pair_src, pair_delay, pair_w = [], [], [], [], [], []
        for k, c in enumerate(self.connections):
            where = f"connection {c.source} -> {c.target}"
            if c.target not in self.names:
                raise SimulationError(f"{where}: target '{c.target}' is not an internal "
                                      f"population (internal: {self.names})")
            if c.source not in self._src_index:
                raise SimulationError(f"{where}: source '{c.source}' is not a population; "
                                      f"known: {list(self._src_index)}")
            if not np.isfinite(c.nsyns) or c.nsyns < 0:
                raise SimulationError(f"{where}: nsyns must be >= 0, got {c.nsyns}")
            p = self.names.index(c.target)
            weight = dists.as_distribution(c.weight, f"{where} weight")
            kernels.append((p, *dists.split_on_grid(weight, self.grids[p].cell)))
            tgt.append(p)
            delay = dists.as_distribution(c.delay, f"{where} delay")
            if np.any(delay.values < 0):
                raise SimulationError(f"{where}: delays must be >= 0 ms")
            if delay.values.max() / self.h > MAX_DELAY_STEPS:
                raise SimulationError(f"{where}: delay {delay.values.max():g} ms is more than "
                                      f"{MAX_DELAY_STEPS:.0e} internal steps of {self.h:g} ms; check its units (ms)")
            d_steps, d_probs = dists.split_on_grid(delay, self.h)
            src = self._src_index[c.source]
            if src < npop:   # recurrent input needs the rate of a finished step
                d_steps = np.maximum(d_steps, 1)
            pair_conn.append(np.full(d_steps.size, k))
            pair_src.append(np.full(d_steps.size, src))
            pair_delay.append(d_steps)
            pair_w.append(d_probs * c.nsyns)
        self._conn_target = np.array(tgt, dtype=np.int64)
        self._pair_conn, self._pair_src = _cat(pair_conn, np.int64), _cat(pair_src, np.int64)
        self._pair_delay, self._pair_w = _cat(pair_delay, np.int64), _cat(pair_w, float)
        self._hist_len = int(self._pair_delay.max(initial=0)) + 1
        return kernels

    def _build_refractory(self) -> None:
        ref_steps, ref_w, ref_pop = [], [], []
        for p, pop in enumerate(self.populations):
            d, dp = dists.split_on_grid(dists.delta(pop.t_ref), self.h)
            ref_steps.append(d), ref_w.append(dp), ref_pop.append(np.full(d.size, p))
        self._ref_steps, self._ref_w = _cat(ref_steps, np.int64), _cat(ref_w, float)
        self._ref_pop = _cat(ref_pop, np.int64)
        self._ref_len = int(self._ref_steps.max(initial=0)) + 1

    def reset_state(self) -> None:
        """All mass at reset, no history, t = 0."""
        npop = len(self.populations)
        self.engine.reset()
        self.history = np.zeros((self._hist_len, npop + len(self.externals)))   # per ms, per internal step
        self.refractory = np.zeros((self._ref_len, npop))
        self.step_count = 0          # internal steps

    # --------------------------------------------------------------- stepping
    @property
    def time(self) -> float:
        """Current time in ms."""
        return self.step_count * self.h

    @property
    def state(self) -> np.ndarray:
        """Probability per cell of every population (in order), then one sink
        per population (empty between steps); on the v-grids."""
        if isinstance(self.engine, FrameEngine):
            cells = [self.density(n)[1] * g.cell for n, g in zip(self.names, self.grids)]
            return np.concatenate(cells + [np.zeros(len(self.names))])
        return self.engine.state_vector()

    def input_rates(self) -> np.ndarray:
        """λ per connection (jumps per ms per target cell) for the current internal step."""
        n = self.step_count
        rows = (n - self._pair_delay) % self._hist_len
        vals = self._pair_w * self.history[rows, self._pair_src]
        return np.bincount(self._pair_conn, weights=vals, minlength=len(self.connections)).astype(float)

    def step(self) -> np.ndarray:
        """Advance one reporting step of dt ms; return each population's mean rate (Hz) during it."""
        t_mid = self.time + (np.arange(self.substeps) + 0.5) * self.h
        ext = (np.column_stack([e.rates_at(t_mid) for e in self.externals]) if self.externals
               else np.zeros((self.substeps, 0))) / 1000.0
        return sum(self._substep(ext[i]) for i in range(self.substeps)) / self.substeps * 1000.0

    def _substep(self, ext_rates_per_ms: np.ndarray) -> np.ndarray:
        """One internal step with external rates in 1/ms; returns rates in 1/ms."""
        if isinstance(self.engine, FrameEngine):
            return self.engine.advance(self, np.asarray(ext_rates_per_ms, float)[None, :])[0]
        npop, h = len(self.populations), self.h
        n = self.step_count
        self.history[n % self._hist_len, npop:] = ext_rates_per_ms
        x_conn = self.input_rates() * h
        x_pop = np.bincount(self._conn_target, weights=x_conn, minlength=npop).astype(float)
        if x_pop.size and x_pop.max() > MAX_JUMPS_PER_STEP:     # name the population (the engine cannot)
            p = int(np.argmax(x_pop))
            raise SimulationError(f"population '{self.names[p]}': total input rate × step = {x_pop[p]:.3g} jumps "
                                  f"per step (> {MAX_JUMPS_PER_STEP:g}); check the rates and in-degrees of its "
                                  "inputs, or use a smaller run.dt")
        fired = self.engine.jumps(x_conn, x_pop)
        ring = (n + self._ref_steps) % self._ref_len
        np.add.at(self.refractory, (ring, self._ref_pop), fired[self._ref_pop] * self._ref_w)
        released = self.refractory[n % self._ref_len].copy()
        self.refractory[n % self._ref_len] = 0.0
        self.engine.finish(released)
        rate = fired / h
        self.history[n % self._hist_len, :npop] = rate
        self.step_count += 1
        return rate

    def _external_table(self, nsub: int) -> np.ndarray:
        """External rates (1/ms) at the midpoints of the next ``nsub`` internal steps."""
        if not self.externals:
            return np.zeros((nsub, 0))
        t_mid = (self.step_count + np.arange(nsub) + 0.5) * self.h
        return np.column_stack([e.rates_at(t_mid) for e in self.externals]) / 1000.0

    def run(self, duration: float, density_every: int = 0, progress: Any = None) -> RateResult:
        """Advance ``duration`` ms; return mean rates (Hz) per reporting step and, when
        ``density_every`` > 0, density snapshots every that many reporting steps.
        ``progress`` is a tqdm-like bar advanced in simulated ms
        (``bmtk_like.progress.progress_bar``)."""
        nsteps = int(round(duration / self.dt))
        m = self.substeps
        times = self.time + np.arange(nsteps) * self.dt
        rates = np.empty((nsteps, len(self.populations)))
        snaps = []
        chunk = density_every if density_every else max(1, nsteps // 200 if progress is not None else nsteps)
        chunk = min(chunk, max(1, 2_000_000 // (m * max(1, len(self.externals)))))   # bounded ext table
        done = 0
        while done < nsteps:
            count = min(chunk, nsteps - done)
            ext = self._external_table(count * m)
            if isinstance(self.engine, FrameEngine):
                sub = self.engine.advance(self, ext)
            else:
                sub = np.array([self._substep(ext[i]) for i in range(count * m)])
            rates[done:done + count] = sub.reshape(count, m, -1).mean(axis=1)
            done += count
            if density_every and done % density_every == 0:
                snaps.append((self.time, {nm: self.density(nm)[1] for nm in self.names}))
            if progress is not None:
                progress.update(count * self.dt)
        return RateResult(self.names, times, rates * 1000.0, snaps)

    # ---------------------------------------------------------------- queries
    def density(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(cell centres in mV, probability density per mV) of population ``name``
        on its internal grid."""
        if name not in self.names:
            raise SimulationError(f"no internal population '{name}'; known: {self.names}")
        p = self.names.index(name)
        g = self.grids[p]
        if isinstance(self.engine, FrameEngine):
            elapsed = (self.step_count % self.engine.tables.period) * self.h
            return g.centers, self.engine.cells(p, elapsed) / g.cell
        return g.centers, self.engine.cells(p) / g.cell

    def total_mass(self) -> np.ndarray:
        """Probability mass per population: density + neurons in refractory period."""
        return self.engine.cell_mass() + self.refractory.sum(axis=0)


def _cat(parts: list, dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
