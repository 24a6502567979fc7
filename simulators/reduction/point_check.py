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


GAINS = np.exp(np.linspace(np.log(0.25), np.log(4.0), 25))
REPLICAS = 6
NETWORK_RATES_HZ = 30.0
"""Drive levels where the cell fires faster than this are left out of the gain fit (networks run below)."""


def drive_gains(cases: dict, dt: float, drive_ms: float, nest_model: str = "iaf_psc_exp") -> dict:
    """Excitatory weight gain per case, all in one NEST run. ``cases``: key -> (params, weight pA,
    total input rates Hz, the cell's rates Hz). For each, the gain g of :data:`GAINS` whose point model,
    driven by Poisson input of weight g·weight at those rates, best reproduces the cell's rates
    (least squares on differences relative to max(rate, 2 Hz), over inputs where either fires and the
    cell fires at most :data:`NETWORK_RATES_HZ`), with
    :data:`REPLICAS` independent neurons per (gain, rate). Returns key -> (g, point rates at g)."""
    from simulators.pointnet.kernel import reset_kernel
    nest = reset_kernel(dt, seed=12345)
    recorder = nest.Create("spike_recorder")
    layout = {}
    for key, (params, weight_pa, totals_hz, _) in cases.items():
        grids = []
        for total in totals_hz:
            gen = nest.Create("poisson_generator", params={"rate": float(total)})
            cells = nest.Create(nest_model, len(GAINS) * REPLICAS, params=params)
            weights = np.repeat(GAINS * weight_pa, REPLICAS)
            nest.Connect(gen, cells, syn_spec={"weight": weights.reshape(-1, 1), "delay": dt})
            nest.Connect(cells, recorder)
            grids.append(np.asarray(cells.tolist()).reshape(len(GAINS), REPLICAS))
        layout[key] = grids
    nest.Simulate(drive_ms + dt)
    senders = np.asarray(recorder.get("events")["senders"], dtype=np.int64)
    top = max(int(g.max()) for grids in layout.values() for g in grids)
    counts = np.bincount(senders, minlength=top + 1)
    out = {}
    for key, grids in layout.items():
        point = np.array([[counts[ids].mean() * 1000.0 / drive_ms for ids in grid] for grid in grids])
        cell = np.asarray(cases[key][3], float)[:, None]
        use = ((cell[:, 0] > 0) | (point.max(axis=1) > 0)) & (cell[:, 0] <= NETWORK_RATES_HZ)
        cost = (((point - cell) / np.maximum(cell, 2.0)) ** 2)[use].sum(axis=0)
        best = int(np.argmin(cost))
        out[key] = (float(GAINS[best]), point[:, best].tolist())
    return out
