"""Point neurons of other simulators as NEURON artificial cells: the one translation table.

DESIGN ("One circuit, three levels"): a ``point_neuron`` on NEURON runs as an artificial LIF cell with
the same parameters. :data:`TRANSLATIONS` declares, per source model, the NEURON cell, its parameters,
its initial state and the NetCon weight per unit of edge weight as formulas of the source model's own
parameters (NEST names and units: mV, ms, pF, pA), read from ``components.point_neuron_models_dir``
with the model's NEST 3.10 defaults for missing keys.

``nest:iaf_psc_delta`` -> ``IntFire1`` (exact, event-driven)::

    m          = (V - E_L) / (V_th - E_L)     IntFire1's state: rest and reset 0, threshold 1
    tau        = tau_m   (ms)                 IntFire1 decays m with tau between events
    refrac     = t_ref   (ms)                 IntFire1 ignores inputs while refractory, like
                                              iaf_psc_delta's refractory_input=False
    m(t=0)     = (V_m - E_L) / (V_th - E_L)   set after IntFire1's INITIAL block (which sets m = 0)
    NetCon w   = w_edge / (V_th - E_L)        w_edge = syn_weight x nsyns (or the weight_function),
                                              the signed PSP jump in mV as NEST reads it

It needs V_reset == E_L (IntFire1 restarts at m = 0), I_e == 0 (no bias current), no V_min floor,
refractory_input False and V_m < V_th (V_m below E_L is fine: m < 0). C_m plays no part (delta synapses).
``conditions.v_init`` is not applied, as on NEST: the JSON's V_m is the initial state.

Weight sign rule: edges onto a translated cell mean what they mean on NEST. The weight's own sign is
the PSP's sign (IntFire1 accepts negative weights); a synapse JSON ``sign`` (BMTK's convention for
``nrn:IntFire*`` targets, whose syn_weight is a magnitude) is refused for these edges, as NEST refuses
it for ``static_synapse``. Native ``nrn:IntFire1/2/4`` node types keep BMTK's conventions (times in
seconds in their JSON, sign from the synapse JSON).

Remaining differences to NEST (tests/crosslevel/test_three_levels.py pins the agreement):
- NEST moves off-grid input spike times up to the next step of run.dt; NEURON plays them at their exact
  times. A network's spike times then differ by up to run.dt and its trajectories diverge; rates agree.
- Simultaneous inputs: NEST adds all inputs of a step before its threshold test, IntFire1 takes them one
  by one (an excitatory input can fire the cell before an inhibitory one of the same instant arrives).
- NEST fires at V >= V_th, IntFire1 at m > 1 (a tie needs exact equality).
With inputs on the grid and never simultaneous, the spike times are identical, including inputs during
the refractory period and at its very end (both ignore them).

``nest:iaf_psc_exp`` -> ``BmtkLikeIafPscExp`` and ``nest:iaf_psc_alpha`` -> ``BmtkLikeIafPscAlpha``: NEURON's
IntFire2/4 have no refractory period and constrain their time constants, so these run as bmtk_like's own
artificial cells (``mod/point_models/``, written from the equations, compiled on first use like any
mechanism folder): the same parameters (NEST names and units), NEST's exact propagators stepped on
NEURON's fixed ``dt`` in NEST's order (V from the previous currents, then decay, then the step's inputs,
then the threshold), weights in pA as on NEST (sign picks the excitatory or inhibitory current). Spike
times are the same steps as NEST's when the inputs are on the grid; off-grid input times take effect at
the end of the next step, as NEST rounds them up.
"""
from __future__ import annotations

import math
from pathlib import Path
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

from bmtk_like.errors import ModelTranslationError

Params = Mapping[str, float]


@dataclass(frozen=True)
class Condition:
    """A requirement on the source parameters; ``explanation`` is formatted with them for the message."""

    holds: Callable[[Params], bool]
    explanation: str


