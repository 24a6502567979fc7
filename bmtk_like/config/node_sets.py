"""Node-set definitions (SONATA ``node_sets`` / ``node_sets_file``), kept as data.

Shapes accepted here (resolution against a circuit, and the operator table, are in
``bmtk_like/node_sets.py``):

- basic: ``{"model_type": "biophysical", "layer": ["L4", "L5"], "x": {"$gt": 0}}``,
  with the special keys ``population`` (name or list of names) and ``node_id``
  / ``node_ids`` (SONATA / BMTK spelling, an id or a list of ids);
- compound: a list of node-set names, ``["exc", "inh"]``;
- a name: a defined node set, or a population name used as an implicit node set;
- a list of node ids, ``[0, 1, 2]`` (BMTK: ``{"node_id": [0, 1, 2]}`` in every population),
  as a named node set or in ``inputs``/``reports``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from bmtk_like.config import checks
from bmtk_like.config.jsonfile import read_json_object
from bmtk_like.errors import ConfigError
from bmtk_like.node_sets import ID_KEYS, OPERATORS


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, bool)) or checks.is_number(value)


def _check_ids(value: Any, key: str, source: str) -> None:
    ids = value if isinstance(value, list) else [value]
    if not all(checks.is_number(v) and float(v).is_integer() and v >= 0 for v in ids):
        raise checks.wrong_type(source, key, value, "a node id or a list of node ids "
                                "(integers >= 0)")


def check_basic(rule: dict, key: str, source: str) -> None:
    """Validate one basic node-set rule (a dict of attribute tests)."""
    for attr, value in rule.items():
        where = f"{key}.{attr}"
        if attr in ID_KEYS:
            _check_ids(value, where, source)
        elif attr == "population":
            names = value if isinstance(value, list) else [value]
            if not names or not all(isinstance(n, str) for n in names):
                raise checks.wrong_type(source, where, value,
                                        "a population name or a list of names")
        elif isinstance(value, dict):
            unknown = set(value) - set(OPERATORS)
            if unknown:
                raise ConfigError(f"{source}: '{where}' uses unknown operator(s) "
                                  f"{sorted(unknown)}; known: {sorted(OPERATORS)}.")
            for op, operand in value.items():
                if not OPERATORS[op].accepts(operand):
                    raise checks.wrong_type(source, f"{where}.{op}", operand, OPERATORS[op].operand)
        elif isinstance(value, list):
            if not all(_is_scalar(v) for v in value):
                raise checks.wrong_type(source, where, value, "a list of strings or numbers")
        elif not _is_scalar(value):
            raise checks.wrong_type(source, where, value,
                                    "a string, number, list, or {\"$gt\": ...} test")


def check_definitions(node_sets: Any, source: str, key: str = "node_sets") -> dict:
    """Validate a ``{name: definition}`` mapping; compound sets may not form cycles."""
    node_sets = checks.mapping(node_sets, key, source)
    for name, definition in node_sets.items():
        where = f"{key}.{name}"
        if isinstance(definition, dict):
            check_basic(definition, where, source)
        elif isinstance(definition, list):
            if not (all(isinstance(item, str) for item in definition) or is_id_list(definition)):
                raise checks.wrong_type(source, where, definition,
                                        "a basic rule {...}, a list of node-set names or a list of node ids")
        else:
            raise checks.wrong_type(source, where, definition,
                                    "a basic rule {...} or a list of node-set names")
    _check_cycles(node_sets, source, key)
    return node_sets


def is_id_list(value: Any) -> bool:
    """True for a non-empty list of whole numbers >= 0: BMTK reads it as ``{"node_id": value}``."""
    return (isinstance(value, list) and bool(value)
            and all(checks.is_number(v) and float(v).is_integer() and v >= 0 for v in value))


def _check_cycles(node_sets: dict, source: str, key: str) -> None:
    state: dict[str, int] = {}   # 1 = on the current path, 2 = finished

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2 or not isinstance(node_sets.get(name), list) or is_id_list(node_sets[name]):
            return
        if state.get(name) == 1:
            cycle = " -> ".join(path[path.index(name):] + [name])
            raise ConfigError(f"{source}: compound node sets in '{key}' form a cycle: "
                              f"{cycle}. A compound node set cannot contain itself.")
        state[name] = 1
        for member in node_sets[name]:
            visit(member, path + [name])
        state[name] = 2

    for name in node_sets:
        visit(name, [])


def check_reference(ref: Any, key: str, source: str) -> Any:
    """Validate a node-set reference in an input or report and return it unchanged."""
    if isinstance(ref, str):
        if not ref:
            raise ConfigError(f"{source}: '{key}' is empty; name a node set or population.")
    elif isinstance(ref, dict):
        check_basic(ref, key, source)
    elif isinstance(ref, list):
        if not (all(isinstance(r, str) for r in ref) or is_id_list(ref)):
            raise checks.wrong_type(source, key, ref, "a list of node-set names or of node ids")
    else:
        raise checks.wrong_type(source, key, ref,
                                "a node-set name, a rule {...} or a list of names")
    return ref


def load_node_sets_file(path: Path, key: str) -> dict:
    """Read and validate a ``node_sets_file`` JSON (``{name: definition}``)."""
    return check_definitions(read_json_object(path, f"'{key}'"), str(path), "node_sets")
