"""Rates of external (virtual) populations from a config's ``inputs``.

* ``"module": "pop_rates"`` (BMTK PopNet): a whitespace/comma separated table with
  ``gid`` (the virtual node_type_id) and ``firing_rate`` (Hz), file under ``rates``
  (or ``file``/``input_file``). An optional time column makes the rate time-varying
  (linear interpolation): ``time_ms`` in ms, or ``time``/``time_s`` in seconds.
  A ``firing_rate`` key in the input itself gives one constant rate to its node set.
* spike files (``sonata``/``h5``/``csv``): the mean rate of the group's nodes over
  the run (spikes in [0, tstop) / nodes / tstop), constant.
* ``"module": "poisson"``: its ``rate`` (Hz), averaged over the group's nodes,
  within its [start, stop) window.
Several inputs on one group add up. Spike and Poisson inputs drive virtual populations only, as on
NEST and NEURON; current clamps have no population-density counterpart. Both are errors that name the
input, not inputs silently dropped.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bmtk_like.errors import ConfigError
from bmtk_like.input_checks import read_pop_rates_table
from simulators.core.inputs import collect_inputs, resolve_input_path
from simulators.popnet.groups import Group


def _param(spec: Any, key: str, default: Any = None) -> Any:
    """An input's parameter: from its params dict, else its attribute."""
    params = getattr(spec, "params", None) or {}
    return params[key] if key in params else getattr(spec, key, default)


def _read_rates_table(path: Path, where: str) -> pd.DataFrame:
    return read_pop_rates_table(path, where)      # the checks live in bmtk_like, shared with validate


def _pop_rates(cfg: Any, spec: Any, groups: list[Group], selected: dict, add) -> None:
    where = f"input '{spec.name}'"
    targets = [i for i, g in enumerate(groups) if g.external and g.node_population in selected
               and np.isin(g.node_ids, selected[g.node_population]).any()]
    if not targets:
        raise ConfigError(f"{where}: node_set {spec.node_set!r} selects no virtual population; "
                          "pop_rates inputs drive virtual (external) node types")
    if _param(spec, "firing_rate") is not None and _param(spec, "rates") is None:
        for i in targets:
            add(i, float(_param(spec, "firing_rate")))
        return
    key = next((k for k in ("rates", "file", "input_file") if _param(spec, k) is not None), "rates")
    path = resolve_input_path(cfg, _param(spec, key), spec, key)
    table = _read_rates_table(path, where)
    time_col = next((c for c in ("time_ms", "time_s", "time", "times") if c in table.columns), None)
    scale = 1.0 if time_col == "time_ms" else 1000.0
    known = {int(t): i for i in targets for t in groups[i].node_type_ids}
    for gid, rows in table.groupby("gid"):
        if int(gid) not in known:
            raise ConfigError(f"{where}: rates file {path} has gid {gid}, but the virtual node types "
                              f"of node_set {spec.node_set!r} are {sorted(known)}; gid must be the "
                              "node_type_id of a virtual population")
        rates = rows["firing_rate"].to_numpy(dtype=float)
        if np.any(rates < 0) or not np.isfinite(rates).all():
            raise ConfigError(f"{where}: rates file {path}, gid {gid}: firing_rate must be >= 0 Hz")
        if time_col is None:
            add(known[int(gid)], float(rates[-1]))
        else:
            t = rows[time_col].to_numpy(dtype=float) * scale
            order = np.argsort(t, kind="stable")
            add(known[int(gid)], (t[order], rates[order]))


def external_rates(circuit: Any, cfg: Any, groups: list[Group], tstop_ms: float) -> dict[int, list]:
    """Group index -> list of rate terms (Hz numbers or (times ms, rates Hz) tables)."""
    out: dict[int, list] = {}

    def add(i: int, term) -> None:
        out.setdefault(i, []).append(term)

    inputs = collect_inputs(circuit, cfg, supported={"pop_rates"}, backend="popnet", simulator="popnet")
    if inputs.current_clamps:
        raise ConfigError(f"input '{inputs.current_clamps[0].name}': current clamps cannot drive a population-density model "
                          "(popnet has no injected-current term); remove the input for popnet runs, or drive "
                          "the populations through virtual nodes (spike, Poisson or pop_rates inputs)")
    for spec in inputs.other:
        _pop_rates(cfg, spec, groups, circuit.node_set(spec.node_set), add)
    for inp in inputs.spikes:      # as on NEST: only the nodes that have spikes must be virtual
        spiking = {pop: np.asarray(inp.spikes.get(pop)[0], dtype=np.int64) for pop in inp.spikes.populations
                   if pop in inp.node_set}
        spiking = {pop: ids[np.isin(ids, inp.node_set[pop])] for pop, ids in spiking.items()}
        _refuse_internal(inp.name, "spike", spiking, groups)
        for i, g in enumerate(groups):
            if not g.external or g.node_population not in inp.node_set:
                continue
            ids, times = inp.spikes.get(g.node_population) if g.node_population in inp.spikes.populations \
                else (np.zeros(0), np.zeros(0))
            in_run = (np.asarray(times, dtype=float) >= 0.0) & (np.asarray(times, dtype=float) < tstop_ms)
            n_spk = int(np.isin(np.asarray(ids, dtype=np.int64)[in_run], g.node_ids).sum())
            add(i, 1000.0 * n_spk / (g.node_ids.size * tstop_ms))
    for inp in inputs.poisson:
        _refuse_internal(inp.name, "Poisson", inp.node_set, groups)
        for i, g in enumerate(groups):
            if not g.external or g.node_population not in inp.node_set:
                continue
            rate = float(np.mean(inp.rate_hz))
            t = np.array([inp.tstart, inp.tstart, inp.tstop, inp.tstop])
            add(i, (np.nextafter(t, t + np.array([-1, 1, -1, 1])), np.array([0.0, rate, rate, 0.0])))
    return out


def _refuse_internal(name: str, kind: str, node_set: dict, groups: list[Group]) -> None:
    """Spike trains drive virtual nodes; a node set reaching internal populations is a mistake."""
    for g in groups:
        if not g.external and g.node_population in node_set and np.isin(g.node_ids, node_set[g.node_population]).any():
            raise ConfigError(f"input '{name}': its {kind} trains target population '{g.node_population}' "
                              f"({g.label}), which is not virtual; spike inputs drive virtual nodes only "
                              "(as on NEST and NEURON): point the input at a virtual population")


def combine(terms: list) -> Any:
    """One ``ExternalPopulation.rate`` from several terms (sum)."""
    if all(not isinstance(t, tuple) for t in terms):
        return float(sum(terms))

    def rate(t_ms: np.ndarray) -> np.ndarray:
        total = np.zeros_like(t_ms, dtype=float)
        for term in terms:
            total += np.interp(t_ms, *term) if isinstance(term, tuple) else term
        return total
    return rate
