"""The popnet backend: BMTK PopNet circuits and coarse-grained point-neuron circuits."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import simulators
from bmtk_like.config import SimulationConfig
from bmtk_like.errors import ConfigError, ModelTranslationError, SimulationError
from bmtk_like.reports.rates import read_rates
from bmtk_like.sonata import write_edges, write_nodes, write_types_csv
from simulators import popnet
from simulators.core import run
from simulators.popnet import units as U
from simulators.popnet.solver import Connection, DensitySolver, ExternalPopulation, Population


@pytest.fixture
def pop_2pops(example_copy):
    """A copy of BMTK's pop_2pops example (its config.simulation.json is the working one)."""
    return example_copy("pop_2pops", components="pop_components")


#: pop_2pops' rates before the internal step was decoupled from dt (they match DiPDE within 0.5%);
#: the dt -> 0, dv -> 0 limit of the equation is 3.528 / 4.129 Hz.
DIPDE_MATCHING = {"excitatory": 3.5305, "inhibitory": 4.1388}


def test_pop_2pops_runs_unchanged_and_settles_on_its_steady_state(pop_2pops):
    """Rates settle, stay within 0.5% of the DiPDE-matching rates and agree with the steady-state solver
    within 3% (the run uses BMTK's dt = 2 ms; the steady state is the dt → 0 limit)."""
    result = run(pop_2pops / "config.simulation.json")
    assert result.backend == "popnet"
    sim = result.extra["simulator"]
    assert sim.solver.dt == pytest.approx(2.0)              # run.dt 0.002 s
    steady = sim.steady_state().rates
    assert set(result.rates) == {"excitatory", "inhibitory"}
    for name, (times, rates) in result.rates.items():
        assert times[-1] == pytest.approx(1498.0)
        assert np.ptp(rates[times > 1300]) < 0.005 * rates[-1]      # settled (remap ripple ≤ 0.5%)
        assert rates[times > 1200].mean() == pytest.approx(DIPDE_MATCHING[name], rel=0.005)
        assert 1.0 < rates[-1] < 20.0
        assert rates[-1] == pytest.approx(steady[name], rel=0.03)
    out = pop_2pops / "output"
    for name in ("population_rates.h5", "population_rates.csv", "population_rates.png", "log.txt"):
        assert (out / name).is_file()
    text = pd.read_csv(out / "spike_rates.csv", sep=" ", header=None, names=["pop", "t", "r"])
    assert set(text["pop"]) == {"excitatory", "inhibitory"}
    assert text["t"].max() == pytest.approx(1.498)           # BMTK writes seconds
    back = read_rates(out / "population_rates.h5")
    np.testing.assert_allclose(back["excitatory"][1], result.rates["excitatory"][1])


def test_pop_2pops_mapping_converts_seconds_and_volts(pop_2pops):
    cfg = SimulationConfig.from_json(pop_2pops / "config.simulation.json")
    net = popnet.PopNetwork.from_config(cfg)
    assert net.units == U.SI
    exc = next(p for p in net.populations if p.name == "excitatory")
    assert (exc.tau_m, exc.threshold, exc.v_min, exc.dv) == pytest.approx((42.9, 20.0, -50.0, 0.1))
    conns = {(c.source, c.target): c for c in net.connections}
    ext = conns[("tON", "excitatory")]
    assert ext.nsyns == 10 and ext.weight.values[0] == pytest.approx(2.5)
    assert ext.delay.values[0] == pytest.approx(2.0)
    assert conns[("inhibitory", "excitatory")].weight.values[0] == pytest.approx(-2.0)
    assert net.externals[0].rate == 15.0


@pytest.mark.parametrize("alias", ["DiPDE", "population", "popnet", "POPNET"])
def test_aliases_select_popnet(pop_2pops, alias):
    result = simulators.core.run(pop_2pops / "config.simulation.json", simulator=alias, plot=False)
    assert result.backend == "popnet" and "rates_png" not in result.files


