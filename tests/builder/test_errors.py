"""Every user mistake is a BuilderError naming the network, edge type and argument."""
from __future__ import annotations

import numpy as np
import pytest

from bmtk_like.errors import BuilderError
from builders import FixedInDegree, NetworkBuilder, OneToOne, vectorised


def test_unknown_filter_key(ei_net):
    with pytest.raises(BuilderError, match=r"network 'v1'.*filter key 'layer'.*known: .*pop_name"):
        ei_net.nodes(layer="L4")


def test_empty_selection_where_a_rule_needs_nodes(ei_net):
    ei_net.add_edges(source={"pop_name": "Exc"}, target={"pop_name": "Nope"}, connection_rule=1)
    with pytest.raises(BuilderError, match=r"network 'v1', edge type 100 .*target selection is empty.*target= filters"):
        ei_net.build()


def test_rule_returning_ids_outside_the_selection(ei_net):
    @vectorised
    def bad(sources, targets, rng):
        return np.full(len(targets), 99), targets.node_ids          # 99 is an Inh node, not a source

    ei_net.add_edges(source={"ei": "e"}, target={"ei": "e"}, connection_rule=bad)
    with pytest.raises(BuilderError, match=r"edge type 100 .*source id 99, which is not in the source selection"):
        ei_net.build()


def test_rule_returning_negative_nsyns(ei_net):
    ei_net.add_edges(connection_rule=lambda s, t: -1, edge_type_id=555)
    with pytest.raises(BuilderError, match=r"network 'v1', edge type 555 .*nsyns=-1; synapse counts must be integers >= 0"):
        ei_net.build()


def test_rule_returning_mismatched_lengths(ei_net):
    @vectorised
    def ragged(sources, targets, rng):
        return targets.node_ids, targets.node_ids[:-1]

    ei_net.add_edges(connection_rule=ragged)
    with pytest.raises(BuilderError, match=r"edge type 100 .*returned \d+ source ids, \d+ target ids"):
        ei_net.build()


def test_property_rule_with_wrong_length(ei_net):
    cm = ei_net.add_edges(connection_rule=FixedInDegree(3))
    cm.add_properties("syn_weight", rule=vectorised(lambda s, t, rng: np.ones(3)), dtypes=float)
    with pytest.raises(BuilderError, match=r"edge type 100 .*add_properties\(\['syn_weight'\]\).*shape \(3,\) but there are \d+ edges"):
        ei_net.build()


def test_property_values_of_wrong_length(ei_net):
    cm = ei_net.add_edges(connection_rule=FixedInDegree(3))
    cm.add_properties("syn_weight", values=np.ones(7))
    with pytest.raises(BuilderError, match=r"add_properties\(\['syn_weight'\]\) got 7 values but the edge type has"):
        ei_net.build()


def test_node_property_length_mismatch():
    net = NetworkBuilder("cortex")
    with pytest.raises(BuilderError, match=r"network 'cortex': add_nodes: property 'tuning' has 3 values for N=4"):
        net.add_nodes(N=4, tuning=[1, 2, 3])
    with pytest.raises(BuilderError, match=r"positions has shape \(4, 2\); expected \(4, 3\)"):
        net.add_nodes(N=4, positions=np.zeros((4, 2)))


def test_save_over_existing_network_needs_overwrite(tmp_path, ei_net):
    ei_net.add_edges(connection_rule=FixedInDegree(2))
    ei_net.save(str(tmp_path))
    before = (tmp_path / "v1_nodes.h5").read_bytes()
    with pytest.raises(BuilderError, match=r"network 'v1': '.*v1_nodes.h5' already exists; pass overwrite=True"):
        ei_net.save(str(tmp_path))
    assert (tmp_path / "v1_nodes.h5").read_bytes() == before
    ei_net.save(str(tmp_path), overwrite=True)
    ei_net.save(str(tmp_path), force_overwrite=True)       # bmtk's name for it


def test_bad_rule_spec_and_iterator(ei_net):
    ei_net.add_edges(connection_rule="fixed_whatever")
    with pytest.raises(BuilderError, match=r"edge type 100 .*'fixed_whatever' is not a known rule"):
        ei_net.build()
    with pytest.raises(BuilderError, match=r"iterator='diagonal' is not one of one_to_one"):
        ei_net.add_edges(connection_rule=1, iterator="diagonal")


