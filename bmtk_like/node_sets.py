"""Node sets: the one operator table and the resolution of a node-set spec -> {population: sorted node ids}.

The config side (``bmtk_like/config/node_sets.py``) checks the shape of definitions when a config
loads, using :data:`OPERATORS` from here; :class:`NodeSetResolver` resolves them against node
populations (``bmtk_like.sonata.NodePopulation`` or anything with ``node_ids``, ``size``,
``has_column``, ``column``, ``columns``). Every backend and ``validate`` resolve through it.

Accepted specs (SONATA node sets plus BMTK's habits):

- a name from the config's ``node_sets`` (or ``node_sets_file``);
- a population name, meaning every node of that population;
- ``"all"``: every node of every population (unless a node set or population is named so);
- a list of names: the union of those node sets (compound node set);
- a dict of rules, all of which must hold (AND):
    * ``population``: a population name or list of names;
    * ``node_id`` / ``node_ids``: a list of node ids (of the selected populations);
    * any other key is a node attribute, tested on the h5 group columns and the
      node-types CSV columns alike: a scalar means equality, a list means
      membership, a dict of :data:`OPERATORS` (``$gt``/``$gte``/``$lt``/``$lte``/``$ne``/``$regex``)
      compares. A population lacking the attribute contributes no nodes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from bmtk_like.errors import ConfigError


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


@dataclass(frozen=True)
class Operator:
    """One node-set comparison: ``test(column values, operand) -> mask``; ``operand`` says what it takes."""

    test: Callable[[np.ndarray, Any], np.ndarray]
    operand: str
    accepts: Callable[[Any], bool]


def _regex(values: np.ndarray, pattern: Any) -> np.ndarray:
    return np.array([re.fullmatch(str(pattern), str(s)) is not None for s in values], dtype=bool)


#: The node-set operators, checked when a config loads and applied when a node set resolves.
OPERATORS: dict[str, Operator] = {
    "$gt": Operator(lambda v, x: v > x, "a number", _is_number),
    "$gte": Operator(lambda v, x: v >= x, "a number", _is_number),
    "$lt": Operator(lambda v, x: v < x, "a number", _is_number),
    "$lte": Operator(lambda v, x: v <= x, "a number", _is_number),
    "$ne": Operator(lambda v, x: _comparable(v, [x]) != x, "a string or a number",
                    lambda x: isinstance(x, str) or _is_number(x)),
    "$regex": Operator(_regex, "a string", lambda x: isinstance(x, str)),
}
#: SONATA (node_id) and BMTK (node_ids) spellings of the id rule in a node set.
ID_KEYS = ("node_id", "node_ids")
#: Name of the implicit node set holding every node of every population (BMTK's default).
ALL = "all"


def _describe(spec: Any) -> str:
    text = repr(spec)
    return text if len(text) < 120 else text[:117] + "..."


def _matches(values: np.ndarray, rule: Any, key: str, spec: Any) -> np.ndarray:
    """Boolean mask of ``values`` satisfying one attribute rule."""
    if isinstance(rule, Mapping):
        mask = np.ones(len(values), dtype=bool)
        for op, arg in rule.items():
            if op not in OPERATORS:
                raise ConfigError(
                    f"node set {_describe(spec)}: operator '{op}' on attribute '{key}' is not "
                    f"supported; use one of {', '.join(OPERATORS)}")
            mask &= np.asarray(OPERATORS[op].test(values, arg), dtype=bool)
        return mask
    if isinstance(rule, (list, tuple, np.ndarray)):
        return np.isin(_comparable(values, rule), list(rule))
    return _comparable(values, [rule]) == rule


def _comparable(values: np.ndarray, wanted: Any) -> np.ndarray:
    """Cast string-typed columns so that comparisons with strings work elementwise."""
    if any(isinstance(w, str) for w in wanted) and values.dtype.kind not in "UO":
        return values.astype(str)
    if values.dtype.kind == "O":
        return values.astype(str) if all(isinstance(w, str) for w in wanted) else values
    return values


class NodeSetResolver:
    """Resolves node-set specs against a circuit's node populations.

    Args:
        populations: population name -> NodePopulation.
        node_sets: named node sets from the config (name -> dict or list).
        source: text naming where the node sets came from, for error messages.
    """

    def __init__(self, populations: Mapping[str, Any], node_sets: Mapping[str, Any] | None = None,
                 source: str = "the simulation config"):
        self.populations = populations
        self.node_sets = dict(node_sets or {})
        self.source = source

    def resolve(self, spec: str | dict | list | None) -> dict[str, np.ndarray]:
        """Return population -> sorted unique int64 node ids selected by ``spec``.

        ``None`` selects every node of every population. Populations with no selected
        node are left out. Raises ConfigError naming the spec when a name, population,
        attribute or node id is unknown.
        """
        return self._resolve(spec, stack=())

    def _resolve(self, spec: Any, stack: tuple[str, ...]) -> dict[str, np.ndarray]:
        if spec is None:
            return {name: np.asarray(p.node_ids, dtype=np.int64) for name, p in self.populations.items()
                    if p.size}
        if isinstance(spec, str):
            return self._resolve_name(spec, stack)
        if isinstance(spec, Mapping):
            return self._resolve_rules(spec)
        if isinstance(spec, (list, tuple)) and spec and all(_is_number(i) for i in spec):
            return self._resolve_rules({"node_id": list(spec)})   # BMTK: node ids in every population
        if isinstance(spec, (list, tuple)):
            if not all(isinstance(item, (str, Mapping)) for item in spec):
                raise ConfigError(
                    f"compound node set {_describe(spec)} in {self.source} must list node-set "
                    "names (strings); to select node ids use {\"population\": ..., \"node_ids\": [...]}")
            merged: dict[str, list[np.ndarray]] = {}
            for item in spec:
                for pop, ids in self._resolve(item, stack).items():
                    merged.setdefault(pop, []).append(ids)
            return {pop: np.unique(np.concatenate(parts)) for pop, parts in merged.items()}
        raise ConfigError(f"node set {_describe(spec)} in {self.source} must be a name, a dict of "
                          "rules or a list of node-set names")

    def _resolve_name(self, name: str, stack: tuple[str, ...]) -> dict[str, np.ndarray]:
        if name in stack:
            raise ConfigError(f"node set '{name}' in {self.source} refers to itself "
                              f"({' -> '.join(stack + (name,))}); break the cycle")
        if name in self.node_sets:
            return self._resolve(self.node_sets[name], stack + (name,))
        if name in self.populations:
            pop = self.populations[name]
            return {name: np.asarray(pop.node_ids, dtype=np.int64)} if pop.size else {}
        if name == ALL:  # BMTK's implicit node set, unless a config or population defines "all"
            return self._resolve(None, stack)
        raise ConfigError(
            f"unknown node set '{name}' in {self.source}; known node sets: "
            f"{', '.join(sorted(self.node_sets)) or '(none)'}; populations (usable as node sets): "
            f"{', '.join(sorted(self.populations)) or '(none)'}")

    def _id_values(self, value: Any, key: str, rules: Mapping[str, Any]) -> np.ndarray:
        """Node ids of a rule as float64 whole numbers (any size: 1e20 is out of range, not an overflow)."""
        try:
            ids = np.asarray(value, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            ids = None
        if ids is None or not np.all(np.isfinite(ids)) or np.any(ids != np.round(ids)):
            raise ConfigError(f"node set {_describe(rules)} in {self.source}: '{key}' must be whole-number "
                              f"node ids, got {value!r}")
        return ids

    def _resolve_rules(self, rules: Mapping[str, Any]) -> dict[str, np.ndarray]:
        pops = rules.get("population")
        if pops is None:
            names = list(self.populations)
        else:
            names = [pops] if isinstance(pops, str) else list(pops)
            unknown = [n for n in names if n not in self.populations]
            if unknown:
                raise ConfigError(
                    f"node set {_describe(rules)} in {self.source} names population(s) "
                    f"{', '.join(map(str, unknown))} which the circuit does not have; known "
                    f"populations: {', '.join(sorted(self.populations))}")
        id_keys = [k for k in ID_KEYS if k in rules]
        attr_keys = [k for k in rules if k != "population" and k not in ID_KEYS]
        if attr_keys:
            missing = [k for k in attr_keys
                       if not any(self.populations[n].has_column(k) for n in names)]
            if missing:
                cols = sorted({c for n in names for c in self.populations[n].columns})
                raise ConfigError(
                    f"node set {_describe(rules)} in {self.source} tests attribute(s) "
                    f"{', '.join(missing)} that no selected population has; available columns: "
                    f"{', '.join(cols)}")
        out: dict[str, np.ndarray] = {}
        for name in names:
            pop = self.populations[name]
            mask = np.ones(pop.size, dtype=bool)
            for key in id_keys:
                ids = self._id_values(rules[key], key, rules)
                inside = (ids >= 0) & (ids < pop.size)
                if not inside.all() and pops is not None:
                    bad = [int(i) if abs(i) < 2 ** 63 else float(i) for i in ids[~inside][:10]]
                    raise ConfigError(
                        f"node set {_describe(rules)} in {self.source}: node ids "
                        f"{bad} are outside population '{name}' (ids 0..{pop.size - 1})")
                sel = np.zeros(pop.size, dtype=bool)
                sel[ids[inside].astype(np.int64)] = True
                mask &= sel
            for key in attr_keys:
                if not pop.has_column(key):
                    mask[:] = False
                    break
                mask &= _matches(np.asarray(pop.column(key)), rules[key], key, rules)
            ids = np.flatnonzero(mask).astype(np.int64)
            if ids.size:
                out[name] = ids
        return out