def test_existing_output_is_kept_without_overwrite(pop_2pops):
    cfg_path = pop_2pops / "config.simulation.json"
    data = json.loads(cfg_path.read_text())
    data["output"]["overwrite_output_dir"] = False
    cfg_path.write_text(json.dumps(data))
    (pop_2pops / "output").mkdir()
    keep = pop_2pops / "output" / "spike_rates.csv"
    keep.write_text("mine")
    with pytest.raises(SimulationError, match="overwrite_output_dir"):
        popnet.run_config(cfg_path)
    assert keep.read_text() == "mine"


def test_time_varying_pop_rates(pop_2pops):
    """A `time` column (seconds, as BMTK) makes the input a ramp: no input, no firing."""
    (pop_2pops / "inputs" / "external_rates.csv").write_text(
        "gid time firing_rate\n100 0.0 0.0\n100 0.5 0.0\n100 0.5001 30.0\n100 2.0 30.0\n")
    result = popnet.run_config(pop_2pops / "config.simulation.json", plot=False)
    times, exc = result.rates["excitatory"]
    assert exc[times < 500].max() == 0.0 and exc[-1] > 1.0


@pytest.mark.parametrize("content,message", [
    ("gid firing_rate\n999 15.0\n", "gid 999.*node_type_id of a virtual population"),
    ("node firing\n100 15.0\n", "needs 'gid'"),
    ("gid firing_rate\n100 -1\n", "firing_rate must be >= 0"),
])
def test_bad_rates_file_names_the_file(pop_2pops, content, message):
    (pop_2pops / "inputs" / "external_rates.csv").write_text(content)
    with pytest.raises(ConfigError, match=message) as err:
        popnet.run_config(pop_2pops / "config.simulation.json", plot=False)
    assert "external_rates.csv" in str(err.value) or "999" in str(err.value)


def test_missing_population_json_names_node_type(pop_2pops):
    (pop_2pops.parent / "pop_components" / "pop_models" / "exc_model.json").unlink()
    with pytest.raises(ConfigError, match="exc_model.json"):
        popnet.run_config(pop_2pops / "config.simulation.json", plot=False)


def test_unit_rule():
    assert U.population_units({"tau_m": 0.02, "v_max": 0.02}, "x") == U.SI
    assert U.population_units({"tau_m": 20.0, "threshold": 15.0}, "x") == U.MS_MV
    assert U.population_units({"tau_m": 0.02}, "x") == U.SI
    assert U.population_units({"tau_m": 0.5, "units": "ms_mV"}, "x") == U.MS_MV
    assert U.population_params_ms_mv({"tau_m": 0.02, "v_max": 0.015, "dv": 1e-4, "v_min": -0.01},
                                     U.SI, "x") == pytest.approx(
        {"tau_m": 20.0, "threshold": 15.0, "dv": 0.1, "v_min": -10.0})
    with pytest.raises(ConfigError, match="units 'furlongs'"):
        U.population_units({"units": "furlongs"}, "pop.json")
    # seconds/volts JSONs take DiPDE's defaults for missing keys (tau_m 20 ms, v_min -100 mV, dv 0.1 mV)
    assert U.population_params_ms_mv({"v_max": 0.015, "record": True, "update_method": "gmres"},
                                     U.SI, "x") == pytest.approx(
        {"tau_m": 20.0, "threshold": 15.0, "dv": 0.1, "v_min": -100.0})
    with pytest.raises(ConfigError, match="pop.json.*tau_m"):
        U.population_params_ms_mv({"threshold": 20.0}, U.MS_MV, "pop.json")
    # BMTK ships ms files with DiPDE's "record" flag (pop_components/pop_models/IntFire1_exc_pop.json)
    assert U.population_params_ms_mv({"tau_m": 24.0, "record": False}, U.MS_MV, "x") == {"tau_m": 24.0}
    with pytest.raises(ConfigError, match=r"pop.json: unknown population parameter\(s\) \['tau_M'\]"):
        U.population_params_ms_mv({"tau_M": 0.02, "v_max": 0.02}, U.SI, "pop.json")
    with pytest.raises(ConfigError, match=r"pop.json: population parameter 'tau_m' is \{'distribution'"):
        U.population_params_ms_mv({"tau_m": {"distribution": "uniform"}, "v_max": 0.02}, U.SI, "pop.json")


