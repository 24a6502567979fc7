"""Benchmark: build + save a 10,000-node E/I network (~100 synapses per target), us vs bmtk 1.2.0.

Both sides build the same circuit — 8,000 excitatory and 2,000 inhibitory
point neurons, E→all and I→all edge types with connection probability 0.01
(so ~100 synapses per target, ~1 M edges) — and save it as SONATA. bmtk uses
its per-pair rule (a Python callable per source/target pair, the way bmtk
scripts are written); we use ``FixedProbability``. Each side runs in its own
process (bmtk in the interpreter given by --bmtk-python, default
.venv-bmtk/bin/python) and reports wall time and its own peak RSS.

    .venv/bin/python benchmarks/builder_vs_bmtk.py [--n 10000] [--p 0.01]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# the same circuit for both sides; {setup} and {rule} are filled in per library
CIRCUIT = r'''
import json, resource, sys, time, logging
logging.disable(logging.WARNING)
sys.path.insert(0, sys.argv[4])
t0 = time.perf_counter()
{setup}
n, p, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
net = NetworkBuilder("v1"{builder_args})
net.add_nodes(N=int(0.8 * n), pop_name="E", ei="e", model_type="point_neuron", model_template="nest:iaf_psc_alpha")
net.add_nodes(N=n - int(0.8 * n), pop_name="I", ei="i", model_type="point_neuron", model_template="nest:iaf_psc_alpha")
for ei, weight in (("e", 2.0), ("i", -8.0)):
    net.add_edges(source={{"ei": ei}}, target=net.nodes(), {rule}, syn_weight=weight, delay=1.5,
                  dynamics_params=f"{{ei}}ToAll.json", model_template="static_synapse")
net.build()
t1 = time.perf_counter()
net.save(out)
t2 = time.perf_counter()
print(json.dumps({{"build_s": t1 - t0, "save_s": t2 - t1, "edges": net.nedges,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
'''

OURS = CIRCUIT.format(setup="from builders import NetworkBuilder, FixedProbability", builder_args=", seed=1",
                      rule="connection_rule=FixedProbability(p)")

BMTK_SETUP = """import numpy as np
from bmtk.builder import NetworkBuilder
np.random.seed(1)

def fixed_probability(source, target, p):
    return 1 if np.random.random() < p else 0
"""
BMTK = CIRCUIT.format(setup=BMTK_SETUP, builder_args="",
                      rule='connection_rule=fixed_probability, connection_params={"p": p}')


def run(python: str, code: str, n: int, p: float, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([python, "-c", code, str(n), str(p), str(out), str(ROOT)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{python} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["total_s"] = result["build_s"] + result["save_s"]
    result["files_mb"] = sum(f.stat().st_size for f in out.iterdir()) / 1e6
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of nodes")
    parser.add_argument("--p", type=float, default=0.01, help="connection probability")
    parser.add_argument("--bmtk-python", default=str(ROOT / ".venv-bmtk" / "bin" / "python"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours = run(sys.executable, OURS, args.n, args.p, Path(tmp) / "ours")
        bmtk = run(args.bmtk_python, BMTK, args.n, args.p, Path(tmp) / "bmtk")
    print(f"{args.n} nodes, p={args.p}: build + save")
    print(f"{'':10s} {'edges':>9s} {'build s':>9s} {'save s':>8s} {'total s':>8s} {'peak RSS MB':>12s} {'files MB':>9s}")
    for label, r in (("bmtk_like", ours), ("bmtk", bmtk)):
        print(f"{label:10s} {r['edges']:9d} {r['build_s']:9.2f} {r['save_s']:8.2f} {r['total_s']:8.2f} "
              f"{r['peak_rss_mb']:12.0f} {r['files_mb']:9.1f}")
    print(f"speed-up (bmtk total / ours total): {bmtk['total_s'] / ours['total_s']:.1f}x "
          f"(build {bmtk['build_s'] / ours['build_s']:.1f}x, save {bmtk['save_s'] / ours['save_s']:.1f}x)")
    print(f"peak memory ratio (bmtk / ours): {bmtk['peak_rss_mb'] / ours['peak_rss_mb']:.1f}x")


if __name__ == "__main__":
    main()
