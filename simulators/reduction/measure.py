"""NEURON measurements of one biophysical node type (runs in a worker process).

The cell is built exactly as bionet builds it (same morphology template, model processing,
parameter program, mechanisms from ``components.mechanisms_dir``, ``conditions.celsius``,
``run.dt``, spikes detected at the soma at ``run.spike_threshold``). Every protocol starts from
``finitialize(v_init)`` and lets the cell settle for :data:`SETTLE_MS` before the stimulus.

Protocols (units: ms, mV, nA, MΩ):

- **passive**: a hyperpolarising step of :data:`PASSIVE_STEP_NA` for 500 ms, at rest (``*_0`` keys)
  and on top of the PSP protocol's holding current (the point model is the cell's linearisation
  there, just below threshold, where a firing cell spends its time). ``v_rest`` is the somatic
  voltage before the step, ``r_in = ΔV / ΔI`` at the step's end (steady state, after any
  sag), ``tau_m`` the time to reach 1 − 1/e of the largest deflection.
- **rheobase**: the smallest 1 s step amplitude that makes at least one spike, by doubling and
  then bisection to 1 % (an upper bound: the returned amplitude spikes).
- **f-I**: 1 s steps at :data:`FI_MULTIPLES` × rheobase; the rate is the spike count in the
  step's last :data:`RATE_WINDOW_MS` ms: (n − 1) / (last − first spike time) when there are at least
  three spikes there, else the count over the window (the adapted rate, which is what the cell
  settles to under sustained drive).
- **PSP** per synaptic probe (an edge type's placement): ``n_sites`` synapses of the edge type's model
  at segments drawn like bionet draws them (``target_sections`` within ``distance_range``, probability
  ∝ segment length), each with weight ``syn_weight / n_sites``, receive one event; the somatic PSP is
  the difference to an identical run without the event: the location-averaged PSP of one edge of
  weight ``syn_weight`` (PSPs of this size sum linearly). A conductance synapse's PSP depends on the
  membrane potential, and a firing cell sits well above rest, so the PSP is measured at two holding
  currents (:data:`HOLD_FRACTION` × rheobase and half that, each lowered in steps of 10 % of the
  former until neither run has a spike nor a voltage above :data:`SPIKE_FREE_BELOW_MV`) and
  interpolated linearly in voltage to ``v_firing``, the median somatic voltage while the cell fires
  at 2× rheobase (or the nearest multiple at which it fires), extrapolating at most the distance
  between the two holding levels (linear in V is exact for the driving force of a passive cell).
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SETTLE_MS = 600.0
PASSIVE_STEP_NA = -0.02
STEP_MS = 1000.0
RATE_WINDOW_MS = 800.0
FI_MULTIPLES = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
HOLD_FRACTION = 0.8
PSP_SPACING_MS = 300.0
PSP_WINDOW_MS = 150.0
N_SITES = 30
SPIKE_FREE_BELOW_MV = -35.0
OPERATING_RATE_HZ = 5.0
DRIVE_MS = 2000.0
DRIVE_MULTIPLES = (0.5, 0.75, 1.0, 1.5, 2.0)


@dataclass
class SynapseProbe:
    """One edge type's synapse as it lands on a node type (from the edge types CSV)."""

    key: str                      # "<edge population>/<edge_type_id>"
    edge_type: dict               # model_template, dynamics_params, target_sections, distance_range...
    syn_weight: float             # representative weight (the edge type's syn_weight, or the edges' mean)
    sites: list | None = None     # preselected (sec_id, sec_x) pairs from the edges file, if any
    n_edges: int = 0              # edges of this edge type onto the node type (picks the drive probe)


@dataclass
class CellTask:
    """Everything a worker needs to measure one node type (picklable)."""

    description: str
    node_type: dict
    components: dict
    celsius: float
    v_init: float
    dt: float
    dL: float
    spike_threshold: float
    probes: list = field(default_factory=list)
    seed: int = 0


