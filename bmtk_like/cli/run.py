"""Run a simulation config on NEURON, NEST or the population-density solver.

    bmtk-like run simulation_config.json                      # the config's target_simulator
    bmtk-like run simulation_config.json --simulator popnet   # another level -> output_popnet/
    bmtk-like run simulation_config.json --output-dir runs/a  # anywhere you like
    bmtk-like run bio_config.json --coreneuron                # NEURON builds, CoreNEURON simulates

Output folder: the config's ``output.output_dir`` for its own ``target_simulator``; another
level chosen with ``--simulator`` writes to ``<output_dir>_<level>`` (``output_popnet``,
``output_nest``, ``output_neuron``) so runs of different levels never replace each other;
``--output-dir`` always wins. After the run, one line per population (cells, spikes, mean
rate) is printed and appended to the log. A progress bar with ETA is shown on stderr when
it is a terminal (``--quiet`` hides it).
"""
from __future__ import annotations

import argparse

HELP = "run a simulation config (NEST, NEURON or popnet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="simulation_config.json (or BMTK's config.json)")
    parser.add_argument("--simulator", default=None,
                        help="run on this level instead of target_simulator: NEST, NEURON or popnet")
    parser.add_argument("--output-dir", default=None, metavar="DIR",
                        help="write the outputs here (default: see above)")
    parser.add_argument("--tstop", type=float, default=None, metavar="MS", help="override run.tstop (ms)")
    parser.add_argument("--coreneuron", action="store_true",
                        help="NEURON only: simulate on CoreNEURON (as run.coreneuron = true; docs/coreneuron.md)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar and no summary lines (files and errors only)")


def run(args: argparse.Namespace) -> int:
    import simulators
    from simulators.core.launcher import launcher_rank

    overrides = {}
    if args.tstop is not None:
        overrides["tstop"] = args.tstop
    if args.coreneuron:
        overrides["coreneuron"] = True
    result = simulators.run(args.config, simulator=args.simulator, output_dir=args.output_dir,
                            progress=False if args.quiet else None, **overrides)
    if launcher_rank() != 0:            # under mpirun, rank 0 reports (it wrote the files)
        return 0
    print(f"{result.backend}: outputs in {result.output_dir}")
    for name, path in sorted((getattr(result, "files", None) or {}).items()):
        print(f"  {name}: {path}")
    if not args.quiet:
        from simulators.core.summary import summary_lines
        rows = result.extra.get("summary") or []
        if rows:
            print(f"{result.backend} summary ({len(rows)} population{'s' if len(rows) != 1 else ''}):")
            for line in summary_lines(rows):
                print(f"  {line}")
    return 0
