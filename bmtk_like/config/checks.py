"""Type and value checks for config entries.

Every failure raises :class:`~bmtk_like.errors.ConfigError` naming the config
file, the dotted key (``run.tstop``), the offending value and what was expected.
"""
from __future__ import annotations

import math
from typing import Any, Optional

from bmtk_like.errors import ConfigError


def json_type(value: Any) -> str:
    """Name of a value's JSON type, as a user reading the file would call it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def wrong_type(source: str, key: str, value: Any, expected: str, hint: str = "") -> ConfigError:
    """Build the standard wrong-type error (returned, so callers ``raise`` it)."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    msg = f"{source}: '{key}' is {text} (a JSON {json_type(value)}); expected {expected}."
    if isinstance(value, str) and expected.startswith(("a number", "an integer", "a boolean")):
        msg += " Write the value without quotes."
    if hint:
        msg += " " + hint
    return ConfigError(msg)


def is_number(value: Any) -> bool:
    """True for JSON numbers (int or float), False for booleans and strings."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number(value: Any, key: str, source: str, units: str = "",
           positive: bool = False) -> float:
    """Check ``value`` is a number (optionally > 0) and return it as float."""
    unit_text = f" in {units}" if units else ""
    if not is_number(value):
        raise wrong_type(source, key, value, f"a number{unit_text}")
    if not math.isfinite(value):
        raise ConfigError(f"{source}: '{key}' is {value!r}; expected a finite number{unit_text}.")
    if positive and not value > 0:
        raise ConfigError(f"{source}: '{key}' is {value!r}; expected a number > 0{unit_text}.")
    return float(value)


def optional_number(value: Any, key: str, source: str, units: str = "",
                    positive: bool = False) -> Optional[float]:
    """Like :func:`number` but ``None`` passes through."""
    return None if value is None else number(value, key, source, units, positive)


def integer(value: Any, key: str, source: str, minimum: Optional[int] = None) -> int:
    """Check ``value`` is an integer (``2.0`` accepted) not below ``minimum``."""
    if is_number(value) and float(value).is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise wrong_type(source, key, value, "an integer")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{source}: '{key}' is {value}; expected an integer >= {minimum}.")
    return value


def boolean(value: Any, key: str, source: str) -> bool:
    """Check ``value`` is a JSON boolean (``true``/``false``)."""
    if not isinstance(value, bool):
        raise wrong_type(source, key, value, "a boolean (true or false)")
    return value


def string(value: Any, key: str, source: str) -> str:
    """Check ``value`` is a JSON string."""
    if not isinstance(value, str):
        raise wrong_type(source, key, value, "a string")
    return value


def mapping(value: Any, key: str, source: str) -> dict:
    """Check ``value`` is a JSON object (dict)."""
    if not isinstance(value, dict):
        raise wrong_type(source, key, value, "a JSON object ({...})")
    return value
