"""Firing rates of groups of nodes, and comparison of runs of the same circuit.

A *group* is what a rate is averaged over. ``groups`` may be

- ``None``: one group per spiking population, averaged over the nodes that fired
  (silent nodes are unknown from spikes alone: pass sizes to count them);
- ``{population: n_nodes}``: every node of the population, ``n_nodes`` of them;
- ``{population: node_ids}``: those nodes of that population;
- ``{group: {population: node_ids}}``: a node set spanning populations (the shape
  ``simulators.core.Circuit.node_set`` returns), e.g. ``{"exc": {"internal": ids}}``.

Times are ms, rates Hz.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import h5py
import numpy as np
import pandas as pd

from bmtk_like.errors import SonataError
from bmtk_like.reports import SpikeTrains, read_rates
from bmtk_like.reports.spike_files import as_node_ids

SpikesLike = Union[SpikeTrains, str, "os.PathLike[str]", pd.DataFrame]
Group = Tuple[Dict[str, Optional[np.ndarray]], int]  # ({population: ids or None}, n_nodes)


def as_spike_trains(spikes: SpikesLike) -> SpikeTrains:
    """A SpikeTrains from itself, a spikes file path (h5 or csv) or a DataFrame."""
    if isinstance(spikes, SpikeTrains):
        return spikes
    if isinstance(spikes, pd.DataFrame):
        return SpikeTrains.from_dataframe(spikes)
    if isinstance(spikes, (str, os.PathLike)):
        return SpikeTrains.load(spikes)
    inner = getattr(spikes, "spikes", None)  # a SimulationResult
    if isinstance(inner, SpikeTrains):
        return inner
    raise SonataError(f"expected spikes as SpikeTrains, a spikes file path or a DataFrame, "
                      f"got {type(spikes).__name__}")


def normalize_groups(spikes: SpikeTrains, groups: Optional[Mapping[str, Any]]) -> Dict[str, Group]:
    """Turn any accepted ``groups`` form into {name: ({population: ids | None}, n_nodes)}."""
    if groups is None:
        return {pop: ({pop: None}, int(spikes.node_ids(pop).size)) for pop in spikes.populations}
    out: Dict[str, Group] = {}
    for name, spec in groups.items():
        where = f"rate group {name!r}"
        if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
            if spec < 0:
                raise SonataError(f"{where}: a population size must be >= 0, got {spec}")
            out[str(name)] = ({str(name): None}, int(spec))
        elif isinstance(spec, Mapping):
            members = {str(pop): np.unique(as_node_ids(ids, f"{where}, population {pop!r}"))
                       for pop, ids in spec.items()}
            out[str(name)] = (members, int(sum(ids.size for ids in members.values())))
        elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
            ids = np.unique(as_node_ids(spec[1], where))
            out[str(name)] = ({spec[0]: ids}, int(ids.size))
        else:
            try:
                ids = np.unique(as_node_ids(spec, where))
            except (SonataError, TypeError, ValueError) as exc:
                raise SonataError(f"{where}: give a population size (int), node ids, or "
                                  f"{{population: node_ids}}; got {type(spec).__name__}") from exc
            out[str(name)] = ({str(name): ids}, int(ids.size))
    return out


def _group_spike_times(spikes: SpikeTrains, members: Dict[str, Optional[np.ndarray]]) -> np.ndarray:
    chunks = []
    for pop, ids in members.items():
        spike_ids, times = spikes.get(pop, missing_ok=True)
        chunks.append(times if ids is None else times[np.isin(spike_ids, ids)])
    return np.concatenate(chunks) if chunks else np.zeros(0)


def _window(tstart_ms: float, tstop_ms: float) -> float:
    if not tstop_ms > tstart_ms:
        raise SonataError(f"rate window [{tstart_ms}, {tstop_ms}) ms is empty; give "
                          f"tstop_ms > tstart_ms")
    return (tstop_ms - tstart_ms) / 1000.0


def population_rates(spikes: SpikesLike, tstart_ms: float, tstop_ms: float,
                     groups: Optional[Mapping[str, Any]] = None, bin_ms: Optional[float] = None
                     ) -> Union[Dict[str, float], Dict[str, Tuple[np.ndarray, np.ndarray]]]:
    """Mean firing rate (Hz) per group over [tstart_ms, tstop_ms).

    Without ``bin_ms``: {group: mean rate per node in Hz}. With ``bin_ms``:
    {group: (bin centres ms, rate per node in Hz in each bin)}; the last bin ends at tstop_ms.
    A group of zero nodes has rate NaN.
    """
    spikes = as_spike_trains(spikes)
    duration_s = _window(tstart_ms, tstop_ms)
    table = normalize_groups(spikes, groups)
    if bin_ms is None:
        out: Dict[str, Any] = {}
        for name, (members, n_nodes) in table.items():
            times = _group_spike_times(spikes, members)
            count = np.count_nonzero((times >= tstart_ms) & (times < tstop_ms))
            out[name] = float(count / (n_nodes * duration_s)) if n_nodes else float("nan")
        return out
    if not bin_ms > 0:
        raise SonataError(f"bin_ms must be > 0 ms, got {bin_ms}")
    edges = np.arange(tstart_ms, tstop_ms, bin_ms)
    edges = np.append(edges, tstop_ms) if edges[-1] < tstop_ms else edges
    centres = 0.5 * (edges[:-1] + edges[1:])
    widths_s = np.diff(edges) / 1000.0
    out = {}
    for name, (members, n_nodes) in table.items():
        times = _group_spike_times(spikes, members)
        counts, _ = np.histogram(times[times < tstop_ms], bins=edges)  # [tstart, tstop)
        rate = counts / (n_nodes * widths_s) if n_nodes else np.full(centres.size, np.nan)
        out[name] = (centres, rate)
    return out


def _looks_like_rates_file(path: Path) -> bool:
    if path.suffix.lower() in (".h5", ".hdf5") and h5py.is_hdf5(path):
        with h5py.File(path, "r") as h5:
            return "rates" in h5 and "spikes" not in h5
    if path.suffix.lower() in (".txt", ".dat"):
        return True  # popnet's spike_rates.txt
    if path.suffix.lower() == ".csv" and path.is_file():
        with open(path) as handle:
            return "rate" in handle.readline().lower()
    return False


def mean_rates(result: Any, tstart_ms: Optional[float] = None, tstop_ms: Optional[float] = None,
               groups: Optional[Mapping[str, Any]] = None) -> Dict[str, float]:
    """Mean rate (Hz) per group of one run, whatever form its results take.

    ``result`` may be {group: rate Hz}, {population: (times ms, rates Hz)} (popnet), a
    SpikeTrains or DataFrame, a path to a spikes or rates file, or a SimulationResult
    (its spikes if any, else its rates). Spikes need ``tstop_ms`` (``tstart_ms`` defaults
    to 0) and are grouped by ``groups``; rate traces are averaged over the window.
    """
    if isinstance(result, (str, os.PathLike)) and _looks_like_rates_file(Path(result)):
        result = read_rates(result)
    elif not isinstance(result, (Mapping, SpikeTrains, pd.DataFrame, str, os.PathLike)):
        spikes = getattr(result, "spikes", None)
        rates = getattr(result, "rates", None)
        if spikes is None and rates is None:
            raise SonataError(f"cannot find rates in a {type(result).__name__}: give spikes, "
                              f"rates, a file path or a result with .spikes or .rates")
        result = spikes if spikes is not None else rates
    if isinstance(result, Mapping):
        out = {}
        for name, value in result.items():
            if isinstance(value, (int, float, np.number)):
                out[str(name)] = float(value)
                continue
            try:
                times, rates = (np.asarray(v, dtype=np.float64).reshape(-1) for v in value)
            except (TypeError, ValueError) as exc:
                raise SonataError(f"rates of {name!r}: give a mean rate (Hz) or a pair "
                                  f"(times ms, rates Hz)") from exc
            if times.shape != rates.shape:
                raise SonataError(f"rates of {name!r}: {times.size} times but {rates.size} rates")
            lo = -np.inf if tstart_ms is None else tstart_ms
            hi = np.inf if tstop_ms is None else tstop_ms
            sel = (times >= lo) & (times <= hi)
            out[str(name)] = float(rates[sel].mean()) if sel.any() else float("nan")
        return out
    if tstop_ms is None:
        raise SonataError("mean rates from spikes need tstop_ms (the simulated time, ms)")
    return population_rates(result, 0.0 if tstart_ms is None else tstart_ms, tstop_ms, groups)


def compare_rates(results_a: Any, results_b: Any, labels: Sequence[str] = ("a", "b"),
                  groups: Optional[Mapping[str, Any]] = None, tstart_ms: Optional[float] = None,
                  tstop_ms: Optional[float] = None, rel_tol: Optional[float] = None
                  ) -> pd.DataFrame:
    """Table of per-group mean rates of two runs and their differences.

    Columns ``rate_<a>``, ``rate_<b>`` (Hz), ``diff_hz`` (b - a) and ``rel_diff``
    ((b - a) / a), plus ``within_tol`` (|rel_diff| <= rel_tol) when ``rel_tol`` is given.
    Rows are the groups of either run (NaN where one run lacks it). See :func:`mean_rates`
    for the accepted result forms; ``groups`` applies to spike results.
    """
    if len(labels) != 2 or labels[0] == labels[1]:
        raise SonataError(f"compare_rates needs two different labels, got {labels!r}")
    rates_a = mean_rates(results_a, tstart_ms, tstop_ms, groups)
    rates_b = mean_rates(results_b, tstart_ms, tstop_ms, groups)
    names = list(rates_a) + [n for n in rates_b if n not in rates_a]
    a = np.array([rates_a.get(n, np.nan) for n in names], dtype=np.float64)
    b = np.array([rates_b.get(n, np.nan) for n in names], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(a == b, 0.0, (b - a) / a)
    table = pd.DataFrame({f"rate_{labels[0]}": a, f"rate_{labels[1]}": b, "diff_hz": b - a,
                          "rel_diff": rel}, index=pd.Index(names, name="group"))
    if rel_tol is not None:
        table["within_tol"] = np.abs(rel) <= rel_tol
    return table
