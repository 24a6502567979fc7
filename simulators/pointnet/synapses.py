"""Connecting edges: ONE bulk ``nest.Connect`` (one_to_one arrays) per edge type.

Per edge: weight = ``syn_weight`` x ``nsyns`` (nsyns 1 when absent), or the result of a
vectorised weight function named by the edge type's ``weight_function`` column and
registered on the network (``PointNetwork.add_weight_function``); delay (ms) from the
h5 ``delay`` column, else the edge-types CSV, else NEST's default 1 ms. The edge
type's ``model_template`` (``static_synapse``, ``nest:stdp_synapse``,
``nest:tsodyks_synapse``...) names the NEST synapse model; its ``dynamics_params``
JSON (in ``components.synaptic_models_dir``) gives ``receptor_type`` (per connection)
and model parameters, applied through one ``nest.CopyModel`` per edge type. BMTK's keys
for NEURON targets are understood: ``sign`` multiplies the weights (BMTK's IntFire convention:
syn_weight is a magnitude) and ``level_of_detail`` is ignored.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Mapping

import numpy as np

from bmtk_like.errors import ConfigError, SimulationError
from bmtk_like.input_checks import synapse_params_problems
from bmtk_like.sonata.columns import is_missing
from simulators.core import load_params_json, split_template
from simulators.core.weights import EdgeBatch, WeightFunctions, total_weight
from simulators.pointnet.ids import NestIdMap

log = logging.getLogger("bmtk_like.simulation")
SYN_DIR_KEY = "synaptic_models_dir"
DEFAULT_DELAY_MS = 1.0
_PER_CONNECTION = {"receptor_type"}
_IGNORED = {"weight", "delay", "synapse_model", "model", "level_of_detail"}
#: BMTK's synapse JSON key for NEURON IntFire targets: syn_weight is a magnitude, the JSON gives its sign
SIGN_KEY = "sign"


def weight_functions_for(extra: Mapping[str, Callable] | WeightFunctions | None = None) -> WeightFunctions:
    """A NEST network's weight functions: :data:`BUILTIN_WEIGHT_FUNCTIONS` (syn_weight x nsyns per
    connection), the global ones, then ``extra`` (a WeightFunctions is returned as is)."""
    if isinstance(extra, WeightFunctions):
        return extra
    functions = WeightFunctions(BUILTIN_WEIGHT_FUNCTIONS, default=default_weight)
    for name, func in (extra or {}).items():
        functions.add(func, name)
    return functions


#: NEST's built-ins: one connection stands for nsyns synapses, so its weight is syn_weight x nsyns.
default_weight = total_weight
BUILTIN_WEIGHT_FUNCTIONS: Mapping[str, Callable[[EdgeBatch], np.ndarray]] = {
    "default_weight_fnc": default_weight, "wmax": default_weight, "static_weight": default_weight,
}


def _type_value(edges: Any, type_id: int, column: str) -> Any:
    if column not in edges.edge_types.columns:
        return None
    value = edges.edge_types.loc[type_id, column]
    return None if is_missing(value) else value


def _delays(batch: EdgeBatch, dt: float) -> np.ndarray:
    edges = batch.edges
    if "delay" in edges.group_columns or "delay" in edges.edge_types.columns:
        delays = np.asarray(batch.column("delay"), dtype=float)
        delays = np.where(np.isnan(delays), DEFAULT_DELAY_MS, delays)
    else:
        delays = np.full(batch.index.size, DEFAULT_DELAY_MS)
    if delays.size and (delays.min() < 0 or not np.isfinite(delays).all()):
        bad = delays[(delays < 0) | ~np.isfinite(delays)][0]
        raise SimulationError(
            f"edge population '{edges.name}', edge type {batch.edge_type_id}: delay {bad:g} ms in "
            f"{edges.h5_file} or its edge types CSV; delays are in ms and must be finite and >= run.dt")
    if delays.size and delays.min() < dt - 1e-9:
        raise SimulationError(
            f"edge population '{edges.name}', edge type {batch.edge_type_id}: delay "
            f"{delays.min():g} ms is below the simulation resolution run.dt = {dt:g} ms, which NEST "
            "cannot represent; raise the delay or lower run.dt")
    return delays


class SynapseModels:
    """NEST synapse models per edge type (one CopyModel when the JSON sets model parameters)."""

    def __init__(self, nest: Any, circuit: Any):
        self.nest = nest
        self.circuit = circuit
        self._cache: dict[tuple, tuple[str, dict]] = {}
        self._signs: dict[tuple, float] = {}

    def sign(self, edges: Any, type_id: int) -> float:
        """The synapse JSON's ``sign`` of one edge type (BMTK's convention for IntFire targets), else 1."""
        self.for_type(edges, type_id)
        key = (str(_type_value(edges, type_id, "model_template") or "static_synapse"),
               str(_type_value(edges, type_id, "dynamics_params")))
        return self._signs.get(key, 1.0)

    def for_type(self, edges: Any, type_id: int) -> tuple[str, dict]:
        """(NEST synapse model name, per-connection syn_spec entries) of one edge type."""
        template = _type_value(edges, type_id, "model_template") or "static_synapse"
        params_file = _type_value(edges, type_id, "dynamics_params")
        key = (str(template), str(params_file))
        if key in self._cache:
            return self._cache[key]
        where = f"edge type {type_id} of edge population '{edges.name}'"
        engine, model = split_template(template)
        if engine not in ("", "nest") or model not in self.nest.synapse_models:
            raise SimulationError(
                f"{where}: model_template '{template}' is not a NEST synapse model; use e.g. "
                "'static_synapse', 'nest:stdp_synapse' or 'nest:tsodyks_synapse'")
        params = {}
        if params_file is not None:
            syn_dir = self.circuit.component_dir(SYN_DIR_KEY, required_by=where)
            params = load_params_json(syn_dir, str(params_file))
            problems = synapse_params_problems(params, syn_dir / str(params_file))
            if problems:
                raise ConfigError(f"{where}: " + "; ".join(problems))
        per_conn = {k: params[k] for k in _PER_CONNECTION if k in params}
        if SIGN_KEY in params:
            self._signs[key] = float(params[SIGN_KEY])
        model_params = {k: v for k, v in params.items() if k not in _PER_CONNECTION | _IGNORED | {SIGN_KEY}}
        name = model
        if model_params:
            defaults = self.nest.GetDefaults(model)
            unknown = sorted(k for k in model_params if k not in defaults)
            if unknown:
                raise SimulationError(f"{where}: {params_file} sets {unknown}, which are not "
                                      f"parameters of NEST synapse model '{model}'")
            name = f"{model}__bmtk_like_{len(self._cache)}"
            try:
                self.nest.CopyModel(model, name, model_params)
            except Exception as exc:
                raise SimulationError(f"{where}: NEST rejected {params_file} for '{model}': "
                                      f"{exc}") from None
        self._cache[key] = (name, per_conn)
        return self._cache[key]


def connect_edges(nest: Any, circuit: Any, ids: NestIdMap, dt: float,
                  weight_functions: Mapping[str, Callable] | WeightFunctions | None = None,
                  models: SynapseModels | None = None,
                  source_ids: Mapping[str, np.ndarray] | None = None) -> int:
    """Connect every edge population; returns the number of connections made.

    ``models`` shares synapse models already made for this kernel; ``source_ids``
    optionally replaces the NEST ids of a source population (e.g. parrot neurons
    relaying virtual nodes), as an array indexed by node id.
    """
    models = models or SynapseModels(nest, circuit)
    functions = weight_functions_for(weight_functions)
    total = 0
    for edges in circuit.edges.values():
        src_map = (source_ids or {}).get(edges.source_population)
        if src_map is None:
            src_map = ids.nest_ids(edges.source_population)
        tgt_map = ids.nest_ids(edges.target_population)
        if circuit.is_virtual(edges.target_population):
            raise SimulationError(f"edge population '{edges.name}' targets virtual population "
                                  f"'{edges.target_population}'; virtual nodes cannot receive input")
        for type_id, index in edges.type_batches():
            batch = EdgeBatch(edges, type_id, index, circuit.nodes[edges.source_population],
                              circuit.nodes[edges.target_population])
            model, per_conn = models.for_type(edges, type_id)
            syn_spec = {"synapse_model": model, "weight": functions.weights(
                batch, f"edge type {type_id} of edge population '{edges.name}'") * models.sign(edges, type_id),
                        "delay": _delays(batch, dt)}
            for key, value in per_conn.items():
                syn_spec[key] = np.full(index.size, value, dtype=np.int64 if key == "receptor_type"
                                        else float)
            pre = src_map[batch.source_node_id]
            post = tgt_map[batch.target_node_id]
            try:
                nest.Connect(pre, post, conn_spec="one_to_one", syn_spec=syn_spec)
            except Exception as exc:
                raise SimulationError(
                    f"NEST could not connect edge type {type_id} of edge population "
                    f"'{edges.name}' ({model}, {index.size} edges): {exc}") from None
            total += index.size
            log.info("connected %d edges of type %s (%s, %s)", index.size, type_id, edges.name, model)
    return total


def needs_parrots(circuit: Any, models: SynapseModels) -> set[str]:
    """Virtual populations whose outgoing edges use more than one NEST synapse model or a
    plastic one: NEST devices need one static model, so these are relayed by parrot neurons."""
    used: dict[str, set[str]] = {}
    for edges in circuit.edges.values():
        if not circuit.is_virtual(edges.source_population):
            continue
        for type_id, _ in edges.type_batches():
            used.setdefault(edges.source_population, set()).add(models.for_type(edges, type_id)[0])
    return {pop for pop, names in used.items()
            if len(names) > 1 or any(n != "static_synapse" for n in names)}
