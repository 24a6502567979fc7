"""SimulationConfig behaviour: manifest, path resolution, split files, node sets, copies."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bmtk_like.config import SimulationConfig, load_config
from bmtk_like.errors import ConfigError


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A config folder with empty network/input files (the config never opens them)."""
    for name in ("net/v1_nodes.h5", "net/v1_node_types.csv", "inputs/lgn.h5", "sets.json",
                 "models/syn/.keep"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    (tmp_path / "sets.json").write_text(json.dumps({"exc": {"ei": "e"}, "both": ["exc", "v1"]}))
    return tmp_path


def base_config(**extra) -> dict:
    config = {
        "run": {"tstop": 50.0, "dt": 0.025},
        "components": {"synaptic_models_dir": "models/syn"},
        "networks": {"nodes": [{"nodes_file": "net/v1_nodes.h5",
                                "node_types_file": "net/v1_node_types.csv"}]},
    }
    config.update(extra)
    return config


def write(path: Path, config: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config))
    return path


def test_relative_paths_resolve_against_the_config_folder_not_cwd(folder, tmp_path_factory,
                                                                  monkeypatch):
    path = write(folder / "sim.json", base_config())
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    cfg = load_config(os.path.relpath(path))
    assert cfg.path == path and cfg.config_dir == folder
    assert cfg.nodes[0].nodes_file == folder / "net/v1_nodes.h5"
    assert cfg.components["synaptic_models_dir"] == folder / "models/syn"
    assert cfg.output.output_dir == folder / "output"
    assert cfg.output.spikes_file == folder / "output/spikes.h5"


def test_manifest_forms_and_builtins(folder, monkeypatch):
    monkeypatch.chdir(folder / "net")
    config = base_config(
        manifest={"$NET": "${ROOT}/net", "$ROOT": "${configdir}", "$MODEL": "v1",
                  "$TSTOP": 75.5, "$HERE": "${workingdir}"},
        networks={"nodes": [{"nodes_file": "$NET/${MODEL}_nodes.h5",
                             "node_types_file": "${NET}/$MODEL_node_types.csv"}]},
        run={"tstop": "$TSTOP", "dt": 0.025, "note": "${HERE}/x ${MODEL}"})
    with pytest.raises(ConfigError, match=r"unknown manifest variable '\$MODEL_node_types'"):
        load_config(write(folder / "sim.json", config))
    config["networks"]["nodes"][0]["node_types_file"] = "${NET}/${MODEL}_node_types.csv"
    cfg = load_config(write(folder / "sim.json", config))
    assert cfg.run.tstop == 75.5                      # a whole-string variable keeps its type
    assert cfg.nodes[0].nodes_file == folder / "net/v1_nodes.h5"
    assert cfg.nodes[0].node_types_file == folder / "net/v1_node_types.csv"
    assert cfg.run.extra["note"] == f"{folder / 'net'}/x v1"
    assert cfg.manifest == {"NET": f"{folder}/net", "ROOT": str(folder), "MODEL": "v1",
                            "TSTOP": 75.5, "HERE": str(folder / "net")}


def test_user_variables_win_over_the_manifest(folder):
    path = write(folder / "sim.json", base_config(manifest={"$T": 10.0},
                                                  run={"tstop": "$T", "dt": 0.1}))
    assert load_config(path, variables={"T": 20.0}).run.tstop == 20.0


def test_dotted_strings_resolve_anywhere_and_data_stays(folder):
    inputs = {"lgn": {"input_type": "spikes", "module": "SONATA", "input_file": "inputs/lgn.h5",
                      "node_set": "lgn", "weights_table": "./inputs/lgn.h5", "label": "inputs"}}
    reports = {"v": {"module": "Membrane_Report", "variable_name": "v", "cells": "v1",
                     "file_name": "v_report.h5"},
               "off": {"module": "membrane_report", "variable_name": "v", "enabled": False}}
    cfg = load_config(write(folder / "sim.json", base_config(inputs=inputs, reports=reports)))
    spec = cfg.inputs["lgn"]
    assert spec.module == "sonata"                       # canonical spelling
    assert spec.params == {"input_file": str(folder / "inputs/lgn.h5"),
                           "weights_table": str(folder / "inputs/lgn.h5"), "label": "inputs"}
    assert set(cfg.reports) == {"v"}                     # "enabled": false is left out
    assert cfg.reports["v"].module == "membrane_report"
    assert cfg.reports["v"].sections == "soma"
    assert cfg.reports["v"].params["file_name"] == str(folder / "output/v_report.h5")
    assert cfg.data["reports"]["off"]["enabled"] is False   # the raw data keeps it


