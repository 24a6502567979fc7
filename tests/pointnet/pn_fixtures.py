"""Small SONATA circuits + configs written on the fly for the NEST backend tests."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from bmtk_like.sonata import write_edges, write_nodes, write_types_csv

LIF = {"C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "E_L": -70.0, "V_th": -55.0, "V_reset": -70.0,
       "V_m": -70.0}


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))
    return path


def small_circuit(folder: Path, n_cells: int = 20, n_virtual: int = 10, *,
                  cell_type: dict | None = None, edge_type: dict | None = None,
                  edge_columns: dict | None = None, node_dynamics: dict | None = None,
                  recurrent: dict | None = None, seed: int = 1) -> Path:
    """Write cells 'net' (one node type 1) and virtual 'inp' driving them all-to-all.

    Returns the folder; components go to folder/components/{cells,synapses}.
    """
    rng = np.random.default_rng(seed)
    comp = folder / "components"
    write_json(comp / "cells" / "lif.json", LIF)
    write_json(comp / "synapses" / "exc.json", {})
    net = folder / "network"
    net.mkdir(parents=True, exist_ok=True)
    write_nodes(net / "net_nodes.h5", "net", np.ones(n_cells, int),
                columns={"x": rng.uniform(0, 100, n_cells)}, dynamics_params=node_dynamics)
    write_types_csv(net / "net_node_types.csv", [{
        "node_type_id": 1, "model_type": "point_process", "model_template": "nest:iaf_psc_alpha",
        "dynamics_params": "lif.json", "pop_name": "E", **(cell_type or {})}], "node_type_id")
    write_nodes(net / "inp_nodes.h5", "inp", np.full(n_virtual, 9))
    write_types_csv(net / "inp_node_types.csv",
                    [{"node_type_id": 9, "model_type": "virtual", "pop_name": "X"}], "node_type_id")
    src, tgt = np.meshgrid(np.arange(n_virtual), np.arange(n_cells))
    write_edges(net / "inp_net_edges.h5", "inp_to_net", "inp", "net", src.ravel(), tgt.ravel(),
                np.full(src.size, 5), columns=edge_columns, n_source_nodes=n_virtual,
                n_target_nodes=n_cells)
    write_types_csv(net / "inp_net_edge_types.csv", [{
        "edge_type_id": 5, "syn_weight": 120.0, "delay": 1.0, "model_template": "static_synapse",
        "dynamics_params": "exc.json", **(edge_type or {})}], "edge_type_id")
    if recurrent is not None:
        s = rng.integers(0, n_cells, 4 * n_cells)
        t = rng.integers(0, n_cells, 4 * n_cells)
        write_edges(net / "net_net_edges.h5", "net_to_net", "net", "net", s, t,
                    np.full(s.size, 6), n_source_nodes=n_cells, n_target_nodes=n_cells)
        write_types_csv(net / "net_net_edge_types.csv", [{
            "edge_type_id": 6, "syn_weight": 20.0, "delay": 1.5, "model_template": "static_synapse",
            "dynamics_params": "exc.json", **recurrent}], "edge_type_id")
    return folder


def small_config(folder: Path, *, inputs: dict | None = None, reports: dict | None = None,
                 run: dict | None = None, output: dict | None = None, node_sets: dict | None = None,
                 name: str = "config.json", recurrent: bool = False) -> Path:
    """Write a simulation config for small_circuit's files; returns its path."""
    edges = [{"edges_file": "network/inp_net_edges.h5", "edge_types_file": "network/inp_net_edge_types.csv"}]
    if recurrent:
        edges.append({"edges_file": "network/net_net_edges.h5",
                      "edge_types_file": "network/net_net_edge_types.csv"})
    cfg = {
        "target_simulator": "NEST",
        "run": {"tstop": 500.0, "dt": 0.1, **(run or {})},
        "components": {"point_neuron_models_dir": "components/cells",
                       "synaptic_models_dir": "components/synapses"},
        "networks": {"nodes": [{"nodes_file": f"network/{p}_nodes.h5",
                                "node_types_file": f"network/{p}_node_types.csv"} for p in ("net", "inp")],
                     "edges": edges},
        "inputs": inputs if inputs is not None else {
            "bg": {"input_type": "spikes", "module": "poisson", "rate": 40.0, "node_set": "inp",
                   "seed": 7}},
        "reports": reports or {},
        "node_sets": node_sets or {},
        "output": {"output_dir": "output", "spikes_file": "spikes.h5", "spikes_file_csv": "spikes.csv",
                   "log_file": "log.txt", "quiet_simulator": True, **(output or {})},
    }
    return write_json(folder / name, cfg)
