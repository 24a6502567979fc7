"""Each user mistake in a config raises ConfigError whose message names the file and key."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bmtk_like.config import KNOWN_INPUT_MODULES, KNOWN_REPORT_MODULES, load_config
from bmtk_like.errors import ConfigError, ConfigWarning


@pytest.fixture
def circuit(tmp_path: Path) -> Path:
    """A folder with (empty) network files and a circuit config naming them."""
    (tmp_path / "network").mkdir()
    for name in ("v1_nodes.h5", "v1_node_types.csv", "v1_v1_edges.h5", "v1_v1_edge_types.csv"):
        (tmp_path / "network" / name).write_text("")
    (tmp_path / "components" / "synaptic_models").mkdir(parents=True)
    (tmp_path / "spikes.h5").write_text("")
    (tmp_path / "config.circuit.json").write_text(json.dumps({
        "manifest": {"$NETWORK_DIR": "./network"},
        "components": {"synaptic_models_dir": "./components/synaptic_models"},
        "networks": {
            "nodes": [{"nodes_file": "$NETWORK_DIR/v1_nodes.h5",
                       "node_types_file": "$NETWORK_DIR/v1_node_types.csv"}],
            "edges": [{"edges_file": "$NETWORK_DIR/v1_v1_edges.h5",
                       "edge_types_file": "$NETWORK_DIR/v1_v1_edge_types.csv"}]}}))
    return tmp_path


def simulation(folder: Path, **sections) -> Path:
    """Write config.simulation.json naming the circuit; ``sections`` replace defaults."""
    config = {"network": "config.circuit.json", "run": {"tstop": 100.0, "dt": 0.1},
              "inputs": {"lgn": {"input_type": "spikes", "module": "sonata",
                                 "input_file": "spikes.h5", "node_set": "lgn"}}}
    for key, value in sections.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    path = folder / "config.simulation.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def raises(path, pattern, **options):
    with pytest.raises(ConfigError, match=pattern) as info:
        load_config(path, **options)
    return str(info.value)


def test_valid_baseline_loads(circuit):
    cfg = load_config(simulation(circuit))
    assert cfg.run.tstop == 100.0 and cfg.inputs["lgn"].module == "sonata"


def test_json_syntax_error_gives_file_line_and_column(circuit):
    path = circuit / "config.simulation.json"
    path.write_text('{\n  "run": {"tstop": 100.0, "dt": 0.1},\n  "target_simulator": "NEST"\n'
                    '  "network": "config.circuit.json"\n}\n')
    raises(path, rf"{re.escape(str(path))}: invalid JSON at line 4, column 3")


def test_json_error_in_the_named_circuit_file(circuit):
    (circuit / "config.circuit.json").write_text('{"networks": {"nodes": [,]}}')
    raises(simulation(circuit), r"config\.circuit\.json: invalid JSON at line 1, column 25")


def test_missing_config_file():
    raises("/nonexistent/sim.json", r"config file /nonexistent/sim\.json does not exist")


def test_missing_network_config_names_the_key(circuit):
    path = simulation(circuit, network="nope.json")
    raises(path, rf"'network' config named in {re.escape(str(path))}: "
                 rf"{re.escape(str(circuit / 'nope.json'))} does not exist")


def test_top_level_must_be_an_object(tmp_path):
    path = tmp_path / "c.json"
    path.write_text("[1, 2]")
    raises(path, r"c\.json: the top level is a JSON list")


def test_unknown_variable_names_variable_file_and_key(circuit):
    path = simulation(circuit, output={"output_dir": "$OUTPUT_DIR"})
    message = raises(path, r"unknown manifest variable '\$OUTPUT_DIR' in key 'output\.output_dir'")
    assert message.startswith(str(path))


def test_unknown_variable_inside_a_manifest(circuit):
    (circuit / "config.circuit.json").write_text(json.dumps({
        "manifest": {"$BASE": ".", "$NETWORK_DIR": "${BASE}/${NET}"}}))
    raises(simulation(circuit), r"config\.circuit\.json: unknown manifest variable '\$NET' in "
                                r"key 'manifest\.\$NETWORK_DIR'")


def test_manifest_cycle_is_reported(circuit):
    path = simulation(circuit, manifest={"$A": "$B/x", "$B": "${C}/y", "$C": "$A"})
    raises(path, r"manifest variables form a cycle: \$A -> \$B -> \$C -> \$A")


@pytest.mark.parametrize("key", ["tstop", "dt"])
def test_missing_run_key(circuit, key):
    run = {"tstop": 100.0, "dt": 0.1}
    del run[key]
    path = simulation(circuit, run=run)
    raises(path, rf"{re.escape(str(path))}: missing required key 'run\.{key}'")


def test_missing_run_section_in_a_simulation_config(circuit):
    raises(simulation(circuit, run=None), r"missing required key 'run\.tstop'")


def test_wrong_type_names_key_value_and_expected_type(circuit):
    message = raises(simulation(circuit, run={"tstop": "1000", "dt": 0.1}),
                     r"'run\.tstop' is '1000' \(a JSON string\); expected a number in ms")
    assert "without quotes" in message
    raises(simulation(circuit, run={"tstop": 10.0, "dt": True}),
           r"'run\.dt' is True \(a JSON boolean\); expected a number")
    raises(simulation(circuit, run={"tstop": 10.0, "dt": 0.1, "nthreads": 1.5}),
           r"'run\.nthreads' is 1\.5 .*expected an integer")
    raises(simulation(circuit, output={"overwrite_output_dir": "yes"}),
           r"'output\.overwrite_output_dir' is 'yes' .*expected a boolean")
    raises(simulation(circuit, conditions={"celsius": "34"}),
           r"'conditions\.celsius' is '34'.*expected a number in degrees Celsius")
    raises(simulation(circuit, target_simulator=3), r"'target_simulator' is 3 .*a string")


@pytest.mark.parametrize("run, pattern", [
    ({"tstop": 0, "dt": 0.1}, r"'run\.tstop' is 0; expected a number > 0"),
    ({"tstop": -5.0, "dt": 0.1}, r"'run\.tstop' is -5\.0; expected a number > 0"),
    ({"tstop": 10.0, "dt": 0}, r"'run\.dt' is 0; expected a number > 0"),
    ({"tstop": 1.0, "dt": 2.0}, r"'run\.dt' \(2\.0\) is larger than 'run\.tstop' \(1\.0\)"),
])
def test_bad_run_values(circuit, run, pattern):
    raises(simulation(circuit, run=run), pattern)


def test_misspelled_network_entry_key_suggests_the_right_one(circuit):
    """An unknown key is a warning naming the file, the key path and the correction."""
    (circuit / "config.circuit.json").write_text(json.dumps({"networks": {"nodes": [
        {"nodes_file": "network/v1_nodes.h5", "node_type_file": "network/v1_node_types.csv"}]}}))
    with pytest.warns(ConfigWarning, match=r"config\.circuit\.json: unknown key "
                      r"'networks\.nodes\[0\]\.node_type_file' \(did you mean 'node_types_file'\?\)"):
        cfg = load_config(simulation(circuit))
    assert cfg.nodes[0].node_types_file == circuit / "network" / "v1_node_types.csv"   # BMTK's sibling
    raises(simulation(circuit), r"(?s)strict loading refuses 1 warning.*node_type_file", strict=True)


def test_network_entry_without_types_file_uses_bmtks_sibling_name(circuit):
    (circuit / "config.circuit.json").write_text(json.dumps({"networks": {"nodes": [
        {"nodes_file": "network/v1_nodes.h5"}]}}))
    config = load_config(simulation(circuit, inputs={}))
    assert config.nodes[0].node_types_file == circuit / "network" / "v1_node_types.csv"


def test_non_finite_numbers_are_refused(circuit):
    """JSON parsers accept Infinity and 1e400; a run of infinite length is a mistake."""
    path = circuit / "config.simulation.json"
    path.write_text('{"network": "config.circuit.json", "run": {"tstop": Infinity, "dt": 0.1}}')
    message = raises(path, r"'run\.tstop' is inf; expected a finite number in ms")
    assert message.startswith(str(path))
    path.write_text('{"network": "config.circuit.json", "run": {"tstop": 100.0, "dt": 1e400}}')
    raises(path, r"'run\.dt' is inf; expected a finite number")


def test_object_variable_pasted_into_a_path_is_refused(circuit):
    path = simulation(circuit, manifest={"$A": {"x": 1}}, output={"output_dir": "${A}/x"})
    message = raises(path, r"key 'output\.output_dir' \(value '\$\{A\}/x'\) pastes \$\{A\} into text, but its "
                           r"value is an object")
    assert message.startswith(str(path))
    raises(simulation(circuit, manifest={"$A": ["a"], "$B": "$A/y"}),
           r"key 'manifest\.\$B' .*pastes \$A into text, but its value is a list")


def test_missing_network_files_are_listed_with_key_and_path(circuit):
    (circuit / "network" / "v1_nodes.h5").unlink()
    (circuit / "network" / "v1_v1_edge_types.csv").unlink()
    message = raises(simulation(circuit), "do not exist")
    assert f"'networks.nodes[0].nodes_file' -> file {circuit}/network/v1_nodes.h5" in message
    assert (f"'networks.edges[0].edge_types_file' -> file "
            f"{circuit}/network/v1_v1_edge_types.csv") in message
    assert f"(in {circuit / 'config.circuit.json'})" in message


def test_missing_component_dir_and_input_file(circuit):
    (circuit / "spikes.h5").unlink()
    (circuit / "components" / "synaptic_models").rmdir()
    message = raises(simulation(circuit), "do not exist")
    assert f"'components.synaptic_models_dir' -> folder {circuit}/components/synaptic_models" \
        in message
    assert f"'inputs.lgn.input_file' -> path {circuit}/spikes.h5 does not exist" in message


def test_file_where_a_folder_is_expected(circuit):
    (circuit / "components" / "synaptic_models").rmdir()
    (circuit / "components" / "synaptic_models").write_text("")
    raises(simulation(circuit), r"'components\.synaptic_models_dir' -> .* is a file, "
                                r"expected a folder")


def test_missing_node_sets_file(circuit):
    path = simulation(circuit, node_sets_file="node_sets.json")
    raises(path, rf"'node_sets_file' -> file {re.escape(str(circuit))}/node_sets\.json does "
                 rf"not exist")
    assert load_config(path, validate_files=False).missing_files[0].startswith("'node_sets_file'")


def test_node_sets_file_with_bad_json(circuit):
    (circuit / "node_sets.json").write_text('{"exc": {"ei": "e"},}')
    raises(simulation(circuit, node_sets_file="node_sets.json"),
           r"node_sets\.json: invalid JSON at line 1, column 21")


def test_unknown_input_module_lists_known_ones(circuit):
    inputs = {"lgn": {"input_type": "spikes", "module": "hdf6", "input_file": "spikes.h5",
                      "node_set": "lgn"}}
    message = raises(simulation(circuit, inputs=inputs),
                     r"input 'inputs\.lgn' uses unknown module 'hdf6' \(did you mean 'hdf5'\?\); "
                     r"known modules: ")
    assert all(module in message for module in KNOWN_INPUT_MODULES)


def test_unknown_report_module_lists_known_ones(circuit):
    reports = {"v": {"module": "membrane", "variable_name": "v", "cells": "v1"}}
    message = raises(simulation(circuit, reports=reports),
                     r"report 'reports\.v' uses unknown module 'membrane' "
                     r"\(did you mean 'membrane_report'\?\); known modules: ")
    assert all(module in message for module in KNOWN_REPORT_MODULES)


@pytest.mark.parametrize("entry, pattern", [
    ({"input_type": "spikes", "input_file": "spikes.h5", "node_set": "lgn"},
     r"input 'inputs\.x' has no 'module'"),
    ({"module": "sonata", "input_file": "spikes.h5", "node_set": "lgn"},
     r"input 'inputs\.x' has no 'input_type'"),
    ({"module": "sonata", "input_type": "spikes", "input_file": "spikes.h5"},
     r"input 'inputs\.x' has no 'node_set'"),
    ({"module": "sonata", "input_type": "spikes", "node_set": "lgn"},
     r"spike input 'inputs\.x' \(module sonata\) has no 'input_file'"),
    ({"module": "IClamp", "input_type": "current_clamp", "node_set": "v1", "amp": 0.1,
      "delay": 5.0}, r"'inputs\.x' \(IClamp\) has no 'duration'"),
    ({"module": "IClamp", "input_type": "current_clamp", "node_set": "v1", "amp": "0.1",
      "delay": 5.0, "duration": 1.0}, r"'inputs\.x\.amp' is '0\.1'"),
    ({"module": "IClamp", "input_type": "current_clamp", "node_set": "v1", "amp": [0.1, 0.2],
      "delay": [5.0], "duration": 1.0}, r"'inputs\.x' \(IClamp\) has lists of different"),
    ({"module": "sonata", "input_type": "spikes", "input_file": "spikes.h5",
      "node_set": {"population": 3}}, r"'inputs\.x\.node_set\.population' is 3"),
    ({"module": "sonata", "input_type": "spikes", "input_file": "spikes.h5",
      "node_set": 7}, r"'inputs\.x\.node_set' is 7 .*a node-set name"),
    ("not an object", r"'inputs\.x' is 'not an object' \(a JSON string\); expected a JSON object"),
])
def test_bad_input_entries(circuit, entry, pattern):
    raises(simulation(circuit, inputs={"x": entry}), pattern)


def test_report_without_variable_name(circuit):
    raises(simulation(circuit, reports={"v": {"module": "membrane_report", "cells": "v1"}}),
           r"report 'reports\.v' \(module membrane_report\) has no 'variable_name'")


@pytest.mark.parametrize("node_sets, pattern", [
    ({"exc": "ei == e"}, r"'node_sets\.exc' is 'ei == e' .*a basic rule"),
    ({"exc": {"node_id": [1, -2]}}, r"'node_sets\.exc\.node_id' is \[1, -2\]"),
    ({"exc": {"x": {"$between": [1, 2]}}}, r"'node_sets\.exc\.x' uses unknown operator"),
    ({"exc": {"x": {"$gt": "1"}}}, r"'node_sets\.exc\.x\.\$gt' is '1'"),
    ({"exc": ["inh", 3]}, r"'node_sets\.exc' is \['inh', 3\]"),
    ({"a": ["b"], "b": ["c", "a"], "c": {}}, r"compound node sets in 'node_sets' form a cycle: "
                                             r"a -> b -> a"),
])
def test_bad_node_sets(circuit, node_sets, pattern):
    raises(simulation(circuit, node_sets=node_sets), pattern)


def test_networks_entry_without_nodes_file(circuit):
    (circuit / "config.circuit.json").write_text(json.dumps(
        {"networks": {"nodes": [{"node_types_file": "x.csv"}]}}))
    raises(simulation(circuit), r"config\.circuit\.json: 'networks\.nodes\[0\]' has no "
                                r"'nodes_file'")


def test_networks_nodes_must_be_a_list(circuit):
    (circuit / "config.circuit.json").write_text(json.dumps(
        {"networks": {"nodes": {"nodes_file": "x.h5"}}}))
    raises(simulation(circuit), r"'networks\.nodes' is \{.*\(a JSON object\); expected a list")


def test_simulation_without_any_network(circuit):
    raises(simulation(circuit, network=None), r"no 'networks\.nodes' to simulate")


def test_config_files_that_include_each_other(circuit):
    (circuit / "config.circuit.json").write_text(json.dumps(
        {"simulation": "config.simulation.json"}))
    raises(simulation(circuit), r"'simulation' names .*config\.simulation\.json, which "
                                r"includes this file again")


def test_an_output_file_may_not_be_an_input_file(circuit):
    message = raises(simulation(circuit, output={"output_dir": ".", "spikes_file": "spikes.h5"}),
                     rf"'output\.spikes_file' writes {re.escape(str(circuit))}/spikes\.h5, which "
                     rf"is also read as 'inputs\.lgn\.input_file'")
    assert "another name or folder" in message
    raises(simulation(circuit, output={"output_dir": "network"},
                      reports={"v1_nodes": {"module": "membrane_report", "variable_name": "v"}}),
           r"'reports\.v1_nodes' writes .*/network/v1_nodes\.h5, which is also read as "
           r"'networks\.nodes\[0\]\.nodes_file'")
    raises(simulation(circuit, output={"log_file": "../config.simulation.json"}),
           r"'output\.log_file' writes .*config\.simulation\.json, which is also read as "
           r"'the config file itself'")
    message = raises(simulation(circuit, output={"output_dir": "."}), "spikes_file' writes")
    assert message.startswith(str(circuit / "config.simulation.json"))
    cfg = load_config(simulation(circuit, output={"output_dir": ".", "spikes_file": "out.h5"}))
    assert cfg.output.output_dir == circuit and cfg.output.spikes_file == circuit / "out.h5"


def test_bad_spikes_sort_order(circuit):
    raises(simulation(circuit, output={"spikes_sort_order": "random"}),
           r"'output\.spikes_sort_order' is 'random'")


def test_not_a_path_or_dict():
    with pytest.raises(ConfigError, match="a config must be a path to a JSON file or a dict"):
        load_config(42)


@pytest.mark.parametrize("manifest, pattern", [
    (["$A", "."], r"'manifest' must be a JSON object of variables"),
    ({"$A-B": "."}, r"manifest key 'A-B' is not a valid variable name"),
    ({"$A": "$A/x"}, r"manifest variables form a cycle: \$A -> \$A"),
])
def test_bad_manifest(circuit, manifest, pattern):
    raises(simulation(circuit, manifest=manifest), pattern)


def test_network_key_of_the_wrong_type(circuit):
    raises(simulation(circuit, network=3), r"'network' is 3 \(a JSON number\); expected the "
                                           r"path of a config file or a config object")