@dataclass(frozen=True)
class PointTranslation:
    """How one source point model becomes a NEURON artificial cell (formulas of the source parameters)."""

    source: str                                   # e.g. "nest:iaf_psc_delta"
    neuron_model: str                             # e.g. "IntFire1"
    defaults: Mapping[str, Any]                   # the source model's defaults, its own names and units
    parameters: Mapping[str, Callable[[Params], float]]     # NEURON parameter (NEURON units) <- formula
    initial_state: Mapping[str, Callable[[Params], float]]  # set after NEURON's INITIAL block
    weight_per_unit: Callable[[Params], float]    # NetCon weight per unit of the edge's weight
    conditions: tuple[Condition, ...] = field(default_factory=tuple)
    ignored: frozenset[str] = frozenset()         # source parameters with no effect here (accepted, unused)
    mechanisms_dir: Path | None = None            # folder of the .mod file defining neuron_model (None: built in)


@dataclass(frozen=True)
class ArtificialCellSpec:
    """One cell's (or node type's) translated values."""

    neuron_model: str
    parameters: dict[str, float]
    initial_state: dict[str, float]
    weight_per_unit: float


def _theta(p: Params) -> float:
    """Distance from rest to threshold (mV): one unit of IntFire1's m."""
    return float(p["V_th"]) - float(p["E_L"])


NO_FLOOR_MV = -1e300
"""A V_min at or below this is NEST's -DBL_MAX default: no floor."""

IAF_PSC_DELTA_TO_INTFIRE1 = PointTranslation(
    source="nest:iaf_psc_delta",
    neuron_model="IntFire1",
    defaults=MappingProxyType({"C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "E_L": -70.0, "V_th": -55.0,
                               "V_reset": -70.0, "V_m": -70.0, "I_e": 0.0, "V_min": -1.7976931348623157e308,
                               "refractory_input": False}),
    parameters=MappingProxyType({"tau": lambda p: float(p["tau_m"]), "refrac": lambda p: float(p["t_ref"])}),
    initial_state=MappingProxyType({"m": lambda p: (float(p["V_m"]) - float(p["E_L"])) / _theta(p)}),
    weight_per_unit=lambda p: 1.0 / _theta(p),
    conditions=(
        Condition(lambda p: _theta(p) > 0, "V_th ({V_th} mV) must lie above E_L ({E_L} mV)"),
        Condition(lambda p: float(p["tau_m"]) > 0 and float(p["t_ref"]) >= 0,
                  "tau_m ({tau_m} ms) must be > 0 and t_ref ({t_ref} ms) >= 0"),
        Condition(lambda p: math.isclose(float(p["V_reset"]), float(p["E_L"]), abs_tol=1e-9),
                  "IntFire1 restarts at rest after a spike, so V_reset ({V_reset} mV) must equal E_L ({E_L} mV); "
                  "set V_reset = E_L in the JSON or run this node type on NEST"),
        Condition(lambda p: float(p["I_e"]) == 0.0,
                  "IntFire1 has no bias current, so I_e ({I_e} pA) must be 0; drive the cell with input spikes "
                  "or run it on NEST"),
        Condition(lambda p: float(p["V_min"]) <= NO_FLOOR_MV,
                  "IntFire1 has no lower bound on its state, so V_min ({V_min} mV) must be left unset"),
        Condition(lambda p: not bool(p["refractory_input"]),
                  "IntFire1 ignores inputs while refractory, so refractory_input must be false"),
        Condition(lambda p: float(p["V_m"]) < float(p["V_th"]),
                  "the initial V_m ({V_m} mV) must lie below V_th ({V_th} mV)"),
    ),
    ignored=frozenset({"tau_minus", "tau_minus_triplet"}),       # NEST's STDP spike-history settings
)

POINT_MODELS_DIR = Path(__file__).parent / "mod" / "point_models"
"""bmtk_like's own artificial cells for NEST's current-based LIFs (written from the equations)."""
_IAF_PSC_DEFAULTS = MappingProxyType({"C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "E_L": -70.0, "V_th": -55.0,
                                      "V_reset": -70.0, "V_m": -70.0, "I_e": 0.0, "tau_syn_ex": 2.0,
                                      "tau_syn_in": 2.0})
