"""bmtk_like.analysis: rates of synthetic spikes, run comparison, PNG plots."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from bmtk_like.analysis import (compare_rates, mean_rates, plot_raster, plot_rates, plot_traces,
                                population_rates)
from bmtk_like.errors import SonataError
from bmtk_like.reports import SpikeTrains, write_compartment_report, write_rates


@pytest.fixture
def regular_spikes() -> SpikeTrains:
    """exc: nodes 0..9 fire every 100 ms (10 Hz) over 1 s; inh: nodes 0..4 every 25 ms (40 Hz)."""
    exc_t = np.tile(np.arange(0.0, 1000.0, 100.0) + 5.0, 10)
    exc_id = np.repeat(np.arange(10), 10)
    inh_t = np.tile(np.arange(0.0, 1000.0, 25.0) + 1.0, 5)
    inh_id = np.repeat(np.arange(5), 40)
    return SpikeTrains({"exc": (exc_id, exc_t), "inh": (inh_id, inh_t)})


def assert_png(path, min_width=300):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[1] >= min_width
    assert image[..., :3].std() > 0.01  # something was drawn, not a blank canvas


def test_mean_rates_per_population(regular_spikes):
    rates = population_rates(regular_spikes, 0.0, 1000.0, {"exc": 10, "inh": 5})
    assert rates == pytest.approx({"exc": 10.0, "inh": 40.0})
    # 20 exc nodes of which 10 are silent: the mean halves
    assert population_rates(regular_spikes, 0.0, 1000.0, {"exc": 20})["exc"] == \
        pytest.approx(5.0)
    # without sizes, rates are over the nodes that fired
    assert population_rates(regular_spikes, 0.0, 1000.0) == pytest.approx(
        {"exc": 10.0, "inh": 40.0})


def test_window_and_node_set_groups(regular_spikes):
    # [0, 500): exc spikes at 5,105,...,405 -> 5 per node in 0.5 s
    assert population_rates(regular_spikes, 0.0, 500.0, {"exc": 10})["exc"] == \
        pytest.approx(10.0)
    groups = {"first_exc": {"exc": [0, 1]}, "mixed": {"exc": [0], "inh": [0, 1, 2]},
              "inh_ids": np.array([3, 4])}
    rates = population_rates(regular_spikes, 0.0, 1000.0, groups)
    assert rates["first_exc"] == pytest.approx(10.0)
    assert rates["mixed"] == pytest.approx((10 + 3 * 40) / 4)
    with pytest.raises(SonataError, match="window"):
        population_rates(regular_spikes, 10.0, 10.0)


def test_binned_rates(regular_spikes):
    binned = population_rates(regular_spikes, 0.0, 1000.0, {"exc": 10, "inh": 5}, bin_ms=100.0)
    centres, exc = binned["exc"]
    np.testing.assert_allclose(centres, np.arange(50.0, 1000.0, 100.0))
    np.testing.assert_allclose(exc, 10.0)  # one spike per node per 100 ms bin
    np.testing.assert_allclose(binned["inh"][1], 40.0)
    uneven = population_rates(regular_spikes, 0.0, 250.0, {"exc": 10}, bin_ms=100.0)
    np.testing.assert_allclose(uneven["exc"][0], [50.0, 150.0, 225.0])
    np.testing.assert_allclose(uneven["exc"][1], [10.0, 10.0, 20.0])  # 1 spike in 50 ms
    edge = population_rates(SpikeTrains({"p": ([0, 0], [0.0, 100.0])}), 0.0, 100.0, {"p": 1},
                            bin_ms=50.0)
    np.testing.assert_allclose(edge["p"][1], [20.0, 0.0])  # a spike at tstop is outside


def test_rates_from_files_and_dataframes(tmp_path, regular_spikes):
    h5 = regular_spikes.to_sonata(tmp_path / "spikes.h5")
    csv = regular_spikes.to_csv(tmp_path / "spikes.csv")
    expected = {"exc": 10.0, "inh": 40.0}
    for source in (h5, str(csv), regular_spikes.to_dataframe()):
        assert population_rates(source, 0.0, 1000.0, {"exc": 10, "inh": 5}) == \
            pytest.approx(expected)


@dataclass
class FakeResult:
    """The fields of simulators.core.results.SimulationResult that analysis reads."""

    spikes: Optional[SpikeTrains] = None
    rates: Optional[dict] = None


def test_compare_rates_spikes_against_popnet_rates(regular_spikes, tmp_path):
    times = np.arange(0.0, 1000.0, 1.0)
    popnet = {"exc": (times, np.full(times.size, 11.0)), "inh": (times, np.full(times.size, 36.0))}
    table = compare_rates(FakeResult(spikes=regular_spikes), FakeResult(rates=popnet),
                          labels=("nest", "popnet"), groups={"exc": 10, "inh": 5},
                          tstart_ms=0.0, tstop_ms=1000.0, rel_tol=0.05)
    assert list(table.columns) == ["rate_nest", "rate_popnet", "diff_hz", "rel_diff",
                                   "within_tol"]
    assert table.loc["exc", "rate_nest"] == pytest.approx(10.0)
    assert table.loc["exc", "rate_popnet"] == pytest.approx(11.0)
    assert table.loc["exc", "rel_diff"] == pytest.approx(0.1)
    assert table.loc["inh", "diff_hz"] == pytest.approx(-4.0)
    assert table["within_tol"].tolist() == [False, False]
    # the same through files: a spikes file against a popnet rates text file
    from_files = compare_rates(regular_spikes.to_sonata(tmp_path / "s.h5"),
                               write_rates(tmp_path / "rates.txt", popnet),
                               groups={"exc": 10, "inh": 5}, tstop_ms=1000.0)
    pd.testing.assert_series_equal(from_files["rel_diff"], table["rel_diff"])


def test_compare_rates_window_and_missing_groups():
    times = np.arange(0.0, 100.0, 1.0)
    a = {"exc": (times, np.where(times < 50, 0.0, 20.0)), "bg": 3.0}
    b = {"exc": 10.0}
    table = compare_rates(a, b, tstart_ms=50.0)
    assert table.loc["exc", "rate_a"] == pytest.approx(20.0)
    assert table.loc["exc", "rel_diff"] == pytest.approx(-0.5)
    assert np.isnan(table.loc["bg", "rate_b"])
    assert mean_rates({"x": 0.0}) == {"x": 0.0}
    assert compare_rates({"x": 0.0}, {"x": 0.0}).loc["x", "rel_diff"] == 0.0
    with pytest.raises(SonataError, match=r"rates of 'exc': 3 times but 2 rates"):
        mean_rates({"exc": ([0.0, 1.0, 2.0], [5.0, 6.0])})
    with pytest.raises(SonataError, match="need tstop_ms"):
        compare_rates(SpikeTrains({"p": ([0], [1.0])}), {"p": 1.0})


def test_plot_raster_writes_png(tmp_path, regular_spikes):
    out = plot_raster(regular_spikes, tmp_path / "figs" / "raster.png", title="two pops",
                      groups={"exc": 10, "inh": 5})
    assert out == tmp_path / "figs" / "raster.png"
    assert_png(out)


def test_plot_raster_from_fixture_file_and_node_sets(tmp_path, bmtk_examples):
    path = bmtk_examples / "point_120cells/inputs/thalamus_spikes.h5"
    assert_png(plot_raster(path, tmp_path / "thalamus.png"))
    st = SpikeTrains.load(path)
    ids = st.node_ids("thalamus")
    node_sets = {"low": {"thalamus": ids[ids < 50]}, "high": {"thalamus": ids[ids >= 50]}}
    assert_png(plot_raster(st, tmp_path / "sets.png", groups=node_sets, tstop_ms=3000.0,
                           bin_ms=50.0))


def test_plot_raster_empty_and_population_filter(tmp_path, regular_spikes):
    assert_png(plot_raster(SpikeTrains(), tmp_path / "empty.png", tstop_ms=100.0))
    assert_png(plot_raster(regular_spikes, tmp_path / "inh.png", populations=["inh"]))
    with pytest.raises(SonataError, match=r"raster\.jpg must end in \.png"):
        plot_raster(regular_spikes, tmp_path / "raster.jpg")


def test_plot_rates(tmp_path):
    times = np.arange(0.0, 500.0, 1.0)
    rates = {"exc": (times, 5 + np.sin(times / 50)), "inh": (times, 12 + np.cos(times / 30))}
    assert_png(plot_rates(rates, tmp_path / "rates.png"))
    assert_png(plot_rates(write_rates(tmp_path / "rates.h5", rates), tmp_path / "from_file.png"))
    assert_png(plot_rates(FakeResult(rates=rates), tmp_path / "result.png", populations=["exc"]))
    with pytest.raises(SonataError, match=r"no rates for population 'lgn'; available: "
                                          r"\['exc', 'inh'\]"):
        plot_rates(rates, tmp_path / "x.png", populations=["lgn"])


def test_plot_traces(tmp_path):
    rng = np.random.default_rng(0)
    path = write_compartment_report(tmp_path / "v.h5", "cortex", np.arange(12), None, None, None,
                                    -65 + np.cumsum(rng.normal(size=(200, 12)), axis=0),
                                    0.0, 20.0, 0.1)
    write_compartment_report(path, "lgn", [3, 4], None, None, None, np.zeros((200, 2)),
                             0.0, 20.0, 0.1, mode="a")
    assert_png(plot_traces(path, tmp_path / "traces.png"))
    assert_png(plot_traces(path, tmp_path / "one.png", node_ids=[4], population="lgn"))
    with pytest.raises(SonataError, match="has no node 99"):
        plot_traces(path, tmp_path / "bad.png", node_ids=[99], population="cortex")
