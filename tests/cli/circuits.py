"""A small E/I circuit of nest:iaf_psc_delta cells (runs on NEST, NEURON and popnet) for the CLI tests."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

LIF = {"C_m": 250.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": -70.0, "V_th": -50.0, "V_reset": -70.0,
       "V_m": -70.0, "I_e": 0.0}


def build_ei(folder: Path, n_exc: int = 80, n_inh: int = 20, n_ext: int = 200, tstop: float = 300.0,
             seed: int = 7) -> Path:
    """Network (``cortex`` E/I + virtual ``thalamus`` at 10 Hz) under ``folder/network``; returns the folder."""
    from bmtk_like.reports import poisson_spike_trains
    from builders import NetworkBuilder
    from builders.rules import FixedInDegree, FixedProbability

    folder.mkdir(parents=True, exist_ok=True)
    cortex = NetworkBuilder("cortex", seed=seed)
    for n, name, ei in ((n_exc, "E", "e"), (n_inh, "I", "i")):
        cortex.add_nodes(N=n, pop_name=name, ei=ei, model_type="point_neuron",
                         model_template="nest:iaf_psc_delta", dynamics_params="lif.json")
    cortex.add_edges(source=cortex.nodes(ei="e"), target=cortex.nodes(), connection_rule=FixedProbability(0.1),
                     syn_weight=0.3, delay=1.5, model_template="static_synapse", dynamics_params="exc.json")
    cortex.add_edges(source=cortex.nodes(ei="i"), target=cortex.nodes(), connection_rule=FixedProbability(0.1),
                     syn_weight=-1.5, delay=1.5, model_template="static_synapse", dynamics_params="inh.json")
    thalamus = NetworkBuilder("thalamus", seed=seed + 1)
    thalamus.add_nodes(N=n_ext, pop_name="tON", model_type="virtual")
    thalamus.add_edges(source=thalamus.nodes(), target=cortex.nodes(), connection_rule=FixedInDegree(100),
                       syn_weight=1.0, delay=1.0, model_template="static_synapse", dynamics_params="exc.json")
    for net in (cortex, thalamus):
        net.build()
        net.save(str(folder / "network"), overwrite=True)
    comp = folder / "components"
    (comp / "point_neuron_models").mkdir(parents=True, exist_ok=True)
    (comp / "synaptic_models").mkdir(parents=True, exist_ok=True)
    (comp / "point_neuron_models" / "lif.json").write_text(json.dumps(LIF))
    for name in ("exc.json", "inh.json"):
        (comp / "synaptic_models" / name).write_text("{}")
    (folder / "inputs").mkdir(exist_ok=True)
    poisson_spike_trains(np.arange(n_ext), 10.0, 0.0, tstop, population="thalamus",
                         seed=seed + 2).to_sonata(folder / "inputs" / "thalamus_spikes.h5")
    return folder


def write_config(folder: Path, tstop: float = 300.0, target: str = "NEST") -> Path:
    """``folder/simulation_config.json`` for the circuit of :func:`build_ei`."""
    net = folder / "network"
    config = {
        "target_simulator": target,
        "run": {"tstop": tstop, "dt": 0.1},
        "components": {"point_neuron_models_dir": "components/point_neuron_models",
                       "synaptic_models_dir": "components/synaptic_models"},
        "networks": {
            "nodes": [{"nodes_file": str(net / f"{p}_nodes.h5"), "node_types_file": str(net / f"{p}_node_types.csv")}
                      for p in ("cortex", "thalamus")],
            "edges": [{"edges_file": str(net / f"{s}_cortex_edges.h5"),
                       "edge_types_file": str(net / f"{s}_cortex_edge_types.csv")} for s in ("cortex", "thalamus")]},
        "inputs": {"lgn": {"input_type": "spikes", "module": "sonata", "node_set": "thalamus",
                           "input_file": "inputs/thalamus_spikes.h5"}},
        "output": {"output_dir": "output", "log_file": "log.txt", "spikes_file": "spikes.h5"},
    }
    path = folder / "simulation_config.json"
    path.write_text(json.dumps(config, indent=1))
    return path
