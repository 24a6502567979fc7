"""Benchmark bmtk_like.reports against named references measured in the same run.

1. Poisson trains: ours (vectorised) vs a per-node loop of exponential ISIs (how bmtk's
   PoissonSpikeGenerator draws homogeneous trains).
2. Spike file read: SpikeTrains.from_sonata vs libsonata.SpikeReader(...)[pop].get().
3. Soma traces read: CompartmentReport[pop].traces() vs libsonata SomaReportReader.get().
"""
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout root
import libsonata  # noqa: E402

from bmtk_like.reports import (CompartmentReport, SpikeTrains, poisson_spike_trains,  # noqa: E402
                               write_compartment_report)


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def per_node_loop(node_ids, rate_hz, tstart, tstop, seed):
    rng = np.random.default_rng(seed)
    ids, out = [], []
    for nid in node_ids:
        t = tstart
        while True:
            t += rng.exponential(1000.0 / rate_hz)
            if t >= tstop:
                break
            ids.append(nid)
            out.append(t)
    return np.array(ids), np.array(out)


def main():
    nodes = np.arange(10_000)
    ours = best(lambda: poisson_spike_trains(nodes, 10.0, 0.0, 10_000.0, "bg", seed=1))
    ref = best(lambda: per_node_loop(nodes, 10.0, 0.0, 10_000.0, 1), repeat=1)
    print(f"poisson 10k nodes x 10 Hz x 10 s (~1M spikes): ours {ours:.3f} s, per-node loop "
          f"{ref:.3f} s, speed-up x{ref / ours:.1f}")

    with tempfile.TemporaryDirectory() as tmp:
        spikes = poisson_spike_trains(np.arange(100_000), 10.0, 0.0, 5000.0, "v1", seed=2)
        path = spikes.to_sonata(Path(tmp) / "spikes.h5", sort_order="by_time")
        ours = best(lambda: SpikeTrains.from_sonata(path).get("v1"))
        ref = best(lambda: libsonata.SpikeReader(str(path))["v1"].get())
        print(f"read {spikes.n_spikes()} spikes: ours {ours:.3f} s, libsonata {ref:.3f} s, "
              f"ratio ours/libsonata {ours / ref:.2f}")

        data = np.random.default_rng(0).normal(size=(20_000, 500)).astype(np.float32)
        rpath = write_compartment_report(Path(tmp) / "v.h5", "v1", np.arange(500), None, None,
                                         None, data, 0.0, 2000.0, 0.1)
        ours = best(lambda: CompartmentReport(rpath)["v1"].traces())
        ref = best(lambda: np.asarray(libsonata.SomaReportReader(str(rpath))["v1"].get().data))
        print(f"read soma report 20000 frames x 500 nodes: ours {ours:.3f} s, libsonata "
              f"{ref:.3f} s, ratio ours/libsonata {ours / ref:.2f}")


if __name__ == "__main__":
    main()
