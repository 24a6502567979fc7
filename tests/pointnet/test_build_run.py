"""The NEST backend on small circuits: cells, synapses, inputs, recording, run control."""
import json
import os
from pathlib import Path

import h5py
import numpy as np
import pytest

import simulators
from bmtk_like.config import SimulationConfig
from bmtk_like.errors import BmtkLikeError, ConfigError, ModelTranslationError, SimulationError, SonataError
from bmtk_like.reports import CompartmentReport, SpikeTrains
from simulators import pointnet

from pn_fixtures import small_circuit, small_config, write_json

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("BMTK_LIKE_FIXTURES", ROOT.parent / "shared" / "fixtures" / "bmtk_examples"))


def _run(path, **kw):
    return simulators.run(str(path), **kw)


def test_four_line_shape_and_outputs(tmp_path):
    small_circuit(tmp_path)
    conf = pointnet.Config.from_json(str(small_config(tmp_path)))
    net = pointnet.PointNetwork.from_config(conf)
    sim = pointnet.PointSimulator.from_config(conf, net)
    result = sim.run()
    assert result.backend == "NEST" and result.extra["n_connections"] == 200
    ids, times = result.spikes.get("net")
    assert 20 < ids.size and times.max() <= 500.0
    on_disk = SpikeTrains.from_sonata(tmp_path / "output" / "spikes.h5")
    assert on_disk == result.spikes
    assert SpikeTrains.from_csv(tmp_path / "output" / "spikes.csv") == result.spikes
    assert "built network" in (tmp_path / "output" / "log.txt").read_text()
    assert set(result.timings) >= {"load", "create", "connect", "inputs", "simulate", "write"}


def test_same_seed_same_spikes_other_seed_differs_and_threads_agree(tmp_path):
    small_circuit(tmp_path)
    cfg = small_config(tmp_path)
    a = _run(cfg).spikes
    assert _run(cfg).spikes == a
    assert _run(cfg, nthreads=2).spikes == a
    write_json(tmp_path / "c2.json", {**json.loads(cfg.read_text()),
                                       "inputs": {"bg": {"input_type": "spikes", "module": "poisson",
                                                         "rate": 40.0, "node_set": "inp", "seed": 8}}})
    assert _run(tmp_path / "c2.json").spikes != a


def test_poisson_window_and_rate(tmp_path):
    small_circuit(tmp_path)
    cfg = small_config(tmp_path, inputs={"bg": {"input_type": "spikes", "module": "poisson", "rate": 60.0,
                                                "start": 200.0, "stop": 400.0, "node_set": "inp"}})
    ids, times = _run(cfg).spikes.get("net")
    assert ids.size > 0 and times.min() > 200.0 and times.max() < 420.0


def test_spike_file_input_drives_cells_at_the_right_time(tmp_path):
    small_circuit(tmp_path, edge_type={"syn_weight": 3000.0})
    SpikeTrains({"inp": ([0, 1], [100.0, 300.0])}).to_sonata(tmp_path / "in.h5")
    cfg = small_config(tmp_path, inputs={"s": {"input_type": "spikes", "module": "sonata",
                                               "input_file": "in.h5", "node_set": "inp"}})
    ids, times = _run(cfg).spikes.get("net")
    assert np.unique(ids).size == 20
    assert np.all(((times > 101.0) & (times < 120.0)) | ((times > 301.0) & (times < 320.0)))
    assert times.min() < 106.0 and times[times > 200].min() < 306.0


def test_per_node_dynamics_params_are_set_as_arrays(tmp_path):
    vth = np.linspace(-56.0, -50.0, 20)
    small_circuit(tmp_path, node_dynamics={"V_th": vth})
    conf = SimulationConfig.from_json(small_config(tmp_path))
    sim = pointnet.PointSimulator.from_config(conf, pointnet.PointNetwork.from_config(conf))
    nest_ids = sim.ids.nest_ids("net")
    got = sim.nest.NodeCollection(nest_ids.tolist()).get("V_th")
    assert np.allclose(got, vth)
    assert np.allclose(sim.nest.NodeCollection(nest_ids.tolist()).get("C_m"), 250.0)


