"""BMTK's named synapse models (``model_template`` ``expsyn``, ``stp2syn``, ...), declared as data.

bmtk's BioNet maps these lower-case names to a NEURON point process and sets only some of the
synapse JSON's values, renamed, plus fixed values for a few STP models (bmtk 1.2.0,
``bionet/default_setters/synapse_models.py``). A model_template not in this table is a NEURON point
process whose JSON values are set by name (``erev`` -> ``e``).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class NamedSynapse:
    point_process: str
    from_json: dict            # NEURON attribute -> synapse JSON key
    fixed: dict = field(default_factory=dict)   # NEURON attribute -> value bmtk sets regardless of the JSON


_STP5 = {"e": "erev", "tau_1": "tau_1", "tau_r0": "tau_r0", "tau_FDR": "tau_FDR", "a_FDR": "a_FDR",
         "a_D": "a_D", "a_i": "a_i", "a_f": "a_f", "pbtilde": "pbtilde"}

BMTK_SYNAPSES: dict[str, NamedSynapse] = {
    "expsyn": NamedSynapse("ExpSyn", {"e": "erev", "tau": "tau1"}),
    "exp2syn": NamedSynapse("Exp2Syn", {"e": "erev", "tau1": "tau1", "tau2": "tau2"}),
    "exp1syn": NamedSynapse("exp1syn", {"e": "erev", "tau": "tau_1"}),
    "exp1isyn": NamedSynapse("exp1isyn", {"e": "erev", "tau": "tau_1"}),
    "stp1syn": NamedSynapse("stp1syn", {"e": "erev"}, {"p0": 0.5, "tau_r": 200.0, "tau_1": 5.0}),
    "stp2syn": NamedSynapse("stp2syn", {"e": "erev", "p0": "p0", "tau_r0": "tau_r0", "tau_FDR": "tau_FDR",
                                        "tau_1": "tau_1"}),
    "stp3syn": NamedSynapse("stp3syn", {"e": "erev"}, {"p0": 0.6, "tau_r0": 200.0, "tau_FDR": 2000.0,
                                                       "tau_D": 500.0, "tau_1": 5.0}),
    "stp4syn": NamedSynapse("stp4syn", {"e": "erev"}, {"p0": 0.6, "tau_r": 200.0, "tau_1": 5.0}),
    "stp5syn": NamedSynapse("stp5syn", _STP5),
    "stp5isyn": NamedSynapse("stp5isyn", _STP5),
    "tmgsyn": NamedSynapse("tmgsyn", {"e": "erev", "tau_1": "tau_1", "tau_rec": "tau_rec",
                                      "tau_facil": "tau_facil", "U": "U", "u0": "u0"}),
}


def bmtk_parameters(named: NamedSynapse, params: dict, who: str) -> dict:
    """The NEURON attribute values bmtk sets for ``named`` from the synapse JSON ``params``."""
    from bmtk_like.errors import SimulationError
    missing = sorted(key for key in named.from_json.values() if key not in params)
    if missing:
        raise SimulationError(f"{who}: synapse model {named.point_process} (bmtk's "
                              f"{[k for k, v in BMTK_SYNAPSES.items() if v is named][0]}) needs "
                              f"{missing} in its dynamics_params JSON")
    values = {attr: float(params[key]) for attr, key in named.from_json.items()}
    values.update(named.fixed)
    return values
