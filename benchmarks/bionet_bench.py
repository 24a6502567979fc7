"""BioNet benchmarks: set-up per cell as the network grows, set-up against bmtk 1.2.0, run time with
a soma-voltage report of every cell against the same model run by bare NEURON calls without a report,
and NEURON's solver against CoreNEURON (``run.coreneuron``) on one core and on two MPI ranks.

    .venv/bin/python benchmarks/bionet_bench.py [--sizes 50 200 1000] [--tstop 500] [--skip-bmtk]
    .venv/bin/python benchmarks/bionet_bench.py --coreneuron-only [--coreneuron-sizes 200 1000] [--ranks 2]

CoreNEURON part: the same circuit with the three Allen models whose channels CoreNEURON (neuron 9.0.2)
compiles (the two Pvalb fits use NaV.mod, which its NMODL cannot translate), mechanisms from the
fixtures' bio_components/mechanisms (compiled for both engines first: compiling is not timed), synaptic
weights doubled (about 11 Hz per cell) so that "same spikes" compares over a thousand of them.

The circuit: N Allen perisomatic cells (the five bio_components models in turn), a virtual population
of 500 Poisson (10 Hz) sources; each cell gets 20 virtual sources × 4 synapses and 10 recurrent
sources × 2 synapses drawn on basal/apical dendrites (100 synapses/cell: 20k at N = 200).
Every measurement runs in a fresh subprocess. bmtk runs from .venv-bmtk (skipped when absent),
with its own Allen .mod files (compiled once into the benchmark folder).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FIXTURES = Path(os.environ.get("BMTK_LIKE_FIXTURES", ROOT.parent / "shared" / "fixtures" / "bmtk_examples"))
COMPONENTS = FIXTURES / "bio_components"
BMTK_PYTHON = ROOT / ".venv-bmtk" / "bin" / "python"
MODELS = [("Scnn1a_473845048_m.swc", "472363762_fit.json"), ("Rorb_325404214_m.swc", "473863510_fit.json"),
          ("Nr5a1_471087815_m.swc", "473863035_fit.json"), ("Pvalb_470522102_m.swc", "472912177_fit.json"),
          ("Pvalb_469628681_m.swc", "473862421_fit.json")]
N_VIRTUAL = 500


CORENEURON_MODELS = MODELS[:3]
"""The models whose channels CoreNEURON compiles (NaTs, not NaV)."""


def build_circuit(folder: Path, n_cells: int, tstop: float, mechanisms: Path | None, seed: int = 0,
                  models: list = MODELS, weight_scale: float = 1.0) -> Path:
    """Write the benchmark circuit and its config (soma voltage report of every cell); return the config.

    ``weight_scale`` multiplies both synaptic weights (the CoreNEURON comparison drives the cells harder,
    so that equal spikes compare many spikes)."""
    from bmtk_like.reports import poisson_spike_trains
    from bmtk_like.sonata import write_edges, write_nodes, write_types_csv
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    type_ids = 100 + np.arange(n_cells) % len(models)
    write_nodes(folder / "v1_nodes.h5", "v1", type_ids,
                {"x": rng.uniform(0, 500, n_cells), "y": rng.uniform(0, 500, n_cells), "z": rng.uniform(0, 500, n_cells),
                 "rotation_angle_yaxis": rng.uniform(0, 2 * np.pi, n_cells)})
    write_types_csv(folder / "v1_node_types.csv",
                    [dict(node_type_id=100 + i, model_type="biophysical", model_template="ctdb:Biophys1.hoc",
                          model_processing="aibs_perisomatic", morphology=m, dynamics_params=d)
                     for i, (m, d) in enumerate(models)], "node_type_id")
    write_nodes(folder / "lgn_nodes.h5", "lgn", np.full(N_VIRTUAL, 900))
    write_types_csv(folder / "lgn_node_types.csv", [dict(node_type_id=900, model_type="virtual")], "node_type_id")
    edge_type = dict(model_template="exp2syn", dynamics_params="AMPA_ExcToExc.json", delay=2.0,
                     target_sections="['basal', 'apical']", distance_range="[0.0, 150.0]")
    for name, src_pop, n_src, per_cell, nsyns, weight in (("lgn", "lgn", N_VIRTUAL, 20, 4, 2e-4),
                                                          ("v1", "v1", n_cells, 10, 2, 1e-4)):
        trg = np.repeat(np.arange(n_cells), per_cell)
        src = np.concatenate([rng.choice(n_src, per_cell, replace=False) for _ in range(n_cells)])
        write_edges(folder / f"{name}_v1_edges.h5", f"{name}_to_v1", src_pop, "v1", src, trg,
                    np.full(trg.size, 100), {"nsyns": np.full(trg.size, nsyns, dtype=np.uint32)},
                    n_source_nodes=n_src, n_target_nodes=n_cells)
        write_types_csv(folder / f"{name}_v1_edge_types.csv",
                        [dict(edge_type_id=100, syn_weight=weight * weight_scale, **edge_type)],
                        "edge_type_id")
    poisson_spike_trains(np.arange(N_VIRTUAL), 10.0, 0.0, tstop, "lgn", seed=seed).to_sonata(folder / "lgn_spikes.h5")
    components = {"morphologies_dir": str(COMPONENTS / "morphologies"),
                  "synaptic_models_dir": str(COMPONENTS / "synaptic_models"),
                  "biophysical_neuron_models_dir": str(COMPONENTS / "biophysical_neuron_templates" / "ctdb")}
    # BMTK's mechanisms folder (the Allen channels): bmtk's compiled copy, or the fixtures' one
    components["mechanisms_dir"] = str(mechanisms if mechanisms is not None else COMPONENTS / "mechanisms")
    config = {
        "run": {"tstop": tstop, "dt": 0.1, "dL": 20.0, "spike_threshold": -15.0, "nsteps_block": 5000},
        "target_simulator": "NEURON", "conditions": {"celsius": 34.0, "v_init": -80.0},
        "components": components,
        "networks": {"nodes": [{"nodes_file": str(folder / f"{p}_nodes.h5"),
                                "node_types_file": str(folder / f"{p}_node_types.csv")} for p in ("v1", "lgn")],
                     "edges": [{"edges_file": str(folder / f"{p}_v1_edges.h5"),
                                "edge_types_file": str(folder / f"{p}_v1_edge_types.csv")} for p in ("v1", "lgn")]},
        "inputs": {"lgn_spikes": {"input_type": "spikes", "module": "sonata",
                                  "input_file": str(folder / "lgn_spikes.h5"), "node_set": "lgn"}},
        "reports": {"soma_v": {"cells": "v1", "variable_name": "v", "module": "membrane_report", "sections": "soma"}},
        "output": {"output_dir": str(folder / "output"), "spikes_file": "spikes.h5", "overwrite_output_dir": True},
    }
    path = folder / "config.json"
    path.write_text(json.dumps(config, indent=1))
    return path


OURS = """
import json, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from simulators import bionet
conf = bionet.Config.from_json({config!r})
net = bionet.BioNetwork.from_config(conf)
net.use_coreneuron = {mode!r} == "run_core"
if {mode!r}.startswith("raw"):
    import simulators.bionet.synapses
    simulators.bionet.synapses.SHARE_LINEAR_SYNAPSES = {mode!r} == "raw"
    net.build()                           # the same model, then bare NEURON calls: no recorders at all
    from neuron import h
    t_setup = time.perf_counter() - t0
    from simulators.core import collect_inputs
    from bmtk_like.reports import SpikeTrains
    trains = SpikeTrains()
    for s in collect_inputs(net.circuit, conf, backend="bench").spikes:
        trains = trains.merge(s.spikes)
    net.play_virtual_spikes(trains)
    h.load_file("stdrun.hoc"); h.celsius = 34.0; h.dt = conf.run.dt
    net.pc.set_maxstep(10)
    t1 = time.perf_counter()
    h.finitialize(-80.0)
    net.pc.psolve(conf.run.tstop)
    t_sim = time.perf_counter() - t1
