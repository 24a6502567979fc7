"""Build the example E/I circuit: 400 excitatory + 100 inhibitory LIF cells, each driven
by 100 of 1,000 thalamic Poisson fibres (10 Hz). Writes ``network/`` (SONATA) and ``inputs/thalamus_spikes.h5``.

    python build.py            # from this folder; same seed -> byte-identical files
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bmtk_like.reports import poisson_spike_trains
from builders import NetworkBuilder
from builders.rules import FixedInDegree, FixedProbability

HERE = Path(__file__).resolve().parent
N_EXC, N_INH, N_THALAMUS = 400, 100, 1000
THALAMIC_RATE_HZ = 10.0
THALAMIC_IN_DEGREE = 100


def build(out_dir: Path = HERE, seed: int = 1234, tstop_ms: float = 1000.0) -> dict[str, Path]:
    """Build and save the circuit and its thalamic input spikes under ``out_dir``."""
    cortex = NetworkBuilder("cortex", seed=seed)
    rng = np.random.default_rng(seed)
    for n, name, ei, params in ((N_EXC, "E", "e", "iaf_exc.json"), (N_INH, "I", "i", "iaf_inh.json")):
        cortex.add_nodes(N=n, pop_name=name, ei=ei, model_type="point_neuron",
                         model_template="nest:iaf_psc_delta", dynamics_params=params,
                         positions=rng.uniform(-100.0, 100.0, size=(n, 3)))
    cortex.add_edges(source=cortex.nodes(ei="e"), target=cortex.nodes(),
                     connection_rule=FixedProbability(0.1, allow_autapses=False),
                     syn_weight=0.3, delay=1.5, model_template="static_synapse",
                     dynamics_params="exc_to_all.json")
    cortex.add_edges(source=cortex.nodes(ei="i"), target=cortex.nodes(),
                     connection_rule=FixedProbability(0.1, allow_autapses=False),
                     syn_weight=-1.5, delay=1.5, model_template="static_synapse",
                     dynamics_params="inh_to_all.json")

    thalamus = NetworkBuilder("thalamus", seed=seed + 1)
    thalamus.add_nodes(N=N_THALAMUS, pop_name="tON", ei="e", model_type="virtual")
    thalamus.add_edges(source=thalamus.nodes(), target=cortex.nodes(),
                       connection_rule=FixedInDegree(THALAMIC_IN_DEGREE), syn_weight=1.0, delay=1.0,
                       model_template="static_synapse", dynamics_params="thalamic.json")

    network_dir = Path(out_dir) / "network"
    for net in (cortex, thalamus):
        net.build()
        net.save(str(network_dir), overwrite=True)

    inputs_dir = Path(out_dir) / "inputs"
    inputs_dir.mkdir(parents=True, exist_ok=True)
    spikes = poisson_spike_trains(np.arange(N_THALAMUS), THALAMIC_RATE_HZ, 0.0, tstop_ms,
                                  population="thalamus", seed=seed + 2)
    spikes_path = inputs_dir / "thalamus_spikes.h5"
    spikes.to_sonata(spikes_path)
    return {"network": network_dir, "inputs": spikes_path}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    for what, path in build(seed=args.seed).items():
        print(f"{what}: {path}")
