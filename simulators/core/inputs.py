"""Inputs of a simulation config, resolved into arrays every backend can use.

Each entry of the config's ``inputs`` section becomes one record:

- :class:`SpikeInput` — spike trains played by virtual nodes, read from a file.
  ``module``: ``sonata`` / ``h5`` (SONATA spikes, current or legacy ``/spikes/gids``
  layout) or ``csv``; ``input_file`` (or ``file``): the spikes file; ``node_set``:
  the virtual nodes (a legacy file or a CSV without a population column takes its
  population from this node set). Spikes of nodes outside the node set are dropped.
- :class:`PoissonInput` — ``"module": "poisson"`` (``input_type`` ``spikes``):
  ``rate`` in Hz (a number, or a list with one rate per node of the node set),
  the window in ms as ``start``/``stop`` or ``delay``/``duration`` (default: the
  whole run, 0..``run.tstop``), ``seed`` (default ``run.seed``, else 0), ``node_set``.
  No spike file is written; :meth:`PoissonInput.spike_trains` draws the trains.
- :class:`CurrentClamp` — ``"module": "IClamp"``: ``amp`` (in the unit
  ``simulators.core.clamp_units`` decides: nA for NEURON configs, pA for NEST configs as in bmtk,
  or the input's ``amp_units``; stored in nA), ``delay`` and ``duration`` in ms, each a number or a list (one entry per step); or
  ``"input_type": "csv"`` with ``file``: a table of ``timestamps`` (ms) and
  ``amps`` (nA) giving a piecewise-constant current (an optional ``node_id``/``gid``
  column gives one waveform per listed node; nodes of the node set not listed get none).
  Without ``node_set`` an IClamp drives ``all`` (as in bmtk).
  ``input_type`` ``nwb`` is not supported and raises an error saying so.

Entries with ``"enabled": false`` are skipped.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import numpy as np
import pandas as pd

from bmtk_like.errors import ConfigError, SimulationError
from bmtk_like.input_checks import check_input_type, warn_spike_node_ids
from simulators.core.clamp_units import PA_PER_NA, amps_in_na

SPIKE_FILE_MODULES = {"sonata", "h5", "hdf5", "csv", "spikes"}
POISSON_MODULES = {"poisson", "poisson_spikes"}
CLAMP_MODULES = {"iclamp"}
_log = logging.getLogger("bmtk_like.inputs")


def _param(spec: Any, key: str, default: Any = None) -> Any:
    params = getattr(spec, "params", None) or {}
    if key in params:
        return params[key]
    return getattr(spec, key, default)


def _where(spec: Any) -> str:
    return f"input '{getattr(spec, 'name', '?')}'"


def resolve_input_path(cfg: Any, value: Any, spec: Any, key: str) -> Path:
    """Resolve a file named by an input: absolute, else against the config folder, else cwd."""
    if value is None or str(value).strip() == "":
        raise ConfigError(f"{_where(spec)} in config {getattr(cfg, 'path', '')} needs '{key}' "
                          "(the path of its file)")
    path = Path(str(value))
    if path.is_absolute():
        candidates = [path]
    else:
        config_dir = getattr(cfg, "config_dir", None)
        candidates = ([Path(config_dir) / path] if config_dir is not None else []) + [Path.cwd() / path]
    for cand in candidates:
        if cand.is_file():
            return cand
    raise ConfigError(f"{_where(spec)} in config {getattr(cfg, 'path', '')}: {key} '{value}' does "
                      f"not exist (looked in {', '.join(str(c) for c in candidates)}); fix the "
                      "path or remove the input")


@dataclass
class SpikeInput:
    """Spike trains (ms) from a file, restricted to the input's node set."""

    name: str
    node_set: dict[str, np.ndarray]
    spikes: Any                        # bmtk_like.reports.SpikeTrains
    source: Optional[Path] = None


@dataclass
class PoissonInput:
    """Homogeneous Poisson trains: ``rate_hz`` (scalar or per node) on [tstart, tstop) ms."""

    name: str
    node_set: dict[str, np.ndarray]
    rate_hz: Any
    tstart: float
    tstop: float
    seed: int

    def spike_trains(self) -> Any:
        """Draw the trains (deterministic for a given seed) as one SpikeTrains."""
        from bmtk_like.reports import SpikeTrains, poisson_spike_trains

        out = SpikeTrains()
        offset = 0
        for k, (pop, ids) in enumerate(sorted(self.node_set.items())):
            rate = self.rate_hz
            if np.ndim(rate):
                rate = np.asarray(rate, dtype=float)[offset:offset + ids.size]
            offset += ids.size
            drawn = poisson_spike_trains(ids, rate, self.tstart, self.tstop, pop, seed=self.seed + k)
            out.add_spikes(pop, *drawn.get(pop))
        return out