else:
    sim = bionet.BioSimulator.from_config(conf, net)
    t_setup = time.perf_counter() - t0
    t_sim = None
    if {mode!r}.startswith("run"):
        result = sim.run()
        t_sim = result.timings["simulate"]
        spikes = result.spikes.n_spikes("v1") if result.spikes is not None else None
build = net.timings["create"] + net.timings["connect"] + (0.0 if {mode!r}.startswith("raw") else sim.timings["inputs"])
if net.rank == 0:
    print(json.dumps({{"setup": t_setup, "build": build, "simulate": t_sim, "cells": len(net.cells),
                      "synapses": net.n_netcons, "point_processes": net.n_synapses,
                      "whole": time.perf_counter() - t0, "spikes": spikes if {mode!r}.startswith("run") else None}}))
"""

BMTK = """
import json, os, sys, time
os.chdir({folder!r})
t0 = time.perf_counter()
from bmtk.simulator import bionet
conf = bionet.Config.from_json({config!r})
conf.build_env()
net = bionet.BioNetwork.from_config(conf)
sim = bionet.BioSimulator.from_config(conf, network=net)
print(json.dumps({{"setup": time.perf_counter() - t0}}))
"""


def _measure(python: Path | str, script: str, ranks: int = 1) -> dict:
    launcher = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", str(ranks)] if ranks > 1 else []
    proc = subprocess.run([*launcher, str(python), "-c", script], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-4000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compile_bmtk_mechanisms(folder: Path) -> Path | None:
    """Copy bmtk's Allen .mod files (with vecevent.mod) into folder/mechanisms and compile them there."""
    found = list((ROOT / ".venv-bmtk").glob("lib/python3*/site-packages/bmtk/utils/scripts/bionet/mechanisms/modfiles"))
    if not found:
        return None
    nrnivmodl = ROOT / ".venv-bmtk" / "bin" / "nrnivmodl"
    if not nrnivmodl.exists():      # bmtk 1.2.0 does not depend on NEURON: add ours, same version
        from importlib.metadata import version
        print(f"# installing neuron=={version('neuron')} into .venv-bmtk for bmtk's runs", flush=True)
        subprocess.run([str(BMTK_PYTHON), "-m", "pip", "install", "-q", f"neuron=={version('neuron')}"], check=True)
    mech = folder / "mechanisms"
    shutil.copytree(found[0], mech / "modfiles")
    subprocess.run([str(ROOT / ".venv-bmtk" / "bin" / "nrnivmodl"), "modfiles"], cwd=mech, check=True,
                   capture_output=True)
    return mech


