"""Reduce a biophysical circuit to point neurons: a copy of the circuit that runs on NEST and popnet.

    bmtk-like reduce config.simulation.json --out reduced/
    bmtk-like run reduced/simulation_config.json                      # NEST
    bmtk-like run reduced/simulation_config.json --simulator popnet   # population density

Every biophysical node type is measured in NEURON (input resistance, time constant, rheobase, f-I,
somatic PSPs of each edge type onto it) and fitted with a NEST iaf_psc_exp; results are cached by what
they depend on, so a rerun is instant. Writes DIR/simulation_config.json, DIR/network/,
DIR/point_neuron_models/, DIR/reduction_report.csv and DIR/fI_curves.png (see simulators/reduction).
"""
from __future__ import annotations

import argparse

HELP = "reduce a biophysical circuit to point neurons (NEST/popnet copy)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="simulation_config.json of the biophysical circuit")
    parser.add_argument("--out", required=True, help="folder for the reduced circuit, its config and report")
    parser.add_argument("--point-model", default="nest:iaf_psc_exp", help="point model to fit (default nest:iaf_psc_exp)")
    parser.add_argument("--workers", type=int, default=2, help="NEURON processes measuring cells (default 2)")
    parser.add_argument("--no-cache", action="store_true", help="measure again even when cached results exist")


def run(args: argparse.Namespace) -> int:
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
    print("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.timings.items()))
    return 0
