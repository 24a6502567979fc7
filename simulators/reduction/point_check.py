"""The fitted point models' f-I curves measured on NEST itself (the ``rate_point_*`` columns).

Each fitted model gets one NEST neuron per current of its cell's f-I protocol (``I_e`` = step
amplitude in pA from the start, which a LIF without adaptation does not need to settle), simulated
for the same 1 s at the cell's ``run.dt``; the rate is computed as for the cell (the last
``RATE_WINDOW_MS`` of the step, (n − 1)/(last − first) with three spikes or more).
"""
from __future__ import annotations

import numpy as np

from simulators.reduction.measure import RATE_WINDOW_MS, STEP_MS


def _rate(times: np.ndarray) -> float:
    inside = times[(times >= STEP_MS - RATE_WINDOW_MS) & (times < STEP_MS)]
    if inside.size < 3:
        return 1000.0 * inside.size / RATE_WINDOW_MS
    return 1000.0 * (inside.size - 1) / (inside[-1] - inside[0])


def nest_rates(models: dict, dt: float, nest_model: str = "iaf_psc_exp") -> dict:
    """``models``: key -> (params, amps nA). Returns key -> rates (Hz) per amplitude, from one NEST run."""
    from simulators.pointnet.kernel import reset_kernel
    nest = reset_kernel(dt)
    recorder = nest.Create("spike_recorder")
    made = {}
    for key, (params, amps) in models.items():
        cells = nest.Create(nest_model, len(amps), params=params)
        cells.set([{"I_e": 1000.0 * float(a)} for a in amps])
        nest.Connect(cells, recorder)
        made[key] = np.asarray(cells.tolist())
    nest.Simulate(STEP_MS + dt)
    events = recorder.get("events")
    senders, times = np.asarray(events["senders"]), np.asarray(events["times"])
    return {key: [_rate(times[senders == g]) for g in gids] for key, gids in made.items()}
