"""Synaptic weight functions: one contract for every backend.

An edge type's ``weight_function`` column names a function; the backend hands it the edges of one
edge type at a time as an :class:`EdgeBatch` (arrays, one row per edge) and takes one weight per edge
back::

    def my_weights(batch):                       # the batch signature: columnar, the fast path
        return batch.syn_weight() * np.cos(np.radians(batch.target_column("tuning_angle")))

    net.add_weight_function(my_weights)          # per network: PointNetwork, BioNetwork, PopNetwork

Two thin layers keep older scripts working:

- BMTK's per-edge functions ``f(edge_props, source, target) -> float`` (``@synaptic_weight`` or
  ``add_weight_function(f, name, vectorized=False)``): called once per edge, the slow path;
- bmtk_like's earlier bionet form ``f(edges, sources, targets)`` taking three dicts of arrays
  (``vectorized=True`` with three parameters).

``@synaptic_weight`` registers globally, as in BMTK; every network made afterwards sees it. What a
weight means is the backend's (NEST: pA or mV per connection; NEURON: µS per synapse; popnet: mV).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Optional

import numpy as np

from bmtk_like.errors import ConfigError, SimulationError
from bmtk_like.sonata.columns import WEIGHT_FUNCTION, text_or_none


@dataclass
class EdgeBatch:
    """Edges of one edge population handed to a weight function (arrays, one row per edge).

    ``index`` selects rows of ``edges`` (a ``bmtk_like.sonata.EdgePopulation``); ``source_nodes`` and
    ``target_nodes`` are its NodePopulations; ``edge_type_id`` is set when the batch is one edge type.
    """

    edges: Any
    edge_type_id: Optional[int]
    index: np.ndarray
    source_nodes: Any
    target_nodes: Any

    @property
    def size(self) -> int:
        return int(self.index.size)

    @property
    def source_node_id(self) -> np.ndarray:
        return self.edges.source_node_id[self.index]

    @property
    def target_node_id(self) -> np.ndarray:
        return self.edges.target_node_id[self.index]

    def column(self, name: str) -> np.ndarray:
        """Per-edge values of an edge column (h5 attribute or edge-types CSV)."""
        return np.asarray(self.edges.column(name))[self.index]

    def nsyns(self) -> np.ndarray:
        """Synapses per edge (1 where the file has no ``nsyns``)."""
        return np.asarray(self.edges.nsyns(), dtype=float)[self.index]

    def syn_weight(self) -> np.ndarray:
        return np.asarray(self.edges.syn_weight(), dtype=float)[self.index]

    def source_column(self, name: str) -> np.ndarray:
        """A node column of each edge's source node."""
        return np.asarray(self.source_nodes.column(name))[self.source_node_id]

    def target_column(self, name: str) -> np.ndarray:
        """A node column of each edge's target node."""
        return np.asarray(self.target_nodes.column(name))[self.target_node_id]

    def subset(self, rows: np.ndarray) -> "EdgeBatch":
        """The batch of the edges at positions ``rows`` of this batch."""
        return EdgeBatch(self.edges, self.edge_type_id, self.index[rows], self.source_nodes, self.target_nodes)

    @classmethod
    def from_columns(cls, edges: Mapping[str, Any], sources: Mapping[str, Any],
                     targets: Mapping[str, Any]) -> "EdgeBatch":
        """A batch of edge ``i`` from ``sources[...][i]`` to ``targets[...][i]``, from dicts of equal-length
        arrays (for trying a weight function without a circuit)."""
        n = len(next(iter(edges.values()))) if edges else 0
        ids = np.arange(n, dtype=np.int64)
        table = _Table("edges", dict(edges), source_node_id=ids, target_node_id=ids)
        return cls(table, None, ids, _Table("sources", dict(sources)), _Table("targets", dict(targets)))

    # dict views for the older three-dict and per-edge forms
    def edge_columns(self) -> "Columns":
        return Columns(self.edges, self.index, exclude=("source_node_id", "target_node_id"))

    def source_columns(self) -> "Columns":
        return Columns(self.source_nodes, self.source_node_id)

    def target_columns(self) -> "Columns":
        return Columns(self.target_nodes, self.target_node_id)


