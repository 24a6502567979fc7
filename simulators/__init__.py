"""Simulators: run SONATA circuits on NEURON (bionet), NEST (pointnet) or the
population-density solver (popnet). Backends are imported only when they run."""
from __future__ import annotations

import os
from typing import Any, Optional


def run(config: Any, simulator: str | None = None, output_dir: "str | os.PathLike[str] | None" = None,
        progress: Optional[bool] = None, **overrides: Any):
    """Run ``config`` (path, dict or SimulationConfig) on ``simulator`` or its ``target_simulator``.

    ``simulator``: ``NEST``/``pointnet``, ``NEURON``/``bionet`` or ``popnet``/``DiPDE``/``population``
    (case-insensitive). A level other than the config's ``target_simulator`` writes into
    ``<output_dir>_<level>`` (e.g. ``output_popnet``) unless ``output_dir`` is given.
    ``progress``: progress bars on/off (default: when stderr is a terminal).
    ``overrides``: ``tstop``/``dt`` (ms) and backend options (NEST: ``nthreads``, ``seed``;
    popnet: ``plot``, ``group_by``, ``jump_tol``).

    Returns a ``simulators.core.SimulationResult`` (``.spikes``, ``.rates``, ``.files``,
    ``.output_dir``, ``.extra["summary"]``: one row per population group).
    """
    from simulators.core.run import run as _run

    return _run(config, simulator=simulator, output_dir=output_dir, progress=progress, **overrides)


__all__ = ["run"]
