"""Compartment reports: layout, incremental writing, our reader and libsonata's."""
from __future__ import annotations

import h5py
import libsonata
import numpy as np
import pytest

from bmtk_like.errors import SonataError
from bmtk_like.reports import CompartmentReport, CompartmentReportWriter, write_compartment_report

NODE_IDS = [5, 2, 9]
POINTERS = [0, 3, 4, 6]
ELEMENT_IDS = [0, 1, 1, 0, 0, 2]
ELEMENT_POS = [0.5, 0.25, 0.75, 0.5, 0.5, 0.5]


@pytest.fixture
def data() -> np.ndarray:
    return np.random.default_rng(0).normal(-65.0, 5.0, size=(40, 6)).astype(np.float32)


@pytest.fixture
def report_path(tmp_path, data):
    return write_compartment_report(tmp_path / "v.h5", "cortex", NODE_IDS, POINTERS, ELEMENT_IDS,
                                    ELEMENT_POS, data, tstart=0.0, tstop=4.0, dt=0.1,
                                    units="mV", variable_name="v")


def test_layout_matches_sonata_and_bmtk(report_path, data):
    with h5py.File(report_path, "r") as h5:
        assert h5.attrs["magic"] == 0x0A7A
        grp = h5["report/cortex"]
        assert grp["data"].dtype == np.float32 and grp["data"].shape == (40, 6)
        assert grp["data"].attrs["units"] == "mV"
        mapping = grp["mapping"]
        assert mapping["node_ids"].dtype == np.uint64
        assert mapping["index_pointers"].dtype == np.uint64
        assert mapping["index_pointers"].id == mapping["index_pointer"].id  # hard link, one copy
        assert mapping["element_ids"].dtype == np.uint32
        assert mapping["element_pos"].dtype == np.float32
        assert mapping["time"].dtype == np.float64
        assert list(mapping["time"][()]) == [0.0, 4.0, 0.1]
        assert mapping["time"].attrs["units"] == "ms"
        np.testing.assert_array_equal(grp["data"][()], data)


def test_libsonata_element_reader_matches(report_path, data):
    pop = libsonata.ElementReportReader(str(report_path))["cortex"]
    assert pop.time_units == "ms" and pop.data_units == "mV"
    assert pop.times == (0.0, 4.0, 0.1)
    assert sorted(pop.get_node_ids()) == sorted(NODE_IDS)
    frame = pop.get(node_ids=[9], tstart=1.0, tstop=1.5)
    np.testing.assert_allclose(frame.times, [1.0, 1.1, 1.2, 1.3, 1.4, 1.5])
    assert np.asarray(frame.ids).tolist() == [[9, 0], [9, 2]]
    np.testing.assert_array_equal(np.asarray(frame.data), data[10:16, 4:6])
    whole = pop.get(node_ids=[5])
    np.testing.assert_array_equal(np.asarray(whole.data), data[:, 0:3])
    assert np.asarray(whole.ids)[:, 1].tolist() == [0, 1, 1]


