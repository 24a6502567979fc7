"""Inputs on compartmental cells: current clamps (steps, lists, per-node CSV), voltage clamp, Poisson trains."""
from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from bmtk_like.errors import ConfigError, SimulationError
from tests.bionet.circuits import INTFIRE, SCNN1A, run, write_circuit

SOMA_V = {"soma_v": {"cells": "net", "variable_name": "v", "module": "membrane_report", "sections": "soma"}}


def _spikes(result, node=0):
    ids, times = result.spikes.get("net")
    return times[ids == node]


def test_iclamp_steps_drive_spikes_only_inside_their_windows(tmp_path, allen_mechanisms):
    clamp = {"steps": {"input_type": "current_clamp", "module": "IClamp", "node_set": "net",
                       "amp": [0.3, 0.3], "delay": [20.0, 120.0], "duration": [40.0, 40.0]}}
    times = _spikes(run(write_circuit(tmp_path, [SCNN1A], inputs=clamp, tstop=180.0)))
    assert times.size >= 2
    inside = ((times > 20) & (times < 61)) | ((times > 120) & (times < 161))
    assert inside.all(), times
    assert ((times > 20) & (times < 61)).any() and ((times > 120) & (times < 161)).any()


def test_iclamp_csv_waveform_per_node(tmp_path, allen_mechanisms):
    table = tmp_path / "clamp.csv"
    table.write_text("node_id timestamps amps\n0 0.0 0.0\n0 30.0 0.4\n0 80.0 0.0\n1 0.0 0.0\n")
    clamp = {"wave": {"input_type": "csv", "module": "IClamp", "node_set": "net", "file": str(table)}}
    result = run(write_circuit(tmp_path, [SCNN1A], n_per_type=2, inputs=clamp, tstop=120.0))
    first, second = _spikes(result, 0), _spikes(result, 1)
    assert first.size >= 1 and first.min() > 30.0 and first.max() < 81.0
    assert second.size == 0


def test_seclamp_holds_the_soma_during_its_window(tmp_path, allen_mechanisms):
    clamp = {"vc": {"input_type": "voltage_clamp", "module": "SEClamp", "node_set": "net",
                    "amp": -40.0, "delay": 20.0, "duration": 30.0, "resistance": 0.01}}
    config = write_circuit(tmp_path, [SCNN1A], inputs=clamp, reports=SOMA_V, tstop=80.0, dt=0.1)
    run(config)
    with h5py.File(tmp_path / "output" / "soma_v.h5") as f5:
        v = f5["report/net/data"][:, 0]
    t = (np.arange(v.size) + 1) * 0.1
    assert np.all(np.abs(v[(t > 25) & (t < 49)] + 40.0) < 0.5)
    assert np.all(v[t < 19] < -70.0)
    assert np.abs(v[t > 55] + 40.0).min() > 2.0                   # released afterwards


def test_poisson_input_is_reproducible_and_drives_cells(tmp_path):
    exc = dict(edge_type_id=1, model_template="NULL", dynamics_params="instantaneousExc.json", delay=1.0,
               syn_weight=0.4)
    poisson = {"bg": {"input_type": "spikes", "module": "poisson", "node_set": "ext", "rate": 50.0, "seed": 3}}
    kwargs = dict(n_virtual=5, inputs=poisson, tstop=500.0,
                  virtual_edges=dict(source=np.arange(5), target=np.zeros(5, int), edge_type=exc))
    first = _spikes(run(write_circuit(tmp_path / "a", [INTFIRE], **kwargs)))
    second = _spikes(run(write_circuit(tmp_path / "b", [INTFIRE], **kwargs)))
    assert first.size > 5
    np.testing.assert_array_equal(first, second)


def test_poisson_into_a_non_virtual_population_is_an_error(tmp_path):
    poisson = {"bg": {"input_type": "spikes", "module": "poisson", "node_set": "net", "rate": 5.0}}
    with pytest.raises(SimulationError, match=r"input 'bg'.*population net is not virtual"):
        run(write_circuit(tmp_path, [INTFIRE], inputs=poisson))


