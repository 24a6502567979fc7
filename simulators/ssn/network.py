"""`SSNNetwork`: a SONATA circuit as SSN rate units (bmtk popnet ``ssn`` semantics).

* Every node with ``model_type`` ``population``, ``rate_population`` or ``recurrent`` is
  one recurrent unit; ``virtual``/``external`` nodes are external units whose rates come
  from inputs (0 without one). Units are numbered recurrent first, then external, each
  in the order of the config's node populations and node ids.
* A unit's ``scaling_coef``, ``exponent`` and ``decay_const`` come from its node's
  columns (h5 attribute or node-types CSV) when present, else from its
  ``dynamics_params`` JSON (``components.population_models_dir`` for population /
  rate_population, ``custom_neuron_models`` for recurrent), as in bmtk. ``decay_const``
  is in the unit of ``run.dt``.
* Each edge j → i sets W[i, j] = ``syn_weight`` (bmtk assigns: of several edges between one
  pair the last in file order counts; ``nsyns`` is not used).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from bmtk_like.errors import ConfigError
from simulators.core import Circuit
from simulators.core.params import load_params_json

RECURRENT_TYPES = ("population", "rate_population", "recurrent")
EXTERNAL_TYPES = ("virtual", "external")
UNIT_PARAMS = ("scaling_coef", "exponent", "decay_const")
PARAMS_DIR = {"population": "population_models_dir", "rate_population": "population_models_dir",
              "recurrent": "custom_neuron_models"}


@dataclass
class SSNNetwork:
    """Rate units and their weights. Arrays are per recurrent unit except ``populations``
    and ``node_ids`` (per unit, recurrent then external); ``weights`` is n_rec × n_units."""

    populations: np.ndarray
    node_ids: np.ndarray
    n_recurrent: int
    scales: np.ndarray
    exponents: np.ndarray
    decay_constants: np.ndarray
    weights: sp.csr_matrix
    circuit: Circuit

    @property
    def n_units(self) -> int:
        return int(self.node_ids.size)

    def units_of(self, node_set: Any, where: str) -> np.ndarray:
        """Unit indices of the nodes a node set selects (in unit order)."""
        selected = self.circuit.node_set(node_set)
        keep = np.zeros(self.n_units, dtype=bool)
        for pop, ids in selected.items():
            keep |= (self.populations == pop) & np.isin(self.node_ids, ids)
        if not keep.any():
            raise ConfigError(f"{where}: node_set {node_set!r} selects no SSN unit")
        return np.flatnonzero(keep)

    @classmethod
    def from_config(cls, cfg: Any) -> "SSNNetwork":
        circuit = Circuit.from_config(cfg)
        rec, ext = [], []
        for pop, nodes in circuit.nodes.items():
            mtypes = np.char.lower(np.asarray(nodes.column("model_type"), dtype=str))
            ids = np.asarray(nodes.node_ids, dtype=np.int64)
            unknown = sorted(set(mtypes) - set(RECURRENT_TYPES) - set(EXTERNAL_TYPES))
            if unknown:
                raise ConfigError(f"node population '{pop}': model_type {unknown} has no SSN meaning; SSN runs "
                                  f"{list(RECURRENT_TYPES)} (rate units) and {list(EXTERNAL_TYPES)} (inputs)")
            is_rec = np.isin(mtypes, RECURRENT_TYPES)
            if is_rec.any():
                rec.append((pop, ids[is_rec], _unit_params(circuit, pop, np.flatnonzero(is_rec), mtypes)))
            ext.append((pop, ids[~is_rec]))
        if not rec:
            raise ConfigError("the SSN simulator needs at least one node with model_type population, "
                              "rate_population or recurrent")
        pops = np.concatenate([np.full(ids.size, p, dtype=object) for p, ids, _ in rec]
                              + [np.full(ids.size, p, dtype=object) for p, ids in ext])
        node_ids = np.concatenate([ids for _, ids, _ in rec] + [ids for _, ids in ext])
        params = {k: np.concatenate([p[k] for _, _, p in rec]) for k in UNIT_PARAMS}
        n_rec = int(params["scaling_coef"].size)
        if np.any(params["decay_const"] <= 0):
            raise ConfigError("SSN units need decay_const > 0 (in the unit of run.dt)")
        index = {(p, int(i)): u for u, (p, i) in enumerate(zip(pops, node_ids))}
        rows, cols, vals = [], [], []
        for name, edges in circuit.edges.items():
            src = [index[(edges.source_population, int(i))] for i in np.asarray(edges.source_node_id)]
            tgt = [index[(edges.target_population, int(i))] for i in np.asarray(edges.target_node_id)]
            if any(t >= n_rec for t in tgt):
                raise ConfigError(f"edges {name}: edges target external (virtual) SSN units; only recurrent "
                                  "units receive input")
            rows += tgt
            cols += src
            vals.append(edges.syn_weight())
        vals = np.concatenate(vals) if vals else np.zeros(0)
        if np.any(~np.isfinite(vals)):
            raise ConfigError("some SSN edges have no syn_weight; set it in the edges file or edge types CSV")
        # bmtk assigns W[i, j] = w edge by edge: the last edge of a pair wins
        lin = np.asarray(rows, dtype=np.int64) * len(node_ids) + np.asarray(cols, dtype=np.int64)
        last = len(lin) - 1 - np.unique(lin[::-1], return_index=True)[1]
        weights = sp.csr_matrix((vals[last], (np.asarray(rows)[last], np.asarray(cols)[last])),
                                shape=(n_rec, len(node_ids)))
        return cls(pops, node_ids, n_rec, params["scaling_coef"], params["exponent"], params["decay_const"],
                   weights, circuit)


def _unit_params(circuit: Circuit, pop: str, rows: np.ndarray, mtypes: np.ndarray) -> dict:
    """scaling_coef, exponent, decay_const per recurrent node ``rows`` of ``pop``."""
    nodes = circuit.nodes[pop]
    out = {k: np.full(rows.size, np.nan) for k in UNIT_PARAMS}
    for k in UNIT_PARAMS:
        if nodes.has_column(k):
            out[k] = np.asarray(nodes.column(k), dtype=float)[rows]
    missing = np.zeros(rows.size, dtype=bool)
    for k in UNIT_PARAMS:
        missing |= np.isnan(out[k])
    if missing.any():
        type_ids = np.asarray(nodes.type_ids)[rows]
        files = np.asarray(nodes.column_or("dynamics_params", None), dtype=object)[rows]
        for ntid in np.unique(type_ids[missing]):
            sel = missing & (type_ids == ntid)
            fname = files[sel][0]
            where = f"node type {ntid} of population '{pop}'"
            if fname is None or (isinstance(fname, float) and np.isnan(fname)) or str(fname) in ("NONE", ""):
                raise ConfigError(f"{where}: SSN units need {list(UNIT_PARAMS)}; add them as node columns "
                                  "or in a dynamics_params JSON")
            kind = mtypes[rows[sel][0]]
            params = load_params_json(circuit.component_dir(PARAMS_DIR[kind], required_by=where), fname)
            for k in UNIT_PARAMS:
                if k not in params and np.isnan(out[k][sel]).any():
                    raise ConfigError(f"{where}: {fname} has no '{k}' (SSN units need {list(UNIT_PARAMS)}); "
                                      f"found keys {sorted(params)}")
                if k in params:
                    value = params[k]
                    if isinstance(value, bool) or not isinstance(value, (int, float)):
                        raise ConfigError(f"{where}: '{k}' in {fname} is {value!r}; expected a number")
                    out[k][sel] = np.where(np.isnan(out[k][sel]), float(value), out[k][sel])
    return out
