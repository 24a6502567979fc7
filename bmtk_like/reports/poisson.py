"""Poisson spike-train generators: times in ms, rates in Hz, vectorised, seeded.

Homogeneous: draw a Poisson count per node, then that many uniform times per node.
Inhomogeneous: the same at each node's peak rate, then keep each spike with probability
rate(t) / peak (thinning, Lewis & Shedler 1979). Output is sorted by node id, then time.
The same seed and arguments always give the same spikes.
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional, Union

import numpy as np

from bmtk_like.errors import SonataError
from bmtk_like.reports.spike_files import DEFAULT_POPULATION, as_node_ids
from bmtk_like.reports.spike_trains import SpikeTrains

RateFunction = Callable[[np.ndarray], np.ndarray]


def _check_window(tstart_ms: float, tstop_ms: float, where: str) -> float:
    if not (np.isfinite(tstart_ms) and np.isfinite(tstop_ms)) or tstop_ms < tstart_ms:
        raise SonataError(f"{where}: need finite tstart_ms <= tstop_ms, got "
                          f"[{tstart_ms}, {tstop_ms}] (times are in ms)")
    return float(tstop_ms) - float(tstart_ms)


def _per_node(rate: Union[float, Iterable[float]], n_nodes: int, where: str) -> np.ndarray:
    arr = np.asarray(rate, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_nodes, float(arr))
    if arr.shape != (n_nodes,):
        raise SonataError(f"{where}: rate_hz has shape {arr.shape}; give one rate or one per "
                          f"node ({n_nodes} nodes)")
    if np.any(~np.isfinite(arr)) or np.any(arr < 0):
        raise SonataError(f"{where}: rates must be finite and >= 0 Hz")
    return arr


def _draw(rng: np.random.Generator, node_ids: np.ndarray, peak_hz: np.ndarray,
          tstart_ms: float, duration_ms: float):
    """Poisson trains at ``peak_hz`` per node, sorted by node id then time.

    Returns (ids, times, row) with ``row`` the index into node_ids of each spike. Sorted
    times come without a sort: the order statistics of n uniforms are the partial sums of
    n + 1 exponential spacings, normalised by their total (Devroye 1986, ch. V.2).
    """
    order = np.argsort(node_ids, kind="stable")
    counts = rng.poisson(peak_hz[order] * duration_ms / 1000.0)
    spacings = np.cumsum(rng.standard_exponential(int(counts.sum()) + counts.size))
    last = np.cumsum(counts + 1) - 1            # index of each node's closing spacing
    first = last - counts                        # index of each node's first spacing
    before = np.where(first > 0, spacings[np.maximum(first - 1, 0)], 0.0)
    span = spacings[last] - before
    is_spike = np.ones(spacings.size, dtype=bool)
    is_spike[last] = False
    seg = np.repeat(np.arange(counts.size), counts)
    times = tstart_ms + (spacings[is_spike] - before[seg]) / span[seg] * duration_ms
    row = order[seg]
    ids = node_ids[row]
    if ids.size > 1 and np.any(ids[1:] == ids[:-1]) and np.unique(node_ids).size < node_ids.size:
        resort = np.lexsort((times, ids))        # a node id listed twice: merge its trains
        ids, times, row = ids[resort], times[resort], row[resort]
    return ids, times, row


def poisson_spike_trains(node_ids: Iterable[int], rate_hz: Union[float, Iterable[float]],
                         tstart_ms: float, tstop_ms: float, population: str,
                         seed: Optional[int] = None) -> SpikeTrains:
    """Homogeneous Poisson spikes on [tstart_ms, tstop_ms) at ``rate_hz`` (scalar or per node)."""
    where = f"poisson_spike_trains(population={population!r})"
    nodes = as_node_ids(node_ids, where)
    duration = _check_window(tstart_ms, tstop_ms, where)
    rates = _per_node(rate_hz, nodes.size, where)
    ids, times, _ = _draw(np.random.default_rng(seed), nodes, rates, float(tstart_ms), duration)
    st = SpikeTrains()
    st.add_spikes(population, ids, times)
    return st


def inhomogeneous_poisson_spike_trains(node_ids: Iterable[int],
                                       rate_hz: Union[np.ndarray, RateFunction],
                                       times_ms: Optional[Iterable[float]] = None,
                                       population: str = "default", seed: Optional[int] = None,
                                       tstart_ms: Optional[float] = None,
                                       tstop_ms: Optional[float] = None,
                                       max_rate_hz: Optional[float] = None) -> SpikeTrains:
    """Poisson spikes whose rate (Hz) varies in time, by thinning.

    ``rate_hz`` is either an array sampled at ``times_ms`` (shape (n_times,) shared by every
    node, or (n_nodes, n_times)), linearly interpolated in between, or a vectorised function
    of time (ms array -> Hz array) together with ``tstart_ms``, ``tstop_ms`` and
    ``max_rate_hz`` (an upper bound of the function). The window defaults to
    [times_ms[0], times_ms[-1]].
    """
    where = f"inhomogeneous_poisson_spike_trains(population={population!r})"
    nodes = as_node_ids(node_ids, where)
    rng = np.random.default_rng(seed)
    if callable(rate_hz):
        if tstart_ms is None or tstop_ms is None or max_rate_hz is None:
            raise SonataError(f"{where}: a rate function needs tstart_ms, tstop_ms and "
                              f"max_rate_hz (an upper bound of the rate, Hz)")
        duration = _check_window(tstart_ms, tstop_ms, where)
        peak = _per_node(max_rate_hz, nodes.size, where)
        ids, times, row = _draw(rng, nodes, peak, float(tstart_ms), duration)
        rate_at = np.asarray(rate_hz(times), dtype=np.float64).reshape(-1)
        if rate_at.shape != times.shape:
            raise SonataError(f"{where}: the rate function must return one rate per time")
        if rate_at.size and (np.any(rate_at < 0) or np.any(rate_at > peak[row] * (1 + 1e-9))):
            raise SonataError(f"{where}: the rate function went below 0 or above max_rate_hz "
                              f"({max_rate_hz} Hz); raise max_rate_hz")
        keep = rng.random(times.size) * peak[row] < rate_at
        st = SpikeTrains()
        st.add_spikes(population, ids[keep], times[keep])
        return st

    if times_ms is None:
        raise SonataError(f"{where}: rate samples need their times (times_ms, in ms)")
    grid = np.asarray(times_ms, dtype=np.float64).reshape(-1)
    rates = np.asarray(rate_hz, dtype=np.float64)
    if rates.ndim == 1:
        rates = rates[np.newaxis, :]
    if rates.shape[-1] != grid.size or rates.shape[0] not in (1, nodes.size) or rates.ndim != 2:
        raise SonataError(f"{where}: rate_hz has shape {np.shape(rate_hz)} but there are "
                          f"{grid.size} times and {nodes.size} nodes; give (n_times,) or "
                          f"(n_nodes, n_times)")
    if grid.size < 2 or np.any(np.diff(grid) <= 0):
        raise SonataError(f"{where}: times_ms must hold at least two increasing times")
    if np.any(~np.isfinite(rates)) or np.any(rates < 0):
        raise SonataError(f"{where}: rates must be finite and >= 0 Hz")
    t0 = grid[0] if tstart_ms is None else float(tstart_ms)
    t1 = grid[-1] if tstop_ms is None else float(tstop_ms)
    duration = _check_window(t0, t1, where)
    peak = np.broadcast_to(rates.max(axis=1), (nodes.size,))
    ids, times, row = _draw(rng, nodes, peak, t0, duration)
    row = row if rates.shape[0] == nodes.size else np.zeros_like(row)
    # linear interpolation of each spike's own node row, held constant outside the grid
    right = np.clip(np.searchsorted(grid, times, side="right"), 1, grid.size - 1)
    left = right - 1
    frac = np.clip((times - grid[left]) / (grid[right] - grid[left]), 0.0, 1.0)
    rate_at = rates[row, left] * (1.0 - frac) + rates[row, right] * frac
    keep = rng.random(times.size) * peak[row] < rate_at
    st = SpikeTrains()
    st.add_spikes(population, ids[keep], times[keep])
    return st


class PoissonSpikeGenerator(SpikeTrains):
    """BMTK's ``PoissonSpikeGenerator`` with its time unit spelled out.

    ``add(node_ids, firing_rate, population=None, times=(0.0, 1.0))`` is BMTK's call: ``times`` in
    **seconds** (converted ×1000 here, once), so ported scripts keep their windows. ``times_ms=`` gives
    the same in ms. A scalar ``firing_rate`` (Hz) draws homogeneous trains on [start, stop); a list or
    array is a rate sampled at the ``times`` points (inhomogeneous, linear in between), as in BMTK.
    Every ``add`` draws from the generator's seed, so the same calls give the same spikes. ``to_sonata``
    / ``to_csv`` write the trains, times in ms.
    """

    def __init__(self, population: str = DEFAULT_POPULATION, seed: Optional[int] = None,
                 output_units: str = "ms") -> None:
        super().__init__()
        if output_units != "ms":
            raise SonataError(f"PoissonSpikeGenerator: output_units={output_units!r}; bmtk_like writes "
                              "spike times in ms only")
        self.population = population
        self._rng = np.random.default_rng(seed)

    def add(self, node_ids: Iterable[int], firing_rate: Union[float, Iterable[float]],
            population: Optional[str] = None, times: Optional[Iterable[float]] = None,
            times_ms: Optional[Iterable[float]] = None, abs_ref: float = 0.0, tau_ref: float = 0.0) -> None:
        """Add trains for ``node_ids``: BMTK's ``times`` in seconds (default (0, 1) s) or ``times_ms`` in ms."""
        pop = population or self.population
        where = f"PoissonSpikeGenerator.add(population={pop!r})"
        if times is not None and times_ms is not None:
            raise SonataError(f"{where}: give times (seconds, BMTK's keyword) or times_ms (ms), not both")
        if abs_ref or tau_ref:
            raise SonataError(f"{where}: refractory trains (abs_ref, tau_ref) are not supported; draw plain "
                              "Poisson trains (abs_ref=0, tau_ref=0)")
        if times_ms is not None:
            window = np.asarray(times_ms, dtype=float).reshape(-1)
        else:
            window = np.asarray((0.0, 1.0) if times is None else times, dtype=float).reshape(-1) * 1000.0
        if window.size < 2:
            raise SonataError(f"{where}: times must be (start, stop) or the sample times of a time-varying "
                              f"rate; got {window.size} value(s)")
        seed = int(self._rng.integers(0, 2 ** 63 - 1))
        rates = np.asarray(firing_rate, dtype=float)
        if rates.ndim == 0:
            drawn = poisson_spike_trains(node_ids, float(rates), window[0], window[-1], pop, seed=seed)
        elif rates.shape[-1] == window.size:
            drawn = inhomogeneous_poisson_spike_trains(node_ids, rates, window, pop, seed=seed)
        else:
            raise SonataError(f"{where}: a time-varying firing_rate needs one value per time point; got "
                              f"{rates.shape[-1]} rates for {window.size} times")
        for name in drawn.populations:
            self.add_spikes(name, *drawn.get(name))
