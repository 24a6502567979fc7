"""The one place where popnet converts units on the way in.

Inside popnet (and at its API) everything is ms, mV and Hz. BMTK's PopNet (DiPDE)
files use seconds and volts instead:

* population JSONs: ``tau_m`` (s), ``v_min``, ``v_max`` (= threshold) and ``dv``
  (V), optional ``t_ref`` (s); rest = reset = 0;
* in such configs ``run.dt`` and edge ``delay`` are seconds and ``syn_weight`` volts,
  while ``run.tstop`` is ms.

Deciding which system a circuit uses (documented rule, checked in this order):

1. an explicit ``"units"`` key in a population JSON (``"SI"``/``"s_V"`` or
   ``"ms_mV"``), or ``run.popnet_units`` in the simulation config, wins;
2. otherwise a population JSON with DiPDE's keys (``v_max``, ``update_method`` or
   ``approx_order``) is seconds/volts; one with ``threshold`` (our key) is ms/mV;
3. otherwise ``tau_m < 1`` means seconds (no LIF neuron has τ below 1 ms).

A config whose populations disagree is an error naming the files.
Our native population JSON keys (ms/mV): ``tau_m``, ``threshold``, ``v_min``,
``dv``, ``v_reset``, ``t_ref``. Seconds/volts JSONs take DiPDE's keys and its defaults for
missing ones (``tau_m`` 0.02 s, ``v_min`` −0.1 V, ``v_max`` 0.02 V, ``dv`` 1e-4 V); DiPDE's
numerical settings (``update_method``, ``approx_order``, ``tol``, ``norm``, ``record``, ...) are
accepted and unused in either system (BMTK ships ms files with ``record``). Any other key is an error naming the file (a typo such as ``tau_M`` would
otherwise fall back to a default silently).
"""
from __future__ import annotations

from typing import Any, Mapping

from bmtk_like.errors import ConfigError

SI = "SI"
MS_MV = "ms_mV"
_SI_NAMES = {"si", "s_v", "s,v", "seconds", "dipde"}
_MS_NAMES = {"ms_mv", "ms,mv", "ms", "milliseconds"}
_DIPDE_KEYS = ("v_max", "update_method", "approx_order")

MS_PER_S = 1000.0
MV_PER_V = 1000.0


def parse_units(value: Any, where: str) -> str:
    """Normalise a ``units`` value to :data:`SI` or :data:`MS_MV`."""
    text = str(value).strip().lower()
    if text in _SI_NAMES:
        return SI
    if text in _MS_NAMES:
        return MS_MV
    raise ConfigError(f"{where}: units '{value}' is not known; use \"SI\" (seconds, volts, as "
                      f"BMTK's DiPDE files) or \"ms_mV\"")


def population_units(params: Mapping[str, Any], where: str) -> str:
    """Unit system of one population JSON (see the module rule)."""
    if "units" in params:
        return parse_units(params["units"], where)
    if any(k in params for k in _DIPDE_KEYS):
        return SI
    if "threshold" in params:
        return MS_MV
    tau = params.get("tau_m")
    if isinstance(tau, (int, float)) and tau < 1.0:
        return SI
    return MS_MV


NATIVE_KEYS = frozenset({"tau_m", "threshold", "v_min", "dv", "v_reset", "t_ref", "tau_ref", "units"})
DIPDE_KEYS = frozenset({"tau_m", "v_min", "v_max", "dv", "units", "t_ref", "tau_ref", "v_reset"})
DIPDE_UNUSED = frozenset({"record", "initial_firing_rate", "curr_firing_rate", "update_method", "approx_order",
                          "tol", "norm", "p0", "metadata"})
DIPDE_DEFAULTS = {"tau_m": 0.02, "v_min": -0.1, "v_max": 0.02, "dv": 0.0001}
"""DiPDE's InternalPopulation defaults (s, V)."""


def population_params_ms_mv(params: Mapping[str, Any], units: str, where: str) -> dict:
    """Population JSON -> keyword arguments of ``solver.Population`` in ms and mV."""
    t = MS_PER_S if units == SI else 1.0
    v = MV_PER_V if units == SI else 1.0
    known = (DIPDE_KEYS if units == SI else NATIVE_KEYS) | DIPDE_UNUSED     # BMTK's ms files carry "record" too
    unknown = sorted(set(params) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown population parameter(s) {unknown}; "
                          f"{'seconds/volts (DiPDE)' if units == SI else 'ms/mV'} population JSONs take "
                          f"{sorted(known)}")
    if units == SI:
        params = {**DIPDE_DEFAULTS, **params}
    for key, value in params.items():
        if key not in DIPDE_UNUSED and key != "units" and value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ConfigError(f"{where}: population parameter '{key}' is {value!r}; expected a number "
                              f"({'s or V' if units == SI else 'ms or mV'})")
    if params.get("tau_m") is None:
        raise ConfigError(f"{where}: population parameters need 'tau_m' "
                          f"({'s' if units == SI else 'ms'}); found keys {sorted(params)}")
    out = {"tau_m": float(params["tau_m"]) * t}
    thr = params.get("threshold", params.get("v_max"))
    if thr is not None:
        out["threshold"] = float(thr) * v
    for key in ("v_min", "dv", "v_reset"):
        if params.get(key) is not None:
            out[key] = float(params[key]) * v
    ref = params.get("t_ref", params.get("tau_ref"))
    if ref is not None:
        out["t_ref"] = float(ref) * t
    return out


def config_time_to_ms(value: float, units: str) -> float:
    """``run.dt`` or an edge delay as written in the config -> ms."""
    return float(value) * (MS_PER_S if units == SI else 1.0)


def weight_to_mv(value, units: str):
    """``syn_weight`` as written (V for SI circuits, mV otherwise) -> mV (arrays too)."""
    return value * (MV_PER_V if units == SI else 1.0)
