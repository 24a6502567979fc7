"""Argument checks of the builder's public calls, made at the call (scikit-learn style).

Each check raises a BuilderError whose message starts with ``where`` (the network,
edge type and call, e.g. "network 'v1', edge type 100: add_edges"), names the
argument and its value, and says what is expected.
"""
from __future__ import annotations

import math
import numbers
import os
from typing import Any

import numpy as np

from bmtk_like.errors import BuilderError


def is_whole_number(value: Any) -> bool:
    """An int (numpy ints too), not a bool; floats only when integral (5.0)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, numbers.Real) and math.isfinite(float(value)) and float(value).is_integer()


#: Largest count a builder argument may hold: nsyns are stored as uint32 in edge files.
MAX_COUNT = 2 ** 32 - 1


def check_count(value: Any, name: str, where: str) -> int:
    """A whole number in 0..MAX_COUNT (a node, synapse or connection count)."""
    if not is_whole_number(value) or int(value) < 0:
        raise BuilderError(f"{where}: {name}={value!r} must be a whole number >= 0.")
    if int(value) > MAX_COUNT:
        raise BuilderError(f"{where}: {name}={value!r} is larger than {MAX_COUNT}, the largest count SONATA "
                           "files store.")
    return int(value)


def check_seed(value: Any, where: str) -> int | None:
    """None (draw from np.random at build time) or a whole number >= 0."""
    if value is None:
        return None
    if not is_whole_number(value) or int(value) < 0:
        raise BuilderError(f"{where}: seed={value!r} must be None or a whole number >= 0 (e.g. seed=1).")
    return int(value)


def check_nsyns(value: Any, where: str) -> int | tuple[int, int]:
    """Synapses per connected pair: a whole number >= 0, or ``(low, high)`` with 0 <= low <= high."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or not all(is_whole_number(v) and 0 <= int(v) <= MAX_COUNT for v in value) \
                or int(value[0]) > int(value[1]):
            raise BuilderError(f"{where}: nsyns={value!r} must be a whole number >= 0 or a range (low, high) "
                               "of whole numbers with 0 <= low <= high.")
        return int(value[0]), int(value[1])
    return check_count(value, "nsyns", where)


def check_bool(value: Any, name: str, where: str) -> bool:
    """True or False (a string like 'no' would otherwise count as true)."""
    if not isinstance(value, (bool, np.bool_)):
        raise BuilderError(f"{where}: {name}={value!r} must be True or False.")
    return bool(value)


def check_number(value: Any, name: str, where: str, minimum: float | None = None, units: str = "",
                 required: bool = False) -> None:
    """A finite real number (>= ``minimum`` when given); None passes unless ``required``."""
    if value is None and not required:
        return
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and math.isfinite(float(value))
    if not ok or (minimum is not None and float(value) < minimum):
        bound = f" >= {minimum:g}" if minimum is not None else ""
        raise BuilderError(f"{where}: {name}={value!r} must be a finite number{bound}{units}.")


def check_output_dir(value: Any, where: str) -> str:
    """A folder path (str or os.PathLike) that is not an existing file."""
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        raise BuilderError(f"{where}: output_dir={value!r} must be a folder path (a string or pathlib.Path).")
    path = os.fspath(value)
    if os.path.exists(path) and not os.path.isdir(path):
        raise BuilderError(f"{where}: output_dir '{path}' is an existing file, not a folder; save into a folder.")
    return path


def check_property_name(name: Any, where: str) -> str:
    """A column name SONATA can store: a non-empty string without '/' (h5 would nest it in a group)."""
    if not isinstance(name, str) or not name.strip() or "/" in name or name in (".", ".."):
        raise BuilderError(f"{where}: property name {name!r} is not usable as a column; give a non-empty "
                           "string without '/' (e.g. 'a_b').")
    return name


def check_params(value: Any, name: str, where: str) -> dict:
    """None or a dict of keyword arguments."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BuilderError(f"{where}: {name}={value!r} must be a dict of keyword arguments (or None).")
    return value


def per_node_array(value: Any, name: str, n: int, where: str) -> np.ndarray:
    """A per-node property as a 1-D array of N numbers or strings (ragged lists refused)."""
    try:
        arr = np.asarray(value)
    except ValueError:
        raise BuilderError(f"{where}: property '{name}' is a ragged list (items of different lengths); give "
                           "one scalar per node, or split it into one property per column.") from None
    if arr.dtype == object and arr.size and any(isinstance(v, (list, tuple, np.ndarray, dict)) for v in arr.ravel()):
        raise BuilderError(f"{where}: property '{name}' holds nested lists; give one scalar per node, or split "
                           "it into one property per column.")
    return arr


def positions_array(value: Any, n: int, where: str) -> np.ndarray:
    """``positions``: an (N, 3) array of finite numbers in µm."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise BuilderError(f"{where}: positions={value!r:.60} must be an ({n}, 3) array of numbers (µm).") from None
    if arr.shape != (n, 3) or not np.all(np.isfinite(arr)):
        raise BuilderError(f"{where}: positions has shape {arr.shape}; expected ({n}, 3) finite numbers (µm).")
    return arr