@dataclass
class CurrentClamp:
    """A piecewise-constant current injected into ``node_set`` nodes.

    ``amps`` are in nA and ``delays``/``durations`` in ms, one entry per step;
    ``durations`` is None for a CSV waveform (each amplitude then holds until the next
    timestamp). ``per_node`` optionally maps (population, node id) -> its own
    (times ms, amps nA) waveform, overriding the shared one.
    """

    name: str
    node_set: dict[str, np.ndarray]
    amps: np.ndarray
    delays: np.ndarray
    durations: Optional[np.ndarray]
    per_node: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def waveform(self) -> tuple[np.ndarray, np.ndarray]:
        """(change times ms, amplitude nA after each change), strictly increasing times.

        Overlapping steps add up; each step ends with a return to 0 nA at delay + duration.
        """
        if self.durations is None:
            times, amps = np.asarray(self.delays, float), np.asarray(self.amps, float)
            order = np.argsort(times, kind="stable")
            times, amps = times[order], amps[order]
            keep = np.r_[times[1:] != times[:-1], True]      # last value at a time wins
            return times[keep], amps[keep]
        starts = np.asarray(self.delays, float)
        stops = starts + np.asarray(self.durations, float)
        times = np.concatenate([starts, stops])
        deltas = np.concatenate([self.amps, -np.asarray(self.amps, float)])
        uniq, inverse = np.unique(times, return_inverse=True)
        level = np.cumsum(np.bincount(inverse, weights=deltas, minlength=uniq.size))
        level[np.abs(level) < 1e-12] = 0.0
        return uniq, level


@dataclass
class Inputs:
    """All inputs of a config, by kind; ``other`` holds specs no resolver here handles."""

    spikes: list[SpikeInput] = field(default_factory=list)
    poisson: list[PoissonInput] = field(default_factory=list)
    current_clamps: list[CurrentClamp] = field(default_factory=list)
    other: list[Any] = field(default_factory=list)


def _resolve_node_set(circuit: Any, spec: Any, default: Any = None) -> dict[str, np.ndarray]:
    node_set = getattr(spec, "node_set", None)
    if node_set is None:
        node_set = _param(spec, "node_set")
    if node_set is None:
        node_set = default
    if node_set is None:
        raise ConfigError(f"{_where(spec)} has no 'node_set'; name the nodes it drives "
                          "(a node-set name, a population name or a dict of rules)")
    selected = circuit.node_set(node_set)
    if not selected:
        raise ConfigError(f"{_where(spec)}: node_set {node_set!r} selects no nodes")
    return selected


def spike_input(circuit: Any, cfg: Any, spec: Any) -> SpikeInput:
    """Read a spike-file input (sonata/h5/csv) restricted to its node set."""
    from bmtk_like.reports import SpikeTrains

    node_set = _resolve_node_set(circuit, spec)
    key = "input_file" if _param(spec, "input_file") is not None else "file"
    path = resolve_input_path(cfg, _param(spec, key), spec, key)
    module = str(getattr(spec, "module", "") or "").lower()
    default_pop = next(iter(node_set)) if len(node_set) == 1 else None
    if module == "csv" or path.suffix.lower() in (".csv", ".txt"):
        loaded = SpikeTrains.from_csv(path, population=None)
        if default_pop is not None and "default" in loaded.populations and default_pop not in loaded.populations:
            loaded = SpikeTrains({default_pop: loaded.get("default")}, source=path)
    else:
        loaded = SpikeTrains.from_sonata(path, population=None)
        if default_pop is not None and loaded.populations == ["default"]:
            loaded = SpikeTrains({default_pop: loaded.get("default")}, source=path)
    for pop in loaded.populations:
        if pop in circuit.nodes:
            warn_spike_node_ids(pop, loaded.get(pop)[0], circuit.nodes[pop].size, path, _where(spec))
    out = SpikeTrains(source=path)
    for pop, ids in node_set.items():
        if pop not in loaded.populations:
            continue
        sids, times = loaded.get(pop)
        keep = np.isin(np.asarray(sids, dtype=np.int64), ids)
        out.add_spikes(pop, np.asarray(sids)[keep], np.asarray(times)[keep])
    if not out.populations and loaded.populations:
        raise ConfigError(f"{_where(spec)}: spikes file {path} holds populations "
                          f"{loaded.populations} but the node_set selects {sorted(node_set)}; "
                          "make the node_set name the population the spikes belong to")
    return SpikeInput(getattr(spec, "name", "?"), node_set, out, path)