def test_current_into_an_artificial_cell_is_an_error(tmp_path):
    clamp = {"steps": {"input_type": "current_clamp", "module": "IClamp", "node_set": "net",
                       "amp": 0.3, "delay": 1.0, "duration": 4.0}}
    with pytest.raises(SimulationError, match=r"input 'steps'.*artificial cell net\[0\] \(node type 102\)"):
        run(write_circuit(tmp_path, [INTFIRE], inputs=clamp))


def test_run_overrides_and_a_compiled_mechanisms_dir(tmp_path):
    """components.mechanisms_dir is compiled and loaded; tstop/dt overrides from simulators.run apply."""
    import simulators
    mods = tmp_path / "mechanisms" / "modfiles"
    mods.mkdir(parents=True)
    (mods / "bl_leak.mod").write_text(
        "NEURON { SUFFIX bl_leak RANGE g, e NONSPECIFIC_CURRENT i }\n"
        "PARAMETER { g = 0.001 (S/cm2) e = -70 (mV) }\nASSIGNED { v (mV) i (mA/cm2) }\n"
        "BREAKPOINT { i = g*(v - e) }\n")
    models = tmp_path / "models"
    models.mkdir()
    (models / "leaky.json").write_text('{"L": 20, "diam": 20, "insert": ["bl_leak"], "e_bl_leak": -52.5}')
    cell = dict(node_type_id=130, model_type="biophysical", model_template="single_compartment",
                dynamics_params="leaky.json")
    config = write_circuit(tmp_path, [cell], reports=SOMA_V, tstop=100.0, dt=0.1,
                           components={"mechanisms_dir": str(tmp_path / "mechanisms"),
                                       "biophysical_neuron_models_dir": str(models)})
    result = simulators.run(str(config), tstop=300.0, dt=0.2)
    assert result.backend == "NEURON"
    with h5py.File(tmp_path / "output" / "soma_v.h5") as f5:
        v = f5["report/net/data"][:, 0]
        np.testing.assert_array_equal(f5["report/net/mapping/time"][()], [0.0, 300.0, 0.2])
    assert v.size == 1500 and v[-1] == pytest.approx(-52.5, abs=0.05)   # relaxed to the leak's reversal
    with pytest.raises(ConfigError, match=r"unknown run override\(s\) 'nthreads'.* for NEURON \(bionet\)"):
        simulators.run(str(config), nthreads=2)


def test_spike_trains_for_real_cells_are_an_error(tmp_path):
    from bmtk_like.reports import SpikeTrains
    SpikeTrains({"net": (np.array([0]), np.array([5.0]))}).to_sonata(tmp_path / "net_spikes.h5")
    inputs = {"wrong": {"input_type": "spikes", "module": "sonata", "node_set": "net",
                        "input_file": str(tmp_path / "net_spikes.h5")}}
    with pytest.raises(SimulationError, match=r"population net, whose nodes are cells, not virtual"):
        run(write_circuit(tmp_path, [INTFIRE], inputs=inputs))


def test_a_second_network_is_not_fed_by_the_first(tmp_path):
    exc = dict(edge_type_id=1, model_template="NULL", dynamics_params="instantaneousExc.json", delay=1.0,
               syn_weight=1.5)
    first = run(write_circuit(tmp_path / "a", [INTFIRE], n_virtual=1, spikes={0: [10.0, 20.0, 30.0]},
                              virtual_edges=dict(source=[0], target=[0], edge_type=exc), tstop=50.0))
    second = run(write_circuit(tmp_path / "b", [INTFIRE], n_virtual=1, spikes={0: [40.0]},
                               virtual_edges=dict(source=[0], target=[0], edge_type=exc), tstop=50.0))
    assert first.spikes.n_spikes() == 3                       # the first result stays readable
    np.testing.assert_allclose(second.spikes.get("net")[1], [41.0])