def _variant(config: Path, name: str) -> Path:
    """A copy of ``config`` writing into its own output folder ``output_<name>``."""
    data = json.loads(config.read_text())
    data["output"]["output_dir"] = str(config.parent / f"output_{name}")
    path = config.with_name(f"config_{name}.json")
    path.write_text(json.dumps(data, indent=1))
    return path


def _spike_difference(a: Path, b: Path) -> str:
    """'identical', or how the two runs' spikes differ (count, largest time difference in ms)."""
    from bmtk_like.reports import SpikeTrains
    (ia, ta), (ib, tb) = (SpikeTrains.from_sonata(p / "spikes.h5").get("v1") for p in (a, b))
    oa, ob = np.lexsort((ta, ia)), np.lexsort((tb, ib))
    if ia.size != ib.size or not np.array_equal(np.asarray(ia)[oa], np.asarray(ib)[ob]):
        return f"DIFFERENT ({ia.size} vs {ib.size} spikes)"
    worst = float(np.abs(np.asarray(ta)[oa] - np.asarray(tb)[ob]).max()) if ia.size else 0.0
    return "identical" if worst == 0.0 else f"same cells, times within {worst:.3g} ms"


def coreneuron_comparison(tmp: Path, sizes: list[int], tstop: float, ranks: int) -> None:
    """Simulate-phase and whole-run wall time, NEURON's solver vs CoreNEURON, each in a fresh process."""
    from simulators.bionet.mechanisms import compile_mechanisms, find_mod_files, mechanism_names
    mechanisms = COMPONENTS / "mechanisms"
    mods = find_mod_files(mechanisms)
    compile_mechanisms(mechanisms)                                   # NEURON's build of the whole folder
    used = set()
    for _, fit in CORENEURON_MODELS:
        fit_json = json.loads((COMPONENTS / "biophysical_neuron_templates" / "ctdb" / fit).read_text())
        used |= {g["mechanism"] for g in fit_json["genome"] if g.get("mechanism")}
    compile_mechanisms(mechanisms, [p for p in mods if mechanism_names([p]) & used], coreneuron=True)
    load = os.getloadavg()
    print(f"# NEURON vs CoreNEURON, tstop {tstop} ms, dt 0.1 ms, soma-v report of every cell; "
          f"load average before: {load[0]:.2f} (1 min), {load[1]:.2f} (5 min) on {os.cpu_count()} cores")
    print("# cells ranks | simulate NEURON  CoreNEURON  ratio | whole run NEURON  CoreNEURON  ratio | spikes")
    cases = [(n, 1) for n in sizes] + ([(max(sizes), ranks)] if ranks > 1 else [])
    for n, r in cases:
        if r > 1 and shutil.which("mpirun") is None:
            print(f"# {n} cells on {r} ranks: skipped, mpirun not found")
            continue
        config = build_circuit(tmp / f"core{n}", n, tstop, mechanisms, models=CORENEURON_MODELS, weight_scale=2.0)
        runs = {}
        for mode in ("run", "run_core"):
            variant = _variant(config, f"{mode}_{r}")
            runs[mode] = _measure(sys.executable, OURS.format(root=str(ROOT), config=str(variant), mode=mode), r)
        nrn, core = runs["run"], runs["run_core"]
        same = _spike_difference(config.parent / f"output_run_{r}", config.parent / f"output_run_core_{r}")
        print(f"{n:7d} {r:5d} | {nrn['simulate']:15.2f} {core['simulate']:11.2f} "
              f"{core['simulate'] / nrn['simulate']:6.2f} | {nrn['whole']:16.2f} {core['whole']:11.2f} "
              f"{core['whole'] / nrn['whole']:6.2f} | {nrn['spikes']} {same}", flush=True)
    load = os.getloadavg()
    print(f"# load average after: {load[0]:.2f} (1 min), {load[1]:.2f} (5 min)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--tstop", type=float, default=500.0)
    parser.add_argument("--compare-size", type=int, default=200)
    parser.add_argument("--skip-bmtk", action="store_true")
    parser.add_argument("--coreneuron-sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--ranks", type=int, default=2, help="MPI ranks of the CoreNEURON comparison (1: none)")
    parser.add_argument("--coreneuron-only", action="store_true", help="run only the NEURON/CoreNEURON comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bionet_bench_") as tmp:
        tmp = Path(tmp)
        if not args.coreneuron_only:
            setup_and_run_benchmarks(tmp, args)
        coreneuron_comparison(tmp, args.coreneuron_sizes, args.tstop, args.ranks)


