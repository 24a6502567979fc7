"""The ``inputs`` and ``reports`` sections: what drives the circuit and what is recorded."""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from bmtk_like.config import checks
from bmtk_like.config.node_sets import check_reference
from bmtk_like.config.paths import RequiredPath, is_path_key, output_file
from bmtk_like.config.vocabulary import VOCABULARY
from bmtk_like.config.vocabulary.lint import closest
from bmtk_like.errors import ConfigError

#: Input modules a config may name (matched case-insensitively, stored as spelled here):
#: every module and alias of the config vocabulary.
KNOWN_INPUT_MODULES = frozenset(VOCABULARY.module_names("input"))
#: Report modules a config may name (matched case-insensitively).
KNOWN_REPORT_MODULES = frozenset(VOCABULARY.module_names("report"))
#: Maps an entry name (None for the section) to the config file that defined it.
SourceOf = Callable[[Optional[str]], str]
SPIKE_FILE_MODULES = frozenset({"h5", "hdf5", "sonata", "csv", "nwb"})
VARIABLE_REPORTS = frozenset({"membrane_report", "multimeter_report", "multimeter",
                              "syn_report", "netcon_report"})


@dataclass(frozen=True)
class InputSpec:
    """One ``inputs`` entry. ``params`` holds every other key, paths made absolute.

    Units are the same on every backend: IClamp ``amp`` nA (converted to pA for NEST in
    one place, ``simulators/pointnet/stimuli.py``; ``"amp_units": "pA"`` declares pA),
    ``delay``/``duration`` ms.
    """

    name: str
    input_type: str
    module: str
    node_set: Any           # as written, else the module's default ("all" for IClamp, ...)
    params: dict = field(default_factory=dict)


def is_gid_list(cells: Any) -> bool:
    """A report's ``cells`` in BioNet's legacy form: a list of gids (integers) rather than a node set."""
    return isinstance(cells, (list, tuple)) and bool(cells) and all(
        isinstance(c, numbers.Integral) and not isinstance(c, bool) for c in cells)


@dataclass(frozen=True)
class ReportSpec:
    """One ``reports`` entry. ``cells`` None means every non-virtual node.

    ``params`` holds the other keys; ``params["file_name"]`` (if given) is resolved
    under the output folder.
    """

    name: str
    module: str
    cells: Any
    variable_name: Optional[str | list[str]]   # a list records several variables
    sections: str = "soma"
    params: dict = field(default_factory=dict)


def _canonical(module: str, known: frozenset) -> Optional[str]:
    by_lower = {name.lower(): name for name in known}
    return by_lower.get(module.lower())


def _module(entry: dict, key: str, source: str, known: frozenset, what: str) -> str:
    if "module" not in entry:
        raise ConfigError(f"{source}: {what} '{key}' has no 'module'; known modules: "
                          f"{', '.join(sorted(known, key=str.lower))}.")
    module = checks.string(entry["module"], f"{key}.module", source)
    canonical = _canonical(module, known)
    if canonical is None:
        guess = closest(module, known)
        hint = f" (did you mean '{guess}'?)" if guess else ""
        raise ConfigError(f"{source}: {what} '{key}' uses unknown module {module!r}{hint}; "
                          f"known modules: {', '.join(sorted(known, key=str.lower))}.")
    return canonical


def _entries(section: Any, section_name: str, source_of: SourceOf, known: frozenset, what: str):
    """Yield (name, entry, source file, dotted key, canonical module) of enabled entries."""
    section = checks.mapping(section if section is not None else {}, section_name,
                             source_of(None))
    for name, entry in section.items():
        source, key = source_of(name), f"{section_name}.{name}"
        entry = checks.mapping(entry, key, source)
        if checks.boolean(entry.get("enabled", True), f"{key}.enabled", source):
            yield name, entry, source, key, _module(entry, key, source, known, what)