class _Bench:
    """One cell with a somatic current clamp, a spike detector and a somatic voltage recorder."""

    def __init__(self, task: CellTask):
        from neuron import h
        from simulators.bionet import mechanisms
        from simulators.bionet.cells import Cell, build_cell, resolve_model
        comps = {k: Path(v) for k, v in task.components.items()}
        mech_dir = comps.get("mechanisms_dir")
        if mech_dir is not None and mechanisms.find_mod_files(mech_dir):
            mechanisms.load_mechanisms(mech_dir)
        row = dict(task.node_type)
        row["model_type"] = "biophysical"
        model = resolve_model(row, comps, task.dL, task.description)
        if model.mechanisms:
            mechanisms.ensure_mechanisms({task.description: model.mechanisms},
                                         Path(mech_dir) if mech_dir is not None else None)
        self.cell = build_cell(model, Cell(gid=0, population="reduction", node_id=0,
                                           node_type_id=int(task.node_type.get("node_type_id", 0))), None, None)
        h.load_file("stdrun.hoc")
        h.celsius, h.dt = task.celsius, task.dt
        h.steps_per_ms = 1.0 / task.dt
        self.task = task
        soma = self.cell.soma
        self.step = h.IClamp(soma(0.5))
        self.hold = h.IClamp(soma(0.5))
        self.hold.delay, self.hold.dur = 0.0, 1e9
        self.detector = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
        self.detector.threshold = task.spike_threshold
        self.spikes = h.Vector()
        self.detector.record(self.spikes)
        self.v = h.Vector()
        self.v.record(soma(0.5)._ref_v, task.dt)

    def run(self, tstop: float, step_amp: float = 0.0, step_delay: float = SETTLE_MS,
            step_dur: float = STEP_MS, hold_amp: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Simulate ``tstop`` ms; returns (spike times, somatic voltage sampled every dt)."""
        from neuron import h
        self.step.amp, self.step.delay, self.step.dur = step_amp, step_delay, step_dur
        self.hold.amp = hold_amp
        h.tstop = tstop
        h.finitialize(self.task.v_init)
        h.continuerun(tstop)
        return np.array(self.spikes), np.array(self.v)

    def rate(self, amp: float) -> tuple[float, float]:
        """Adapted rate (Hz) during a 1 s step of ``amp`` nA, and the median somatic voltage (mV) there."""
        spikes, v = self.run(SETTLE_MS + STEP_MS + 1.0, amp)
        t1 = SETTLE_MS + STEP_MS
        i0, i1 = (int(round(t / self.task.dt)) for t in (t1 - RATE_WINDOW_MS, t1))
        v_median = float(np.median(v[i0:i1]))
        inside = spikes[(spikes >= t1 - RATE_WINDOW_MS) & (spikes < t1)]
        if inside.size < 3:
            return 1000.0 * inside.size / RATE_WINDOW_MS, v_median
        return 1000.0 * (inside.size - 1) / (inside[-1] - inside[0]), v_median

    def fires(self, amp: float) -> bool:
        spikes, _ = self.run(SETTLE_MS + STEP_MS + 1.0, amp)
        return bool(np.count_nonzero((spikes >= SETTLE_MS) & (spikes < SETTLE_MS + STEP_MS)))


def passive(bench: _Bench, hold_amp: float = 0.0) -> dict:
    """v_rest (mV, before the step), r_in (MΩ), tau_m (ms) from a small hyperpolarising step on top of
    a holding current ``hold_amp`` nA."""
    dt = bench.task.dt
    dur = 500.0
    _, v = bench.run(SETTLE_MS + dur + 1.0, PASSIVE_STEP_NA, step_dur=dur, hold_amp=hold_amp)
    i0 = int(round(SETTLE_MS / dt))
    i1 = int(round((SETTLE_MS + dur) / dt))
    v_rest = float(v[i0])
    dv = v[i0:i1] - v_rest
    dv_end = float(np.mean(dv[-int(round(20.0 / dt)):]))
    k_min = int(np.argmin(dv))
    target = (1.0 - np.exp(-1.0)) * dv[k_min]
    k_tau = int(np.argmax(dv[:k_min + 1] <= target))
    return {"v_rest": v_rest, "r_in": dv_end / PASSIVE_STEP_NA, "tau_m": max(k_tau * dt, dt),
            "r_peak": float(dv[k_min]) / PASSIVE_STEP_NA}


def rheobase(bench: _Bench, start: float = 0.05) -> float:
    """Smallest step amplitude (nA) that spikes within 1 s, to 1 % (the returned value spikes)."""
    lo, hi = 0.0, start
    while not bench.fires(hi):
        lo, hi = hi, hi * 2.0
        if hi > 20.0:
            raise RuntimeError("no spike with a 20 nA step")
    while (hi - lo) > 0.01 * hi:
        mid = 0.5 * (lo + hi)
        if bench.fires(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _sites(bench: _Bench, probe: SynapseProbe, rng: np.random.RandomState) -> list[tuple[int, float]]:
    if probe.sites:
        picks = rng.choice(len(probe.sites), size=min(N_SITES, len(probe.sites)), replace=False)
        return [tuple(probe.sites[i]) for i in picks]
    from simulators.bionet.synapses import _parse_list
    tmpl = bench.cell.template
    sections = _parse_list(probe.edge_type.get("target_sections"), "target_sections", probe.key)
    drange = _parse_list(probe.edge_type.get("distance_range"), "distance_range", probe.key)
    seg_ix, prob = tmpl.target_segments(sections, drange)
    if not seg_ix.size:
        return []
    cdf = np.cumsum(prob) / np.sum(prob)
    segs = seg_ix[cdf.searchsorted(rng.random_sample(N_SITES), side="right")]
    return [(int(tmpl.seg_sec_id[s]), float(tmpl.seg_x[s])) for s in segs]


def psps(bench: _Bench, probes: list, hold_amp: float, seed: int, v_target: float) -> dict:
    """Somatic PSP (mV, sampled every dt from the event) of every probe, location-averaged, at ``v_target``
    (linear interpolation/extrapolation between holding currents of ``hold_amp``/2 and ``hold_amp``)."""
    from neuron import h
    from simulators.bionet.synapses import synapse_model
    dt = bench.task.dt
    rng = np.random.RandomState(seed)
    keep, starts = [], {}
    comps = {k: Path(v) for k, v in bench.task.components.items()}
    t_event = SETTLE_MS
    for probe in probes:
        sites = _sites(bench, probe, rng)
        if not sites:
            continue
        model = synapse_model(probe.edge_type, comps, probe.key)
        stim = h.NetStim()
        stim.number, stim.start, stim.noise = 1, t_event, 0
        for sec_id, x in sites:
            syn = model.make(bench.cell.sections[sec_id](x))
            nc = h.NetCon(stim, syn)
            nc.weight[0] = probe.syn_weight / len(sites)
            nc.delay = dt
            keep.append((syn, nc, probe.syn_weight / len(sites)))
        keep.append(stim)
        starts[probe.key] = t_event + dt
        t_event += PSP_SPACING_MS
    if not starts:
        return {}
    tstop = t_event + PSP_WINDOW_MS
    n = int(round(PSP_WINDOW_MS / dt))
    i_hold = int(round(SETTLE_MS / dt)) - 1
    levels = []
    for amp in (0.5 * hold_amp, hold_amp):
        while True:       # no spike (not even one too small for the detector) in either run
            for item in keep:
                if isinstance(item, tuple):
                    item[1].weight[0] = item[2]
            spikes, v_event = bench.run(tstop, hold_amp=amp)
            for item in keep:
                if isinstance(item, tuple):
                    item[1].weight[0] = 0.0
            spikes_base, v_base = bench.run(tstop, hold_amp=amp)
            quiet = not spikes.size and not spikes_base.size and \
                max(v_event[i_hold:].max(), v_base[i_hold:].max()) < SPIKE_FREE_BELOW_MV
            if quiet or amp <= 0.0:
                break
            amp = max(0.0, amp - 0.1 * abs(hold_amp))
        traces = {key: v_event[int(round(t0 / dt)):int(round(t0 / dt)) + n] - v_base[int(round(t0 / dt)):
                                                                                   int(round(t0 / dt)) + n]
                  for key, t0 in starts.items()}
        levels.append((float(v_base[i_hold]), amp, traces))
    (v_lo, amp_lo, lo), (v_hi, amp_hi, hi) = levels
    v_target = min(v_target, v_hi + (v_hi - v_lo))        # extrapolate at most one interval beyond
    share = (v_target - v_lo) / (v_hi - v_lo) if abs(v_hi - v_lo) > 0.5 else 1.0
    out = {key: (lo[key] + share * (hi[key] - lo[key])).tolist() for key in starts}
    out["_holds"] = [[v_lo, amp_lo], [v_hi, amp_hi]]
    del keep
    return out


def synaptic_drive(bench: _Bench, probe: SynapseProbe, area_mv_ms: float, seed: int) -> dict:
    """Output rate (Hz) under Poisson input through ``probe``'s synapses: :data:`N_SITES` sites (drawn as
    for the PSPs), each an independent Poisson train of events of weight ``syn_weight``, at total input
    rates of :data:`DRIVE_MULTIPLES` × the rate whose mean depolarisation (rate × PSP area) equals
    R_in × rheobase; :data:`DRIVE_MS` ms after the settling time."""
    from neuron import h
    from simulators.bionet.synapses import synapse_model
    rng = np.random.RandomState(seed + 1)
    sites = _sites(bench, probe, rng)
    comps = {k: Path(v) for k, v in bench.task.components.items()}
    model = synapse_model(probe.edge_type, comps, probe.key)
    keep = []
    for k, (sec_id, x) in enumerate(sites):
        stim = h.NetStim()
        stim.number, stim.start, stim.noise = 1e9, SETTLE_MS, 1
        stim.noiseFromRandom123(seed, 7919, k)
        syn = model.make(bench.cell.sections[sec_id](x))
        nc = h.NetCon(stim, syn)
        nc.weight[0], nc.delay = probe.syn_weight, bench.task.dt
        keep.append((stim, syn, nc))
    unit = 1000.0 * bench.rheobase_depolarisation / max(area_mv_ms, 1e-9)      # Hz of total input
    totals, rates = [], []
    for m in DRIVE_MULTIPLES:
        total = m * unit
        for stim, _, _ in keep:
            stim.interval = 1000.0 * len(keep) / total
        spikes, _ = bench.run(SETTLE_MS + DRIVE_MS)
        totals.append(total)
        rates.append(1000.0 * np.count_nonzero(spikes > SETTLE_MS) / DRIVE_MS)
    for stim, _, _ in keep:
        stim.number = 0
    return {"probe": probe.key, "n_sites": len(keep), "total_rates_hz": totals, "cell_rates_hz": rates}


def firing_voltage(rates: list) -> float:
    """Median somatic voltage (mV) at the smallest f-I multiple firing at least
    :data:`OPERATING_RATE_HZ` (else the highest-rate one): where a cell firing at a network's rates sits."""
    above = [k for k, (r, _) in enumerate(rates) if r >= OPERATING_RATE_HZ]
    k = above[0] if above else max(range(len(rates)), key=lambda j: rates[j][0])
    return float(rates[k][1])


