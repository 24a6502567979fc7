"""Cell models: Allen fits (perisomatic, all-active), NeuroML, hoc templates, single compartments, IntFire."""
from __future__ import annotations

import json

import numpy as np
import pytest

from tests.bionet.circuits import COMPONENTS, INTFIRE, SCNN1A, run, write_circuit

CTDB = COMPONENTS / "biophysical_neuron_templates" / "ctdb"


def _network(config):
    from simulators import bionet
    conf = bionet.Config.from_json(str(config))
    net = bionet.BioNetwork.from_config(conf)
    net.build()
    return net


def test_perisomatic_cell_follows_bmtk_numbering_and_parameters(tmp_path, allen_mechanisms):
    net = _network(write_circuit(tmp_path, [SCNN1A]))
    cell = net.cell("net", 0)
    fit = json.loads((CTDB / SCNN1A["dynamics_params"]).read_text())
    kinds = cell.kinds
    assert kinds[0] == "soma" and kinds[-2:] == ["axon", "axon"]
    assert kinds == sorted(kinds, key=["soma", "dend", "apic", "axon"].index)      # soma, dend, apic, axon
    assert [s.L for s in cell.sections[-2:]] == [30.0, 30.0] and cell.sections[-1].diam == pytest.approx(1.0)
    for sec in cell.sections:
        assert sec.nseg == 1 + 2 * int(sec.L / 40.0)
        assert sec.Ra == fit["passive"][0]["ra"]
    soma_genes = {g["name"]: g["value"] for g in fit["genome"] if g["section"] == "soma"}
    assert cell.soma.gbar_NaTs == pytest.approx(soma_genes["gbar_NaTs"])
    assert cell.soma.ena == 53.0 and cell.soma.ek == -107.0
    dend = cell.sections[kinds.index("dend")]
    assert dend.cm == pytest.approx(2.12) and not hasattr(dend(0.5), "NaTs")


def test_morphology_is_read_once_per_file(tmp_path, allen_mechanisms):
    from simulators.bionet import morphology
    net = _network(write_circuit(tmp_path, [SCNN1A], n_per_type=3))
    templates = {id(c.template) for c in net.cells.values()}
    assert len(templates) == 1
    cells = list(net.cells.values())
    assert cells[0].sections[5] is not cells[1].sections[5]
    assert cells[0].sections[5].L == pytest.approx(cells[1].sections[5].L)
    assert len(morphology._templates) >= 1


def test_allactive_fit_keeps_axon_diameters_and_sets_every_section(tmp_path, allen_mechanisms):
    cell_type = dict(SCNN1A, node_type_id=110, model_processing="aibs_allactive",
                     dynamics_params="1606013050101.json")
    net = _network(write_circuit(tmp_path, [cell_type]))
    cell = net.cell("net", 0)
    fit = json.loads((CTDB / "1606013050101.json").read_text())
    genes = {(g["section"], g["name"]): float(g["value"]) for g in fit["genome"]}
    assert cell.soma.g_pas == pytest.approx(genes[("soma", "g_pas")])
    for sec, kind in zip(cell.sections, cell.kinds):       # genome values win over passive ra = 100
        assert sec.Ra == pytest.approx(genes.get((kind, "Ra"), 100.0))
    axon = [s for s, k in zip(cell.sections, cell.kinds) if k == "axon"]
    assert len(axon) == 2 and axon[0].L == 30.0
    assert axon[0].parentseg().x == 1.0                       # all-active stubs hang from soma(1)


def test_neuroml_cell_matches_its_ctdb_twin(tmp_path, allen_mechanisms):
    nml = dict(SCNN1A, node_type_id=111, model_template="nml:Cell_472363762.cell.nml", dynamics_params="NULL",
               model_processing="NULL")
    config = write_circuit(tmp_path, [SCNN1A, nml], components={
        "biophysical_neuron_models_dir": str(COMPONENTS / "biophysical_neuron_templates" / "nml")})
    # the ctdb twin's fit lives in another folder: give its dynamics_params as an absolute path
    (tmp_path / "net_node_types.csv").write_text((tmp_path / "net_node_types.csv").read_text().replace(
        "472363762_fit.json", str(CTDB / "472363762_fit.json")))
    net = _network(config)
    ctdb_cell, nml_cell = net.cell("net", 0), net.cell("net", 1)
    assert len(ctdb_cell.sections) == len(nml_cell.sections)
    for name in ("gbar_NaTs", "gbar_Kv3_1", "gbar_Ih", "g_pas", "e_pas", "cm", "Ra", "ena", "ek"):
        assert getattr(nml_cell.soma, name) == pytest.approx(getattr(ctdb_cell.soma, name), rel=1e-9), name
    assert nml_cell.soma.decay_CaDynamics == pytest.approx(ctdb_cell.soma.decay_CaDynamics)


