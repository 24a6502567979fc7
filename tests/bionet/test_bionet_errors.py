"""User mistakes end in bmtk_like errors naming the file, node/edge type and the fix."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bmtk_like.errors import ConfigError, SimulationError
from tests.bionet.circuits import COMPONENTS, SCNN1A, run, write_circuit

CTDB = COMPONENTS / "biophysical_neuron_templates" / "ctdb"
EXC = dict(edge_type_id=7, model_template="Exp2Syn", dynamics_params="AMPA_ExcToExc.json", delay=1.0,
           syn_weight=0.001)


def test_missing_mechanism_names_node_type_mechanism_and_folder(tmp_path, allen_mechanisms):
    models = tmp_path / "models"
    models.mkdir()
    fit = json.loads((CTDB / SCNN1A["dynamics_params"]).read_text())
    fit["genome"].append({"section": "soma", "name": "gbar_Kfancy", "value": 0.1, "mechanism": "Kfancy"})
    (models / "fancy.json").write_text(json.dumps(fit))
    mods = tmp_path / "mods"
    mods.mkdir()
    config = write_circuit(tmp_path, [dict(SCNN1A, dynamics_params="fancy.json")],
                           components={"biophysical_neuron_models_dir": str(models), "mechanisms_dir": str(mods)})
    with pytest.raises(SimulationError, match=r"node type 100 of population 'net' needs the NEURON mechanism\(s\) "
                                              r"\['Kfancy'\].*mechanisms_dir = .*mods"):
        run(config)


def test_hoc_template_with_a_missing_mechanism_names_node_type_mechanism_and_folder(tmp_path):
    """Checked before NEURON parses the template (which would only say 'hoc_Load_file')."""
    templates, mods = tmp_path / "templates", tmp_path / "mods"
    templates.mkdir()
    mods.mkdir()
    (templates / "miss.hoc").write_text("begintemplate MissCell\npublic soma, all\ncreate soma\nobjref all\n"
                                        "proc init() { all = new SectionList() soma all.append() "
                                        "soma { insert hh insert Kfancy } }\nendtemplate MissCell\n")
    hoc = dict(node_type_id=120, model_type="biophysical", model_template="hoc:MissCell")
    config = write_circuit(tmp_path, [hoc], components={"templates_dir": str(templates), "mechanisms_dir": str(mods)})
    with pytest.raises(SimulationError, match=r"node type 120 of population 'net' needs the NEURON mechanism\(s\) "
                                              r"\['Kfancy'\].*mechanisms_dir = .*mods"):
        run(config)


def test_unknown_weight_function_says_how_to_register_it(tmp_path, allen_mechanisms):
    etype = dict(EXC, weight_function="my_weights", target_sections="['basal']", distance_range="[0, 100]")
    config = write_circuit(tmp_path, [SCNN1A], n_virtual=1, virtual_edges=dict(source=[0], target=[0], edge_type=etype))
    with pytest.raises(ConfigError, match=r"edge population 'ext_to_net' names weight_function 'my_weights', "
                                          r"which is not registered.*add_weight_function"):
        run(config)


def test_registered_vectorised_weight_function_is_used(tmp_path, allen_mechanisms):
    from simulators import bionet
    bionet.add_weight_function(lambda edges, src, trg: edges["syn_weight"] * 3.0, "triple_test")
    etype = dict(EXC, weight_function="triple_test")
    config = write_circuit(tmp_path, [SCNN1A], n_virtual=1, virtual_edges=dict(
        source=[0], target=[0], edge_type=etype,
        columns={"afferent_section_id": np.array([0]), "afferent_section_pos": np.array([0.5])}))
    from simulators.bionet import BioNetwork, Config
    net = BioNetwork.from_config(Config.from_json(str(config)))
    net.build()
    assert [nc.weight[0] for nc in net.netcons] == pytest.approx([0.003])


def test_unknown_synapse_template_is_named(tmp_path, allen_mechanisms):
    etype = dict(EXC, model_template="FancySyn", target_sections="['basal']", distance_range="[0, 100]")
    config = write_circuit(tmp_path, [SCNN1A], n_virtual=1, virtual_edges=dict(source=[0], target=[0], edge_type=etype))
    with pytest.raises(SimulationError, match=r"edge type 7 of edge population ext_to_net: synapse model_template "
                                              r"'FancySyn' is not a NEURON point process"):
        run(config)


def test_missing_morphology_file_is_named(tmp_path):
    config = write_circuit(tmp_path, [dict(SCNN1A, morphology="nowhere.swc")])
    with pytest.raises(SimulationError, match=r"morphology file .*nowhere.swc does not exist"):
        run(config)


def test_random_placement_needs_target_sections(tmp_path, allen_mechanisms):
    config = write_circuit(tmp_path, [SCNN1A], n_virtual=1, virtual_edges=dict(source=[0], target=[0], edge_type=EXC))
    with pytest.raises(SimulationError, match=r"edge population ext_to_net: edges onto compartmental cells need "
                                              r"target_sections"):
        run(config)


def test_unknown_model_template_lists_what_runs(tmp_path):
    config = write_circuit(tmp_path, [dict(SCNN1A, model_template="foo:Bar")])
    with pytest.raises(SimulationError, match=r"node type 100 of population 'net': unknown model_template 'foo:Bar'"):
        run(config)


def test_importing_bionet_loads_neither_neuron_nor_mpi():
    root = Path(__file__).resolve().parents[2]
    code = ("import sys; import simulators, simulators.bionet, simulators.bionet.network, simulators.bionet.simulator;"
            "from simulators.bionet import Config, BioNetwork, BioSimulator, run_config;"
            "print(sorted(m for m in ('neuron', 'mpi4py') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_bmtk_style_per_edge_weight_function_and_gaussian_ll():
    from simulators.bionet.weights import compute_weights, synaptic_weight

    @synaptic_weight(name="distance_scaled_test")
    def distance_scaled(edge_props, src_node, trg_node):
        return edge_props["syn_weight"] * abs(trg_node["x"] - src_node["x"])

    edges = {"syn_weight": np.array([1.0, 2.0]), "weight_sigma": np.array([50.0, 50.0])}
    src, trg = {"x": np.array([0.0, 1.0]), "tuning_angle": np.array([0.0, 10.0])}, \
        {"x": np.array([3.0, 5.0]), "tuning_angle": np.array([0.0, 60.0])}
    np.testing.assert_allclose(compute_weights("distance_scaled_test", edges, src, trg, "test"), [3.0, 8.0])
    np.testing.assert_allclose(compute_weights("gaussianLL", edges, src, trg, "test"),
                               [1.0, 2.0 * np.exp(-(50.0 / 50.0) ** 2)])
    with pytest.raises(SimulationError, match=r"weight_function 'gaussianLL' needs the column 'tuning_angle'"):
        compute_weights("gaussianLL", edges, {"x": src["x"]}, trg, "test")


def test_edges_without_delay_are_an_error(tmp_path):
    from tests.bionet.circuits import INTFIRE
    etype = {k: v for k, v in EXC.items() if k != "delay"}
    etype.update(model_template="NULL", dynamics_params="instantaneousExc.json")
    config = write_circuit(tmp_path, [INTFIRE], n_virtual=1, virtual_edges=dict(source=[0], target=[0], edge_type=etype))
    with pytest.raises(SimulationError, match=r"edge population ext_to_net: no delay column.*add delay \(ms\)"):
        run(config)


def test_unknown_target_section_name_is_named(tmp_path, allen_mechanisms):
    etype = dict(EXC, target_sections="['dendritic_tree']", distance_range="[0, 100]")
    config = write_circuit(tmp_path, [SCNN1A], n_virtual=1, virtual_edges=dict(source=[0], target=[0], edge_type=etype))
    with pytest.raises(SimulationError, match=r"unknown section name 'dendritic_tree' for morphology "
                                              r"Scnn1a_473845048_m.swc.*target_sections"):
        run(config)


def test_template_insert_scan_skips_strings_and_comments(tmp_path):
    from simulators.bionet.cells import _template_inserts
    (tmp_path / "c.hoc").write_text('begintemplate MyCell\npublic soma, all\ncreate soma\nobjref all\n'
                                    'proc init() { print "Cannot insert dendrites"  // insert foo\n'
                                    ' /* insert bar */ soma { insert hh insert pas } }\nendtemplate MyCell\n'
                                    'begintemplate Other\nproc init() { insert Kother }\nendtemplate Other\n')
    assert _template_inserts(tmp_path, "MyCell") == {"hh", "pas"}
