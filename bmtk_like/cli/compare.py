"""Compare runs of one circuit (e.g. NEURON, NEST and popnet): per-group mean rates side by side.

    bmtk-like compare output output_popnet
    bmtk-like compare output output_nest output_popnet --tolerance 0.1 --window 100 1000 --plot rates.png

Groups are the circuit's non-virtual nodes by ``pop_name`` (falling back to ``model_name``;
``--group-by COL`` for another node column), read from the config named in the first folder's
``run_info.json`` (``--config`` for folders BMTK wrote). Exit status 1 when a group firing
>= 1 Hz in the FIRST folder differs by more than the tolerance (relative; default 0.25) in
another folder; 0 otherwise.
"""
from __future__ import annotations

import argparse

HELP = "compare per-population rates of runs at different levels (exit 1 beyond tolerance)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from bmtk_like.analysis.compare import DEFAULT_TOLERANCE
    parser.add_argument("outputs", nargs="+", metavar="OUT_DIR",
                        help="output folders; the first is the reference")
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="F",
                        help=f"largest accepted relative difference (default {DEFAULT_TOLERANCE})")
    parser.add_argument("--window", type=float, nargs=2, default=None, metavar=("START", "STOP"),
                        help="average over [START, STOP) ms (default: each run's whole run)")
    parser.add_argument("--group-by", default=None, metavar="COL",
                        help="node column to group by (default pop_name, then model_name)")
    parser.add_argument("--config", default=None, help="simulation config of the circuit (if not in run_info.json)")
    parser.add_argument("--plot", default=None, metavar="FILE", help="also draw the rates side by side (PNG)")
    parser.add_argument("--csv", default=None, metavar="FILE", help="also write the table as CSV")


def run(args: argparse.Namespace) -> int:
    from bmtk_like.analysis.compare import compare_levels, format_table, plot_comparison
    from bmtk_like.errors import SonataError

    if len(args.outputs) < 2:
        raise SonataError("compare needs at least two output folders, e.g. bmtk-like compare output output_popnet")
    table = compare_levels(args.outputs, group_by=args.group_by, window=tuple(args.window) if args.window else None,
                           tolerance=args.tolerance, config=args.config)
    print(format_table(table))
    if args.csv:
        table.to_csv(args.csv)
        print(f"table written to {args.csv}")
    if args.plot:
        print(f"plot written to {plot_comparison(table, args.plot)}")
    failed = [g for g, ok in table["ok"].items() if not ok]
    if failed:
        print(f"{len(failed)} group(s) differ by more than {100 * args.tolerance:g}% from "
              f"{table.attrs['labels'][0]}: {', '.join(map(str, failed))}")
        return 1
    print(f"every group firing >= 1 Hz in {table.attrs['labels'][0]} is within {100 * args.tolerance:g}%")
    return 0