class _Table:
    """Dict-backed stand-in for a node/edge population (``EdgeBatch.from_columns``)."""

    def __init__(self, name: str, columns: dict, source_node_id=None, target_node_id=None):
        self.name, self._columns = name, {k: np.asarray(v) for k, v in columns.items()}
        self.source_node_id, self.target_node_id = source_node_id, target_node_id

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def has_column(self, name: str) -> bool:
        return name in self._columns

    def column(self, name: str) -> np.ndarray:
        if name not in self._columns:
            raise KeyError(name)
        return self._columns[name]

    def syn_weight(self) -> np.ndarray:
        return self.column("syn_weight")

    def nsyns(self) -> np.ndarray:
        n = len(self.source_node_id)
        return self._columns.get("nsyns", np.ones(n))


class Columns(Mapping):
    """Lazy ``{column: per-edge array}`` view of a population's columns at ``rows``."""

    def __init__(self, population: Any, rows: np.ndarray, exclude: tuple = ()):
        self._pop, self._rows, self._exclude = population, rows, exclude

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self._exclude or not self._pop.has_column(name):
            raise KeyError(name)
        return np.asarray(self._pop.column(name))[self._rows]

    def __iter__(self) -> Iterator[str]:
        return (c for c in self._pop.columns if c not in self._exclude)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class WeightFunction:
    """A registered function and how to call it: ``"batch"``, ``"columns"`` (three dicts) or ``"per_edge"``."""

    func: Callable
    form: str

    def __call__(self, batch: EdgeBatch) -> np.ndarray:
        if self.form == "batch":
            return self.func(batch)
        edges, src, trg = batch.edge_columns(), batch.source_columns(), batch.target_columns()
        if self.form == "columns":
            return self.func(edges, src, trg)
        edge_cols = {k: edges[k] for k in edges}
        src_cols = {k: src[k] for k in src}
        trg_cols = {k: trg[k] for k in trg}
        return np.array([self.func({k: v[i] for k, v in edge_cols.items()}, {k: v[i] for k, v in src_cols.items()},
                                   {k: v[i] for k, v in trg_cols.items()}) for i in range(batch.size)], dtype=float)


