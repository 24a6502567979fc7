"""Recorders on NEST and the files they become.

- Spikes: one ``spike_recorder`` on every non-virtual node (or the node set of a
  ``spikes_report`` report's ``cells``) -> SONATA h5 (+ CSV) via bmtk_like.reports.
- Multimeter reports (``multimeter_report``/``membrane_report``/``multimeter``):
  ``variable_name`` (one NEST recordable, or a list -> one file per variable named
  ``<report>.<variable>.h5``) on ``cells``, sampled every ``dt`` (report key, default
  run.dt) -> SONATA compartment report, one element per node. NEST's multimeter
  samples at t = dt, 2dt, ..., tstop, so the time axis is [dt, tstop + dt, dt].
  Events are flushed to the file after every simulation block.
- Weight recorder (``weight_recorder``): a NEST ``weight_recorder`` attached to a copy
  of ``nest_model`` (default ``stdp_synapse``) named ``model_template``; edge types
  using that model are recorded to ``file_name`` (CSV, default ``<report>.csv``).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bmtk_like.errors import ConfigError
from simulators.core import report_file
from simulators.pointnet.ids import NestIdMap

log = logging.getLogger("bmtk_like.simulation")
MULTIMETER_MODULES = {"multimeter_report", "membrane_report", "multimeter"}


def _cells(circuit: Any, spec: Any) -> dict[str, np.ndarray]:
    selected = circuit.node_set(spec.cells)
    cells = {p: ids for p, ids in selected.items() if not circuit.is_virtual(p)}
    if not cells:
        raise ConfigError(f"report '{spec.name}': cells {spec.cells!r} select no non-virtual node; "
                          "NEST records only real cells")
    return cells


class SpikeRecording:
    """A spike_recorder on the recorded cells; ``spikes()`` returns SonataTrains after the run."""

    def __init__(self, nest: Any, circuit: Any, ids: NestIdMap, cells: dict[str, np.ndarray] | None):
        self.ids = ids
        if cells is None:
            cells = {p: np.asarray(n.node_ids) for p, n in circuit.nodes.items()
                     if not circuit.is_virtual(p)}
        self.recorder = nest.Create("spike_recorder")
        targets = [ids.nest_ids(p, n) for p, n in cells.items()]
        gids = np.unique(np.concatenate(targets)) if targets else np.array([], np.int64)
        if gids.size:
            nest.Connect(nest.NodeCollection(gids.tolist()), self.recorder)
        self.populations = list(cells)

    def spikes(self, tstop: float = np.inf) -> Any:
        """The recorded spikes up to ``tstop`` ms as a SpikeTrains (node ids per population)."""
        from bmtk_like.reports import SpikeTrains

        events = self.recorder.get("events")
        senders = np.asarray(events["senders"], dtype=np.int64)
        times = np.asarray(events["times"], dtype=np.float64)
        keep = times <= tstop
        senders, times = senders[keep], times[keep]
        out = SpikeTrains({p: (np.array([], np.int64), np.array([])) for p in self.populations})
        for pop, (rows, node_ids) in self.ids.to_sonata(senders).items():
            out.add_spikes(pop, node_ids, times[rows])
        return out


class MultimeterReport:
    """One multimeter and its compartment-report file(s), written block by block."""

    def __init__(self, nest: Any, cfg: Any, circuit: Any, ids: NestIdMap, spec: Any,
                 dt: float, tstop: float):
        variables = spec.variable_name
        self.variables = [variables] if isinstance(variables, str) else list(variables)
        self.cells = _cells(circuit, spec)
        self.interval = float(spec.params.get("dt", dt))
        steps = self.interval / dt
        if self.interval < dt or abs(steps - round(steps)) > 1e-6:
            raise ConfigError(f"report '{spec.name}': dt {self.interval} ms must be a multiple of "
                              f"run.dt = {dt} ms")
        self._check_recordables(nest, ids, spec)
        self.mm = nest.Create("multimeter", params={"record_from": self.variables,
                                                    "interval": self.interval})
        self.pops = sorted(self.cells)
        gids = np.concatenate([ids.nest_ids(p, self.cells[p]) for p in self.pops])
        self.col_of = np.full(int(gids.max()) + 1, -1, dtype=np.int64)
        self.col_of[gids] = np.arange(gids.size)
        self.bounds = np.cumsum([0] + [self.cells[p].size for p in self.pops])
        nest.Connect(self.mm, nest.NodeCollection(np.unique(gids).tolist()))
        base = report_file(cfg, spec)
        self.paths = ([base] if len(self.variables) == 1 else
                      [base.with_name(f"{base.stem}.{v}{base.suffix}") for v in self.variables])
        self.n_frames = int(round(tstop / self.interval))
        self.writers = []
        self.name = spec.name
        self._units = {v: ("mV" if v.startswith("V_") else "") for v in self.variables}

    def _check_recordables(self, nest: Any, ids: NestIdMap, spec: Any) -> None:
        gids = np.concatenate([ids.nest_ids(p, n) for p, n in self.cells.items()])
        models = set(nest.NodeCollection(np.unique(gids).tolist()).get("model")
                     if gids.size > 1 else [nest.NodeCollection(gids.tolist()).get("model")])
        for model in models:
            recordables = [str(r) for r in nest.GetDefaults(model, "recordables")]
            missing = [v for v in self.variables if v not in recordables]
            if missing:
                raise ConfigError(f"report '{spec.name}': NEST model '{model}' cannot record "
                                  f"{missing}; its recordables are {recordables}")

    def open(self) -> None:
        """Create the report files (called once the output folder exists)."""
        from bmtk_like.reports import CompartmentReportWriter

        for var, path in zip(self.variables, self.paths):
            writer = CompartmentReportWriter(path)
            for pop in self.pops:
                writer.add_population(pop, self.cells[pop], tstart=self.interval,
                                      tstop=self.interval * (self.n_frames + 1), dt=self.interval,
                                      units=self._units[var], variable_name=var)
            self.writers.append(writer)

    def flush(self) -> None:
        """Move the multimeter's events into the files and empty its buffer."""
        events = self.mm.get("events")
        times = np.asarray(events["times"], dtype=float)
        if times.size == 0:
            return
        frames = np.rint(times / self.interval).astype(np.int64) - 1
        cols = self.col_of[np.asarray(events["senders"], dtype=np.int64)]
        first, last = int(frames.min()), int(min(frames.max(), self.n_frames - 1))
        ok = frames <= last
        for var, writer in zip(self.variables, self.writers):
            block = np.full((last - first + 1, self.bounds[-1]), np.nan, dtype=np.float32)
            block[frames[ok] - first, cols[ok]] = np.asarray(events[var], dtype=float)[ok]
            for k, pop in enumerate(self.pops):
                writer.write_block(pop, block[:, self.bounds[k]:self.bounds[k + 1]],
                                   start_frame=first)
        self.mm.n_events = 0

    def close(self) -> None:
        for writer in self.writers:
            writer.close()


