"""Positions helpers, networkx views, import_nodes, cross-network edges and property rules."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from bmtk_like.errors import BuilderError
from bmtk_like.sonata import read_edges
from builders import (DistanceValues, FixedInDegree, FixedProbability, LognormalValues, NetworkBuilder,
                      NormalValues, UniformValues)
from builders import positions as P


def test_random_volumes_stay_inside():
    pos = P.positions_columnar(2000, center=(0, 50, 0), height=100, min_radius=20, max_radius=60, seed=1)
    r = np.hypot(pos[:, 0], pos[:, 2])
    assert r.min() >= 20 and r.max() <= 60 and pos[:, 1].min() >= 0 and pos[:, 1].max() <= 100
    box = P.positions_cuboid(1000, center=(10, 0, 0), xside_length=20, yside_length=40, height=60, seed=1)
    assert np.all(np.abs(box - [10, 0, 0]) <= [10, 20, 30])
    ell = P.positions_ellipsoid(3000, radii=(100, 50, 20), seed=2)
    assert np.all(np.sum((ell / [100, 50, 20]) ** 2, axis=1) <= 1 + 1e-12)
    # uniform in volume: half the points inside radius 0.5^(1/3)
    ball = P.positions_sphere(4000, radius=10, seed=3)
    assert abs(np.mean(np.linalg.norm(ball, axis=1) < 10 * 0.5 ** (1 / 3)) - 0.5) < 0.03


def test_grid_and_seeds():
    grid = P.positions_grid(shape=(3, 2, 2), spacing=(10, 20, 30))
    assert grid.shape == (12, 3) and list(grid[1]) == [10, 0, 0] and list(grid[3]) == [0, 20, 0]
    np.testing.assert_array_equal(P.positions_cuboid(10, seed=5), P.positions_cuboid(10, seed=5))


def test_min_distance_is_enforced_and_impossible_requests_fail():
    pos = P.positions_cuboid(300, xside_length=200, yside_length=200, height=200, min_dist=15.0, seed=4)
    assert pos.shape == (300, 3)
    d, _ = cKDTree(pos).query(pos, k=2)
    assert d[:, 1].min() >= 15.0
    with pytest.raises(BuilderError, match=r"positions_ellipsoid: could not place 500 cells at least 10.0 µm apart"):
        P.positions_sphere(500, radius=10.0, min_dist=10.0, seed=1)


def _two_pops():
    net = NetworkBuilder("v1", seed=2)
    net.add_nodes(N=30, pop_name="E", positions=P.positions_cuboid(30, seed=1))
    net.add_nodes(N=10, pop_name="I", positions=P.positions_cuboid(10, seed=2))
    net.add_edges(source={"pop_name": "E"}, target={"pop_name": "I"}, connection_rule=FixedInDegree(5, nsyns=2))
    net.add_edges(source={"pop_name": "I"}, target={"pop_name": "E"}, connection_rule=FixedInDegree(3))
    net.build()
    return net


def test_to_networkx_node_and_population_levels():
    net = _two_pops()
    g = net.to_networkx()
    assert g.number_of_nodes() == 40 and g.number_of_edges() == 10 * 5 + 30 * 3
    assert g.nodes[("v1", 35)]["pop_name"] == "I"
    pg = net.to_networkx(level="population")
    e_to_i = pg.edges[("v1", "E"), ("v1", "I")]
    assert e_to_i["n_connections"] == 50 and e_to_i["n_synapses"] == 100 and e_to_i["mean_indegree"] == 10.0
    assert pg.edges[("v1", "I"), ("v1", "E")]["mean_indegree"] == 3.0
    with pytest.raises(BuilderError, match=r"groups by 'layer', which no node has"):
        net.to_networkx(level="population", group_by="layer")


def test_import_nodes_round_trip_and_edges_onto_them(tmp_path):
    net = _two_pops()
    net.save(str(tmp_path))
    copy = NetworkBuilder("v1", seed=2)
    copy.import_nodes(str(tmp_path / "v1_nodes.h5"), str(tmp_path / "v1_node_types.csv"))
    assert copy.nnodes == 40 and len(copy.nodes(pop_name="I")) == 10
    np.testing.assert_allclose(copy.node_table().positions(), net.node_table().positions())
    lgn = NetworkBuilder("lgn", seed=1)
    lgn.add_nodes(N=20, model_type="virtual")
    lgn.add_edges(target=copy.nodes(pop_name="E"), connection_rule=FixedProbability(0.5), syn_weight=1.0)
    lgn.save(str(tmp_path))
    pop = read_edges(tmp_path / "lgn_v1_edges.h5", tmp_path / "lgn_v1_edge_types.csv")["lgn_to_v1"]
    assert pop.size > 0 and pop.target_node_id.max() < 30
    with pytest.raises(BuilderError, match=r"import_nodes.*already has nodes"):
        copy.import_nodes(str(tmp_path / "v1_nodes.h5"), str(tmp_path / "v1_node_types.csv"))


def test_property_rules_distribution_and_distance():
    net = _two_pops()
    cm = net.add_edges(source={"pop_name": "E"}, target={"pop_name": "E"}, connection_rule=FixedInDegree(20))
    cm.add_properties("syn_weight", rule=NormalValues(1.0, 0.1, lower=0.9), dtypes=float)
    cm.add_properties("delay", rule=DistanceValues(lambda d: 1.0 + d / 100.0), dtypes=float)
    cm.add_properties(["u", "g"], rule=lambda s, t: (s.node_id / 100.0, 2.0), dtypes=[float, float])
    cm2 = net.add_edges(source={"pop_name": "I"}, target={"pop_name": "I"}, connection_rule=FixedInDegree(5))
    cm2.add_properties("syn_weight", rule=LognormalValues(2.0, 0.5), dtypes=float)
    cm2.add_properties("tau", rule=UniformValues(1.0, 2.0))
    net.build()
    t = net.edges_table()
    ee = t[t.edge_type_id == 102]
    assert ee.syn_weight.min() >= 0.9 and abs(ee.syn_weight.mean() - 1.0) < 0.05
    pos = net.node_table().positions()
    d = np.linalg.norm(pos[ee.source_node_id] - pos[ee.target_node_id], axis=1)
    np.testing.assert_allclose(ee.delay, 1.0 + d / 100.0)
    np.testing.assert_allclose(ee.u, ee.source_node_id / 100.0)
    ii = t[t.edge_type_id == 103]
    assert np.all(ii.syn_weight > 0) and np.all((ii.tau >= 1) & (ii.tau < 2))
    assert np.all(np.isnan(t[t.edge_type_id == 100].syn_weight))   # no syn_weight for that type at all


def test_bmtk_edge_connectors_work_as_per_pair_rules():
    from builders.auxi.edge_connectors import connect_random, distance_connector
    net = NetworkBuilder("v1", seed=4)
    net.add_nodes(N=60, positions=P.positions_cuboid(60, xside_length=300, yside_length=300, height=300, seed=1))
    net.add_edges(connection_rule=distance_connector,
                  connection_params={"d_weight_min": 0.0, "d_weight_max": 1.0, "d_max": 120.0,
                                     "nsyn_min": 1, "nsyn_max": 3})
    net.add_edges(connection_rule=connect_random, connection_params={"nsyn_min": 0, "nsyn_max": 2})
    net.build()
    t = net.edges_table()
    near = t[t.edge_type_id == 100]
    pos = net.node_table().positions()
    assert len(near) > 0 and np.all(np.linalg.norm(pos[near.source_node_id] - pos[near.target_node_id], axis=1) <= 120)
    assert np.all(near.source_node_id != near.target_node_id) and set(near.nsyns) <= {1, 2, 3}
    assert set(t[t.edge_type_id == 101].nsyns) == {1}


def test_string_and_given_value_properties_are_written_and_filled(tmp_path):
    import libsonata
    net = NetworkBuilder("v1", seed=3)
    net.add_nodes(N=10, pop_name="E", label=[f"cell{i}" for i in range(10)])
    a = net.add_edges(connection_rule=FixedInDegree(2), receptor="AMPA")
    a.add_properties("receptor", rule=lambda s, t: "NMDA" if s.node_id % 2 else "AMPA", dtypes=str)
    b = net.add_edges(connection_rule=FixedInDegree(1), syn_weight=1.0)
    b.add_properties("syn_weight", values=np.arange(10, dtype=float))
    net.save(str(tmp_path))
    pop = libsonata.EdgeStorage(str(tmp_path / "v1_v1_edges.h5")).open_population("v1_to_v1")
    everything = libsonata.Selection([(0, pop.size)])
    receptor = np.asarray(pop.get_attribute("receptor", everything))
    import h5py
    with h5py.File(tmp_path / "v1_v1_edges.h5") as h5:
        types = h5["edges/v1_to_v1/edge_type_id"][()]
    assert set(receptor[types == 100]) <= {"AMPA", "NMDA"} and len(set(receptor[types == 100])) == 2
    assert set(receptor[types == 101]) == {""}
    weights = np.asarray(pop.get_attribute("syn_weight", everything))[types == 101]
    assert sorted(weights) == list(np.arange(10.0))      # values handed out in build order, one per synapse
    nodes = libsonata.NodeStorage(str(tmp_path / "v1_nodes.h5")).open_population("v1")
    assert list(nodes.get_attribute("label", libsonata.Selection([(0, 3)]))) == ["cell0", "cell1", "cell2"]
