"""One circuit, two levels: the E/I example on NEST (point neurons) and on popnet
(coarse-grained by pop_name) reach the same population rates."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from simulators.core import run

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ei_network"

pytestmark = [pytest.mark.slow, pytest.mark.nest]


def test_ei_example_rates_agree_between_nest_and_popnet(tmp_path):
    """400 E + 100 I iaf_psc_delta cells, thalamic spike-file input. Tolerance: 5% for E
    (≈5,000 NEST spikes) and 8% for I (≈1,300 spikes, ~3% Poisson error alone)."""
    if not (EXAMPLE / "simulation_config.json").is_file():
        pytest.fail(f"example circuit missing at {EXAMPLE}")
    shutil.copytree(EXAMPLE, tmp_path / "ei", ignore=shutil.ignore_patterns("output*"))
    config = tmp_path / "ei" / "simulation_config.json"
    pop = run(config, simulator="popnet", plot=False)
    nest = run(config, simulator="NEST")
    ids, times = (np.asarray(a) for a in nest.spikes.get("cortex"))
    late = times > 200.0
    tstop = float(pop.extra["simulator"].tstop)
    members = {g.label: g.node_ids for g in pop.extra["network"].groups}     # pop_name groups
    assert (members["E"].size, members["I"].size) == (400, 100)
    measured = {n: np.isin(ids[late], members[n]).sum() / members[n].size / ((tstop - 200.0) / 1000.0)
                for n in ("E", "I")}
    for name, tol in (("E", 0.05), ("I", 0.08)):
        times_ms, rates = pop.rates[name]
        density_rate = rates[times_ms > 200.0].mean()
        assert measured[name] > 2.0
        assert density_rate == pytest.approx(measured[name], rel=tol)
