"""Reducing the five Allen cell types of BMTK's bio_14cells: f-I at 2x rheobase, cache, runnable copy."""
from __future__ import annotations

import json

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.neuron, pytest.mark.nest]


@pytest.fixture(scope="module")
def reduced(tmp_path_factory, bmtk_examples):
    import shutil
    import simulators.reduction.reduce as red
    root = tmp_path_factory.mktemp("bio14")
    shutil.copytree(bmtk_examples / "bio_14cells", root / "bio_14cells")
    shutil.copytree(bmtk_examples / "bio_components", root / "bio_components")
    cache = root / "cache"
    original = red.cache_dir
    red.cache_dir = lambda: cache
    try:
        first = red.reduce_circuit(root / "bio_14cells" / "config.simulation.json", root / "reduced", workers=2)
        second = red.reduce_circuit(root / "bio_14cells" / "config.simulation.json", root / "reduced2", workers=2)
    finally:
        red.cache_dir = original
    return first, second


def test_report_has_one_row_per_biophysical_type(reduced):
    first, _ = reduced
    report = pd.read_csv(first.report_path)
    assert sorted(report["pop_name"]) == ["Nr5a1", "PV1", "PV2", "Rorb", "Scnn1a"]
    for column in ("node_type_id", "rheobase_nA", "rate_cell_1.5x", "rate_point_1.5x", "rate_cell_2x",
                   "rate_point_2x", "rate_cell_3x", "rate_point_3x", "tau_m", "V_th", "tau_syn_ex"):
        assert column in report.columns
    assert (first.out_dir / "fI_curves.png").stat().st_size > 1000


def test_point_rate_within_10_percent_at_twice_rheobase(reduced):
    report = pd.read_csv(reduced[0].report_path).set_index("pop_name")
    firing = report[report["rate_cell_2x"] > 0]
    assert (abs(firing["rate_point_2x"] - firing["rate_cell_2x"]) <= 0.10 * firing["rate_cell_2x"]).all(), firing
    # PV2 (Allen 473862421) is in depolarisation block at 2x rheobase (its spikes fail to reach the
    # -15 mV detection threshold from 1.75x): a LIF cannot follow, the report shows it
    assert report.loc["PV2", "rate_cell_2x"] == 0.0 and report.loc["PV2", "rate_cell_1.5x"] > 50.0


def test_rerun_is_served_from_the_cache(reduced):
    first, second = reduced
    assert second.timings["measure"] < 1.0
    assert pd.read_csv(first.report_path).equals(pd.read_csv(second.report_path))


def test_reduced_copy_runs_on_nest_and_popnet(reduced):
    import simulators
    config = reduced[0].config_path
    data = json.loads(config.read_text())
    assert data["target_simulator"] == "NEST"
    nest_run = simulators.run(str(config), tstop=500.0)
    assert nest_run.spikes.n_spikes() > 0
    pop_run = simulators.run(str(config), simulator="popnet", tstop=500.0)
    assert {"Scnn1a", "PV1", "LIF_exc"} <= set(pop_run.rates)
