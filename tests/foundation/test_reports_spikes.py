"""Spike files: SONATA HDF5 and CSV round trips, libsonata reads ours, bmtk's files read."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import libsonata
import numpy as np
import pandas as pd
import pytest

from bmtk_like.errors import SonataError
from bmtk_like.reports import (SortOrder, SpikeTrains, read_sorting, read_spikes,
                               write_spikes_sonata)


@pytest.fixture
def two_pops() -> SpikeTrains:
    st = SpikeTrains()
    st.add_spikes("cortex", [3, 1, 2, 1, 0], [5.0, 1.0, 3.0, 0.5, 9.25])
    st.add_spikes("thalamus", [7, 7], [2.0, 0.1])
    return st


def test_sonata_layout_matches_the_spec(tmp_path, two_pops):
    path = two_pops.to_sonata(tmp_path / "spikes.h5", sort_order="by_id")
    with h5py.File(path, "r") as h5:
        assert h5.attrs["magic"] == 0x0A7A
        assert list(h5.attrs["version"]) == [0, 1]
        grp = h5["spikes/cortex"]
        assert grp["timestamps"].dtype == np.float64
        assert grp["timestamps"].attrs["units"] == "ms"
        assert grp["node_ids"].dtype == np.uint64
        assert h5py.check_enum_dtype(grp.attrs.get_id("sorting").dtype) == {
            "none": 0, "by_id": 1, "by_time": 2}
        assert grp.attrs["sorting"] == 1
        assert list(grp["node_ids"][()]) == [0, 1, 1, 2, 3]
        assert list(grp["timestamps"][()]) == [9.25, 0.5, 1.0, 3.0, 5.0]


@pytest.mark.parametrize("order, libsonata_name", [("by_time", "by_time"), ("by_id", "by_id"),
                                                   ("none", "none")])
def test_libsonata_reads_our_spike_file(tmp_path, two_pops, order, libsonata_name):
    path = two_pops.to_sonata(tmp_path / "spikes.h5", sort_order=order)
    reader = libsonata.SpikeReader(str(path))
    assert sorted(reader.get_population_names()) == ["cortex", "thalamus"]
    for pop in ("cortex", "thalamus"):
        spikes = reader[pop]
        assert spikes.sorting == libsonata_name
        assert spikes.time_units == "ms"
        got = sorted(spikes.get())
        ids, times = two_pops.get(pop)
        assert got == sorted(zip(ids.tolist(), times.tolist()))
    assert sorted(reader["cortex"].get(node_ids=[1])) == [(1, 0.5), (1, 1.0)]
    assert sorted(reader["cortex"].get(tstart=2.0, tstop=6.0)) == [(2, 3.0), (3, 5.0)]
    assert read_sorting(path) == {"cortex": SortOrder[order], "thalamus": SortOrder[order]}


def test_by_time_sort_orders_ties_by_node_id(tmp_path):
    st = SpikeTrains({"p": ([4, 2, 9, 2], [1.0, 1.0, 0.5, 3.0])})
    path = st.to_sonata(tmp_path / "s.h5", sort_order="by_time")
    back = SpikeTrains.from_sonata(path)
    ids, times = back.get("p")
    assert times.tolist() == [0.5, 1.0, 1.0, 3.0]
    assert ids.tolist() == [9, 2, 4, 2]


def test_sonata_and_csv_round_trips_are_exact(tmp_path, two_pops):
    times = np.random.default_rng(3).random(1000) * 1000.0
    two_pops.add_spikes("cortex", np.arange(1000) % 17, times)
    h5_back = SpikeTrains.from_sonata(two_pops.to_sonata(tmp_path / "s.h5"))
    csv_back = SpikeTrains.from_csv(two_pops.to_csv(tmp_path / "s.csv"))
    assert h5_back == two_pops
    assert csv_back == two_pops
    assert SpikeTrains.load(tmp_path / "s.csv") == SpikeTrains.load(tmp_path / "s.h5")
    assert h5_back.n_spikes() == two_pops.n_spikes() == 1007
    assert h5_back.n_spikes("thalamus") == 2


def test_csv_layout(tmp_path, two_pops):
    path = two_pops.to_csv(tmp_path / "spikes.csv", sort_order="by_time")
    lines = path.read_text().splitlines()
    assert lines[0] == "timestamps population node_ids"
    assert lines[1] == "0.1 thalamus 7"
    assert lines[2] == "0.5 cortex 1"
    assert len(lines) == 1 + 7


def test_dataframe_round_trip(two_pops):
    df = two_pops.to_dataframe(sort_order="by_time")
    assert list(df.columns) == ["node_ids", "timestamps", "population"]
    assert df["timestamps"].is_monotonic_increasing
    assert SpikeTrains.from_dataframe(df) == two_pops
    only = SpikeTrains.from_dataframe(pd.DataFrame({"gid": [1, 2], "timestamps": [3.0, 4.0]}),
                                      population="lgn")
    assert only.populations == ["lgn"]
    assert only.spikes_for("lgn", 2).tolist() == [4.0]


def test_per_population_access_and_merge(two_pops):
    assert two_pops.populations == ["cortex", "thalamus"]
    assert two_pops.spikes_for("cortex", 1).tolist() == [0.5, 1.0]
    assert two_pops.spikes_for("cortex", 42).size == 0
    assert two_pops.node_ids("cortex").tolist() == [0, 1, 2, 3]
    other = SpikeTrains({"thalamus": ([1], [4.0]), "lgn": ([0], [1.0])})
    merged = two_pops.merge(other)
    assert merged.populations == ["cortex", "thalamus", "lgn"]
    assert merged.n_spikes("thalamus") == 3
    assert two_pops.n_spikes("thalamus") == 2  # merge does not modify its inputs
    assert two_pops.time_range() == (0.1, 9.25)


def test_scalar_node_id_is_broadcast_and_blocks_concatenate():
    st = SpikeTrains()
    for block in range(50):
        st.add_spikes("p", 5, np.arange(3) + 10.0 * block)
    ids, times = st.get("p")
    assert ids.dtype == np.uint64 and times.dtype == np.float64
    assert ids.size == 150 and set(ids.tolist()) == {5}


def test_firing_rates_per_node_in_window():
    st = SpikeTrains({"p": ([0, 0, 0, 2, 2, 5], [10.0, 20.0, 600.0, 100.0, 499.9, 50.0])})
    rates = st.firing_rates("p", node_ids=[0, 1, 2, 5, 9], tstart=0.0, tstop=500.0)
    np.testing.assert_allclose(rates, [4.0, 0.0, 4.0, 2.0, 0.0])
    np.testing.assert_allclose(st.firing_rates("p", tstart=0.0, tstop=1000.0),
                               [3.0, 0.0, 2.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("path", ["point_120cells/inputs/thalamus_spikes.h5",
                                  "bio_14cells/inputs/lgn_spikes.h5",
                                  "bio_14cells/inputs/tw_spikes.h5"])
def test_reads_bmtk_fixture_spike_files(bmtk_examples, path):
    full = bmtk_examples / path
    st = SpikeTrains.from_sonata(full)
    with h5py.File(full, "r") as h5:
        (pop,) = h5["spikes"].keys()
        ids = h5["spikes"][pop]["node_ids"][()]
        times = h5["spikes"][pop]["timestamps"][()]
    assert st.populations == [pop]
    got_ids, got_times = st.get(pop)
    assert got_ids.dtype == np.uint64
    np.testing.assert_array_equal(got_ids, ids)
    np.testing.assert_array_equal(got_times, times)
    assert read_sorting(full) == {pop: SortOrder.none}  # bmtk's string attribute


def test_thalamus_fixture_contents(bmtk_examples):
    st = SpikeTrains.load(bmtk_examples / "point_120cells/inputs/thalamus_spikes.h5")
    assert st.n_spikes("thalamus") == 3024
    assert st.time_range()[1] <= 3000.0


def test_bmtk_style_file_int64_ids_and_string_sorting(tmp_path):
    path = tmp_path / "bmtk.h5"
    with h5py.File(path, "w") as h5:
        grp = h5.create_group("spikes/v1")
        grp.attrs["sorting"] = "by_time"
        grp.create_dataset("node_ids", data=np.array([2, 0], dtype=np.int64))
        grp.create_dataset("timestamps", data=[0.001, 0.002]).attrs["units"] = "s"
    st = SpikeTrains.from_sonata(path)
    assert st.get("v1")[0].dtype == np.uint64
    np.testing.assert_allclose(st.get("v1")[1], [1.0, 2.0])  # seconds become ms
    assert read_sorting(path) == {"v1": SortOrder.by_time}


def test_legacy_layout_takes_population_from_caller(tmp_path):
    path = tmp_path / "old.h5"
    with h5py.File(path, "w") as h5:
        h5.create_dataset("spikes/gids", data=np.array([1, 3, 1], dtype=np.uint32))
        h5.create_dataset("spikes/timestamps", data=[1.0, 2.0, 3.0])
    st = SpikeTrains.from_sonata(path, population="thalamus")
    assert st.populations == ["thalamus"]
    assert st.spikes_for("thalamus", 1).tolist() == [1.0, 3.0]
    assert SpikeTrains.from_sonata(path).populations == ["default"]


def test_population_filter(tmp_path, two_pops):
    path = two_pops.to_sonata(tmp_path / "s.h5")
    assert SpikeTrains.from_sonata(path, population="thalamus").populations == ["thalamus"]
    with pytest.raises(SonataError, match=r"s\.h5 has no population 'lgn'.*cortex.*thalamus"):
        SpikeTrains.from_sonata(path, population="lgn")


@pytest.mark.parametrize("content, sep", [("timestamps population node_ids\n1.5 lgn 3\n", " "),
                                          ("timestamps\tpopulation\tnode_ids\n1.5\tlgn\t3\n", "\t"),
                                          ("timestamps,population,node_ids\n1.5,lgn,3\n", ",")])
def test_csv_separators(tmp_path, content, sep):
    path = tmp_path / "s.csv"
    path.write_text(content)
    st = SpikeTrains.from_csv(path)
    assert st.spikes_for("lgn", 3).tolist() == [1.5]


def test_csv_variants_gid_column_and_no_population(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("gid timestamps\n3 1.5\n4 2.5\n")
    st = SpikeTrains.from_csv(path, population="lgn")
    assert st.populations == ["lgn"]
    assert st.node_ids("lgn").tolist() == [3, 4]
    path.write_text("timestamps node_id\r\n1.5 3\r\n")
    assert SpikeTrains.from_csv(path).spikes_for("default", 3).tolist() == [1.5]
    path.write_text("1.5 3\n2.5 4\n")  # header-less: timestamps node_ids
    assert SpikeTrains.from_csv(path, population="x").node_ids("x").tolist() == [3, 4]
    path.write_text("1.5 lgn 3\n")  # header-less with population
    assert SpikeTrains.from_csv(path).spikes_for("lgn", 3).tolist() == [1.5]


# ------------------------------------------------------------------ bad input
def test_non_hdf5_file_is_named(tmp_path):
    path = tmp_path / "spikes.h5"
    path.write_text("timestamps population node_ids\n")
    with pytest.raises(SonataError, match=r"spikes file .*spikes\.h5 is not an HDF5 file"):
        SpikeTrains.from_sonata(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(SonataError, match=r"spikes file .*nope\.h5 does not exist"):
        read_spikes(tmp_path / "nope.h5")
    with pytest.raises(SonataError, match=r"spikes CSV .*nope\.csv does not exist"):
        read_spikes(tmp_path / "nope.csv")


def test_file_without_spikes_group(tmp_path):
    path = tmp_path / "nodes.h5"
    with h5py.File(path, "w") as h5:
        h5.create_group("nodes")
    with pytest.raises(SonataError, match=r"nodes\.h5 has no /spikes group.*\['nodes'\]"):
        SpikeTrains.from_sonata(path)


def test_population_missing_dataset(tmp_path):
    path = tmp_path / "s.h5"
    with h5py.File(path, "w") as h5:
        h5.create_dataset("spikes/v1/timestamps", data=[1.0])
    with pytest.raises(SonataError, match=r"s\.h5, population 'v1' has no dataset node_ids"):
        SpikeTrains.from_sonata(path)


def test_length_mismatch_in_file(tmp_path):
    path = tmp_path / "s.h5"
    with h5py.File(path, "w") as h5:
        h5.create_dataset("spikes/v1/timestamps", data=[1.0, 2.0])
        h5.create_dataset("spikes/v1/node_ids", data=[1])
    with pytest.raises(SonataError, match=r"s\.h5, population 'v1'.*1 entries.*timestamps has 2"):
        SpikeTrains.from_sonata(path)


def test_length_mismatch_when_adding_or_writing(tmp_path):
    with pytest.raises(SonataError, match=r"population='v1'\): 2 node ids but 3 timestamps"):
        SpikeTrains().add_spikes("v1", [1, 2], [1.0, 2.0, 3.0])
    with pytest.raises(SonataError, match=r"out\.h5, population 'v1': 2 node ids but 1"):
        write_spikes_sonata(tmp_path / "out.h5", {"v1": ([1, 2], [1.0])})


def test_negative_node_ids_refused():
    with pytest.raises(SonataError, match="node ids must be >= 0"):
        SpikeTrains({"p": ([-1], [1.0])})


def test_csv_missing_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("time population cell\n1.0 lgn 3\n")
    with pytest.raises(SonataError, match=r"bad\.csv has no column node_ids.*\['time', "
                                          r"'population', 'cell'\]"):
        SpikeTrains.from_csv(path)


def test_csv_non_numeric_value(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("timestamps population node_ids\n1.0 lgn 3\nsoon lgn 4\n")
    with pytest.raises(SonataError, match=r"bad\.csv: column 'timestamps' has a non-numeric "
                                          r"value 'soon' on data row 2"):
        SpikeTrains.from_csv(path)


def test_unknown_population_and_sort_order(two_pops, tmp_path):
    with pytest.raises(SonataError, match=r"no population 'lgn'; populations: \['cortex', "):
        two_pops.get("lgn")
    assert two_pops.get("lgn", missing_ok=True)[0].size == 0
    with pytest.raises(SonataError, match="unknown spike sort order 'by_gid'"):
        two_pops.to_sonata(tmp_path / "s.h5", sort_order="by_gid")


def test_mode_x_never_overwrites(tmp_path, two_pops):
    path = two_pops.to_sonata(tmp_path / "s.h5")
    with pytest.raises(SonataError, match=r"s\.h5 already exists and would be overwritten"):
        two_pops.to_sonata(path, mode="x")
    with pytest.raises(SonataError, match=r"s\.csv already exists"):
        two_pops.to_csv(two_pops.to_csv(tmp_path / "s.csv"), mode="x")
    assert SpikeTrains.from_sonata(path) == two_pops


def test_csv_reader_refuses_binary_file(tmp_path, two_pops):
    h5_named_csv = tmp_path / "spikes.csv"
    h5_named_csv.write_bytes(two_pops.to_sonata(tmp_path / "s.h5").read_bytes())
    with pytest.raises(SonataError, match=r"spikes\.csv is not a text file \(is it HDF5\?"):
        SpikeTrains.load(h5_named_csv)


GATHER_SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from mpi4py import MPI
from bmtk_like.reports import SpikeTrains
comm = MPI.COMM_WORLD
rank = comm.Get_rank()
mine = SpikeTrains({{"p": ([rank, rank], [1.0 + rank, 2.0 + rank])}})
merged = mine.gather(comm)
if rank == 0:
    merged.to_sonata({out!r})
else:
    assert merged is None
"""


