"""PopNet speed: the density solver against NEST's Simulate on the same E/I circuit.

(a) An E/I circuit of 16,000 excitatory + 4,000 inhibitory ``iaf_psc_delta`` neurons
    (fixed in-degree 400 from E, 100 from I, 1.5 ms delays, independent 1.3 kHz Poisson
    input of 1 mV per neuron), 1 s at dt 0.1 ms: NEST's Simulate (one thread) against
    the density solver's run of the same two populations (one density each; numba
    loop when installed, and the pure-numpy path). Rates over (200, 1000] ms are
    printed for both: the ratio counts only if they agree (target >= 10x).
(b) ``examples/ei_network`` on popnet (two populations, 1 s at dt 0.1 ms): run time,
    steps/s, and, with ``--baseline DIR`` (a checkout of an older commit), the same run
    with that code in a subprocess (target >= 20x).
(c) Cost per population for 2, 10 and 100 populations (each its own τ, external input
    and recurrent inhibition from its neighbour, dv 0.1 mV from -10 to 20 mV, dt 0.1 ms).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/popnet_bench.py [--no-nest]
[--baseline /tmp/old_checkout] [--duration 1000]``
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulators.popnet import kernel  # noqa: E402
from simulators.popnet.solver import Connection, DensitySolver, ExternalPopulation, Population  # noqa: E402

SIZES = {"e": 16000, "i": 4000}
PARAMS = {"e": (20.0, 2.0), "i": (10.0, 1.0)}                # tau_m, t_ref (ms); θ 20 mV, reset 0
K = {"e": 400, "i": 100}
W = {("e", "e"): 0.05, ("e", "i"): 0.15, ("i", "e"): -0.6, ("i", "i"): -0.4}
EXT_HZ, DELAY, WARM = 1300.0, 1.5, 200.0


def nest_circuit(duration: float) -> tuple[float, dict]:
    """(Simulate seconds, rates Hz over (WARM, duration]) of the spiking circuit in NEST."""
    import nest

    nest.set_verbosity("M_ERROR") if not hasattr(nest, "VerbosityLevel") else \
        setattr(nest, "verbosity", nest.VerbosityLevel.ERROR)
    nest.ResetKernel()
    nest.local_num_threads = 1
    nest.resolution = 0.1
    nodes = {n: nest.Create("iaf_psc_delta", SIZES[n], params=dict(
        E_L=0.0, V_th=20.0, V_reset=0.0, V_m=0.0, tau_m=PARAMS[n][0], t_ref=PARAMS[n][1])) for n in SIZES}
    gen = nest.Create("poisson_generator", params={"rate": EXT_HZ})
    for n in SIZES:
        nest.Connect(gen, nodes[n], syn_spec={"weight": 1.0, "delay": 0.1})
    for (s, t), w in W.items():
        nest.Connect(nodes[s], nodes[t], {"rule": "fixed_indegree", "indegree": K[s], "allow_autapses": False},
                     {"weight": w, "delay": DELAY})
    recs = {n: nest.Create("spike_recorder", params={"start": WARM}) for n in SIZES}
    for n in SIZES:
        nest.Connect(nodes[n], recs[n])
    t0 = time.perf_counter()
    nest.Simulate(duration)
    elapsed = time.perf_counter() - t0
    return elapsed, {n: recs[n].n_events / SIZES[n] / ((duration - WARM) / 1000.0) for n in SIZES}


def density_circuit(duration: float, accelerate) -> tuple[float, dict, DensitySolver]:
    pops = [Population(n, tau_m=PARAMS[n][0], t_ref=PARAMS[n][1], threshold=20.0, v_min=-15.0, dv=0.1)
            for n in SIZES]
    conns = [Connection("x", n, 1.0, 1.0) for n in SIZES]
    conns += [Connection(s, t, K[s], w, DELAY) for (s, t), w in W.items()]
    solver = DensitySolver(pops, conns, [ExternalPopulation("x", EXT_HZ)], dt=0.1, accelerate=accelerate)
    solver.run(1.0)                                   # compiles / warms caches
    solver.reset_state()
    t0 = time.perf_counter()
    res = solver.run(duration)
    elapsed = time.perf_counter() - t0
    late = res.times >= WARM
    return elapsed, {n: float(res.rate(n)[late].mean()) for n in SIZES}, solver


EI_SCRIPT = """
import sys, time
sys.path.insert(0, {root!r})
from simulators.popnet.network import PopNetwork
from simulators.popnet.solver import DensitySolver
from simulators.core.run import load_config
cfg = load_config({cfg!r})
net = PopNetwork.from_config(cfg)
s = DensitySolver(net.populations, net.connections, net.externals, dt=0.1)
s.run(1.0)
s.reset_state()
t = time.perf_counter(); r = s.run(1000.0); print(time.perf_counter() - t, *r.rates[r.times > 100].mean(0))
"""


def ei_network(root: Path, folder: Path) -> tuple[float, list]:
    """(run seconds, mean rates) of examples/ei_network on popnet with the code in ``root``."""
    out = subprocess.run([sys.executable, "-c", EI_SCRIPT.format(root=str(root), cfg=str(folder / "simulation_config.json"))],
                         capture_output=True, text=True, check=True, cwd=root)
    values = [float(x) for x in out.stdout.split()]
    return values[0], values[1:]


def many_populations(npop: int, duration: float) -> float:
    """Seconds per population per simulated second."""
    rng = np.random.default_rng(0)
    pops = [Population(f"p{i}", tau_m=rng.uniform(10, 30), threshold=20.0, v_min=-10.0, dv=0.1)
            for i in range(npop)]
    conns = [Connection("x", f"p{i}", 100, 1.0, 1.0) for i in range(npop)]
    conns += [Connection(f"p{i}", f"p{(i + 1) % npop}", 50, -0.5, 2.0) for i in range(npop)]
    solver = DensitySolver(pops, conns, [ExternalPopulation("x", 12.0)], dt=0.1)
    solver.run(1.0)
    t0 = time.perf_counter()
    solver.run(duration)
    return (time.perf_counter() - t0) / npop / (duration / 1000.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated ms for (a)")
    ap.add_argument("--no-nest", action="store_true", help="skip NEST in (a)")
    ap.add_argument("--baseline", type=Path, help="checkout of older code to time on (b)")
    args = ap.parse_args()
    print(f"numba kernel: {'yes' if kernel.HAVE_NUMBA else 'no (pure numpy)'}")

    steps = round(args.duration / 0.1)
    ours, rates, solver = density_circuit(args.duration, "auto")
    numpy_s, numpy_rates, _ = density_circuit(args.duration, False)
    print(f"(a) E/I circuit 16,000 E + 4,000 I, {args.duration:g} ms at dt 0.1 ms "
          f"({solver.grids[0].n} voltage cells per population, internal step {solver.h:g} ms)")
    print(f"    density solver: {ours:8.3f} s  {steps / ours:9.0f} steps/s   rates E {rates['e']:.3f} Hz, "
          f"I {rates['i']:.3f} Hz")
    print(f"    numpy path:     {numpy_s:8.3f} s  {steps / numpy_s:9.0f} steps/s   rates E {numpy_rates['e']:.3f} Hz, "
          f"I {numpy_rates['i']:.3f} Hz")
    if not args.no_nest:
        nest_s, nest_rates = nest_circuit(args.duration)
        dev = {n: rates[n] / nest_rates[n] - 1.0 for n in SIZES}
        print(f"    NEST Simulate:  {nest_s:8.3f} s  (1 thread)                 rates E {nest_rates['e']:.3f} Hz, "
              f"I {nest_rates['i']:.3f} Hz (solver {dev['e']:+.2%} / {dev['i']:+.2%})")
        print(f"    ratio NEST Simulate / density run: {nest_s / ours:.1f}x (numpy path {nest_s / numpy_s:.1f}x); "
              f"target >= 10x")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ei_network"
        shutil.copytree(ROOT / "examples" / "ei_network", folder, ignore=shutil.ignore_patterns("network", "output", "inputs"))
        subprocess.run([sys.executable, str(folder / "build.py")], check=True, capture_output=True, cwd=folder,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        t_new, r_new = ei_network(ROOT, folder)
        print(f"(b) examples/ei_network on popnet, 1 s at dt 0.1 ms: {t_new:.3f} s, {10000 / t_new:.0f} steps/s, "
              f"rates E {r_new[0]:.3f} / I {r_new[1]:.3f} Hz")
        if args.baseline:
            t_old, r_old = ei_network(args.baseline.resolve(), folder)
            print(f"    baseline {args.baseline}: {t_old:.3f} s (rates {r_old[0]:.3f} / {r_old[1]:.3f} Hz); "
                  f"ratio {t_old / t_new:.1f}x (target >= 20x)")

    print("(c) cost per population (dv 0.1 mV, 300 cells each, dt 0.1 ms):")
    for npop in (2, 10, 100):
        cost = many_populations(npop, 200.0 if npop < 100 else 100.0)
        print(f"    {npop:4d} populations: {cost * 1000:8.2f} ms per population per simulated second")


if __name__ == "__main__":
    main()
