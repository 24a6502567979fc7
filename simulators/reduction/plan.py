"""What a reduction has to measure: one task per biophysical node type, one synaptic probe per
(edge type, target node type) pair found in the edge files, and the hash each result is cached under.

Edge weights are evaluated as bionet evaluates them (``syn_weight`` or the edge type's
``weight_function``, per edge, before ``nsyns``); a probe's representative weight is the mean
magnitude of its edges' weights (the PSP per unit weight is what the reduction keeps).
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from simulators.core.levels import node_model_types, split_template
from simulators.reduction.measure import CellTask, SynapseProbe

log = logging.getLogger("bmtk_like.reduction")
PROTOCOL_VERSION = "4"
"""Bump when measure.py changes what it measures: cached measurements are then redone."""
MAX_SITES_FROM_FILE = 200


@dataclass
class EdgeWeights:
    """Per-edge bionet weights (before nsyns) and synapse signs of one edge population."""

    weight: np.ndarray
    sign: np.ndarray           # synapse JSON 'sign' (BMTK's rule for artificial targets), default 1


@dataclass
class ReductionPlan:
    tasks: dict = field(default_factory=dict)          # (population, node_type_id) -> CellTask
    hashes: dict = field(default_factory=dict)         # (population, node_type_id) -> str
    weights: dict = field(default_factory=dict)        # edge population name -> EdgeWeights
    probe_of_edges: dict = field(default_factory=dict)  # edge population name -> per-edge probe key or ""
    artificial: dict = field(default_factory=dict)     # (population, node_type_id) -> node-type row (nrn:IntFire*)


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def edge_weights(circuit, edges) -> EdgeWeights:
    """bionet's per-edge weight ``w`` (weight_function or syn_weight) and each edge type's synapse sign."""
    from simulators.bionet.values import optional_text
    from simulators.bionet.weights import network_weight_functions
    from simulators.core import load_params_json
    from simulators.core.weights import EdgeBatch
    functions = network_weight_functions()
    n = edges.size
    weight = np.zeros(n)
    sign = np.ones(n)
    syn_dir = circuit.components.get("synaptic_models_dir")
    for tid, index in edges.type_batches():
        row = edges.edge_types.loc[tid].to_dict() if tid in edges.edge_types.index else {}
        batch = EdgeBatch(edges, tid, index, circuit.nodes[edges.source_population],
                          circuit.nodes[edges.target_population])
        weight[index] = functions.weights(batch, f"edge type {tid} of edge population '{edges.name}'")
        params_file = optional_text(row.get("dynamics_params"))
        if params_file and syn_dir is not None:
            try:
                sign[index] = float(load_params_json(syn_dir, params_file).get("sign", 1.0))
            except Exception:        # missing JSON: the point weight keeps its sign (NEST's convention)
                pass
    return EdgeWeights(weight, sign)


def _task_hash(task: CellTask, comps: dict) -> str:
    from simulators.bionet.mechanisms import content_hash, find_mod_files
    digest = hashlib.sha256(PROTOCOL_VERSION.encode())
    digest.update(json.dumps(asdict(task), sort_keys=True, default=str).encode())
    row = task.node_type
    for key, folder in (("morphology", "morphologies_dir"), ("dynamics_params", "biophysical_neuron_models_dir")):
        if row.get(key) and folder in comps:
            digest.update(_file_bytes(Path(comps[folder]) / str(row[key])))
    for probe in task.probes:
        name = probe.edge_type.get("dynamics_params")
        if name and "synaptic_models_dir" in comps:
            digest.update(_file_bytes(Path(comps["synaptic_models_dir"]) / str(name)))
    mech = comps.get("mechanisms_dir")
    if mech is not None:
        mods = find_mod_files(mech)
        if mods:
            digest.update(content_hash(mods).encode())
    return digest.hexdigest()[:24]


def _clean(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if isinstance(value, (np.integer,)):
            value = int(value)
        elif isinstance(value, (np.floating,)):
            value = float(value)
        if isinstance(value, float) and np.isnan(value):
            continue
        out[str(key)] = value
    return out


def make_plan(cfg, circuit, seed: int = 0) -> ReductionPlan:
    """Tasks for every biophysical node type of ``circuit`` (see the module docstring)."""
    plan = ReductionPlan()
    comps = {k: str(v) for k, v in circuit.components.items()}
    run = cfg.run
    cond = cfg.conditions
    for pop_name, nodes in circuit.nodes.items():
        mtypes = node_model_types(nodes)
        per_node = sorted(c for c in getattr(nodes, "group_columns", {})
                          if c in ("morphology", "dynamics_params", "model_template") or c.startswith("dynamics_params."))
        if per_node and np.any(mtypes == "biophysical"):
            log.warning("population %s sets %s per node; the reduction fits one point model per node type from "
                        "the node-types CSV values, so these per-node differences are not reduced", pop_name, per_node)
        for ntid, rows in nodes.type_batches():
            if not rows.size:
                continue
            row = _clean(nodes.type_row(ntid))
            row["node_type_id"] = int(ntid)
            if mtypes[rows[0]] == "biophysical":
                plan.tasks[(pop_name, int(ntid))] = CellTask(
                    f"node type {ntid} of population {pop_name}", row, comps, float(cond.get("celsius", 34.0)),
                    float(cond.get("v_init", -65.0)), float(run.dt), float(getattr(run, "dL", 20.0) or 20.0),
                    float(getattr(run, "spike_threshold", -15.0)), [], seed)
            elif split_template(row.get("model_template"))[0] == "nrn":
                plan.artificial[(pop_name, int(ntid))] = row
    for edges in circuit.edges.values():
        trg = circuit.nodes[edges.target_population]
        w = edge_weights(circuit, edges)
        plan.weights[edges.name] = w
        keys = np.full(edges.size, "", dtype=object)
        target_type = np.asarray(trg.node_type_id)[edges.target_node_id]
        pairs = np.unique(np.stack([edges.edge_type_id, target_type]), axis=1)
        sec_col = next((c for c in ("afferent_section_id", "sec_id") if edges.has_column(c)), None)
        pos_col = next((c for c in ("afferent_section_pos", "sec_x") if edges.has_column(c)), None)
        for etid, ntid in pairs.T:
            task = plan.tasks.get((edges.target_population, int(ntid)))
            if task is None:
                continue
            sel = np.flatnonzero((edges.edge_type_id == etid) & (target_type == ntid))
            mags = np.abs(w.weight[sel])
            rep = float(mags[mags > 0].mean()) if np.any(mags > 0) else 0.0
            etrow = _clean(edges.edge_types.loc[etid].to_dict()) if etid in edges.edge_types.index else {}
            sites = None
            if sec_col is not None and pos_col is not None:
                pick = sel[:MAX_SITES_FROM_FILE]
                sites = [[int(s), float(x)] for s, x in zip(np.asarray(edges.column(sec_col))[pick],
                                                              np.asarray(edges.column(pos_col))[pick])]
            key = f"{edges.name}/{int(etid)}"
            task.probes.append(SynapseProbe(key, etrow, rep, sites, int(sel.size)))
            keys[sel] = key
        plan.probe_of_edges[edges.name] = keys
    for pair, task in plan.tasks.items():
        plan.hashes[pair] = _task_hash(task, comps)
    return plan
