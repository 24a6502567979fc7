"""Build a 5,000-cell cortical column with array rules and a virtual thalamus, then save it as SONATA.

    python examples/builder_column/build.py [output_dir] [--workers N]

Writes network/v1_*.h5/csv and network/lgn_*.h5/csv; prints the population-level
connectivity. Same seed, same bytes, whatever --workers.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

from builders import (DistanceProbability, DistanceValues, FixedInDegree, FixedProbability,  # noqa: E402
                      NetworkBuilder, NormalValues)
from builders.positions import positions_columnar  # noqa: E402


def build(output_dir: str, workers: int = 1, overwrite: bool = False) -> tuple[NetworkBuilder, NetworkBuilder]:
    v1 = NetworkBuilder("v1", seed=2024)
    for pop, ei, n, seed in (("Exc", "e", 4000, 1), ("PV", "i", 1000, 2)):
        v1.add_nodes(N=n, pop_name=pop, ei=ei, model_type="point_neuron", model_template="nest:iaf_psc_alpha",
                     dynamics_params=f"{pop}.json",
                     positions=positions_columnar(n, center=(0, 0, 0), height=200.0, max_radius=400.0, seed=seed),
                     tuning_angle=np.linspace(0, 360, n, endpoint=False))

    # E -> E: Gaussian distance rule (sigma 100 µm, cut at 300 µm); weights jittered, delays by distance
    ee = v1.add_edges(source={"ei": "e"}, target={"ei": "e"}, syn_weight=1.0, delay=1.0,
                      connection_rule=DistanceProbability(p_max=0.3, sigma=100.0, cutoff=300.0, allow_autapses=False),
                      dynamics_params="ExcToExc.json", model_template="static_synapse")
    ee.add_properties("syn_weight", rule=NormalValues(1.0, 0.2, lower=0.0), dtypes=float)
    ee.add_properties("delay", rule=DistanceValues(lambda d: 1.0 + d / 500.0), dtypes=float)   # ms
    # E -> I and I -> all: fixed in-degree
    v1.add_edges(source={"ei": "e"}, target={"ei": "i"}, connection_rule=FixedInDegree(80),
                 syn_weight=2.0, delay=1.0, dynamics_params="ExcToInh.json", model_template="static_synapse")
    v1.add_edges(source={"ei": "i"}, target=v1.nodes(), connection_rule=FixedInDegree(40, allow_autapses=False),
                 syn_weight=-6.0, delay=1.0, dynamics_params="InhToAll.json", model_template="static_synapse")

    lgn = NetworkBuilder("lgn", seed=2024)
    lgn.add_nodes(N=500, model_type="virtual", pop_name="tON", ei="e")
    lgn.add_edges(target=v1.nodes(ei="e", tuning_angle=lambda a: a < 180.0), connection_rule=FixedProbability(0.05),
                  syn_weight=3.0, delay=2.0, dynamics_params="LGN.json", model_template="static_synapse")

    v1.build(workers=workers)
    lgn.build(workers=workers)
    v1.save(output_dir, overwrite=overwrite)
    lgn.save(output_dir, overwrite=overwrite)
    return v1, lgn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output_dir", nargs="?", default=str(Path(__file__).parent / "network"))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    v1, lgn = build(args.output_dir, args.workers, args.overwrite)
    print(f"v1: {v1.nnodes} nodes, {v1.nedges} synapses; lgn: {lgn.nnodes} nodes, {lgn.nedges} synapses "
          f"-> {args.output_dir}")
    graph = lgn.to_networkx(level="population")
    graph.update(v1.to_networkx(level="population"))
    for (src, trg, data) in sorted(graph.edges(data=True)):
        print(f"  {src[0]}:{src[1]:>4s} -> {trg[0]}:{trg[1]:>4s}  {data['mean_indegree']:6.1f} synapses per target")


if __name__ == "__main__":
    main()