def _hh_circuit(tmp_path, threshold: float, synapse: str = "ExpSyn"):
    """One single-compartment HH cell driven by three CSV input spikes through one strong ``synapse``."""
    models, syns = tmp_path / "models", tmp_path / "syn"
    models.mkdir(parents=True, exist_ok=True)
    syns.mkdir(exist_ok=True)
    (models / "hh.json").write_text(json.dumps({"L": 18.8, "diam": 18.8, "insert": ["hh"]}))
    (syns / "exc.json").write_text(json.dumps({"tau": 2.0, "e": 0.0} if synapse == "ExpSyn" else
                                              {"tau1": 0.5, "tau2": 2.0, "e": 0.0}))
    cell = dict(node_type_id=130, model_type="biophysical", model_template="single_compartment",
                dynamics_params="hh.json")
    edge = dict(edge_type_id=5, model_template=synapse, dynamics_params="exc.json", delay=1.0, syn_weight=0.05)
    (tmp_path / "ext_spikes.csv").write_text("timestamps population node_ids\n20.0 ext 0\n60.0 ext 0\n100.0 ext 0\n")
    inputs = {"csv_spikes": {"input_type": "spikes", "module": "csv", "input_file": str(tmp_path / "ext_spikes.csv"),
                             "node_set": "ext"}}
    config = write_circuit(tmp_path, [cell], n_virtual=1, inputs=inputs, tstop=140.0,
                           virtual_edges=dict(source=[0], target=[0], edge_type=edge,
                                              columns={"afferent_section_id": np.array([0]),
                                                       "afferent_section_pos": np.array([0.5])}),
                           conditions={"v_init": -65.0, "celsius": 6.3},
                           components={"biophysical_neuron_models_dir": str(models), "synaptic_models_dir": str(syns)})
    data = json.loads(config.read_text())
    data["run"]["spike_threshold"] = threshold
    config.write_text(json.dumps(data))
    return config


def test_csv_spikes_through_expsyn_and_the_spike_threshold(tmp_path):
    """Each CSV input spike (20, 60, 100 ms; 1 ms delay) fires the HH cell once through an ExpSyn; the
    action potential peaks near +40 mV, so a threshold of +60 mV records none of them."""
    times = _spikes(run(_hh_circuit(tmp_path / "low", -15.0)))
    assert times.size == 3
    assert np.all((times > np.array([21.0, 61.0, 101.0])) & (times < np.array([26.0, 66.0, 106.0]))), times
    assert _spikes(run(_hh_circuit(tmp_path / "high", 60.0))).size == 0


def test_intfire4_cell_fires_on_input(tmp_path):
    """nrn:IntFire4 with BMTK's seconds convention for its time constants."""
    params = tmp_path / "points"
    params.mkdir()
    (params / "if4.json").write_text(json.dumps({"taue": 0.005, "taui1": 0.01, "taui2": 0.02, "taum": 0.05}))
    cell = dict(node_type_id=131, model_type="point_neuron", model_template="nrn:IntFire4", dynamics_params="if4.json")
    edge = dict(edge_type_id=6, model_template="NULL", dynamics_params="instantaneousExc.json", delay=1.0,
                syn_weight=2.0)
    config = write_circuit(tmp_path, [cell], n_virtual=1, spikes={0: [10.0, 50.0]}, tstop=100.0,
                           virtual_edges=dict(source=[0], target=[0], edge_type=edge),
                           components={"point_neuron_models_dir": str(params)})
    result = run(config)
    cell4 = result.extra["network"].cell("net", 0).hobj
    assert cell4.taum == pytest.approx(50.0) and cell4.taue == pytest.approx(5.0)
    times = _spikes(result)
    assert times.size >= 1 and times.min() > 11.0, times
