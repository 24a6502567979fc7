"""The BMTK example corpus, run unchanged with `bmtk-like run`, against bmtk 1.2.0's own runs.

bmtk's outputs are committed in tests/compat/reference/ (make_bmtk_reference.py regenerates them
from .venv-bmtk). Each runnable config is run by our CLI in a copy of the example folders, from
the example's folder as bmtk users run them, and must agree with bmtk:

- spike counts per population and per model_name (pop_name or node_type_id where a population
  has no model_name) within max(5 %, 2 spikes);
- where both write a membrane-potential report, every recorded node's trace within 1 mV RMS
  (on bmtk's kept frames, one per ms).

Configs that cannot run anywhere are listed with their reason in bmtk_corpus.NOT_RUNNABLE; where
bmtk 1.2.0 mis-reads a config, its reference ran on an equivalent one (bmtk_corpus.BMTK_WORKAROUNDS)
while ours runs the config unchanged. Cost: ~90 s CPU for all our runs (measured, printed per config).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bmtk_corpus import (BMTK_RUNNABLE, DIPDE_CONFIGS, DIPDE_RUN_HERE, FIXTURES, NOT_RUNNABLE,  # noqa: E402
                         counts_by_model_name, read_spike_counts, read_traces, reference_name,
                         trace_reports)

ROOT = HERE.parents[1]
REFERENCE = HERE / "reference"
RMS_MV = 1.0


def spike_tolerance(expected: int) -> float:
    return max(0.05 * expected, 2.0)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A private copy of the example folders (bmtk's own outputs left out)."""
    if not FIXTURES.is_dir():
        pytest.fail(f"BMTK example fixtures not found at {FIXTURES}; set BMTK_LIKE_FIXTURES")
    work = tmp_path_factory.mktemp("corpus") / "bmtk_examples"
    shutil.copytree(FIXTURES, work, ignore=shutil.ignore_patterns("output*"))
    return work