def test_weights_delays_and_default_delay(tmp_path):
    small_circuit(tmp_path, edge_type={"delay": None},
                  edge_columns={"nsyns": np.tile([1, 2, 3, 1, 1, 1, 1, 1, 1, 2], 20)})
    conf = SimulationConfig.from_json(small_config(tmp_path))
    sim = pointnet.PointSimulator.from_config(conf, pointnet.PointNetwork.from_config(conf))
    inp = sim.nest.NodeCollection(sim.ids.nest_ids("inp").tolist())
    conns = sim.nest.GetConnections(source=inp).get(["source", "weight", "delay"])
    assert len(conns["source"]) == 200
    src_node = np.asarray(conns["source"]) - sim.ids.nest_ids("inp")[0]
    expected = 120.0 * np.array([1, 2, 3, 1, 1, 1, 1, 1, 1, 2])[src_node]
    assert np.allclose(conns["weight"], expected)
    assert np.allclose(conns["delay"], 1.0)


def test_registered_weight_function_is_per_network(tmp_path):
    small_circuit(tmp_path, edge_type={"weight_function": "by_distance"})
    conf = SimulationConfig.from_json(small_config(tmp_path))
    net = pointnet.PointNetwork.from_config(conf)
    with pytest.raises(ConfigError, match=r"weight_function 'by_distance', which is not registered.*add_weight_function"):
        pointnet.PointSimulator.from_config(conf, net)
    net.add_weight_function(lambda b: b.syn_weight() * b.target_column("x") / 100.0, "by_distance")
    sim = pointnet.PointSimulator.from_config(conf, net)
    inp = sim.nest.NodeCollection(sim.ids.nest_ids("inp").tolist())
    conns = sim.nest.GetConnections(source=inp).get(["target", "weight"])
    x = net.nodes["net"].column("x")
    tgt = np.asarray(conns["target"]) - sim.ids.nest_ids("net")[0]
    assert np.allclose(conns["weight"], 120.0 * x[tgt] / 100.0)
    assert "by_distance" not in pointnet.PointNetwork.from_config(conf).weight_functions


def test_delay_below_resolution_is_a_clear_error(tmp_path):
    small_circuit(tmp_path, edge_type={"delay": 0.05})
    with pytest.raises(SimulationError, match=r"inp_to_net', edge type 5: delay 0.05 ms is below .*run.dt = 0.1"):
        _run(small_config(tmp_path))


def test_negative_delay_is_called_negative(tmp_path):
    small_circuit(tmp_path, edge_type={"delay": -1.0})
    # refused where the edges file is read (bmtk_like.sonata.checks), before NEST sees it
    with pytest.raises(SonataError, match=r"edge population 'inp_to_net' \(.*inp_net_edges.h5.*\): 200 edges have a "
                                          r"negative or infinite delay \(first: edge 0, edge type 5\)"):
        _run(small_config(tmp_path))


def test_tsodyks_params_from_synapse_json_and_receptor_types(tmp_path):
    small_circuit(tmp_path, cell_type={"model_template": "nest:glif_lif_asc_psc",
                                       "dynamics_params": "glif.json"},
                  edge_type={"model_template": "nest:tsodyks_synapse", "dynamics_params": "tm.json",
                             "syn_weight": 1500.0})
    glif = json.loads((FIXTURES / "point_components" / "cell_models" / "478958894_glif_lif_asc_psc.json").read_text())
    write_json(tmp_path / "components" / "cells" / "glif.json", glif)
    write_json(tmp_path / "components" / "synapses" / "tm.json",
               {"U": 0.4, "tau_rec": 300.0, "tau_fac": 0.0, "receptor_type": 2})
    conf = SimulationConfig.from_json(small_config(tmp_path))
    sim = pointnet.PointSimulator.from_config(conf, pointnet.PointNetwork.from_config(conf))
    cells = sim.nest.NodeCollection(sim.ids.nest_ids("net").tolist())
    assert set(cells.get("model")) == {"glif_psc"} and all(cells.get("after_spike_currents"))
    conns = sim.nest.GetConnections(target=cells)
    assert np.allclose(conns.get("U"), 0.4) and np.allclose(conns.get("tau_rec"), 300.0)
    assert set(conns.get("receptor")) == {2}
    result = sim.run()
    assert result.spikes.n_spikes("net") > 0


