"""`bmtk-like validate`: clean circuits pass, each kind of broken circuit is reported."""
from __future__ import annotations

import json
import re

import h5py
import numpy as np
import pytest

from bmtk_like.cli import main
from bmtk_like.sonata import write_edges, write_nodes, write_types_csv
from tests.cli_validate import validate


@pytest.fixture
def circuit(tmp_path):
    write_nodes(tmp_path / "a_nodes.h5", "a", np.full(10, 1))
    write_types_csv(tmp_path / "a_node_types.csv", [{"node_type_id": 1, "model_type": "virtual"}], "node_type_id")
    write_nodes(tmp_path / "b_nodes.h5", "b", np.full(5, 2))
    write_types_csv(tmp_path / "b_node_types.csv", [{"node_type_id": 2, "model_type": "point_neuron"}],
                    "node_type_id")
    rng = np.random.default_rng(0)
    write_edges(tmp_path / "a_b_edges.h5", "a_to_b", "a", "b", rng.integers(0, 10, 40), rng.integers(0, 5, 40), 7,
                {"syn_weight": np.ones(40)}, n_source_nodes=10, n_target_nodes=5)
    write_types_csv(tmp_path / "a_b_edge_types.csv", [{"edge_type_id": 7, "delay": 1.0}], "edge_type_id")
    config = {"run": {"tstop": 100.0, "dt": 0.1},
              "networks": {"nodes": [{"nodes_file": "a_nodes.h5", "node_types_file": "a_node_types.csv"},
                                     {"nodes_file": "b_nodes.h5", "node_types_file": "b_node_types.csv"}],
                           "edges": [{"edges_file": "a_b_edges.h5", "edge_types_file": "a_b_edge_types.csv"}]},
              "node_sets": {"inputs": {"population": "a"}, "nobody": {"population": "b", "node_id": []}},
              "output": {"output_dir": "out"}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    return tmp_path


def test_clean_circuit_passes(circuit, capsys):
    findings = validate([circuit / "config.json"])
    assert [f for f in findings if f.severity == "error"] == []
    assert main(["validate", str(circuit / "config.json")]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_edges_file_alone_finds_sibling_nodes(circuit):
    assert [f for f in validate([circuit / "a_b_edges.h5"]) if f.severity == "error"] == []


def test_missing_type_row_is_reported(circuit, capsys):
    write_types_csv(circuit / "b_node_types.csv", [{"node_type_id": 3, "model_type": "point_neuron"}],
                    "node_type_id")
    assert main(["validate", str(circuit / "config.json")]) == 1
    out = capsys.readouterr().out
    assert "node_type_id [2]" in out and "b_node_types.csv" in out


def test_ids_out_of_range_and_broken_index(circuit):
    with h5py.File(circuit / "a_b_edges.h5", "r+") as h5:
        grp = h5["edges/a_to_b"]
        target = grp["target_node_id"][()]
        target[-1] = 9  # population b has 5 nodes
        grp["target_node_id"][...] = target
        ranges = grp["indices/source_to_target/range_to_edge_id"]
        ranges[0, 1] = ranges[0, 0]  # drop edges from the index
    messages = [str(f) for f in validate([circuit / "config.json"])]
    assert any("target_node_id outside 0..4 of population 'b'" in m for m in messages), messages
    assert any("index 'source_to_target'" in m for m in messages), messages


def test_unknown_population_in_node_set(circuit):
    cfg = json.loads((circuit / "config.json").read_text())
    cfg["node_sets"]["typo"] = {"population": "c"}
    (circuit / "config.json").write_text(json.dumps(cfg))
    findings = validate([circuit / "config.json"])
    assert any(f.where == "node_sets.typo" and f.severity == "error" and "'c'" in f.message for f in findings), \
        [str(f) for f in findings]


def test_bad_config_is_an_error_finding(tmp_path, capsys):
    (tmp_path / "config.json").write_text('{"run": {"tstop": 10, }')
    assert main(["validate", str(tmp_path / "config.json")]) == 1
    assert "config.json" in capsys.readouterr().out


@pytest.mark.parametrize("example,config", [("point_120cells", "config.simulation.json"),
                                            ("bio_14cells", "config.simulation.json"),
                                            ("pop_2pops", "config.simulation.json")])
def test_bmtk_examples_validate_clean(bmtk_examples, example, config):
    findings = validate([bmtk_examples / example / config])
    assert [str(f) for f in findings if f.severity == "error"] == []


@pytest.mark.parametrize("make, pattern", [
    (lambda h5: h5.create_dataset("nodes", data=[1]), r"no '/nodes' group"),
    (lambda h5: h5.create_dataset("nodes/p/node_type_id", data=[b"a"]), r"'node_type_id' must be a 1-D integer"),
    (lambda h5: h5.create_group("nodes/p/node_type_id"), r"'node_type_id' is a group"),
    (lambda h5: h5.create_dataset("nodes/p/node_type_id", data=np.ones((2, 2), int)),
     r"'node_type_id' must be a 1-D integer dataset, found shape \(2, 2\)"),
    (lambda h5: h5.create_dataset("nodes/p", data=[1]), r"'/nodes/p' is a dataset"),
])
def test_malformed_nodes_files_are_findings_not_tracebacks(tmp_path, capsys, make, pattern):
    with h5py.File(tmp_path / "x_nodes.h5", "w") as h5:
        make(h5)
    (tmp_path / "x_node_types.csv").write_text("node_type_id\n1\n")
    assert main(["validate", str(tmp_path / "x_nodes.h5")]) == 1
    out = capsys.readouterr().out
    assert "x_nodes.h5" in out and re.search(pattern, out), out


def test_group_id_without_its_group_is_an_error(circuit, capsys):
    with h5py.File(circuit / "b_nodes.h5", "r+") as h5:
        gid = h5["nodes/b/node_group_id"][()]
        gid[3] = 5
        h5["nodes/b/node_group_id"][...] = gid
    assert main(["validate", str(circuit / "config.json")]) == 1
    assert re.search(r"b_nodes\.h5.*population 'b'.*node_group_id refers to group\(s\) \[5\]",
                     capsys.readouterr().out)


def test_inputs_and_reports_must_name_node_sets_that_resolve(circuit, capsys):
    config = json.loads((circuit / "config.json").read_text())
    config["inputs"] = {"drive": {"input_type": "spikes", "module": "sonata", "input_file": "a_nodes.h5",
                                  "node_set": "nonexistent"}}
    config["reports"] = {"v": {"module": "membrane_report", "variable_name": "v", "cells": {"population": "zz"}}}
    (circuit / "config.json").write_text(json.dumps(config))
    assert main(["validate", str(circuit / "config.json")]) == 1
    out = capsys.readouterr().out
    assert re.search(r"config\.json: inputs\.drive\.node_set: unknown node set 'nonexistent'", out), out
    assert re.search(r"config\.json: reports\.v\.cells: .*'zz'", out), out


def test_unknown_target_simulator_is_a_finding(circuit, capsys):
    config = json.loads((circuit / "config.json").read_text())
    config["target_simulator"] = "FOO"
    (circuit / "config.json").write_text(json.dumps(config))
    assert main(["validate", str(circuit / "config.json")]) == 1
    assert re.search(r"config\.json: target_simulator: unknown simulator 'FOO'; known simulators are: NEST",
                     capsys.readouterr().out)


def _with_components(circuit, **components):
    config = json.loads((circuit / "config.json").read_text())
    config["components"] = {k: str(v) for k, v in components.items()}
    (circuit / "config.json").write_text(json.dumps(config))


def test_dynamics_params_files_are_checked_in_their_components_folder(circuit, capsys):
    models = circuit / "models"
    models.mkdir()
    write_types_csv(circuit / "b_node_types.csv", [{"node_type_id": 2, "model_type": "point_neuron",
                                                    "dynamics_params": "lif.json"}], "node_type_id")
    _with_components(circuit)
    assert main(["validate", str(circuit / "config.json")]) == 1
    assert re.search(r"b_node_types\.csv \[node type 2\]: dynamics_params 'lif.json' needs "
                     r"components\.point_neuron_models_dir", capsys.readouterr().out)
    _with_components(circuit, point_neuron_models_dir=models)
    assert main(["validate", str(circuit / "config.json")]) == 1
    assert re.search(r"dynamics_params 'lif.json' is not in components\.point_neuron_models_dir",
                     capsys.readouterr().out)
    (models / "lif.json").write_text('{"tau_m": 20.0,}')
    assert main(["validate", str(circuit / "config.json")]) == 1
    assert re.search(r"lif\.json is not valid JSON \(line 1, column 16", capsys.readouterr().out)
    (models / "lif.json").write_text('{"tau_m": 20.0}')
    assert main(["validate", str(circuit / "config.json")]) == 0


def test_negative_and_zero_delays(circuit, capsys):
    write_types_csv(circuit / "a_b_edge_types.csv", [{"edge_type_id": 7, "delay": -1.0}], "edge_type_id")
    assert main(["validate", str(circuit / "config.json")]) == 1
    assert "40 edges have a negative or infinite delay" in capsys.readouterr().out
    write_types_csv(circuit / "a_b_edge_types.csv", [{"edge_type_id": 7, "delay": 0.0}], "edge_type_id")
    assert main(["validate", str(circuit / "config.json")]) == 0
    assert "40 edges have delay 0 ms" in capsys.readouterr().out
