"""Reduction speed: a 450-cell circuit with the five Allen perisomatic types of BMTK's bio_14cells
(90 cells each, recurrent E/I edges and an LGN-like virtual input), reduced with an empty cache on
``--workers`` processes, then again (served from the cache). Target: under 2 minutes on 2 cores.

    .venv/bin/python benchmarks/reduce_450.py [--workers 2]

Needs the BMTK example fixtures (``$BMTK_LIKE_FIXTURES``, default ``../shared/fixtures/bmtk_examples``).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FIXTURES = Path(os.environ.get("BMTK_LIKE_FIXTURES", ROOT.parent / "shared" / "fixtures" / "bmtk_examples"))
TYPES = [("Scnn1a", "e", "Scnn1a_473845048_m.swc", "472363762_fit.json"),
         ("Rorb", "e", "Rorb_325404214_m.swc", "473863510_fit.json"),
         ("Nr5a1", "e", "Nr5a1_471087815_m.swc", "473863035_fit.json"),
         ("PV1", "i", "Pvalb_470522102_m.swc", "472912177_fit.json"),
         ("PV2", "i", "Pvalb_469628681_m.swc", "473862421_fit.json")]


def build(folder: Path) -> Path:
    from builders import NetworkBuilder
    from builders.rules import FixedInDegree, FixedProbability
    comps = FIXTURES / "bio_components"
    v1 = NetworkBuilder("v1", seed=1)
    for name, ei, morph, params in TYPES:
        v1.add_nodes(N=90, pop_name=name, ei=ei, model_type="biophysical", model_template="ctdb:Biophys1.hoc",
                     model_processing="aibs_perisomatic", morphology=morph, dynamics_params=params)
    for src, trg, w, syn, secs in (("e", "e", 5e-5, "AMPA_ExcToExc.json", "['basal', 'apical']"),
                                   ("e", "i", 1e-4, "AMPA_ExcToInh.json", "['somatic', 'basal']"),
                                   ("i", "e", 2e-4, "GABA_InhToExc.json", "['somatic', 'basal']"),
                                   ("i", "i", 2e-4, "GABA_InhToInh.json", "['somatic', 'basal']")):
        v1.add_edges(source=v1.nodes(ei=src), target=v1.nodes(ei=trg), connection_rule=FixedProbability(0.1, nsyns=3),
                     syn_weight=w, delay=2.0, model_template="exp2syn", dynamics_params=syn,
                     target_sections=secs, distance_range="[0.0, 150.0]")
    lgn = NetworkBuilder("lgn", seed=2)
    lgn.add_nodes(N=100, pop_name="LGN", model_type="virtual")
    lgn.add_edges(source=lgn.nodes(), target=v1.nodes(), connection_rule=FixedInDegree(20, nsyns=2), syn_weight=1e-4,
                  delay=2.0, model_template="exp2syn", dynamics_params="AMPA_ExcToExc.json",
                  target_sections="['basal', 'apical', 'somatic']", distance_range="[0.0, 150.0]")
    for net in (v1, lgn):
        net.build()
        net.save(str(folder / "network"), overwrite=True)
    config = {"run": {"tstop": 1000.0, "dt": 0.1, "dL": 20.0, "spike_threshold": -15.0},
              "conditions": {"celsius": 34.0, "v_init": -80.0}, "target_simulator": "NEURON",
              "components": {"morphologies_dir": str(comps / "morphologies"),
                             "synaptic_models_dir": str(comps / "synaptic_models"),
                             "mechanisms_dir": str(comps / "mechanisms"),
                             "biophysical_neuron_models_dir": str(comps / "biophysical_neuron_templates" / "ctdb")},
              "networks": {"nodes": [{"nodes_file": str(folder / "network" / f"{p}_nodes.h5"),
                                      "node_types_file": str(folder / "network" / f"{p}_node_types.csv")}
                                     for p in ("v1", "lgn")],
                           "edges": [{"edges_file": str(folder / "network" / f"{p}_edges.h5"),
                                      "edge_types_file": str(folder / "network" / f"{p}_edge_types.csv")}
                                     for p in ("v1_v1", "lgn_v1")]},
              "output": {"output_dir": str(folder / "output")}}
    path = folder / "config.json"
    path.write_text(json.dumps(config, indent=1))
    return path


def main(workers: int) -> None:
    import simulators.reduction.reduce as red
    folder = Path(tempfile.mkdtemp(prefix="reduce450-"))
    try:
        config = build(folder)
        red.cache_dir = lambda: folder / "cache"
        t0 = time.perf_counter()
        first = red.reduce_circuit(config, folder / "reduced", workers=workers)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        red.reduce_circuit(config, folder / "reduced2", workers=workers)
        warm = time.perf_counter() - t0
        print(f"450 cells, {len(first.types)} biophysical types, {workers} workers: cold {cold:.1f} s "
              f"({', '.join(f'{k} {v:.1f}' for k, v in first.timings.items())}), cached rerun {warm:.1f} s; "
              f"target < 120 s: {'met' if cold < 120 else 'MISSED'}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    main(parser.parse_args().workers)