@pytest.mark.mpi
@pytest.mark.slow
def test_gather_across_two_mpi_ranks(tmp_path):
    """Run in a real 2-rank mpirun (not in this process, so MPI is never initialised here)."""
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        pytest.skip("mpirun not installed (make mpi installs Open MPI)")
    script = tmp_path / "gather.py"
    out = tmp_path / "gathered.h5"
    script.write_text(GATHER_SCRIPT.format(root=str(Path(__file__).resolve().parents[2]),
                                           out=str(out)))
    cmd = [mpirun, "-n", "2", "--oversubscribe", sys.executable, str(script)]
    if os.geteuid() == 0:
        cmd.insert(1, "--allow-run-as-root")
    # MPI state of this process (if another test initialised MPI) must not leak into mpirun
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_", "PMIX_", "PRTE_"))}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    ids, times = SpikeTrains.from_sonata(out).get("p")
    assert sorted(zip(ids.tolist(), times.tolist())) == [(0, 1.0), (0, 2.0), (1, 2.0), (1, 3.0)]


def test_trains_layout_per_node(two_pops):
    nodes, pointers, times = two_pops.trains("cortex")
    assert nodes.tolist() == [0, 1, 2, 3]
    assert pointers.tolist() == [0, 1, 3, 4, 5]
    assert times.tolist() == [9.25, 0.5, 1.0, 3.0, 5.0]
    two_pops.add_spikes("cortex", 1, [0.25])  # the cached layout follows new spikes
    assert two_pops.spikes_for("cortex", 1).tolist() == [0.25, 0.5, 1.0]
    empty = SpikeTrains().trains("nothing")
    assert [a.size for a in empty] == [0, 1, 0]


