"""Small SONATA circuits for the BioNet tests, written with bmtk_like.sonata into a tmp folder."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bmtk_like.sonata import write_edges, write_nodes, write_types_csv

from tests.bionet.conftest import FIXTURES

COMPONENTS = FIXTURES / "bio_components"

SCNN1A = dict(node_type_id=100, model_type="biophysical", model_template="ctdb:Biophys1.hoc",
              morphology="Scnn1a_473845048_m.swc", model_processing="aibs_perisomatic",
              dynamics_params="472363762_fit.json", pop_name="Scnn1a", ei="e")
PVALB = dict(node_type_id=101, model_type="biophysical", model_template="ctdb:Biophys1.hoc",
             morphology="Pvalb_470522102_m.swc", model_processing="aibs_perisomatic",
             dynamics_params="472912177_fit.json", pop_name="PV1", ei="i")
INTFIRE = dict(node_type_id=102, model_type="point_neuron", model_template="nrn:IntFire1",
               dynamics_params="IntFire1_exc_1.json", pop_name="LIF", ei="e")


def write_circuit(folder: Path, cell_types: list[dict], n_per_type: int | list[int] = 1, n_virtual: int = 0,
                  virtual_edges: dict | None = None, recurrent_edges: dict | None = None,
                  spikes: dict[int, list[float]] | None = None, tstop: float = 200.0, dt: float = 0.025,
                  inputs: dict | None = None, reports: dict | None = None, components: dict | None = None,
                  node_columns: dict | None = None, dynamics_params: dict | None = None,
                  conditions: dict | None = None) -> Path:
    """Write population ``net`` (+ virtual ``ext``), edges, inputs and a config; return the config path.

    ``virtual_edges``/``recurrent_edges``: dict with ``source``, ``target`` (node ids), ``edge_type`` (a row
    of the edge types CSV) and optional per-edge ``columns`` (e.g. afferent_section_id).
    """
    folder.mkdir(parents=True, exist_ok=True)
    counts = [n_per_type] * len(cell_types) if isinstance(n_per_type, int) else list(n_per_type)
    type_ids = np.concatenate([[t["node_type_id"]] * n for t, n in zip(cell_types, counts)])
    n = type_ids.size
    cols = {"x": np.arange(n) * 50.0, "y": np.zeros(n), "z": np.zeros(n)}
    cols.update(node_columns or {})
    write_nodes(folder / "net_nodes.h5", "net", type_ids, cols, dynamics_params=dynamics_params)
    unique_types = list({t["node_type_id"]: t for t in cell_types}.values())
    write_types_csv(folder / "net_node_types.csv", unique_types, "node_type_id")
    nodes = [{"nodes_file": str(folder / "net_nodes.h5"), "node_types_file": str(folder / "net_node_types.csv")}]
    edges = []
    if n_virtual:
        write_nodes(folder / "ext_nodes.h5", "ext", np.full(n_virtual, 900))
        write_types_csv(folder / "ext_node_types.csv", [dict(node_type_id=900, model_type="virtual")], "node_type_id")
        nodes.append({"nodes_file": str(folder / "ext_nodes.h5"), "node_types_file": str(folder / "ext_node_types.csv")})
    for name, spec, src_pop in (("rec", recurrent_edges, "net"), ("ext", virtual_edges, "ext")):
        if not spec:
            continue
        src, trg = np.asarray(spec["source"]), np.asarray(spec["target"])
        etype = dict(spec["edge_type"])
        write_edges(folder / f"{name}_edges.h5", f"{src_pop}_to_net", src_pop, "net", src, trg,
                    np.full(src.size, etype["edge_type_id"]), spec.get("columns"),
                    n_source_nodes=n_virtual if src_pop == "ext" else n, n_target_nodes=n)
        write_types_csv(folder / f"{name}_edge_types.csv", [etype], "edge_type_id")
        edges.append({"edges_file": str(folder / f"{name}_edges.h5"),
                      "edge_types_file": str(folder / f"{name}_edge_types.csv")})
    all_inputs = dict(inputs or {})
    if spikes:
        ids = np.concatenate([[k] * len(v) for k, v in spikes.items()]).astype(np.int64)
        times = np.concatenate([v for v in spikes.values()]).astype(float)
        from bmtk_like.reports import SpikeTrains
        SpikeTrains({"ext": (ids, times)}).to_sonata(folder / "ext_spikes.h5")
        all_inputs["ext_spikes"] = {"input_type": "spikes", "module": "sonata",
                                    "input_file": str(folder / "ext_spikes.h5"), "node_set": "ext"}
    comps = {"morphologies_dir": str(COMPONENTS / "morphologies"),
             "mechanisms_dir": str(COMPONENTS / "mechanisms"),
             "synaptic_models_dir": str(COMPONENTS / "synaptic_models"),
             "biophysical_neuron_models_dir": str(COMPONENTS / "biophysical_neuron_templates" / "ctdb"),
             "point_neuron_models_dir": str(COMPONENTS / "point_neuron_templates")}
    comps.update(components or {})
    config = {
        "run": {"tstop": tstop, "dt": dt, "dL": 20.0, "spike_threshold": -15.0, "nsteps_block": 2000},
        "target_simulator": "NEURON",
        "conditions": conditions or {"celsius": 34.0, "v_init": -80.0},
        "components": comps,
        "networks": {"nodes": nodes, "edges": edges},
        "inputs": all_inputs,
        "reports": reports or {},
        "output": {"output_dir": str(folder / "output"), "spikes_file": "spikes.h5", "log_file": "log.txt",
                   "overwrite_output_dir": True},
    }
    path = folder / "config.json"
    path.write_text(json.dumps(config, indent=1))
    return path


def run(config_path: Path):
    """Run with the BMTK-style four lines; return the SimulationResult."""
    from simulators import bionet
    conf = bionet.Config.from_json(str(config_path))
    net = bionet.BioNetwork.from_config(conf)
    sim = bionet.BioSimulator.from_config(conf, net)
    return sim.run()
