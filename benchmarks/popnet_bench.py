"""PopNet speed: our sparse density solver against a dense DiPDE-style reference.

(a) One LIF population on a fine grid (default 1,250 cells): steps per second of
    ``DensitySolver`` against a straightforward dense reference written here —
    the full n × n flux matrix (same upwind leak, jumps and reset reinjection),
    reassembled each step (input rates change in a network) and advanced with
    a Taylor series of exp(dt·A) until terms fall below 1e-9. Both must reach
    the same rate (checked, 1%). Target: ratio >= 20.
(b) 1,000 populations (300 cells each by default: dv = 0.1 mV from v_min = -10 mV
    to θ = 20 mV; --pop-cells) with external input and recurrent inhibition, each
    population its own τ and input weight, stepped together for 100 ms:
    population-steps per second. --sweep repeats (b) at 60, 150, 200 and 300 cells;
    --engine sparse measures the generic engine instead of the batched one.
    Target: >= 0.5 M.

Run: ``.venv/bin/python benchmarks/popnet_bench.py [--cells 1250] [--pops 1000]
[--pop-cells 300] [--sweep] [--engine auto|batched|sparse]``
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulators.popnet import distributions as dists  # noqa: E402
from simulators.popnet.operators import jump_coo, leak_generator  # noqa: E402
from simulators.popnet.solver import (Connection, DensitySolver, ExternalPopulation,  # noqa: E402
                                      Population)

TAU, THETA, W, RATE_HZ, DT = 20.0, 20.0, 5.0, 100.0, 0.1


def dense_reference(pop: Population, steps: int) -> tuple[float, float]:
    """(final rate Hz, steps per second) of the dense flux-matrix stepping."""
    g = pop.grid()
    n = g.n
    leak = leak_generator(g, TAU).toarray()
    rows, cols, vals = jump_coo(g, *dists.split_on_grid(dists.delta(W), g.cell))
    q = np.zeros((n + 1, n))
    np.add.at(q, (rows, cols), vals)
    reset = np.zeros(n)
    cells, weights = g.split_point(0.0)
    reset[cells] = weights
    p = reset.copy()
    rate = 0.0
    t0 = time.perf_counter()
    for _ in range(steps):
        lam = RATE_HZ / 1000.0                       # per ms; reassembled as in a network
        fire = lam * q[n]
        a = leak + lam * (q[:n] - np.eye(n)) + np.outer(reset, fire)
        term, new = p.copy(), p.copy()
        m = 0
        while np.abs(term).sum() > 1e-9 and m < 200:
            m += 1
            term = (DT / m) * (a @ term)
            new += term
        rate = float(fire @ (0.5 * (p + new))) * 1000.0
        p = new
    return rate, steps / (time.perf_counter() - t0)


def sparse_single(pop: Population, steps: int) -> tuple[float, float]:
    solver = DensitySolver([pop], [Connection("x", pop.name, 1.0, W)],
                           [ExternalPopulation("x", RATE_HZ)], dt=DT)
    solver.run(10 * DT)                              # warm-up (allocations)
    solver.reset_state()
    t0 = time.perf_counter()
    res = solver.run(steps * DT)
    return float(res.rates[-1, 0]), steps / (time.perf_counter() - t0)


def many_populations(npop: int, duration: float, cells: int, engine: str = "auto") -> float:
    """Population-steps per second of ``npop`` populations of ``cells`` cells."""
    rng = np.random.default_rng(0)
    dv = (THETA + 10.0) / cells
    pops = [Population(f"p{i}", tau_m=rng.uniform(10, 30), threshold=THETA, v_min=-10.0, dv=dv)
            for i in range(npop)]
    conns = [Connection("x", f"p{i}", 100, rng.uniform(0.5, 1.5), 1.0) for i in range(npop)]
    conns += [Connection(f"p{i}", f"p{(i + 1) % npop}", 50, -0.5, 2.0) for i in range(npop)]
    solver = DensitySolver(pops, conns, [ExternalPopulation("x", 10.0)], dt=DT, engine=engine)
    solver.run(10 * DT)
    t0 = time.perf_counter()
    solver.run(duration)
    elapsed = time.perf_counter() - t0
    return npop * round(duration / DT) / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cells", type=int, default=1250, help="voltage cells of the single population")
    ap.add_argument("--pops", type=int, default=1000, help="populations in part (b)")
    ap.add_argument("--pop-cells", type=int, default=300, help="voltage cells per population in (b)")
    ap.add_argument("--sweep", action="store_true", help="(b) at 60, 150, 200 and 300 cells")
    ap.add_argument("--engine", default="auto", choices=["auto", "batched", "sparse"],
                    help="density engine for (b)")
    ap.add_argument("--ref-steps", type=int, default=200, help="steps timed for the dense reference")
    args = ap.parse_args()

    v_min = -5.0
    pop = Population("e", tau_m=TAU, threshold=THETA, v_min=v_min, dv=(THETA - v_min) / args.cells)
    ref_rate_short, ref_speed = dense_reference(pop, args.ref_steps)
    ours_rate_short, _ = sparse_single(pop, args.ref_steps)
    ours_rate, ours_speed = sparse_single(pop, 5000)
    agree = abs(ref_rate_short - ours_rate_short) / max(ref_rate_short, 1e-12)
    print(f"(a) one population, {pop.grid().n} cells, dt = {DT} ms, w = {W} mV, input {RATE_HZ} Hz")
    print(f"    dense reference: {ref_speed:10.1f} steps/s   rate after {args.ref_steps * DT:g} ms "
          f"= {ref_rate_short:.4f} Hz")
    print(f"    DensitySolver:   {ours_speed:10.1f} steps/s   rate after {args.ref_steps * DT:g} ms "
          f"= {ours_rate_short:.4f} Hz (relative difference {agree:.2%}); steady {ours_rate:.4f} Hz")
    print(f"    ratio: {ours_speed / ref_speed:.1f}x  (target >= 20x)")
    for cells in ((60, 150, 200, 300) if args.sweep else (args.pop_cells,)):
        rate = many_populations(args.pops, 100.0, cells, args.engine)
        print(f"(b) {args.pops} populations x {cells} cells stepped together ({args.engine} engine): "
              f"{rate / 1e6:.3f} M population-steps/s  ratio to target 0.5 M: {rate / 5e5:.2f}")


if __name__ == "__main__":
    main()
