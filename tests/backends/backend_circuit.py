"""One small circuit every backend runs: 8 ``nest:iaf_psc_delta`` cells (pop_name E and I) driven by
10 virtual fibres firing Poisson trains declared in the config (60 Hz, seeded, so every backend plays
the same spikes). NEST runs the cells natively, NEURON as IntFire1, popnet as two density populations."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

LIF = {"C_m": 250.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": -70.0, "V_th": -50.0, "V_reset": -70.0,
       "V_m": -70.0, "I_e": 0.0}
N_CELLS, N_FIBRES = 8, 10
TSTOP, DT = 100.0, 0.1

#: canonical name -> (package under simulators, network class, simulator class, engine module or None)
SURFACE = {"NEST": ("pointnet", "PointNetwork", "PointSimulator", "nest"),
           "NEURON": ("bionet", "BioNetwork", "BioSimulator", "neuron"),
           "popnet": ("popnet", "PopNetwork", "PopSimulator", None)}


def write_circuit(folder: Path, syn_weight: float = 2.0, edge_type: dict | None = None, **config_changes) -> Path:
    """Write the circuit and ``config.json`` in ``folder``: every fibre-to-cell edge has ``syn_weight`` (mV)
    and the edge type ``edge_type``'s extra columns; ``config_changes`` replace top-level config sections
    (``None`` removes one). Returns the config path."""
    from bmtk_like.sonata import write_edges, write_nodes, write_types_csv

    folder.mkdir(parents=True, exist_ok=True)
    for sub in ("cells", "syn"):
        (folder / sub).mkdir(exist_ok=True)
    (folder / "cells" / "lif.json").write_text(json.dumps(LIF))
    (folder / "syn" / "static.json").write_text("{}")
    type_ids = np.repeat([100, 101], N_CELLS // 2)
    write_nodes(folder / "net_nodes.h5", "net", type_ids)
    write_types_csv(folder / "net_node_types.csv",
                    [dict(node_type_id=t, model_type="point_neuron", model_template="nest:iaf_psc_delta",
                          dynamics_params="lif.json", pop_name=p, ei=p.lower())
                     for t, p in ((100, "E"), (101, "I"))], "node_type_id")
    write_nodes(folder / "ext_nodes.h5", "ext", np.full(N_FIBRES, 900))
    write_types_csv(folder / "ext_node_types.csv", [dict(node_type_id=900, model_type="virtual",
                                                         pop_name="X")], "node_type_id")
    src = np.repeat(np.arange(N_FIBRES), N_CELLS)
    trg = np.tile(np.arange(N_CELLS), N_FIBRES)
    write_edges(folder / "ext_edges.h5", "ext_to_net", "ext", "net", src, trg, np.full(src.size, 200),
                {"syn_weight": np.full(src.size, float(syn_weight)), "delay": np.full(src.size, 1.0)},
                n_source_nodes=N_FIBRES, n_target_nodes=N_CELLS)
    write_types_csv(folder / "ext_edge_types.csv", [dict(edge_type_id=200, model_template="static_synapse",
                                                         dynamics_params="static.json", **(edge_type or {}))], "edge_type_id")
    config = {
        "run": {"tstop": TSTOP, "dt": DT, "popnet_units": "ms_mV"},
        "target_simulator": "NEST",
        "components": {"point_neuron_models_dir": str(folder / "cells"),
                       "synaptic_models_dir": str(folder / "syn")},
        "networks": {"nodes": [{"nodes_file": str(folder / f"{p}_nodes.h5"),
                                "node_types_file": str(folder / f"{p}_node_types.csv")} for p in ("net", "ext")],
                     "edges": [{"edges_file": str(folder / "ext_edges.h5"),
                                "edge_types_file": str(folder / "ext_edge_types.csv")}]},
        "node_sets": {"not_inhibitory": {"population": "net", "ei": {"$ne": "i"}},
                      "inhibitory": {"population": "net", "pop_name": {"$regex": "I+"}}},
        "inputs": {"drive": {"input_type": "spikes", "module": "poisson", "rate": 60.0, "start": 0.0,
                             "stop": TSTOP, "node_set": "ext", "seed": 3}},
        "output": {"output_dir": str(folder / "output"), "log_file": "log.txt", "spikes_file": "spikes.h5",
                   "spikes_file_csv": "spikes.csv", "overwrite_output_dir": True},
    }
    for key, value in config_changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    path = folder / "config.json"
    path.write_text(json.dumps(config, indent=1))
    return path
