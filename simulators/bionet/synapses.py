"""Edges -> synapses on this rank's cells, planned as columns and then made in one pass.

Semantics (BMTK BioNet's):
- An edge onto a compartmental cell with ``afferent_section_id``/``afferent_section_pos`` (or
  ``sec_id``/``sec_x``) is one synapse there, weight ``w·nsyns``.
- Otherwise it is ``nsyns`` synapses, each of weight ``w``, on segments drawn from the edge type's
  ``target_sections`` within ``distance_range`` (µm from the soma), with probability proportional to
  the segment length inside the range; the draws use ``numpy.random.RandomState(gid)`` per target
  cell, edge populations in config order (recurrent first, then virtual sources), edges in file order.
- An edge onto an artificial cell (IntFire) is one NetCon of weight ``w·nsyns·sign`` (``sign`` from
  the synapse JSON, default +1).
- An edge onto a translated point neuron (``nest:iaf_psc_delta`` run as IntFire1) is one NetCon of
  weight ``w·nsyns / (V_th − E_L)``: ``w`` is the signed NEST weight (a PSP jump in mV) and a synapse
  JSON ``sign`` is refused (see ``point_translation``).
``w`` is ``syn_weight`` or the edge type's ``weight_function``; delays are in ms. An edge type whose
``model_template`` is ``static_synapse`` (NEST's) has no point process: it can only target artificial cells.
Linear synapses (Exp2Syn, ExpSyn) of one edge type at the same segment share one point process
(exact: their conductances add), which saves set-up and run time.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from bmtk_like.errors import SimulationError
from simulators.bionet.bmtk_synapse_models import BMTK_SYNAPSES, bmtk_parameters
from simulators.bionet.values import optional_text
from simulators.core.weights import EdgeBatch

LINEAR_SYNAPSES = {"Exp2Syn", "ExpSyn"}
SHARE_LINEAR_SYNAPSES = True
"""Merge linear synapses of one edge type at one segment; False makes one point process per synapse (BMTK)."""
_NAME_ALIASES = {"exp2syn": "Exp2Syn", "expsyn": "ExpSyn"}
STATIC_SYNAPSES = {"static_synapse", "nest:static_synapse"}
"""NEST's static synapse: onto an artificial cell it is the NetCon itself (weight and delay, no dynamics)."""
_PARAM_ALIASES = {"erev": "e"}


@dataclass
class SynapseModel:
    """How to make the synapse of one edge type: point-process name and its parameters."""

    template: str | None              # None for edges onto artificial cells
    params: dict
    sign: float
    who: str
    has_sign: bool = False            # the synapse JSON sets 'sign'

    def make(self, segment):
        from neuron import h
        syn = getattr(h, self.template)(segment)
        for key, value in self.params.items():
            try:
                setattr(syn, _PARAM_ALIASES.get(key, key) if not hasattr(syn, key) else key, value)
            except (AttributeError, LookupError, TypeError, ValueError):
                raise SimulationError(f"{self.who}: synapse {self.template} has no parameter {key!r} (from its "
                                      "dynamics_params JSON)") from None
        return syn


def synapse_model(edge_type_row: dict, components: dict, who: str) -> SynapseModel:
    """Resolve ``model_template`` + ``dynamics_params`` of one edge type."""
    from neuron import h
    from simulators.core import load_params_json
    name = optional_text(edge_type_row.get("dynamics_params"))
    params: dict = {}
    if name is not None:
        from simulators.core.params import component_dir
        folder = component_dir(components, "synaptic_models_dir", f"{who} (dynamics_params {name})")
        try:
            params = load_params_json(folder, name)
        except Exception as exc:
            raise SimulationError(f"{who}: {exc}") from None
    sign = float(params.get("sign", 1.0))
    numeric = {k: float(v) for k, v in params.items()
               if isinstance(v, (int, float)) and k not in ("sign",) and not isinstance(v, bool)}
    template = optional_text(edge_type_row.get("model_template"))
    if template is not None and template.lower() in STATIC_SYNAPSES:
        template = None                   # a plain NetCon: only onto artificial cells (checked when made)
    named = BMTK_SYNAPSES.get(template) if template is not None else None
    if named is not None:                 # bmtk's own names: its parameter mapping, not the JSON by name
        numeric = bmtk_parameters(named, params, who)
        template = named.point_process
    if template is not None:
        template = _NAME_ALIASES.get(template.lower(), template.split(":")[-1])
        if not hasattr(h, template):
            raise SimulationError(f"{who}: synapse model_template {template!r} is not a NEURON point process; "
                                  "use Exp2Syn, ExpSyn or add its .mod file to components.mechanisms_dir")
    return SynapseModel(template, numeric, sign, who, "sign" in params)