def test_rule_parameters_that_cannot_be_met(ei_net):
    ei_net.add_edges(source={"ei": "i"}, target={"ei": "e"}, connection_rule=FixedInDegree(30))
    with pytest.raises(BuilderError, match=r"edge type 100 .*FixedInDegree: n=30 but only 20 distinct sources"):
        ei_net.build()


def test_one_to_one_needs_equal_sizes(ei_net):
    ei_net.add_edges(source={"ei": "i"}, target={"ei": "e"}, connection_rule=OneToOne())
    with pytest.raises(BuilderError, match=r"edge type 100 .*OneToOne: source selection has 20 nodes but target"):
        ei_net.build()


def test_distance_rule_without_positions():
    net = NetworkBuilder("flat")
    net.add_nodes(N=10, pop_name="a")
    net.add_edges(connection_rule="distance_probability", connection_params={"p_max": 1.0, "sigma": 10.0})
    with pytest.raises(BuilderError, match=r"network 'flat': nodes have no positions"):
        net.build()


def test_duplicate_type_ids(ei_net):
    with pytest.raises(BuilderError, match=r"node_type_id 100 is already used"):
        ei_net.add_nodes(N=1, node_type_id=100)
    ei_net.add_edges(connection_rule=1, edge_type_id=7)
    with pytest.raises(BuilderError, match=r"edge_type_id 7 is already used"):
        ei_net.add_edges(connection_rule=1, edge_type_id=7)


def test_unknown_key_in_add_edges_selection_names_the_argument(ei_net):
    with pytest.raises(BuilderError, match=r"edge type 100: add_edges target=\{'layer': 'L4'\}: network 'v1': "
                                           r".*filter key 'layer'"):
        ei_net.add_edges(source={"ei": "e"}, target={"layer": "L4"}, connection_rule=1)


def test_per_pair_rule_reading_a_missing_property_names_edge_type_and_rule(ei_net):
    def by_layer(source, target):
        return 1 if source["layer"] == target["layer"] else 0
    ei_net.add_edges(source={"ei": "e"}, target={"ei": "i"}, connection_rule=by_layer)
    with pytest.raises(BuilderError, match=r"network 'v1', edge type 100 .*connection_rule 'by_layer': .*"
                                           r"no property 'layer'; its properties are \[.*'pop_name'"):
        ei_net.build()


def test_per_edge_property_rule_reading_a_missing_property_names_edge_type(ei_net):
    cm = ei_net.add_edges(source={"ei": "e"}, target={"ei": "i"}, connection_rule=1)
    cm.add_properties("syn_weight", rule=lambda s, t: s["depth"] * 0.1, dtypes=float)
    with pytest.raises(BuilderError, match=r"network 'v1', edge type 100 .*add_properties\(.*syn_weight.*\) rule "
                                           r"'<lambda>': .*no property 'depth'"):
        ei_net.build()


def test_negative_delays_name_network_and_edge_type(ei_net):
    with pytest.raises(BuilderError, match=r"network 'v1': edge type 100: add_edges: delay=-1.0 must be a finite number >= 0"):
        ei_net.add_edges(source={"ei": "e"}, target={"ei": "i"}, connection_rule=1, delay=-1.0)
    cm = ei_net.add_edges(source={"ei": "e"}, target={"ei": "i"}, connection_rule=1)
    cm.add_properties("delay", rule=lambda s, t: -0.5, dtypes=float)
    with pytest.raises(BuilderError, match=r"network 'v1', edge type 100 .*add_properties.*delays are negative"):
        ei_net.build()


def test_error_messages_name_the_edge_type_once(ei_net):
    def rule(source, target):
        return 1 if source["tuning"] > 0 else 0
    ei_net.add_edges(source={"ei": "e"}, target={"ei": "i"}, connection_rule=rule)
    with pytest.raises(BuilderError) as info:
        ei_net.build()
    assert str(info.value).count("edge type 100") == 1


def test_misspelled_save_argument_is_an_error(ei_net, tmp_path):
    with pytest.raises(BuilderError, match=r"network 'v1': save_nodes\(\) got unknown argument\(s\) \['ouput_dir'\]"):
        ei_net.save_nodes(ouput_dir=str(tmp_path))
    ei_net.save_nodes(output_dir=str(tmp_path), sort_by="node_type_id")        # bmtk option: accepted
    assert (tmp_path / "v1_nodes.h5").is_file()
