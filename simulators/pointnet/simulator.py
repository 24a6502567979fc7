"""`PointSimulator`: builds a PointNetwork in NEST, runs it, writes the outputs.

Run settings: ``run.tstop`` and ``run.dt`` (ms, NEST ``resolution``), threads from
``run.nthreads`` (or BMTK's ``run.n_thread``), ``run.seed`` -> NEST ``rng_seed``.
The run is stepped in blocks (``run.block_size`` ms when ``run.block_run``, else
``run.nsteps_block`` steps when something must be flushed or a progress bar is shown
on a terminal); multimeter data is written after each block.
"""
from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from bmtk_like.errors import ConfigError
from bmtk_like.progress import progress_bar, progress_enabled
from simulators.core import SimulationResult, collect_inputs, load_config
from simulators.core.sequence import (begin_run, check_overrides, check_whole_steps, end_run, failures_logged,
                                      run_sequence)
from simulators.pointnet import cells as cells_mod
from simulators.pointnet.ids import NestIdMap
from simulators.pointnet.kernel import reset_kernel
from simulators.pointnet.network import PointNetwork
from simulators.pointnet.recording import (MULTIMETER_MODULES, MultimeterReport, SpikeRecording,
                                           WeightRecording)
from simulators.pointnet.stimuli import add_current_clamps, gather_trains
from simulators.pointnet.synapses import SynapseModels, connect_edges, needs_parrots

log = logging.getLogger("bmtk_like.simulation")
BACKEND = "NEST (pointnet)"
RUN_OVERRIDES = frozenset({"tstop", "dt", "nthreads", "seed", "quiet", "progress"})


def _settings(cfg: Any, overrides: dict) -> dict:
    overrides = check_overrides(BACKEND, overrides, RUN_OVERRIDES)
    run = cfg.run
    extra = getattr(run, "extra", {}) or {}
    nthreads = run.nthreads if "nthreads" in extra else extra.get("n_thread", run.nthreads)
    quiet_raw = (getattr(cfg.output, "extra", {}) or {}).get("quiet_simulator")
    settings = {"tstop": float(run.tstop), "dt": float(run.dt), "nthreads": int(nthreads),
                "seed": run.seed, "quiet": quiet_raw is not False, "progress": None}
    settings.update(overrides)
    check_whole_steps(settings["tstop"], settings["dt"])
    return settings


