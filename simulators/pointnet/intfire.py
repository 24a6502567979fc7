"""NEURON's built-in integrate-and-fire cells (``nrn:IntFire1/2/4``) as NEST models.

BMTK's bio circuits mix them with biophysical cells; their JSONs give times in seconds (BMTK's
convention), and edges onto them carry a magnitude ``syn_weight`` whose sign comes from the synapse
JSON's ``sign`` (applied by ``synapses.py``). Mappings (NEST names and units; V in units of IntFire's
state m, so threshold 1):

- ``IntFire1`` -> ``iaf_psc_delta`` (exact dynamics): m decays to 0 with ``tau``, an input w adds w, m > 1
  fires, inputs are ignored for ``refrac``, restart at 0. E_L = V_reset = 0, V_th = 1, tau_m = tau,
  t_ref = refrac, ``refractory_input`` false, C_m irrelevant. NEST fires at V >= V_th (IntFire1 at m > 1,
  a difference only on exact ties) and works on its time grid.
- ``IntFire2`` -> ``iaf_psc_exp`` (exact dynamics): taum dm/dt = -m + i + ib, taus di/dt = -i, an input w
  adds w to i, m > 1 fires and resets to 0, no refractory period. With C_m = tau_m (pF, numerically) NEST's
  tau_m/C_m = 1, so I_syn (pA) is i and I_e is ib; tau_syn_ex = tau_syn_in = taus, t_ref = 0.
- ``IntFire4`` is refused: its inhibitory current is a difference of two exponentials (taui1, taui2)
  and its weights are normalised to the peak of m, which no NEST LIF reproduces; give the node type a
  ``point_model_template`` (e.g. ``nest:iaf_psc_exp``) and ``point_dynamics_params``, or run it on NEURON.
"""
from __future__ import annotations

from bmtk_like.errors import ModelTranslationError

INTFIRE1_DEFAULTS_MS = {"tau": 10.0, "refrac": 5.0}
INTFIRE2_DEFAULTS_MS = {"taum": 10.0, "taus": 20.0, "ib": 0.0}
_IGNORED_KEYS = {"type", "level_of_detail"}


def _ms(params: dict, key: str, default_ms: float) -> float:
    return float(params[key]) * 1000.0 if key in params else default_ms


def _check_keys(params: dict, known: set, model: str, who: str) -> None:
    unknown = sorted(set(params) - known - _IGNORED_KEYS)
    if unknown:
        raise ModelTranslationError(f"{who}: {unknown} are not parameters of NEURON's {model} "
                                    f"(known: {sorted(known)})")


def intfire1_as_iaf_psc_delta(params: dict, who: str = "IntFire1") -> dict:
    """NEST iaf_psc_delta parameters of an IntFire1 JSON (BMTK's: times in seconds)."""
    _check_keys(params, set(INTFIRE1_DEFAULTS_MS), "IntFire1", who)
    return {"E_L": 0.0, "V_reset": 0.0, "V_th": 1.0, "V_m": 0.0, "C_m": 1.0, "I_e": 0.0,
            "tau_m": _ms(params, "tau", INTFIRE1_DEFAULTS_MS["tau"]),
            "t_ref": _ms(params, "refrac", INTFIRE1_DEFAULTS_MS["refrac"]), "refractory_input": False}


def intfire2_as_iaf_psc_exp(params: dict, who: str = "IntFire2") -> dict:
    """NEST iaf_psc_exp parameters of an IntFire2 JSON (times in seconds, ``ib`` in units of m)."""
    _check_keys(params, set(INTFIRE2_DEFAULTS_MS), "IntFire2", who)
    taum = _ms(params, "taum", INTFIRE2_DEFAULTS_MS["taum"])
    taus = _ms(params, "taus", INTFIRE2_DEFAULTS_MS["taus"])
    return {"E_L": 0.0, "V_reset": 0.0, "V_th": 1.0, "V_m": 0.0, "C_m": taum, "tau_m": taum, "t_ref": 0.0,
            "tau_syn_ex": taus, "tau_syn_in": taus, "I_e": float(params.get("ib", 0.0))}


def nest_equivalent(model: str, params: dict, who: str) -> tuple[str, dict]:
    """(NEST model, parameters) standing for ``nrn:<model>`` with BMTK-style ``params``."""
    if model == "IntFire1":
        return "iaf_psc_delta", intfire1_as_iaf_psc_delta(params, who)
    if model == "IntFire2":
        return "iaf_psc_exp", intfire2_as_iaf_psc_exp(params, who)
    if model == "IntFire4":
        raise ModelTranslationError(
            f"{who}: nrn:IntFire4 has no NEST equivalent (its inhibitory current is a difference of two "
            "exponentials and its weights are peak-normalised); give the node type a point_model_template "
            "(e.g. nest:iaf_psc_exp) and point_dynamics_params, or run it on NEURON")
    raise ModelTranslationError(f"{who}: nrn:{model} is not a NEURON artificial cell NEST can stand in for; "
                                "NEST runs nrn:IntFire1 (as iaf_psc_delta) and nrn:IntFire2 (as iaf_psc_exp)")