class WeightRecording:
    """A weight_recorder attached to a recorded copy of a plastic synapse model."""

    def __init__(self, nest: Any, cfg: Any, spec: Any):
        params = spec.params
        base = params.get("nest_model", "stdp_synapse")
        self.model = params.get("model_template") or f"{base}_recorded"
        self.model = self.model.split(":", 1)[-1]
        if base not in nest.synapse_models:
            raise ConfigError(f"report '{spec.name}' (weight_recorder): nest_model '{base}' is not "
                              "a NEST synapse model")
        self.recorder = nest.Create("weight_recorder")
        nest.CopyModel(base, self.model, {"weight_recorder": self.recorder})
        fname = params.get("file_name") or f"{spec.name}.csv"
        path = Path(fname)
        self.path = path if path.is_absolute() else Path(cfg.output.output_dir) / path
        self.name = spec.name

    def write(self, ids: NestIdMap, relay_ids: NestIdMap) -> Path:
        """Write ``time source_population source_node_id target_population target_node_id weight``."""
        events = self.recorder.get("events")
        senders = np.asarray(events["senders"], dtype=np.int64)
        targets = np.asarray(events["targets"], dtype=np.int64)
        n = senders.size
        cols = {"source_population": np.full(n, "", object), "source_node_id": np.full(n, -1),
                "target_population": np.full(n, "", object), "target_node_id": np.full(n, -1)}
        for kind, gids in (("source", senders), ("target", targets)):
            for mapping in (ids, relay_ids):
                for pop, (rows, nodes) in mapping.to_sonata(gids).items():
                    cols[f"{kind}_population"][rows] = pop
                    cols[f"{kind}_node_id"][rows] = nodes
        table = pd.DataFrame({"time": np.asarray(events["times"], float), **cols,
                              "weight": np.asarray(events["weights"], float)})
        table.to_csv(self.path, sep=" ", index=False)
        return self.path
