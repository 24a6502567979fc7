"""`PopSimulator`: runs a PopNetwork with the density solver and writes its outputs.

Outputs (under ``output.output_dir``; existing files are replaced only when
``output.overwrite_output_dir`` is true, see ``simulators.core.output``):

* ``population_rates.h5`` and ``population_rates.csv`` — rates per population
  (times ms, Hz), bmtk_like's rates formats;
* ``output.rates_file`` (if set) — BMTK PopNet's ``pop_id time rate`` text, time in
  seconds as BMTK writes it, whatever the extension;
* ``population_rates.png`` — the rate plot.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Optional

from bmtk_like.errors import SimulationError
from simulators.core.output import RATES_OUTPUTS
from simulators.core.results import SimulationResult
from simulators.core.sequence import (begin_run, check_overrides, check_whole_steps, end_run, failures_logged,
                                      run_sequence)
from simulators.popnet.network import PopNetwork, popnet_settings
from simulators.popnet.solver import DensitySolver, RateResult

RATES_H5, RATES_CSV, RATES_PNG = RATES_OUTPUTS
BACKEND = "popnet"
#: Overrides of run_config: dt/tstop (ms), the solver's jump_tol/max_substep/refine/accelerate, the
#: grouping column, plot (bool).
RUN_OVERRIDES = frozenset({"dt", "tstop", "jump_tol", "max_substep", "refine", "accelerate", "group_by", "plot"})


class PopSimulator:
    """The density solver set up for one config: ``dt`` and ``tstop`` in ms."""

    def __init__(self, network: PopNetwork, dt: float, tstop: float, cfg: Any = None,
                 jump_tol: float = 1e-7, **solver_options: Any) -> None:
        if not tstop > 0:
            raise SimulationError(f"run.tstop must be > 0 ms, got {tstop}")
        self.network, self.cfg, self.tstop = network, cfg, float(tstop)
        self.solver = DensitySolver(network.populations, network.connections, network.externals,
                                    dt=dt, jump_tol=jump_tol, **solver_options)
        self.result: Optional[RateResult] = None
        self.plot = True
        self.timings: dict[str, float] = {}

    @classmethod
    def from_config(cls, cfg: Any, network: PopNetwork, **overrides: Any) -> "PopSimulator":
        """Set up the solver, then prepare the output folder and log (``begin_run``).

        dt from ``run.dt`` (seconds in DiPDE-unit configs), tstop from ``run.tstop`` (ms); overrides
        as :data:`RUN_OVERRIDES` (``group_by`` is the network's, accepted here for run_config's sake).
        """
        overrides = check_overrides(BACKEND, overrides, RUN_OVERRIDES)
        start = time.perf_counter()
        settings = popnet_settings(cfg)
        dt = float(overrides.get("dt", network.run_dt_ms(cfg)))
        tstop = float(overrides.get("tstop", cfg.run.tstop))
        tol = float(overrides.get("jump_tol", settings.get("jump_tol", 1e-7)))
        check_whole_steps(tstop, dt)
        options = {key: overrides.get(key, settings[key] if key in settings else None)
                   for key in ("max_substep", "refine", "accelerate")}
        options = {key: value for key, value in options.items() if value is not None}
        sim = cls(network, dt, tstop, cfg, tol, **options)
        sim.plot = bool(overrides.get("plot", True))
        sim.timings["create"] = time.perf_counter() - start
        begin_run(cfg)      # the solver is set up: a config that cannot run leaves old outputs alone
        return sim

    def solve(self) -> RateResult:
        """Step from t = 0 to tstop; rates in Hz per population per step (writes nothing)."""
        from bmtk_like.progress import progress_bar

        self.solver.reset_state()
        bar = progress_bar(self.tstop, "popnet")
        try:
            self.result = self.solver.run(self.tstop, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        return self.result

    def run(self) -> SimulationResult:
        """Solve, write the rates files (see the module docstring) and return a SimulationResult."""
        with failures_logged():
            return end_run(self.cfg, self._solve_and_write())

    def _solve_and_write(self) -> SimulationResult:
        import logging

        from simulators.core.output import LOGGER_NAME
        logger = logging.getLogger(LOGGER_NAME)
        net, cfg = self.network, self.cfg
        for note in getattr(net, "notes", ()):
            logger.warning("popnet: %s", note)
        logger.info("popnet: %d populations (%d voltage bins in all), %d external, %d connections, dt=%g ms",
                    len(net.populations), self.solver.n_cells, len(net.externals), len(net.connections),
                    self.solver.dt)
        start = time.perf_counter()
        self.solve()
        self.timings["simulate"] = time.perf_counter() - start
        start = time.perf_counter()
        out_dir = Path(cfg.output.output_dir)
        rates_file = getattr(cfg.output, "rates_file", None)
        files = self.write_outputs(out_dir, Path(rates_file) if rates_file else None, plot=self.plot)
        self.timings["write"] = time.perf_counter() - start
        for name, (_, r) in self.rates().items():
            logger.info("popnet: population %s final rate %.4g Hz", name, r[-1] if r.size else float("nan"))
        return SimulationResult(BACKEND, out_dir, None, self.rates(), files, dict(self.timings),
                                {"network": net, "simulator": self})

    def steady_state(self, t: float = 0.0):
        """Stationary rates with the external rates at ``t`` ms (see steady_state.py)."""
        from simulators.popnet.steady_state import steady_state

        return steady_state(self.solver, t=t)

    def rates(self) -> dict:
        """{population: (times ms, rates Hz)} of the last run."""
        if self.result is None:
            raise SimulationError("PopSimulator.rates(): call run() first")
        r = self.result
        return {name: (r.times, r.rates[:, i]) for i, name in enumerate(r.names)}

    def write_outputs(self, out_dir: Path, rates_file: Optional[Path] = None, plot: bool = True) -> dict:
        """Write the rates files and plot; return name -> Path."""
        from bmtk_like.reports.rates import write_rates

        rates = self.rates()
        files = {"rates_h5": write_rates(out_dir / RATES_H5, rates),
                 "rates_csv": write_rates(out_dir / RATES_CSV, rates)}
        if rates_file is not None:
            files["rates_file"] = write_rates(rates_file, rates, format="popnet")
        if plot:
            from bmtk_like.analysis.plotting import plot_rates

            files["rates_png"] = plot_rates(rates, out_dir / RATES_PNG, title="popnet rates")
        return files


def run_config(cfg: Any, **overrides: Any) -> SimulationResult:
    """Load, run and write one popnet simulation (what ``simulators.run`` calls).

    Overrides (also keys of the config's ``popnet`` section): ``dt``/``tstop`` (ms), ``jump_tol``,
    ``max_substep`` (ms), ``refine`` and ``accelerate`` (see ``solver.DensitySolver``),
    ``group_by``, ``plot`` (bool)."""
    return run_sequence(BACKEND, cfg, overrides, RUN_OVERRIDES,
                        load=lambda c, o: PopNetwork.from_config(c, group_by=o.get("group_by")),
                        make_simulator=lambda c, net, o: PopSimulator.from_config(c, net, **o))
