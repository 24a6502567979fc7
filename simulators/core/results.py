"""`SimulationResult`: what every backend's ``run_config`` returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np


@dataclass
class SimulationResult:
    """Outcome of one simulation run.

    Attributes:
        backend: canonical backend name ("NEST", "NEURON" or "popnet").
        output_dir: folder holding the run's files (None if nothing was written).
        spikes: a ``bmtk_like.reports.SpikeTrains`` (times in ms) or None.
        rates: population -> (times ms, rates Hz) for population-level backends, or None.
        files: output name ("spikes_h5", "spikes_csv", "log", report names...) -> Path.
        timings: phase -> wall seconds; phases are load, create, connect, inputs,
            simulate, write (a backend may add its own).
        extra: backend-specific objects a caller may want (e.g. the network).
    """

    backend: str
    output_dir: Optional[Path] = None
    spikes: Any = None
    rates: Optional[dict[str, tuple[np.ndarray, np.ndarray]]] = None
    files: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_time(self) -> float:
        """Sum of all recorded phase timings in seconds."""
        return float(sum(self.timings.values()))
