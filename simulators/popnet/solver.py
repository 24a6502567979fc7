"""Population-density engine: many LIF populations stepped as one sparse system.

Equations (rest = reset = 0 unless ``v_reset`` says otherwise, all in mV, ms):

    ∂p/∂t = ∂/∂v[(v/τ) p] + Σₖ λₖ(t) [∫ qₖ(w) p(v − w) dw − p(v)] + r(t − t_ref) δ(v − v_reset)

with λₖ = nsyns × (delayed) presynaptic rate and r the flux of jumps across θ.

One step of length dt is Strang-split: exact leak over dt/2, all synaptic jumps
over dt, exact leak over dt/2. The jump part exp(dt·Σ λₖ(Qₖ − I)) is applied by
uniformization: Σₘ Poisson(m; Λ dt)·Q̄ᵐ p with Λ = Σ λₖ per population and
Q̄ = Σ (λₖ/Λ) Qₖ, truncated once the Poisson tail is below ``jump_tol`` and the
tail weight lumped into the last term. Every factor is a column-stochastic
matrix with non-negative weights, so mass is conserved to rounding and the
density stays non-negative for any dt (dt is not bound by dv). The mass that
reaches a population's sink during a step is its firing probability; it re-enters
at reset after the refractory period (a ring buffer of outgoing flux).

All populations share one state vector (cells of every population, then one
sink per population) and one CSR matrix Q̄ whose values are refreshed each step
from the per-connection rates with one sparse product. Delays are a ring buffer
of past rates. Units at this API: ms, mV, Hz.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence, Union

import numpy as np
import scipy.sparse as sp

from bmtk_like.errors import SimulationError
from simulators.popnet import distributions as dists
from simulators.popnet.operators import VoltageGrid, jump_coo, leak_map

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
        if not self.tau_m > 0:
            raise SimulationError(f"population '{self.name}': tau_m must be > 0 ms, got {self.tau_m}")
        if self.t_ref < 0:
            raise SimulationError(f"population '{self.name}': t_ref must be >= 0 ms, got {self.t_ref}")
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


def _uniformization_terms(x: np.ndarray, tol: float) -> tuple[int, np.ndarray]:
    """Number of terms M and the per-population weight of the last term.

    The jump step is Σ_{m<M} Poisson(m; x)·Q̄ᵐ p + tail·Q̄ᴹ p with tail = Σ_{m>=M}
    Poisson(m; x), M the smallest count whose neglected tail is below ``tol``.
    With Q̃ = x·Q̄ this is e^{-x}[Σ_{m<M} Q̃ᵐp/m! + ratio·Q̃ᴹp/M!] where
    ratio = Σ_{j>=0} xʲ M!/(M+j)! (summed directly: no cancellation)."""
    xmax = float(x.max(initial=0.0))
    if xmax > 500:
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


class DensitySolver:
    """Steps internal populations driven by external ones and by each other.

    ``dt`` in ms; ``jump_tol`` bounds the neglected Poisson tail per step."""

    def __init__(self, populations: Sequence[Population],
                 connections: Sequence[Connection],
                 externals: Sequence[ExternalPopulation] = (),
                 dt: float = 0.1, jump_tol: float = 1e-9) -> None:
        if not dt > 0:
            raise SimulationError(f"dt must be > 0 ms, got {dt}")
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
        self.grids = [p.grid() for p in self.populations]
        sizes = np.array([g.n for g in self.grids], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(sizes)])
        self.n_cells = int(self.offsets[-1])
        npop = len(self.populations)
        self._pop_of_state = np.concatenate([np.repeat(np.arange(npop), sizes), np.arange(npop)])
        self._build_connections()
        self._build_reset()
        leaks = [leak_map(g, p.tau_m, self.dt / 2) for g, p in zip(self.grids, self.populations)]
        self._leak_half = sp.block_diag(leaks, format="csr") if leaks else None
        self.reset_state()

    # ------------------------------------------------------------------ setup
    def _build_connections(self) -> None:
        npop, n_all = len(self.populations), self.n_cells + len(self.populations)
        rows, cols, vals, kk = [], [], [], []
        tgt, pair_conn, pair_src, pair_delay, pair_w = [], [], [], [], []
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
            g = self.grids[p]
            offs, probs = dists.split_on_grid(dists.as_distribution(c.weight, f"{where} weight"), g.cell)
            r, cl, v = jump_coo(g, offs, probs)
            rows.append(np.where(r >= g.n, self.n_cells + p, r + self.offsets[p]))
            cols.append(cl + self.offsets[p])
            vals.append(v)
            kk.append(np.full(r.size, k))
            tgt.append(p)
            delay = dists.as_distribution(c.delay, f"{where} delay")
            if np.any(delay.values < 0):
                raise SimulationError(f"{where}: delays must be >= 0 ms")
            d_steps, d_probs = dists.split_on_grid(delay, self.dt)
            src = self._src_index[c.source]
            if src < npop:   # recurrent input needs the rate of a finished step
                d_steps = np.maximum(d_steps, 1)
            pair_conn.append(np.full(d_steps.size, k))
            pair_src.append(np.full(d_steps.size, src))
            pair_delay.append(d_steps)
            pair_w.append(d_probs * c.nsyns)
        kconst = len(self.connections)   # the sinks keep their mass: Q̃[s, s] = x of the population
        sinks = np.arange(self.n_cells, n_all)
        rows.append(sinks), cols.append(sinks), vals.append(np.ones(npop))
        kk.append(kconst + np.arange(npop))
        rows, cols, vals, kk = (np.concatenate(a) for a in (rows, cols, vals, kk))
        lin = rows.astype(np.int64) * n_all + cols
        uniq, inv = np.unique(lin, return_inverse=True)
        urows, ucols = uniq // n_all, uniq % n_all
        indptr = np.searchsorted(urows, np.arange(n_all + 1)).astype(np.int64)
        self._mix = sp.csr_matrix((vals, (inv, kk)), shape=(uniq.size, kconst + npop))
        self._qbar = sp.csr_matrix((np.zeros(uniq.size), ucols, indptr), shape=(n_all, n_all))
        self._coef = np.zeros(kconst + npop)
        self._conn_target = np.array(tgt, dtype=np.int64)
        cat = (lambda a, t: np.concatenate(a).astype(t) if a else np.zeros(0, t))
        self._pair_conn, self._pair_src = cat(pair_conn, np.int64), cat(pair_src, np.int64)
        self._pair_delay, self._pair_w = cat(pair_delay, np.int64), cat(pair_w, float)
        self._hist_len = int(self._pair_delay.max(initial=0)) + 1

    def _build_reset(self) -> None:
        idx, w, pop = [], [], []
        ref_steps, ref_w, ref_pop = [], [], []
        for p, (pop_, g) in enumerate(zip(self.populations, self.grids)):
            cells, weights = g.split_point(g.v_reset)
            idx.append(cells + self.offsets[p]), w.append(weights), pop.append(np.full(cells.size, p))
            d, dp = dists.split_on_grid(dists.delta(pop_.t_ref), self.dt)
            ref_steps.append(d), ref_w.append(dp), ref_pop.append(np.full(d.size, p))
        cat = (lambda a, t: np.concatenate(a).astype(t) if a else np.zeros(0, t))
        self._reset_idx, self._reset_w, self._reset_pop = cat(idx, np.int64), cat(w, float), cat(pop, np.int64)
        self._ref_steps, self._ref_w = cat(ref_steps, np.int64), cat(ref_w, float)
        self._ref_pop = cat(ref_pop, np.int64)
        self._ref_len = int(self._ref_steps.max(initial=0)) + 1

    def reset_state(self) -> None:
        """All mass at reset, no history, t = 0."""
        npop = len(self.populations)
        self.state = np.zeros(self.n_cells + npop)
        np.add.at(self.state, self._reset_idx, self._reset_w)
        self.history = np.zeros((self._hist_len, npop + len(self.externals)))   # per ms
        self.refractory = np.zeros((self._ref_len, npop))
        self.step_count = 0

    # --------------------------------------------------------------- stepping
    @property
    def time(self) -> float:
        """Current time in ms."""
        return self.step_count * self.dt

    def input_rates(self) -> np.ndarray:
        """λ per connection (jumps per ms per target cell) for the current step."""
        n = self.step_count
        rows = (n - self._pair_delay) % self._hist_len
        vals = self._pair_w * self.history[rows, self._pair_src]
        return np.bincount(self._pair_conn, weights=vals, minlength=len(self.connections))

    def step(self) -> np.ndarray:
        """Advance one step of dt ms; return each population's rate (Hz) during it."""
        t_mid = np.array([self.time + self.dt / 2])
        ext = np.array([e.rates_at(t_mid)[0] for e in self.externals]) / 1000.0
        return self._step(ext) * 1000.0

    def _step(self, ext_rates_per_ms: np.ndarray) -> np.ndarray:
        """One step with external rates in 1/ms; returns rates in 1/ms."""
        npop, dt = len(self.populations), self.dt
        n = self.step_count
        self.history[n % self._hist_len, npop:] = ext_rates_per_ms
        lam = self.input_rates()
        x_pop = np.bincount(self._conn_target, weights=lam, minlength=npop) * dt
        self._coef[:len(lam)] = lam * dt
        self._coef[len(lam):] = x_pop
        self._qbar.data[:] = self._mix @ self._coef          # Q̃ = x·Q̄, per population
        nterms, ratio = _uniformization_terms(x_pop, self.jump_tol)
        v = self.state
        v[:self.n_cells] = self._leak_half @ v[:self.n_cells]
        y = v.copy()
        for m in range(1, nterms):
            v = self._qbar @ v
            v *= 1.0 / m
            y += v
        v = self._qbar @ v
        v *= 1.0 / nterms
        y += ratio[self._pop_of_state] * v
        y *= np.exp(-x_pop)[self._pop_of_state]
        fired = y[self.n_cells:].copy()
        y[self.n_cells:] = 0.0
        y[:self.n_cells] = self._leak_half @ y[:self.n_cells]
        ring = (n + self._ref_steps) % self._ref_len
        np.add.at(self.refractory, (ring, self._ref_pop), fired[self._ref_pop] * self._ref_w)
        released = self.refractory[n % self._ref_len].copy()
        self.refractory[n % self._ref_len] = 0.0
        y[self._reset_idx] += released[self._reset_pop] * self._reset_w
        self.state = y
        rate = fired / dt
        self.history[n % self._hist_len, :npop] = rate
        self.step_count += 1
        return rate

    def run(self, duration: float, density_every: int = 0) -> RateResult:
        """Advance ``duration`` ms; return rates (Hz) per step and, when
        ``density_every`` > 0, density snapshots every that many steps."""
        nsteps = int(round(duration / self.dt))
        t0 = self.step_count
        times = (t0 + np.arange(nsteps)) * self.dt
        if self.externals:
            ext = np.column_stack([e.rates_at(times + self.dt / 2) for e in self.externals]) / 1000.0
        else:
            ext = np.zeros((nsteps, 0))
        rates = np.empty((nsteps, len(self.populations)))
        snaps = []
        for i in range(nsteps):
            rates[i] = self._step(ext[i])
            if density_every and (i + 1) % density_every == 0:
                snaps.append((self.time, {nm: self.density(nm)[1] for nm in self.names}))
        return RateResult(self.names, times, rates * 1000.0, snaps)

    # ---------------------------------------------------------------- queries
    def density(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(cell centres in mV, probability density per mV) of population ``name``."""
        if name not in self.names:
            raise SimulationError(f"no internal population '{name}'; known: {self.names}")
        p = self.names.index(name)
        g = self.grids[p]
        return g.centers, self.state[self.offsets[p]:self.offsets[p + 1]] / g.cell

    def total_mass(self) -> np.ndarray:
        """Probability mass per population: density + neurons in refractory period."""
        cells = np.add.reduceat(self.state[:self.n_cells], self.offsets[:-1])
        return cells + self.refractory.sum(axis=0)