def measure(task: CellTask) -> dict:
    """All measurements of one node type (plain JSON-able dict; see the module docstring)."""
    bench = _Bench(task)
    try:
        rh = rheobase(bench)
        rest = passive(bench)
        result = passive(bench, HOLD_FRACTION * rh)
        result.update({"v_rest_0": rest["v_rest"], "r_in_0": rest["r_in"], "tau_m_0": rest["tau_m"],
                       "passive_hold_nA": HOLD_FRACTION * rh, "rheobase_nA": rh})
        result["fi_amps_nA"] = [m * rh for m in FI_MULTIPLES]
        result["fi_multiples"] = list(FI_MULTIPLES)
        rates = [bench.rate(m * rh) for m in FI_MULTIPLES]
        result["fi_rates_hz"] = [r for r, _ in rates]
        result["fi_v_median"] = [v for _, v in rates]
        result["v_firing"] = firing_voltage(rates)
        traces = psps(bench, task.probes, HOLD_FRACTION * rh, task.seed, result["v_firing"])
        result["psp_holds"] = traces.pop("_holds", [])
        exc = [p for p in task.probes if p.key in traces and max(traces[p.key], key=abs) > 0]
        if exc:
            from simulators.reduction.fit import psp_area
            probe = max(exc, key=lambda p: p.n_edges)
            bench.rheobase_depolarisation = result["r_in"] * rh
            result["drive"] = synaptic_drive(bench, probe, psp_area(np.asarray(traces[probe.key]), task.dt),
                                             task.seed)
        result["psps"] = traces
        result["psp_weights"] = {p.key: p.syn_weight for p in task.probes}
        result["dt"] = task.dt
    finally:
        del bench
        gc.collect()
    return result
