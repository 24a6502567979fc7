"""NEST runs NEURON's IntFire1/IntFire2 cells (BMTK's bio circuits mix them with biophysical cells) as
iaf_psc_delta / iaf_psc_exp: the same spikes as NEURON's own cells on grid-aligned inputs."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from bmtk_like.errors import ModelTranslationError
from simulators.core import run

pytestmark = [pytest.mark.nest, pytest.mark.neuron]
for _module in ("nest", "neuron"):
    if importlib.util.find_spec(_module) is None:
        pytest.skip(f"cross-level tests need {_module}", allow_module_level=True)

from tests.crosslevel.test_three_levels import DT, spike_trains, write_point_circuit  # noqa: E402


def _as_intfire(folder, model: str, params: list[dict]) -> None:
    types = (folder / "net_node_types.csv").read_text().replace("nest:iaf_psc_delta", f"nrn:{model}")
    (folder / "net_node_types.csv").write_text(types)
    import json
    for k, p in enumerate(params):
        (folder / "cells" / f"lif_{k}.json").write_text(json.dumps(p))


def _inputs(seed: int, n_exc: int, n_inh: int):
    rng = np.random.default_rng(seed)
    steps = np.arange(1, 1900)
    exc = np.sort(rng.choice(steps, n_exc, replace=False)) * DT
    inh = np.sort(rng.choice(steps, n_inh, replace=False)) * DT
    return exc, inh[~np.isin(np.round((inh + 1.5) / DT), np.round((exc + 1.0) / DT))]


def test_intfire1_on_nest_fires_at_neurons_spike_times(tmp_path):
    exc, inh = _inputs(3, 250, 60)
    params = [{"tau": 0.02, "refrac": 0.003, "type": "NEURON_IntFire1"}, {"tau": 0.007, "refrac": 0.002}]
    config = write_point_circuit(tmp_path, [{}] * 2, {0: exc, 1: inh}, [(0.3, 1.0), (-0.25, 1.5)],
                                 synapse_json={"level_of_detail": "instantaneous", "sign": 1})
    _as_intfire(tmp_path, "IntFire1", params)
    nest = spike_trains(run(config, simulator="NEST"), "net", 2)
    neuron = spike_trains(run(config, simulator="NEURON"), "net", 2)
    for k, (a, b) in enumerate(zip(nest, neuron)):
        assert a.size >= 10, f"cell {k} fired {a.size} times"
        assert a.size == b.size and np.allclose(a, b, atol=1e-9), f"cell {k}: NEST {a} vs NEURON {b}"


def test_synapse_json_sign_flips_the_weight_on_nest(tmp_path):
    exc, _ = _inputs(5, 250, 1)
    config = write_point_circuit(tmp_path, [{}], {0: exc}, [(0.3, 1.0)], synapse_json={"sign": -1})
    _as_intfire(tmp_path, "IntFire1", [{"tau": 0.02, "refrac": 0.003}])
    assert run(config, simulator="NEST").spikes.n_spikes() == 0        # all inputs inhibitory
    assert run(config, simulator="NEURON").spikes.n_spikes() == 0


def test_intfire2_on_nest_matches_neuron_within_a_step(tmp_path):
    """IntFire2 (NEURON: event-driven, continuous time) vs iaf_psc_exp on NEST's grid: the first spike
    within one run.dt (NEST reports the end of the step in which the threshold was crossed, and resets
    there, so later spikes drift by up to a step per spike); spike counts within 10 %."""
    exc, inh = _inputs(9, 400, 50)
    params = [{"taum": 0.01, "taus": 0.02, "ib": 0.0}, {"taum": 0.008, "taus": 0.015, "ib": 0.5}]
    config = write_point_circuit(tmp_path, [{}] * 2, {0: exc, 1: inh}, [(0.05, 1.0), (-0.04, 1.5)])
    _as_intfire(tmp_path, "IntFire2", params)
    nest = spike_trains(run(config, simulator="NEST"), "net", 2)
    neuron = spike_trains(run(config, simulator="NEURON"), "net", 2)
    for k, (a, b) in enumerate(zip(nest, neuron)):
        assert a.size >= 5, f"cell {k} fired {a.size} times"
        assert abs(a.size - b.size) <= max(1, 0.1 * b.size), f"cell {k}: NEST {a.size} vs NEURON {b.size} spikes"
        assert -1e-9 <= a[0] - b[0] <= DT + 1e-9, f"cell {k}: NEST {a} vs NEURON {b}"


def test_intfire4_is_refused_on_nest_with_the_fix(tmp_path):
    config = write_point_circuit(tmp_path, [{}], {0: [10.0]}, [(0.3, 1.0)])
    _as_intfire(tmp_path, "IntFire4", [{}])
    with pytest.raises(ModelTranslationError, match=r"node type 100.*IntFire4 has no NEST equivalent.*"
                                                    r"point_model_template"):
        run(config, simulator="NEST")
