"""Reference firing rates of LIF populations from NEST Monte Carlo simulations.

Each case is a population (or an E/I pair) of ``iaf_psc_delta`` neurons with E_L = 0,
so a weight is a voltage jump in mV and θ = V_th, exactly the neuron of the density
equation; external input is independent Poisson trains per neuron. NEST runs at its
default resolution 0.1 ms, one thread, ``N`` neurons per population, a ``warmup`` of
a few membrane time constants, then ``duration`` ms counted; the standard error of the
rate comes from 10 consecutive time blocks. :func:`solver_rates` builds the same case
for :class:`simulators.popnet.solver.DensitySolver`.

Regenerate the stored numbers (``nest_reference.json``, with the command and timings):

    PYTHONPATH=. .venv/bin/python tests/popnet/nest_reference.py [case ...]
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

STORE = Path(__file__).with_name("nest_reference.json")
LIF = dict(tau_m=20.0, threshold=20.0, v_reset=0.0, t_ref=0.0, v_min=-20.0)


def _pop(**kw) -> dict:
    return {**LIF, **kw}


#: name -> populations {name: params (ms, mV) + N}, external inputs [(target, Hz, mV)],
#: recurrent [(source, target, in-degree, mV, delay ms)], grids dv (mV) to test, duration ms.
CASES = {
    # the issue's case: 74 synapses x 10 Hz, 1 mV jumps, fine grid
    "jump1_fine": dict(pops={"a": _pop(v_min=-2.0, N=20000)}, inputs=[("a", 740.0, 1.0)],
                       dv=[0.01, 0.1], duration=2000.0),
    "jump5": dict(pops={"a": _pop(v_min=-2.0, N=10000)}, inputs=[("a", 100.0, 5.0)],
                  dv=[0.05, 0.5], duration=2000.0),
    "jump0.1_high_rate": dict(pops={"a": _pop(v_min=-5.0, N=10000)}, inputs=[("a", 9500.0, 0.1)],
                              dv=[0.1, 0.02], duration=600.0),
    "jump3_1hz": dict(pops={"a": _pop(v_min=-10.0, N=20000)}, inputs=[("a", 140.0, 3.0)],
                      dv=[0.1], duration=5000.0),
    "mixed_ei_reset_tref": dict(pops={"a": _pop(tau_m=15.0, threshold=15.0, v_reset=-5.0, t_ref=3.0,
                                                v_min=-30.0, N=10000)},
                                inputs=[("a", 2000.0, 1.0), ("a", 500.0, -2.0)], dv=[0.05, 0.2],
                                duration=2000.0),
    "jump0.5_50hz_tref2": dict(pops={"a": _pop(t_ref=2.0, N=10000)}, inputs=[("a", 3300.0, 0.5)],
                               dv=[0.1, 0.025], duration=800.0),
    "refractory5": dict(pops={"a": _pop(t_ref=5.0, N=10000)}, inputs=[("a", 1200.0, 1.0), ("a", 300.0, -1.0)],
                        dv=[0.1], duration=1000.0),
    "dipde_grid_2pops_like": dict(pops={"a": _pop(tau_m=30.0, v_min=-50.0, N=10000)},
                                  inputs=[("a", 150.0, 2.5), ("a", 40.0, -2.0)], dv=[0.1], duration=3000.0),
    # recurrent E/I pairs
    "ei_pair_delay1.5": dict(pops={"e": _pop(t_ref=2.0, v_min=-15.0, N=10000),
                                   "i": _pop(tau_m=10.0, t_ref=1.0, v_min=-15.0, N=10000)},
                             inputs=[("e", 1300.0, 1.0), ("i", 1300.0, 1.0)],
                             recurrent=[("e", "e", 100, 0.1, 1.5), ("e", "i", 100, 0.3, 1.5),
                                        ("i", "e", 100, -0.6, 1.5), ("i", "i", 100, -0.4, 1.5)],
                             dv=[0.05, 0.1], duration=1000.0, recurrent_case=True),
    "ei_pair_delay3_strong_inh": dict(pops={"e": _pop(t_ref=2.0, v_min=-20.0, N=10000),
                                            "i": _pop(tau_m=10.0, t_ref=1.0, v_min=-20.0, N=10000)},
                                      inputs=[("e", 2000.0, 1.0), ("i", 1500.0, 1.0)],
                                      recurrent=[("e", "e", 200, 0.2, 3.0), ("e", "i", 200, 0.4, 3.0),
                                                 ("i", "e", 100, -1.0, 3.0), ("i", "i", 100, -0.8, 3.0)],
                                      dv=[0.1], duration=1000.0, recurrent_case=True, oscillates=True),
}
WARMUP = 300.0


def nest_rates(case: dict, seed: int = 1234) -> dict:
    """{population: (rate Hz, standard error Hz)} of one case, and the NEST Simulate time (s)."""
    import nest

    nest.set_verbosity("M_ERROR") if not hasattr(nest, "VerbosityLevel") else \
        setattr(nest, "verbosity", nest.VerbosityLevel.ERROR)
    nest.ResetKernel()
    nest.local_num_threads = 1
    nest.resolution = 0.1
    nest.rng_seed = seed
    nodes = {}
    for name, p in case["pops"].items():
        nodes[name] = nest.Create("iaf_psc_delta", int(p["N"]), params=dict(
            E_L=0.0, V_th=p["threshold"], V_reset=p["v_reset"], V_m=p["v_reset"], V_min=p["v_min"],
            tau_m=p["tau_m"], t_ref=max(p["t_ref"], 0.0), C_m=250.0, I_e=0.0))
    for target, rate, weight in case["inputs"]:
        gen = nest.Create("poisson_generator", params={"rate": rate})
        nest.Connect(gen, nodes[target], syn_spec={"weight": weight, "delay": 0.1})
    for src, tgt, k, weight, delay in case.get("recurrent", []):
        nest.Connect(nodes[src], nodes[tgt], {"rule": "fixed_indegree", "indegree": k, "allow_autapses": False},
                     {"weight": weight, "delay": delay})
    recs = {}
    for name, ids in nodes.items():
        recs[name] = nest.Create("spike_recorder", params={"start": WARMUP, "stop": WARMUP + case["duration"]})
        nest.Connect(ids, recs[name])
    t0 = time.perf_counter()
    nest.Simulate(WARMUP + case["duration"])
    elapsed = time.perf_counter() - t0
    out = {}
    for name, rec in recs.items():
        times = np.asarray(rec.get("events")["times"])
        n = int(case["pops"][name]["N"])
        edges = np.linspace(WARMUP, WARMUP + case["duration"], 11)
        blocks = np.histogram(times, edges)[0] / n / (case["duration"] / 10 / 1000.0)
        out[name] = (float(times.size / n / (case["duration"] / 1000.0)), float(blocks.std(ddof=1) / np.sqrt(10)))
    return {"rates": out, "simulate_s": elapsed}


def solver_rates(case: dict, dt: float, dv: float, duration: float = 400.0, average: float = 100.0, **kw) -> dict:
    """{population: rate Hz} of the density solver on the same case (mean over the last ``average`` ms)."""
    from simulators.popnet.solver import Connection, DensitySolver, ExternalPopulation, Population

    pops = [Population(name, **{k: v for k, v in p.items() if k != "N"}, dv=dv) for name, p in case["pops"].items()]
    externals = [ExternalPopulation(f"x{i}", rate) for i, (_, rate, _) in enumerate(case["inputs"])]
    conns = [Connection(f"x{i}", target, 1.0, weight) for i, (target, _, weight) in enumerate(case["inputs"])]
    conns += [Connection(s, t, k, w, d) for s, t, k, w, d in case.get("recurrent", [])]
    solver = DensitySolver(pops, conns, externals, dt=dt, **kw)
    result = solver.run(duration)
    last = result.times >= duration - average
    return {name: float(result.rate(name)[last].mean()) for name in solver.names}


def main(names: list[str]) -> None:
    stored = json.loads(STORE.read_text()) if STORE.exists() else {}
    for name in names or list(CASES):
        res = nest_rates(CASES[name])
        stored[name] = {**res, "neurons": {p: v["N"] for p, v in CASES[name]["pops"].items()},
                        "warmup_ms": WARMUP, "duration_ms": CASES[name]["duration"], "resolution_ms": 0.1,
                        "command": "PYTHONPATH=. .venv/bin/python tests/popnet/nest_reference.py " + name,
                        "nest": __import__("nest").__version__}
        print(name, res, flush=True)
        STORE.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
