"""SONATA nodes/edges/types files: what we write, libsonata and our readers read back,
and every BMTK example network loads with the counts its files hold."""
from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest

from bmtk_like.errors import SonataError
from bmtk_like.sonata import (EdgeFileWriter, read_edges, read_index, read_nodes, read_types_csv,
                              write_edges, write_nodes, write_types_csv)

libsonata = pytest.importorskip("libsonata")


@pytest.fixture
def small_circuit(tmp_path):
    rng = np.random.default_rng(1)
    n = 50
    write_nodes(tmp_path / "net_nodes.h5", "net", np.r_[np.full(30, 100), np.full(20, 101)],
                {"positions": rng.uniform(0, 100, (n, 3)), "tuning": np.linspace(0, 1, n),
                 "label": np.array([f"cell{i}" for i in range(n)])},
                dynamics_params={"tau_m": np.full(n, 20.0)})
    write_types_csv(tmp_path / "net_node_types.csv",
                    [{"node_type_id": 100, "model_type": "point_neuron", "pop_name": "E", "ei": "e"},
                     {"node_type_id": 101, "model_type": "point_neuron", "pop_name": "I", "ei": "i"}],
                    "node_type_id", population="net")
    src = rng.integers(0, n, 400)
    trg = rng.integers(0, n, 400)
    etype = np.where(src < 30, 200, 201)
    write_edges(tmp_path / "net_net_edges.h5", "net_to_net", "net", "net", src, trg, etype,
                {"syn_weight": rng.normal(1, 0.1, 400), "nsyns": rng.integers(1, 4, 400).astype(np.uint32)},
                n_source_nodes=n, n_target_nodes=n)
    write_types_csv(tmp_path / "net_net_edge_types.csv",
                    [{"edge_type_id": 200, "delay": 1.5, "model_template": "static_synapse"},
                     {"edge_type_id": 201, "delay": 2.0, "model_template": "static_synapse"}],
                    "edge_type_id", population="net_to_net")
    return tmp_path, src, trg


def test_nodes_round_trip_and_libsonata(small_circuit):
    folder, _, _ = small_circuit
    pop = read_nodes(folder / "net_nodes.h5", folder / "net_node_types.csv")["net"]
    assert pop.size == 50
    assert list(pop.column("pop_name")[:31]) == ["E"] * 30 + ["I"]
    assert pop.positions().shape == (50, 3)
    assert [(t, rows.tolist()) for t, rows in pop.type_batches()] == [(100, list(range(30))),
                                                                       (101, list(range(30, 50)))]
    ls_pop = libsonata.NodeStorage(str(folder / "net_nodes.h5")).open_population("net")
    assert ls_pop.size == 50
    assert set(ls_pop.attribute_names) == {"x", "y", "z", "tuning", "label"}
    sel = libsonata.Selection(np.arange(50))
    np.testing.assert_allclose(ls_pop.get_attribute("x", sel), pop.column("x"))
    assert list(ls_pop.get_attribute("label", libsonata.Selection([3]))) == ["cell3"]
    np.testing.assert_allclose(ls_pop.get_dynamics_attribute("tau_m", sel), 20.0)


def test_edges_sorted_indexed_and_libsonata_queries(small_circuit):
    folder, src, trg = small_circuit
    edges = read_edges(folder / "net_net_edges.h5", folder / "net_net_edge_types.csv")["net_to_net"]
    assert edges.size == 400
    assert np.all(np.diff(edges.target_node_id) >= 0), "edges must be sorted by target"
    # the multiset of (source, target) pairs is preserved
    assert sorted(zip(src.tolist(), trg.tolist())) == sorted(zip(edges.source_node_id.tolist(),
                                                                 edges.target_node_id.tolist()))
    np.testing.assert_allclose(edges.column("delay"), np.where(edges.edge_type_id == 200, 1.5, 2.0))
    ls_pop = libsonata.EdgeStorage(str(folder / "net_net_edges.h5")).open_population("net_to_net")
    assert (ls_pop.source, ls_pop.target, ls_pop.size) == ("net", "net", 400)
    for node in (0, 7, 49):
        aff = ls_pop.afferent_edges([node]).flatten()
        np.testing.assert_array_equal(np.sort(aff), np.flatnonzero(edges.target_node_id == node))
        eff = ls_pop.efferent_edges([node]).flatten()
        np.testing.assert_array_equal(np.sort(eff), np.flatnonzero(edges.source_node_id == node))
    with h5py.File(folder / "net_net_edges.h5", "r") as h5:
        grp = h5["edges/net_to_net"]
        assert h5.attrs["magic"] == 0x0A7A
        assert grp["source_node_id"].attrs["node_population"] == "net"
        for direction in ("source_to_target", "target_to_source"):
            idx = grp["indices"][direction]
            # the bmtk spelling is a hard link to the same data
            assert idx["node_id_to_range"].id == idx["node_id_to_ranges"].id
            assert grp["source_node_id"].compression is None
        ranges, range_to_edge = read_index(grp, "target_to_source")
        assert ranges.shape == (50, 2) and range_to_edge[:, 1].max() == 400