def test_stored_spikes_do_not_alias_caller_arrays():
    ids = np.array([1, 2], dtype=np.uint64)
    times = np.array([1.0, 2.0])
    st = SpikeTrains({"p": (ids, times)})
    ids[0], times[0] = 7, 99.0  # the caller reuses its buffers
    assert st.get("p")[0].tolist() == [1, 2] and st.get("p")[1].tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="read-only"):
        st.get("p")[1][0] = 5.0


def test_select_by_population_nodes_and_window(two_pops):
    assert two_pops.select(populations=["thalamus"]).populations == ["thalamus"]
    early = two_pops.select(tstart=0.5, tstop=5.0)
    assert sorted(early.get("cortex")[1].tolist()) == [0.5, 1.0, 3.0]
    assert early.get("thalamus")[1].tolist() == [2.0]
    some = two_pops.select(node_ids={"cortex": [1, 3]})
    assert sorted(some.get("cortex")[0].tolist()) == [1, 1, 3]
    assert some.n_spikes("thalamus") == 0  # population not listed: none of its nodes
    with pytest.raises(SonataError, match="no population 'lgn'"):
        two_pops.select(populations=["lgn"])


def test_append_population_to_existing_file(tmp_path, two_pops):
    path = two_pops.to_sonata(tmp_path / "s.h5")
    write_spikes_sonata(path, {"lgn": ([0, 1], [3.0, 4.0])}, mode="a")
    assert sorted(libsonata.SpikeReader(str(path)).get_population_names()) == [
        "cortex", "lgn", "thalamus"]
    with pytest.raises(SonataError, match=r"population 'lgn' already exists; write it once"):
        write_spikes_sonata(path, {"lgn": ([2], [5.0])}, mode="a")
    with pytest.raises(SonataError, match=r"mode 'r\+'; use 'w' \(replace\), 'a'"):
        write_spikes_sonata(path, {"x": ([2], [5.0])}, mode="r+")


