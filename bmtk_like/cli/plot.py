"""Plot a run's output folder: spike raster, population rates or membrane traces, coloured by group.

    bmtk-like plot raster output                   # -> output/raster.png
    bmtk-like plot rates output_popnet -o rates.png
    bmtk-like plot traces output --group-by ei

Groups are the circuit's nodes by ``pop_name`` (falling back to ``model_name``), or by
``--group-by COL``; the circuit comes from the config in the folder's ``run_info.json``
(``--config`` for folders BMTK wrote; without any config, spikes are coloured by SONATA
population). Times in ms, rates in Hz.
"""
from __future__ import annotations

import argparse
from pathlib import Path

HELP = "plot raster, rates or traces of an output folder, coloured per group"
KINDS = ("raster", "rates", "traces")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=KINDS, help="what to draw")
    parser.add_argument("output_dir", metavar="OUT_DIR", help="a run's output folder")
    parser.add_argument("--group-by", default=None, metavar="COL",
                        help="node column to colour by (default pop_name, then model_name)")
    parser.add_argument("--config", default=None, help="simulation config (if not in run_info.json)")
    parser.add_argument("--window", type=float, nargs=2, default=None, metavar=("START", "STOP"),
                        help="time window in ms (default: the whole run)")
    parser.add_argument("--bin", type=float, default=None, metavar="MS", help="rate bin width (ms)")
    parser.add_argument("-o", "--output", default=None, metavar="PNG", help="default: OUT_DIR/<kind>.png")


def _groups(out, group_by):
    from bmtk_like.analysis.groups import node_groups
    from bmtk_like.analysis.outputs import require_config
    if out.config is None and group_by is None:
        print(f"note: {out.folder} names no config (pass --config): colouring by SONATA population")
        return None
    return node_groups(require_config(out), group_by)


def run(args: argparse.Namespace) -> int:
    from bmtk_like.analysis.outputs import read_output, run_window
    from bmtk_like.errors import SonataError

    out = read_output(args.output_dir, args.config)
    png = Path(args.output or Path(args.output_dir) / f"{args.kind}.png")
    where = f"{out.label} ({out.folder})"
    if args.kind == "raster":
        from bmtk_like.analysis import plot_raster
        if out.spikes_file is None:
            raise SonataError(f"{out.folder} holds population rates, not spikes (a density-level run); "
                              "use: bmtk-like plot rates " + str(args.output_dir))
        t0, t1 = run_window(out, args.window) if (args.window or out.window or out.config) else (None, None)
        plot_raster(out.spikes(), png, groups=_groups(out, args.group_by), title=f"spike raster: {where}",
                    tstart_ms=t0, tstop_ms=t1, bin_ms=args.bin)
    elif args.kind == "rates":
        from bmtk_like.analysis import plot_rates, population_rates
        if out.spikes_file is not None:
            t0, t1 = run_window(out, args.window)
            from bmtk_like.analysis.plotting import _auto_bin_ms
            rates = population_rates(out.spikes(), t0, t1, _groups(out, args.group_by),
                                     bin_ms=args.bin or _auto_bin_ms(t1 - t0))
        else:
            rates = out.rates()
            if args.window:
                rates = {k: (t[(t >= args.window[0]) & (t < args.window[1])],
                             r[(t >= args.window[0]) & (t < args.window[1])]) for k, (t, r) in rates.items()}
        plot_rates(rates, png, title=f"population rates: {where}")
    else:
        from bmtk_like.analysis import plot_traces
        if not out.report_files:
            candidates = sorted(p for p in out.folder.glob("*.h5") if p.name not in ("spikes.h5", "population_rates.h5"))
            if not candidates:
                raise SonataError(f"{out.folder} has no membrane/compartment report; add a report "
                                  "(module membrane_report / multimeter_report) to the config's reports")
            reports = candidates
        else:
            reports = list(out.report_files.values())
        groups = _groups(out, args.group_by)
        for k, report in enumerate(reports):
            target = png if len(reports) == 1 else png.with_name(f"{png.stem}_{report.stem}{png.suffix}")
            plot_traces(report, target, groups=groups, title=f"{report.stem}: {where}")
            print(f"traces written to {target}")
        return 0
    print(f"{args.kind} written to {png}")
    return 0
