"""Edge generation in blocks of targets, one random stream per (edge type, stage, block).

For one (source network, target network) pair, target node ids are cut into
blocks of ``block_size``; block b holds the edges of *every* edge type of the
pair whose target id falls in ``[b·block_size, (b+1)·block_size)``. Each block
draws from ``SeedSequence(seed, spawn_key=(edge_type_id, stage, b))``, so the
result does not depend on the order or process in which blocks run:
``build(workers=N)`` writes the same bytes as ``workers=1``.
"""
from __future__ import annotations

import numbers
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bmtk_like.errors import BuilderError
from builders.arguments import check_count
from builders.connection_map import ConnectionMap
from builders.node_table import Node, NodeArrays, NodeTable, UnknownNodeProperty
from builders.rules import RULES, AllToAll, ConnectionRule, is_vectorised, _share_of_block
from builders import placement as placement_mod

STAGE_PREPARE, STAGE_CONNECT, STAGE_PLACE, STAGE_PROPS = 0, 1, 2, 3


def stream(seed: int, edge_type_id: int, stage: int, block: int) -> np.random.Generator:
    """The random generator of one edge type, stage and block."""
    seq = np.random.SeedSequence(int(seed), spawn_key=(int(edge_type_id), int(stage), int(block)))
    return np.random.Generator(np.random.PCG64(seq))


@dataclass
class TypeEdges:
    """Edges of one edge type within one block (sorted by target, then source)."""
    edge_type_id: int
    source: np.ndarray
    target: np.ndarray
    nsyns: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)


def resolve_connector(cm: ConnectionMap) -> Any:
    """Turn ``connection_rule`` + ``connection_params`` into a rule object or a callable."""
    rule, params = cm.connector, cm.connector_params
    if rule is None:
        rule = 1
    if isinstance(rule, (bool, np.bool_)):
        rule = int(rule)
    if isinstance(rule, (int, np.integer)):
        return AllToAll(nsyns=check_count(rule, "connection_rule (synapses per pair)", cm.describe()))
    if isinstance(rule, str):
        if rule not in RULES:
            raise BuilderError(f"{cm.describe()}: connection_rule={rule!r} is not a known rule "
                               f"({', '.join(sorted(RULES))}); or pass a callable.")
        try:
            return RULES[rule](**params)
        except TypeError as exc:
            raise BuilderError(f"{cm.describe()}: connection_params {params} do not fit rule "
                               f"{rule!r}: {exc}.") from None
    if isinstance(rule, ConnectionRule):
        return rule
    if isinstance(rule, type) and issubclass(rule, ConnectionRule):
        return rule(**params)
    if not callable(rule):
        raise BuilderError(f"{cm.describe()}: connection_rule must be an int, a rule name, a rule "
                           f"object or a callable, got {type(rule).__name__}.")
    return rule


