"""Which nodes of a SONATA circuit form which density population.

* ``model_type: population`` nodes: one density population per node type; its
  ``dynamics_params`` JSON (in ``components.population_models_dir``) gives the LIF
  parameters (see :mod:`simulators.popnet.units` for the unit rule).
* ``virtual`` nodes: one external population per node type (BMTK's ``pop_rates``
  inputs address them by node_type_id).
* ``point_neuron`` (and ``biophysical`` types with a reduced point model) are
  coarse-grained: nodes grouped by a key (default ``pop_name``), each group one
  density population. The point model must be a NEST current-based LIF
  (NEST defaults for missing values), mapped as θ = V_th − E_L,
  v_reset = V_reset − E_L, floor v_min = V_min − E_L (default −θ), tau_m and
  t_ref unchanged (ms, mV). Synaptic weights become voltage jumps (mV):

  - ``iaf_psc_delta``: the weight is the jump (exact);
  - ``iaf_psc_exp``:   jump = w · tau_syn / C_m  (w pA, tau_syn ms, C_m pF);
  - ``iaf_psc_alpha``: jump = w · e · tau_syn / C_m.

  The last two deliver the synapse's whole charge at once: the mean drive is
  exact, the fluctuations are somewhat overestimated when tau_syn is not ≪ tau_m.
  ``tau_syn_ex`` applies to positive weights, ``tau_syn_in`` to negative ones.

Labels are the node type's ``pop_name`` (or the group key's value); when two
groups would share a label, it is prefixed with ``<node population>.``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from bmtk_like.errors import ModelTranslationError
from bmtk_like.input_checks import check_population_template
from bmtk_like.sonata.columns import is_missing
from simulators.core.levels import DEFAULT_POPULATION_KEY, node_model_types, point_model_for_type
from simulators.core.params import load_params_json
from simulators.popnet import units as U

#: NEST 3 defaults of the iaf_psc_* models (mV, ms, pF).
IAF_DEFAULTS = {"E_L": -70.0, "V_th": -55.0, "V_reset": -70.0, "tau_m": 10.0,
                "t_ref": 2.0, "C_m": 250.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0}
#: Parameters of NEST's iaf_psc_delta/exp/alpha a popnet mapping accepts (the rest of NEST's set has no
#: counterpart in the density model): V_m is the initial state, the STDP history keys play no part.
IAF_KEYS = frozenset(IAF_DEFAULTS) | {"V_m", "V_min", "I_e", "refractory_input", "tau_minus", "tau_minus_triplet"}
#: model -> charge factor of a unit PSC (ms): delta 0 (weight is the jump), exp τ, alpha e·τ.
LIF_MODELS = {"iaf_psc_delta": None, "iaf_psc_exp": 1.0, "iaf_psc_alpha": float(np.e)}


@dataclass
class Group:
    """One density population: ``label``, the nodes it stands for, and its
    ``solver.Population`` keyword arguments (ms, mV) or None for external ones."""

    label: str
    node_population: str
    node_ids: np.ndarray
    external: bool
    params: Optional[dict] = None
    node_type_ids: tuple = ()
    units: str = U.MS_MV
    source: str = ""
    extra: dict = field(default_factory=dict)


def _label(row: dict, fallback: str) -> str:
    name = row.get("pop_name")
    if is_missing(name):
        return fallback
    return str(name).strip()


def _population_group(circuit: Any, pop: str, ntid: int, ids: np.ndarray, row: dict,
                      units_override: Optional[str]) -> Group:
    where = f"node type {ntid} of population '{pop}'"
    check_population_template(row.get("model_template"), f"{where} ({circuit.nodes[pop].types_file})")
    fname = row.get("dynamics_params")
    if is_missing(fname):
        raise ModelTranslationError(f"{where} has model_type 'population' but no dynamics_params; "
                                    "add a population JSON (tau_m, v_min, v_max/threshold, dv)")
    folder = circuit.component_dir("population_models_dir", required_by=where)
    params = load_params_json(folder, fname)
    src = f"{where} ({folder / str(fname)})"
    units = units_override or U.population_units(params, src)
    return Group(_label(row, f"{pop}_{ntid}"), pop, ids, False,
                 U.population_params_ms_mv(params, units, src), (ntid,), units, src)


def _point_params(circuit: Any, pop: str, ntid: int, row: dict) -> tuple[dict, tuple]:
    """(Population kwargs in ms/mV, (mV per unit weight for w > 0, for w < 0))."""
    model = point_model_for_type(row, population=pop, node_type_id=ntid)
    where = f"node type {ntid} of population '{pop}'"
    if model.model not in LIF_MODELS:
        raise ModelTranslationError(
            f"{where} uses point model '{model.model}', which popnet cannot map onto a density "
            f"population; it maps {sorted(LIF_MODELS)}. Give the node type a "
            "point_model_template 'nest:iaf_psc_delta' or run it on NEST")
    p = dict(IAF_DEFAULTS)
    if model.dynamics_params:
        folder = circuit.component_dir("point_neuron_models_dir", required_by=where)
        given = load_params_json(folder, model.dynamics_params)
        unknown = sorted(set(given) - IAF_KEYS)
        if unknown:
            raise ModelTranslationError(f"{where}: {model.dynamics_params} has {unknown}, which are not "
                                        f"parameters of {model.model} (known: {sorted(IAF_KEYS)})")
        i_e = given.get("I_e", 0.0)
        if isinstance(i_e, bool) or not isinstance(i_e, (int, float)):
            raise ModelTranslationError(f"{where}: I_e in {model.dynamics_params} is {i_e!r}; expected a number "
                                        "(pA), and 0 for popnet")
        if i_e != 0.0:
            raise ModelTranslationError(f"{where}: I_e = {given['I_e']} pA in {model.dynamics_params}; the "
                                        "density model has no bias current, so popnet cannot map it; drive the "
                                        "population through virtual inputs instead, or run it on NEST")
        if given.get("refractory_input"):
            raise ModelTranslationError(f"{where}: refractory_input is true in {model.dynamics_params}; the "
                                        "density model ignores inputs during the refractory period")
        p.update(given)
    theta = float(p["V_th"]) - float(p["E_L"])
    out = {"tau_m": float(p["tau_m"]), "threshold": theta,
           "v_reset": float(p["V_reset"]) - float(p["E_L"]), "t_ref": float(p["t_ref"])}
    v_min = p.get("V_min")
    out["v_min"] = min(float(v_min) - float(p["E_L"]) if v_min is not None else -theta, out["v_reset"], 0.0)
    charge = LIF_MODELS[model.model]
    if charge is None:
        return out, (1.0, 1.0)
    c_m = float(p["C_m"])
    return out, (charge * float(p["tau_syn_ex"]) / c_m, charge * float(p["tau_syn_in"]) / c_m)


def circuit_groups(circuit: Any, group_by: str = DEFAULT_POPULATION_KEY,
                   units_override: Optional[str] = None) -> tuple[list[Group], dict[str, np.ndarray]]:
    """All groups of ``circuit`` and, per node population, the group index of every
    node (-1 for nodes in no group)."""
    groups: list[Group] = []
    membership: dict[str, np.ndarray] = {}
    for pop, nodes in circuit.nodes.items():
        member = np.full(nodes.size, -1, dtype=np.int64)
        mtypes = node_model_types(nodes)
        point_types: list[tuple] = []
        for ntid, rows in nodes.type_batches():
            row = nodes.type_row(ntid)
            ids = np.asarray(nodes.node_ids, dtype=np.int64)[rows]
            kind = mtypes[rows[0]] if rows.size else ""
            if kind == "virtual":
                group = Group(_label(row, f"{pop}_{ntid}"), pop, ids, True, None, (ntid,))
            elif kind == "population":
                group = _population_group(circuit, pop, ntid, ids, row, units_override)
            else:
                params, to_mv = _point_params(circuit, pop, ntid, row)
                if group_by == "node_type_id":
                    key = str(ntid)
                else:
                    if not nodes.has_column(group_by):
                        raise ModelTranslationError(
                            f"population '{pop}' has no column '{group_by}' to group its point "
                            f"neurons into density populations; add it or set popnet.group_by")
                    key = None
                point_types.append((ntid, rows, ids, params, to_mv, key))
                continue
            member[rows] = len(groups)
            groups.append(group)
        for ntid, rows, ids, params, to_mv, key in point_types:
            keys = np.asarray(nodes.column(group_by), dtype=str)[rows] if key is None else np.full(rows.size, key)
            for value in np.unique(keys):
                sel = keys == value
                label = str(value)
                existing = next((i for i, g in enumerate(groups) if g.node_population == pop
                                 and g.source == "point" and g.label == label), None)
                if existing is None:
                    member[rows[sel]] = len(groups)
                    groups.append(Group(label, pop, ids[sel], False, params, (ntid,), U.MS_MV, "point",
                                        {"weight_to_mv": to_mv}))
                    continue
                g = groups[existing]
                if g.params != params or g.extra["weight_to_mv"] != to_mv:
                    raise ModelTranslationError(
                        f"group '{label}' of population '{pop}' mixes node types {g.node_type_ids} "
                        f"and {ntid} with different LIF parameters ({g.params} vs {params}); "
                        "group by node_type_id (popnet.group_by) or give them the same parameters")
                g.node_ids = np.concatenate([g.node_ids, ids[sel]])
                g.node_type_ids = g.node_type_ids + (ntid,)
                member[rows[sel]] = existing
        membership[pop] = member
    labels = [g.label for g in groups]
    for g in groups:
        if labels.count(g.label) > 1:
            g.label = f"{g.node_population}.{g.label}"
    if len({g.label for g in groups}) != len(groups):
        for g in groups:
            g.label = f"{g.node_population}.{g.node_type_ids[0]}"
    return groups, membership