# ---------------------------------------------------------------- point circuits
def _point_circuit(tmp_path, model="nest:iaf_psc_delta", weight_scale=1.0):
    """70 iaf_psc_delta neurons (50 E, 20 I) + 10 virtual Poisson sources, on disk."""
    rng = np.random.default_rng(3)
    net = tmp_path / "network"
    comps = tmp_path / "components"
    (comps / "cells").mkdir(parents=True)
    net.mkdir()
    (comps / "cells" / "exc.json").write_text(json.dumps(
        {"E_L": -70.0, "V_th": -50.0, "V_reset": -70.0, "tau_m": 20.0, "t_ref": 2.0, "C_m": 250.0}))
    (comps / "cells" / "inh.json").write_text(json.dumps(
        {"E_L": -65.0, "V_th": -45.0, "V_reset": -65.0, "tau_m": 10.0, "t_ref": 1.0}))
    write_nodes(net / "cortex_nodes.h5", "cortex", np.r_[np.full(50, 1), np.full(20, 2)])
    write_types_csv(net / "cortex_node_types.csv", [
        {"node_type_id": 1, "pop_name": "E", "model_type": "point_neuron",
         "model_template": model, "dynamics_params": "exc.json"},
        {"node_type_id": 2, "pop_name": "I", "model_type": "point_neuron",
         "model_template": model, "dynamics_params": "inh.json"}], "node_type_id")
    write_nodes(net / "bg_nodes.h5", "bg", np.full(100, 7))
    write_types_csv(net / "bg_node_types.csv", [{"node_type_id": 7, "pop_name": "bg",
                                                 "model_type": "virtual"}], "node_type_id")
    # every cortex cell gets all 100 bg cells (100 synapses per cell, w from the edge type)
    tgt = np.repeat(np.arange(70), 100)
    src = np.tile(np.arange(100), 70)
    write_edges(net / "bg_edges.h5", "bg_to_cortex", "bg", "cortex", src, tgt, np.full(7000, 5),
                n_source_nodes=100, n_target_nodes=70)
    # recurrent: 20 random E sources per target, w 0.2 mV with nsyns 1 or 2 (BMTK point
    # semantics: one synapse of weight 0.2 or 0.4), 10 I sources (w -1 mV)
    s_e = np.concatenate([rng.choice(50, 20, replace=False) for _ in range(70)])
    s_i = np.concatenate([50 + rng.choice(20, 10, replace=False) for _ in range(70)])
    src = np.r_[s_e, s_i]
    tgt = np.r_[np.repeat(np.arange(70), 20), np.repeat(np.arange(70), 10)]
    w = np.r_[np.full(1400, 0.2), np.full(700, -1.0)] * weight_scale
    nsyns = np.r_[np.where(np.arange(1400) % 2 == 0, 1, 2), np.ones(700, int)]
    write_edges(net / "cortex_edges.h5", "cortex_to_cortex", "cortex", "cortex", src, tgt,
                np.full(src.size, 6), columns={"syn_weight": w, "delay": np.full(src.size, 1.5),
                                               "nsyns": nsyns},
                n_source_nodes=70, n_target_nodes=70)
    write_types_csv(net / "bg_edge_types.csv", [{"edge_type_id": 5, "syn_weight": 1.0 * weight_scale, "delay": 0.5,
                                                 "model_template": "static_synapse"}], "edge_type_id")
    write_types_csv(net / "cortex_edge_types.csv", [{"edge_type_id": 6,
                                                     "model_template": "static_synapse"}], "edge_type_id")
    cfg = {"target_simulator": "NEST", "run": {"tstop": 300.0, "dt": 0.1},
           "components": {"point_neuron_models_dir": str(comps / "cells")},
           "networks": {"nodes": [{"nodes_file": str(net / f"{p}_nodes.h5"),
                                   "node_types_file": str(net / f"{p}_node_types.csv")}
                                  for p in ("cortex", "bg")],
                        "edges": [{"edges_file": str(net / f"{p}_edges.h5"),
                                   "edge_types_file": str(net / f"{p}_edge_types.csv")}
                                  for p in ("bg", "cortex")]},
           "inputs": {"bg_spikes": {"input_type": "spikes", "module": "poisson", "rate": 12.0,
                                    "node_set": "bg"}},
           "output": {"output_dir": str(tmp_path / "output"), "overwrite_output_dir": True}}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    return path


