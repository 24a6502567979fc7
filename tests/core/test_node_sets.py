import numpy as np
import pytest

from bmtk_like.errors import ConfigError
from simulators.core import Circuit

from core_fixtures import make_cfg


@pytest.fixture
def circuit(tiny):
    node_sets = {"exc": {"population": "cortex", "ei": "e"},
                 "deep": {"population": "cortex", "depth": {"$gt": 35.0}},
                 "both": ["exc", "lgn"], "loop_a": ["loop_b"], "loop_b": ["loop_a"]}
    return Circuit.from_config(make_cfg(tiny, node_sets=node_sets))


def test_population_name_is_a_node_set(circuit):
    sel = circuit.node_set("lgn")
    assert list(sel) == ["lgn"] and sel["lgn"].tolist() == [0, 1, 2, 3]


def test_rule_on_h5_attribute(circuit):
    assert circuit.node_set("exc")["cortex"].tolist() == [0, 1, 3]


def test_rule_on_node_types_csv_column(circuit):
    sel = circuit.node_set({"model_type": "biophysical"})
    assert list(sel) == ["cortex"] and sel["cortex"].tolist() == [2, 4, 5]
    assert circuit.node_set({"pop_name": ["A", "X"]})["lgn"].tolist() == [0, 1, 2, 3]
    assert circuit.node_set({"pop_name": ["A", "X"]})["cortex"].tolist() == [0, 1, 3]


def test_population_and_node_ids(circuit):
    assert circuit.node_set({"population": "cortex", "node_id": [5, 1]})["cortex"].tolist() == [1, 5]
    assert circuit.node_set({"population": "cortex", "node_ids": [0, 2],
                             "ei": "e"})["cortex"].tolist() == [0]


def test_operators_and_compound(circuit):
    assert circuit.node_set("deep")["cortex"].tolist() == [3, 4, 5]
    sel = circuit.node_set("both")
    assert sel["cortex"].tolist() == [0, 1, 3] and sel["lgn"].size == 4


def test_none_selects_everything(circuit):
    sel = circuit.node_set(None)
    assert sel["cortex"].size == 6 and sel["lgn"].size == 4


def test_unknown_name_lists_node_sets_and_populations(circuit):
    with pytest.raises(ConfigError, match=r"unknown node set 'exx'.*exc.*populations.*cortex"):
        circuit.node_set("exx")


def test_unknown_population(circuit):
    with pytest.raises(ConfigError, match=r"cortx.*known populations: cortex, lgn"):
        circuit.node_set({"population": "cortx"})


def test_unknown_attribute_lists_columns(circuit):
    with pytest.raises(ConfigError, match=r"attribute\(s\) layer.*available columns:.*pop_name"):
        circuit.node_set({"population": "cortex", "layer": "L4"})


def test_out_of_range_ids(circuit):
    with pytest.raises(ConfigError, match=r"\[9\] are outside population 'cortex'"):
        circuit.node_set({"population": "cortex", "node_ids": [1, 9]})


def test_cycle_is_reported(circuit):
    with pytest.raises(ConfigError, match="refers to itself"):
        circuit.node_set("loop_a")


def test_bad_operator(circuit):
    with pytest.raises(ConfigError, match=r"operator '\$between'"):
        circuit.node_set({"depth": {"$between": [1, 2]}})


def test_all_is_every_node_unless_defined():
    from bmtk_like.node_sets import NodeSetResolver
    from bmtk_like.sonata import NodePopulation
    import pandas as pd
    types = pd.DataFrame({"node_type_id": [1]}).set_index("node_type_id", drop=False)
    pops = {"a": NodePopulation("a", np.ones(3, int), types, {}), "b": NodePopulation("b", np.ones(2, int), types, {})}
    everything = NodeSetResolver(pops).resolve("all")
    assert {k: v.tolist() for k, v in everything.items()} == {"a": [0, 1, 2], "b": [0, 1]}
    defined = NodeSetResolver(pops, {"all": {"population": "b"}}).resolve("all")
    assert list(defined) == ["b"]
