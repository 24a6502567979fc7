"""A typical bmtk build script, ported by changing only the import, writes readable SONATA files."""
from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import h5py
import libsonata
import numpy as np
import pandas as pd
import pytest

from bmtk_like.sonata import read_edges, read_nodes
from builders import NetworkBuilder
from builders.auxi.node_params import positions_columinar, xiter_random


def distance_connector(source, target, d_max, nsyn_min, nsyn_max):
    """bmtk tutorial's per-pair rule: random synapse count within d_max µm, else none."""
    dx = source["x"] - target["x"]
    dz = source["z"] - target["z"]
    if math.sqrt(dx * dx + dz * dz) > d_max or source.node_id == target.node_id:
        return None
    return np.random.randint(nsyn_min, nsyn_max)


def weight_by_tuning(source, target, base):
    return base * (1.0 + 0.0 * source["tuning_angle"])


def build_script(out_dir, seed=100):
    """The bmtk '5 cells'/'V1 toy' style script; only the import differs from bmtk."""
    np.random.seed(seed)
    net = NetworkBuilder("v1")
    net.add_nodes(N=40, pop_name="Scnn1a", ei="e", model_type="point_neuron",
                  positions=positions_columinar(N=40, center=[0, 50.0, 0], max_radius=60.0, height=100.0),
                  tuning_angle=np.linspace(0.0, 360.0, 40, endpoint=False),
                  rotation_angle_yaxis=xiter_random(N=40, min_x=0.0, max_x=2 * np.pi),
                  model_template="nest:iaf_psc_alpha", dynamics_params="472363762_point.json")
    net.add_nodes(N=10, pop_name="PV", ei="i", model_type="point_neuron",
                  positions=positions_columinar(N=10, center=[0, 50.0, 0], max_radius=60.0, height=100.0),
                  model_template="nest:iaf_psc_alpha", dynamics_params="472912177_point.json")
    cm = net.add_edges(source={"ei": "e"}, target={"ei": "i"},
                       connection_rule=distance_connector,
                       connection_params={"d_max": 80.0, "nsyn_min": 1, "nsyn_max": 4},
                       syn_weight=2.0, delay=2.0, dynamics_params="ExcToInh.json",
                       model_template="static_synapse")
    cm.add_properties("syn_weight", rule=weight_by_tuning, rule_params={"base": 3.0}, dtypes=float)
    net.add_edges(source={"ei": "i"}, target={"pop_name": "Scnn1a"}, connection_rule=2,
                  syn_weight=-5.0, delay=2.0, dynamics_params="InhToExc.json", model_template="static_synapse")

    lgn = NetworkBuilder("lgn")
    lgn.add_nodes(N=15, pop_name="tON", ei="e", model_type="virtual")
    lgn.add_edges(source=lgn.nodes(), target=net.nodes(pop_name="Scnn1a"),
                  connection_rule=lambda s, t: np.random.binomial(3, 0.5), syn_weight=4.0, delay=1.0,
                  dynamics_params="LGN_ExcToExc.json", model_template="static_synapse")
    net.build()
    net.save(output_dir=str(out_dir))
    lgn.build()
    lgn.save(output_dir=str(out_dir))
    return net, lgn


