"""Reading JSON config files with errors that point at the file, line and column."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bmtk_like.errors import ConfigError


def read_json_object(path: Path, what: str = "config file") -> dict:
    """Parse ``path`` as JSON and return its top-level object.

    Raises ConfigError naming the file (and line/column for syntax errors) when
    the file is missing, unreadable, not JSON, or not a JSON object.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{what} {path} does not exist; check the path (relative paths "
                          f"are resolved against the folder of the config that names them).")
    if path.is_dir():
        raise ConfigError(f"{what} {path} is a folder; give the path of a .json file.")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} {path} cannot be read: {exc}") from None
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg}. Fix the syntax there (a missing comma, quote or "
                          f"bracket, or a trailing comma).") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level is a JSON {type(data).__name__}; a "
                          f"{what} must be a JSON object {{...}}.")
    return data


def merge_overrides(base: dict, overrides: dict) -> dict:
    """Return ``base`` deep-merged with ``overrides`` (new dict; inputs unchanged).

    Nested objects merge key by key; any other value replaces the old one; a
    ``None`` value removes the key (so ``{"inputs": {"LGN": None}}`` drops an input).
    """
    merged = dict(base)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_overrides(merged[key], value)
        else:
            merged[key] = value
    return merged
