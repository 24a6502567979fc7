"""`bmtk-like compare` / `compare_levels` and `bmtk-like plot` on output folders."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmtk_like.analysis import compare_levels
from bmtk_like.cli import main
from bmtk_like.errors import SonataError
from bmtk_like.reports import SpikeTrains, write_rates
from tests.cli.circuits import build_ei, write_config

needs_nest = pytest.mark.skipif(importlib.util.find_spec("nest") is None, reason="needs NEST")


@pytest.fixture(scope="module")
def ei(tmp_path_factory) -> Path:
    return write_config(build_ei(tmp_path_factory.mktemp("ei")))


def _fake_run(folder: Path, config: Path, backend: str, spikes_per_cell: dict | None = None,
              rates_hz: dict | None = None, tstop: float = 300.0) -> Path:
    """An output folder as a run leaves it: spikes (cortex E = ids 0-79, I = 80-99) or rates + run_info."""
    folder.mkdir(parents=True)
    files = {}
    if spikes_per_cell is not None:
        ids = np.concatenate([np.repeat(np.arange(80), spikes_per_cell["E"]),
                              np.repeat(np.arange(80, 100), spikes_per_cell["I"])])
        times = np.linspace(1.0, tstop - 1.0, ids.size)
        SpikeTrains({"cortex": (ids, times)}).to_sonata(folder / "spikes.h5")
        files["spikes_h5"] = "spikes.h5"
    if rates_hz is not None:
        t = np.arange(0.0, tstop, 0.1)
        write_rates(folder / "population_rates.csv", {k: (t, np.full(t.size, v)) for k, v in rates_hz.items()})
        files["rates_csv"] = "population_rates.csv"
    (folder / "run_info.json").write_text(json.dumps({"config": str(config), "backend": backend, "files": files,
                                                      "tstart_ms": 0.0, "tstop_ms": tstop}))
    return folder


def test_compare_levels_counts_spikes_per_group_and_flags_beyond_tolerance(ei, tmp_path, capsys):
    a = _fake_run(tmp_path / "a", ei, "NEST", spikes_per_cell={"E": 3, "I": 6})       # 10 Hz, 20 Hz over 0.3 s
    b = _fake_run(tmp_path / "b", ei, "popnet", rates_hz={"E": 11.0, "I": 30.0, "tON": 10.0})
    table = compare_levels([a, b], tolerance=0.2)
    assert list(table.index) == ["E", "I"] and list(table.cells) == [80, 20]          # virtual tON left out
    np.testing.assert_allclose(table["rate_NEST"], [10.0, 20.0])
    np.testing.assert_allclose(table["rate_popnet"], [11.0, 30.0])
    np.testing.assert_allclose(table["rel_diff_popnet"], [0.1, 0.5])
    assert list(table.ok) == [True, False] and table.attrs["passed"] is False
    assert main(["compare", str(a), str(b), "--tolerance", "0.2"]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS" in out and "1 group(s) differ by more than 20% from NEST: I" in out
    assert main(["compare", str(a), str(b), "--tolerance", "0.6", "--plot", str(tmp_path / "c.png"),
                 "--csv", str(tmp_path / "c.csv")]) == 0
    assert (tmp_path / "c.png").stat().st_size > 5000
    assert list(pd.read_csv(tmp_path / "c.csv").group) == ["E", "I"]
    # a window halves the counted time: first-half spikes only
    half = compare_levels([a, a], labels=["x", "y"], window=(0.0, 150.0))
    assert half["rate_x"]["E"] == pytest.approx(
        np.count_nonzero(np.linspace(1.0, 299.0, 80 * 3 + 20 * 6)[:240] < 150.0) / 80 / 0.15)


def test_compare_ignores_groups_below_1hz_and_names_missing_config(ei, tmp_path):
    a = _fake_run(tmp_path / "a", ei, "NEST", spikes_per_cell={"E": 0, "I": 6})
    b = _fake_run(tmp_path / "b", ei, "NEURON", spikes_per_cell={"E": 1, "I": 6})
    assert compare_levels([a, b], tolerance=0.01).attrs["passed"]                   # E silent in the first
    (tmp_path / "bmtk").mkdir()
    SpikeTrains({"cortex": (np.array([0]), np.array([1.0]))}).to_sonata(tmp_path / "bmtk" / "spikes.h5")
    with pytest.raises(SonataError, match="--config"):
        compare_levels([tmp_path / "bmtk", a])
    assert compare_levels([tmp_path / "bmtk", a], config=ei, window=(0, 300)).loc["E", "rate_bmtk"] == \
        pytest.approx(1 / 80 / 0.3)
    assert main(["compare", str(a), str(tmp_path / "nowhere")]) == 2


@needs_nest
def test_nest_and_popnet_runs_of_one_circuit_agree_and_plot(ei, capsys):
    assert main(["run", str(ei), "--quiet"]) == 0
    assert main(["run", str(ei), "--simulator", "popnet", "--quiet"]) == 0
    out_nest, out_pop = ei.parent / "output", ei.parent / "output_popnet"
    assert main(["compare", str(out_nest), str(out_pop), "--window", "100", "300", "--tolerance", "0.25"]) == 0
    assert "rate_NEST" in capsys.readouterr().out
    assert list(pd.read_csv(out_pop / "population_rates.csv").columns) == ["population", "time_ms", "rate_hz"]
    for kind, folder in (("raster", out_nest), ("rates", out_nest), ("rates", out_pop)):
        assert main(["plot", kind, str(folder), "--group-by", "ei"]) == 0
    assert (out_nest / "raster.png").stat().st_size > 10000 and (out_pop / "rates.png").is_file()
    assert main(["plot", "raster", str(out_pop)]) == 2            # density level: no spikes, says use rates
    assert "not spikes" in capsys.readouterr().err
