"""Inputs on NEST: spike trains for virtual nodes and current clamps.

- Spike-file and Poisson inputs (resolved by simulators.core.inputs) are merged per
  virtual population and given to its spike generators in one call. Poisson inputs
  are drawn as trains (seeded), not by ``poisson_generator``, so every backend plays
  the same spikes.
- Current clamps become one ``step_current_generator`` per clamp (one per node for
  per-node CSV waveforms), connected to the clamp's nodes with delay = resolution and
  its steps scheduled one resolution early, so the current flows from ``delay`` on.
  Amplitudes are converted here, and only here, from nA to pA (x PA_PER_NA).
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np

from bmtk_like.errors import ConfigError
from simulators.core.inputs import PA_PER_NA, Inputs
from simulators.pointnet.ids import NestIdMap

log = logging.getLogger("bmtk_like.simulation")


def gather_trains(circuit: Any, inputs: Inputs) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Population -> (node ids, times ms) of every spike-file and Poisson input, merged."""
    parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    sources = [(s.name, s.spikes) for s in inputs.spikes]
    sources += [(p.name, p.spike_trains()) for p in inputs.poisson]
    for name, trains in sources:
        for pop in trains.populations:
            if not circuit.is_virtual(pop):
                raise ConfigError(
                    f"input '{name}' gives spike trains to population '{pop}', which is not "
                    "virtual; spike trains drive virtual nodes (model_type virtual) — point the "
                    "input's node_set at a virtual population")
            ids, times = trains.get(pop)
            parts.setdefault(pop, []).append((np.asarray(ids, np.int64), np.asarray(times, float)))
    return {pop: (np.concatenate([p[0] for p in lst]), np.concatenate([p[1] for p in lst]))
            for pop, lst in parts.items()}


def add_current_clamps(nest: Any, inputs: Inputs, ids: NestIdMap, dt: float) -> int:
    """Create and connect the step current generators; returns how many were made."""
    made = 0
    for clamp in inputs.current_clamps:
        targets = np.concatenate([ids.nest_ids(pop, nids) for pop, nids in clamp.node_set.items()])
        waveforms = []
        shared_targets = targets
        if clamp.per_node:
            own = set()
            for (pop, nid), (times, amps) in clamp.per_node.items():
                waveforms.append((times, amps, ids.nest_ids(pop, np.array([nid]))))
                own.add(int(ids.nest_ids(pop, np.array([nid]))[0]))
            shared_targets = targets[~np.isin(targets, list(own))]
        else:
            times, amps = clamp.waveform()
            waveforms.append((times, amps, shared_targets))
        for times, amps, tgt in waveforms:
            if tgt.size == 0:
                continue
            # The generator reaches its targets after the connection delay (one dt): its steps are
            # scheduled one dt early so the current flows from ``delay`` on, as NEURON's IClamp does.
            times = np.asarray(times, float) - dt
            amps_pa = np.asarray(amps, float) * PA_PER_NA        # nA -> pA, the one conversion
            early = times < dt
            if early.any():
                # NEST changes amplitudes only at t > 0: an onset before 2 dt starts at 2 dt
                log.info("input '%s': current step(s) before t=2 dt start at t=%g ms", clamp.name, 2 * dt)
                times = np.maximum(times, dt)
                keep = np.r_[times[1:] != times[:-1], True]
                times, amps_pa = times[keep], amps_pa[keep]
            gen = nest.Create("step_current_generator", params={
                "amplitude_times": times, "amplitude_values": amps_pa, "allow_offgrid_times": True})
            nest.Connect(gen, nest.NodeCollection(np.unique(tgt).tolist()),
                         syn_spec={"delay": dt})
            made += 1
    return made