def test_stdp_with_weight_recorder(tmp_path):
    small_circuit(tmp_path, edge_type={"model_template": "nest:stdp_recorded",
                                       "dynamics_params": "stdp.json", "syn_weight": 200.0})
    write_json(tmp_path / "components" / "synapses" / "stdp.json", {"tau_plus": 15.0, "Wmax": 1000.0})
    cfg = small_config(tmp_path, reports={"weights": {"module": "weight_recorder",
                                                      "nest_model": "stdp_synapse",
                                                      "model_template": "stdp_recorded",
                                                      "file_name": "weights.csv"}})
    result = _run(cfg)
    table = np.genfromtxt(tmp_path / "output" / "weights.csv", names=True, dtype=None, encoding=None)
    assert table.size > 100
    assert set(table["source_population"]) == {"inp"} and set(table["target_population"]) == {"net"}
    assert table["weight"].min() != table["weight"].max()        # plasticity happened
    assert result.spikes.n_spikes("net") > 0


def test_multimeter_report_layout_and_times(tmp_path):
    small_circuit(tmp_path)
    cfg = small_config(tmp_path, run={"tstop": 100.0}, reports={"v": {
        "module": "multimeter_report", "variable_name": "V_m",
        "cells": {"population": "net", "node_ids": [0, 3]}}})
    result = _run(cfg)
    report = CompartmentReport.load(result.files["v"])["net"]
    assert report.data().shape == (1000, 2) and not np.isnan(report.data()).any()
    assert np.isclose(report.times[0], 0.1) and np.isclose(report.times[-1], 100.0)
    assert report.data()[0, 0] == pytest.approx(-70.0, abs=0.5)


def test_multimeter_unknown_recordable_lists_them(tmp_path):
    small_circuit(tmp_path)
    cfg = small_config(tmp_path, reports={"v": {"module": "multimeter_report", "variable_name": "v",
                                                "cells": "net"}})
    with pytest.raises(ConfigError, match=r"cannot record \['v'\]; its recordables are .*V_m"):
        _run(cfg)


def test_spikes_report_node_set_limits_recording(tmp_path):
    small_circuit(tmp_path)
    cfg = small_config(tmp_path, reports={"sp": {"module": "spikes_report",
                                                 "cells": {"population": "net", "node_ids": [1, 2]}}})
    ids, _ = _run(cfg).spikes.get("net")
    assert ids.size > 0 and set(ids.tolist()) <= {1, 2}


def test_biophysical_type_runs_through_its_point_model(tmp_path):
    small_circuit(tmp_path, cell_type={"model_type": "biophysical", "model_template": "ctdb:Biophys1.hoc",
                                       "point_model_template": "nest:iaf_psc_alpha",
                                       "point_dynamics_params": "lif.json"})
    assert _run(small_config(tmp_path)).spikes.n_spikes("net") > 0
    small_circuit(tmp_path, cell_type={"model_type": "biophysical", "model_template": "ctdb:Biophys1.hoc"})
    with pytest.raises(ModelTranslationError, match="node type 1 of population 'net'.*point_model_template"):
        _run(small_config(tmp_path))


def test_model_and_parameter_errors_name_the_node_type(tmp_path):
    small_circuit(tmp_path, cell_type={"model_template": "nest:iaf_psc_alpah"})
    with pytest.raises(ModelTranslationError, match="node type 1 of population 'net': NEST has no neuron model 'iaf_psc_alpah'"):
        _run(small_config(tmp_path))
    small_circuit(tmp_path)
    write_json(tmp_path / "components" / "cells" / "lif.json", {"tau_mem": 10.0})
    with pytest.raises(ModelTranslationError, match=r"\['tau_mem'\] in lif.json are not parameters"):
        _run(small_config(tmp_path))


