"""Build the multiscale V1-like circuit: four biophysical cell types on real (Allen Cell Types) morphologies
with Pospischil et al. (2008) channels, recurrently connected, driven by an LGN-like population of Poisson
fibres. Writes ``network/`` (SONATA) and ``inputs/lgn_spikes.h5``.

    python build.py                 # from this folder; same seed -> identical files
    python build.py --scale 0.25    # a quarter of the cells (tests)
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bmtk_like.reports import poisson_spike_trains
from builders import NetworkBuilder
from builders.rules import FixedInDegree, FixedProbability

HERE = Path(__file__).resolve().parent
#: pop_name -> (cells, ei, morphology, parameter file)
CELL_TYPES = {
    "Scnn1a": (110, "e", "Scnn1a_473845048_m.swc", "rs_scnn1a.json"),
    "Rorb": (90, "e", "Rorb_325404214_m.swc", "rs_rorb.json"),
    "Nr5a1": (70, "e", "Nr5a1_471087815_m.swc", "rs_nr5a1.json"),
    "PV": (60, "i", "Pvalb_470522102_m.swc", "fs_pvalb.json"),
}
N_LGN = 200
LGN_RATE_HZ = 12.0
LGN_IN_DEGREE = 30
#: (source ei, target ei) -> (probability, syn_weight µS, nsyns, target_sections, distance_range µm, synapse JSON)
RECURRENT = {
    ("e", "e"): (0.05, 2.0e-4, 3, "['basal', 'apical']", "[30.0, 150.0]", "AMPA.json"),
    ("e", "i"): (0.10, 3.0e-4, 3, "['somatic', 'basal']", "[0.0, 1e+20]", "AMPA.json"),
    ("i", "e"): (0.15, 3.0e-4, 3, "['somatic', 'basal']", "[0.0, 50.0]", "GABA.json"),
    ("i", "i"): (0.15, 4.0e-4, 3, "['somatic', 'basal']", "[0.0, 1e+20]", "GABA.json"),
}
LGN_WEIGHT = {"e": 6.0e-4, "i": 4.0e-4}


def build(out_dir: Path = HERE, seed: int = 2026, tstop_ms: float = 2000.0, scale: float = 1.0) -> dict:
    """Build and save the circuit and the LGN spikes under ``out_dir``; returns the paths written."""
    rng = np.random.default_rng(seed)
    v1 = NetworkBuilder("v1", seed=seed)
    for name, (n, ei, morphology, params) in CELL_TYPES.items():
        n = max(2, int(round(n * scale)))
        v1.add_nodes(N=n, pop_name=name, ei=ei, model_type="biophysical", model_template="ctdb:Biophys1.hoc",
                     model_processing="aibs_perisomatic", morphology=morphology, dynamics_params=params,
                     positions=rng.uniform(-150.0, 150.0, size=(n, 3)),
                     rotation_angle_zaxis=rng.uniform(0.0, 2 * np.pi, size=n))
    for (src, trg), (p, w, nsyns, sections, drange, syn) in RECURRENT.items():
        v1.add_edges(source=v1.nodes(ei=src), target=v1.nodes(ei=trg),
                     connection_rule=FixedProbability(p, nsyns=nsyns, allow_autapses=False),
                     syn_weight=w, delay=1.5, model_template="exp2syn", dynamics_params=syn,
                     target_sections=sections, distance_range=drange)
    lgn = NetworkBuilder("lgn", seed=seed + 1)
    lgn.add_nodes(N=N_LGN, pop_name="LGN", ei="e", model_type="virtual")
    for ei, w in LGN_WEIGHT.items():
        lgn.add_edges(source=lgn.nodes(), target=v1.nodes(ei=ei),
                      connection_rule=FixedInDegree(LGN_IN_DEGREE, nsyns=2), syn_weight=w, delay=2.0,
                      model_template="exp2syn", dynamics_params="AMPA.json",
                      target_sections="['basal', 'apical', 'somatic']", distance_range="[0.0, 150.0]")
    network_dir = Path(out_dir) / "network"
    for net in (v1, lgn):
        net.build()
        net.save(str(network_dir), overwrite=True)
    inputs = Path(out_dir) / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    spikes = poisson_spike_trains(np.arange(N_LGN), LGN_RATE_HZ, 0.0, tstop_ms, population="lgn", seed=seed + 2)
    spikes.to_sonata(inputs / "lgn_spikes.h5")
    return {"network": network_dir, "inputs": inputs / "lgn_spikes.h5"}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the cells to build")
    args = parser.parse_args()
    for what, path in build(seed=args.seed, scale=args.scale).items():
        print(f"{what}: {path}")