def test_population_names_must_be_usable_group_names(tmp_path):
    with pytest.raises(SonataError, match=r"population name 'a/b' is not usable"):
        SpikeTrains().add_spikes("a/b", [0], [1.0])
    with pytest.raises(SonataError, match=r"out\.h5: population name '' is not usable"):
        write_spikes_sonata(tmp_path / "out.h5", {"": ([0], [1.0])})


def test_bmtk_style_poisson_generator_spells_out_its_time_unit(tmp_path):
    """BMTK's times= is seconds, ours times_ms= is ms: the same window either way; neither is an error."""
    from bmtk_like.reports import PoissonSpikeGenerator
    bmtk_way = PoissonSpikeGenerator(population="lgn", seed=3)
    bmtk_way.add(node_ids=range(50), firing_rate=20.0, times=(0.0, 3.0))
    ours = PoissonSpikeGenerator(population="lgn", seed=3)
    ours.add(node_ids=range(50), firing_rate=20.0, times_ms=(0.0, 3000.0))
    ids, times = ours.get("lgn")
    np.testing.assert_array_equal(times, bmtk_way.get("lgn")[1])
    assert times.max() < 3000.0 and abs(times.size - 50 * 20 * 3) < 5 * np.sqrt(3000)
    ramp = PoissonSpikeGenerator(population="lgn", seed=3)
    ramp.add(range(200), firing_rate=[0.0, 0.0, 40.0], times_ms=[0.0, 500.0, 1000.0])   # inhomogeneous
    _, t = ramp.get("lgn")
    assert t.size > 1000 and t.min() > 500.0
    two_points = PoissonSpikeGenerator(seed=3)               # BMTK: a list is always a time-varying rate
    two_points.add(range(2), firing_rate=[0.0, 200.0], population="lgn", times=(0.0, 3.0))
    _, t = two_points.get("lgn")
    assert np.mean(t > 1500.0) > 0.65                       # rising rate: 3/4 of the spikes in the 2nd half
    default = PoissonSpikeGenerator(population="lgn", seed=3)
    default.add(range(100), 10.0)                            # BMTK's default window (0, 1) s
    _, t = default.get("lgn")
    assert t.max() < 1000.0 and abs(t.size - 1000) < 150
    ours.to_sonata(tmp_path / "lgn.h5")
    assert SpikeTrains.from_sonata(tmp_path / "lgn.h5").n_spikes("lgn") == times.size
    with pytest.raises(SonataError, match=r"give times \(seconds, BMTK's keyword\) or times_ms \(ms\), not both"):
        ours.add(range(3), 5.0, times=(0, 1), times_ms=(0, 1000))
    with pytest.raises(SonataError, match=r"needs one value per time point; got 3 rates for 2 times"):
        ours.add(range(3), [1.0, 2.0, 3.0], times=(0, 1))