def test_per_node_dynamics_params_override_the_fit(tmp_path, allen_mechanisms):
    config = write_circuit(tmp_path, [SCNN1A], n_per_type=2,
                           dynamics_params={"gbar_NaTs.soma": np.array([0.5, np.nan])})
    net = _network(config)
    assert net.cell("net", 0).soma.gbar_NaTs == pytest.approx(0.5)
    fit = json.loads((CTDB / SCNN1A["dynamics_params"]).read_text())
    expected = next(g["value"] for g in fit["genome"] if g["name"] == "gbar_NaTs")
    assert net.cell("net", 1).soma.gbar_NaTs == pytest.approx(expected)


def test_unknown_per_node_parameter_is_named(tmp_path, allen_mechanisms):
    from bmtk_like.errors import SimulationError
    config = write_circuit(tmp_path, [SCNN1A], dynamics_params={"gbar_Nope": np.array([0.5])})
    with pytest.raises(SimulationError, match=r"node type 100 of population 'net'.*'gbar_Nope'"):
        _network(config)


def test_intfire_time_constants_are_seconds_and_weights_take_the_json_sign(tmp_path):
    inh = dict(edge_type_id=1, model_template="NULL", dynamics_params="instantaneousInh.json", delay=1.0,
               syn_weight=0.5)
    config = write_circuit(tmp_path, [INTFIRE], n_virtual=2,
                           virtual_edges=dict(source=[0, 1], target=[0, 0], edge_type=inh,
                                              columns={"nsyns": np.array([2, 3])}))
    net = _network(config)
    cell = net.cell("net", 0)
    assert cell.hobj.tau == pytest.approx(24.0) and cell.hobj.refrac == pytest.approx(3.0)
    assert sorted(nc.weight[0] for nc in net.netcons) == pytest.approx([-1.5, -1.0])


def test_intfire_cells_fire_from_virtual_input(tmp_path):
    exc = dict(edge_type_id=1, model_template="NULL", dynamics_params="instantaneousExc.json", delay=1.0,
               syn_weight=1.5)
    config = write_circuit(tmp_path, [INTFIRE], n_virtual=1, spikes={0: [10.0, 50.0]},
                           virtual_edges=dict(source=[0], target=[0], edge_type=exc), tstop=100.0)
    ids, times = run(config).spikes.get("net")
    np.testing.assert_allclose(times, [11.0, 51.0], atol=1e-9)


HOC = """
begintemplate BallStick
public soma, dend, all
create soma, dend
objref all
proc init() {
  all = new SectionList()
  soma all.append()
  dend all.append()
  connect dend(0), soma(1)
  soma { L = 20 diam = 20 insert hh }
  dend { L = 200 diam = 2 nseg = 5 insert pas e_pas = -65 }
}
endtemplate BallStick
"""


def test_per_node_dynamics_params_reach_hoc_template_cells(tmp_path):
    """A value is set on every section that has the parameter; one that no section has is an error."""
    from bmtk_like.errors import SimulationError
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "ballstick.hoc").write_text(HOC)
    hoc = dict(node_type_id=120, model_type="biophysical", model_template="hoc:BallStick")
    config = write_circuit(tmp_path, [hoc], n_per_type=2, components={"templates_dir": str(templates)},
                           dynamics_params={"gnabar_hh": np.array([0.5, np.nan]), "e_pas": np.array([-70.0, np.nan])})
    net = _network(config)
    assert net.cell("net", 0).soma.gnabar_hh == pytest.approx(0.5)
    assert net.cell("net", 1).soma.gnabar_hh == pytest.approx(0.12)
    assert net.cell("net", 0).sections[1].e_pas == pytest.approx(-70.0)
    bad = write_circuit(tmp_path / "bad", [hoc], components={"templates_dir": str(templates)},
                        dynamics_params={"nonsense_param": np.array([1.0])})
    with pytest.raises(SimulationError, match=r"node type 120 of population 'net', node 0: per-node dynamics_params "
                                              r"'nonsense_param' is not a parameter of any section"):
        _network(bad)


