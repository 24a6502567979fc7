"""NEURON's ``IntFire1`` as its NEST equivalent, ``iaf_psc_delta`` (exact dynamics).

IntFire1 (NEURON's built-in, BMTK's JSONs give ``tau`` and ``refrac`` in seconds): a state m decays to 0
with ``tau``, an input of weight w adds w, the cell fires when m > 1, then ignores inputs for ``refrac``
and restarts at m = 0. ``iaf_psc_delta`` with E_L = V_reset = 0 mV, V_th = 1 mV, tau_m = tau,
t_ref = refrac and ``refractory_input`` false is the same system with V (mV) = m; an edge weight w
(times the synapse JSON's ``sign``, BMTK's rule for IntFire targets) is a jump of w mV. C_m plays no part
with delta synapses. Differences: NEST fires at V ≥ V_th (IntFire1 at m > 1, which differs only on exact
ties) and adds the inputs of one time step before testing the threshold; input times are on NEST's grid.
"""
from __future__ import annotations

from pathlib import Path

from bmtk_like.errors import ModelTranslationError
from simulators.core.levels import split_template

INTFIRE1_DEFAULTS_MS = {"tau": 10.0, "refrac": 5.0}
"""NEURON's IntFire1 defaults (ms)."""


def intfire1_as_iaf_psc_delta(params: dict) -> dict:
    """NEST iaf_psc_delta parameters of an IntFire1 JSON (BMTK's: times in seconds)."""
    tau = float(params["tau"]) * 1000.0 if "tau" in params else INTFIRE1_DEFAULTS_MS["tau"]
    refrac = float(params["refrac"]) * 1000.0 if "refrac" in params else INTFIRE1_DEFAULTS_MS["refrac"]
    return {"E_L": 0.0, "V_reset": 0.0, "V_th": 1.0, "V_m": 0.0, "tau_m": tau, "t_ref": refrac, "C_m": 1.0,
            "I_e": 0.0, "refractory_input": False}


def nest_equivalent(row: dict, models_dir) -> tuple[str, dict]:
    """(NEST template, parameters) standing for a ``nrn:IntFire*`` node type."""
    from simulators.core import load_params_json
    _, model = split_template(row.get("model_template"))
    who = f"node type {row.get('node_type_id')} ({row.get('model_template')})"
    if model != "IntFire1":
        raise ModelTranslationError(f"{who}: only nrn:IntFire1 has an exact NEST equivalent (iaf_psc_delta); "
                                    f"{model} cannot be reduced yet")
    name = row.get("dynamics_params")
    params = load_params_json(Path(models_dir), str(name)) if name and models_dir is not None else {}
    return "nest:iaf_psc_delta", intfire1_as_iaf_psc_delta(params)