@dataclass
class SynapsePlan:
    """Every synapse (or NetCon onto an artificial cell) this rank makes, one row each."""

    target_gid: np.ndarray
    source_gid: np.ndarray
    sec_id: np.ndarray        # -1 for artificial targets
    sec_x: np.ndarray
    weight: np.ndarray
    delay: np.ndarray
    model: np.ndarray         # index into models
    models: list


def _edge_columns(edges, index: np.ndarray) -> dict[str, np.ndarray]:
    return {name: edges.column(name)[index] for name in edges.columns
            if name not in ("source_node_id", "target_node_id")}


def plan_edges(network, ordered_edges: list, draw_state: dict) -> SynapsePlan:
    """Columnar plan of the synapses for the local cells from ``ordered_edges``."""
    parts: list[dict] = []
    models: list[SynapseModel] = []
    model_index: dict[tuple, int] = {}
    for edges in ordered_edges:
        local_mask = network.is_local(edges.target_population, edges.target_node_id)
        if not local_mask.any():
            continue
        index = np.flatnonzero(local_mask)
        index = index[np.argsort(edges.target_node_id[index], kind="stable")]
        trg = edges.target_node_id[index]
        src = edges.source_node_id[index]
        type_ids = edges.edge_type_id[index]
        cols = _edge_columns(edges, index)
        cols["edge_type_id"] = type_ids
        nsyns = np.asarray(cols["nsyns"], dtype=np.int64) if "nsyns" in cols else np.ones(index.size, np.int64)
        if "delay" not in cols:
            raise SimulationError(f"edge population {edges.name}: no delay column in the edges file or the edge "
                                  "types CSV; add delay (ms)")
        delay = np.asarray(cols["delay"], dtype=np.float64)
        weight = _weights(network, edges, index)
        midx = np.empty(index.size, dtype=np.int64)
        for tid in np.unique(type_ids):
            key = (edges.name, int(tid))
            if key not in model_index:
                row = edges.edge_types.loc[tid].to_dict() if tid in edges.edge_types.index else {}
                model_index[key] = len(models)
                models.append(synapse_model(row, network.circuit.components,
                                            f"edge type {tid} of edge population {edges.name}"))
            midx[type_ids == tid] = model_index[key]
        artificial = network.artificial_mask(edges.target_population, trg)
        sec_col = next((c for c in ("afferent_section_id", "sec_id") if c in cols), None)
        pos_col = next((c for c in ("afferent_section_pos", "sec_x") if c in cols), None)
        preselected = sec_col is not None and pos_col is not None
        source_gid = network.gid_offset[edges.source_population] + src
        target_gid = network.gid_offset[edges.target_population] + trg
        # artificial targets and preselected locations: one row per edge
        one_row = artificial | preselected
        signs = np.array([m.sign for m in models])[midx]
        translated = network.translated_mask(edges.target_population, trg)
        if translated.any():
            _refuse_sign(edges, models, midx[translated])
        sec_id = np.asarray(cols[sec_col], np.int64) if preselected else np.full(index.size, -1, np.int64)
        sec_x = np.asarray(cols[pos_col], np.float64) if preselected else np.full(index.size, 0.5)
        row_weight = weight * nsyns * np.where(artificial & ~translated, signs, 1.0) \
            * network.weight_per_unit(edges.target_population, trg)
        sel = np.flatnonzero(one_row)
        parts.append(dict(target_gid=target_gid[sel], source_gid=source_gid[sel],
                          sec_id=np.where(artificial[sel], -1, sec_id[sel]), sec_x=sec_x[sel],
                          weight=row_weight[sel], delay=delay[sel], model=midx[sel]))
        drawn = np.flatnonzero(~one_row)
        if drawn.size:
            parts.append(_draw_locations(network, edges, cols, drawn, target_gid, source_gid, weight, delay,
                                         midx, nsyns, draw_state))
    if not parts:
        empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0)
        return SynapsePlan(empty_i, empty_i, empty_i, empty_f, empty_f, empty_f, empty_i, models)
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return SynapsePlan(models=models, **cat)


