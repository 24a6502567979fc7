"""SWC sections numbered as NEURON creates them, and seeded synapse placement on them."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bmtk_like.errors import BuilderError
from builders import FixedInDegree, NetworkBuilder
from builders.morphology import load_morphology

MORPHS = ["Scnn1a_473845048_m.swc", "Rorb_325404214_m.swc", "Nr5a1_471087815_m.swc",
          "Pvalb_470522102_m.swc", "Pvalb_469628681_m.swc"]


def _neuron_sections(path):
    """(type code, L, distance of x=0 from soma(0.5)) of every section, NEURON order soma, dend, apic, axon."""
    from neuron import h
    h.load_file("stdlib.hoc")
    h.load_file("import3d.hoc")

    class Cell:
        pass

    cell = Cell()
    reader = h.Import3d_SWC_read()
    reader.input(str(path))
    h.Import3d_GUI(reader, False).instantiate(cell)
    out = []
    for name, code in (("soma", 1), ("dend", 3), ("apic", 4), ("axon", 2)):
        for sec in getattr(cell, name, []):
            out.append((code, sec.L, sec))
    h.distance(0, cell.soma[0](0.5))
    rows = [(c, L, h.distance(sec(0)) if c != 1 else 0.0) for c, L, sec in out]
    return np.array(rows)


@pytest.mark.neuron
@pytest.mark.parametrize("name", MORPHS)
def test_sections_match_neuron_import3d(bmtk_examples, name):
    path = bmtk_examples / "bio_components" / "morphologies" / name
    ours = load_morphology(str(path))
    theirs = _neuron_sections(path)
    assert ours.n_sections == len(theirs)
    np.testing.assert_array_equal(ours.sec_type, theirs[:, 0])
    np.testing.assert_allclose(ours.length, theirs[:, 1], rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(ours.start_distance[1:], theirs[1:, 2], rtol=1e-4, atol=1e-3)


def test_placement_respects_sections_and_distance(bmtk_examples):
    morph = load_morphology(str(bmtk_examples / "bio_components" / "morphologies" / MORPHS[0]))
    rng = np.random.default_rng(0)
    sec, x = morph.place(5000, ["basal", "apical"], [30.0, 150.0], rng)
    assert set(np.unique(morph.sec_type[sec])) == {3, 4}
    distance = morph.start_distance[sec] + x * morph.length[sec]
    assert distance.min() >= 30.0 - 1e-9 and distance.max() <= 150.0 + 1e-9
    assert np.all((x >= 0) & (x <= 1))
    soma_sec, soma_x = morph.place(10, ["soma"], [0.0, 1e20], rng)
    assert np.all(soma_sec == 0) and np.all(soma_x >= 0.5)
    with pytest.raises(BuilderError, match=r"no part of sections \['apical'\].*within distance_range \[5000.0"):
        morph.place(1, ["apical"], [5000.0, 6000.0], rng)


def _bio_net(morph_dir, seed=1, workers=1):
    net = NetworkBuilder("bio", seed=seed)
    net.add_nodes(N=3, pop_name="Scnn1a", model_type="biophysical", morphology=MORPHS[0])
    net.add_nodes(N=2, pop_name="PV", model_type="biophysical", morphology=MORPHS[3])
    net.add_nodes(N=2, pop_name="LIF", model_type="point_neuron")
    lgn = NetworkBuilder("lgn", seed=seed)
    lgn.add_nodes(N=10, model_type="virtual")
    lgn.add_edges(target=net.nodes(), connection_rule=FixedInDegree(4, nsyns=3), syn_weight=1e-4,
                  target_sections=["basal", "apical"], distance_range=[30.0, 150.0], delay=2.0)
    lgn.build(morphologies_dir=str(morph_dir), workers=workers, block_size=2)
    return lgn


def test_edges_get_section_ids_one_row_per_synapse(bmtk_examples, tmp_path):
    morph_dir = bmtk_examples / "bio_components" / "morphologies"
    lgn = _bio_net(morph_dir)
    t = lgn.edges_table()
    assert len(t) == 7 * 4 * 3 and np.all(t.nsyns == 1)
    bio = t[t.target_node_id < 5]
    assert np.all(bio.afferent_section_id > 0)
    point = t[t.target_node_id >= 5]
    assert np.all(point.afferent_section_id == -1) and np.all(np.isnan(point.afferent_section_pos))
    again = _bio_net(morph_dir)
    np.testing.assert_array_equal(again.edges_table().afferent_section_pos, t.afferent_section_pos)
    lgn.save(str(tmp_path))
    import libsonata
    pop = libsonata.EdgeStorage(str(tmp_path / "lgn_bio_edges.h5")).open_population("lgn_to_bio")
    sel = pop.afferent_edges([0])
    assert np.all(pop.get_attribute("afferent_section_id", sel) > 0)
    types = (tmp_path / "lgn_bio_edge_types.csv").read_text()
    assert "\"['basal', 'apical']\"" in types and "\"[30.0, 150.0]\"" in types


def test_synapse_placement_is_the_same_with_two_workers(bmtk_examples):
    morph_dir = bmtk_examples / "bio_components" / "morphologies"
    serial = _bio_net(morph_dir).edges_table()
    pooled = _bio_net(morph_dir, workers=2).edges_table()
    pd.testing.assert_frame_equal(serial, pooled)


def test_missing_morphology_in_given_dir_is_an_error(tmp_path):
    net = NetworkBuilder("bio")
    net.add_nodes(N=2, model_type="biophysical", morphology="nowhere.swc")
    net.add_edges(connection_rule=1, target_sections=["soma"], distance_range=[0, 1e20])
    with pytest.raises(BuilderError, match=r"edge type 100 .*morphology 'nowhere.swc' was not found in morphologies_dir"):
        net.build(morphologies_dir=str(tmp_path))


def test_without_morphologies_dir_placement_is_left_to_the_simulator():
    net = NetworkBuilder("bio")
    net.add_nodes(N=2, model_type="biophysical", morphology="relative_only.swc")
    net.add_edges(connection_rule=2, target_sections=["soma"], distance_range=[0, 1e20])
    net.build()
    t = net.edges_table()
    assert "afferent_section_id" not in t.columns and np.all(t.nsyns == 2)


def test_bmtk_rand_syn_locations_per_edge(bmtk_examples):
    from builders.bionet import rand_syn_locations
    morph_dir = bmtk_examples / "bio_components" / "morphologies"
    net = NetworkBuilder("bio", seed=5)
    net.add_nodes(N=2, model_type="biophysical", morphology=MORPHS[0])
    cm = net.add_edges(connection_rule=2)
    cm.add_properties(["afferent_section_id", "afferent_section_pos", "afferent_swc_id", "afferent_swc_pos"],
                      rule=rand_syn_locations,
                      rule_params={"sections": ["basal", "apical"], "distance_range": [30.0, 150.0],
                                   "morphology_dir": str(morph_dir)},
                      dtypes=[np.int64, float, np.int64, float])
    net.build()
    t = net.edges_table()
    assert len(t) == 2 * 2 * 2
    morph = load_morphology(str(morph_dir / MORPHS[0]))
    assert set(morph.sec_type[t.afferent_section_id]) <= {3, 4}
    d = morph.start_distance[t.afferent_section_id] + t.afferent_section_pos * morph.length[t.afferent_section_id]
    assert d.min() >= 30.0 and d.max() <= 150.0
    # the swc sample belongs to the chosen section
    for sec, swc in zip(t.afferent_section_id, t.afferent_swc_id):
        own = morph.point_ids[morph.point_offsets[sec]:morph.point_offsets[sec + 1]]
        assert swc in own
    assert np.all((t.afferent_swc_pos >= 0) & (t.afferent_swc_pos <= 1))
