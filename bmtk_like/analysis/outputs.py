"""Read a run's output folder back: its config, level, window, spikes, rates and reports.

A folder written by ``bmtk-like run`` / ``simulators.run`` holds ``run_info.json`` (see
``simulators.core.summary``), which names the config, the backend, the files and the window
[tstart, tstop) in ms. A folder written by BMTK itself has none: give the config
(``config=``, ``--config``) and the window then, and the files are found by their usual names
(``spikes.h5``, ``spikes.csv``, ``population_rates.csv``, ``spike_rates.txt``...).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Tuple

from bmtk_like.errors import SonataError

RUN_INFO = "run_info.json"
SPIKE_NAMES = ("spikes.h5", "spikes.csv")
RATE_NAMES = ("population_rates.h5", "population_rates.csv", "spike_rates.txt", "rates.csv")


@dataclass
class RunOutput:
    """One output folder: ``folder``, ``config`` (path or None), ``backend`` ("NEST", "NEURON",
    "popnet" or ""), ``window`` (tstart, tstop) ms or None, ``spikes_file`` / ``rates_file`` /
    ``report_files`` (paths, None/empty when absent)."""

    folder: Path
    config: Optional[Path] = None
    backend: str = ""
    window: Optional[Tuple[float, float]] = None
    spikes_file: Optional[Path] = None
    rates_file: Optional[Path] = None
    report_files: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The backend name, else the folder name."""
        return self.backend or self.folder.name

    def spikes(self) -> Any:
        """The folder's spikes as ``SpikeTrains`` (SonataError when it has none)."""
        from bmtk_like.reports import SpikeTrains
        if self.spikes_file is None:
            raise SonataError(f"output folder {self.folder} has no spikes file ({', '.join(SPIKE_NAMES)})")
        return SpikeTrains.load(self.spikes_file)

    def rates(self) -> dict:
        """{population: (times ms, rates Hz)} of a density-level folder."""
        from bmtk_like.reports import read_rates
        if self.rates_file is None:
            raise SonataError(f"output folder {self.folder} has no rates file ({', '.join(RATE_NAMES)})")
        return read_rates(self.rates_file)


def read_output(folder: "str | os.PathLike[str]", config: "str | os.PathLike[str] | None" = None) -> RunOutput:
    """The :class:`RunOutput` of ``folder``; ``config`` overrides (or supplies) the config path."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SonataError(f"output folder {folder} does not exist; give the output_dir of a run "
                          "(e.g. output/ or output_popnet/)")
    out = RunOutput(folder)
    info_path = folder / RUN_INFO
    files: dict = {}
    if info_path.is_file():
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SonataError(f"{info_path} is not valid JSON ({exc}); rerun the simulation or pass --config") from exc
        out.config = Path(info["config"]) if info.get("config") else None
        out.backend = str(info.get("backend", ""))
        if "tstop_ms" in info:
            out.window = (float(info.get("tstart_ms", 0.0)), float(info["tstop_ms"]))
        files = {k: folder / v for k, v in (info.get("files") or {}).items()}
    if config is not None:
        out.config = Path(config)
    spikes = [files.get("spikes_h5"), files.get("spikes_csv"), *(folder / n for n in SPIKE_NAMES)]
    out.spikes_file = next((p for p in spikes if p is not None and p.is_file()), None)
    rates = [files.get("rates_h5"), files.get("rates_csv"), files.get("rates_file"), *(folder / n for n in RATE_NAMES)]
    out.rates_file = next((p for p in rates if p is not None and p.is_file()), None)
    skip = {"spikes_h5", "spikes_csv", "rates_h5", "rates_csv", "rates_file", "rates_png", "log", "run_info"}
    out.report_files = {k: p for k, p in files.items() if k not in skip and p.suffix == ".h5" and p.is_file()}
    if out.spikes_file is None and out.rates_file is None:
        raise SonataError(f"output folder {folder} has neither spikes ({', '.join(SPIKE_NAMES)}) nor population "
                          f"rates ({', '.join(RATE_NAMES)}); did the run finish?")
    return out


def require_config(out: RunOutput) -> Path:
    """The config path of a folder, or a SonataError saying to pass ``--config``."""
    if out.config is None:
        raise SonataError(f"output folder {out.folder} has no {RUN_INFO} naming its config (not written by "
                          "bmtk-like run?); pass the simulation config with --config CONFIG / config=")
    if not out.config.is_file():
        raise SonataError(f"config {out.config} named by {out.folder / RUN_INFO} no longer exists; "
                          "pass the simulation config with --config CONFIG / config=")
    return out.config


def run_window(out: RunOutput, window: Optional[Tuple[float, float]] = None) -> Tuple[float, float]:
    """``window`` if given, else the run's [tstart, tstop) ms, else the config's run section."""
    if window is not None:
        t0, t1 = float(window[0]), float(window[1])
        if not t1 > t0:
            raise SonataError(f"--window {t0} {t1}: STOP must be greater than START (ms)")
        return t0, t1
    if out.window is not None:
        return out.window
    if out.config is not None and out.config.is_file():
        from bmtk_like.config import SimulationConfig
        cfg = SimulationConfig.from_json(out.config, validate_files=False)
        if cfg.has_run:
            return float(getattr(cfg.run, "tstart", 0.0) or 0.0), float(cfg.run.tstop)
    raise SonataError(f"output folder {out.folder}: the simulated window is unknown; pass --window START STOP (ms)")
