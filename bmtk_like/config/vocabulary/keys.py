"""The records of the config vocabulary: a :class:`Key` per config key, a :class:`Module`
per input or report module.

The tables themselves are data (:mod:`.sections`, :mod:`.inputs`, :mod:`.reports`); the
loader, ``validate`` and ``docs/config_reference.md`` all read them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

#: Where a key comes from: the SONATA specification, bmtk 1.2.0, or this toolkit.
SONATA, BMTK, BOTH, OURS = "SONATA", "bmtk", "SONATA, bmtk", "bmtk_like"

#: ``Key.acts``: where bmtk_like gives the key its meaning. ``IGNORED`` keys are accepted
#: (bmtk or SONATA define them) but change nothing here.
ALL, NEURON, NEST, POPNET, IGNORED = "all", "NEURON", "NEST", "popnet", "ignored"
SSN = "SSN"


class Text(str):
    """A default described in words (``"<report name>.h5"``), not a JSON value."""


@dataclass(frozen=True)
class Key:
    """One config key.

    ``type`` is the JSON type as a user reads it ("number", "path", "node set", ...);
    ``unit`` the physical unit of a number; ``default`` the value used when the key is
    absent (``None``: no value; a :class:`Text`: described in words); ``required``
    marks keys without a default. ``children`` describes the keys of a nested object
    (or of each object of a list); ``free`` says the nested names are the user's
    (manifest variables, node-set names, populations); ``each`` then describes the keys of
    every such named entry (SONATA's per-population settings).
    """

    name: str
    type: str
    meaning: str
    unit: str = ""
    default: Any = None
    required: bool = False
    origin: str = BMTK
    acts: str = ALL
    children: Optional[Mapping[str, "Key"]] = None
    free: bool = False
    each: Optional[Mapping[str, "Key"]] = None


@dataclass(frozen=True)
class Module:
    """An input or report ``module``: its accepted ``input_type`` values and its keys.

    ``aliases`` are other spellings that mean the same module; ``runs_on`` lists the
    bmtk_like backends that act on it (empty: accepted, but no backend here runs it).
    ``node_set_default`` is the node set an input drives when it names none (None: the
    input must name one). ``input_type_checked``: bmtk dispatches on ``input_type``, so a
    value outside ``input_types`` is warned about (elsewhere ``input_type`` is free text).
    """

    name: str
    kind: str                                    # "input" or "report"
    meaning: str
    keys: Mapping[str, Key]
    input_types: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    origin: str = BMTK
    runs_on: tuple[str, ...] = (NEURON, NEST, POPNET)
    node_set_default: Optional[str] = None
    input_type_checked: bool = False


def keys(*entries: Key) -> dict[str, Key]:
    """A name -> Key table from Key records (order kept, names unique)."""
    table: dict[str, Key] = {}
    for entry in entries:
        if entry.name in table:
            raise AssertionError(f"vocabulary: key {entry.name!r} is listed twice")
        table[entry.name] = entry
    return table


def merged(*tables: Mapping[str, Key]) -> dict[str, Key]:
    """Tables joined left to right; a later table may not repeat a name."""
    out: dict[str, Key] = {}
    for table in tables:
        for name, entry in table.items():
            if name in out:
                raise AssertionError(f"vocabulary: key {name!r} is listed twice")
            out[name] = entry
    return out


@dataclass(frozen=True)
class Vocabulary:
    """The whole table: top-level keys plus the input and report modules by name."""

    top: Mapping[str, Key]
    inputs: Mapping[str, Module]
    reports: Mapping[str, Module]
    input_common: Mapping[str, Key] = field(default_factory=dict)
    report_common: Mapping[str, Key] = field(default_factory=dict)

    def input_module(self, name: str) -> Optional[Module]:
        """The input module called ``name`` (case-insensitive, aliases included)."""
        return _find(self.inputs, name)

    def report_module(self, name: str) -> Optional[Module]:
        """The report module called ``name`` (case-insensitive, aliases included)."""
        return _find(self.reports, name)

    def module_names(self, kind: str) -> list[str]:
        """Every accepted spelling of the ``kind`` ("input"/"report") modules."""
        table = self.inputs if kind == "input" else self.reports
        return [n for m in table.values() for n in (m.name, *m.aliases)]


def _find(table: Mapping[str, Module], name: str) -> Optional[Module]:
    wanted = str(name).lower()
    for module in table.values():
        if wanted in (n.lower() for n in (module.name, *module.aliases)):
            return module
    return None