def test_output_files_live_under_output_dir(folder, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("logs")
    output = {"output_dir": "$OUT", "spikes_file": "$OUT/spikes.h5",
              "spikes_file_csv": "csv/spikes.csv", "log_file": str(elsewhere / "log.txt"),
              "rates_file": "rates.csv", "spikes_sort_order": "id", "overwrite_output_dir": False}
    cfg = load_config(write(folder / "sim.json",
                            base_config(manifest={"$OUT": "./results"}, output=output)))
    out = cfg.output
    assert out.output_dir == folder / "results"
    assert out.spikes_file == folder / "results/spikes.h5"
    assert out.spikes_file_csv == folder / "results/csv/spikes.csv"
    assert out.log_file == elsewhere / "log.txt"
    assert out.rates_file == folder / "results/rates.csv"
    assert out.spikes_sort_order == "by_id"
    assert out.overwrite_output_dir is False and out.quiet_simulator is False
    assert cfg.data["output"]["spikes_file"] == str(folder / "results/spikes.h5")


def test_defaults(folder):
    cfg = load_config(write(folder / "sim.json", base_config()))
    run = cfg.run
    assert (run.spike_threshold, run.dL, run.nsteps_block, run.nthreads, run.seed,
            run.block_run, run.block_size, run.tstart) == (-15.0, 20.0, 5000, 1, None, False,
                                                           None, 0.0)
    assert cfg.conditions == {"v_init": -65.0, "celsius": 34.0}
    assert cfg.output.overwrite_output_dir is True
    assert (cfg.output.log_file, cfg.output.spikes_file_csv) == (None, None)
    assert cfg.target_simulator is None and cfg.inputs == {} and cfg.reports == {}
    assert cfg.nodes[0].populations == {}


def test_split_files_each_resolve_against_their_own_folder(folder):
    circuit = write(folder / "circuit/circuit_config.json", {
        "manifest": {"$BASE": "${configdir}/.."},
        "components": {"synaptic_models_dir": "$BASE/models/syn"},
        "networks": {"nodes": [{"nodes_file": "../net/v1_nodes.h5",
                                "node_types_file": "../net/v1_node_types.csv",
                                "populations": {"v1": {"type": "biophysical"}}}]},
        "node_sets_file": "../sets.json",
        "run": {"tstop": 1.0, "dt": 0.5}})
    sim = write(folder / "sim/simulation_config.json", {
        "network": "../circuit/circuit_config.json",
        "run": {"tstop": 20.0, "dt": 0.1},
        "node_sets": {"exc": {"ei": "i"}, "lgn": {"population": "lgn", "node_id": [0, 1]}},
        "output": {"output_dir": "out"}})
    cfg = load_config(sim)
    assert cfg.files == (sim, circuit)
    assert cfg.nodes[0].nodes_file == folder / "net/v1_nodes.h5"
    assert cfg.nodes[0].populations == {"v1": {"type": "biophysical"}}
    assert cfg.components["synaptic_models_dir"] == folder / "models/syn"
    assert cfg.run.tstop == 20.0                         # the named file wins
    assert cfg.node_sets == {"exc": {"ei": "i"}, "both": ["exc", "v1"],
                             "lgn": {"population": "lgn", "node_id": [0, 1]}}
    assert cfg.output.output_dir == folder / "sim/out"


def test_inline_network_and_simulation_objects(folder):
    config = {"manifest": {"$NET": "./net"},
              "network": {"networks": {"nodes": [{"nodes_file": "$NET/v1_nodes.h5",
                                                  "node_types_file": "$NET/v1_node_types.csv"}]}},
              "simulation": {"run": {"tstop": 5.0, "dt": 0.5}, "target_simulator": "NEST"}}
    cfg = SimulationConfig.from_json(config, folder)
    assert cfg.path is None and cfg.files == ()
    assert cfg.nodes[0].nodes_file == folder / "net/v1_nodes.h5"
    assert (cfg.run.tstop, cfg.target_simulator) == (5.0, "NEST")
    assert str(folder) in cfg.name


def test_circuit_only_and_require_run(folder):
    circuit = {k: v for k, v in base_config().items() if k != "run"}
    cfg = SimulationConfig.from_dict(circuit, folder)
    assert not cfg.has_run
    with pytest.raises(ConfigError, match=r"no 'run' section"):
        cfg.run
    with pytest.raises(ConfigError, match=r"missing required key 'run\.tstop'"):
        SimulationConfig.from_dict(circuit, folder, require_run=True)
    with_run = SimulationConfig.from_dict(base_config(), folder, require_run=False)
    assert with_run.run.dt == 0.025                      # a run section is still validated


def test_with_overrides_returns_a_revalidated_copy(folder):
    inputs = {"lgn": {"input_type": "spikes", "module": "sonata", "input_file": "inputs/lgn.h5",
                      "node_set": "lgn"}}
    cfg = load_config(write(folder / "sim.json", base_config(inputs=inputs)))
    short = cfg.with_overrides({"run": {"tstop": 10.0}, "inputs": {"lgn": None},
                                "output": {"output_dir": "other"}})
    assert (short.run.tstop, short.run.dt) == (10.0, 0.025)
    assert short.inputs == {}
    assert short.output.output_dir == folder / "other"
    assert short.output.spikes_file == folder / "other/spikes.h5"   # files follow output_dir
    assert short.path == cfg.path and short.files == cfg.files
    assert (cfg.run.tstop, list(cfg.inputs)) == (50.0, ["lgn"])     # original unchanged
    assert cfg.copy_with(target_simulator="popnet").target_simulator == "popnet"
    with pytest.raises(ConfigError, match=r"sim\.json \(with overrides\): 'run\.tstop' is '5'"):
        cfg.with_overrides({"run": {"tstop": "5"}})


def test_to_dict_round_trips(folder, tmp_path_factory):
    config = base_config(manifest={"$OUT": "./o"}, output={"output_dir": "$OUT",
                                                           "log_file": "log.txt"},
                         node_sets_file="sets.json", target_simulator="NEURON")
    cfg = load_config(write(folder / "sim.json", config))
    data = cfg.to_dict()
    assert "manifest" not in data and data["output"]["log_file"] == "log.txt"
    json.dumps(data)                                        # JSON-ready
    again = SimulationConfig.from_dict(data, tmp_path_factory.mktemp("anywhere"))
    for attr in ("nodes", "edges", "components", "node_sets", "inputs", "reports", "output",
                 "run_settings", "conditions", "target_simulator"):
        assert getattr(again, attr) == getattr(cfg, attr), attr
    out = cfg.to_json(folder / "resolved.json")
    assert SimulationConfig.from_json(out).output == cfg.output
    with pytest.raises(ConfigError, match="resolved.json already exists; pass overwrite=True"):
        cfg.to_json(folder / "resolved.json")


def test_implicit_population_node_set_is_kept_for_the_simulator(folder):
    inputs = {"a": {"input_type": "spikes", "module": "h5", "input_file": "inputs/lgn.h5",
                    "node_set": "lgn"},
              "b": {"input_type": "current_clamp", "module": "iclamp", "node_set": ["exc", "v1"],
                    "amp": [0.1, 0.2], "delay": [1.0, 5.0], "duration": [1.0, 1.0]}}
    reports = {"v": {"module": "membrane_report", "variable_name": "v", "cells": [0, 3]}}
    cfg = load_config(write(folder / "sim.json", base_config(inputs=inputs, reports=reports)))
    assert cfg.inputs["a"].node_set == "lgn"
    assert cfg.inputs["b"].module == "IClamp" and cfg.inputs["b"].node_set == ["exc", "v1"]
    assert cfg.reports["v"].cells == [0, 3]


def test_from_json_passes_a_loaded_config_through(folder):
    cfg = load_config(write(folder / "sim.json", base_config()))
    assert SimulationConfig.from_json(cfg) is cfg


def test_build_env_makes_the_output_folder_without_touching_files(tmp_path):
    from bmtk_like.config import SimulationConfig
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    from bmtk_like.sonata import write_nodes, write_types_csv
    write_nodes(tmp_path / "n.h5", "p", [1])
    write_types_csv(tmp_path / "t.csv", [{"node_type_id": 1, "model_type": "virtual"}], "node_type_id")
    cfg = SimulationConfig.from_dict({"run": {"tstop": 10.0, "dt": 0.1}, "output": {"output_dir": "out/sub"},
                                      "networks": {"nodes": [{"nodes_file": "n.h5", "node_types_file": "t.csv"}]}},
                                     config_dir=tmp_path)
    assert cfg.build_env() is cfg
    assert (out / "sub").is_dir() and (out / "mine.txt").read_text() == "keep me"