def poisson_input(circuit: Any, cfg: Any, spec: Any) -> PoissonInput:
    """Resolve a config-declared Poisson input (rate Hz, window ms, seed)."""
    node_set = _resolve_node_set(circuit, spec)
    rate = _param(spec, "rate", _param(spec, "rate_hz", _param(spec, "firing_rate")))
    if rate is None:
        raise ConfigError(f"{_where(spec)} (module poisson) needs 'rate' in Hz")
    n = int(sum(ids.size for ids in node_set.values()))
    if np.ndim(rate):
        rate = np.asarray(rate, dtype=float)
        if rate.size != n:
            raise ConfigError(f"{_where(spec)}: 'rate' lists {rate.size} values but the node_set "
                              f"has {n} nodes; give one rate or one per node")
    if np.any(np.asarray(rate, dtype=float) < 0):
        raise ConfigError(f"{_where(spec)}: 'rate' must be >= 0 Hz")
    tstop_run = float(cfg.run.tstop)
    if _param(spec, "delay") is not None or _param(spec, "duration") is not None:
        tstart = float(_param(spec, "delay", 0.0))
        tstop = tstart + float(_param(spec, "duration", tstop_run - tstart))
    else:
        tstart = float(_param(spec, "start", 0.0))
        tstop = float(_param(spec, "stop", tstop_run))
    if not tstop > tstart:
        raise ConfigError(f"{_where(spec)}: the Poisson window [{tstart}, {tstop}) ms is empty; "
                          "stop (or delay + duration) must exceed start")
    seed = _param(spec, "seed", getattr(cfg.run, "seed", None))
    return PoissonInput(getattr(spec, "name", "?"), node_set, rate, tstart, tstop,
                        int(seed) if seed is not None else 0)


def _as_steps(spec: Any, key: str) -> np.ndarray:
    value = _param(spec, key)
    if value is None:
        raise ConfigError(f"{_where(spec)} (IClamp) needs '{key}' "
                          f"({'nA' if key == 'amp' else 'ms'}, a number or a list of steps)")
    try:
        return np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        raise ConfigError(f"{_where(spec)} (IClamp): '{key}' must be numbers, got {value!r}") from None


def _amp_scale(cfg: Any, spec: Any, amps: np.ndarray, simulator: Optional[str]) -> float:
    amps_max = float(np.abs(amps).max()) if amps.size else 0.0
    return amps_in_na(cfg, _param(spec, "amp_units"), amps_max, _where(spec), simulator)


def current_clamp(circuit: Any, cfg: Any, spec: Any, simulator: Optional[str] = None) -> CurrentClamp:
    """Resolve an IClamp input (scalar, list or CSV form) into a CurrentClamp in nA/ms.

    ``simulator``: the backend running ``cfg`` (only for the log when it is not the config's
    target_simulator; the unit of ``amp`` follows the config, see ``clamp_units``)."""
    node_set = _resolve_node_set(circuit, spec, default="all")
    input_type = str(getattr(spec, "input_type", "") or "").lower()
    name = getattr(spec, "name", "?")
    if input_type == "nwb":
        raise SimulationError(f"{_where(spec)}: IClamp from an NWB sweep (input_type 'nwb') is not "
                              "supported; export the sweep as a CSV of 'timestamps amps' and use "
                              "input_type 'csv' with 'file'")
    if input_type == "csv" or (_param(spec, "file") is not None and _param(spec, "amp") is None):
        path = resolve_input_path(cfg, _param(spec, "file", _param(spec, "input_file")), spec, "file")
        return _clamp_from_csv(name, node_set, path, spec, cfg, simulator)
    amps, delays, durations = (_as_steps(spec, k) for k in ("amp", "delay", "duration"))
    n = max(amps.size, delays.size, durations.size)
    for key, arr in (("amp", amps), ("delay", delays), ("duration", durations)):
        if arr.size not in (1, n):
            raise ConfigError(f"{_where(spec)} (IClamp): '{key}' has {arr.size} entries but another "
                              f"key has {n}; give every list one entry per step")
    if np.any(durations < 0) or np.any(delays < 0):
        raise ConfigError(f"{_where(spec)} (IClamp): delay and duration must be >= 0 ms")
    scale = _amp_scale(cfg, spec, amps, simulator)
    return CurrentClamp(name, node_set, np.broadcast_to(amps * scale, n).copy(),
                        np.broadcast_to(delays, n).copy(), np.broadcast_to(durations, n).copy())


