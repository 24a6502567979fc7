"""Raster and rate plot of one spikes file (SONATA h5 or CSV) as a PNG.

    bmtk-like raster output/spikes.h5 -o raster.png

``bmtk-like plot raster OUT_DIR --group-by pop_name`` colours by node-table column instead.
"""
from __future__ import annotations

import argparse
from pathlib import Path

HELP = "plot one spikes file (see also: plot raster)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spikes", help="spikes.h5 or spikes.csv")
    parser.add_argument("-o", "--output", default=None, help="PNG path (default: next to the spikes file)")


def run(args: argparse.Namespace) -> int:
    from bmtk_like.analysis import plot_raster
    out = Path(args.output or Path(args.spikes).with_suffix(".png"))
    plot_raster(args.spikes, out)
    print(f"raster written to {out}")
    return 0
