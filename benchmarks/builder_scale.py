"""Benchmark: how build + save time and memory grow from 10k to 100k to 1M nodes.

Each size runs in its own process: an E/I network (80 % / 20 %) with two
``FixedProbability`` edge types (E→all, I→all) giving ``k`` synapses per
target on average, built and saved as SONATA (uncompressed). The issue's
target: 100,000 nodes and 10 M edges in under 15 s with peak RSS under 2 GB.
The reference for the ratios is the 10k-node run of the same invocation
(time per edge relative to it; 1.0 = linear scaling).

    .venv/bin/python benchmarks/builder_scale.py            # 10k/k=100, 100k/k=100, 1M/k=10
    .venv/bin/python benchmarks/builder_scale.py --workers 2
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r'''
import json, resource, sys, time
sys.path.insert(0, sys.argv[5])
t0 = time.perf_counter()
from builders import NetworkBuilder, FixedProbability
t_import = time.perf_counter() - t0
n, k, out, workers = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
t0 = time.perf_counter()
net = NetworkBuilder("v1", seed=1)
n_e = int(0.8 * n)
net.add_nodes(N=n_e, pop_name="E", ei="e", model_type="point_neuron", model_template="nest:iaf_psc_alpha")
net.add_nodes(N=n - n_e, pop_name="I", ei="i", model_type="point_neuron", model_template="nest:iaf_psc_alpha")
net.add_edges(source={"ei": "e"}, target=net.nodes(), connection_rule=FixedProbability(0.8 * k / n_e),
              syn_weight=2.0, delay=1.5, dynamics_params="ExcToAll.json", model_template="static_synapse")
net.add_edges(source={"ei": "i"}, target=net.nodes(), connection_rule=FixedProbability(0.2 * k / (n - n_e)),
              syn_weight=-8.0, delay=1.5, dynamics_params="InhToAll.json", model_template="static_synapse")
net.build(workers=workers)
t1 = time.perf_counter()
net.save(out)
t2 = time.perf_counter()
print(json.dumps({"import_s": t_import, "build_s": t1 - t0, "save_s": t2 - t1, "edges": net.nedges,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def run(n: int, k: float, workers: int, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-c", CHILD, str(n), str(k), str(out), str(workers), str(ROOT)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"run n={n} failed:\n{done.stderr[-3000:]}")
    r = json.loads(done.stdout.strip().splitlines()[-1])
    r.update(n=n, k=k, total_s=r["build_s"] + r["save_s"])
    r["file_bytes"] = (out / "v1_v1_edges.h5").stat().st_size
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sizes", default="10000:100,100000:100,1000000:10",
                        help="comma-separated nodes:synapses_per_target")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, spec in enumerate(args.sizes.split(",")):
            n, k = spec.split(":")
            results.append(run(int(n), float(k), args.workers, Path(tmp) / f"run{i}"))
            for f in (Path(tmp) / f"run{i}").iterdir():
                f.unlink()                                  # keep the disk footprint to one run
    ref = results[0]
    ref_per_edge = ref["total_s"] / ref["edges"]
    print(f"build + save, workers={args.workers} (times exclude the ~1 s import)")
    print(f"{'nodes':>9s} {'syn/trg':>7s} {'edges':>10s} {'build s':>8s} {'save s':>7s} {'total s':>8s} "
          f"{'Medges/s':>9s} {'B/edge':>7s} {'RSS MB':>7s} {'s/edge vs first':>16s}")
    for r in results:
        print(f"{r['n']:9d} {r['k']:7.0f} {r['edges']:10d} {r['build_s']:8.2f} {r['save_s']:7.2f} "
              f"{r['total_s']:8.2f} {r['edges'] / r['total_s'] / 1e6:9.2f} {r['file_bytes'] / r['edges']:7.1f} "
              f"{r['peak_rss_mb']:7.0f} {r['total_s'] / r['edges'] / ref_per_edge:16.2f}")
    for r in results:
        if r["n"] == 100_000:
            ok = r["total_s"] < 15.0 and r["peak_rss_mb"] < 2048
            print(f"target 100k nodes / ~10M edges < 15 s and < 2 GB: {'met' if ok else 'NOT met'} "
                  f"({r['total_s']:.1f} s = {r['total_s'] / 15.0:.2f} of budget, {r['peak_rss_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
