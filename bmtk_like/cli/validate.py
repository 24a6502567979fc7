"""Check circuit files and configs; print every finding; exit 1 when there are errors.

    bmtk-like validate simulation_config.json
    bmtk-like validate network/v1_nodes.h5 network/v1_v1_edges.h5
    bmtk-like validate --strict simulation_config.json   (warnings are errors too)
"""
from __future__ import annotations

import argparse

HELP = "check circuit files and configs (exit 1 on errors)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+",
                        help="simulation/circuit config JSON or *_nodes.h5/*_edges.h5 files")
    parser.add_argument("--strict", action="store_true",
                        help="treat warnings (unknown config keys, likely unit slips) as errors")


def run(args: argparse.Namespace) -> int:
    from bmtk_like.validate import validate
    from simulators.core.registry import known_backends
    from simulators.core.validate_as_run import run_checks
    findings = validate(args.paths, strict=args.strict, simulators=known_backends(), run_checks=run_checks)
    for finding in findings:
        print(finding)
    errors = [f for f in findings if f.severity == "error"]
    print(f"{len(errors)} error(s), {len(findings) - len(errors)} warning(s) in {' '.join(args.paths)}")
    return 1 if errors else 0
