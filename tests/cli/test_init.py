"""`bmtk-like init`: a runnable folder per level (starter circuit or a BMTK fixture network), BMTK's options."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bmtk_like.cli import main
from bmtk_like.config import SimulationConfig
from bmtk_like.reports import SpikeTrains

REPO = Path(__file__).resolve().parents[2]
needs_nest = pytest.mark.skipif(importlib.util.find_spec("nest") is None, reason="needs NEST")
needs_neuron = pytest.mark.skipif(importlib.util.find_spec("neuron") is None, reason="needs NEURON")


@needs_nest
def test_pointnet_starter_runs_with_the_cli_and_with_bmtks_four_lines(tmp_path, capsys):
    sim = tmp_path / "sim"
    assert main(["init", "pointnet", str(sim), "--tstop", "200", "--dt", "0.1"]) == 0
    assert "starter circuit" in capsys.readouterr().out
    cfg = SimulationConfig.from_json(sim / "config.pointnet.json")
    assert cfg.target_simulator == "NEST" and cfg.run.tstop == 200.0 and cfg.run.dt == 0.1
    assert cfg.output.output_dir == sim / "output"
    assert {"point_neuron_models_dir", "synaptic_models_dir"} <= set(cfg.components)
    assert main(["run", str(sim / "config.pointnet.json"), "--quiet"]) == 0
    by_cli = SpikeTrains.from_sonata(sim / "output" / "spikes.h5").get("cortex")
    assert by_cli[0].size > 50                                     # ~16 Hz x 100 cells x 0.2 s
    script = (sim / "run_pointnet.py").read_text()
    for line in ("pointnet.Config.from_json(config_file)", "pointnet.PointNetwork.from_config(conf)",
                 "pointnet.PointSimulator.from_config(conf, net)", "sim.run()"):
        assert line in script
    (sim / "output" / "spikes.h5").unlink()
    done = subprocess.run([sys.executable, str(sim / "run_pointnet.py")], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    by_script = SpikeTrains.from_sonata(sim / "output" / "spikes.h5").get("cortex")
    np.testing.assert_array_equal(np.sort(by_script[1]), np.sort(by_cli[1]))      # same circuit, same spikes
    # the folder moves: paths are relative to the config ($BASE_DIR = ${configdir})
    moved = tmp_path / "moved"
    sim.rename(moved)
    assert SimulationConfig.from_json(moved / "config.pointnet.json").output.output_dir == moved / "output"


@needs_neuron
def test_bionet_starter_uses_builtin_hh_and_options(tmp_path, capsys):
    sim = tmp_path / "bio"
    assert main(["init", "bionet", str(sim), "--tstop", "150", "--iclamp", "0.1,20,100", "--report-vars", "v",
                 "--report-nodes", "cells:0,1"]) == 0
    data = json.loads((sim / "config.bionet.json").read_text())
    assert data["target_simulator"] == "NEURON" and data["run"]["dt"] == 0.025
    assert data["inputs"]["current_clamp"] == {"input_type": "current_clamp", "module": "IClamp", "node_set": "all",
                                               "amp": 0.1, "amp_units": "nA", "delay": 20.0, "duration": 100.0}
    assert data["reports"]["v_report"]["cells"] == {"population": "cells", "node_id": [0, 1]}
    assert not list((sim / "components").rglob("*.mod"))
    assert main(["init", "bionet", str(sim), "--compile-mechanisms", "--overwrite"]) == 0
    assert "no .mod files" in capsys.readouterr().out
    assert main(["init", "bionet", str(sim), "--tstop", "150", "--iclamp", "0.1,20,100", "--overwrite"]) == 0
    assert main(["run", str(sim / "config.bionet.json"), "--quiet"]) == 0
    ids, times = SpikeTrains.from_sonata(sim / "output" / "spikes.h5").get("cells")
    assert ids.size > 0 and set(np.unique(ids)) <= set(range(10))


@needs_nest
def test_init_on_a_bmtk_fixture_network_with_its_components_and_spikes(bmtk_examples, tmp_path, capsys):
    example = bmtk_examples / "point_120cells"
    assert main(["init", "pointnet", str(tmp_path / "p"), "--network", str(example / "network"),
                 "--components", str(bmtk_examples / "point_components"), "--tstop", "300",
                 "--spikes-input", f"thalamus:{example / 'inputs' / 'thalamus_spikes.h5'}"]) == 0
    out = capsys.readouterr().out
    assert "error" not in out.lower()
    data = json.loads((tmp_path / "p" / "config.pointnet.json").read_text())
    assert data["components"]["point_neuron_models_dir"] == "$COMPONENTS_DIR/cell_models"
    assert data["manifest"]["$COMPONENTS_DIR"] == str(bmtk_examples / "point_components")
    assert data["inputs"]["thalamus_spikes"]["node_set"] == "thalamus"
    assert {Path(n["nodes_file"]).name for n in data["networks"]["nodes"]} == {"cortex_nodes.h5", "thalamus_nodes.h5"}
    assert main(["run", str(tmp_path / "p" / "config.pointnet.json")]) == 0
    assert "LIF_exc       80 cells" in capsys.readouterr().out
    assert not any(p.name.startswith("output") for p in example.iterdir())       # fixture untouched


def test_init_refuses_what_cannot_run_and_keeps_existing_files(tmp_path, capsys):
    sim = tmp_path / "s"
    assert main(["init", "popnet", str(sim), "--iclamp", "1,2,3"]) == 2
    assert "takes no current clamp" in capsys.readouterr().err
    assert main(["init", "pointnet", str(sim), "--rates-input", f"x:{tmp_path}"]) == 2
    assert main(["init", "pointnet", str(sim), "--spikes-input", "no_colon.h5"]) == 2
    assert "POPULATION:FILE" in capsys.readouterr().err
    assert main(["init", "popnet", str(sim), "--no-starter"]) == 0
    assert main(["init", "popnet", str(sim)]) == 2
    assert "--overwrite" in capsys.readouterr().err
