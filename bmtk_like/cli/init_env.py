"""Create a runnable simulation folder, as BMTK's create_environment does.

    bmtk-like init pointnet sim                                  # a starter E/I circuit, ready to run
    bmtk-like init pointnet sim --network my/network --components my/components --tstop 500
    bmtk-like init bionet sim --iclamp 0.2,100,500 --report-vars v
    bmtk-like init popnet sim --network net --rates-input lgn:lgn_rates.csv

then: bmtk-like run sim/config.<level>.json   (or: python sim/run_<level>.py)

Writes config.<level>.json (manifest, run, inputs, reports, output, components, networks),
components folders, run_<level>.py (BMTK's four lines) and, when the network folder is empty,
a starter circuit (pointnet/popnet: 100 LIF cells; bionet: 10 Hodgkin-Huxley cells from NEURON's
built-in hh; no .mod files needed). Units: ms, nA.
"""
from __future__ import annotations

import argparse

HELP = "create a runnable simulation folder (BMTK's create_environment)"


def _floats(text: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("level", choices=("pointnet", "bionet", "popnet"),
                        help="pointnet (NEST), bionet (NEURON) or popnet (population density)")
    parser.add_argument("base_dir", metavar="DIR", help="the simulation folder (created if missing)")
    parser.add_argument("-n", "--network", "--network-dir", dest="network", default=None, metavar="DIR",
                        help="folder of SONATA network files (default DIR/network; starter circuit if empty)")
    parser.add_argument("-c", "--components", "--components-dir", dest="components", default=None, metavar="DIR",
                        help="components folder (default DIR/components)")
    parser.add_argument("-o", "--output-dir", default=None, metavar="DIR", help="output folder (default DIR/output)")
    parser.add_argument("--tstop", type=float, default=1000.0, metavar="MS", help="simulated time (ms, default 1000)")
    parser.add_argument("--dt", type=float, default=None, metavar="MS",
                        help="time step (ms; default 0.1, bionet 0.025)")
    parser.add_argument("--iclamp", type=_floats, default=None, metavar="AMP,DELAY,DURATION",
                        help="current clamp on every cell (nA, ms, ms)")
    parser.add_argument("--spikes-input", "--spikes-inputs", dest="spikes_inputs", action="append", default=[],
                        metavar="POP:FILE", help="spike trains (h5/csv/nwb) played by a virtual population; repeatable")
    parser.add_argument("--rates-input", "--rates-inputs", dest="rates_inputs", action="append", default=[],
                        metavar="POP:FILE", help="population rates (popnet only); repeatable")
    parser.add_argument("--report-vars", action="append", default=[], metavar="VARS",
                        help="membrane variables to record, e.g. v,cai (or POP:VAR)")
    parser.add_argument("--report-nodes", default=None, metavar="IDS",
                        help="node ids to record, e.g. 0,1,2 or POP:0,1,2 (default all cells)")
    parser.add_argument("--compile-mechanisms", action="store_true",
                        help="bionet: compile the .mod files of components/mechanisms now")
    parser.add_argument("--no-starter", action="store_true", help="do not write a starter circuit into an empty network folder")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing config and run script")


def _compiler():
    from simulators.bionet.mechanisms import compile_mechanisms
    return compile_mechanisms


def run(args: argparse.Namespace) -> int:
    from bmtk_like.scaffold import create_environment
    from bmtk_like.validate import validate

    env = create_environment(args.level, args.base_dir, network_dir=args.network, components_dir=args.components,
                             output_dir=args.output_dir, tstop=args.tstop, dt=args.dt, current_clamp=args.iclamp,
                             spikes_inputs=args.spikes_inputs, rates_inputs=args.rates_inputs,
                             report_vars=args.report_vars, report_nodes=args.report_nodes,
                             compile_mechanisms=_compiler() if args.compile_mechanisms else None,
                             overwrite=args.overwrite,
                             starter=not args.no_starter)
    for note in env.notes:
        print(f"note: {note}")
    print(f"wrote {env.config}\n      {env.run_script}\n      components in {env.components_dir}")
    from simulators.core.registry import known_backends
    from simulators.core.validate_as_run import run_checks
    findings = [f for f in validate([env.config], simulators=known_backends(), run_checks=run_checks)
                if f.severity in ("error", "warning")]
    for finding in findings:
        print(finding)
    print(f"next: bmtk-like run {env.config}   (outputs in {env.output_dir})")
    return 0