def setup_and_run_benchmarks(tmp: Path, args: argparse.Namespace) -> None:
    """Set-up per cell (against bmtk 1.2.0) and run time against bare NEURON."""
    use_bmtk = BMTK_PYTHON.exists() and not args.skip_bmtk
    mech = compile_bmtk_mechanisms(tmp) if use_bmtk else None
    if mech is not None:          # fill our compile cache first: compiling is not set-up time
        from simulators.bionet.mechanisms import compile_mechanisms
        compile_mechanisms(mech)
    print(f"# per-cell set-up (ours{' vs bmtk 1.2.0' if use_bmtk else ''}), tstop {args.tstop} ms")
    for n in args.sizes:
        config = build_circuit(tmp / f"n{n}", n, args.tstop, mech)
        ours = _measure(sys.executable, OURS.format(root=str(ROOT), config=str(config), mode="setup"))
        line = (f"N={n:5d}  synapses={ours['synapses']:6d}  ours: set-up {ours['setup']:6.2f} s "
                f"= {1000 * ours['setup'] / n:6.2f} ms/cell (of which cells+synapses+inputs "
                f"{1000 * ours['build'] / n:5.2f} ms/cell)")
        if use_bmtk and n <= max(args.compare_size, 200):
            theirs = _measure(BMTK_PYTHON, BMTK.format(folder=str(config.parent), config=str(config)))
            line += (f"   bmtk {theirs['setup']:7.2f} s = {1000 * theirs['setup'] / n:6.2f} ms/cell"
                     f"   speed-up {theirs['setup'] / ours['setup']:5.1f}x")
        print(line, flush=True)
    n = args.compare_size
    config = tmp / f"n{n}" / "config.json"
    if not config.exists():
        config = build_circuit(tmp / f"n{n}", n, args.tstop, mech)
    ours = _measure(sys.executable, OURS.format(root=str(ROOT), config=str(config), mode="run"))
    raw = _measure(sys.executable, OURS.format(root=str(ROOT), config=str(config), mode="raw"))
    unshared = _measure(sys.executable, OURS.format(root=str(ROOT), config=str(config), mode="raw_unshared"))
    print(f"# simulate {args.tstop} ms, N={n}: ours with soma-v report of every cell {ours['simulate']:.2f} s, "
          f"bare NEURON (same model, no recorders) {raw['simulate']:.2f} s, "
          f"ratio {ours['simulate'] / raw['simulate']:.3f} (target <= 1.1)")
    print(f"#   for information: bare NEURON with one Exp2Syn per synapse as bmtk builds them "
          f"({unshared['point_processes']} point processes instead of {raw['point_processes']}): "
          f"{unshared['simulate']:.2f} s, ratio ours/that {ours['simulate'] / unshared['simulate']:.3f}")


if __name__ == "__main__":
    main()
