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
from simulators.bionet import coreneuron, parallel, replay, spontaneous, stimuli
from simulators.bionet.network import BioNetwork
from simulators.bionet.extracellular import ExtracellularReport
from simulators.bionet.recording import MembraneReport, SpikeRecorder, SynapseReport

log = logging.getLogger("bmtk_like.simulation")

MAX_RECORDED_VALUES = 25_000_000
"""Recorded doubles held in memory between two drains (200 MB); the run block shrinks to respect it."""
BACKEND = "NEURON (bionet)"
RUN_OVERRIDES = frozenset({"tstop", "dt", "v_init", "celsius", "nsteps_block", "dL", "spike_threshold", "coreneuron"})
NETWORK_OVERRIDES = frozenset({"dL", "spike_threshold", "coreneuron"})     # taken when the network is loaded
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
        from simulators.core.sequence import begin_run, check_overrides, check_whole_steps, failures_logged
        overrides = check_overrides(BACKEND, overrides, RUN_OVERRIDES - NETWORK_OVERRIDES)
        run, cond = cfg.run, cfg.conditions
        settings = {"tstop": run.tstop, "dt": run.dt, "v_init": cond.get("v_init", -65.0),
                    "celsius": cond.get("celsius", 34.0), "nsteps_block": getattr(run, "nsteps_block", 5000) or 5000}
        settings.update(overrides)
        check_whole_steps(settings["tstop"], settings["dt"])
        sim = cls(network, cfg=cfg, **settings)
        if getattr(cfg, "output", None) is not None:
            begin_run(cfg, is_root=parallel.is_root(), barrier=parallel.barrier)
        with failures_logged():
            if not network.built:
                network.build()
                log.info("built %d cells, %d synapses, %d netcons on rank %d (%.2f s)", len(network.cells),
                         network.n_synapses, network.n_netcons, network.rank,
                         network.timings["create"] + network.timings["connect"])
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
        from simulators.core.sequence import end_run, failures_logged
        with failures_logged():
            return end_run(self.cfg, self._simulate())

    def _simulate(self):
        from neuron import h
        from simulators.core import SimulationResult
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
        if self.net.use_coreneuron:
            coreneuron.prepare_run(self.net)
        try:
            h.finitialize(self.v_init)
            self._psolve_blocks(pc)
        finally:
            if self.net.use_coreneuron:
                coreneuron.finish_run()
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

    def _psolve_blocks(self, pc) -> None:
        """``pc.psolve`` to tstop in blocks, draining the recorders after each.

        NEURON: blocks of ``run.nsteps_block`` steps (100 blocks when a progress bar shows).
        CoreNEURON copies the whole model over at every psolve, so it runs in one block, without our
        progress bar, unless the recorded values would exceed MAX_RECORDED_VALUES.
        """
        from bmtk_like.progress import progress_bar, progress_enabled
        nsteps = int(round(self.tstop / self.dt))
        recorded = sum(report.n_values for report in self.reports)
        core = self.net.use_coreneuron
        block = nsteps if core else self.nsteps_block
        if recorded:
            block = max(1, min(block, MAX_RECORDED_VALUES // recorded))
        bar = progress_bar(nsteps * self.dt, "NEURON", enabled=progress_enabled() and self.net.rank == 0
                           and not core)
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

    ``overrides``: any of tstop, dt (ms), v_init (mV), celsius, nsteps_block, dL (µm), spike_threshold (mV),
    coreneuron (bool: simulate on CoreNEURON, as ``run.coreneuron``).
    """
    from simulators.core.sequence import run_sequence
    return run_sequence(BACKEND, cfg, overrides, RUN_OVERRIDES, load=_load_network,
                        make_simulator=lambda c, net, o: BioSimulator.from_config(c, net, **o))


def _load_network(cfg, overrides: dict) -> BioNetwork:
    """The network of ``cfg``; takes the network's overrides (dL, spike_threshold, coreneuron) out of ``overrides``."""
    use_coreneuron = coreneuron.requested(cfg, overrides)
    overrides.pop("coreneuron", None)
    net = BioNetwork.from_config(cfg, overrides.pop("dL", None), overrides.pop("spike_threshold", None))
    net.use_coreneuron = use_coreneuron
    return net
