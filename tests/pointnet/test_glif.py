"""Allen GLIF parameter files -> NEST 3 glif_psc."""
import json
from pathlib import Path

import numpy as np
import pytest

from simulators.pointnet.glif import glif_params, nest_glif_model
from simulators.pointnet.kernel import reset_kernel

ALLEN_SI = {
    "El": 0.0, "El_reference": -0.07, "th_inf": 0.02, "R_input": 1.0e8, "C": 1.0e-10,
    "spike_cut_length": 20, "dt": 5.0e-5, "init_AScurrents": [0.0, 0.0],
    "asc_amp_array": [-1.0e-11, -2.0e-11], "asc_tau_array": [0.01, 0.1],
    "coeffs": {"th_inf": 1.0, "G": 1.0, "C": 1.0, "asc_amp_array": [1.0, 1.0]},
    "threshold_dynamics_method": {"name": "inf", "params": {}},
    "AScurrent_reset_method": {"name": "sum", "params": {"r": [1.0, 1.0]}},
}


def test_nest2_names_map_to_glif_psc_switches():
    assert nest_glif_model("glif_lif_r_asc_a_psc") == ("glif_psc", {
        "spike_dependent_threshold": True, "after_spike_currents": True, "adapting_threshold": True})
    assert nest_glif_model("glif_lif_asc")[1]["after_spike_currents"] is True
    assert nest_glif_model("glif_psc") is None


def test_allen_neuron_config_si_to_nest_units():
    model, p = glif_params("glif_lif_asc_psc", ALLEN_SI)
    assert model == "glif_psc" and p["after_spike_currents"] and not p["spike_dependent_threshold"]
    assert p["V_th"] == pytest.approx(-50.0) and p["E_L"] == pytest.approx(-70.0)
    assert p["g"] == pytest.approx(10.0) and p["C_m"] == pytest.approx(100.0)
    assert p["t_ref"] == pytest.approx(1.0)
    assert np.allclose(p["asc_amps"], [-10.0, -20.0]) and np.allclose(p["asc_decay"], [0.1, 0.01])
    nest = reset_kernel(0.1)
    cell = nest.Create(model, 1, params=p)
    assert cell.get("C_m") == pytest.approx(100.0)


def test_bmtk_example_glif_files_are_accepted_by_nest(bmtk_examples):
    nest = reset_kernel(0.1)
    files = sorted((bmtk_examples / "point_components" / "cell_models").glob("*glif*.json"))
    assert len(files) == 5
    for path in files:
        model, params = glif_params("glif_lif_asc_psc", json.loads(path.read_text()))
        cell = nest.Create(model, 1, params=params)
        assert cell.get("after_spike_currents") and len(cell.get("tau_syn")) == 4
        assert cell.get("g") == pytest.approx(json.loads(path.read_text())["g"])
