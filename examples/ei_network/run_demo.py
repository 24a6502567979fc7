"""The main job: build the example E/I circuit, validate it, simulate it, plot it.

    python examples/ei_network/run_demo.py [--simulator NEST|popnet|NEURON]

Prints where the spikes file, the CSV and the raster PNG were written.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import build  # noqa: E402  (this folder's build.py)
import simulators  # noqa: E402
from bmtk_like.analysis import plot_raster  # noqa: E402
from bmtk_like.validate import validate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--simulator", default=None, help="override target_simulator")
    args = parser.parse_args()
    config = HERE / "simulation_config.json"

    t0 = time.perf_counter()
    build.build(HERE)
    print(f"[build]    circuit written to {HERE / 'network'} in {time.perf_counter() - t0:.2f} s")

    findings = validate([config])
    for finding in findings:
        print(f"[validate] {finding}")
    if any(f.severity == "error" for f in findings):
        return 1
    print(f"[validate] {config.name}: no errors")

    t0 = time.perf_counter()
    result = simulators.run(config, simulator=args.simulator)
    print(f"[simulate] {result.backend} finished in {time.perf_counter() - t0:.2f} s; outputs in {result.output_dir}")
    for name, path in sorted(result.files.items()):
        print(f"[output]   {name}: {path}")

    if result.spikes is not None:
        raster = Path(result.output_dir) / "raster.png"
        groups = {"E": {"cortex": range(build.N_EXC)},
                  "I": {"cortex": range(build.N_EXC, build.N_EXC + build.N_INH)}}
        plot_raster(result.spikes, raster, groups=groups, title=f"E/I example on {result.backend}")
        print(f"[output]   raster: {raster}")
    from simulators.core.summary import summary_lines
    for line in summary_lines(result.extra.get("summary") or []):
        print(f"[summary]  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