_SAME = ("C_m", "tau_m", "t_ref", "E_L", "V_th", "V_reset", "I_e", "tau_syn_ex", "tau_syn_in")
_IAF_PSC_CONDITIONS = (
    Condition(lambda p: float(p["tau_m"]) > 0 and float(p["C_m"]) > 0 and float(p["t_ref"]) >= 0
              and float(p["tau_syn_ex"]) > 0 and float(p["tau_syn_in"]) > 0,
              "tau_m ({tau_m} ms), C_m ({C_m} pF), tau_syn_ex/in and t_ref ({t_ref} ms) must be positive"),
)


def _same_parameters() -> Mapping[str, Callable[[Params], float]]:
    return MappingProxyType({k: (lambda p, k=k: float(p[k])) for k in _SAME})


IAF_PSC_EXP = PointTranslation(
    source="nest:iaf_psc_exp", neuron_model="BmtkLikeIafPscExp", defaults=_IAF_PSC_DEFAULTS,
    parameters=_same_parameters(), initial_state=MappingProxyType({"V_m": lambda p: float(p["V_m"])}),
    weight_per_unit=lambda p: 1.0, conditions=_IAF_PSC_CONDITIONS,
    ignored=frozenset({"tau_minus", "tau_minus_triplet"}), mechanisms_dir=POINT_MODELS_DIR)
IAF_PSC_ALPHA = PointTranslation(
    source="nest:iaf_psc_alpha", neuron_model="BmtkLikeIafPscAlpha", defaults=_IAF_PSC_DEFAULTS,
    parameters=_same_parameters(), initial_state=MappingProxyType({"V_m": lambda p: float(p["V_m"])}),
    weight_per_unit=lambda p: 1.0, conditions=_IAF_PSC_CONDITIONS,
    ignored=frozenset({"tau_minus", "tau_minus_triplet"}), mechanisms_dir=POINT_MODELS_DIR)

TRANSLATIONS: Mapping[tuple[str, str], PointTranslation] = MappingProxyType({
    ("nest", "iaf_psc_delta"): IAF_PSC_DELTA_TO_INTFIRE1,
    ("", "iaf_psc_delta"): IAF_PSC_DELTA_TO_INTFIRE1,
    ("nest", "iaf_psc_exp"): IAF_PSC_EXP,
    ("", "iaf_psc_exp"): IAF_PSC_EXP,
    ("nest", "iaf_psc_alpha"): IAF_PSC_ALPHA,
    ("", "iaf_psc_alpha"): IAF_PSC_ALPHA,
})
"""(template prefix, model) -> translation; a template without prefix means the NEST model."""

REFUSED: Mapping[str, str] = MappingProxyType({})
"""Point models known to have no NEURON translation, with the reason (none at present)."""


def find_translation(engine: str, model: str) -> PointTranslation | None:
    """The translation of template ``engine:model`` (``split_template``'s parts), or None."""
    return TRANSLATIONS.get((engine, model))


def refusal(engine: str, model: str) -> str | None:
    """Why ``engine:model`` is refused on NEURON and what to use instead, or None if not a known refusal."""
    return REFUSED.get(model) if engine in ("nest", "") else None


def translate(translation: PointTranslation, params: Mapping[str, Any], who: str,
              source_file: str | None = None) -> ArtificialCellSpec:
    """Translate ``params`` (the JSON's values, NEST defaults for missing keys) for ``who`` (a node type).

    Raises ModelTranslationError naming ``who``, the file and the fix when a key is unknown or a
    condition of the translation fails.
    """
    where = f"{who} ({translation.source}" + (f", {source_file})" if source_file else ")")
    unknown = sorted(set(params) - set(translation.defaults) - translation.ignored)
    if unknown:
        raise ModelTranslationError(f"{where}: {unknown} are not parameters of {translation.source}; remove them "
                                    f"(known: {sorted(translation.defaults)})")
    merged = {**translation.defaults, **{k: v for k, v in params.items() if k not in translation.ignored}}
    for condition in translation.conditions:
        if not condition.holds(merged):
            raise ModelTranslationError(f"{where} cannot run on NEURON as {translation.neuron_model}: "
                                        + condition.explanation.format(**merged))
    return ArtificialCellSpec(translation.neuron_model,
                              {k: f(merged) for k, f in translation.parameters.items()},
                              {k: f(merged) for k, f in translation.initial_state.items()},
                              translation.weight_per_unit(merged))
