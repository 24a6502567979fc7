"""`SSNSimulator`: steps SSN rate units and writes bmtk's rates files.

Time: ``run.dt``, ``run.tstart`` (default 0) and ``run.tstop`` in one unit (the unit of the
units' ``decay_const``); the run has int((tstop − tstart)/dt) steps, step 0 holding the
initial states, and bmtk's timestamps linspace(0, tstop, steps, endpoint=False).
Activation ``run.activation_function``: ``relu`` (bmtk's default, also "default"/"relu2").

Outputs (under ``output.output_dir``), as bmtk writes them: ``rates_file`` and
``rates_file_csv`` — space-separated ``population node_id timestamps firing_rates``, one row
per unit and step; ``rates_file_h5`` — ``/rates/<population>/data`` (steps × units) with
``mapping/time`` and ``mapping/node_ids``. ``output.cells`` (a node set) limits them;
by default every recurrent unit. Also ``population_rates.h5``/``.csv``: each node
population's mean rate over its recurrent units (bmtk_like's rates format).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Optional

import h5py
import numpy as np
import pandas as pd

from bmtk_like.errors import ConfigError, SimulationError
from simulators.core.output import RATES_OUTPUTS, close_logging, log_failure, prepare_output_dir, setup_logging
from simulators.core.results import SimulationResult
from simulators.ssn import inputs as ssn_inputs
from simulators.ssn.network import SSNNetwork

ACTIVATIONS = {"relu": lambda x: np.maximum(x, 0.0)}
ACTIVATION_ALIASES = {"default": "relu", "relu2": "relu", "relu": "relu"}


class SSNSimulator:
    """SSN units of ``network`` over int((tstop − tstart)/dt) steps (times in the config's unit)."""

    def __init__(self, network: SSNNetwork, dt: float, tstop: float, tstart: float = 0.0,
                 activation: str = "relu", initial: Optional[np.ndarray] = None,
                 external: Optional[np.ndarray] = None) -> None:
        if not dt > 0 or not tstop > tstart:
            raise SimulationError(f"SSN run needs dt > 0 and tstop > tstart; got dt={dt}, tstart={tstart}, "
                                  f"tstop={tstop}")
        key = ACTIVATION_ALIASES.get(str(activation).lower())
        if key is None:
            raise ConfigError(f"run.activation_function '{activation}' is not known; SSN has "
                              f"{sorted(ACTIVATION_ALIASES)} (bmtk's other functions are registered in Python)")
        self.network, self.dt, self.tstart, self.tstop = network, float(dt), float(tstart), float(tstop)
        self.activation = ACTIVATIONS[key]
        self.nsteps = int((self.tstop - self.tstart) / self.dt)
        self.initial = np.zeros(network.n_recurrent) if initial is None else np.asarray(initial, float)
        n_ext = network.n_units - network.n_recurrent
        self.external = np.zeros((self.nsteps, n_ext)) if external is None else np.asarray(external, float)
        self.results: Optional[np.ndarray] = None

    @classmethod
    def from_config(cls, cfg: Any, network: SSNNetwork, **overrides: Any) -> "SSNSimulator":
        run = cfg.run
        extra = getattr(run, "extra", {}) or {}
        dt = float(overrides.get("dt", run.dt))
        tstop = float(overrides.get("tstop", run.tstop))
        tstart = float(extra.get("tstart", getattr(run, "tstart", 0.0)) or 0.0)
        sim = cls(network, dt, tstop, tstart, extra.get("activation_function") or "relu")
        specs = list((getattr(cfg, "inputs", None) or {}).values())
        kinds = {"init_states", "external_rates"}
        other = [s.name for s in specs if s.input_type not in kinds]
        if other:
            raise ConfigError(f"inputs {other}: the SSN simulator takes input_type init_states or external_rates")
        seed = getattr(run, "seed", None)
        sim.initial = ssn_inputs.initial_states(network, [s for s in specs if s.input_type == "init_states"], seed)
        sim.external = ssn_inputs.external_rates(network, [s for s in specs if s.input_type == "external_rates"],
                                                 sim.nsteps)
        return sim

    def run(self) -> np.ndarray:
        """Rates (steps × units): recurrent units stepped, external ones as given."""
        net, f = self.network, self.activation
        n_rec = net.n_recurrent
        res = np.zeros((self.nsteps, net.n_units))
        res[:, n_rec:] = self.external
        res[0, :n_rec] = self.initial
        gain = self.dt / net.decay_constants
        for t in range(self.nsteps - 1):
            drive = f(net.weights @ res[t] * net.scales) ** net.exponents
            r = res[t, :n_rec]
            res[t + 1, :n_rec] = f(r + (drive - r) * gain)
        self.results = res
        return res

    @property
    def timestamps(self) -> np.ndarray:
        """bmtk's timestamps of the steps: linspace(0, tstop, steps, endpoint=False)."""
        return np.linspace(0.0, self.tstop, num=self.nsteps, endpoint=False)

    def population_rates(self) -> dict:
        """{node population: (times, mean rate over its recurrent units)}."""
        net = self.network
        pops = net.populations[:net.n_recurrent]
        return {str(p): (self.timestamps, self.results[:, :net.n_recurrent][:, pops == p].mean(axis=1))
                for p in dict.fromkeys(pops)}

    def write_csv(self, path: Path, units: np.ndarray) -> Path:
        net, times = self.network, self.timestamps
        frames = [pd.DataFrame({"population": net.populations[u], "node_id": net.node_ids[u],
                                "timestamps": times, "firing_rates": self.results[:, u]}) for u in units]
        pd.concat(frames, ignore_index=True).to_csv(path, sep=" ", index=False)
        return path

    def write_h5(self, path: Path, units: np.ndarray) -> Path:
        net = self.network
        with h5py.File(path, "w") as h5:
            for pop in dict.fromkeys(net.populations[units]):
                sel = units[net.populations[units] == pop]
                grp = h5.create_group(f"rates/{pop}")
                grp.create_dataset("mapping/time", data=self.timestamps)
                grp.create_dataset("mapping/node_ids", data=net.node_ids[sel].astype(np.int64))
                grp.create_dataset("data", data=self.results[:, sel])
        return path


def run_config(cfg: Any, **overrides: Any) -> SimulationResult:
    """Load, run and write one SSN simulation (what ``simulators.run`` calls).
    Overrides: ``dt``/``tstop`` (the config's time unit)."""
    from bmtk_like.reports.rates import write_rates
    from simulators.core.run import load_config

    cfg = load_config(cfg)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    network = SSNNetwork.from_config(cfg)
    sim = SSNSimulator.from_config(cfg, network, **overrides)
    timings["load"] = time.perf_counter() - t0
    out_dir = prepare_output_dir(cfg)
    logger = setup_logging(cfg)
    try:
        logger.info("SSN: %d recurrent units, %d external, %d weights, %d steps of dt=%g",
                    network.n_recurrent, network.n_units - network.n_recurrent, network.weights.nnz,
                    sim.nsteps, sim.dt)
        t1 = time.perf_counter()
        sim.run()
        timings["simulate"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        output = cfg.output
        extra = getattr(output, "extra", {}) or {}
        cells = extra.get("cells")
        units = network.units_of(cells, "output.cells") if cells is not None else np.arange(network.n_recurrent)
        files = {}
        for key, writer in (("rates_file", sim.write_csv), ("rates_file_csv", sim.write_csv),
                            ("rates_file_h5", sim.write_h5)):
            name = getattr(output, key, None) if key == "rates_file" else extra.get(key)
            if name:
                path = Path(name) if Path(name).is_absolute() else Path(out_dir) / name
                files[key] = writer(path, units)
        rates = sim.population_rates()
        files["rates_h5"] = write_rates(Path(out_dir) / RATES_OUTPUTS[0], rates)
        files["rates_csv"] = write_rates(Path(out_dir) / RATES_OUTPUTS[1], rates)
        timings["write"] = time.perf_counter() - t2
    except BaseException as exc:
        log_failure(exc)
        raise
    finally:
        close_logging()
    log = getattr(cfg.output, "log_file", None)
    if log:
        files["log"] = Path(log)
    return SimulationResult("SSN", out_dir, None, rates, files, timings, {"network": network, "simulator": sim})