class PointSimulator:
    """A NEST simulation of one PointNetwork: ``from_config(cfg, net)`` builds, ``run()`` runs."""

    def __init__(self, cfg: Any, net: PointNetwork, settings: dict):
        self.cfg = cfg
        self.net = net
        self.settings = settings
        self.dt = settings["dt"]
        self.tstop = settings["tstop"]
        self.ids = NestIdMap()
        self.relay_ids = NestIdMap()
        self.timings: dict[str, float] = {"load": net.load_time}
        self.multimeters: list[MultimeterReport] = []
        self.weight_recorders: list[WeightRecording] = []
        self.spike_recording: SpikeRecording | None = None
        self.n_connections = 0
        self.nest: Any = None

    @classmethod
    def from_config(cls, cfg: Any, net: PointNetwork | None = None, **overrides: Any) -> "PointSimulator":
        """Prepare the output folder and log, reset NEST and build ``net`` in it."""
        cfg = load_config(cfg)
        net = net if net is not None else PointNetwork.from_config(cfg)
        sim = cls(cfg, net, _settings(cfg, overrides))
        with failures_logged():     # a failed build is written to the log, which is then closed
            sim._build()
        return sim

    # ---- build -----------------------------------------------------------------------------
    def _build(self) -> None:
        cfg, circuit, dt = self.cfg, self.net.circuit, self.dt
        extra = [p for r in (cfg.reports or {}).values()
                 if r.module.lower() in MULTIMETER_MODULES and not isinstance(r.variable_name, str)
                 for p in _variable_files(cfg, r)]
        begin_run(cfg, extra)
        log.info("NEST run: tstop=%g ms, dt=%g ms, threads=%d, seed=%s", self.tstop, dt,
                 self.settings["nthreads"], self.settings["seed"])
        start = time.perf_counter()
        inputs = collect_inputs(circuit, cfg, backend="NEST (pointnet)", simulator="NEST")
        t_inputs = time.perf_counter() - start

        start = time.perf_counter()
        nest = self.nest = reset_kernel(dt, self.settings["nthreads"], self.settings["seed"],
                                        self.settings["quiet"])
        cells_mod.create_cells(nest, circuit, self.ids)
        generators = cells_mod.create_virtual(nest, circuit, self.ids)
        for spec in (cfg.reports or {}).values():
            if spec.module.lower() == "weight_recorder":
                self.weight_recorders.append(WeightRecording(nest, cfg, spec))
        models = SynapseModels(nest, circuit)
        relays = self._relay_virtual(nest, circuit, generators, needs_parrots(circuit, models))
        self.timings["create"] = time.perf_counter() - start

        start = time.perf_counter()
        for pop, (node_ids, times) in gather_trains(circuit, inputs).items():
            shift = dt if pop in relays else 0.0     # the parrot hop adds one step
            dropped = cells_mod.set_spike_trains(nest, generators[pop], node_ids, times - shift,
                                                 circuit.nodes[pop].size)
            if dropped:
                log.warning("%d input spikes of population %s at t <= %g ms cannot be played by "
                            "NEST and were dropped", dropped, pop, shift)
        add_current_clamps(nest, inputs, self.ids, dt)
        self.timings["inputs"] = t_inputs + time.perf_counter() - start

        start = time.perf_counter()
        self.n_connections = connect_edges(nest, circuit, self.ids, dt, self.net.weight_functions,
                                           models, source_ids=relays)
        self.timings["connect"] = time.perf_counter() - start

        self._add_recorders(nest, circuit)
        log.info("built network: %d nodes, %d connections (%.2f s)",
                 sum(p.size for p in circuit.nodes.values()), self.n_connections,
                 sum(self.timings.values()))

    def _relay_virtual(self, nest: Any, circuit: Any, generators: dict, pops: set) -> dict:
        """Parrot neurons for virtual populations whose edges need a non-device source."""
        relays = {}
        for pop in sorted(pops):
            size = circuit.nodes[pop].size
            parrots = nest.Create("parrot_neuron", size)
            nest.Connect(generators[pop], parrots, "one_to_one", syn_spec={"delay": self.dt})
            relays[pop] = np.asarray(parrots.tolist(), dtype=np.int64)
            self.relay_ids.add(pop, np.arange(size), relays[pop], size)
            log.info("virtual population %s relayed through %d parrot neurons", pop, size)
        return relays

    def _add_recorders(self, nest: Any, circuit: Any) -> None:
        spike_cells = None
        for spec in (self.cfg.reports or {}).values():
            module = spec.module.lower()
            if module == "spikes_report" and spec.cells is not None:
                spike_cells = {p: i for p, i in circuit.node_set(spec.cells).items()
                               if not circuit.is_virtual(p)}
            elif module in MULTIMETER_MODULES:
                self.multimeters.append(MultimeterReport(nest, self.cfg, circuit, self.ids, spec,
                                                         self.dt, self.tstop))
            elif module not in ("weight_recorder", "spikes_report"):
                raise ConfigError(f"report '{spec.name}': module '{spec.module}' is not supported "
                                  "by NEST; use multimeter_report, spikes_report or weight_recorder")
        self.spike_recording = SpikeRecording(nest, circuit, self.ids, spike_cells)

    # ---- run -------------------------------------------------------------------------------
    def _block_steps(self, n_steps: int, progress: bool) -> int:
        run = self.cfg.run
        if getattr(run, "block_run", False) and getattr(run, "block_size", None):
            return max(1, int(round(run.block_size / self.dt)))
        if self.multimeters or progress:
            return max(1, int(getattr(run, "nsteps_block", 5000)), n_steps // 100 if progress else 1)
        return n_steps

    def run(self) -> SimulationResult:
        """Simulate ``tstop`` ms, write spikes/reports, return a SimulationResult."""
        with failures_logged():
            return end_run(self.cfg, self._simulate())

    def _simulate(self) -> SimulationResult:
        nest = self.nest
        n_steps = int(round(self.tstop / self.dt))
        progress = progress_enabled(self.settings["progress"])
        block = self._block_steps(n_steps, progress)
        for mm in self.multimeters:
            mm.open()
        bar = _progress_bar(n_steps * self.dt, progress)
        start = time.perf_counter()
        done = 0
        while done < n_steps:        # Simulate per block: recorder buffers may be emptied between
            steps = min(block, n_steps - done)
            nest.Simulate(round(steps * self.dt, 10))
            done += steps
            for mm in self.multimeters:
                mm.flush()
            if bar is not None:
                bar.update(steps * self.dt)
        if self.multimeters:
            # NEST hands multimeter samples over one min_delay late: run that much longer,
            # keep samples and spikes up to tstop only.
            nest.Simulate(float(nest.GetKernelStatus("min_delay")))
            for mm in self.multimeters:
                mm.flush()
        if bar is not None:
            bar.close()
        self.timings["simulate"] = time.perf_counter() - start
        log.info("simulated %g ms in %.2f s", self.tstop, self.timings["simulate"])
        return self._write_outputs()

    def _write_outputs(self) -> SimulationResult:
        start = time.perf_counter()
        out = self.cfg.output
        files = {}
        for mm in self.multimeters:
            mm.close()
            for var, path in zip(mm.variables, mm.paths):
                files[mm.name if len(mm.variables) == 1 else f"{mm.name}.{var}"] = path
        for wr in self.weight_recorders:
            files[wr.name] = wr.write(self.ids, self.relay_ids)
        spikes = self.spike_recording.spikes(self.tstop)
        if out.spikes_file:
            files["spikes_h5"] = spikes.to_sonata(out.spikes_file, sort_order=out.spikes_sort_order)
        if out.spikes_file_csv:
            files["spikes_csv"] = spikes.to_csv(out.spikes_file_csv, sort_order=out.spikes_sort_order)
        self.timings["write"] = time.perf_counter() - start
        log.info("wrote %d spikes", spikes.n_spikes())
        if out.log_file:
            files["log"] = out.log_file
        return SimulationResult(backend="NEST", output_dir=out.output_dir, spikes=spikes,
                                files=files, timings=dict(self.timings),
                                extra={"n_connections": self.n_connections, "simulator": self})


def _variable_files(cfg: Any, spec: Any) -> list:
    from simulators.core import report_file

    base = report_file(cfg, spec)
    return [base.with_name(f"{base.stem}.{v}{base.suffix}") for v in spec.variable_name]


def _progress_bar(total_ms: float, enabled: bool) -> Any:
    return progress_bar(total_ms, "NEST", enabled=enabled)


def run_config(cfg: Any, **overrides: Any) -> SimulationResult:
    """Run a config on NEST (what ``simulators.run`` calls); overrides: tstop, dt, nthreads,
    seed, quiet, progress."""
    return run_sequence(BACKEND, cfg, overrides, RUN_OVERRIDES,
                        load=lambda c, o: PointNetwork.from_config(c),
                        make_simulator=lambda c, net, o: PointSimulator.from_config(c, net, **o))
