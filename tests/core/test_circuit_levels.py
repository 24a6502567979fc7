import numpy as np
import pytest

from bmtk_like.errors import ModelTranslationError, SonataError
from simulators.core import Circuit, iter_point_models, point_model_for_type, population_groups
from simulators.core.levels import normalize_model_type, split_template

from core_fixtures import make_cfg


def test_circuit_loads_populations_columnar(tiny):
    circuit = Circuit.from_config(make_cfg(tiny))
    assert set(circuit.nodes) == {"cortex", "lgn"} and set(circuit.edges) == {"lgn_to_cortex"}
    assert circuit.is_virtual("lgn") and not circuit.is_virtual("cortex")
    assert circuit.virtual_populations() == ["lgn"]
    assert [e.name for e in circuit.edges_into("cortex")] == ["lgn_to_cortex"]
    assert [e.name for e in circuit.edges_from("lgn")] == ["lgn_to_cortex"]
    assert circuit.edges_into("lgn") == []
    assert circuit.model_types("cortex").tolist() == ["point_neuron", "point_neuron", "biophysical",
                                                      "point_neuron", "biophysical", "biophysical"]


def test_duplicate_population_is_an_error(tiny):
    cfg = make_cfg(tiny)
    cfg.nodes.append(cfg.nodes[0])
    with pytest.raises(SonataError, match="'cortex' is defined twice"):
        Circuit.from_config(cfg)


def test_edges_to_unloaded_population(tiny):
    cfg = make_cfg(tiny)
    cfg.nodes = cfg.nodes[:1]
    with pytest.raises(SonataError, match="source_population 'lgn'.*add its nodes file"):
        Circuit.from_config(cfg)


def test_point_models_per_node_type(tiny):
    circuit = Circuit.from_config(make_cfg(tiny))
    models = {tid: (ids.tolist(), m) for tid, ids, m in iter_point_models(circuit.nodes["cortex"])}
    assert models[100][0] == [0, 1, 3] and models[100][1].model == "iaf_psc_alpha"
    assert models[100][1].source == "native" and models[100][1].dynamics_params == "lif.json"
    assert models[101][1].model_template == "nest:glif_psc" and models[101][1].source == "reduced"
    assert models[101][1].dynamics_params == "glif.json"
    assert [m for _, _, m in iter_point_models(circuit.nodes["lgn"])] == [None]


def test_biophysical_without_point_model_says_what_to_add():
    with pytest.raises(ModelTranslationError, match=r"node type 5 of population 'v1'.*point_model_template"):
        point_model_for_type({"model_type": "biophysical", "model_template": "ctdb:Biophys1.hoc"},
                             population="v1", node_type_id=5)
    with pytest.raises(ModelTranslationError, match="popnet"):
        point_model_for_type({"model_type": "population"}, population="v1", node_type_id=6)
    with pytest.raises(ModelTranslationError, match="without a model_template"):
        point_model_for_type({"model_type": "point_neuron"}, population="v1", node_type_id=7)


def test_normalisation_helpers():
    assert normalize_model_type("point_process") == "point_neuron"
    assert normalize_model_type(" Virtual ") == "virtual"
    assert split_template("nest:iaf_psc_delta") == ("nest", "iaf_psc_delta")
    assert split_template("static_synapse") == ("", "static_synapse")
    assert split_template(float("nan")) == ("", "")


def test_population_groups(tiny):
    circuit = Circuit.from_config(make_cfg(tiny))
    groups = population_groups(circuit.nodes["cortex"])
    assert {k: v.tolist() for k, v in groups.items()} == {"A": [0, 1, 3], "B": [2, 4, 5]}
    with pytest.raises(ModelTranslationError, match="no column 'layer'"):
        population_groups(circuit.nodes["cortex"], key="layer")