def test_types_csv_written_strict(small_circuit):
    folder, _, _ = small_circuit
    raw = (folder / "net_node_types.csv").read_bytes()
    assert b"\r\n" not in raw
    assert raw.splitlines()[0] == b"node_type_id model_type pop_name ei population"


def test_types_csv_lenient_reading(tmp_path):
    path = tmp_path / "types.csv"
    path.write_bytes(b"node_type_id model_type dynamics_params pop_name\r\n"
                     b"1 point_process NONE A\r\n2 virtual NULL \"B C\"\r\n")
    table = read_types_csv(path, "node_type_id")
    assert list(table.index) == [1, 2]
    assert table.loc[2, "pop_name"] == "B C"
    assert pd.isna(table.loc[1, "dynamics_params"]) and pd.isna(table.loc[2, "dynamics_params"])


def test_streaming_writer_equals_one_shot(tmp_path):
    rng = np.random.default_rng(3)
    src = rng.integers(0, 100, 5000)
    trg = np.sort(rng.integers(0, 80, 5000))
    w = rng.random(5000)
    write_edges(tmp_path / "a.h5", "p", "s", "t", src, trg, 1, {"syn_weight": w}, n_source_nodes=100,
                n_target_nodes=80)
    with EdgeFileWriter(tmp_path / "b.h5", "p", "s", "t", 100, 80) as writer:
        for lo in range(0, 80, 16):
            sel = (trg >= lo) & (trg < lo + 16)
            writer.append(src[sel], trg[sel], 1, {"syn_weight": w[sel]})
    a = read_edges(tmp_path / "a.h5", _edge_types(tmp_path))["p"]
    b = read_edges(tmp_path / "b.h5", _edge_types(tmp_path))["p"]
    np.testing.assert_array_equal(a.source_node_id, b.source_node_id)
    np.testing.assert_array_equal(a.column("syn_weight"), b.column("syn_weight"))


def _edge_types(folder):
    path = folder / "et.csv"
    write_types_csv(path, [{"edge_type_id": 1, "delay": 1.0}], "edge_type_id")
    return path


def test_streaming_writer_rejects_out_of_order_blocks(tmp_path):
    with pytest.raises(SonataError, match="nondecreasing target order"):
        with EdgeFileWriter(tmp_path / "c.h5", "p", "s", "t", 10, 10) as writer:
            writer.append([0], [5], 1)
            writer.append([0], [2], 1)


def test_group_attribute_overrides_csv_column(tmp_path):
    write_nodes(tmp_path / "n.h5", "p", [1, 1], {"pop_name": np.array(["X", "Y"])})
    write_types_csv(tmp_path / "t.csv", [{"node_type_id": 1, "pop_name": "Z"}], "node_type_id")
    assert list(read_nodes(tmp_path / "n.h5", tmp_path / "t.csv")["p"].column("pop_name")) == ["X", "Y"]


def test_missing_type_row_names_the_files(tmp_path):
    write_nodes(tmp_path / "n.h5", "p", [1, 2])
    write_types_csv(tmp_path / "t.csv", [{"node_type_id": 1, "model_type": "virtual"}], "node_type_id")
    with pytest.raises(SonataError, match=r"node_type_id \[2\].*t\.csv"):
        read_nodes(tmp_path / "n.h5", tmp_path / "t.csv")     # refused on read, not at first use


def test_bad_files_give_sonata_errors(tmp_path):
    (tmp_path / "junk.h5").write_text("not hdf5")
    write_types_csv(tmp_path / "t.csv", [{"node_type_id": 1}], "node_type_id")
    with pytest.raises(SonataError, match="junk.h5.*not a readable HDF5"):
        read_nodes(tmp_path / "junk.h5", tmp_path / "t.csv")
    with pytest.raises(SonataError, match="missing.h5.*does not exist"):
        read_nodes(tmp_path / "missing.h5", tmp_path / "t.csv")
    (tmp_path / "bad.csv").write_text("pop_name model_type\nA virtual\n")
    with pytest.raises(SonataError, match="bad.csv.*no 'node_type_id' column"):
        read_types_csv(tmp_path / "bad.csv", "node_type_id")
    write_nodes(tmp_path / "n.h5", "p", [1])
    with pytest.raises(SonataError, match="no population 'q'"):
        read_nodes(tmp_path / "n.h5", tmp_path / "t.csv", populations=["q"])
    with pytest.raises(SonataError, match="no '/edges' group"):
        read_edges(tmp_path / "n.h5", _edge_types(tmp_path))


