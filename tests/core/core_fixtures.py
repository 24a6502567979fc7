"""A tiny two-population circuit written with bmtk_like.sonata, and a config stand-in.

The config object follows the SimulationConfig contract of docs/INTERNALS.md
(attributes nodes, edges, components, node_sets, inputs, run, output, reports).
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest  # noqa: F401

from bmtk_like.sonata import write_edges, write_nodes, write_types_csv


def make_circuit_files(folder: Path) -> dict:
    """cortex: 6 nodes (types 100 'A' point_process, 101 'B' biophysical); lgn: 4 virtual."""
    net = folder / "network"
    net.mkdir(parents=True, exist_ok=True)
    write_nodes(net / "cortex_nodes.h5", "cortex", np.array([100, 100, 101, 100, 101, 101]),
                columns={"ei": np.array(["e", "e", "i", "e", "i", "i"]),
                         "depth": np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])})
    write_types_csv(net / "cortex_node_types.csv", [
        {"node_type_id": 100, "model_type": "point_process", "model_template": "nest:iaf_psc_alpha",
         "dynamics_params": "lif.json", "pop_name": "A"},
        {"node_type_id": 101, "model_type": "biophysical", "model_template": "ctdb:Biophys1.hoc",
         "dynamics_params": "bio.json", "pop_name": "B",
         "point_model_template": "nest:glif_psc", "point_dynamics_params": "glif.json"},
    ], "node_type_id")
    write_nodes(net / "lgn_nodes.h5", "lgn", np.array([7, 7, 7, 7]))
    write_types_csv(net / "lgn_node_types.csv",
                    [{"node_type_id": 7, "model_type": "virtual", "pop_name": "X"}], "node_type_id")
    write_edges(net / "lgn_cortex_edges.h5", "lgn_to_cortex", "lgn", "cortex",
                np.array([0, 1, 2, 3]), np.array([0, 1, 2, 3]), np.array([1, 1, 1, 1]),
                n_source_nodes=4, n_target_nodes=6)
    write_types_csv(net / "lgn_cortex_edge_types.csv",
                    [{"edge_type_id": 1, "syn_weight": 2.0, "delay": 1.5,
                      "model_template": "static_synapse", "dynamics_params": "e.json"}],
                    "edge_type_id")
    return {"net": net}


def make_cfg(folder: Path, **kw) -> SimpleNamespace:
    """A SimulationConfig stand-in over the files of make_circuit_files."""
    net = folder / "network"
    nodes = [SimpleNamespace(nodes_file=net / f"{p}_nodes.h5", node_types_file=net / f"{p}_node_types.csv",
                             populations=None) for p in ("cortex", "lgn")]
    edges = [SimpleNamespace(edges_file=net / "lgn_cortex_edges.h5",
                             edge_types_file=net / "lgn_cortex_edge_types.csv", populations=None)]
    out_dir = folder / "output"
    output = SimpleNamespace(output_dir=out_dir, log_file=out_dir / "log.txt",
                             spikes_file=out_dir / "spikes.h5", spikes_file_csv=None,
                             spikes_sort_order="by_time", rates_file=None,
                             overwrite_output_dir=kw.pop("overwrite_output_dir", True),
                             quiet_simulator=True, extra={})
    cfg = SimpleNamespace(path=folder / "config.json", config_dir=folder, nodes=nodes, edges=edges,
                          components={"point_neuron_models_dir": folder / "models"},
                          node_sets=kw.pop("node_sets", {}), inputs=kw.pop("inputs", {}),
                          reports=kw.pop("reports", {}),
                          run=SimpleNamespace(tstop=1000.0, dt=0.1, seed=None, nthreads=1),
                          output=output, target_simulator=kw.pop("target_simulator", "NEST"))
    return cfg


def input_spec(name: str, module: str, input_type: str, node_set, **params) -> SimpleNamespace:
    """An InputSpec stand-in: extra keys live in ``params`` like the real one."""
    return SimpleNamespace(name=name, module=module, input_type=input_type, node_set=node_set,
                           params=params)
