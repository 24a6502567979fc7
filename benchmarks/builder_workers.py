"""Benchmark: build(workers=2) against build(workers=1) in the same run, same files.

Two edge sets: a bmtk per-pair callable (Python per pair, the costly case) on
``--n-pair`` × ``--n-pair`` pairs, and ``FixedProbability`` on a 100,000-node
network (~10 M edges). Prints build times and the speed-up; both builds give
identical edges (checked here).

    .venv/bin/python benchmarks/builder_workers.py
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from builders import FixedProbability, NetworkBuilder  # noqa: E402


def per_pair_rule(source, target, p):
    return 1 if np.random.random() < p else 0


def network(kind: str, n: int) -> NetworkBuilder:
    net = NetworkBuilder("v1", seed=1)
    net.add_nodes(N=n, ei="e")
    if kind == "per-pair":
        net.add_edges(connection_rule=per_pair_rule, connection_params={"p": 0.01})
    else:
        net.add_edges(connection_rule=FixedProbability(100.0 / n))
    return net


def timed_build(kind: str, n: int, workers: int, block_size: int):
    net = network(kind, n)
    start = time.perf_counter()
    net.build(workers=workers, block_size=block_size)
    return time.perf_counter() - start, net.built_edges()[("v1", "v1")].concatenated()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-pair", type=int, default=3000, help="nodes for the per-pair case")
    parser.add_argument("--n-vec", type=int, default=100_000, help="nodes for the vectorised case")
    args = parser.parse_args()
    print(f"{'case':28s} {'workers=1 s':>12s} {'workers=2 s':>12s} {'speed-up':>9s}")
    for kind, n, block in (("per-pair", args.n_pair, 256), ("vectorised", args.n_vec, 4096)):
        t1, e1 = timed_build(kind, n, 1, block)
        t2, e2 = timed_build(kind, n, 2, block)
        assert np.array_equal(e1.source, e2.source) and np.array_equal(e1.target, e2.target)
        label = f"{kind} ({n} nodes, {e1.source.size} edges)"
        print(f"{label:28s} {t1:12.2f} {t2:12.2f} {t1 / t2:8.2f}x")


if __name__ == "__main__":
    main()