def test_point_circuit_is_coarse_grained_by_pop_name(tmp_path):
    cfg = SimulationConfig.from_json(_point_circuit(tmp_path))
    net = popnet.PopNetwork.from_config(cfg)
    pops = {p.name: p for p in net.populations}
    assert set(pops) == {"E", "I"} and [e.name for e in net.externals] == ["bg"]
    assert (pops["I"].tau_m, pops["I"].threshold, pops["I"].t_ref, pops["I"].v_reset) == (10.0, 20.0, 1.0, 0.0)
    conns = {(c.source, c.target): c for c in net.connections}
    bg = conns[("bg", "E")]
    assert bg.nsyns == pytest.approx(100.0) and bg.weight.values.tolist() == [1.0]
    assert bg.delay.mean == pytest.approx(0.5)
    ee = conns[("E", "E")]
    assert ee.nsyns == pytest.approx(20.0) and ee.weight.mean == pytest.approx(0.3)
    assert conns[("I", "E")].nsyns == pytest.approx(10.0)
    assert conns[("I", "I")].weight.values.tolist() == [-1.0]
    assert net.externals[0].rate(np.array([100.0]))[0] == pytest.approx(12.0)


def test_point_circuit_runs_on_popnet_like_the_hand_built_solver(tmp_path):
    result = run(_point_circuit(tmp_path), simulator="popnet", plot=False)
    pops = [Population("E", tau_m=20, threshold=20, v_min=-20, dv=0.1, t_ref=2.0),
            Population("I", tau_m=10, threshold=20, v_min=-20, dv=0.1, t_ref=1.0)]
    conns = [Connection("bg", "E", 100, 1.0, 0.5), Connection("bg", "I", 100, 1.0, 0.5),
             Connection("E", "E", 20, [(0.2, 0.5), (0.4, 0.5)], 1.5),
             Connection("E", "I", 20, [(0.2, 0.5), (0.4, 0.5)], 1.5),
             Connection("I", "E", 10, -1.0, 1.5), Connection("I", "I", 10, -1.0, 1.5)]
    ref = DensitySolver(pops, conns, [ExternalPopulation("bg", 12.0)], dt=0.1).run(300.0)
    for name in ("E", "I"):
        assert result.rates[name][1][-1] > 1.0
        np.testing.assert_allclose(result.rates[name][1], ref.rate(name), rtol=1e-9, atol=1e-9)


def test_current_synapses_become_charge_equivalent_jumps(tmp_path):
    """iaf_psc_alpha: jump = w·e·tau_syn/C_m; weights of 125 pA with tau_syn 2 ms, C_m 250 pF
    give the same jumps (×e) as the delta circuit's 1 mV."""
    cfg = SimulationConfig.from_json(_point_circuit(tmp_path, "nest:iaf_psc_alpha", weight_scale=125.0))
    conns = {(c.source, c.target): c for c in popnet.PopNetwork.from_config(cfg).connections}
    assert conns[("bg", "E")].weight.values[0] == pytest.approx(np.e)
    assert conns[("I", "I")].weight.values[0] == pytest.approx(-np.e)
    assert sorted(conns[("E", "E")].weight.values) == pytest.approx([0.2 * np.e, 0.4 * np.e])