def test_our_reader(report_path, data):
    report = CompartmentReport.load(report_path)
    pop = report["cortex"]
    assert report.populations == ["cortex"]
    assert pop.units == "mV" and pop.variable_name == "v" and pop.time_units == "ms"
    np.testing.assert_allclose(pop.times, np.arange(40) * 0.1)
    np.testing.assert_array_equal(pop.data(2), data[:, 3:4])
    np.testing.assert_array_equal(pop.data(), data)
    np.testing.assert_array_equal(pop.traces([9, 5]), data[:, [4, 0]])
    means = pop.traces([9, 5, 2], element="mean")
    np.testing.assert_allclose(means[:, 0], data[:, 4:6].mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(means[:, 1], data[:, 0:3].mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(means[:, 2], data[:, 3], rtol=1e-5)
    df = pop.to_dataframe()
    assert list(df.columns) == NODE_IDS and df.index.name == "time"
    np.testing.assert_array_equal(df[9].to_numpy(), data[:, 4])
    assert pop.element_ids.tolist() == ELEMENT_IDS


def test_incremental_blocks_and_two_populations(tmp_path):
    full = np.arange(100 * 4, dtype=np.float32).reshape(100, 4)
    path = tmp_path / "blocks.h5"
    with CompartmentReportWriter(path) as writer:
        n = writer.add_population("exc", [0, 1, 2, 3], tstart=0.0, tstop=10.0, dt=0.1,
                                  variable_name="V_m")
        assert n == 100
        writer.add_population("inh", [0], tstart=0.0, tstop=10.0, dt=0.1)
        for start in range(0, 100, 30):  # blocks of 30, the last one short
            writer.write_block("exc", full[start:start + 30])
        assert writer.frames_remaining("exc") == 0 and writer.frames_remaining("inh") == 100
        writer.write_block("inh", np.ones((100, 1)))
    report = CompartmentReport(path)
    assert report.populations == ["exc", "inh"]
    np.testing.assert_array_equal(report["exc"].data(), full)
    soma = libsonata.SomaReportReader(str(path))
    assert sorted(soma.get_population_names()) == ["exc", "inh"]
    got = soma["exc"].get(node_ids=[2, 3])
    np.testing.assert_array_equal(np.asarray(got.data), full[:, 2:4])
    assert soma["exc"].sorted  # node ids written ascending are flagged for bisection


def test_incomplete_report_warns_and_reads_nan(tmp_path):
    path = tmp_path / "short.h5"
    with pytest.warns(RuntimeWarning, match="only 3 of 10 frames written"):
        with CompartmentReportWriter(path) as writer:
            writer.add_population("p", [0], tstart=0.0, tstop=10.0, dt=1.0)
            writer.write_block("p", np.zeros((3, 1)))
    data = CompartmentReport(path)["p"].data()
    assert np.all(data[:3] == 0) and np.all(np.isnan(data[3:]))


def test_add_population_to_existing_file(report_path):
    write_compartment_report(report_path, "thalamus", [0, 1], None, None, None,
                             np.zeros((40, 2)), 0.0, 4.0, 0.1, mode="a")
    assert CompartmentReport(report_path).populations == ["cortex", "thalamus"]
    with pytest.raises(SonataError, match="population 'cortex' already exists"):
        write_compartment_report(report_path, "cortex", [0], None, None, None,
                                 np.zeros((40, 1)), 0.0, 4.0, 0.1, mode="a")


# ------------------------------------------------------------------ bad input
def test_wrong_data_shape(tmp_path):
    with pytest.raises(SonataError, match=r"data has shape \(10, 2\), expected \(40 frames"):
        write_compartment_report(tmp_path / "r.h5", "p", [0, 1], None, None, None,
                                 np.zeros((10, 2)), 0.0, 4.0, 0.1)


def test_bad_index_pointers(tmp_path):
    with pytest.raises(SonataError, match=r"population 'p': index_pointers must be "
                                          r"nondecreasing.*3 entries \(got 2\)"):
        write_compartment_report(tmp_path / "r.h5", "p", [0, 1], [0, 1], None, None,
                                 np.zeros((40, 1)), 0.0, 4.0, 0.1)


def test_block_outside_time_axis(tmp_path):
    with CompartmentReportWriter(tmp_path / "r.h5") as writer:
        writer.add_population("p", [0], tstart=0.0, tstop=1.0, dt=0.5)
        with pytest.raises(SonataError, match=r"frames 0\.\.2 fall outside the 2 frames"):
            writer.write_block("p", np.zeros((3, 1)))
        with pytest.raises(SonataError, match="population 'q' was not added"):
            writer.write_block("q", np.zeros((1, 1)))
        writer.write_block("p", np.zeros((2, 1)))


def test_reader_errors(tmp_path, report_path):
    not_h5 = tmp_path / "v.txt"
    not_h5.write_text("hello")
    with pytest.raises(SonataError, match=r"compartment report .*v\.txt is not an HDF5 file"):
        CompartmentReport(not_h5)
    spikes_only = tmp_path / "spikes.h5"
    with h5py.File(spikes_only, "w") as h5:
        h5.create_group("spikes")
    with pytest.raises(SonataError, match=r"spikes\.h5 has no /report group"):
        CompartmentReport(spikes_only)
    report = CompartmentReport(report_path)
    with pytest.raises(SonataError, match=r"no population 'lgn'; populations: \['cortex'\]"):
        report["lgn"]
    with pytest.raises(SonataError, match=r"population 'cortex' has no node 7; recorded nodes: "
                                          r"\[5, 2, 9\]"):
        report["cortex"].data(7)


def test_reader_names_inconsistent_mapping(tmp_path, report_path):
    with h5py.File(report_path, "a") as h5:
        del h5["report/cortex/mapping/index_pointer"]
        del h5["report/cortex/mapping/index_pointers"]
        h5["report/cortex/mapping/index_pointers"] = np.array([0, 3, 4], dtype=np.uint64)
    with pytest.raises(SonataError, match=r"population 'cortex': mapping is inconsistent with "
                                          r"data \(40, 6\)"):
        CompartmentReport(report_path)


def test_reads_bmtk_style_reports(tmp_path, data):
    """bmtk writes only ``index_pointer`` and gzips data; old bmtk had no population group."""
    path = tmp_path / "bmtk.h5"
    with h5py.File(path, "w") as h5:
        grp = h5.create_group("report/internal")
        grp.create_dataset("data", data=data.astype(np.float64), compression="gzip")
        mapping = grp.create_group("mapping")
        mapping["node_ids"] = np.array(NODE_IDS, dtype=np.int64)
        mapping["index_pointer"] = np.array(POINTERS, dtype=np.int64)
        mapping["element_ids"] = np.array(ELEMENT_IDS)
        mapping["element_pos"] = np.array(ELEMENT_POS)
        mapping["time"] = [0.0, 0.004, 0.0001]
        mapping["time"].attrs["units"] = "s"
    pop = CompartmentReport(path)["internal"]
    np.testing.assert_allclose(pop.times[:3], [0.0, 0.1, 0.2])
    np.testing.assert_array_equal(pop.traces([2]), data[:, 3:4])
    old = tmp_path / "old.h5"
    with h5py.File(old, "w") as h5:
        h5["data"] = data
        h5["mapping/gids"] = np.array(NODE_IDS)
        h5["mapping/index_pointer"] = np.array(POINTERS)
        h5["mapping/element_id"] = np.array(ELEMENT_IDS)
        h5["mapping/time"] = [0.0, 4.0, 0.1]
    legacy = CompartmentReport(old, population="cortex")
    assert legacy.populations == ["cortex"]
    np.testing.assert_array_equal(legacy["cortex"].data(9), data[:, 4:6])
    assert legacy["cortex"].element_ids.tolist() == ELEMENT_IDS