def run_ours(config: Path) -> tuple[Path, float, float]:
    """`bmtk-like run CONFIG` from the config's folder; returns (output_dir, wall s, CPU s)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bmtk_like.cli", "run", config.name], cwd=config.parent,
                          capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    assert proc.returncode == 0, f"bmtk-like run {config} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    from bmtk_like.config import load_config
    return Path(load_config(config).output.output_dir), wall, cpu


def test_every_fixture_config_is_classified():
    """A config added to the corpus is either compared with bmtk, a DiPDE config or listed with a reason."""
    known = {f"{f}/{c}" for f, c, _ in BMTK_RUNNABLE} | set(NOT_RUNNABLE) | {f"{f}/{c}" for f, c in DIPDE_CONFIGS}
    simulation_configs = {str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/config*.json")
                          if "run" in json.loads(p.read_text())
                          or "simulation" in json.loads(p.read_text())}
    assert simulation_configs - known == set()
    for entry in BMTK_RUNNABLE:
        assert (REFERENCE / f"{reference_name(*entry[:2])}.npz").is_file(), entry


@pytest.mark.slow
@pytest.mark.parametrize("folder,config,level", BMTK_RUNNABLE, ids=[f"{f}/{c}" for f, c, _ in BMTK_RUNNABLE])
def test_config_agrees_with_bmtk(corpus, folder, config, level):
    pytest.importorskip("nest" if level == "NEST" else "neuron")
    index = json.loads((REFERENCE / "reference.json").read_text())
    expected = index[f"{folder}/{config}"]
    ref = np.load(REFERENCE / f"{reference_name(folder, config)}.npz")
    output_dir, wall, cpu = run_ours(corpus / folder / config)

    spikes = output_dir / "spikes.h5"
    counts = read_spike_counts(spikes) if spikes.exists() else {}
    ours_pop = {pop: int(n.sum()) for pop, (_, n) in counts.items()}
    ours_model = counts_by_model_name(FIXTURES / folder / config, counts)
    print(f"\nCORPUS | {folder} | {config} | ours {ours_pop} | bmtk {expected['spikes_per_population']} | "
          f"ours {wall:.1f} s wall, {cpu:.1f} s CPU | bmtk {expected['bmtk_wall_s']} s wall, "
          f"{expected.get('bmtk_cpu_s', '?')} s CPU"
          + (f" | bmtk run on an equivalent config: {expected['bmtk_workaround']}"
             if expected.get("bmtk_workaround") else ""))
    for what, theirs, mine in (("population", expected["spikes_per_population"], ours_pop),
                               ("model_name", expected["spikes_per_model_name"], ours_model)):
        for key in sorted(set(theirs) | {k for k, v in mine.items() if v}):
            a, b = theirs.get(key, 0), mine.get(key, 0)
            assert abs(a - b) <= spike_tolerance(a), \
                f"{folder}/{config}: {what} {key}: ours {b} spikes, bmtk 1.2.0 {a}"

    theirs_traces = {k.split("/", 1)[1] for k in ref.files if k.startswith("trace_v/")}
    mine_traces = read_traces(output_dir, trace_reports(corpus / folder / config), every_ms=0) \
        if theirs_traces else {}
    assert set(mine_traces) >= theirs_traces, f"our membrane report lacks populations {theirs_traces}"
    for pop in sorted(theirs_traces):
        ids, times, data = ref[f"trace_ids/{pop}"], ref[f"trace_times/{pop}"], ref[f"trace_v/{pop}"]
        my_ids, my_times, my_data = mine_traces[pop]
        assert set(ids.tolist()) <= set(my_ids.tolist()), f"{pop}: nodes {sorted(set(ids) - set(my_ids))} missing"
        # nearest frame of ours for each of bmtk's kept frames (NEST reports start at dt, BioNet's at 0)
        step = float(my_times[1] - my_times[0]) if my_times.size > 1 else 1.0
        frames = np.clip(np.rint((times - my_times[0]) / step).astype(np.int64), 0, my_times.size - 1)
        ok = np.abs(my_times[frames] - times) <= 1.01 * step
        assert ok.mean() > 0.99, f"{pop}: our report's times do not cover bmtk's {times[0]}..{times[-1]} ms"
        cols = [int(np.flatnonzero(my_ids == n)[0]) for n in ids]
        diff = my_data[frames[ok]][:, cols].astype(float) - data[ok].astype(float)
        rms = np.sqrt(np.mean(diff ** 2, axis=0))
        worst = int(np.argmax(rms))
        print(f"CORPUS-V | {folder} | {config} | {pop} | worst RMS {rms[worst]:.3f} mV (node {ids[worst]})")
        assert rms.max() <= RMS_MV, \
            f"{folder}/{config}: {pop} node {ids[worst]} membrane potential RMS {rms[worst]:.2f} mV from bmtk's"


@pytest.mark.slow
@pytest.mark.parametrize("folder,config", DIPDE_RUN_HERE, ids=[f"{f}/{c}" for f, c in DIPDE_RUN_HERE])
def test_dipde_config_runs_unchanged(corpus, folder, config):
    """No DiPDE on PyPI, so bmtk's popnet cannot run here: our run must take the config unchanged and
    report every internal population (pop_2pops' rates against DiPDE's and pop_7pops_converted's
    unit styles are pinned in tests/popnet/test_backend.py)."""
    from bmtk_like.reports import read_rates
    output_dir, wall, cpu = run_ours(corpus / folder / config)
    rates = read_rates(output_dir / "population_rates.h5")
    means = {pop: float(np.mean(r)) for pop, (_, r) in sorted(rates.items())}
    print(f"\nCORPUS-DIPDE | {folder} | {config} | mean rates Hz {means} | ours {wall:.1f} s wall, {cpu:.1f} s CPU")
    expected = {"pop_2pops": {"excitatory", "inhibitory"}}[folder]
    assert expected <= set(rates)
    assert all(np.all(np.isfinite(r)) and np.all(r >= 0) for _, r in rates.values())
