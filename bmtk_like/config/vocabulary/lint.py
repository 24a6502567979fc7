"""Keys nobody defines, and values that look like a unit slip, as warnings.

:func:`check_config` walks a merged config against :data:`VOCABULARY` and returns
:class:`ConfigNotice` records naming the file, the dotted key and, for an unknown key,
the closest known one ("did you mean 'tstop'?"). Nothing here raises: the loader turns
notices into Python warnings (or errors with ``strict=True``), ``validate`` into findings.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional

from bmtk_like.config.vocabulary import VOCABULARY
from bmtk_like.config.vocabulary.keys import NEST, NEURON, POPNET, Key, Module

#: (section, entry name or None) -> label of the config file that wrote it.
SourceOf = Callable[[str, Optional[str]], str]

#: target_simulator spellings -> level (kept here so the contract needs no backend import).
LEVELS = {"neuron": NEURON, "bionet": NEURON, "nest": NEST, "pointnet": NEST,
          "dipde": POPNET, "popnet": POPNET, "population": POPNET}


@dataclass(frozen=True)
class ConfigNotice:
    """One warning about a config: ``source`` file, dotted ``key``, full ``message``."""

    source: str
    key: str
    message: str
    suggestion: Optional[str] = None      # the closest known key, for unknown keys

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


def level_of(target_simulator: Any) -> Optional[str]:
    """NEURON, NEST or popnet for a target_simulator name; None when unknown or absent."""
    return LEVELS.get(str(target_simulator).strip().lower()) if target_simulator else None


def closest(name: str, known: Iterable[str]) -> Optional[str]:
    """The known key most like ``name`` (difflib), or None when none is close."""
    by_lower = {k.lower(): k for k in known}
    match = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[match[0]] if match else None


def _unknown(source: str, path: str, name: str, known: Mapping[str, Key],
             elsewhere: str = "") -> ConfigNotice:
    guess = closest(name, known)
    hint = f" (did you mean '{guess}'?)" if guess else ""
    if elsewhere:
        hint += f"; {elsewhere}"
    return ConfigNotice(source, path, f"unknown key '{path}'{hint}; bmtk_like ignores it "
                        f"(see docs/config_reference.md)", guess)


def _walk(obj: Any, table: Mapping[str, Key], path: str, source: str,
          found: list[ConfigNotice], elsewhere: Callable[[str], str] = lambda name: "") -> None:
    """Check the keys of object ``obj`` (at ``path``) against ``table``, recursively."""
    if not isinstance(obj, dict):
        return
    for name, value in obj.items():
        where = f"{path}.{name}" if path else str(name)
        key = table.get(name)
        if key is None:
            found.append(_unknown(source, where, str(name), table, elsewhere(str(name))))
        elif key.children is not None and not key.free:
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                at = f"{where}[{i}]" if isinstance(value, list) else where
                _walk(item, key.children, at, source, found)
        elif key.each is not None and isinstance(value, dict):
            for entry_name, entry in value.items():     # user-named entries, known keys
                _walk(entry, key.each, f"{where}.{entry_name}", source, found)


def _section_of(name: str, exclude: Optional[str] = None) -> str:
    """'is a key of X' text when ``name`` is a key of another top-level section."""
    homes = [top for top, key in VOCABULARY.top.items()
             if key.children and name in key.children and top != exclude]
    return f"'{name}' is a key of '{homes[0]}'" if homes else ""


def _module_entries(data: dict, section: str, source_of: SourceOf, common: Mapping[str, Key],
                    lookup: Callable[[str], Optional[Module]], others: Iterable[Module],
                    found: list[ConfigNotice]) -> None:
    entries = data.get(section)
    if not isinstance(entries, dict):
        return
    for name, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("module"), str):
            continue
        module = lookup(entry["module"])
        if module is None:        # the loader refuses an unknown module with its own error
            continue
        table = {**common, **module.keys}

        def elsewhere(key: str, module: Module = module) -> str:
            owners = [m.name for m in others if key in m.keys and m is not module]
            return (f"'{key}' is a key of module {', '.join(owners[:3])}, not "
                    f"{module.name}") if owners else ""
        _walk(entry, table, f"{section}.{name}", source_of(section, name), found, elsewhere)
        kind = entry.get("input_type")
        if module.input_type_checked and isinstance(kind, str) and kind not in module.input_types:
            guess = closest(kind, module.input_types)
            hint = f" (did you mean '{guess}'?)" if guess else ""
            found.append(ConfigNotice(source_of(section, name), f"{section}.{name}.input_type",
                f"'{section}.{name}.input_type' is '{kind}'{hint}; module {module.name} takes "
                f"{', '.join(repr(t) for t in module.input_types)} (bmtk refuses other values)",
                guess))


def unknown_keys(data: Mapping[str, Any], source_of: SourceOf) -> list[ConfigNotice]:
    """Every key of the merged config ``data`` that the vocabulary does not define."""
    found: list[ConfigNotice] = []
    for name, value in data.items():
        key = VOCABULARY.top.get(name)
        source = source_of(name, None)
        if key is None:
            found.append(_unknown(source, str(name), str(name), VOCABULARY.top,
                                  _section_of(str(name))))
        elif key.children is not None and isinstance(value, dict):
            for sub, subvalue in value.items():
                _walk({sub: subvalue}, key.children, name, source_of(name, sub), found,
                      lambda other, here=name: _section_of(other, exclude=here))
    _module_entries(data, "inputs", source_of, VOCABULARY.input_common,
                    VOCABULARY.input_module, VOCABULARY.inputs.values(), found)
    _module_entries(data, "reports", source_of, VOCABULARY.report_common,
                    VOCABULARY.report_module, VOCABULARY.reports.values(), found)
    return found


def _number(value: Any) -> Optional[float]:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok else None


def unit_slips(data: Mapping[str, Any], source_of: SourceOf) -> list[ConfigNotice]:
    """Values that are legal but look like a unit mistake, each saying what was meant."""
    found: list[ConfigNotice] = []
    run = data.get("run") if isinstance(data.get("run"), dict) else {}
    level = level_of(data.get("target_simulator"))
    tstop, dt = _number(run.get("tstop")), _number(run.get("dt"))
    duration = _number(run.get("duration"))
    source = source_of("run", "tstop")
    if level != POPNET and tstop is not None and dt and tstop > 0:
        steps = tstop / dt
        if tstop <= 10.0 and steps <= 100:
            found.append(ConfigNotice(source, "run.tstop",
                f"'run.tstop' is {tstop:g} ms, only {steps:.0f} steps of dt = {dt:g} ms; times "
                f"are in ms, so if you meant {tstop:g} s write \"tstop\": {tstop * 1000:g}"))
        elif steps < 10:
            found.append(ConfigNotice(source, "run.tstop",
                f"'run.tstop' ({tstop:g} ms) is only {steps:.1f} time steps of dt = {dt:g} "
                f"ms; was dt meant in a smaller unit (e.g. {dt / 1000:g} ms)?"))
    if tstop is not None and duration is not None and tstop != duration:
        found.append(ConfigNotice(source, "run.duration",
            f"'run' has both tstop ({tstop:g} ms) and duration ({duration:g} ms); bmtk's "
            f"pointnet (NEST) runs for duration, bionet and popnet until tstop; keep one"))
    units_given = "popnet_units" in run or (isinstance(data.get("popnet"), dict)
                                            and "units" in data["popnet"])
    dipde = str(data.get("target_simulator", "")).strip().lower() == "dipde"   # bmtk's popnet name
    if dipde and dt is not None and dt >= 0.05 and not units_given:
        found.append(ConfigNotice(source_of("run", "dt"), "run.dt",
            f"'run.dt' is {dt:g}: BMTK's popnet (DiPDE) reads run.dt in seconds, so with "
            f"DiPDE-style population files this is {dt * 1000:g} ms per step; if you meant "
            f"{dt:g} ms write {dt / 1000:g}, or set \"run\": {{\"popnet_units\": \"ms_mV\"}} "
            f"when the population JSONs are in ms/mV"))
    conditions = data.get("conditions") if isinstance(data.get("conditions"), dict) else {}
    celsius, v_init = _number(conditions.get("celsius")), _number(conditions.get("v_init"))
    if celsius is not None and celsius > 200:
        found.append(ConfigNotice(source_of("conditions", "celsius"), "conditions.celsius",
            f"'conditions.celsius' is {celsius:g}; that looks like kelvin: "
            f"{celsius - 273.15:.1f} °C?"))
    if v_init is not None and v_init > 0:
        found.append(ConfigNotice(source_of("conditions", "v_init"), "conditions.v_init",
            f"'conditions.v_init' is {v_init:g} mV, above 0; did you mean {-v_init:g} mV?"))
    return found


#: On NEST bmtk reads IClamp ``amp`` as pA; below this many pA a current does nothing much.
TINY_PA = 1.0
#: On NEURON ``amp`` is nA; from this many nA on it was probably written in pA.
LARGE_NA = 20.0


def clamp_amplitudes(data: Mapping[str, Any], source_of: SourceOf) -> list[ConfigNotice]:
    """IClamp amplitudes that look written for the other level's unit (no ``amp_units``)."""
    level = level_of(data.get("target_simulator"))
    inputs = data.get("inputs") if isinstance(data.get("inputs"), dict) else {}
    found = []
    for name, entry in inputs.items():
        if not isinstance(entry, dict) or str(entry.get("module", "")).lower() != "iclamp" \
                or "amp_units" in entry or entry.get("enabled") is False:
            continue
        amps = entry.get("amp") if isinstance(entry.get("amp"), list) else [entry.get("amp")]
        values = [abs(v) for v in map(_number, amps) if v]
        if not values:
            continue
        where = f"inputs.{name}.amp"
        if level == NEST and max(values) < TINY_PA:
            found.append(ConfigNotice(source_of("inputs", name), where,
                f"'{where}' is {entry['amp']} and bmtk hands IClamp amp to NEST as pA, so "
                f"this is at most {max(values):g} pA; if you meant nA add \"amp_units\": \"nA\""))
        elif level == NEURON and max(values) >= LARGE_NA:
            found.append(ConfigNotice(source_of("inputs", name), where,
                f"'{where}' is {entry['amp']} and NEURON reads IClamp amp in nA; if you meant "
                f"pA add \"amp_units\": \"pA\""))
    return found


def disabled_nodes(data: Mapping[str, Any], source_of: SourceOf) -> list[ConfigNotice]:
    """``"enabled": false`` on a networks.nodes entry does nothing in bmtk: say so."""
    networks = data.get("networks") if isinstance(data.get("networks"), dict) else {}
    nodes = networks.get("nodes") if isinstance(networks.get("nodes"), list) else []
    return [ConfigNotice(source_of("networks", "nodes"), f"networks.nodes[{i}].enabled",
                         f"'networks.nodes[{i}].enabled' is false, but bmtk (and bmtk_like) "
                         f"load a nodes entry regardless; remove the entry to leave those "
                         f"nodes out") for i, entry in enumerate(nodes)
            if isinstance(entry, dict) and entry.get("enabled") is False]


def check_config(data: Mapping[str, Any], source_of: SourceOf) -> list[ConfigNotice]:
    """All notices about a merged config: unknown keys, unit slips, no-op settings."""
    return unknown_keys(data, source_of) + unit_slips(data, source_of) + \
        clamp_amplitudes(data, source_of) + disabled_nodes(data, source_of)