def test_hoc_template_and_single_compartment_cells_spike_under_current(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "ballstick.hoc").write_text(HOC)
    models = tmp_path / "models"
    models.mkdir()
    (models / "hh_point.json").write_text(json.dumps({"L": 18.8, "diam": 18.8, "insert": ["hh"], "gnabar_hh": 0.12}))
    hoc = dict(node_type_id=120, model_type="biophysical", model_template="hoc:BallStick")
    single = dict(node_type_id=121, model_type="biophysical", model_template="single_compartment",
                  dynamics_params="hh_point.json")
    clamp = {"current": {"input_type": "current_clamp", "module": "IClamp", "node_set": "net",
                         "amp": 0.5, "delay": 20.0, "duration": 50.0}}
    config = write_circuit(tmp_path, [hoc, single], inputs=clamp, tstop=100.0,
                           conditions={"v_init": -65.0, "celsius": 6.3},   # squid HH blocks at 34 degC
                           components={"templates_dir": str(templates), "biophysical_neuron_models_dir": str(models)})
    result = run(config)
    ids, times = result.spikes.get("net")
    for node in (0, 1):
        mine = times[ids == node]
        assert mine.size >= 2 and mine.min() > 20.0 and mine.max() < 71.0
    net = result.extra["network"]
    assert net.cell("net", 1).soma.gnabar_hh == pytest.approx(0.12)
    assert net.cell("net", 0).kinds == ["soma", "dend"]


def test_random_synapse_placement_works_on_hoc_cells(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "ballstick.hoc").write_text(HOC)
    hoc = dict(node_type_id=120, model_type="biophysical", model_template="hoc:BallStick")
    exc = dict(edge_type_id=1, model_template="Exp2Syn", dynamics_params="AMPA_ExcToExc.json", delay=1.0,
               syn_weight=0.01, target_sections="['dend']", distance_range="[50.0, 150.0]")
    config = write_circuit(tmp_path, [hoc], n_virtual=1, components={"templates_dir": str(templates)},
                           virtual_edges=dict(source=[0], target=[0], edge_type=exc,
                                              columns={"nsyns": np.array([6])}))
    from simulators import bionet
    net = bionet.BioNetwork.from_config(bionet.Config.from_json(str(config)))
    net.build()
    cell = net.cell("net", 0)
    assert cell.sections[1].nseg == 1 + 2 * int(200.0 / 40.0)          # the dL rule applies to hoc cells too
    locations = [(syn.get_segment().sec.name(), syn.get_segment().x) for syn in net.synapses]
    assert len(net.netcons) == 6 and all(name.endswith("dend") for name, _ in locations)
    distances = [20.0 / 2 + 200.0 * x for _, x in locations]            # path distance from the soma centre
    assert all(50.0 - 20.0 <= d <= 150.0 + 20.0 for d in distances)


def test_morphology_and_fit_may_vary_per_node(tmp_path, allen_mechanisms):
    generic = {k: v for k, v in SCNN1A.items() if k not in ("morphology", "dynamics_params")}
    config = write_circuit(tmp_path, [generic], n_per_type=3, node_columns={
        "morphology": np.array(["Scnn1a_473845048_m.swc", "Pvalb_470522102_m.swc", "Scnn1a_473845048_m.swc"]),
        "dynamics_params": np.array(["472363762_fit.json", "472912177_fit.json", "472363762_fit.json"])})
    net = _network(config)
    first, second, third = (net.cell("net", i) for i in range(3))
    assert first.template is third.template and first.template is not second.template
    assert second.template.swc_path.name == "Pvalb_470522102_m.swc"
    pv_fit = json.loads((CTDB / "472912177_fit.json").read_text())
    assert second.soma.gbar_NaV == pytest.approx(next(g["value"] for g in pv_fit["genome"] if g["name"] == "gbar_NaV"))


def test_intfire2_parameters_follow_the_seconds_convention(tmp_path):
    models = tmp_path / "points"
    models.mkdir()
    (models / "if2.json").write_text(json.dumps({"taum": 0.01, "taus": 0.02, "ib": 0.5}))
    if2 = dict(node_type_id=103, model_type="point_process", model_template="nrn:IntFire2", dynamics_params="if2.json")
    net = _network(write_circuit(tmp_path, [if2], components={"point_neuron_models_dir": str(models)}))
    cell = net.cell("net", 0)
    assert (cell.hobj.taum, cell.hobj.taus, cell.hobj.ib) == pytest.approx((10.0, 20.0, 0.5))
