"""bmtk's NEURON-only inputs: spontaneous synaptic activity (``syn_activity``) and ``replay``."""
from __future__ import annotations

import json

import h5py
import numpy as np

from bmtk_like.reports import SpikeTrains
from bmtk_like.sonata import write_edges, write_types_csv
from tests.bionet.circuits import PVALB, SCNN1A, run, write_circuit

EXC = dict(edge_type_id=7, model_template="Exp2Syn", dynamics_params="AMPA_ExcToExc.json", delay=2.0,
           syn_weight=0.002, target_sections="['soma', 'dend']", distance_range="[0.0, 150.0]")
SOMA_V = {"soma_v": {"cells": "net", "variable_name": "v", "module": "membrane_report", "sections": "soma"}}
DRIVE_PV = {"drive": {"input_type": "current_clamp", "module": "IClamp", "node_set": {"pop_name": "PV1"},
                      "amp": 0.6, "delay": 20.0, "duration": 150.0}}


def _soma_v(result, node):
    with h5py.File(result.files["soma_v"]) as h5:
        grp = h5["report/net"]
        start, _, step = grp["mapping/time"][()]
        col = int(np.flatnonzero(grp["mapping/node_ids"][()] == node)[0])
        v = grp["data"][:, col]
    return start + step * np.arange(v.size), v


def _window(t, v, a, b):
    return v[(t >= a) & (t < b)]


def _rise(t, v, a, b):
    """Largest rise (mV) above the running minimum inside [a, b) ms: ~0 while the cell only relaxes
    towards rest from v_init, the EPSP height when one arrives."""
    w = _window(t, v, a, b).astype(float)
    return float(np.max(w - np.minimum.accumulate(w)))


def test_syn_activity_fires_matching_synapses_at_timestamps(tmp_path, allen_mechanisms):
    """Scnn1a (node 0) -> PV (node 1), 8 synapses. Node 0 never fires, yet with syn_activity on
    Scnn1a sources node 1 gets an EPSP at each timestamp + delay (2 ms), and nothing before."""
    spont = {"spont": {"input_type": "syn_activity", "module": "syn_activity", "precell_filter": {"pop_name": "Scnn1a"},
                       "timestamps": [50.0, 120.0], "node_set": "net"}}
    config = write_circuit(tmp_path, [SCNN1A, PVALB], tstop=200.0, dt=0.1, inputs=spont, reports=SOMA_V,
                           recurrent_edges=dict(source=[0], target=[1], edge_type=EXC,
                                                columns={"nsyns": np.array([8])}))
    result = run(config)
    t, v = _soma_v(result, 1)
    assert _rise(t, v, 0.0, 52.0) < 0.05                # nothing until 50 + 2 ms
    for stamp in (50.0, 120.0):
        assert _rise(t, v, stamp + 1.0, stamp + 20.0) > 0.5, stamp
    assert _rise(t, v, 90.0, 122.0) < 0.05
    t0, v0 = _soma_v(result, 0)
    assert _rise(t0, v0, 0.0, 200.0) < 0.05             # node 0 itself receives nothing


def test_syn_activity_silences_other_recurrent_synapses(tmp_path, allen_mechanisms):
    """PV (node 1) is driven to fire and synapses onto Scnn1a (node 0). Without syn_activity node 0
    sees its EPSPs; with syn_activity on other (Scnn1a) sources, the PV -> Scnn1a synapses get weight 0."""
    edges = dict(source=[1], target=[0], edge_type=EXC, columns={"nsyns": np.array([8])})
    plain = run(write_circuit(tmp_path / "plain", [SCNN1A, PVALB], tstop=150.0, dt=0.1, inputs=DRIVE_PV,
                              reports=SOMA_V, recurrent_edges=edges))
    spont = {"spont": {"input_type": "syn_activity", "module": "syn_activity", "precell_filter": {"pop_name": "Scnn1a"},
                       "timestamps": [500.0]}, **DRIVE_PV}
    quiet = run(write_circuit(tmp_path / "spont", [SCNN1A, PVALB], tstop=150.0, dt=0.1, inputs=spont,
                              reports=SOMA_V, recurrent_edges=edges))
    for result in (plain, quiet):
        ids, _ = result.spikes.get("net")
        assert (ids == 1).sum() >= 2                 # the PV cell fires in both runs
    t, v_plain = _soma_v(plain, 0)
    _, v_quiet = _soma_v(quiet, 0)
    assert _rise(t, v_plain, 0.0, 150.0) > 0.5
    assert _rise(t, v_quiet, 0.0, 150.0) < 0.05


def test_replay_plays_recorded_spikes_of_sources_without_node_set(tmp_path, allen_mechanisms):
    """A replay input (no node_set: bmtk's 'all'): an extra edges file 0 -> 1 whose source spikes come
    from a spikes file; the source cell itself stays silent and unconnected."""
    config = write_circuit(tmp_path, [SCNN1A, PVALB], tstop=200.0, dt=0.1, reports=SOMA_V)
    write_edges(tmp_path / "replay_edges.h5", "net_to_net", "net", "net", np.array([0]), np.array([1]),
                np.array([7]), {"nsyns": np.array([8])}, n_source_nodes=2, n_target_nodes=2)
    write_types_csv(tmp_path / "replay_edge_types.csv", [EXC], "edge_type_id")
    SpikeTrains({"net": (np.array([0, 0]), np.array([60.0, 130.0]))}).to_sonata(tmp_path / "recorded.h5")
    data = json.loads(config.read_text())
    data["inputs"]["replayed"] = {"input_type": "spikes", "module": "replay", "spikes_file": "recorded.h5",
                                  "edges": {"edges_file": "replay_edges.h5",
                                            "edge_types_file": "replay_edge_types.csv"}}
    config.write_text(json.dumps(data))
    result = run(config)
    t, v = _soma_v(result, 1)
    assert _rise(t, v, 0.0, 62.0) < 0.05
    for stamp in (60.0, 130.0):
        assert _rise(t, v, stamp + 1.0, stamp + 20.0) > 0.5, stamp
    assert "net" not in result.spikes.populations or result.spikes.n_spikes("net") == 0
