"""BMTK's point_120cells example configs, run unchanged, and against raw PyNEST."""
import json
import re
import shutil

import h5py
import numpy as np
import pandas as pd
import pytest

import simulators
from bmtk_like.errors import BmtkLikeError, ConfigError
from bmtk_like.reports import CompartmentReport, SpikeTrains
from simulators import pointnet


def raw_pynest_point_120cells(folder, tstop):
    """The point_120cells network built and run with plain PyNEST bulk calls (the reference)."""
    import nest

    net, comps = folder / "network", folder.parent / "point_components"
    nest.ResetKernel()
    nest.set(resolution=0.001, local_num_threads=1)
    with h5py.File(net / "cortex_nodes.h5") as h5:
        type_ids = h5["nodes/cortex/node_type_id"][()]
    node_types = pd.read_csv(net / "cortex_node_types.csv", sep=" ").set_index("node_type_id")
    gid = np.zeros(type_ids.size, dtype=np.int64)
    for tid in np.unique(type_ids):
        members = np.flatnonzero(type_ids == tid)
        params = json.loads((comps / "cell_models" / node_types.loc[tid, "dynamics_params"]).read_text())
        cells = nest.Create(node_types.loc[tid, "model_template"].split(":")[1], members.size, params=params)
        gid[members] = cells.tolist()
    with h5py.File(folder / "inputs" / "thalamus_spikes.h5") as h5:
        in_ids = h5["spikes/thalamus/node_ids"][()]
        in_times = h5["spikes/thalamus/timestamps"][()]
    gens = nest.Create("spike_generator", 100, params={"allow_offgrid_times": True})
    gens.set([{"spike_times": np.sort(in_times[in_ids == i])} for i in range(100)])
    gen_gid = np.asarray(gens.tolist())
    for stem, src_map in (("cortex_cortex", gid), ("thalamus_cortex", gen_gid)):
        etypes = pd.read_csv(net / f"{stem}_edge_types.csv", sep=" ").set_index("edge_type_id")
        with h5py.File(net / f"{stem}_edges.h5") as h5:
            grp = h5["edges"][list(h5["edges"])[0]]
            src, tgt = grp["source_node_id"][()], grp["target_node_id"][()]
            etype, nsyns = grp["edge_type_id"][()], grp["0/nsyns"][()]
        for tid in np.unique(etype):
            sel = np.flatnonzero(etype == tid)
            nest.Connect(src_map[src[sel]], gid[tgt[sel]], "one_to_one",
                         {"synapse_model": "static_synapse",
                          "weight": etypes.loc[tid, "syn_weight"] * nsyns[sel].astype(float),
                          "delay": np.full(sel.size, float(etypes.loc[tid, "delay"]))})
    rec = nest.Create("spike_recorder")
    nest.Connect(nest.NodeCollection(sorted(gid.tolist())), rec)
    nest.Simulate(tstop)
    ev = rec.get("events")
    lookup = {g: i for i, g in enumerate(gid)}
    return SpikeTrains({"cortex": ([lookup[s] for s in ev["senders"]], ev["times"])})


def test_matches_raw_pynest_reference(point_example):
    ours = simulators.run(point_example / "config.simulation.json", tstop=1000.0).spikes
    reference = raw_pynest_point_120cells(point_example, 1000.0)
    assert ours.n_spikes("cortex") > 100
    assert ours == reference


@pytest.mark.slow
def test_default_config_runs_unchanged(point_example):
    conf = pointnet.Config.from_json(str(point_example / "config.simulation.json"))
    result = pointnet.PointSimulator.from_config(conf, pointnet.PointNetwork.from_config(conf)).run()
    rates = result.spikes.firing_rates("cortex")
    assert 0.5 < float(np.mean(rates)) < 30.0
    ids, _ = result.spikes.get("cortex")
    assert np.unique(ids).size > 60
    report = CompartmentReport.load(point_example / "output" / "membrane_potential.h5")["cortex"]
    assert report.data().shape == (3_000_000, 5) and not np.isnan(report.data()[-1]).any()
    assert SpikeTrains.from_csv(point_example / "output" / "spikes.csv") == result.spikes