def _form(func: Callable, vectorized: bool) -> str:
    if not vectorized:
        return "per_edge"
    try:
        params = [p for p in inspect.signature(func).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    except (TypeError, ValueError):
        return "batch"
    return "columns" if len(params) == 3 else "batch"


#: Functions registered by ``@synaptic_weight`` / the module-level ``add_weight_function``s (BMTK's habit).
_GLOBAL: dict[str, WeightFunction] = {}


class WeightFunctions:
    """One network's weight functions: its backend's built-ins, the global ones, then its own.

    ``default`` gives the weights of edges whose edge type names no ``weight_function``.
    """

    def __init__(self, builtins: Mapping[str, Callable[[EdgeBatch], np.ndarray]] | None = None,
                 default: Callable[[EdgeBatch], np.ndarray] | None = None):
        self._builtins = {name: WeightFunction(f, "batch") for name, f in (builtins or {}).items()}
        self._own: dict[str, WeightFunction] = {}
        self.default = default or syn_weight

    def add(self, func: Callable, name: str | None = None, vectorized: bool = True,
            overwrite: bool = True) -> Callable:
        """Register ``func`` under ``name`` (default: its ``__name__``) on this network; returns ``func``."""
        key = name or func.__name__
        if not overwrite and key in self:
            raise SimulationError(f"weight function '{key}' is already registered; pass overwrite=True to "
                                  "replace it")
        self._own[key] = WeightFunction(func, _form(func, vectorized))
        return func

    def _table(self) -> dict[str, WeightFunction]:
        return {**self._builtins, **_GLOBAL, **self._own}

    def __contains__(self, name: str) -> bool:
        return name in self._table()

    def names(self) -> list[str]:
        return sorted(self._table())

    def weights(self, batch: EdgeBatch, who: str) -> np.ndarray:
        """One weight per edge of ``batch``: each edge type's ``weight_function``, else :attr:`default`."""
        out = np.empty(batch.size, dtype=np.float64)
        if batch.edges.has_column(WEIGHT_FUNCTION):
            raw = np.asarray(batch.column(WEIGHT_FUNCTION), dtype=object)
            uniq, which = np.unique(raw.astype(str), return_inverse=True)
            groups = [(text_or_none(u), np.flatnonzero(which.reshape(-1) == k)) for k, u in enumerate(uniq)]
        else:
            groups = [(None, np.arange(batch.size))]
        for name, rows in groups:
            part = batch if rows.size == batch.size else batch.subset(rows)
            if name is None:
                out[rows] = _checked(self.default(part), part, "the default weight", who)
            else:
                out[rows] = self.compute(name, part, who)
        return out

    def compute(self, name: str, batch: EdgeBatch, who: str) -> np.ndarray:
        """Weights of ``batch`` by the function ``name``: ConfigError if unknown, SimulationError on a bad result."""
        table = self._table()
        if name not in table:
            raise ConfigError(f"{who} names weight_function '{name}', which is not registered; register it "
                              f"with net.add_weight_function(fn, '{name}') or @synaptic_weight before building "
                              f"(known: {', '.join(sorted(table))})")
        try:
            weights = table[name](batch)
        except KeyError as exc:
            raise SimulationError(f"{who}: weight_function '{name}' needs the column {exc}, which the edges or "
                                  "nodes do not have; add it to the circuit or use another weight_function") from None
        return _checked(weights, batch, f"weight_function '{name}'", who)


def _checked(weights: Any, batch: EdgeBatch, what: str, who: str) -> np.ndarray:
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (batch.size,):
        raise SimulationError(f"{who}: {what} returned shape {weights.shape}; it must return one weight per "
                              f"edge ({batch.size})")
    return weights


# ---- built-ins -----------------------------------------------------------------------------------
def syn_weight(batch: EdgeBatch) -> np.ndarray:
    """The edge's ``syn_weight`` (per synapse)."""
    return np.asarray(batch.column("syn_weight"), dtype=np.float64)


def total_weight(batch: EdgeBatch) -> np.ndarray:
    """``syn_weight`` x ``nsyns``: the weight of one connection standing for nsyns synapses."""
    return batch.syn_weight() * batch.nsyns()


def gaussian_ll(batch: EdgeBatch) -> np.ndarray:
    """BMTK's ``gaussianLL``: ``syn_weight · exp(-(Δθ/weight_sigma)²)``, Δθ the nodes' ``tuning_angle``
    difference (degrees, folded into [0, 90])."""
    delta = np.abs(np.abs(np.abs(180.0 - np.abs(np.asarray(batch.target_column("tuning_angle"), float)
                                              - np.asarray(batch.source_column("tuning_angle"), float)) % 360.0)
                          - 90.0) - 90.0)
    return syn_weight(batch) * np.exp(-(delta / np.asarray(batch.column("weight_sigma"), float)) ** 2)


#: Built-ins where a weight is per synapse (NEURON, popnet): BMTK's names for "the edge's syn_weight".
PER_SYNAPSE_BUILTINS: Mapping[str, Callable[[EdgeBatch], np.ndarray]] = {
    "wmax": syn_weight, "default_weight_fnc": syn_weight, "static_weight": syn_weight,
    "set_syn_weight": syn_weight, "gaussianLL": gaussian_ll,
}


def add_weight_function(func: Callable, name: str | None = None, vectorized: bool = True,
                        overwrite: bool = True) -> Callable:
    """Register ``func`` for every network (BMTK's module-level ``add_weight_function``); returns ``func``."""
    key = name or func.__name__
    if overwrite or key not in _GLOBAL:
        _GLOBAL[key] = WeightFunction(func, _form(func, vectorized))
    return func


def synaptic_weight(*args, **kwargs):
    """BMTK's decorator ``@synaptic_weight`` / ``@synaptic_weight(name=...)`` for per-edge functions."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return add_weight_function(args[0], vectorized=False)
    return lambda func: add_weight_function(func, kwargs.get("name"), vectorized=kwargs.get("vectorized", False))
