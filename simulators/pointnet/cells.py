"""Creating NEST nodes: one ``nest.Create`` per node type, spike generators for virtual nodes.

Cell parameters come from the node type's ``dynamics_params`` JSON (in
``components.point_neuron_models_dir``) and, per node, from the h5 group's
``dynamics_params`` datasets, which are set as arrays in one call per node type.
Biophysical node types run through their point model (simulators/core/levels.py).
``conditions.v_init`` is not applied: NEST's own initial V_m is kept, like BMTK.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np

from bmtk_like.errors import ModelTranslationError, SimulationError
from simulators.core import iter_point_models, load_params_json
from simulators.pointnet.glif import glif_params, is_glif
from simulators.pointnet.ids import NestIdMap

log = logging.getLogger("bmtk_like.simulation")
MODELS_DIR_KEY = "point_neuron_models_dir"


def _model_params(nest: Any, circuit: Any, pop: str, type_id: int, pm: Any) -> tuple[str, dict]:
    """NEST model name and shared parameters of one node type."""
    where = f"node type {type_id} of population '{pop}'"
    if pm.engine not in ("nest", "", "nrn"):
        raise ModelTranslationError(
            f"{where} has model_template '{pm.model_template}', which NEST cannot run; use a "
            "'nest:<model>' template (or add point_model_template/point_dynamics_params columns)")
    params: dict = {}
    if pm.dynamics_params:
        models_dir = circuit.component_dir(MODELS_DIR_KEY, required_by=where)
        params = load_params_json(models_dir, pm.dynamics_params)
    model = pm.model
    if pm.engine == "nrn":                  # NEURON's IntFire cells as their NEST equivalents
        from simulators.pointnet.intfire import nest_equivalent
        model, params = nest_equivalent(pm.model, params, f"{where} ({pm.dynamics_params})")
    if is_glif(model):
        model, params = glif_params(model, params)
    if model not in nest.node_models:
        raise ModelTranslationError(
            f"{where}: NEST has no neuron model '{model}' (from '{pm.model_template}'); check the "
            "spelling or install the NEST module that provides it")
    defaults = nest.GetDefaults(model)
    unknown = sorted(k for k in params if k not in defaults)
    if unknown:
        raise ModelTranslationError(
            f"{where}: parameters {unknown} in {pm.dynamics_params} are not parameters of NEST "
            f"model '{model}'; remove or rename them")
    return model, params


def create_cells(nest: Any, circuit: Any, ids: NestIdMap) -> dict[str, list[tuple[int, Any]]]:
    """Create every non-virtual node; return population -> [(node_type_id, NodeCollection)]."""
    created: dict[str, list[tuple[int, Any]]] = {}
    for pop_name, pop in circuit.nodes.items():
        if circuit.is_virtual(pop_name):
            continue
        for type_id, node_ids, pm in iter_point_models(pop):
            if pm is None:
                raise ModelTranslationError(
                    f"population '{pop_name}' mixes virtual node type {type_id} with cells; put "
                    "virtual nodes in a population of their own")
            model, params = _model_params(nest, circuit, pop_name, type_id, pm)
            try:
                nodes = nest.Create(model, int(node_ids.size), params=params or None)
                per_node = pop.dynamics_params_for(node_ids)
                if per_node:
                    nodes.set({k: np.asarray(v).tolist() for k, v in per_node.items()})
            except Exception as exc:            # NEST's own error classes
                if isinstance(exc, SimulationError):
                    raise
                raise ModelTranslationError(
                    f"NEST rejected the parameters of node type {type_id} of population "
                    f"'{pop_name}' (model {model}, file {pm.dynamics_params}): {exc}") from None
            ids.add(pop_name, node_ids, np.asarray(nodes.tolist(), dtype=np.int64), pop.size)
            created.setdefault(pop_name, []).append((type_id, nodes))
            log.info("created %d %s nodes (population %s, node type %s)", node_ids.size, model,
                     pop_name, type_id)
    return created


def create_virtual(nest: Any, circuit: Any, ids: NestIdMap) -> dict[str, Any]:
    """One ``spike_generator`` per virtual node (one Create per population), off-grid times allowed."""
    generators = {}
    for pop_name in circuit.virtual_populations():
        pop = circuit.nodes[pop_name]
        gens = nest.Create("spike_generator", pop.size, params={"allow_offgrid_times": True})
        ids.add(pop_name, np.asarray(pop.node_ids), np.asarray(gens.tolist(), dtype=np.int64), pop.size)
        generators[pop_name] = gens
    return generators


def set_spike_trains(nest: Any, generators: Any, node_ids: np.ndarray, times: np.ndarray,
                     n_nodes: int) -> int:
    """Give each generator its spike times (ms) in ONE ``set`` call; returns spikes dropped.

    Times are sorted per node; off-grid times are rounded up to the next step by NEST.
    NEST cannot emit at t <= 0, so such spikes are dropped (and counted).
    """
    node_ids = np.asarray(node_ids, dtype=np.int64)
    times = np.asarray(times, dtype=np.float64)
    keep = times > 0.0
    dropped = int(times.size - np.count_nonzero(keep))
    node_ids, times = node_ids[keep], times[keep]
    order = np.lexsort((times, node_ids))
    node_ids, times = node_ids[order], times[order]
    bounds = np.searchsorted(node_ids, np.arange(n_nodes + 1))
    trains = [{"spike_times": times[bounds[i]:bounds[i + 1]]} for i in range(n_nodes)]
    generators.set(trains)
    return dropped
