"""Where a run's output goes when the config does not say it for this level.

A config's ``output.output_dir`` belongs to the level its ``target_simulator`` names. Running
the same config on another level (``simulators.run(cfg, simulator="popnet")``,
``bmtk-like run CONFIG --simulator popnet``) writes beside it, into ``<output_dir>_<level>``
(``output_popnet``, ``output_nest``, ``output_neuron``), so runs of different levels never
replace each other. An explicit ``output_dir=`` / ``--output-dir`` always wins, and a config
without ``target_simulator`` keeps its ``output_dir`` for whichever level runs it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from bmtk_like.errors import SimulationError
from simulators.core.registry import canonical_name


def level_suffix(backend: str) -> str:
    """The folder suffix of a level: ``nest``, ``neuron`` or ``popnet``."""
    return canonical_name(backend).lower()


def output_dir_for_level(cfg: Any, simulator: Optional[str]) -> Optional[Path]:
    """The output folder a run of ``cfg`` on ``simulator`` should use instead of the config's,
    or None to keep the config's (same level as ``target_simulator``, or no target named)."""
    from bmtk_like.config import SimulationConfig

    target = getattr(cfg, "target_simulator", None)
    if not simulator or not target or not isinstance(cfg, SimulationConfig) or cfg.output is None:
        return None
    try:
        if canonical_name(simulator) == canonical_name(target):
            return None
    except SimulationError:       # an unknown target_simulator: run() reports it
        return None
    base = Path(cfg.output.output_dir)
    return base.with_name(f"{base.name}_{level_suffix(simulator)}")


def with_output_dir(cfg: Any, output_dir: "str | os.PathLike[str]") -> Any:
    """``cfg`` with ``output.output_dir`` replaced (its log/spikes/report files follow)."""
    return cfg.with_overrides({"output": {"output_dir": str(Path(output_dir).resolve())}})
