"""Electrodes on compartmental cells: current clamps (IClamp) and voltage clamps (SEClamp).

Current clamps come from ``simulators.core.inputs.CurrentClamp`` (amps nA, delays/durations ms):
each step is one ``IClamp`` at the soma centre as in BMTK; a CSV waveform (or per-node waveform) is
one IClamp whose ``amp`` is played from a Vector (NEURON steps it, no Python per step).
A config input ``"module": "SEClamp"`` (BMTK's): ``amp`` (mV), ``delay``, ``duration`` (ms),
``resistance`` (MΩ, default 1), ``vc`` and ``section_name``/``section_index``/``section_dist``
(default soma[0](0.5)). Outside [delay, delay + duration] the clamp is disconnected (rs = 1e20 MΩ),
the series resistance being played from a Vector instead of BMTK's per-step Python.
"""
from __future__ import annotations

import numpy as np

from bmtk_like.errors import SimulationError

OPEN_CIRCUIT_MOHM = 1e20


def attach_current_clamps(network, clamps) -> list:
    """IClamps for every CurrentClamp on the local compartmental cells; returns objects to keep alive."""
    from neuron import h
    keep = []
    for clamp in clamps:
        shared = clamp.waveform() if clamp.durations is None else None
        for pop, ids in clamp.node_set.items():
            for cell in network.local_cells(pop, ids):
                if cell.is_artificial:
                    raise SimulationError(f"input {clamp.name!r}: cannot inject current into artificial cell "
                                          f"{cell} (node type {cell.node_type_id}); restrict its node_set to "
                                          "compartmental cells")
                own = clamp.per_node.get((pop, cell.node_id))
                if own is None and clamp.durations is not None:
                    for amp, delay, dur in zip(np.atleast_1d(clamp.amps), np.atleast_1d(clamp.delays),
                                               np.atleast_1d(clamp.durations)):
                        stim = h.IClamp(cell.soma(0.5))
                        stim.amp, stim.delay, stim.dur = float(amp), float(delay), float(dur)
                        keep.append(stim)
                    continue
                times, amps = own if own is not None else shared
                stim = h.IClamp(cell.soma(0.5))
                stim.delay, stim.dur = 0.0, 1e9
                tvec, avec = h.Vector(np.r_[0.0, times]), h.Vector(np.r_[0.0, amps])
                avec.play(stim._ref_amp, tvec, 0)
                keep.extend([stim, tvec, avec])
    return keep


def _param(spec, key, default=None):
    params = getattr(spec, "params", None) or {}
    return params.get(key, getattr(spec, key, default))


def attach_voltage_clamps(network, specs) -> list:
    """SEClamps for the ``SEClamp`` inputs of the config on local cells."""
    from neuron import h
    keep = []
    for spec in specs:
        who = f"input {spec.name!r} (SEClamp)"
        try:
            amp, delay, duration = (float(_param(spec, k)) for k in ("amp", "delay", "duration"))
        except (TypeError, ValueError):
            raise SimulationError(f"{who}: needs numbers amp (mV), delay (ms) and duration (ms)") from None
        rs = float(_param(spec, "resistance", _param(spec, "rs", 1.0)))
        sec_name = _param(spec, "section_name", "soma")
        sec_index = int(_param(spec, "section_index", 0))
        sec_x = float(_param(spec, "section_dist", 0.5))
        selection = network.node_set(_param(spec, "node_set", "all"))
        for pop, ids in selection.items():
            for cell in network.local_cells(pop, ids):
                if cell.is_artificial:
                    continue
                matches = [s for s, k in zip(cell.sections, cell.kinds) if k == sec_name]
                if sec_index >= len(matches):
                    raise SimulationError(f"{who}: cell {cell} has no section {sec_name}[{sec_index}]")
                stim = h.SEClamp(matches[sec_index](sec_x))
                stim.dur1, stim.amp1 = delay, 0.0
                stim.dur2, stim.amp2 = duration, amp
                stim.dur3, stim.amp3 = 0.0, 0.0
                if hasattr(stim, "vc"):
                    stim.vc = float(_param(spec, "vc", 0.0))
                tvec = h.Vector([0.0, delay, delay + duration])
                rvec = h.Vector([OPEN_CIRCUIT_MOHM, rs, OPEN_CIRCUIT_MOHM])
                rvec.play(stim._ref_rs, tvec, 0)
                keep.extend([stim, tvec, rvec])
    return keep