def _refuse_sign(edges, models: list, used: np.ndarray) -> None:
    """Edges onto translated point neurons carry signed NEST weights: a synapse JSON ``sign`` would flip them."""
    for k in np.unique(used):
        if models[k].has_sign:
            raise SimulationError(f"{models[k].who}: its synapse JSON sets 'sign', but its targets in population "
                                  f"{edges.target_population} are NEST point neurons run as IntFire1, whose edge "
                                  "weights are signed PSP jumps (mV) as on NEST; remove 'sign' from the JSON and "
                                  "give inhibitory edges a negative syn_weight")


def _weights(network, edges, index: np.ndarray) -> np.ndarray:
    """Per-edge weight ``w`` of the edges at rows ``index``: ``syn_weight``, or each edge type's
    ``weight_function`` (``simulators/core/weights.py``) on its batch of edges."""
    batch = EdgeBatch(edges, None, index, network.circuit.nodes[edges.source_population],
                      network.circuit.nodes[edges.target_population])
    return network.weight_functions.weights(batch, f"edge population '{edges.name}'")


def _parse_list(text, what: str, who: str):
    if isinstance(text, (list, tuple)):
        return list(text)
    try:
        value = ast.literal_eval(str(text))
    except (ValueError, SyntaxError):
        raise SimulationError(f"{who}: cannot read {what} {text!r}; write a list such as "
                              "\"['basal', 'apical']\" or \"[0.0, 150.0]\"") from None
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of arange(start, start + count) for each pair, without a Python loop."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    first = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return np.arange(total) + first