def test_legacy_index_spelling_and_multi_group(tmp_path):
    """Files with `indicies`, `node_id_to_range` only, and two attribute groups read correctly."""
    with h5py.File(tmp_path / "n.h5", "w") as h5:
        grp = h5.create_group("nodes/p")
        grp["node_type_id"] = np.array([1, 2, 1, 2])
        grp["node_group_id"] = np.array([0, 1, 0, 1])
        grp["node_group_index"] = np.array([0, 0, 1, 1])
        grp["0/a"] = np.array([10.0, 11.0])
        grp["1/b"] = np.array([5, 6])
        grp["1/dynamics_params/g"] = np.array([0.1, 0.2])
    write_types_csv(tmp_path / "t.csv", [{"node_type_id": 1}, {"node_type_id": 2}], "node_type_id")
    pop = read_nodes(tmp_path / "n.h5", tmp_path / "t.csv")["p"]
    np.testing.assert_allclose(pop.column("a"), [10, np.nan, 11, np.nan])
    np.testing.assert_allclose(pop.column("b"), [np.nan, 5, np.nan, 6])
    np.testing.assert_allclose(pop.dynamics_params_for(np.array([1, 3]))["g"], [0.1, 0.2])
    with h5py.File(tmp_path / "e.h5", "w") as h5:
        grp = h5.create_group("edges/e")
        grp["source_node_id"] = np.array([0, 1])
        grp["source_node_id"].attrs["node_population"] = "p"
        grp["target_node_id"] = np.array([1, 1])
        grp["target_node_id"].attrs["node_population"] = "p"
        grp["edge_type_id"] = np.array([1, 1])
        grp["indicies/target_to_source/node_id_to_range"] = np.array([[0, 0], [0, 1]])
        grp["indicies/target_to_source/range_to_edge_id"] = np.array([[0, 2]])
        grp["0/sec_id"] = np.array([3, 4])
    edges = read_edges(tmp_path / "e.h5", _edge_types(tmp_path))["e"]
    np.testing.assert_array_equal(edges.column("afferent_section_id"), [3, 4])
    with h5py.File(tmp_path / "e.h5", "r") as h5:
        ranges, r2e = read_index(h5["edges/e"], "target_to_source")
    np.testing.assert_array_equal(r2e, [[0, 2]])


EXAMPLE_NETWORKS = {
    "point_120cells": {"cortex": 120, "thalamus": 100},
    "bio_14cells": {"v1": 14, "lgn": 90, "tw": 30},
    "pop_2pops": {"internal": 2, "external": 1},
}