def _clamp_from_csv(name: str, node_set: dict, path: Path, spec: Any, cfg: Any,
                    simulator: Optional[str]) -> CurrentClamp:
    try:
        table = pd.read_csv(path, sep=None, engine="python")
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{_where(spec)}: IClamp file {path} cannot be parsed ({exc}); expected "
                          "columns 'timestamps amps'") from None
    cols = {str(c).strip().lower(): c for c in table.columns}
    tcol = next((cols[c] for c in ("timestamps", "times", "time", "delay") if c in cols), None)
    acol = next((cols[c] for c in ("amps", "amp", "amplitudes") if c in cols), None)
    if tcol is None or acol is None:
        raise ConfigError(f"{_where(spec)}: IClamp file {path} has columns {list(table.columns)}; "
                          "it needs 'timestamps' (ms) and 'amps' (nA)")
    times = pd.to_numeric(table[tcol], errors="coerce").to_numpy(float)
    amps = pd.to_numeric(table[acol], errors="coerce").to_numpy(float)
    if np.isnan(times).any() or np.isnan(amps).any():
        raise ConfigError(f"{_where(spec)}: IClamp file {path} has non-numeric timestamps/amps")
    amps = amps * _amp_scale(cfg, spec, amps, simulator)
    clamp = CurrentClamp(name, node_set, amps, times, None)
    ncol = next((cols[c] for c in ("node_id", "node_ids", "gid", "gids") if c in cols), None)
    if ncol is not None:
        pcol = cols.get("population")
        default_pop = next(iter(node_set)) if len(node_set) == 1 else None
        ids = table[ncol].to_numpy(np.int64)
        pops = table[pcol].astype(str).to_numpy() if pcol else np.full(ids.size, default_pop, object)
        for pop, nid in set(zip(pops, ids)):
            sel = (pops == pop) & (ids == nid)
            clamp.per_node[(str(pop), int(nid))] = (times[sel], amps[sel])
    return clamp


def collect_inputs(circuit: Any, cfg: Any, supported: Iterable[str] | None = None,
                   backend: str = "this simulator", simulator: Optional[str] = None) -> Inputs:
    """Resolve every enabled input of ``cfg`` into :class:`Inputs`.

    ``supported``: lower-case module names the backend accepts beyond spike files,
    Poisson and IClamp (e.g. ``{"pop_rates"}``); such specs go to ``Inputs.other``.
    Any other module raises SimulationError naming the input and the modules accepted.
    ``simulator``: the registry name of the running backend (``NEST``, ``NEURON``, ``popnet``),
    so the log can say how IClamp amplitudes written for another level were read.
    """
    extra = {m.lower() for m in (supported or ())}
    result = Inputs()
    for name, spec in (cfg.inputs or {}).items():
        if _param(spec, "enabled", True) in (False, "false", "False", 0):
            continue
        module = str(getattr(spec, "module", "") or "").lower()
        input_type = str(getattr(spec, "input_type", "") or "").lower()
        check_input_type(name, getattr(spec, "input_type", ""), getattr(cfg, "path", "") or "")
        if module in POISSON_MODULES:
            result.poisson.append(poisson_input(circuit, cfg, spec))
        elif module in CLAMP_MODULES or input_type == "current_clamp":
            result.current_clamps.append(current_clamp(circuit, cfg, spec, simulator))
        elif module in extra:
            result.other.append(spec)
        elif module in SPIKE_FILE_MODULES:
            result.spikes.append(spike_input(circuit, cfg, spec))
        elif module == "nwb":
            raise SimulationError(f"input '{name}': NWB spike inputs (module 'nwb') are not "
                                  "supported; convert the spikes to SONATA h5 or CSV")
        else:
            accepted = sorted(SPIKE_FILE_MODULES | POISSON_MODULES | {"IClamp"} | extra)
            raise SimulationError(f"input '{name}': module '{getattr(spec, 'module', None)}' "
                                  f"(input_type '{input_type}') is not supported by {backend}; "
                                  f"supported modules: {', '.join(accepted)}")
    return result
