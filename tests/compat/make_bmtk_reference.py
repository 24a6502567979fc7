"""Regenerate bmtk 1.2.0's reference outputs for the BMTK example corpus (tests/compat/reference/).

Usage (from the checkout, after `make bmtk-ref`):
    .venv/bin/python tests/compat/make_bmtk_reference.py [--only FOLDER/CONFIG ...]

For every config in ``corpus.BMTK_RUNNABLE`` the example folders are copied to a temporary folder
(the fixtures are never written), bmtk's ``.mod`` files are compiled there with this venv's
``nrnivmodl``, and bmtk 1.2.0 runs the config from its folder in ``.venv-bmtk``, one run at a time.
bmtk 1.2.0 does not depend on NEURON or NEST: when ``.venv-bmtk`` lacks them, the run borrows the
ones of this venv (the same versions our backends use) by appending its site-packages to sys.path.

Written per config: ``<folder>__<config stem>.npz`` (spike counts per node, per population; the
membrane-potential report of every recorded node, kept every ``TRACE_STEP_MS``) and one line in
``reference.json`` (counts per population and per model_name, bmtk's wall time, versions).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bmtk_corpus import (BMTK_RUNNABLE, BMTK_WORKAROUNDS, FIXTURES, counts_by_model_name, read_spike_counts,  # noqa: E402
                         read_traces, reference_name, trace_reports)

ROOT = HERE.parents[1]
BMTK_VENV = Path(os.environ.get("BMTK_VENV", ROOT / ".venv-bmtk"))
if not (BMTK_VENV / ".installed-stamp").exists() and (Path("/work/main/.venv-bmtk/.installed-stamp")).exists():
    BMTK_VENV = Path("/work/main/.venv-bmtk")
REFERENCE = HERE / "reference"

RUNNER = r"""
import json, sys, time
sys.path.append({site!r})
level, config = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if level == "NEST":
    from bmtk.simulator import pointnet as sim_mod
    conf = sim_mod.Config.from_json(config)
    conf.build_env()
    net = sim_mod.PointNetwork.from_config(conf)
    sim = sim_mod.PointSimulator.from_config(conf, net)
else:
    from bmtk.simulator import bionet as sim_mod
    conf = sim_mod.Config.from_json(config)
    conf.build_env()
    net = sim_mod.BioNetwork.from_config(conf)
    sim = sim_mod.BioSimulator.from_config(conf, network=net)
t1 = time.perf_counter()
sim.run()
t2 = time.perf_counter()
print("BMTK_RESULT " + json.dumps({{"output_dir": str(conf.output_dir), "setup_s": t1 - t0,
                                   "run_s": t2 - t1}}))
"""


def compile_mechanisms(work: Path) -> None:
    mech = work / "bio_components" / "mechanisms"
    nrnivmodl = Path(sys.executable).parent / "nrnivmodl"
    subprocess.run([str(nrnivmodl), "modfiles"], cwd=mech, check=True, capture_output=True)


def run_one(work: Path, folder: str, config: str, level: str, python: Path) -> dict:
    runner = RUNNER.format(site=sysconfig.get_paths()["purelib"])
    cwd = work / folder
    run_config = config
    workaround = BMTK_WORKAROUNDS.get(f"{folder}/{config}")
    if workaround is not None:                  # an equivalent config bmtk 1.2.0 reads right
        data = json.loads((cwd / config).read_text())
        for section, value in workaround[0].items():
            data[section] = {**data.get(section, {}), **value}
        run_config = f"bmtk_ref.{config}"
        (cwd / run_config).write_text(json.dumps(data, indent=1))
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([str(python), "-c", runner, level, run_config], cwd=cwd, capture_output=True,
                          text=True)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"bmtk failed on {folder}/{config}:\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("BMTK_RESULT ")][-1]
    result = json.loads(line.split(" ", 1)[1])
    output_dir = Path(result["output_dir"])
    if not output_dir.is_absolute():
        output_dir = cwd / output_dir
    arrays = {}
    counts = read_spike_counts(output_dir / "spikes.h5") if (output_dir / "spikes.h5").exists() else {}
    for pop, (ids, n) in counts.items():
        arrays[f"spike_ids/{pop}"], arrays[f"spike_counts/{pop}"] = ids, n
    report_files = []
    for name in trace_reports(cwd / config):     # bmtk may resolve file_name against the folder
        found = [p for p in (output_dir / name, cwd / name) if p.exists()] or sorted(cwd.rglob(name))
        if not found:
            raise RuntimeError(f"bmtk wrote no report {name} for {folder}/{config}")
        report_files.append(found[0])
    for pop, (ids, times, data) in read_traces(output_dir, report_files).items():
        arrays[f"trace_ids/{pop}"], arrays[f"trace_times/{pop}"], arrays[f"trace_v/{pop}"] = ids, times, data
    np.savez_compressed(REFERENCE / f"{reference_name(folder, config)}.npz", **arrays)
    per_pop = {pop: int(n.sum()) for pop, (ids, n) in counts.items()}
    return {"folder": folder, "config": config, "level": level,
            "spikes_per_population": per_pop,
            "spikes_per_model_name": counts_by_model_name(FIXTURES / folder / config,
                                                          {p: v for p, v in counts.items()}),
            "bmtk_wall_s": round(wall, 1), "bmtk_cpu_s": round(cpu, 1), "bmtk_setup_s": round(result["setup_s"], 1),
            "bmtk_run_s": round(result["run_s"], 1),
            "bmtk_reports": [str(p.relative_to(cwd)) for p in report_files],
            "bmtk_workaround": workaround[1] if workaround else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="FOLDER/CONFIG entries to (re)run")
    args = parser.parse_args()
    python = BMTK_VENV / "bin" / "python"
    if not (BMTK_VENV / ".installed-stamp").exists():
        sys.exit(f"bmtk 1.2.0 is not installed in {BMTK_VENV}; run `make bmtk-ref`")
    REFERENCE.mkdir(exist_ok=True)
    index_path = REFERENCE / "reference.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    import neuron
    import nest  # noqa: F401  (versions recorded below)
    with tempfile.TemporaryDirectory(prefix="bmtk_ref_") as tmp:
        work = Path(tmp) / "bmtk_examples"
        shutil.copytree(FIXTURES, work, ignore=shutil.ignore_patterns("output*"))
        compile_mechanisms(work)
        for folder, config, level in BMTK_RUNNABLE:
            key = f"{folder}/{config}"
            if args.only and key not in args.only:
                continue
            print(f"bmtk 1.2.0: {key} ...", flush=True)
            entry = run_one(work, folder, config, level, python)
            entry["versions"] = {"bmtk": "1.2.0", "neuron": neuron.__version__,
                                 "nest": nest.__version__}
            index[key] = entry
            print(f"   {entry['spikes_per_population']}  {entry['bmtk_wall_s']} s", flush=True)
            index_path.write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