def _steady_v(report_path, t_ms):
    report = CompartmentReport.load(report_path)["cortex"]
    return report.data()[np.searchsorted(report.times, t_ms)]


@pytest.mark.parametrize("name,windows", [
    ("config.simulation_iclamp.json", [(999.0, 0.15), (1999.0, 0.175), (2999.0, 0.2), (3999.0, 0.0)]),
    ("config.simulation_iclamp.aslist.json", [(999.0, 0.15), (1999.0, 0.175), (2999.0, 0.2)]),
    ("config.simulation_iclamp.csv.json", [(1299.0, 0.15), (2299.0, 0.175), (3299.0, 0.2), (1799.0, 0.0)]),
])
def test_current_clamp_configs_run_unchanged(point_example, name, windows, caplog):
    """NEST default iaf_psc_delta (E_L -70 mV, tau_m 10 ms, C_m 250 pF): steady V = E_L + I*R.
    These NEST configs' amps are pA, as bmtk's pointnet hands them to NEST: 0.15 pA moves V by
    0.006 mV (bmtk 1.2.0 gives the same traces, tests/compat)."""
    with caplog.at_level("INFO", logger="bmtk_like.simulation"):
        result = simulators.run(point_example / name)
    assert "amp read as pA because the config's target_simulator is NEST" in caplog.text
    for t_ms, amp_pa in windows:
        v = _steady_v(result.files["membrane_potential"], t_ms)
        assert np.allclose(v, -70.0 + amp_pa * 10.0 / 250.0, atol=1e-4)
    assert result.spikes.n_spikes("cortex") == 0


def test_current_clamp_amp_units_override(point_example):
    """An explicit "amp_units": "nA" wins over the NEST target: 0.15 nA = 150 pA, +6 mV."""
    path = point_example / "config.simulation_iclamp.aslist.json"
    data = json.loads(path.read_text())
    data["inputs"]["current_clamp_1"]["amp_units"] = "nA"
    path.write_text(json.dumps(data))
    result = simulators.run(path, tstop=1000.0)
    assert np.allclose(_steady_v(result.files["membrane_potential"], 999.0), -70.0 + 150.0 * 10.0 / 250.0,
                       atol=0.05)


def test_nwb_clamp_config_is_a_clear_error(point_example):
    with pytest.raises(BmtkLikeError, match=r"483111427_ephys.nwb|NWB"):
        simulators.run(point_example / "config.simulation_iclamp.nwb.json")


def test_perturbation_config(point_example, caplog):
    """BMTK's perturbation config (+-230 pA clamps, as bmtk's pointnet reads them): 20 cells excited,
    10 silenced, the rest near their unperturbed rates."""
    with pytest.raises(ConfigError, match="thalamus_spikes.csv"):
        simulators.run(point_example / "config.simulation_perturbations.json")
    # with the CSV it expects (BMTK's layout, written from the h5 input) it runs unchanged
    SpikeTrains.from_sonata(point_example / "inputs" / "thalamus_spikes.h5").to_csv(
        point_example / "thalamus_spikes.csv")
    with caplog.at_level("INFO", logger="bmtk_like.simulation"):
        result = simulators.run(point_example / "config.simulation_perturbations.json", tstop=1000.0)
    assert re.search(r"'exc_perturbation' \(IClamp\): amp read as pA because the config's "
                     r"target_simulator is NEST", caplog.text)
    ids, _ = result.spikes.get("cortex")
    rates = np.bincount(ids, minlength=120) / 1.0               # Hz over 1 s
    rest = np.r_[rates[:20], rates[50:]]
    assert rates[20:40].mean() > 2 * rest.mean() > 0
    assert rates[40:50].mean() < 0.5 * rest.mean()
    assert rest.mean() < 30.0