def _draw_locations(network, edges, cols, drawn, target_gid, source_gid, weight, delay, midx, nsyns, draw_state):
    """nsyns synapses per edge on segments drawn per target cell (RandomState(gid), BMTK's stream)."""
    for needed in ("target_sections", "distance_range"):
        if needed not in cols:
            raise SimulationError(f"edge population {edges.name}: edges onto compartmental cells need "
                                  f"{needed} (or afferent_section_id/afferent_section_pos) in the edge types")
    where = f"edge population {edges.name}"
    tg = target_gid[drawn]
    # group edges by (target morphology template, edge type): one candidate table per group
    templates: list = []
    template_index: dict[int, int] = {}
    cell_template = np.empty(tg.size, dtype=np.int64)
    for gid in np.unique(tg):
        tmpl = network.cells[int(gid)].template
        key = id(tmpl)
        if key not in template_index:
            template_index[key] = len(templates)
            templates.append(tmpl)
        cell_template[tg == gid] = template_index[key]
    type_ids = np.asarray(cols["edge_type_id"], dtype=np.int64)[drawn]
    groups, group_of = np.unique(np.stack([cell_template, type_ids]), axis=1, return_inverse=True)
    group_of = group_of.reshape(-1)
    tables = []
    for g in range(groups.shape[1]):
        first = drawn[np.flatnonzero(group_of == g)[0]]
        tmpl = templates[groups[0, g]]
        sections = _parse_list(cols["target_sections"][first], "target_sections", where)
        drange = _parse_list(cols["distance_range"][first], "distance_range", where)
        tables.append(tmpl.target_segments(sections, drange) if tmpl is not None else (np.zeros(0, np.int64), None))
    has_candidates = np.array([t[0].size > 0 for t in tables])[group_of]
    n_draw = np.where(has_candidates, nsyns[drawn], 0).astype(np.int64)
    # one uniform stream per target cell, consumed in edge order (as sequential RandomState.choice calls)
    offsets = np.concatenate([[0], np.cumsum(n_draw)])
    uniforms = np.empty(int(offsets[-1]))
    starts = np.flatnonzero(np.r_[True, tg[1:] != tg[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], tg.size]):
        gid = int(tg[s])
        rng = draw_state.setdefault(gid, np.random.RandomState(gid))
        uniforms[offsets[s]:offsets[e]] = rng.random_sample(int(offsets[e] - offsets[s]))
    out = {k: [] for k in ("target_gid", "source_gid", "sec_id", "sec_x", "weight", "delay", "model")}
    for g, (seg_ix, prob) in enumerate(tables):
        which = np.flatnonzero((group_of == g) & (n_draw > 0))
        if not which.size:
            continue
        cdf = prob.cumsum()
        cdf /= cdf[-1]
        segs = seg_ix[cdf.searchsorted(uniforms[_ranges(offsets[which], n_draw[which])], side="right")]
        tmpl = templates[groups[0, g]]
        rep = drawn[np.repeat(which, n_draw[which])]
        for key, values in (("target_gid", target_gid[rep]), ("source_gid", source_gid[rep]),
                            ("sec_id", tmpl.seg_sec_id[segs]), ("sec_x", tmpl.seg_x[segs]),
                            ("weight", weight[rep]), ("delay", delay[rep]), ("model", midx[rep])):
            out[key].append(values)
    if not out["target_gid"]:
        return {k: np.zeros(0, np.float64 if k in ("sec_x", "weight", "delay") else np.int64) for k in out}
    return {k: np.concatenate(v) for k, v in out.items()}


def make_synapses(network, plan: SynapsePlan) -> tuple[list, list, dict]:
    """Create the point processes and NetCons of ``plan``; returns (synapses, netcons, gid -> synapses)."""
    pc = network.pc
    synapses, netcons = [], []
    by_gid: dict[int, list] = {}
    shared: dict[tuple, Any] = {}
    models = plan.models
    order = np.lexsort((plan.sec_x, plan.sec_id, plan.target_gid))
    for r in order:
        cell = network.cells[int(plan.target_gid[r])]
        model = models[plan.model[r]]
        if plan.sec_id[r] < 0 or cell.is_artificial:
            if not cell.is_artificial:
                raise SimulationError(f"{model.who}: edges onto compartmental cell {cell} need a synapse "
                                      "model_template (e.g. Exp2Syn)")
            target = cell.hobj
        else:
            if model.template is None:
                raise SimulationError(f"{model.who}: edges onto compartmental cell {cell} need a synapse "
                                      "model_template (e.g. Exp2Syn)")
            sid, x = int(plan.sec_id[r]), float(plan.sec_x[r])
            if sid >= len(cell.sections):
                raise SimulationError(f"{model.who}: afferent section id {sid} does not exist on cell {cell} "
                                      f"({len(cell.sections)} sections)")
            key = (cell.gid, sid, cell.sections[sid](x).x, int(plan.model[r])) \
                if SHARE_LINEAR_SYNAPSES and model.template in LINEAR_SYNAPSES else None
            target = shared.get(key) if key is not None else None
            if target is None:
                target = model.make(cell.sections[sid](x))
                synapses.append(target)
                by_gid.setdefault(cell.gid, []).append(target)
                if key is not None:
                    shared[key] = target
        nc = pc.gid_connect(int(plan.source_gid[r]), target)
        nc.weight[0] = float(plan.weight[r])
        nc.delay = float(plan.delay[r])
        netcons.append(nc)
    return synapses, netcons, by_gid
