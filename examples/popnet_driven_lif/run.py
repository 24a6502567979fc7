"""Rate of a Poisson-driven LIF population: density solver vs diffusion vs NEST.

θ = 20 mV, τ = 20 ms, jumps of w = 5 mV: the diffusion (Siegert) formula is
about 20% low in the fluctuation-driven range, the density solver is not.

    .venv/bin/python examples/popnet_driven_lif/run.py            # density + diffusion
    .venv/bin/python examples/popnet_driven_lif/run.py --nest     # + 10,000 NEST neurons per point

Writes output/rates_vs_input.png next to this script.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from simulators.popnet.siegert import poisson_drive, siegert_rate  # noqa: E402
from simulators.popnet.solver import Connection, DensitySolver, ExternalPopulation, Population  # noqa: E402
from simulators.popnet.steady_state import steady_state  # noqa: E402

TAU, THETA, W = 20.0, 20.0, 5.0


def density_rate(input_hz: float) -> float:
    """Stationary rate (Hz) from the density solver."""
    pop = Population("lif", tau_m=TAU, threshold=THETA, v_min=-2.0, dv=0.05)
    solver = DensitySolver([pop], [Connection("in", "lif", 1.0, W)], [ExternalPopulation("in", input_hz)])
    return steady_state(solver).rates["lif"]


def nest_rate(input_hz: float, n: int = 10_000, t_ms: float = 2000.0) -> float:
    """Mean rate (Hz) of n independent iaf_psc_delta neurons in NEST."""
    import nest

    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.local_num_threads = 2
    nest.resolution = 0.1
    cells = nest.Create("iaf_psc_delta", n, params=dict(E_L=0.0, V_th=THETA, V_reset=0.0, V_m=0.0,
                                                       tau_m=TAU, t_ref=0.0))
    gen = nest.Create("poisson_generator", params={"rate": input_hz})
    nest.Connect(gen, cells, syn_spec={"weight": W, "delay": 0.1})
    rec = nest.Create("spike_recorder", params={"start": 200.0})
    nest.Connect(cells, rec)
    nest.Simulate(t_ms + 200.0)
    return rec.n_events / n / (t_ms / 1000.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nest", action="store_true", help="also simulate 10,000 NEST neurons per input rate")
    args = ap.parse_args()
    inputs = np.array([70.0, 85.0, 100.0, 115.0, 130.0])
    dens = np.array([density_rate(r) for r in inputs])
    diff = np.array([siegert_rate(*poisson_drive([r], [W], TAU), TAU, THETA) for r in inputs])
    nest = np.array([nest_rate(r) for r in inputs]) if args.nest else None
    print("input Hz   density Hz   diffusion Hz" + ("   NEST Hz" if args.nest else ""))
    for i, r in enumerate(inputs):
        print(f"{r:8.0f} {dens[i]:12.3f} {diff[i]:14.3f}" + (f" {nest[i]:9.3f}" if args.nest else ""))

    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    ax.plot(inputs, dens, "o-", label="density solver")
    ax.plot(inputs, diff, "s--", label="diffusion (Siegert)")
    if nest is not None:
        ax.plot(inputs, nest, "k^", label="NEST, 10,000 neurons")
    ax.set_xlabel("input rate (Hz), w = 5 mV")
    ax.set_ylabel("output rate (Hz)")
    ax.legend()
    out = HERE / "output"
    out.mkdir(exist_ok=True)
    fig.savefig(out / "rates_vs_input.png", dpi=100)
    print(f"plot: {out / 'rates_vs_input.png'}")


if __name__ == "__main__":
    main()