def test_output_folder_policy(tmp_path):
    small_circuit(tmp_path)
    cfg = small_config(tmp_path, output={"overwrite_output_dir": False})
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "keep.txt").write_text("mine")
    with pytest.raises(SimulationError, match="already holds files"):
        _run(cfg)
    cfg = small_config(tmp_path, output={"overwrite_output_dir": True})
    _run(cfg)
    assert (tmp_path / "output" / "keep.txt").read_text() == "mine"


def test_simulator_override_and_unknown_name(tmp_path):
    small_circuit(tmp_path)
    cfg = small_config(tmp_path)
    assert _run(cfg, simulator="pointnet").backend == "NEST"
    with pytest.raises(SimulationError, match="unknown simulator 'nst'"):
        _run(cfg, simulator="nst")


def test_unknown_target_simulator_in_the_config_names_file_and_key(tmp_path):
    small_circuit(tmp_path)
    cfg = small_config(tmp_path)
    data = json.loads(cfg.read_text())
    data["target_simulator"] = "FOO"
    cfg.write_text(json.dumps(data))
    with pytest.raises(SimulationError, match=r"config\.json: key 'target_simulator': unknown simulator 'FOO'"):
        _run(cfg)


def test_tstop_override_lengthens_the_default_poisson_window(tmp_path):
    """The config says 500 ms; run(..., tstop=1000) drives the inputs for the whole 1000 ms."""
    small_circuit(tmp_path)
    cfg = small_config(tmp_path, output={"overwrite_output_dir": True})
    ids, times = simulators.run(str(cfg), tstop=1000.0).spikes.get("net")
    assert np.asarray(times).max() > 900.0
    late = np.count_nonzero(np.asarray(times) > 510.0)
    early = np.count_nonzero(np.asarray(times) <= 500.0)
    assert late > 0.5 * early > 0


def test_spike_input_on_non_virtual_population_is_refused(tmp_path):
    small_circuit(tmp_path)
    cfg = small_config(tmp_path, inputs={"p": {"input_type": "spikes", "module": "poisson", "rate": 5.0,
                                               "node_set": "net"}})
    with pytest.raises(ConfigError, match="population 'net', which is not virtual"):
        _run(cfg)


