"""Population rate files (HDF5, CSV, bmtk popnet text) and the Poisson generators."""
from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest

from bmtk_like.errors import SonataError
from bmtk_like.reports import (inhomogeneous_poisson_spike_trains, poisson_spike_trains,
                               read_rates, write_rates)

RATES = {"exc": (np.arange(0.0, 50.0, 0.5), np.linspace(1.0, 5.0, 100)),
         "inh": (np.arange(0.0, 50.0, 0.5), np.linspace(3.0, 9.0, 100) ** 0.5)}


@pytest.mark.parametrize("name", ["rates.h5", "rates.csv", "rates.txt"])
def test_rates_round_trip_exactly(tmp_path, name):
    back = read_rates(write_rates(tmp_path / name, RATES))
    assert list(back) == ["exc", "inh"]
    for pop, (times, rates) in RATES.items():
        np.testing.assert_allclose(back[pop][0], times, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(back[pop][1], rates)


def test_rates_layouts(tmp_path):
    with h5py.File(write_rates(tmp_path / "r.h5", RATES), "r") as h5:
        assert h5["rates/exc/times"].attrs["units"] == "ms"
        assert h5["rates/exc/rates"].attrs["units"] == "Hz"
    csv_lines = write_rates(tmp_path / "r.csv", RATES).read_text().splitlines()
    assert csv_lines[0] == "population,time_ms,rate_hz"
    assert csv_lines[2] == "exc,0.5," + repr(float(RATES["exc"][1][1]))
    table = pd.read_csv(tmp_path / "r.csv")                   # no options needed
    assert list(table.columns) == ["population", "time_ms", "rate_hz"]
    np.testing.assert_array_equal(table[table.population == "exc"].rate_hz, RATES["exc"][1])
    txt_lines = write_rates(tmp_path / "r.txt", RATES).read_text().splitlines()
    assert txt_lines[1].split()[:2] == ["exc", "0.0005"]  # popnet text: seconds, no header


def test_reads_bmtk_popnet_text_in_seconds(tmp_path):
    path = tmp_path / "spike_rates.txt"
    path.write_text("100 0.0 0.0\n100 0.001 2.5\n101 0.0 0.0\n101 0.001 7.0\n")
    rates = read_rates(path)
    assert list(rates) == ["100", "101"]
    np.testing.assert_allclose(rates["101"][0], [0.0, 1.0])
    np.testing.assert_allclose(rates["101"][1], [0.0, 7.0])
    np.testing.assert_allclose(read_rates(path, time_units="ms")["100"][0], [0.0, 0.001])


def test_rates_errors(tmp_path):
    with pytest.raises(SonataError, match=r"r\.csv, population 'exc': 3 times but 2 rates"):
        write_rates(tmp_path / "r.csv", {"exc": ([0, 1, 2], [1, 2])})
    with pytest.raises(SonataError, match=r"r\.json: cannot tell the format"):
        write_rates(tmp_path / "r.json", RATES)
    bad = tmp_path / "bad.csv"
    bad.write_text("population when rate_hz\nexc 1 2\n")
    with pytest.raises(SonataError, match=r"bad\.csv has columns \['population', 'when', "
                                          r"'rate_hz'\]; it needs"):
        read_rates(bad)
    nonnum = tmp_path / "nonnum.csv"
    nonnum.write_text("population time_ms rate_hz\nexc 1 fast\n")
    with pytest.raises(SonataError, match=r"nonnum\.csv: non-numeric value 'fast'"):
        read_rates(nonnum)
    spikes_h5 = tmp_path / "s.h5"
    with h5py.File(spikes_h5, "w") as h5:
        h5.create_group("spikes")
    with pytest.raises(SonataError, match=r"s\.h5 has no /rates group"):
        read_rates(spikes_h5)


# ------------------------------------------------------------------ Poisson
def test_poisson_counts_and_window():
    nodes = np.arange(2000)
    st = poisson_spike_trains(nodes, 20.0, tstart_ms=500.0, tstop_ms=1500.0, population="bg",
                              seed=7)
    ids, times = st.get("bg")
    assert st.populations == ["bg"]
    assert times.min() >= 500.0 and times.max() < 1500.0
    # 2000 nodes x 20 Hz x 1 s = 40000 expected spikes; Poisson sd = 200
    assert abs(ids.size - 40000) < 1000
    order = np.lexsort((times, ids))
    assert np.array_equal(order, np.arange(ids.size))  # sorted by node, then time
    # Poisson counts: variance equals mean (Fano factor 1; its sd here is ~0.03)
    counts = np.bincount(ids.astype(np.int64), minlength=2000)
    assert abs(counts.var() / counts.mean() - 1.0) < 0.1
    # times uniform over the window: each 100 ms bin holds a tenth (sd 0.0015; 4 sd allowed)
    per_bin = np.histogram(times, bins=10, range=(500.0, 1500.0))[0] / ids.size
    np.testing.assert_allclose(per_bin, 0.1, atol=0.006)


def test_poisson_per_node_rates_and_seed():
    rates = np.array([0.0, 10.0, 100.0])
    a = poisson_spike_trains([7, 8, 9], rates, 0.0, 10000.0, "p", seed=1)
    b = poisson_spike_trains([7, 8, 9], rates, 0.0, 10000.0, "p", seed=1)
    c = poisson_spike_trains([7, 8, 9], rates, 0.0, 10000.0, "p", seed=2)
    assert a == b and a != c
    per_node = a.firing_rates("p", [7, 8, 9], 0.0, 10000.0)
    assert per_node[0] == 0.0
    assert abs(per_node[1] - 10.0) < 2.0 and abs(per_node[2] - 100.0) < 6.0


def test_poisson_unsorted_and_repeated_node_ids():
    st = poisson_spike_trains([5, 1, 3], [0.0, 50.0, 0.0], 0.0, 1000.0, "p", seed=0)
    assert set(st.node_ids("p").tolist()) == {1}  # each rate stays with its node
    twice = poisson_spike_trains([2, 0, 2], 30.0, 0.0, 1000.0, "p", seed=0)
    ids, times = twice.get("p")
    assert np.array_equal(np.lexsort((times, ids)), np.arange(ids.size))
    assert twice.spikes_for("p", 2).size > twice.spikes_for("p", 0).size  # two trains merged


def test_poisson_bad_arguments():
    with pytest.raises(SonataError, match=r"rate_hz has shape \(2,\); give one rate or one per "
                                          r"node \(3 nodes\)"):
        poisson_spike_trains([0, 1, 2], [1.0, 2.0], 0.0, 100.0, "p", seed=0)
    with pytest.raises(SonataError, match=r"tstart_ms <= tstop_ms, got \[100.0, 0.0\]"):
        poisson_spike_trains([0], 5.0, 100.0, 0.0, "p", seed=0)
    with pytest.raises(SonataError, match="rates must be finite and >= 0 Hz"):
        poisson_spike_trains([0], -5.0, 0.0, 100.0, "p", seed=0)


def test_inhomogeneous_ramp_follows_rate():
    st = inhomogeneous_poisson_spike_trains(np.arange(4000), [0.0, 40.0], [0.0, 1000.0],
                                            population="ramp", seed=3)
    _, times = st.get("ramp")
    counts, _ = np.histogram(times, bins=4, range=(0.0, 1000.0))
    observed = counts / 4000 / 0.25  # Hz in each quarter
    np.testing.assert_allclose(observed, [5.0, 15.0, 25.0, 35.0], rtol=0.05)


def test_inhomogeneous_per_node_rows_and_function():
    rates = np.array([[0.0, 0.0], [50.0, 50.0]])
    st = inhomogeneous_poisson_spike_trains([0, 1], rates, [0.0, 2000.0], population="p", seed=0)
    assert st.spikes_for("p", 0).size == 0
    assert abs(st.spikes_for("p", 1).size - 100) < 35
    nodes = np.arange(1000)
    fn = inhomogeneous_poisson_spike_trains(nodes, lambda t: np.where(t < 500.0, 0.0, 30.0),
                                            population="p", seed=0, tstart_ms=0.0,
                                            tstop_ms=1000.0, max_rate_hz=30.0)
    _, times = fn.get("p")
    assert times.min() >= 500.0
    assert abs(times.size - 15000) < 600
    with pytest.raises(SonataError, match="raise max_rate_hz"):
        inhomogeneous_poisson_spike_trains(nodes, lambda t: 50.0 + 0 * t, population="p",
                                           seed=0, tstart_ms=0.0, tstop_ms=100.0,
                                           max_rate_hz=30.0)
