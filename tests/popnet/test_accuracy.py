"""Accuracy of the density solver against NEST Monte Carlo references, over a sweep.

References: ``nest_reference.json``, made by ``tests/popnet/nest_reference.py`` (NEST 3.10,
``iaf_psc_delta``, >= 10,000 neurons per population, one thread, resolution 0.1 ms; the
cases, the command and NEST's standard error of each rate are stored with the numbers).
The sweep: jumps 0.1-5 mV, mixed excitation and inhibition, outputs 1-50 Hz, reset below
rest, refractory periods 0-5 ms, recurrent E/I pairs with 1.5 and 3 ms delays; every case at
config dt 0.1, 0.5, 1 and 2 ms on a fine and a coarse grid. Tolerance: 2% for single
populations, 5% for recurrent pairs (NEST's own standard errors are 0.2-0.6%, stored in
the JSON; a finite recurrent network also differs from the mean-field limit by
finite-size correlations). The issue's case runs in the fast suite, the full sweep is slow.

Left out of the sweep: ``ei_pair_delay3_strong_inh`` (3 ms delays, strong inhibition)
oscillates in NEST, whose rate then has a 2% standard error (40.9 / 50.5 Hz); the
density solver's stationary-input mean field gives 43.1 / 54.1 Hz (+5% / +7%). A mean-field
density without finite-size noise is not expected to reproduce an oscillating network's
mean rate to 5%.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from nest_reference import CASES, STORE, solver_rates  # noqa: E402

REFERENCE = json.loads(STORE.read_text())
DTS = (0.1, 0.5, 1.0, 2.0)


def _check(name: str, dt: float, dv: float) -> dict:
    case, ref = CASES[name], REFERENCE[name]
    tol = 0.05 if case.get("recurrent_case") else 0.02
    ours = solver_rates(case, dt, dv)
    for pop, (nest_rate, nest_se) in ref["rates"].items():
        assert nest_se < 0.01 * nest_rate                     # the reference is precise enough
        assert ours[pop] == pytest.approx(nest_rate, rel=tol), (name, dt, dv, pop, ours[pop], nest_rate)
    return ours


@pytest.mark.parametrize("dt", [0.1, 2.0])
def test_issue_case_is_within_2_percent_of_nest_at_any_dt(dt):
    """74 × 10 Hz Poisson, 1 mV jumps, θ 20 mV, τ 20 ms: NEST (20,000 neurons) ≈ 4.78 Hz.
    Before the internal step was decoupled from dt, the solver gave 5.42 Hz at dt 2 ms."""
    ours = _check("jump1_fine", dt, 0.01)
    assert ours["a"] == pytest.approx(REFERENCE["jump1_fine"]["rates"]["a"][0], rel=0.01)


@pytest.mark.slow
@pytest.mark.parametrize("dt", DTS)
@pytest.mark.parametrize("name,dv", [(n, dv) for n in CASES for dv in CASES[n]["dv"]
                                     if n in REFERENCE and not CASES[n].get("oscillates")])
def test_sweep_against_nest(name, dv, dt):
    _check(name, dt, dv)