def test_cli_runs_on_nest(tmp_path):
    import subprocess
    import sys

    small_circuit(tmp_path)
    cfg = small_config(tmp_path, output={"spikes_file_csv": None})
    done = subprocess.run([sys.executable, "-m", "bmtk_like", "run", str(cfg), "--simulator", "pointnet"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "NEST: outputs in" in done.stdout
    assert SpikeTrains.from_sonata(tmp_path / "output" / "spikes.h5").n_spikes("net") > 0


def test_nest_kernel_is_quiet_unless_asked(tmp_path):
    """Without PYNEST_QUIET in the environment, a run prints no NEST banner or kernel messages."""
    import subprocess
    import sys

    small_circuit(tmp_path)
    cfg = small_config(tmp_path)
    data = json.loads(cfg.read_text())
    del data["output"]["quiet_simulator"]           # the default
    cfg.write_text(json.dumps(data))
    env = {k: v for k, v in os.environ.items() if k != "PYNEST_QUIET"}
    done = subprocess.run([sys.executable, "-m", "bmtk_like", "run", str(cfg)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    text = done.stdout + done.stderr
    assert "N E S T" not in text and "Simulation finished" not in text and "[INFO]" not in text, text
    assert "NEST: outputs in" in done.stdout


def test_bmtk_thread_and_seed_keys_reach_the_kernel(tmp_path):
    small_circuit(tmp_path)
    conf = SimulationConfig.from_json(small_config(tmp_path, run={"n_thread": 2, "seed": 1234}))
    sim = pointnet.PointSimulator.from_config(conf, pointnet.PointNetwork.from_config(conf))
    assert sim.nest.GetKernelStatus("local_num_threads") == 2
    assert sim.nest.GetKernelStatus("rng_seed") == 1234
    assert sim.nest.GetKernelStatus("resolution") == pytest.approx(0.1)


def test_multimeter_with_several_variables_writes_one_file_each(tmp_path):
    import dataclasses

    small_circuit(tmp_path)
    cfg = SimulationConfig.from_json(small_config(tmp_path, run={"tstop": 50.0}, reports={"state": {
        "module": "multimeter", "variable_name": "V_m", "cells": "net", "dt": 0.5}}))
    spec = dataclasses.replace(cfg.reports["state"], variable_name=["V_m", "I_syn_ex"])
    result = simulators.run(dataclasses.replace(cfg, reports={"state": spec}))
    v = CompartmentReport.load(tmp_path / "output" / "state.V_m.h5")["net"]
    i_ex = CompartmentReport.load(result.files["state.I_syn_ex"])["net"]
    assert v.data().shape == (100, 20) == i_ex.data().shape
    assert np.isclose(v.times[0], 0.5) and i_ex.data().max() > 0.0


def test_block_run_with_progress_bar_gives_the_same_spikes(tmp_path, capsys):
    small_circuit(tmp_path)
    whole = _run(small_config(tmp_path)).spikes
    blocks = _run(small_config(tmp_path, run={"block_run": True, "block_size": 50.0}), progress=True)
    assert blocks.spikes == whole
    assert "NEST" in capsys.readouterr().err          # the tqdm bar was drawn
    with pytest.raises(ConfigError, match=r"unknown run override\(s\) 'tstpo' \(did you mean 'tstop'\?\) for NEST"):
        _run(small_config(tmp_path), tstpo=10.0)


def test_current_clamp_flows_from_its_delay_like_neurons_iclamp(tmp_path):
    """delay 10 ms, duration 5 ms: V_m is at rest at 10.0 ms and moves in the step ending at 10.1 ms;
    the current stops at 15 ms (the generator's connection delay is compensated)."""
    small_circuit(tmp_path, n_cells=1)
    cfg = small_config(tmp_path, run={"tstop": 20.0}, inputs={
        "c": {"input_type": "current_clamp", "module": "IClamp", "node_set": "net", "amp": 0.2, "delay": 10.0,
              "duration": 5.0, "amp_units": "nA"}}, reports={"v": {"module": "multimeter_report", "variable_name": "V_m", "cells": "net"}})
    rep = CompartmentReport.load(_run(cfg).files["v"])["net"]
    v = dict(zip(np.round(rep.times, 6), rep.data()[:, 0]))
    assert v[10.0] == pytest.approx(-70.0) and v[10.1] > -69.99
    assert v[15.0] > v[14.9] and v[15.1] < v[15.0]          # rising until 15 ms, decaying after


def test_current_clamps_in_na_shared_and_per_node(tmp_path):
    """iaf_psc_alpha, E_L -70 mV, tau_m 10 ms, C_m 250 pF: steady V = -70 + I[nA] * 40 mV."""
    small_circuit(tmp_path, n_cells=3)
    (tmp_path / "clamp.csv").write_text("node_id timestamps amps\n0 10.0 0.25\n1 10.0 0.125\n1 150.0 0.0\n")
    cfg = small_config(tmp_path, run={"tstop": 300.0}, inputs={
        "per_node": {"input_type": "csv", "module": "IClamp", "node_set": "net", "file": "clamp.csv",
                     "amp_units": "nA"},
        "steps": {"input_type": "current_clamp", "module": "IClamp", "node_set": "net", "amp_units": "nA",
                  "amp": [0.05, 0.1], "delay": [10.0, 160.0], "duration": [100.0, 100.0]}},
        reports={"v": {"module": "multimeter_report", "variable_name": "V_m", "cells": "net"}})
    v = CompartmentReport.load(_run(cfg).files["v"])["net"]
    at = {t: v.data()[np.searchsorted(v.times, t)] for t in (109.9, 259.9, 299.9)}
    # node 0 and 1 have their own CSV waveform plus the shared steps; node 2 only the steps
    assert np.allclose(at[109.9], [-70 + 0.30 * 40, -70 + 0.175 * 40, -70 + 0.05 * 40], atol=0.1)
    assert np.allclose(at[259.9], [-70 + 0.35 * 40, -70 + 0.1 * 40, -70 + 0.1 * 40], atol=0.1)
    assert np.allclose(at[299.9], [-70 + 0.25 * 40, -70.0, -70.0], atol=0.1)
