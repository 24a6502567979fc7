"""PNG plots of simulation output: spike rasters, population rates, voltage traces.

Figures are drawn with matplotlib's Agg canvas directly (no pyplot, no display, no global
state), so they work on headless machines and inside a running notebook alike.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bmtk_like.analysis.rates import as_spike_trains, normalize_groups, population_rates
from bmtk_like.errors import SonataError
from bmtk_like.reports import CompartmentReport, SpikeTrains, read_rates

PathLike = Union[str, "os.PathLike[str]"]


def _save(fig: Figure, out_png: PathLike) -> Path:
    out = Path(out_png)
    if out.suffix.lower() != ".png":
        raise SonataError(f"plot output {out} must end in .png")
    out.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(out, dpi=100)
    return out


def _auto_bin_ms(duration_ms: float) -> float:
    """A round bin width giving 50-100 bins over the duration."""
    raw = duration_ms / 60.0
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if step >= raw:
            return float(step)
    return float(raw)


def plot_raster(spikes_or_path: Any, out_png: PathLike, populations: Optional[Sequence[str]] = None,
                groups: Optional[Mapping[str, Any]] = None, title: Optional[str] = None,
                tstart_ms: Optional[float] = None, tstop_ms: Optional[float] = None,
                bin_ms: Optional[float] = None) -> Path:
    """Spike raster (top) and per-group rate histogram in Hz (bottom), saved as a PNG.

    Populations are stacked vertically (node id + offset). ``groups`` (see
    :mod:`bmtk_like.analysis.rates`) colours the raster by node set and normalises the
    histogram by group size; by default each population is a group. Times are ms; the
    window defaults to [0, last spike].
    """
    spikes = as_spike_trains(spikes_or_path)
    pops = list(populations) if populations is not None else spikes.populations
    if populations is not None:
        spikes = SpikeTrains({p: spikes.get(p, missing_ok=True) for p in pops})
    t0 = 0.0 if tstart_ms is None else float(tstart_ms)
    last = spikes.time_range()[1]
    t1 = float(tstop_ms) if tstop_ms is not None else (last if np.isfinite(last) and last > t0
                                                         else t0 + 1.0)
    group_table = normalize_groups(spikes, groups)

    fig = Figure(figsize=(9, 6.5))
    ax_raster, ax_rate = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    colors = [f"C{i % 10}" for i in range(len(group_table))]
    declared = {name: n for name, (members, n) in group_table.items()
                if groups is not None and list(members) == [name] and members[name] is None}
    offsets, offset = {}, 0
    for pop in pops:  # each population gets max(declared size, max spiking id + 1) rows
        offsets[pop] = offset
        ids = spikes.get(pop, missing_ok=True)[0]
        offset += max(declared.get(pop, 0), int(ids.max()) + 1 if ids.size else 1)
    marker_size = 4 if spikes.n_spikes() < 5000 else 2
    for color, (name, (members, _)) in zip(colors, group_table.items()):
        label_done = False
        for pop, ids in members.items():
            spike_ids, times = spikes.get(pop, missing_ok=True)
            sel = (times >= t0) & (times <= t1)
            if ids is not None:
                sel &= np.isin(spike_ids, ids)
            y = spike_ids[sel].astype(np.float64) + offsets.get(pop, 0)
            ax_raster.plot(times[sel], y, linestyle="none", marker="|", markersize=marker_size,
                           color=color, label=None if label_done else name)
            label_done = True
    for pop in pops[1:]:
        ax_raster.axhline(offsets[pop] - 0.5, color="0.8", linewidth=0.8)
    ax_raster.set_ylabel("node id (populations stacked)")
    ax_raster.set_ylim(-0.5, max(offset, 1) - 0.5)
    if spikes.n_spikes() == 0:
        ax_raster.text(0.5, 0.5, "no spikes", transform=ax_raster.transAxes, ha="center")
    elif group_table:
        ax_raster.legend(loc="upper right", fontsize="small", markerscale=2)
    ax_raster.set_title(title or f"{spikes.n_spikes()} spikes")

    width = bin_ms or _auto_bin_ms(t1 - t0)
    for color, (name, (times, rate)) in zip(colors, population_rates(
            spikes, t0, t1, groups if groups is not None else None, bin_ms=width).items()):
        ax_rate.step(times, rate, where="mid", color=color, label=name)
    ax_rate.set_xlabel("time (ms)")
    ax_rate.set_ylabel(f"rate (Hz)\n{width:g} ms bins")
    ax_rate.set_xlim(t0, t1)
    fig.tight_layout()
    return _save(fig, out_png)


def plot_rates(rates: Any, out_png: PathLike, title: Optional[str] = None,
               populations: Optional[Iterable[str]] = None) -> Path:
    """Population rate traces (Hz against ms) saved as a PNG.

    ``rates`` is {population: (times ms, rates Hz)}, a rates file path, or a result
    object with a ``rates`` attribute.
    """
    if isinstance(rates, (str, os.PathLike)):
        rates = read_rates(rates)
    elif not isinstance(rates, Mapping):
        rates = getattr(rates, "rates", None)
        if not isinstance(rates, Mapping):
            raise SonataError("plot_rates needs {population: (times ms, rates Hz)}, a rates "
                              "file path or a result with .rates")
    names = list(rates) if populations is None else list(populations)
    missing = [n for n in names if n not in rates]
    if missing:
        raise SonataError(f"plot_rates: no rates for population {missing[0]!r}; available: "
                          f"{list(rates)}")
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    for name in names:
        times, values = rates[name]
        ax.plot(np.asarray(times), np.asarray(values), label=str(name))
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate (Hz)")
    if names:
        ax.legend(loc="upper right", fontsize="small")
    ax.set_title(title or "population firing rates")
    fig.tight_layout()
    return _save(fig, out_png)


def plot_traces(report_path: PathLike, out_png: PathLike,
                node_ids: Optional[Iterable[int]] = None, population: Optional[str] = None,
                title: Optional[str] = None, max_nodes: int = 10,
                groups: Optional[Mapping[str, Mapping[str, Any]]] = None) -> Path:
    """Traces of a compartment report (first element of each node, e.g. the soma) as a PNG.

    One panel per population (or just ``population``); ``node_ids`` default to the first
    ``max_nodes`` recorded nodes of each population. ``groups`` ({group: {population: node ids}},
    e.g. from ``bmtk_like.analysis.groups.node_groups``) colours each trace by its group, with one
    legend entry per group; without it each node has its own colour and legend entry.
    """
    report = CompartmentReport(report_path)
    pops = [population] if population is not None else report.populations
    fig = Figure(figsize=(8, 2.2 + 2.3 * len(pops)))
    axes = np.atleast_1d(fig.subplots(len(pops), 1, sharex=True, squeeze=False)[:, 0])
    for ax, pop in zip(axes, pops):
        data = report[pop]
        nodes = data.node_ids[:max_nodes] if node_ids is None else np.asarray(list(node_ids))
        traces = data.traces(nodes)
        names = list(groups) if groups else []
        shown: set = set()
        for k, node in enumerate(nodes.tolist()):
            if groups:
                group = next((g for g in names if node in set(np.asarray(groups[g].get(pop, []), dtype=np.int64).tolist())),
                             "other")
                color = f"C{names.index(group) % 10}" if group in names else "0.5"
                label = None if group in shown else group
                shown.add(group)
            else:
                color, label = None, f"node {node}"
            ax.plot(data.times, traces[:, k], linewidth=0.9, color=color, label=label)
        ax.set_ylabel(f"{data.variable_name or 'value'} ({data.units or '?'})")
        ax.set_title(f"{pop}" + (f" (first {nodes.size} of {data.node_ids.size} nodes)"
                                 if node_ids is None and data.node_ids.size > nodes.size else ""),
                     fontsize="medium")
        if groups or nodes.size <= 10:
            ax.legend(loc="upper right", fontsize="x-small")
    axes[-1].set_xlabel("time (ms)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, out_png)
