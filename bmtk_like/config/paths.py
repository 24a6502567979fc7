"""Which config values are paths, and how relative paths are resolved.

Rule (documented in docs and mirrored from libsonata): a relative path is
relative to the folder of the config file that contains it, never to the
current directory. A string is a path when its key is a known path key (ends in
``_file``, ``_dir``, ``_path``, ``_files``, ``_dirs``, or is ``file``,
``rates``, ``network``, ``simulation``), or when it starts with ``./`` or
``../`` wherever it appears. The ``output`` section is special: its file names
live under ``output_dir`` (see :func:`output_file`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

PATH_KEYS = frozenset({"file", "rates", "network", "simulation", "morphologies_dir",
                       "electrode_positions", "mesh", "comsol_file"})
PATH_SUFFIXES = ("_file", "_dir", "_path", "_files", "_dirs")
PATH_DICT_KEYS = frozenset({"alternate_morphologies"})
# Keys whose values are output locations, resolved under output_dir instead.
OUTPUT_NAME_KEYS = frozenset({"file_name"})
# Sections whose strings are data, not paths, or handled elsewhere.
UNRESOLVED_SECTIONS = frozenset({"manifest", "node_sets", "output"})


def is_path_key(key: str) -> bool:
    """True when a value under ``key`` is a file-system path."""
    return key in PATH_KEYS or key.endswith(PATH_SUFFIXES)


def looks_relative(text: str) -> bool:
    """True for explicitly relative paths: ``.``, ``..``, ``./x``, ``../x``."""
    return text in (".", "..") or text.startswith(("./", "../", ".\\", "..\\"))


def resolve_path(text: str, base_dir: Path) -> str:
    """``text`` made absolute against ``base_dir`` (``~`` expanded, normalised)."""
    text = os.path.expanduser(text)
    if os.path.isabs(text):
        return os.path.normpath(text)
    return os.path.normpath(os.path.join(str(base_dir), text))


def resolve_paths(obj: Any, base_dir: Path, key: str = "", top: bool = True) -> Any:
    """Return ``obj`` with its path strings made absolute against ``base_dir``.

    Top-level sections in :data:`UNRESOLVED_SECTIONS` are left as they are.
    """
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if top and k in UNRESOLVED_SECTIONS:
                out[k] = v
            elif k in OUTPUT_NAME_KEYS:
                out[k] = v
            elif k in PATH_DICT_KEYS and isinstance(v, dict):
                out[k] = {name: resolve_path(p, base_dir) if isinstance(p, str) else p
                          for name, p in v.items()}
            else:
                out[k] = resolve_paths(v, base_dir, k, top=False)
        return out
    if isinstance(obj, list):
        return [resolve_paths(item, base_dir, key, top=False) for item in obj]
    if isinstance(obj, str) and ((is_path_key(key) and obj) or looks_relative(obj)):
        return resolve_path(obj, base_dir)
    return obj


def output_file(value: str, output_dir: Path, config_dir: Path) -> Path:
    """Where an ``output`` file name (log_file, spikes_file, ...) points.

    Absolute paths stay. A relative path that, taken from the config's folder,
    already lies inside ``output_dir`` (``"$OUTPUT_DIR/spikes.h5"``) stays there;
    any other relative name goes under ``output_dir`` (BMTK's rule).
    """
    expanded = os.path.expanduser(value)
    if os.path.isabs(expanded):
        return Path(os.path.normpath(expanded))
    candidate = Path(resolve_path(expanded, config_dir))
    if candidate == output_dir or output_dir in candidate.parents:
        return candidate
    return Path(os.path.normpath(os.path.join(str(output_dir), expanded)))


@dataclass(frozen=True)
class RequiredPath:
    """A path the config refers to and that must exist (``kind``: file, dir or any).

    ``optional`` paths are reported in ``SimulationConfig.missing_files`` but never
    raise (e.g. ``components.mechanisms_dir``: cells may need only NEURON's built-in
    mechanisms, and BMTK too carries on without that folder).
    """

    key: str
    path: Path
    kind: str = "any"
    source: str = ""
    optional: bool = False

    def problem(self) -> str | None:
        """A one-line finding if the path is missing or of the wrong kind, else None."""
        if not self.path.exists():
            what = {"file": "file", "dir": "folder"}.get(self.kind, "path")
            return f"'{self.key}' -> {what} {self.path} does not exist"
        if self.kind == "file" and self.path.is_dir():
            return f"'{self.key}' -> {self.path} is a folder, expected a file"
        if self.kind == "dir" and not self.path.is_dir():
            return f"'{self.key}' -> {self.path} is a file, expected a folder"
        return None


def find_missing(required: Iterable[RequiredPath]) -> list[RequiredPath]:
    """The entries of ``required`` whose path is missing or of the wrong kind."""
    return [entry for entry in required if entry.problem() is not None]
