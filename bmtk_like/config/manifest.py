"""Manifest variables: ``$VAR`` and ``${VAR}`` substitution, as in BMTK configs.

A config's ``"manifest"`` section defines variables (``"$BASE_DIR": "."``) that
may refer to each other (``"$NETWORK_DIR": "$BASE_DIR/network"``). Built-ins
are ``${configdir}`` (the config file's folder), ``${workingdir}`` (the current
directory) and ``${configfname}`` (the config file's path). A string that is
exactly one variable whose value is not a string (``"tstop": "$TSTOP"`` with
``"$TSTOP": 1000``) takes that value itself, like BMTK.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from bmtk_like.errors import ConfigError

VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def builtin_variables(config_path: Optional[Path], config_dir: Path) -> dict[str, str]:
    """The built-in variables for a config at ``config_path`` (None for a dict)."""
    names = {"configdir": str(config_dir), "workingdir": os.getcwd()}
    if config_path is not None:
        names["configfname"] = str(config_path)
    return names


def _expand(text: str, lookup: Callable[[str], Any]) -> Any:
    """Replace every variable in ``text`` using ``lookup(name)``."""
    matches = list(VARIABLE.finditer(text))
    if not matches:
        return text
    if len(matches) == 1 and matches[0].group(0) == text:
        return lookup(matches[0].group(1) or matches[0].group(2))

    def as_text(m: re.Match) -> str:
        value = lookup(m.group(1) or m.group(2))
        if isinstance(value, (dict, list)) or value is None:
            raise ManifestValueError(m.group(0), value)
        return str(value)
    return VARIABLE.sub(as_text, text)


class ManifestValueError(ValueError):
    """A variable whose value is a JSON object, list or null was pasted into a string."""

    def __init__(self, variable: str, value: Any):
        super().__init__(variable)
        self.variable, self.value = variable, value

    def config_error(self, source: str, key: str, text: str) -> ConfigError:
        kind = {dict: "an object", list: "a list", type(None): "null"}[type(self.value)]
        return ConfigError(f"{source}: key '{key}' (value {text!r}) pastes {self.variable} into text, but its value "
                           f"is {kind}; only strings and numbers can be part of a path or string. Give "
                           f"{self.variable} a string value or use it as the whole value.")


def _unknown(name: str, source: str, key: str, text: str, known: Mapping[str, Any]) -> ConfigError:
    defined = ", ".join(f"${n}" for n in sorted(known)) or "none"
    return ConfigError(
        f"{source}: unknown manifest variable '${name}' in key '{key}' (value {text!r}). "
        f"Define it in the \"manifest\" section, e.g. \"${name}\": \"./some_folder\". "
        f"Defined here: {defined}.")


def resolve_manifest(manifest: Any, builtins: Mapping[str, Any], source: str,
                     user_variables: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
    """Resolve a manifest section into ``{name: value}`` (names without ``$``).

    Variables may reference each other in any order; a reference cycle or a
    reference to an undefined variable raises ConfigError naming the file and keys.
    ``user_variables`` (given in Python) win over the manifest, which wins over built-ins.
    """
    if manifest is None:
        manifest = {}
    if not isinstance(manifest, dict):
        raise ConfigError(f"{source}: 'manifest' must be a JSON object of variables like "
                          f"{{\"$BASE_DIR\": \".\"}}, not a {type(manifest).__name__}.")
    raw = {key[1:] if key.startswith("$") else key: value for key, value in manifest.items()}
    for name in raw:
        if not re.fullmatch(r"\w+", name):
            raise ConfigError(f"{source}: manifest key {name!r} is not a valid variable name; "
                              f"use letters, digits and underscores, e.g. \"$BASE_DIR\".")
    resolved: dict[str, Any] = dict(builtins)
    fixed = dict(user_variables or {})
    resolved.update(fixed)
    pending = {name: value for name, value in raw.items() if name not in fixed}
    done: set[str] = set()

    def resolve(name: str, chain: tuple[str, ...]) -> Any:
        if name in chain:
            cycle = " -> ".join(f"${n}" for n in chain[chain.index(name):] + (name,))
            raise ConfigError(f"{source}: manifest variables form a cycle: {cycle}. "
                              f"Make one of them a plain path.")
        if name in pending and name not in done:
            value = pending[name]
            if isinstance(value, str):
                try:
                    value = _expand(value, lambda ref: lookup(ref, chain + (name,), value))
                except ManifestValueError as exc:
                    raise exc.config_error(source, f"manifest.${name}", pending[name]) from None
            resolved[name] = value
            done.add(name)
        return resolved[name]

    def lookup(ref: str, chain: tuple[str, ...], text: str) -> Any:
        if ref in pending or ref in resolved:
            return resolve(ref, chain)
        raise _unknown(ref, source, f"manifest.${chain[-1]}", text, {**raw, **resolved})

    for name in pending:
        resolve(name, ())
    return resolved


def substitute(obj: Any, variables: Mapping[str, Any], source: str, key: str = "") -> Any:
    """Return ``obj`` with every variable in its string values replaced.

    Dict keys are never substituted (node-set operators such as ``$regex`` stay).
    An undefined variable raises ConfigError naming the variable, file and dotted key.
    """
    if isinstance(obj, str):
        def lookup(name: str) -> Any:
            if name in variables:
                return variables[name]
            raise _unknown(name, source, key or "<top level>", obj, variables)
        try:
            return _expand(obj, lookup)
        except ManifestValueError as exc:
            raise exc.config_error(source, key or "<top level>", obj) from None
    if isinstance(obj, list):
        return [substitute(item, variables, source, f"{key}[{i}]") for i, item in enumerate(obj)]
    if isinstance(obj, dict):
        return {k: substitute(v, variables, source, f"{key}.{k}" if key else str(k))
                for k, v in obj.items()}
    return obj