def test_unmappable_point_model_is_refused_with_the_fix(tmp_path):
    with pytest.raises(ModelTranslationError, match="glif_psc.*iaf_psc_delta"):
        popnet.run_config(_point_circuit(tmp_path, model="nest:glif_psc"))


def test_spike_file_input_drives_with_its_mean_rate(tmp_path):
    """A SONATA spike file on the virtual nodes: its mean rate (Hz per node) is the input."""
    from bmtk_like.reports import SpikeTrains

    path = _point_circuit(tmp_path)
    data = json.loads(path.read_text())
    rng = np.random.default_rng(1)
    ids = np.repeat(np.arange(100), 3)                      # 3 spikes per node in 300 ms = 10 Hz
    SpikeTrains({"bg": (ids, rng.uniform(0, 300.0, ids.size))}).to_sonata(tmp_path / "bg.h5")
    data["inputs"] = {"bg_file": {"input_type": "spikes", "module": "sonata",
                                  "input_file": str(tmp_path / "bg.h5"), "node_set": "bg"}}
    path.write_text(json.dumps(data))
    net = popnet.PopNetwork.from_config(SimulationConfig.from_json(path))
    assert net.externals[0].rate == pytest.approx(10.0)
    # a file longer than the run: only the spikes inside [0, tstop) count (3 more per node after 300 ms)
    later = np.repeat(np.arange(100), 3)
    SpikeTrains({"bg": (np.r_[ids, later], np.r_[rng.uniform(0, 300.0, ids.size),
                                                 rng.uniform(300.0, 600.0, later.size)])}).to_sonata(
        tmp_path / "bg_long.h5")
    data["inputs"]["bg_file"]["input_file"] = str(tmp_path / "bg_long.h5")
    path.write_text(json.dumps(data))
    net = popnet.PopNetwork.from_config(SimulationConfig.from_json(path))
    assert net.externals[0].rate == pytest.approx(10.0)


def test_spike_file_whose_node_set_also_covers_internal_cells_is_fine_when_only_virtual_nodes_spike(tmp_path):
    """As on NEST: the node set may be broad; only the nodes that have spikes must be virtual."""
    from bmtk_like.reports import SpikeTrains
    path = _point_circuit(tmp_path)
    data = json.loads(path.read_text())
    ids = np.repeat(np.arange(100), 3)
    SpikeTrains({"bg": (ids, np.random.default_rng(1).uniform(0, 300.0, ids.size))}).to_sonata(tmp_path / "bg.h5")
    data["node_sets"] = {"everything": ["bg", "cortex"]}
    data["inputs"] = {"bg_file": {"input_type": "spikes", "module": "sonata", "input_file": str(tmp_path / "bg.h5"),
                                  "node_set": "everything"}}
    path.write_text(json.dumps(data))
    net = popnet.PopNetwork.from_config(SimulationConfig.from_json(path))
    assert net.externals[0].rate == pytest.approx(10.0)


@pytest.mark.parametrize("inputs,message", [
    ({"clamp": {"input_type": "current_clamp", "module": "IClamp", "node_set": "cortex", "amp": 0.1,
                "delay": 10.0, "duration": 50.0}},
     r"input 'clamp': current clamps cannot drive a population-density model"),
    ({"bg_spikes": {"input_type": "spikes", "module": "poisson", "rate": 12.0, "node_set": "cortex"}},
     r"input 'bg_spikes': its Poisson trains target population 'cortex' \(E\), which is not virtual"),
])
def test_inputs_popnet_cannot_use_are_errors_not_dropped(tmp_path, inputs, message):
    path = _point_circuit(tmp_path)
    data = json.loads(path.read_text())
    data["inputs"] = inputs
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=message):
        popnet.PopNetwork.from_config(SimulationConfig.from_json(path))


