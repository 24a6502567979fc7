"""In which unit a config's IClamp ``amp`` is written, decided once for every backend.

bmtk's BioNet gives ``amp`` to NEURON's IClamp (nA); bmtk's PointNet hands the same number to
NEST's ``step_current_generator`` unchanged (pA). So a config means what its own
``target_simulator`` makes of it, whichever level actually runs it:

1. an explicit ``"amp_units": "nA" | "pA"`` on the input wins;
2. else the config's ``target_simulator``: NEST (pointnet) -> pA, NEURON (bionet) -> nA;
3. else (no target, or popnet) nA, the toolkit's unit for currents.

The amplitude is stored in nA (``CurrentClamp.amps``); NEST's pA conversion is in
``simulators/pointnet/stimuli.py``. When ``--simulator`` runs the config on another level, the
physical current is the same and the log says how the value was read. Amplitudes that look
written in the other level's unit are flagged when the config loads
(``bmtk_like.config.vocabulary.lint.clamp_amplitudes``).
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from bmtk_like.errors import ConfigError

PA_PER_NA = 1000.0
UNIT_SCALE_TO_NA = {"nA": 1.0, "pA": 1.0 / PA_PER_NA}
_log = logging.getLogger("bmtk_like.simulation")   # the run log (simulators.core.output)


def _level(name: Optional[str]) -> Optional[str]:
    if not name:
        return None
    from simulators.core.registry import canonical_name
    try:
        return canonical_name(str(name))
    except Exception:           # an unknown target is reported where the backend is chosen
        return None


def amp_unit(cfg: Any, explicit: Optional[str], where: str) -> tuple[str, str]:
    """(unit, why) for the ``amp`` values of one IClamp input of ``cfg``."""
    if explicit is not None:
        if str(explicit) not in UNIT_SCALE_TO_NA:
            raise ConfigError(f"{where}: amp_units {explicit!r} is not 'nA' or 'pA'; write "
                              "\"amp_units\": \"nA\" (NEURON's unit) or \"pA\" (NEST's unit)")
        return str(explicit), "its amp_units"
    target = _level(getattr(cfg, "target_simulator", None))
    if target == "NEST":
        return "pA", ("the config's target_simulator is NEST and bmtk's pointnet hands amp to "
                      "NEST unchanged")
    if target == "NEURON":
        return "nA", "the config's target_simulator is NEURON (NEURON's IClamp takes nA)"
    return "nA", "the config names no NEST/NEURON target_simulator (nA is the toolkit's unit)"


def amps_in_na(cfg: Any, spec_units: Optional[str], amps_max: float, where: str,
               simulator: Optional[str] = None) -> float:
    """The factor that turns this input's ``amp`` values into nA, logging how they were read.

    ``amps_max``: the largest |amp| written (for the log); ``simulator``: the
    backend running the config (a different level than the target is logged at WARNING)."""
    unit, why = amp_unit(cfg, spec_units, where)
    scale = UNIT_SCALE_TO_NA[unit]
    running = _level(simulator)
    target = _level(getattr(cfg, "target_simulator", None))
    swapped = running is not None and target is not None and running != target
    msg = (f"{where} (IClamp): amp read as {unit} because {why}"
           + (f"; running on {running}, the same current is injected ({amps_max:g} {unit} = "
              f"{amps_max * scale:g} nA = {amps_max * scale * PA_PER_NA:g} pA at most)"
              if swapped else ""))
    _log.log(logging.WARNING if swapped else logging.INFO, msg)
    return scale