@pytest.mark.parametrize("example", sorted(EXAMPLE_NETWORKS))
def test_every_bmtk_example_network_loads(bmtk_examples, example):
    folder = bmtk_examples / example / "network"
    for pop_name, expected in EXAMPLE_NETWORKS[example].items():
        pops = read_nodes(folder / f"{pop_name}_nodes.h5", folder / f"{pop_name}_node_types.csv")
        pop = pops[pop_name]
        with h5py.File(folder / f"{pop_name}_nodes.h5", "r") as h5:
            raw = h5[f"nodes/{pop_name}"]
            raw_types = raw["node_type_id"][()]
            group_id, group_index = raw["node_group_id"][()], raw["node_group_index"][()]
            for gname in (k for k in raw if k.isdigit()):
                rows = np.flatnonzero(group_id == int(gname))
                group_keys = set()
                for key, ds in raw[gname].items():
                    if not isinstance(ds, h5py.Dataset):
                        continue
                    group_keys.add(key)
                    values = ds[()][group_index[rows]]
                    if ds.dtype.kind in "fiu":
                        np.testing.assert_array_equal(pop.column(key)[rows], values)
                    else:                                   # strings, as bytes or str in the file
                        assert list(pop.column(key)[rows]) == [v.decode() if isinstance(v, bytes) else v
                                                               for v in values]
        assert pop.size == expected == raw_types.size
        np.testing.assert_array_equal(pop.node_type_id, raw_types)
        csv = pd.read_csv(folder / f"{pop_name}_node_types.csv", sep=r"\s+", dtype=str, keep_default_na=False)
        assert sorted(pop.node_types.index) == sorted(int(t) for t in csv["node_type_id"])
        by_type = csv.set_index(csv["node_type_id"].astype(int))
        for column in (c for c in csv.columns if c not in ("node_type_id", "population") and c not in group_keys):
            values = by_type[column].to_dict()
            expected_values = [values[t] for t in raw_types]
            got = [("" if isinstance(v, float) and np.isnan(v) else str(v)) for v in pop.column(column)]
            wanted = ["" if v in ("NONE", "NULL", "") else v for v in expected_values]
            numeric = [g == w or (g and w and float(g) == float(w)) if _is_number(w) else g == w
                       for g, w in zip(got, wanted)]
            assert all(numeric), (pop_name, column, got[:3], wanted[:3])
    for edges_file in folder.glob("*_edges.h5"):
        types_file = edges_file.with_name(edges_file.name.replace("_edges.h5", "_edge_types.csv"))
        for name, edges in read_edges(edges_file, types_file).items():
            with h5py.File(edges_file, "r") as h5:
                grp = h5["edges"][name]
                assert edges.size == grp["source_node_id"].shape[0]
                np.testing.assert_array_equal(edges.source_node_id, grp["source_node_id"][()])
                if "nsyns" in grp["0"]:
                    np.testing.assert_array_equal(edges.nsyns(), grp["0/nsyns"][()])
            csv = pd.read_csv(types_file, sep=" ")
            weights = dict(zip(csv["edge_type_id"], csv["syn_weight"]))
            np.testing.assert_allclose(edges.syn_weight(), [weights[t] for t in edges.edge_type_id])
            n_src = EXAMPLE_NETWORKS[example][edges.source_population]
            assert edges.source_node_id.max() < n_src


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_libsonata_reads_bmtk_example_as_reference(bmtk_examples):
    """Our reader and libsonata agree on a file nobody here wrote."""
    path = bmtk_examples / "point_120cells" / "network" / "cortex_cortex_edges.h5"
    edges = read_edges(path, path.with_name("cortex_cortex_edge_types.csv"))["cortex_to_cortex"]
    ls_pop = libsonata.EdgeStorage(str(path)).open_population("cortex_to_cortex")
    sel = libsonata.Selection([(0, ls_pop.size)])
    np.testing.assert_array_equal(ls_pop.source_nodes(sel), edges.source_node_id)
    np.testing.assert_array_equal(ls_pop.target_nodes(sel), edges.target_node_id)


def test_several_populations_per_file_and_gzip_option(tmp_path):
    """mode="a" adds populations to one file; compression="gzip" compresses every dataset and reads back."""
    types = tmp_path / "types.csv"
    write_types_csv(types, [{"node_type_id": 1, "model_type": "virtual"},
                            {"node_type_id": 2, "model_type": "point_neuron"}], "node_type_id")
    path = tmp_path / "two_nodes.h5"
    write_nodes(path, "lgn", np.full(7, 1), {"x": np.arange(7.0)}, compression="gzip")
    write_nodes(path, "v1", np.full(4, 2), {"label": np.array(list("abcd"))}, compression="gzip", mode="a")
    with pytest.raises(SonataError, match="already has population 'lgn'"):
        write_nodes(path, "lgn", np.full(2, 1), mode="a")
    with h5py.File(path, "r") as h5:
        assert h5["nodes/lgn/node_type_id"].compression == "gzip"
        assert h5["nodes/v1/0/label"].compression == "gzip"
        assert h5.attrs["magic"] == 0x0A7A
    pops = read_nodes(path, types)
    assert sorted(pops) == ["lgn", "v1"] and (pops["lgn"].size, pops["v1"].size) == (7, 4)
    assert pops["lgn"].column("x").tolist() == list(range(7)) and pops["v1"].column("label").tolist() == list("abcd")
    assert read_nodes(path, types, populations=["v1"]).keys() == {"v1"}
    edges = tmp_path / "edges.h5"
    write_edges(edges, "lgn_to_v1", "lgn", "v1", np.array([0, 6, 3]), np.array([3, 0, 0]), 5,
                compression="gzip", n_source_nodes=7, n_target_nodes=4)
    write_edges(edges, "v1_to_v1", "v1", "v1", np.array([1]), np.array([2]), 6, mode="a",
                n_source_nodes=4, n_target_nodes=4)
    write_types_csv(tmp_path / "edge_types.csv", [{"edge_type_id": 5}, {"edge_type_id": 6}], "edge_type_id")
    both = read_edges(edges, tmp_path / "edge_types.csv")
    assert both["lgn_to_v1"].target_node_id.tolist() == [0, 0, 3]       # sorted by target
    assert both["v1_to_v1"].source_population == "v1" and both["v1_to_v1"].size == 1
