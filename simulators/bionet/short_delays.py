"""Synapses fed by played spikes with delays below 2 dt (bmtk allows them, ParallelContext does not).

bmtk connects a virtual cell's VecStim straight to its targets, so an edge delay of 0 ms from a
virtual population (bio_intfire_ring's virtual -> IntFire1 edges) is legal there. Here played
spikes reach synapses through ``pc.gid_connect``, and NEURON's fixed step refuses a minimum delay
that is not above dt ("mindelay is 0 (or less than dt)"; measured with NEURON 9: dt fails, 2 dt
runs). The same arrival times are kept by a relay: a row with source gid ``g`` and delay
``d < 2 dt`` listens to the relay gid ``base + g`` with delay 2 dt, and every spike of ``g`` at
``t`` is played on ``base + g`` at ``t + d - 2 dt`` (at 0 when that is negative: a spike in the
first ``2 dt - d`` ms arrives at 2 dt instead of ``t + d``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Relayed rows get this many dt of NetCon delay (the least NEURON's fixed step accepts).
RELAY_STEPS = 2


@dataclass
class Relay:
    """Rows of one short delay ``delay`` (ms) moved to gids ``base + source gid``."""

    delay: float
    base: int
    sources: np.ndarray          # original source gids that have relayed rows


def relay_short_delays(plan, played: np.ndarray, first_free_gid: int, dt: float) -> list[Relay]:
    """Move ``plan`` rows from played gids (mask over source gids) with delay < 2 dt to relay gids."""
    short = played & (plan.delay < RELAY_STEPS * dt - 1e-9)
    relays = []
    for k, delay in enumerate(np.unique(plan.delay[short])):
        rows = short & (plan.delay == delay)
        base = first_free_gid * (k + 1)
        relays.append(Relay(float(delay), base, np.unique(plan.source_gid[rows])))
        plan.source_gid[rows] += base
        plan.delay[rows] = RELAY_STEPS * dt
    return relays


def relayed_spikes(relays: list[Relay], times: np.ndarray, gids: np.ndarray, dt: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The extra (times ms, gids) to play on the relay gids, for spikes ``times``/``gids``."""
    out_t, out_g = [np.zeros(0)], [np.zeros(0, np.int64)]
    for relay in relays:
        sel = np.isin(gids, relay.sources)
        out_t.append(np.maximum(times[sel] + relay.delay - RELAY_STEPS * dt, 0.0))
        out_g.append(gids[sel] + relay.base)
    return np.concatenate(out_t), np.concatenate(out_g)
