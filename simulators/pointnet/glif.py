"""Allen Institute GLIF parameters -> NEST 3 ``glif_psc`` / ``glif_cond``.

Two inputs are accepted:

1. Allen Cell Types Database ``neuron_config`` JSONs (SI units; keys ``El``,
   ``El_reference``, ``th_inf``, ``R_input``, ``C``, ``coeffs``, ``asc_tau_array`` ...):
   converted with BMTK's formulas — volts x 1e3 -> mV, farads x 1e12 -> pF,
   1/ohm x 1e9 -> nS, amperes x 1e12 -> pA, seconds -> ms, rates 1/s x 1e-3 -> 1/ms.
2. NEST-style JSONs (already mV/pF/nS/pA/ms, as in BMTK's examples) written for the
   NEST 2 models ``glif_lif[_r][_asc][_a][_psc]``: old parameter names (``k``,
   ``a_spike``...) are renamed to NEST 3's, and the model flags come from the name.

NEST 3 merged the ten NEST 2 GLIF models into ``glif_psc`` with three switches:
``_r`` -> ``spike_dependent_threshold``, ``_asc`` -> ``after_spike_currents``,
``_a`` -> ``adapting_threshold``.
"""
from __future__ import annotations

import re
from typing import Any, Optional

import numpy as np

DEFAULT_TAU_SYN = [5.5, 8.5, 2.8, 5.8]     # ms, BMTK's default synaptic ports

_RENAMES = {"k": "asc_decay", "a_spike": "th_spike_add", "b_spike": "th_spike_decay",
            "a_reset": "voltage_reset_fraction", "b_reset": "voltage_reset_add",
            "a_voltage": "th_voltage_index", "b_voltage": "th_voltage_decay", "r": "asc_r"}
_DROP = {"V_dynamics_method", "type", "model_type"}
_OLD_NAME = re.compile(r"^glif_lif(?P<r>_r)?(?P<asc>_asc)?(?P<a>_a)?(?P<kind>_psc|_cond)?$")


def nest_glif_model(model: str) -> Optional[tuple[str, dict]]:
    """For a NEST 2 GLIF name return (NEST 3 model, flags); None if not an old GLIF name."""
    match = _OLD_NAME.match(model)
    if not match:
        return None
    kind = "glif_cond" if match.group("kind") == "_cond" else "glif_psc"
    flags = {"spike_dependent_threshold": bool(match.group("r")),
             "after_spike_currents": bool(match.group("asc")),
             "adapting_threshold": bool(match.group("a"))}
    return kind, flags


def is_allen_neuron_config(params: dict) -> bool:
    """True for an Allen Cell Types DB GLIF neuron_config (SI units)."""
    return "coeffs" in params and "El_reference" in params and "th_inf" in params


def convert_allen_neuron_config(cfg: dict, tau_syn: Optional[list] = None) -> tuple[dict, dict]:
    """Allen neuron_config (SI) -> (glif_psc params in mV/pF/nS/pA/ms, flags)."""
    coeffs = cfg["coeffs"]
    el_ref = cfg["El_reference"] * 1.0e3
    params: dict[str, Any] = {
        "V_th": coeffs["th_inf"] * cfg["th_inf"] * 1.0e3 + el_ref,
        "g": coeffs["G"] / cfg["R_input"] * 1.0e9,
        "E_L": cfg["El"] * 1.0e3 + el_ref,
        "C_m": coeffs["C"] * cfg["C"] * 1.0e12,
        "t_ref": cfg["spike_cut_length"] * cfg["dt"] * 1.0e3,
        "V_reset": el_ref,
        "tau_syn": list(tau_syn or DEFAULT_TAU_SYN),
    }
    params["V_m"] = params["E_L"]
    flags = {"spike_dependent_threshold": False, "after_spike_currents": False,
             "adapting_threshold": False}
    asc_amps = np.asarray(cfg.get("asc_amp_array") or [], dtype=float)
    if asc_amps.size and np.any(asc_amps != 0):
        flags["after_spike_currents"] = True
        params["asc_init"] = (np.asarray(cfg.get("init_AScurrents", np.zeros(asc_amps.size)),
                                         float) * 1.0e12).tolist()
        params["asc_decay"] = (1.0 / np.asarray(cfg["asc_tau_array"], float) * 1.0e-3).tolist()
        params["asc_amps"] = (asc_amps * np.asarray(coeffs.get("asc_amp_array", 1.0), float)
                              * 1.0e12).tolist()
        reset = (cfg.get("AScurrent_reset_method") or {}).get("params") or {}
        params["asc_r"] = list(np.broadcast_to(np.asarray(reset.get("r", 1.0), float),
                                               asc_amps.shape))
    threshold = (cfg.get("threshold_dynamics_method") or {})
    tparams = threshold.get("params") or {}
    if threshold.get("name") in ("three_components_exact", "spike_component") or \
            tparams.get("a_spike") not in (None, 0):
        flags["spike_dependent_threshold"] = True
        params["th_spike_add"] = tparams["a_spike"] * 1.0e3
        params["th_spike_decay"] = tparams["b_spike"] * 1.0e-3
        vreset = (cfg.get("voltage_reset_method") or {}).get("params") or {}
        params["voltage_reset_fraction"] = vreset.get("a", 0.0)
        params["voltage_reset_add"] = vreset.get("b", 0.0) * 1.0e3
        params.pop("V_reset")
        if threshold.get("name") == "three_components_exact" and "a_voltage" in tparams:
            flags["adapting_threshold"] = True
            params["th_voltage_index"] = tparams["a_voltage"] * coeffs.get("a", 1.0) * 1.0e-3
            params["th_voltage_decay"] = tparams["b_voltage"] * coeffs.get("b", 1.0) * 1.0e-3
    return params, flags


def glif_params(model: str, params: dict) -> tuple[str, dict]:
    """NEST 3 (model, params) for a GLIF node type given its template model and params JSON.

    ``model`` is the template's model name (``glif_psc``, ``glif_cond`` or a NEST 2 name
    such as ``glif_lif_asc_psc``); flags implied by a NEST 2 name are added unless the
    params set them explicitly.
    """
    old = nest_glif_model(model)
    nest_model, flags = old if old else (model, {})
    if is_allen_neuron_config(params):
        converted, allen_flags = convert_allen_neuron_config(params)
        return nest_model, {**allen_flags, **converted}
    out = {_RENAMES.get(k, k): v for k, v in params.items() if k not in _DROP}
    for key, value in flags.items():
        out.setdefault(key, value)
    if out.get("after_spike_currents") and "asc_decay" in out and "asc_r" not in out:
        out["asc_r"] = [1.0] * len(out["asc_decay"])
    return nest_model, out


def is_glif(model: str) -> bool:
    """True for NEST 3 GLIF models and NEST 2 GLIF names."""
    return model.startswith("glif_")