class PairJob:
    """Everything needed to build the edges of one (source network, target network) pair."""

    def __init__(self, cms: list[ConnectionMap], seed: int, block_size: int,
                 morphologies_dir: str | None = None):
        self.cms = cms
        self.seed = int(seed)
        self.block_size = int(block_size)
        self.source_table: NodeTable = cms[0].source_nodes.network.node_table()
        self.target_table: NodeTable = cms[0].target_nodes.network.node_table()
        self.n_blocks = max(1, -(-self.target_table.size // self.block_size))
        self.rules, self.sources, self.target_ids, self.states, self.placers = [], [], [], [], []
        for cm in cms:
            rule = resolve_connector(cm)
            sources, target_ids = cm.source_nodes.arrays(), cm.target_nodes.node_ids
            if len(sources) == 0 or len(target_ids) == 0:
                side = "source" if len(sources) == 0 else "target"
                raise BuilderError(f"{cm.describe()}: the {side} selection is empty; check the "
                                   f"{side}= filters of add_edges.")
            self.rules.append(rule)
            self.sources.append(sources)
            self.target_ids.append(target_ids)
            self.states.append(self._prepare(cm, rule, sources, NodeArrays(self.target_table, target_ids)))
            self.placers.append(placement_mod.placer_for(cm, self.target_table, morphologies_dir))

    def seed_of(self, cm: ConnectionMap, rule: Any) -> int:
        own = getattr(rule, "seed", None)
        return self.seed if own is None else int(own)

    def _prepare(self, cm, rule, sources, targets):
        rng = stream(self.seed_of(cm, rule), cm.edge_type_id, STAGE_PREPARE, 0)
        try:
            if isinstance(rule, ConnectionRule):
                return rule.prepare(sources, targets, rng)
            if not is_vectorised(rule) and cm.iterator == "one_to_all":
                return _one_to_all_pairs(cm, rule, sources, targets, rng)
        except BuilderError as exc:
            raise _named(cm, exc) from None
        return None

    def run_block(self, block: int) -> list[TypeEdges]:
        """Edges of every edge type of the pair whose target lies in ``block``."""
        lo, hi = block * self.block_size, (block + 1) * self.block_size
        out = []
        for k, cm in enumerate(self.cms):
            ids = self.target_ids[k]
            i0, i1 = np.searchsorted(ids, [lo, hi])
            if i0 == i1:
                continue
            targets = NodeArrays(self.target_table, ids[i0:i1])
            out.append(self._edges_of_type(k, cm, targets, block))
        return out

    def _edges_of_type(self, k: int, cm: ConnectionMap, targets: NodeArrays, block: int) -> TypeEdges:
        rule, sources = self.rules[k], self.sources[k]
        seed = self.seed_of(cm, rule)
        rng = stream(seed, cm.edge_type_id, STAGE_CONNECT, block)
        try:
            if isinstance(rule, ConnectionRule):
                result = rule.connect(sources, targets, rng, self.states[k])
            elif is_vectorised(rule):
                result = rule(sources, targets, rng, **cm.connector_params)
            else:
                result = _per_pair(cm, rule, sources, targets, rng, self.states[k])
        except BuilderError as exc:
            raise _named(cm, exc) from None
        src, trg, nsyns = _checked(cm, result, sources, targets)
        columns: dict[str, np.ndarray] = {}
        placer = self.placers[k]
        if cm.params or placer is not None:
            src, trg = np.repeat(src, nsyns), np.repeat(trg, nsyns)
            nsyns = np.ones(src.size, dtype=np.int64)
        if placer is not None:
            columns.update(placer(trg, stream(seed, cm.edge_type_id, STAGE_PLACE, block)))
        for i, spec in enumerate(cm.params):
            if spec.values is not None:
                continue    # filled in build order by the collector
            prng = stream(seed, cm.edge_type_id, STAGE_PROPS + i, block)
            columns.update(_property_values(cm, spec, src, trg, self.source_table, self.target_table, prng))
        return TypeEdges(cm.edge_type_id, compact_ids(src), compact_ids(trg), nsyns.astype(np.uint32), columns)


def compact_ids(ids: np.ndarray) -> np.ndarray:
    """Node ids as uint32 when they fit (half the memory and inter-process traffic), else int64."""
    return ids.astype(np.uint32) if ids.size == 0 or int(ids.max()) < 2 ** 32 else ids


def _checked(cm: ConnectionMap, result, sources: NodeArrays, targets: NodeArrays):
    """Validate a rule's output; drop zero counts; sort by (target, source)."""
    if not isinstance(result, (tuple, list)) or len(result) not in (2, 3):
        raise BuilderError(f"{cm.describe()}: connection_rule must return (source_ids, target_ids[, nsyns]) "
                           f"arrays, got {type(result).__name__}.")
    try:
        src = np.asarray(result[0], dtype=np.int64).ravel()
        trg = np.asarray(result[1], dtype=np.int64).ravel()
    except (TypeError, ValueError, OverflowError):
        raise BuilderError(f"{cm.describe()}: connection_rule returned source/target ids that are not whole "
                           f"numbers ({str(result[0])[:40]}, {str(result[1])[:40]}); return node ids.") from None
    nsyns = np.ones(src.size, dtype=np.int64) if len(result) == 2 else _as_counts(cm, result[2])
    if nsyns.ndim == 0:
        nsyns = np.full(src.size, nsyns)
    if not (src.size == trg.size == nsyns.size):
        raise BuilderError(f"{cm.describe()}: connection_rule returned {src.size} source ids, {trg.size} "
                           f"target ids and {nsyns.size} nsyns; they must have the same length.")
    if nsyns.size and (np.any(nsyns < 0) or np.any(nsyns != np.round(nsyns))):
        bad = nsyns[(nsyns < 0) | (nsyns != np.round(nsyns))][0]
        raise BuilderError(f"{cm.describe()}: connection_rule returned nsyns={bad}; synapse counts must "
                           "be integers >= 0.")
    nsyns = nsyns.astype(np.int64)
    for label, ids, allowed in (("source", src, sources.node_ids), ("target", trg, targets.node_ids)):
        inside = _contains(allowed, ids)
        if not np.all(inside):
            bad = ids[~inside][0]
            raise BuilderError(f"{cm.describe()}: connection_rule returned {label} id {int(bad)}, which is not "
                               f"in the {label} selection{' of this block' if label == 'target' else ''}.")
    keep = nsyns > 0
    if not np.all(keep):
        src, trg, nsyns = src[keep], trg[keep], nsyns[keep]
    return sort_by_target(src, trg, nsyns)


def _plain(value):
    """numpy scalars as Python values, for messages."""
    return value.item() if isinstance(value, np.generic) else value


def _as_counts(cm, values) -> np.ndarray:
    """A rule's synapse counts as a numeric array; strings or objects are a BuilderError naming the edge type."""
    try:
        counts = np.asarray(values)
    except ValueError:
        counts = np.asarray(values, dtype=object)
    if counts.dtype.kind not in "iufb":
        first = next((v for v in counts.ravel() if not isinstance(v, (numbers.Real, np.bool_))), None)
        raise BuilderError(f"{cm.describe()}: connection_rule returned nsyns {_plain(first)!r} ({type(_plain(first)).__name__}); "
                           "synapse counts must be whole numbers >= 0 (a string such as '3' is not a count).")
    return counts


def sort_by_target(src: np.ndarray, trg: np.ndarray, *others: np.ndarray):
    """Rows ordered by (target, source), stable; a no-op copy-free pass when already sorted."""
    if src.size < 2:
        return (src, trg, *others)
    key = trg.astype(np.int64) * (int(src.max()) + 1) + src
    if np.all(key[1:] >= key[:-1]):
        return (src, trg, *others)
    order = np.argsort(key, kind="stable")
    return (src[order], trg[order], *(o[order] for o in others))


def _contains(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Which of ``ids`` are in ``sorted_ids`` (fast path for a contiguous range of ids)."""
    if ids.size == 0:
        return np.ones(0, dtype=bool)
    if sorted_ids.size == 0:
        return np.zeros(ids.size, dtype=bool)
    lo, hi = int(sorted_ids[0]), int(sorted_ids[-1])
    in_range = (ids >= lo) & (ids <= hi)
    if hi - lo + 1 == sorted_ids.size:
        return in_range
    member = np.zeros(hi - lo + 1, dtype=bool)
    member[sorted_ids - lo] = True
    out = np.zeros(ids.size, dtype=bool)
    out[in_range] = member[ids[in_range] - lo]
    return out


def _seed_legacy(rng: np.random.Generator) -> None:
    """Seed np.random and random for bmtk rules that draw from the global generators."""
    value = int(rng.integers(0, 2 ** 32 - 1))
    np.random.seed(value)
    random.seed(value)


def _named(cm, exc: BuilderError) -> BuilderError:
    """``exc`` prefixed with the edge type, unless its message already starts with it."""
    message = str(exc)
    return BuilderError(message if message.startswith(cm.describe()) else f"{cm.describe()}: {message}")


@contextmanager
def _naming_the_edge_type(cm, rule, what: str):
    """A bmtk callable that reads a property the nodes lack: say which edge type and callable."""
    try:
        yield
    except UnknownNodeProperty as exc:
        name = getattr(rule, "__name__", type(rule).__name__)
        raise BuilderError(f"{cm.describe()}: {what} {name!r}: {exc}") from None


def _per_pair(cm, rule, sources: NodeArrays, targets: NodeArrays, rng, state):
    """bmtk's per-pair callable (slow path), with bmtk's iterator semantics."""
    params = cm.connector_params
    if cm.iterator == "one_to_all":
        return _share_of_block(state, targets)
    _seed_legacy(rng)
    source_nodes = [Node(sources.table, i) for i in sources.node_ids]
    with _naming_the_edge_type(cm, rule, "connection_rule"):
        src_out, trg_out, n_out = _per_pair_loop(cm, rule, sources, targets, source_nodes, params)
    if not src_out:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(src_out), np.concatenate(trg_out), np.concatenate(n_out)


def _per_pair_loop(cm, rule, sources: NodeArrays, targets: NodeArrays, source_nodes: list, params: dict):
    """Call ``rule`` per target (all_to_one) or per pair; lists of source ids, target ids, nsyns per target."""
    src_out, trg_out, n_out = [], [], []
    for t in targets.node_ids:
        target_node = Node(targets.table, t)
        if cm.iterator == "all_to_one":
            counts = rule(source_nodes, target_node, **params)
            counts = _as_counts(cm, [0 if c is None else c for c in counts])
            if counts.size != len(source_nodes):
                raise BuilderError(f"{cm.describe()}: iterator='all_to_one' rule returned {counts.size} values "
                                   f"for {len(source_nodes)} sources; return one nsyns per source.")
        else:
            counts = _as_counts(cm, [rule(s, target_node, **params) or 0 for s in source_nodes])
        hit = np.flatnonzero(counts)
        src_out.append(sources.node_ids[hit])
        trg_out.append(np.full(hit.size, t, dtype=np.int64))
        n_out.append(counts[hit])
    return src_out, trg_out, n_out


def _one_to_all_pairs(cm, rule, sources: NodeArrays, targets: NodeArrays, rng):
    """bmtk's one_to_all iterator: ``rule(source, targets_list)`` once per source, before blocking."""
    _seed_legacy(rng)
    target_nodes = [Node(targets.table, i) for i in targets.node_ids]
    src_out, trg_out, n_out = [], [], []
    for s in sources.node_ids:
        with _naming_the_edge_type(cm, rule, "connection_rule"):
            counts = rule(Node(sources.table, s), target_nodes, **cm.connector_params)
        counts = _as_counts(cm, [0 if c is None else c for c in counts])
        if counts.size != len(target_nodes):
            raise BuilderError(f"iterator='one_to_all' rule returned {counts.size} values for "
                               f"{len(target_nodes)} targets; return one nsyns per target.")
        hit = np.flatnonzero(counts)
        src_out.append(np.full(hit.size, s, dtype=np.int64))
        trg_out.append(targets.node_ids[hit])
        n_out.append(counts[hit])
    src, trg, nsyns = (np.concatenate(a) for a in (src_out, trg_out, n_out))
    order = np.lexsort((src, trg))
    return src[order], trg[order], nsyns[order].astype(np.int64)


def _property_values(cm, spec, src, trg, source_table, target_table, rng) -> dict[str, np.ndarray]:
    """Evaluate one ``add_properties`` rule for edge rows (src[k], trg[k])."""
    names, rule, n = spec.names, spec.rule, src.size
    where = f"{cm.describe()}: add_properties({names})"
    if is_vectorised(rule):
        try:
            result = rule(NodeArrays(source_table, src), NodeArrays(target_table, trg), rng, **spec.rule_params)
        except BuilderError as exc:
            raise BuilderError(f"{where}: {exc}") from None
        outputs = list(result) if len(names) > 1 else [result]
    elif callable(rule):
        _seed_legacy(rng)
        with _naming_the_edge_type(cm, rule, f"add_properties({names}) rule"):
            rows = [rule(Node(source_table, s), Node(target_table, t), **spec.rule_params)
                    for s, t in zip(src, trg)]
        outputs = [rows] if len(names) == 1 else [list(col) for col in zip(*rows)] if rows else [[]] * len(names)
    else:
        outputs = [np.full(n, rule)] if len(names) == 1 else [np.full(n, v) for v in rule]
    if len(outputs) != len(names):
        raise BuilderError(f"{where}: the rule returned {len(outputs)} values per edge for {len(names)} names.")
    columns = {}
    for name, values, dtype in zip(names, outputs, spec.dtypes):
        arr = np.asarray(values, dtype=dtype) if dtype is not None else np.asarray(values)
        if arr.shape != (n,):
            raise BuilderError(f"{where}: property '{name}' has shape {arr.shape} but there are {n} edges; "
                               "return one value per edge.")
        if name == "delay" and arr.dtype.kind in "iuf" and np.any(arr < 0):
            raise BuilderError(f"{where}: {int(np.sum(arr < 0))} delays are negative (first {arr[arr < 0][0]:g}); "
                               "delays are in ms and must be >= 0.")
        columns[name] = arr
    return columns
