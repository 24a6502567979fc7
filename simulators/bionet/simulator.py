"""`BioSimulator`: inputs, recorders and the run loop of a BioNetwork; `run_config` for the registry.

The run is ``h.finitialize(v_init)`` then ``pc.psolve`` in blocks of ``run.nsteps_block`` steps
(fixed step ``run.dt`` ms, ``h.celsius`` from ``conditions.celsius``); after each block the
recorders move their frames to the files. Spikes go to ``output.spikes_file`` (SONATA) and
``output.spikes_file_csv``; rank 0 writes everything.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from bmtk_like.errors import SimulationError
from simulators.bionet import parallel, replay, spontaneous, stimuli
from simulators.bionet.network import BioNetwork
from simulators.bionet.extracellular import ExtracellularReport
from simulators.bionet.recording import MembraneReport, SpikeRecorder, SynapseReport

log = logging.getLogger("bmtk_like.simulation")

MAX_RECORDED_VALUES = 25_000_000
"""Recorded doubles held in memory between two drains (200 MB); the run block shrinks to respect it."""
RUN_OVERRIDES = {"tstop", "dt", "v_init", "celsius", "nsteps_block", "dL", "spike_threshold"}
MEMBRANE_MODULES = {"membrane_report", "multimeter_report", "multimeter", "compartment_report"}
SYNAPSE_MODULES = {"netcon_report", "syn_report"}
IGNORED_REPORT_MODULES = {"spikes_report"}


class BioSimulator:
    """Runs a built BioNetwork for ``tstop`` ms at fixed step ``dt`` ms."""

    def __init__(self, network: BioNetwork, tstop: float, dt: float, v_init: float = -65.0,
                 celsius: float = 34.0, nsteps_block: int = 5000, cfg: Any = None):
        self.net, self.cfg = network, cfg
        self.tstop, self.dt, self.v_init, self.celsius = float(tstop), float(dt), float(v_init), float(celsius)
        self.nsteps_block = max(1, int(nsteps_block))
        self.reports: list = []
        self.skipped_reports: list[str] = []
        self._keep: list = []
        self.spike_recorder = None
        self.timings: dict[str, float] = {}

    @classmethod
    def from_config(cls, cfg, network: BioNetwork, **overrides) -> "BioSimulator":
        """Build the network (if not yet), attach the config's inputs and reports.

        ``overrides`` (tstop, dt ms; v_init mV; celsius degC; nsteps_block) replace the config's values.
        """
        unknown = sorted(set(overrides) - (RUN_OVERRIDES - {"dL", "spike_threshold"}))
        if unknown:
            raise SimulationError(f"unknown bionet run override(s) {unknown}; accepted: {sorted(RUN_OVERRIDES)}")
        if not network.built:
            network.build()
        run, cond = cfg.run, cfg.conditions
        settings = {"tstop": run.tstop, "dt": run.dt, "v_init": cond.get("v_init", -65.0),
                    "celsius": cond.get("celsius", 34.0), "nsteps_block": getattr(run, "nsteps_block", 5000) or 5000}
        settings.update(overrides)
        steps = float(settings["tstop"]) / float(settings["dt"])
        if abs(steps - round(steps)) > 1e-6 * max(1.0, steps):
            raise SimulationError(f"run.tstop {settings['tstop']} ms is not a whole number of run.dt {settings['dt']} "
                                  "ms steps; adjust one of them in the config's run section")
        sim = cls(network, cfg=cfg, **settings)
        t0 = time.perf_counter()
        sim._attach_inputs()
        sim.timings["inputs"] = time.perf_counter() - t0
        sim._attach_reports()
        return sim

    def _attach_inputs(self) -> None:
        from bmtk_like.reports import SpikeTrains
        from simulators.core import collect_inputs
        circuit = self.net.circuit
        # syn_activity and replay were applied when the network connected its synapses
        inputs = collect_inputs(circuit, self.cfg, supported={"seclamp", spontaneous.MODULE, replay.MODULE},
                                backend="NEURON (bionet)", simulator="NEURON")
        trains = SpikeTrains()
        for spike_input in inputs.spikes:
            trains = trains.merge(spike_input.spikes)
        for poisson in inputs.poisson:
            for pop in poisson.node_set:
                if not circuit.is_virtual(pop):
                    raise SimulationError(f"input {poisson.name!r}: Poisson spike trains drive virtual nodes, but "
                                          f"population {pop} is not virtual; point node_set at a virtual population")
            trains = trains.merge(poisson.spike_trains())
        self.n_input_spikes = self.net.play_virtual_spikes(trains)
        self._keep.append(stimuli.attach_current_clamps(self.net, inputs.current_clamps))
        self._keep.append(stimuli.attach_voltage_clamps(
            self.net, [s for s in inputs.other if str(s.module).lower() == "seclamp"]))

    def _attach_reports(self) -> None:
        from simulators.core import report_file
        self.spike_recorder = SpikeRecorder(self.net)
        for name, spec in (self.cfg.reports or {}).items():
            module = str(spec.module or "").lower()
            if module in MEMBRANE_MODULES or module in SYNAPSE_MODULES:
                kind = SynapseReport if module in SYNAPSE_MODULES else MembraneReport
                variables = spec.variable_name if isinstance(spec.variable_name, (list, tuple)) \
                    else [spec.variable_name or "v"]
                path = report_file(self.cfg, spec)
                for var in variables:
                    target = path if len(variables) == 1 else path.with_name(f"{path.stem}.{var}{path.suffix}")
                    self.reports.append(kind(self.net, spec, target, var, self.tstop, self.dt))
            elif module in ("extracellular", "ecp"):
                self.reports.append(ExtracellularReport(self.net, spec, report_file(self.cfg, spec),
                                                        self.tstop, self.dt))
            elif module not in IGNORED_REPORT_MODULES:
                self.skipped_reports.append(name)
                log.warning("report %r: module %r is not supported by bionet yet; it is skipped", name, spec.module)

    def run(self):
        """Simulate and write spikes and reports; returns the SimulationResult (spikes on rank 0)."""
        from neuron import h
        from simulators.core import SimulationResult
        from simulators.core.progress import progress_bar, progress_enabled
        pc = self.net.pc
        h.load_file("stdrun.hoc")
        h.celsius = self.celsius
        h.dt = self.dt
        h.steps_per_ms = 1.0 / self.dt
        h.tstop = self.tstop
        pc.set_maxstep(10)
        for report in self.reports:
            if hasattr(report, "open"):
                report.open()
        t0 = time.perf_counter()
        h.finitialize(self.v_init)
        nsteps = int(round(self.tstop / self.dt))
        recorded = sum(report.n_values for report in self.reports)
        block = max(1, min(self.nsteps_block, MAX_RECORDED_VALUES // recorded)) if recorded else self.nsteps_block
        bar = progress_bar(nsteps * self.dt, "NEURON", enabled=progress_enabled() and self.net.rank == 0)
        if bar is not None:
            block = max(1, min(block, nsteps // 100))
        done = 0
        while done < nsteps:
            step_to = min(nsteps, done + block)
            pc.psolve(step_to * self.dt)
            for report in self.reports:
                report.drain()
            if bar is not None:
                bar.update((step_to - done) * self.dt)
            done = step_to
        if bar is not None:
            bar.close()
        self.timings["simulate"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for report in self.reports:
            report.close()
        spikes = self.spike_recorder.collect()
        files = self._write_spikes(spikes)
        for report in self.reports:
            files[report.path.stem] = report.path
        self.timings["write"] = time.perf_counter() - t0
        parallel.barrier()
        out = getattr(getattr(self.cfg, "output", None), "output_dir", None)
        return SimulationResult("NEURON", out, spikes, None, files, {**self.net.timings, **self.timings},
                                extra={"network": self.net, "skipped_reports": self.skipped_reports})

    def _write_spikes(self, spikes) -> dict:
        files = {}
        if spikes is None or self.cfg is None:
            return files
        output = self.cfg.output
        order = getattr(output, "spikes_sort_order", None) or "by_time"
        if getattr(output, "spikes_file", None):
            spikes.to_sonata(output.spikes_file, sort_order=order)
            files["spikes_h5"] = output.spikes_file
        if getattr(output, "spikes_file_csv", None):
            spikes.to_csv(output.spikes_file_csv, sort_order=order)
            files["spikes_csv"] = output.spikes_file_csv
        return files


def run_config(cfg, **overrides) -> Any:
    """Run a SimulationConfig on NEURON: the entry point ``simulators.run`` uses for ``NEURON``/``bionet``.

    ``overrides``: any of tstop, dt (ms), v_init (mV), celsius, nsteps_block, dL (µm), spike_threshold (mV).
    """
    from simulators.core import close_logging, load_config
    from simulators.core.output import log_failure
    cfg = load_config(cfg)
    unknown = sorted(set(overrides) - RUN_OVERRIDES)
    if unknown:
        raise SimulationError(f"unknown bionet run override(s) {unknown}; accepted: {sorted(RUN_OVERRIDES)}")
    t0 = time.perf_counter()
    try:
        net = BioNetwork.from_config(cfg, overrides.pop("dL", None), overrides.pop("spike_threshold", None))
        load = time.perf_counter() - t0
        net.build()
        log.info("built %d cells, %d synapses, %d netcons on rank %d (%.2f s)", len(net.cells),
                 net.n_synapses, net.n_netcons, net.rank, net.timings["create"] + net.timings["connect"])
        sim = BioSimulator.from_config(cfg, net, **overrides)
        result = sim.run()
        result.timings["load"] = load
        log.info("simulation finished: %s", {k: round(v, 3) for k, v in result.timings.items()})
        return result
    except BaseException as exc:
        log_failure(exc)
        raise
    finally:
        close_logging()
