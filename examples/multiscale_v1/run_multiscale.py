"""One circuit at three levels: run the biophysical circuit on NEURON, reduce it, run the reduced copy on
NEST and on popnet, and compare the population rates. Writes ``comparison.csv`` and ``comparison.png``.

    python run_multiscale.py                       # build (if needed), NEURON, reduce, NEST, popnet, compare
    python run_multiscale.py --scale 0.25 --tstop 500 --out /tmp/ms    # a small, quick version
"""
from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
TOLERANCE = {"NEST": 0.25, "popnet": 0.35}
MIN_RATE_HZ = 1.0


def group_rates(config_path: Path, output_dir: Path, tstart_ms: float, tstop_ms: float) -> dict:
    """Mean rate (Hz) per ``pop_name`` of a spikes output, or of a popnet rates output (a minimal compare,
    until ``bmtk_like.analysis.compare_levels`` lands)."""
    from bmtk_like.config import load_config
    from bmtk_like.reports import SpikeTrains, read_rates
    from simulators.core import Circuit
    rates_file = output_dir / "population_rates.h5"
    if rates_file.exists():
        out = {}
        for label, (times, rates) in read_rates(rates_file).items():
            window = (np.asarray(times) >= tstart_ms) & (np.asarray(times) < tstop_ms)
            out[label] = float(np.mean(np.asarray(rates)[window]))
        return out
    circuit = Circuit.from_config(load_config(config_path))
    spikes = SpikeTrains.load(output_dir / "spikes.h5")
    groups = {}
    for pop, nodes in circuit.nodes.items():
        if circuit.is_virtual(pop):
            continue
        names = np.asarray(nodes.column("pop_name"), dtype=str)
        for name in np.unique(names):
            groups[name] = {pop: np.flatnonzero(names == name)}
    out = {}
    for name, members in groups.items():
        count, cells = 0, 0
        for pop, ids in members.items():
            if pop in spikes.populations:
                node_ids, times = spikes.get(pop)
                count += int(np.count_nonzero(np.isin(node_ids, ids) & (times >= tstart_ms) & (times < tstop_ms)))
            cells += ids.size
        out[name] = 1000.0 * count / cells / (tstop_ms - tstart_ms)
    return out


def compare(neuron: dict, nest: dict, popnet: dict) -> pd.DataFrame:
    rows = []
    for name in sorted(neuron):
        row = {"population": name, "NEURON_Hz": neuron[name], "NEST_Hz": nest.get(name, np.nan),
               "popnet_Hz": popnet.get(name, np.nan)}
        for level, tol in TOLERANCE.items():
            rel = (row[f"{level}_Hz"] - neuron[name]) / neuron[name] if neuron[name] > 0 else np.nan
            row[f"{level}_rel"] = rel
            row[f"{level}_within_{int(tol * 100)}%"] = bool(abs(rel) <= tol) if neuron[name] >= MIN_RATE_HZ else None
        rows.append(row)
    return pd.DataFrame(rows)


def plot(table: pd.DataFrame, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.5, 3.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(len(table))
    for k, level in enumerate(("NEURON", "NEST", "popnet")):
        ax.bar(x + (k - 1) * 0.27, table[f"{level}_Hz"], width=0.27, label=level)
    ax.set_xticks(x)
    ax.set_xticklabels(table["population"])
    ax.set_ylabel("mean rate (Hz)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main(out: Path, scale: float, tstop: float, skip_neuron: bool = False) -> pd.DataFrame:
    import simulators
    from simulators.reduction import reduce_circuit
    out = Path(out)
    if out != HERE:
        for name in ("components", "circuit_config.json", "simulation_config.json", "build.py"):
            src, dst = HERE / name, out / name
            if not dst.exists():
                (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
    if not (out / "network" / "v1_nodes.h5").exists() or scale != 1.0:
        from build import build
        build(out, scale=scale, tstop_ms=tstop)
    config = out / "simulation_config.json"
    data = json.loads(config.read_text())
    data["run"]["tstop"] = tstop
    config.write_text(json.dumps(data, indent=2))
    timings = {}
    t0 = time.perf_counter()
    if not skip_neuron or not (out / "output" / "spikes.h5").exists():
        simulators.run(str(config), simulator="NEURON")
    timings["NEURON"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    reduced = reduce_circuit(config, out / "reduced")
    timings["reduce"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest_run = simulators.run(str(reduced.config_path), simulator="NEST")
    timings["NEST"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pop_run = simulators.run(str(reduced.config_path), simulator="popnet")
    timings["popnet"] = time.perf_counter() - t0
    window = (min(200.0, tstop / 4), tstop)          # skip the initial transient
    table = compare(group_rates(config, out / "output", *window),
                    group_rates(reduced.config_path, Path(nest_run.output_dir), *window),
                    group_rates(reduced.config_path, Path(pop_run.output_dir), *window))
    table.to_csv(out / "comparison.csv", index=False, float_format="%.3f")
    plot(table, out / "comparison.png")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print("wall-clock (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to build and run in (default: here)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the cells")
    parser.add_argument("--tstop", type=float, default=2000.0, help="ms")
    parser.add_argument("--skip-neuron", action="store_true", help="reuse an existing NEURON output")
    args = parser.parse_args()
    main(args.out, args.scale, args.tstop, args.skip_neuron)
