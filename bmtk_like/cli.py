"""The ``bmtk-like`` command: validate circuits/configs, run simulations, plot results.

    bmtk-like validate CONFIG_OR_FILES...   check a circuit and its config; exit 1 on errors
    bmtk-like run CONFIG [--simulator X]    run on the config's target_simulator (or X)
    bmtk-like raster SPIKES_FILE -o PNG     raster + rate plot of a SONATA/CSV spikes file
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bmtk_like.errors import BmtkLikeError


def _cmd_validate(args: argparse.Namespace) -> int:
    from bmtk_like.validate import validate
    from simulators.core.registry import known_backends
    findings = validate(args.paths, simulators=known_backends())
    for finding in findings:
        print(finding)
    errors = [f for f in findings if f.severity == "error"]
    print(f"{len(errors)} error(s), {len(findings) - len(errors)} warning(s) in {' '.join(args.paths)}")
    return 1 if errors else 0


def _cmd_run(args: argparse.Namespace) -> int:
    import simulators
    overrides = {}
    if args.tstop is not None:
        overrides["tstop"] = args.tstop
    result = simulators.run(args.config, simulator=args.simulator, **overrides)
    from simulators.core.launcher import launcher_rank
    if launcher_rank() != 0:            # under mpirun, rank 0 reports (it wrote the files)
        return 0
    print(f"{result.backend}: outputs in {result.output_dir}")
    for name, path in sorted((getattr(result, "files", None) or {}).items()):
        print(f"  {name}: {path}")
    return 0


def _cmd_raster(args: argparse.Namespace) -> int:
    from bmtk_like.analysis import plot_raster
    out = Path(args.output or Path(args.spikes).with_suffix(".png"))
    plot_raster(args.spikes, out)
    print(f"raster written to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bmtk-like", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check circuit files and configs")
    p.add_argument("paths", nargs="+", help="simulation/circuit config JSON or *_nodes.h5/*_edges.h5 files")
    p.set_defaults(func=_cmd_validate)
    p = sub.add_parser("run", help="run a simulation config")
    p.add_argument("config", help="simulation_config.json")
    p.add_argument("--simulator", default=None, help="override target_simulator (NEST, NEURON, popnet)")
    p.add_argument("--tstop", type=float, default=None, help="override run.tstop (ms)")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("raster", help="plot a spikes file")
    p.add_argument("spikes")
    p.add_argument("-o", "--output", default=None, help="PNG path (default: next to the spikes file)")
    p.set_defaults(func=_cmd_raster)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BmtkLikeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
