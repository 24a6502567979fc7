"""Reading a config tree: manifest substitution, path resolution, split files, merging.

A config file may name its circuit and simulation parts as other files
(``"network": "circuit_config.json"``, ``"simulation": "simulation_config.json"``)
or hold them inline as objects. Each file has its own manifest and its
relative paths are resolved against its own folder. Parts merge section by
section (``run``, ``inputs``, ``components``...): keys of the file the user
named win over those of the files it includes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from bmtk_like.config import checks
from bmtk_like.config.jsonfile import read_json_object
from bmtk_like.config.manifest import builtin_variables, resolve_manifest, substitute
from bmtk_like.config.paths import resolve_path, resolve_paths
from bmtk_like.errors import ConfigError

CHILD_KEYS = ("network", "simulation")


@dataclass
class LoadedTree:
    """A merged config: ``data`` plus where each section came from.

    ``origins`` maps ``"section"`` and ``"section.name"`` to (file label, folder).
    """

    data: dict = field(default_factory=dict)
    origins: dict = field(default_factory=dict)
    files: list = field(default_factory=list)
    variables: dict = field(default_factory=dict)

    def merge(self, other: "LoadedTree") -> None:
        """Merge ``other`` on top of this tree (its keys win, section by section)."""
        for section, value in other.data.items():
            old = self.data.get(section)
            if isinstance(value, dict) and isinstance(old, dict):
                self.data[section] = {**old, **value}
            else:
                self.data[section] = value
                for key in [k for k in self.origins if k.startswith(section + ".")]:
                    del self.origins[key]
        self.origins.update({k: v for k, v in other.origins.items()
                             if k or "" not in self.origins})
        self.files.extend(f for f in other.files if f not in self.files)

    def origin(self, section: str, name: Optional[str] = None) -> tuple[str, Path]:
        """(file label, folder) of ``section.name``, falling back to the section, then root."""
        for key in ((f"{section}.{name}",) if name is not None else ()) + (section, ""):
            if key in self.origins:
                return self.origins[key]
        raise AssertionError("the root origin is always recorded")


def _expand(raw: dict, label: str, config_dir: Path, config_path: Optional[Path],
            chain: tuple[Path, ...], user_variables: Optional[Mapping[str, Any]],
            inherited: Optional[Mapping[str, Any]] = None) -> LoadedTree:
    """Substitute, resolve and merge one config object (and the parts it names)."""
    builtins = {**(inherited or {}), **builtin_variables(config_path, config_dir)}
    variables = resolve_manifest(raw.get("manifest"), builtins, label, user_variables)
    body = {key: value for key, value in raw.items() if key != "manifest"}
    body = resolve_paths(substitute(body, variables, label), config_dir)
    output = body.get("output")
    if isinstance(output, dict) and isinstance(output.get("output_dir"), str):
        body["output"] = {**output, "output_dir": resolve_path(output["output_dir"], config_dir)}

    tree = LoadedTree(files=[config_path] if config_path is not None else [])
    tree.origins[""] = (label, config_dir)
    for child_key in CHILD_KEYS:
        child = body.pop(child_key, None)
        if child is None:
            continue
        if isinstance(child, str):
            child_path = Path(child)
            if child_path in chain:
                raise ConfigError(f"{label}: '{child_key}' names {child_path}, which includes "
                                  f"this file again (a loop of config files).")
            raw_child = read_json_object(child_path, f"'{child_key}' config named in {label}:")
            subtree = _expand(raw_child, str(child_path), child_path.parent, child_path,
                              chain + (child_path,), user_variables)
        elif isinstance(child, dict):
            subtree = _expand(child, f"{label} ('{child_key}' section)", config_dir,
                              config_path, chain, user_variables, inherited=variables)
        else:
            raise checks.wrong_type(label, child_key, child,
                                    "the path of a config file or a config object")
        tree.merge(subtree)
    own = LoadedTree(data=body, files=[])
    for section, value in body.items():
        own.origins[section] = (label, config_dir)
        if isinstance(value, dict):
            for name in value:
                own.origins[f"{section}.{name}"] = (label, config_dir)
    tree.merge(own)
    names = [key[1:] if key.startswith("$") else key for key in raw.get("manifest") or {}]
    tree.variables = {**(inherited or {}), **{name: variables[name] for name in names}}
    return tree


def load_tree(source: Any, base_dir: Optional[os.PathLike] = None,
              user_variables: Optional[Mapping[str, Any]] = None,
              label: Optional[str] = None) -> tuple[LoadedTree, Optional[Path], Path]:
    """Load a config from a path or a dict into a merged tree.

    Returns (tree, config file path or None for a dict, config folder). Relative
    paths in a dict are resolved against ``base_dir`` (default: current directory).
    """
    if isinstance(source, dict):
        config_dir = Path(os.path.abspath(base_dir if base_dir is not None else os.getcwd()))
        tree = _expand(source, label or f"<config dict, base_dir {config_dir}>", config_dir,
                       None, (), user_variables)
        return tree, None, config_dir
    if not isinstance(source, (str, os.PathLike)):
        raise ConfigError(f"a config must be a path to a JSON file or a dict, not a "
                          f"{type(source).__name__} ({source!r:.60}).")
    path = Path(os.path.abspath(os.path.expanduser(os.fspath(source))))
    raw = read_json_object(path, "config file")
    tree = _expand(raw, label or str(path), path.parent, path, (path,), user_variables)
    return tree, path, path.parent