@pytest.mark.parametrize("params,message", [
    ({"tau_M": 20.0}, r"exc.json has \['tau_M'\], which are not parameters of iaf_psc_delta"),
    ({"I_e": 100.0}, r"I_e = 100.0 pA in exc.json; the density model has no bias current"),
    ({"I_e": None}, r"I_e in exc.json is None; expected a number \(pA\), and 0 for popnet"),
])
def test_point_parameters_popnet_cannot_map_are_refused(tmp_path, params, message):
    path = _point_circuit(tmp_path)
    cells = tmp_path / "components" / "cells" / "exc.json"
    cells.write_text(json.dumps({**json.loads(cells.read_text()), **params}))
    with pytest.raises(ModelTranslationError, match=message):
        popnet.PopNetwork.from_config(SimulationConfig.from_json(path))


@pytest.mark.parametrize("group_by,message", [
    ("model_type", "group 'point_neuron' of population 'cortex' mixes node types"),
    ("layer", "population 'cortex' has no column 'layer'"),
])
def test_bad_grouping_names_population_and_fix(tmp_path, group_by, message):
    path = _point_circuit(tmp_path)
    data = json.loads(path.read_text())
    data["popnet"] = {"group_by": group_by}
    path.write_text(json.dumps(data))
    with pytest.raises(ModelTranslationError, match=message):
        popnet.PopNetwork.from_config(SimulationConfig.from_json(path))


def test_group_by_node_type_id(tmp_path):
    net = popnet.PopNetwork.from_config(SimulationConfig.from_json(_point_circuit(tmp_path)),
                                        group_by="node_type_id")
    assert sorted(p.name for p in net.populations) == ["1", "2"]


def test_pop_7pops_converted_mixes_unit_styles_per_file(example_copy):
    """BMTK's pop_7pops_converted: five DiPDE (s/V) population JSONs and two ms/mV ones in one
    circuit. Each JSON is converted by its own units and every edge by its target's: the five
    s/V populations read their edges' delay 2.0 as 2 s (bmtk + DiPDE's meaning), longer than the
    1.5 s run, so no input reaches them (bmtk + DiPDE writes ~0 Hz for them too); the two ms/mV
    populations get 0.0045-0.05 mV jumps on a 20 mV threshold and stay silent. Every population
    is run and reported, and the late delays are named in the log."""
    folder = example_copy("pop_7pops_converted", components="pop_components")
    result = popnet.run_config(folder / "config.simulation.json", plot=False)
    net = result.extra["network"]
    assert set(result.rates) == {"Scnn1a", "Rorb", "Nr5a1", "PV1", "PV2", "LIF_exc", "LIF_inh"}
    units = {g.label: g.units for g in net.groups if not g.external}
    assert units["LIF_exc"] == units["LIF_inh"] == U.MS_MV
    assert {units[n] for n in ("Scnn1a", "Rorb", "Nr5a1", "PV1", "PV2")} == {U.SI}
    lif = next(p for p in net.populations if p.name == "LIF_exc")
    scnn = next(p for p in net.populations if p.name == "Scnn1a")
    assert lif.tau_m == 24.0 and scnn.tau_m == pytest.approx(44.9)
    conns = {(c.source, c.target): c for c in net.connections}
    assert conns[("tON_001", "Scnn1a")].delay.values[0] == pytest.approx(2000.0)   # 2.0 s
    assert conns[("tON_001", "LIF_exc")].delay.values[0] == pytest.approx(2.0)     # 2.0 ms
    assert conns[("tON_001", "LIF_exc")].weight.values[0] == pytest.approx(0.0045)  # mV
    assert result.extra["simulator"].solver.dt == pytest.approx(2.0)              # run.dt 0.002 s
    for name, (_, rates) in result.rates.items():
        assert rates.max() < 1e-6, name
    assert any("delays >= run.tstop" in n for n in net.notes)
    assert "delays >= run.tstop" in (folder / "output" / "logging.txt").read_text()
