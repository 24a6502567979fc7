"""PointNet set-up and run overhead vs hand-written PyNEST on the same SONATA files.

Builds (with bmtk_like.sonata writers, not the builder) a circuit of N point neurons
(80% exc / 20% inh iaf_psc_alpha node types), K recurrent synapses per cell (≈1 M edges
for the defaults, per-edge delays in the h5 group), plus a virtual input population
with Poisson spike trains in a SONATA spikes file, each cell receiving inputs from
20 virtual nodes. Then, in one process, alternately:

- reference: raw PyNEST bulk calls (h5py/pandas/json reads, one Create per node type,
  one Connect per edge type with array weights and delays, spike generators set in one
  call, a spike recorder), and
- ours: ``simulators.run(config)``, which also writes spikes.h5 and the log.

The order alternates between repeats; the best (minimum) total of each side is compared,
since on a shared machine the noise only ever adds time.

Prints the split (load / create / connect / simulate) for both, the ratio of total
wall times (ours / reference; target <= 1.2) and whether the spikes are identical.

    .venv/bin/python benchmarks/pointnet_bench.py [--cells 10000 --indegree 100 --tstop 1000]
"""
from __future__ import annotations

import argparse
import os
import json
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

os.environ.setdefault("PYNEST_QUIET", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bmtk_like.reports import SpikeTrains, poisson_spike_trains  # noqa: E402
from bmtk_like.sonata import write_edges, write_nodes, write_types_csv  # noqa: E402

EXC = {"C_m": 250.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": -70.0, "V_th": -55.0, "V_reset": -70.0,
       "tau_syn_ex": 2.0, "tau_syn_in": 2.0}
INH = {**EXC, "tau_m": 10.0}


def build(folder: Path, n_cells: int, indegree: int, n_inputs: int, tstop: float, seed: int) -> Path:
    """Write the benchmark circuit, spikes and config into ``folder``; return the config path."""
    rng = np.random.default_rng(seed)
    net, comp = folder / "network", folder / "components"
    for sub in (net, comp / "cells", comp / "synapses"):
        sub.mkdir(parents=True, exist_ok=True)
    (comp / "cells" / "exc.json").write_text(json.dumps(EXC))
    (comp / "cells" / "inh.json").write_text(json.dumps(INH))
    (comp / "synapses" / "static.json").write_text("{}")
    n_exc = int(0.8 * n_cells)
    types = np.where(np.arange(n_cells) < n_exc, 1, 2)
    write_nodes(net / "v1_nodes.h5", "v1", types)
    write_types_csv(net / "v1_node_types.csv", [
        {"node_type_id": 1, "model_type": "point_process", "model_template": "nest:iaf_psc_alpha",
         "dynamics_params": "exc.json", "pop_name": "E"},
        {"node_type_id": 2, "model_type": "point_process", "model_template": "nest:iaf_psc_alpha",
         "dynamics_params": "inh.json", "pop_name": "I"}], "node_type_id")
    write_nodes(net / "lgn_nodes.h5", "lgn", np.full(n_inputs, 9))
    write_types_csv(net / "lgn_node_types.csv",
                    [{"node_type_id": 9, "model_type": "virtual", "pop_name": "X"}], "node_type_id")
    tgt = np.repeat(np.arange(n_cells), indegree)
    src = rng.integers(0, n_cells, tgt.size)
    write_edges(net / "v1_v1_edges.h5", "v1_to_v1", "v1", "v1", src, tgt, np.where(src < n_exc, 11, 12),
                columns={"delay": np.round(rng.uniform(1.0, 3.0, tgt.size), 1),
                         "nsyns": rng.integers(1, 3, tgt.size)},
                n_source_nodes=n_cells, n_target_nodes=n_cells)
    write_types_csv(net / "v1_v1_edge_types.csv", [
        {"edge_type_id": 11, "syn_weight": 10.0, "model_template": "static_synapse", "dynamics_params": "static.json"},
        {"edge_type_id": 12, "syn_weight": -60.0, "model_template": "static_synapse", "dynamics_params": "static.json"},
    ], "edge_type_id")
    in_tgt = np.repeat(np.arange(n_cells), 20)
    in_src = rng.integers(0, n_inputs, in_tgt.size)
    write_edges(net / "lgn_v1_edges.h5", "lgn_to_v1", "lgn", "v1", in_src, in_tgt, np.full(in_tgt.size, 21),
                n_source_nodes=n_inputs, n_target_nodes=n_cells)
    write_types_csv(net / "lgn_v1_edge_types.csv", [
        {"edge_type_id": 21, "syn_weight": 90.0, "delay": 1.5, "model_template": "static_synapse",
         "dynamics_params": "static.json"}], "edge_type_id")
    poisson_spike_trains(np.arange(n_inputs), 20.0, 0.0, tstop, "lgn", seed=seed).to_sonata(folder / "lgn_spikes.h5")
    config = {
        "target_simulator": "NEST",
        "run": {"tstop": tstop, "dt": 0.1},
        "components": {"point_neuron_models_dir": "components/cells", "synaptic_models_dir": "components/synapses"},
        "networks": {
            "nodes": [{"nodes_file": f"network/{p}_nodes.h5", "node_types_file": f"network/{p}_node_types.csv"}
                      for p in ("v1", "lgn")],
            "edges": [{"edges_file": f"network/{e}_edges.h5", "edge_types_file": f"network/{e}_edge_types.csv"}
                      for e in ("v1_v1", "lgn_v1")]},
        "inputs": {"lgn": {"input_type": "spikes", "module": "sonata", "input_file": "lgn_spikes.h5",
                           "node_set": "lgn"}},
        "output": {"output_dir": "output", "spikes_file": "spikes.h5", "log_file": "log.txt",
                   "overwrite_output_dir": True, "quiet_simulator": True},
    }
    path = folder / "config.json"
    path.write_text(json.dumps(config, indent=1))
    return path


def reference(folder: Path, tstop: float, nthreads: int) -> tuple[dict, SpikeTrains]:
    """Raw PyNEST on the same files; returns (phase timings, spikes)."""
    import nest

    t0 = time.perf_counter()
    net, comp = folder / "network", folder / "components"
    with h5py.File(net / "v1_nodes.h5") as h5:
        type_ids = h5["nodes/v1/node_type_id"][()]
    node_types = pd.read_csv(net / "v1_node_types.csv", sep=" ").set_index("node_type_id")
    with h5py.File(net / "lgn_nodes.h5") as h5:
        n_inputs = h5["nodes/lgn/node_type_id"].shape[0]
    edges = {}
    for stem in ("v1_v1", "lgn_v1"):
        with h5py.File(net / f"{stem}_edges.h5") as h5:
            grp = h5["edges"][list(h5["edges"])[0]]
            edges[stem] = {k: grp[k][()] for k in ("source_node_id", "target_node_id", "edge_type_id")}
            edges[stem].update({k: grp["0"][k][()] for k in grp["0"]})
        edges[stem]["types"] = pd.read_csv(net / f"{stem}_edge_types.csv", sep=" ").set_index("edge_type_id")
    with h5py.File(folder / "lgn_spikes.h5") as h5:
        sp_ids, sp_times = h5["spikes/lgn/node_ids"][()], h5["spikes/lgn/timestamps"][()]
    t1 = time.perf_counter()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.ResetKernel()
    nest.set(resolution=0.1, local_num_threads=nthreads)
    gid = np.zeros(type_ids.size, dtype=np.int64)
    for tid in np.unique(type_ids):
        members = np.flatnonzero(type_ids == tid)
        params = json.loads((comp / "cells" / node_types.loc[tid, "dynamics_params"]).read_text())
        gid[members] = nest.Create("iaf_psc_alpha", members.size, params=params).tolist()
    gens = nest.Create("spike_generator", n_inputs, params={"allow_offgrid_times": True})
    order = np.lexsort((sp_times, sp_ids))
    bounds = np.searchsorted(sp_ids[order], np.arange(n_inputs + 1))
    gens.set([{"spike_times": sp_times[order][bounds[i]:bounds[i + 1]]} for i in range(n_inputs)])
    gen_gid = np.asarray(gens.tolist(), dtype=np.int64)
    rec = nest.Create("spike_recorder")
    nest.Connect(nest.NodeCollection(sorted(gid.tolist())), rec)
    t2 = time.perf_counter()
    for stem, src_map in (("v1_v1", gid), ("lgn_v1", gen_gid)):
        e = edges[stem]
        for tid in np.unique(e["edge_type_id"]):
            sel = np.flatnonzero(e["edge_type_id"] == tid)
            weight = e["types"].loc[tid, "syn_weight"] * (e["nsyns"][sel] if "nsyns" in e else np.ones(sel.size))
            delay = e["delay"][sel] if "delay" in e else np.full(sel.size, float(e["types"].loc[tid, "delay"]))
            nest.Connect(src_map[e["source_node_id"][sel]], gid[e["target_node_id"][sel]], "one_to_one",
                         {"synapse_model": "static_synapse", "weight": np.asarray(weight, float),
                          "delay": np.asarray(delay, float)})
    t3 = time.perf_counter()
    nest.Simulate(tstop)
    t4 = time.perf_counter()
    ev = rec.get("events")
    node_of = np.zeros(gid.max() + 1, dtype=np.int64)
    node_of[gid] = np.arange(gid.size)
    spikes = SpikeTrains({"v1": (node_of[np.asarray(ev["senders"], dtype=np.int64)], np.asarray(ev["times"]))})
    return {"load": t1 - t0, "create": t2 - t1, "connect": t3 - t2, "simulate": t4 - t3}, spikes


def ours(config: Path, nthreads: int) -> tuple[dict, float, SpikeTrains]:
    import simulators

    start = time.perf_counter()
    result = simulators.run(config, nthreads=nthreads, progress=False)
    return result.timings, time.perf_counter() - start, result.spikes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=10_000)
    parser.add_argument("--indegree", type=int, default=100)
    parser.add_argument("--inputs", type=int, default=1000)
    parser.add_argument("--tstop", type=float, default=1000.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        config = build(folder, args.cells, args.indegree, args.inputs, args.tstop, args.seed)
        n_edges = args.cells * (args.indegree + 20)
        print(f"circuit: {args.cells} cells, {args.inputs} virtual inputs, {n_edges} edges, "
              f"{args.tstop:g} ms, {args.threads} thread(s) (written in {time.perf_counter() - t0:.1f} s)")
        ref_best, our_best, identical = None, None, True
        ref_all, our_all = [], []
        for rep in range(args.repeats):
            if rep % 2 == 0:      # alternate the order so neither side always runs second
                ref_t, ref_spikes = reference(folder, args.tstop, args.threads)
                our_t, our_total, our_spikes = ours(config, args.threads)
            else:
                our_t, our_total, our_spikes = ours(config, args.threads)
                ref_t, ref_spikes = reference(folder, args.tstop, args.threads)
            identical &= (ref_spikes == our_spikes)
            ref_all.append(ref_t)
            our_all.append((our_t, our_total))
            ref_total = sum(ref_t.values())
            print(f"repeat {rep}: reference {ref_total:.2f} s "
                  + " ".join(f"{k}={v:.2f}" for k, v in ref_t.items())
                  + f" | ours {our_total:.2f} s " + " ".join(f"{k}={v:.2f}" for k, v in our_t.items())
                  + f" | spikes {our_spikes.n_spikes()} vs {ref_spikes.n_spikes()}")
            if ref_best is None or ref_total < ref_best[0]:
                ref_best = (ref_total, ref_t)
            if our_best is None or our_total < our_best[0]:
                our_best = (our_total, our_t)
        print(f"best reference total {ref_best[0]:.2f} s, best ours total {our_best[0]:.2f} s")
        ref_setup = min(sum(v for k, v in t.items() if k != "simulate") for t in ref_all)
        our_setup = min(our_t_total - t["simulate"] for t, our_t_total in our_all)
        print(f"set-up + I/O outside NEST's Simulate (best): ours {our_setup:.2f} s, "
              f"reference {ref_setup:.2f} s")
        print(f"RATIO ours/reference = {our_best[0] / ref_best[0]:.3f} (target <= 1.2); "
              f"spikes identical: {identical}")


if __name__ == "__main__":
    main()