def _check_clamp(entry: dict, key: str, source: str) -> None:
    """IClamp: amp/delay/duration numbers or equal-length lists, unless read from a file."""
    if "file" in entry or entry.get("input_type") in ("csv", "nwb", "allen"):
        return
    lengths = set()
    for name in ("amp", "delay", "duration"):
        if name not in entry:
            raise ConfigError(f"{source}: '{key}' (IClamp) has no '{name}'; give amp, delay "
                              f"(ms) and duration (ms), or a \"file\".")
        value = entry[name]
        values = value if isinstance(value, list) else [value]
        if not values or not all(checks.is_number(v) for v in values):
            raise checks.wrong_type(source, f"{key}.{name}", value,
                                    "a number or a list of numbers")
        lengths.add(len(values) if isinstance(value, list) else None)
    lengths.discard(None)
    if len(lengths) > 1:
        raise ConfigError(f"{source}: '{key}' (IClamp) has lists of different lengths for "
                          f"amp, delay and duration; give one value per pulse in each.")


def parse_inputs(inputs: Any, source_of: SourceOf
                 ) -> tuple[dict[str, InputSpec], list[RequiredPath]]:
    """Validate ``inputs``; ``source_of(name)`` names the file that defined an input.

    Entries with ``"enabled": false`` are left out. Every path-valued key of an
    input (``input_file``, ``file``, ``rates``, ...) is listed as a required file.
    """
    specs: dict[str, InputSpec] = {}
    required: list[RequiredPath] = []
    for name, entry, source, key, module in _entries(inputs, "inputs", source_of,
                                                     KNOWN_INPUT_MODULES, "input"):
        if "input_type" not in entry:
            raise ConfigError(f"{source}: input '{key}' has no 'input_type' (e.g. \"spikes\", "
                              f"\"current_clamp\", \"csv\").")
        input_type = checks.string(entry["input_type"], f"{key}.input_type", source)
        default_set = VOCABULARY.input_module(module).node_set_default
        if "node_set" not in entry and default_set is None:
            raise ConfigError(f"{source}: input '{key}' has no 'node_set'; name the node set "
                              f"or population it drives, e.g. \"node_set\": \"lgn\".")
        node_set = check_reference(entry.get("node_set", default_set), f"{key}.node_set",
                                   source)
        if module.lower() in SPIKE_FILE_MODULES and input_type == "spikes" \
                and "input_file" not in entry:
            raise ConfigError(f"{source}: spike input '{key}' (module {module}) has no "
                              f"'input_file'; give the spike file's path.")
        if module == "IClamp":
            _check_clamp(entry, key, source)
        params = {k: v for k, v in entry.items()
                  if k not in ("module", "input_type", "node_set")}
        for param, value in params.items():
            if is_path_key(param) and isinstance(value, str):
                required.append(RequiredPath(f"{key}.{param}", Path(value), "any", source))
        specs[name] = InputSpec(name, input_type, module, node_set, params)
    return specs, required


def parse_reports(reports: Any, source_of: SourceOf, output_dir: Path, config_dir: Path
                  ) -> dict[str, ReportSpec]:
    """Validate ``reports`` (entries with ``"enabled": false`` are left out)."""
    specs: dict[str, ReportSpec] = {}
    for name, entry, source, key, module in _entries(reports, "reports", source_of,
                                                     KNOWN_REPORT_MODULES, "report"):
        cells = entry.get("cells")
        if cells is not None:
            check_reference(cells, f"{key}.cells", source)
        variable = entry.get("variable_name")
        if variable is None and module in VARIABLE_REPORTS:
            raise ConfigError(f"{source}: report '{key}' (module {module}) has no "
                              f"'variable_name'; name what to record, e.g. \"v\" (NEURON) "
                              f"or \"V_m\" (NEST).")
        if isinstance(variable, list) and variable:  # several recordables, e.g. ["V_m", "I_syn_ex"]
            for i, item in enumerate(variable):
                checks.string(item, f"{key}.variable_name[{i}]", source)
        elif variable is not None:
            checks.string(variable, f"{key}.variable_name", source)
        sections = checks.string(entry.get("sections", "soma"), f"{key}.sections", source)
        params = {k: v for k, v in entry.items()
                  if k not in ("module", "cells", "variable_name", "sections")}
        if "file_name" in params:
            file_name = checks.string(params["file_name"], f"{key}.file_name", source)
            params["file_name"] = str(output_file(file_name, output_dir, config_dir))
        specs[name] = ReportSpec(name, module, cells, variable, sections, params)
    return specs
