"""The ``bmtk-like reduce`` subcommand (registered by ``bmtk_like.cli`` through :func:`add_parser`)."""
from __future__ import annotations

import argparse


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``reduce CONFIG --out DIR [--point-model MODEL] [--workers N] [--no-cache]``."""
    p = subparsers.add_parser("reduce", help="reduce a biophysical circuit to point neurons (NEST/popnet copy)")
    p.add_argument("config", help="simulation_config.json of the biophysical circuit")
    p.add_argument("--out", required=True, help="folder for the reduced circuit, its config and report")
    p.add_argument("--point-model", default="nest:iaf_psc_exp", help="point model to fit (default nest:iaf_psc_exp)")
    p.add_argument("--workers", type=int, default=2, help="NEURON processes measuring cells (default 2)")
    p.add_argument("--no-cache", action="store_true", help="measure again even when cached results exist")
    p.set_defaults(func=run_command)
    return p


def run_command(args: argparse.Namespace) -> int:
    from simulators.reduction import reduce_circuit
    result = reduce_circuit(args.config, args.out, point_model=args.point_model, workers=args.workers,
                            use_cache=not args.no_cache)
    for t in result.types:
        m = t.measurement
        i = m["fi_multiples"].index(2.0)
        print(f"  {t.population} {t.node_type_id} {t.pop_name}: rheobase {m['rheobase_nA']:.4f} nA, "
              f"2x rheobase {m['fi_rates_hz'][i]:.1f} Hz (cell) / {t.point_rates_hz[i]:.1f} Hz (point)")
    print(f"reduced circuit: {result.config_path}")
    print(f"report: {result.report_path}")
    print(f"timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.timings.items()))
    return 0