def test_script_writes_bmtk_file_names(tmp_path):
    build_script(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["lgn_node_types.csv", "lgn_nodes.h5", "lgn_v1_edge_types.csv", "lgn_v1_edges.h5",
                     "v1_node_types.csv", "v1_nodes.h5", "v1_v1_edge_types.csv", "v1_v1_edges.h5"]


def test_files_read_back_with_our_readers(tmp_path):
    net, lgn = build_script(tmp_path)
    nodes = read_nodes(tmp_path / "v1_nodes.h5", tmp_path / "v1_node_types.csv")["v1"]
    assert nodes.size == 50
    assert list(np.unique(nodes.column("pop_name"))) == ["PV", "Scnn1a"]
    np.testing.assert_allclose(nodes.column("tuning_angle")[:40], np.linspace(0, 360, 40, endpoint=False))
    assert np.all(np.isnan(nodes.column("tuning_angle")[40:]))        # PV has no tuning angle
    edges = read_edges(tmp_path / "v1_v1_edges.h5", tmp_path / "v1_v1_edge_types.csv")["v1_to_v1"]
    types = edges.edge_types
    assert set(types.columns) >= {"edge_type_id", "target_query", "source_query", "syn_weight", "delay"}
    assert types.loc[100, "source_query"] == "ei=='e'" and types.loc[101, "target_query"] == "pop_name=='Scnn1a'"
    e_to_i = edges.edge_type_id == 100
    # the type with add_properties is stored one row per synapse, syn_weight from the rule
    assert np.all(edges.nsyns()[e_to_i] == 1)
    np.testing.assert_allclose(edges.column("syn_weight")[e_to_i], 3.0)
    # the constant-count type: 2 synapses per pair, every inh -> every exc pair
    i_to_e = edges.edge_type_id == 101
    assert i_to_e.sum() == 10 * 40 and np.all(edges.nsyns()[i_to_e] == 2)
    np.testing.assert_allclose(edges.column("syn_weight")[i_to_e], -5.0)
    # edges sorted by target
    assert np.all(np.diff(edges.target_node_id) >= 0)
    assert net.nedges == int(edges.nsyns().sum())


def test_per_pair_rule_respects_its_distance_limit(tmp_path):
    net, _ = build_script(tmp_path)
    table = net.edges_table()
    rows = table[table.edge_type_id == 100]
    assert len(rows) > 0
    x, z = net.node_table().column("x"), net.node_table().column("z")
    d = np.hypot(x[rows.source_node_id] - x[rows.target_node_id], z[rows.source_node_id] - z[rows.target_node_id])
    assert d.max() <= 80.0
    assert np.all(net.node_table().column("ei")[rows.source_node_id] == "e")
    assert np.all(net.node_table().column("ei")[rows.target_node_id] == "i")


def test_files_open_in_libsonata(tmp_path):
    build_script(tmp_path)
    nodes = libsonata.NodeStorage(str(tmp_path / "v1_nodes.h5")).open_population("v1")
    assert nodes.size == 50
    assert {"x", "y", "z", "tuning_angle"} <= set(nodes.attribute_names)
    storage = libsonata.EdgeStorage(str(tmp_path / "lgn_v1_edges.h5"))
    assert storage.population_names == {"lgn_to_v1"}
    edges = storage.open_population("lgn_to_v1")
    assert edges.source == "lgn" and edges.target == "v1"
    sel = edges.afferent_edges([3])
    assert sel.flat_size > 0
    assert np.all(edges.target_nodes(sel) == 3)
    np.testing.assert_allclose(edges.get_attribute("nsyns", sel).astype(float) > 0, True)
    v1v1 = libsonata.EdgeStorage(str(tmp_path / "v1_v1_edges.h5")).open_population("v1_to_v1")
    sel = v1v1.afferent_edges([45])           # a PV target: only E->I edges, syn_weight per synapse
    np.testing.assert_allclose(v1v1.get_attribute("syn_weight", sel), 3.0)
    assert np.all(v1v1.efferent_edges([41]).flat_size == 40)     # each PV cell -> all 40 Scnn1a


def test_virtual_network_node_types(tmp_path):
    build_script(tmp_path)
    types = pd.read_csv(tmp_path / "lgn_node_types.csv", sep=" ")
    assert list(types.model_type) == ["virtual"]
    with h5py.File(tmp_path / "lgn_nodes.h5") as h5:
        assert h5["nodes/lgn/node_type_id"].shape == (15,)


def test_same_seed_same_edges_and_np_random_seed_is_honoured(tmp_path):
    a, _ = build_script(tmp_path / "a", seed=3)
    b, _ = build_script(tmp_path / "b", seed=3)
    c, _ = build_script(tmp_path / "c", seed=4)
    pd.testing.assert_frame_equal(a.edges_table(), b.edges_table())
    assert not a.edges_table().equals(c.edges_table())


def test_node_iteration_gives_dict_like_nodes(ei_net):
    nodes = list(ei_net.nodes(pop_name="Inh"))
    assert len(nodes) == 20
    node = nodes[0]
    assert node.node_id == 80 and node["ei"] == "i" and node["model_type"] == "point_neuron"
    assert node.node_type_id == 101
    assert node.positions.shape == (3,)
    assert "tuning_angle" not in node and "tuning_angle" in list(ei_net.nodes(pop_name="Exc"))[0]


@pytest.mark.parametrize("filters, expected", [
    ({"ei": "e"}, 80),
    ({"pop_name": ["Exc", "Inh"]}, 100),
    ({"tuning_angle": lambda a: a < 180.0}, None),
    ({"ei": "e", "x": lambda x: x > 100.0}, None),
    ({"node_type_id": 101}, 20),
    ({"pop_name": lambda name: name.startswith("E")}, 80),          # per-value callable on a type column
])
def test_nodes_filters(ei_net, filters, expected):
    sel = ei_net.nodes(**filters)
    table = ei_net.node_table()
    if expected is None:
        mask = np.ones(table.size, dtype=bool)
        for key, value in filters.items():
            col = table.column(key)
            mask &= np.array([bool(value(v)) if callable(value) else v == value for v in col])
        expected = int(mask.sum())
    assert len(sel) == expected > 0
    assert np.all(np.diff(sel.node_ids) > 0)


BMTK_PYTHON = Path(__file__).resolve().parents[2] / ".venv-bmtk" / "bin" / "python"
BMTK_READER = '''
import sys, json
from bmtk.utils.sonata import File
d = sys.argv[1]
out = {}
for net in ("v1", "lgn"):
    pop = File(data_files=f"{d}/{net}_nodes.h5", data_type_files=f"{d}/{net}_node_types.csv").nodes[net]
    out[net + "_nodes"] = len(pop)
    out[net + "_node_type_3"] = int(pop.get_node_id(3).node_type_id)
for pair in ("v1_v1", "lgn_v1"):
    f = File(data_files=f"{d}/{pair}_edges.h5", data_type_files=f"{d}/{pair}_edge_types.csv")
    pop = f.edges[f.edges.population_names[0]]
    out[pair + "_rows"] = len(pop)
    out[pair + "_into_3"] = sorted(int(e.source_node_id) for e in pop.get_target(3))
    out[pair + "_weights_into_45"] = sorted(float(e["syn_weight"]) for e in pop.get_target(45))
print(json.dumps(out))
'''


@pytest.mark.skipif(not BMTK_PYTHON.exists(), reason="bmtk 1.2.0 virtualenv .venv-bmtk not installed")
def test_files_open_in_bmtk_reader(tmp_path):
    net, lgn = build_script(tmp_path)
    done = subprocess.run([str(BMTK_PYTHON), "-c", BMTK_READER, str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["v1_nodes"] == 50 and seen["lgn_nodes"] == 15 and seen["v1_node_type_3"] == 100
    for builder, pair in ((net, "v1_v1"), (lgn, "lgn_v1")):
        table = builder.edges_table()
        assert seen[pair + "_rows"] == len(table)
        assert seen[pair + "_into_3"] == sorted(table.source_node_id[table.target_node_id == 3].tolist())
        expected = sorted(table.syn_weight[table.target_node_id == 45].tolist()) if "syn_weight" in table \
            else [4.0] * int((table.target_node_id == 45).sum())
        assert seen[pair + "_weights_into_45"] == pytest.approx(expected)


def test_callable_filter_on_a_per_node_string_column_is_called_per_value():
    """bmtk calls a filter per value: ``lambda s: s.startswith("E")`` must not receive the whole column."""
    net = NetworkBuilder("v1", seed=1)
    net.add_nodes(N=3, name=["Ea", "Eb", "Ic"], model_type="point_neuron")
    assert net.nodes(name=lambda s: s.startswith("E")).node_ids.tolist() == [0, 1]


def test_positions_as_x_y_z_columns():
    net = NetworkBuilder("v1", seed=1)
    x, y, z = np.arange(4.0), np.arange(4.0) + 10, np.arange(4.0) + 20
    net.add_nodes(N=4, x=x, y=y, z=z, model_type="point_neuron")
    table = net.node_table()
    assert np.array_equal(table.column("y"), y)
    assert net.nodes(z=lambda v: v > 21.5).node_ids.tolist() == [2, 3]


def test_bmtk_module_paths_port_with_a_prefix_change():
    """bmtk.builder.networks / bmtk.builder.auxi paths exist under builders."""
    from builders.auxi.edge_connectors import distance_connector  # noqa: F401
    from builders.auxi.node_params import positions_columinar  # noqa: F401
    from builders.networks import DenseNetwork, NetworkBuilder as FromNetworks
    assert FromNetworks is NetworkBuilder and DenseNetwork is NetworkBuilder
