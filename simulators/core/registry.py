"""The backend registry: simulator names -> ``run_config`` entry points.

Entry points are stored as lazy ``"module:function"`` strings, so looking up or
listing backends never imports NEST or NEURON; the module is imported only when
the backend is fetched with :func:`get_backend`.
"""
from __future__ import annotations

import importlib
from typing import Callable, Union

from bmtk_like.errors import SimulationError

Loader = Union[str, Callable]

_BACKENDS: dict[str, Loader] = {}      # canonical name -> loader
_ALIASES: dict[str, str] = {}          # lower-case name or alias -> canonical name


def register_backend(name: str, aliases: tuple[str, ...] | list[str] = (),
                     loader: Loader | None = None) -> None:
    """Register backend ``name`` (case-insensitive) with optional ``aliases``.

    ``loader`` is either a callable ``run_config(cfg, **overrides)`` or a string
    ``"package.module:function"`` resolved on first use. Re-registering a name
    replaces its loader.
    """
    if loader is None:
        raise SimulationError(f"register_backend('{name}') needs a loader "
                              "(a callable or a 'module:function' string)")
    _BACKENDS[name] = loader
    for alias in (name, *aliases):
        _ALIASES[alias.lower()] = name


def known_backends() -> dict[str, list[str]]:
    """Canonical backend name -> its accepted names (aliases included)."""
    out: dict[str, list[str]] = {name: [] for name in _BACKENDS}
    for alias, name in _ALIASES.items():
        out[name].append(alias)
    return out


def canonical_name(name: str) -> str:
    """Return the canonical backend name for ``name`` or raise SimulationError."""
    key = str(name).strip().lower()
    if key not in _ALIASES:
        known = ", ".join(f"{n} (aliases: {', '.join(a)})" for n, a in known_backends().items())
        raise SimulationError(
            f"unknown simulator '{name}'; known simulators are: {known}. "
            "Set target_simulator in the config or pass simulator= to one of these."
        )
    return _ALIASES[key]


def get_backend(name: str) -> Callable:
    """Return the ``run_config`` callable of backend ``name`` (imports it now)."""
    canonical = canonical_name(name)
    loader = _BACKENDS[canonical]
    if callable(loader):
        return loader
    module_name, _, func_name = loader.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SimulationError(
            f"simulator '{canonical}' could not be imported ({module_name}: {exc}); "
            "install its engine (e.g. pip install nest-simulator / neuron)"
        ) from exc
    try:
        func = getattr(module, func_name)
    except AttributeError:
        raise SimulationError(
            f"simulator '{canonical}': module {module_name} has no '{func_name}' entry point"
        ) from None
    _BACKENDS[canonical] = func
    return func


register_backend("NEST", ("pointnet",), "simulators.pointnet:run_config")
register_backend("NEURON", ("bionet",), "simulators.bionet:run_config")
register_backend("popnet", ("DiPDE", "population"), "simulators.popnet:run_config")
register_backend("SSN", ("ssn_rates",), "simulators.ssn:run_config")
