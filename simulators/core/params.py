"""Loading component parameter JSONs (dynamics_params of cells and synapses).

Each file is parsed once per process and per resolved path; callers receive a
fresh shallow copy so editing the returned dict never corrupts the cache.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from bmtk_like.errors import ConfigError


@lru_cache(maxsize=None)
def _load_json_cached(path: str, mtime_ns: int) -> Any:
    """Parse one JSON file; keyed on path and modification time."""
    try:
        with open(path, "r", encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"dynamics_params file {path} is not valid JSON (line {exc.lineno}, column "
            f"{exc.colno}: {exc.msg}); fix the file or point the node/edge type at another one"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"dynamics_params file {path} is not UTF-8 text (byte {exc.start}); is it damaged "
                          "or binary? Restore the JSON file.") from None


def load_params_json(component_dir: str | Path | None, filename: str | Path) -> dict:
    """Return the parameter dict stored in ``component_dir/filename``.

    ``filename`` may be absolute, in which case ``component_dir`` is ignored. The
    result is cached per path (invalidated when the file changes) and a deep copy is
    returned. An empty file body (``{}``) gives ``{}``.

    Raises ConfigError naming the file and the components directory when the file is
    missing or malformed.
    """
    fname = Path(str(filename))
    if fname.is_absolute() or component_dir is None:
        path = fname
    else:
        path = Path(component_dir) / fname
    if not path.is_file():
        where = f" in components directory {component_dir}" if component_dir is not None else ""
        raise ConfigError(
            f"dynamics_params file '{filename}' not found{where} (looked for {path}); "
            "check the dynamics_params column of the node/edge types CSV and the "
            "components section (point_neuron_models_dir / synaptic_models_dir ...) of the config"
        )
    resolved = path.resolve()
    data = _load_json_cached(str(resolved), resolved.stat().st_mtime_ns)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"dynamics_params file {resolved} must hold a JSON object (a dict of parameter "
            f"names), found {type(data).__name__}"
        )
    return copy.deepcopy(data)


def component_dir(components: Mapping[str, Any], key: str, required_by: str = "") -> Path:
    """The components folder ``key`` (e.g. ``point_neuron_models_dir``) of a config's ``components``.

    The one lookup every backend uses: a missing key is a ConfigError saying which config key
    to add and who needs it.
    """
    value = components.get(key) if components is not None else None
    if value is None:
        why = f" (needed by {required_by})" if required_by else ""
        raise ConfigError(f"the config has no components.{key}{why}; add it to the 'components' "
                          "section of the simulation or circuit config")
    return Path(value)


def clear_params_cache() -> None:
    """Forget every cached parameter file (for long sessions editing components)."""
    _load_json_cached.cache_clear()
