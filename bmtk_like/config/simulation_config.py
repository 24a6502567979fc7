"""SimulationConfig: a SONATA/BMTK simulation (or circuit) config, parsed and validated once."""
from __future__ import annotations

import copy
import json
import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from bmtk_like.config import checks
from bmtk_like.config.jsonfile import merge_overrides
from bmtk_like.config.loader import LoadedTree, load_tree
from bmtk_like.config.networks import EdgesFiles, NodesFiles, parse_components, parse_networks
from bmtk_like.config.node_sets import check_definitions, load_node_sets_file
from bmtk_like.config.paths import RequiredPath, find_missing
from bmtk_like.config.run_output import (OUTPUT_FILE_KEYS, OutputSettings, RunSettings,
                                         output_as_data, parse_conditions, parse_output,
                                         parse_run)
from bmtk_like.config.stimuli import InputSpec, ReportSpec, parse_inputs, parse_reports
from bmtk_like.config.vocabulary.lint import ConfigNotice, check_config
from bmtk_like.errors import ConfigError, ConfigWarning

log = logging.getLogger(__name__)
ConfigSource = Union[str, os.PathLike, Mapping[str, Any]]
SIMULATION_SECTIONS = ("run", "inputs", "reports", "output", "conditions")


@dataclass(frozen=True)
class SimulationConfig:
    """A simulation config with manifest variables substituted and paths made absolute.

    Build it with :meth:`from_json` (a path or a dict) or :meth:`from_dict`. The
    object is immutable; :meth:`with_overrides` returns a changed copy. ``data``
    is the fully resolved config as a plain dict. A circuit-only config (no
    ``run``) loads too; its ``run`` attribute then raises ConfigError.
    """

    path: Optional[Path]                  # the config file, None when built from a dict
    config_dir: Path                      # folder relative paths were resolved against
    data: dict                            # fully resolved config
    conditions: dict
    components: dict[str, Path]
    nodes: list[NodesFiles]
    edges: list[EdgesFiles]
    node_sets: dict                       # name -> basic rule dict or compound list of names
    inputs: dict[str, InputSpec]
    reports: dict[str, ReportSpec]
    output: OutputSettings
    target_simulator: Optional[str]
    run_settings: Optional[RunSettings]
    files: tuple[Path, ...] = ()          # every config file read, the named one first
    manifest: dict = field(default_factory=dict)   # resolved variables of the named file
    missing_files: tuple[str, ...] = ()   # one line per missing path (the non-fatal ones,
                                          # or all of them with validate_files=False)
    validate_files: bool = True
    source: dict = field(default_factory=dict, repr=False, compare=False)
    notices: tuple[ConfigNotice, ...] = field(default=(), compare=False)
    # ^ unknown keys and likely unit slips (warned about once, at load; see vocabulary)

    # ----------------------------------------------------------------- access
    @property
    def run(self) -> RunSettings:
        """The ``run`` section; ConfigError for a circuit-only config."""
        if self.run_settings is None:
            raise ConfigError(f"{self.name}: this config has no 'run' section, so it "
                              f"describes a circuit only; add \"run\": {{\"tstop\": ..., "
                              f"\"dt\": ...}} (ms) to simulate it.")
        return self.run_settings

    @property
    def has_run(self) -> bool:
        """True when the config can be simulated (it has a ``run`` section)."""
        return self.run_settings is not None

    @property
    def name(self) -> str:
        """The config file's path, or a label for a config built from a dict."""
        return str(self.path) if self.path is not None else f"<config dict in {self.config_dir}>"

    # ----------------------------------------------------------------- building
    @classmethod
    def from_json(cls, path_or_dict: ConfigSource, base_dir: Optional[os.PathLike] = None, *,
                  validate_files: bool = True, require_run: Optional[bool] = None,
                  variables: Optional[Mapping[str, Any]] = None,
                  strict: bool = False) -> "SimulationConfig":
        """Load and validate a config file (or a dict, with ``base_dir`` for relative paths).

        ``validate_files=False`` keeps missing files as findings in
        ``missing_files`` instead of raising. ``require_run`` None requires
        ``run.tstop``/``run.dt`` whenever the config has any simulation section
        (run, inputs, reports, output, conditions); False accepts a circuit-only
        config. ``variables`` are extra manifest variables that win over the file's.
        ``base_dir`` is used for dicts only. A SimulationConfig is returned as it is.

        A key no config vocabulary entry defines, or a value that looks like a unit slip,
        is a :class:`~bmtk_like.errors.ConfigWarning` (kept in ``notices``);
        ``strict=True`` makes them one ConfigError instead.
        """
        if isinstance(path_or_dict, SimulationConfig):
            return path_or_dict
        tree, path, config_dir = load_tree(dict(path_or_dict) if isinstance(
            path_or_dict, Mapping) else path_or_dict, base_dir, variables)
        return cls._build(tree, path, config_dir, validate_files, require_run, strict=strict)

    @classmethod
    def from_dict(cls, config: Mapping[str, Any], config_dir: Optional[os.PathLike] = None,
                  **options: Any) -> "SimulationConfig":
        """Load a config given as a dict; relative paths resolve against ``config_dir``
        (default: the current directory). Options as for :meth:`from_json`."""
        return cls.from_json(dict(config), config_dir, **options)

    @classmethod
    def _build(cls, tree: LoadedTree, path: Optional[Path], config_dir: Path,
               validate_files: bool, require_run: Optional[bool], warn: bool = True,
               strict: bool = False, already_warned: tuple = ()) -> "SimulationConfig":
        data = tree.data
        root = tree.origin("")[0]

        def source_of(section: str):
            return lambda name=None: tree.origin(section, name)[0]

        simulated = any(section in data for section in SIMULATION_SECTIONS)
        need_run = simulated if require_run is None else require_run
        run = None
        if "run" in data or need_run:
            run = parse_run(data.get("run", {}), tree.origin("run")[0])
        conditions = parse_conditions(data.get("conditions"), tree.origin("conditions")[0])
        target = data.get("target_simulator")
        if target is not None:
            target = checks.string(target, "target_simulator", tree.origin("target_simulator")[0])

        components, required = parse_components(data.get("components"),
                                                 tree.origin("components")[0])
        nodes, edges, network_paths = parse_networks(data.get("networks"),
                                                     tree.origin("networks")[0])
        required = network_paths + required
        if need_run and not nodes:
            raise ConfigError(f"{root}: no 'networks.nodes' to simulate; add "
                              f"\"network\": \"circuit_config.json\" or a \"networks\" "
                              f"section listing nodes_file/node_types_file pairs.")

        node_sets, sets_required = _node_sets(data, tree, validate_files)
        required += sets_required
        out_source, out_dir = tree.origin("output")
        output = parse_output(data.get("output"), out_source, out_dir)
        inputs, input_paths = parse_inputs(data.get("inputs"), source_of("inputs"))
        required += input_paths
        reports = parse_reports(data.get("reports"), source_of("reports"), output.output_dir,
                                out_dir)

        _check_outputs_spare_inputs(output, reports, required, tree.files, out_source)
        missing = find_missing(required)
        findings = tuple(_finding(entry) for entry in missing)
        fatal = [_finding(entry) for entry in missing if not entry.optional]
        for entry in missing:
            if entry.optional and validate_files and warn:
                log.warning("%s: %s; continuing without it", entry.source, entry.problem())
        if validate_files and fatal:
            listing = "\n  - ".join(fatal)
            raise ConfigError(
                f"{root}: the config refers to files or folders that do not exist:\n  - "
                f"{listing}\nFix these paths (relative paths are resolved against the folder "
                f"of the config file that contains them), or load with validate_files=False "
                f"to skip this check.")

        notices = _notices(tree, strict, already_warned)    # once the config is otherwise valid
        resolved = copy.deepcopy(data)
        resolved["node_sets"] = copy.deepcopy(node_sets)
        resolved["output"] = output_as_data(output)
        resolved["conditions"] = dict(conditions)
        return cls(path=path, config_dir=config_dir, data=resolved, conditions=conditions,
                   components=components, nodes=nodes, edges=edges, node_sets=node_sets,
                   inputs=inputs, reports=reports, output=output, target_simulator=target,
                   run_settings=run, files=tuple(tree.files), manifest=dict(tree.variables),
                   missing_files=findings, validate_files=validate_files,
                   source=_source_form(data, output), notices=notices)

    # ----------------------------------------------------------------- copies
    def with_overrides(self, overrides: Mapping[str, Any]) -> "SimulationConfig":
        """A new config with ``overrides`` deep-merged in and everything re-validated.

        ``{"run": {"tstop": 100}}`` changes one key; ``{"inputs": {"LGN": None}}``
        removes an input. Relative paths in overrides resolve against ``config_dir``;
        output files follow a changed ``output.output_dir``.
        """
        merged = merge_overrides(self.to_dict(), dict(overrides))
        tree, _, config_dir = load_tree(merged, self.config_dir,
                                        label=f"{self.name} (with overrides)")
        tree.files = list(self.files)
        require_run = True if self.has_run else None
        return self._build(tree, self.path, config_dir, self.validate_files, require_run,
                           warn=False,        # the original load already warned about the same paths
                           already_warned=self.notices)

    def copy_with(self, **overrides: Any) -> "SimulationConfig":
        """Keyword form of :meth:`with_overrides`: ``cfg.copy_with(run={"tstop": 100.0})``."""
        return self.with_overrides(overrides)

    def build_env(self) -> "SimulationConfig":
        """BMTK compatibility for run scripts that call ``conf.build_env()``: make the output
        folder (never emptying it). The run itself applies ``overwrite_output_dir`` and opens
        the log file, so calling this is optional."""
        if self.output is not None:
            Path(self.output.output_dir).mkdir(parents=True, exist_ok=True)
        return self

    def to_dict(self) -> dict:
        """The config as a JSON-ready dict that :meth:`from_dict` reads back to an equal
        config: paths absolute, output files relative to ``output_dir``, no manifest."""
        return copy.deepcopy(self.source)

    def to_json(self, path: os.PathLike, overwrite: bool = False) -> Path:
        """Write :meth:`to_dict` to ``path`` (refuses to replace a file unless ``overwrite``)."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise ConfigError(f"{path} already exists; pass overwrite=True to replace it.")
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path


def _check_outputs_spare_inputs(output: OutputSettings, reports: dict[str, ReportSpec],
                                read: list[RequiredPath], config_files: list[Path],
                                source: str) -> None:
    """A file the run writes (and may replace) must not be one the config reads."""
    written = {f"output.{key}": getattr(output, key) for key in OUTPUT_FILE_KEYS}
    for name, report in reports.items():
        file_name = report.params.get("file_name")
        written[f"reports.{name}"] = Path(file_name) if file_name else \
            output.output_dir / f"{name}.h5"
    inputs = {entry.path: entry.key for entry in read}
    inputs.update({path: "the config file itself" for path in config_files})
    for key, path in written.items():
        if path is not None and path in inputs:
            raise ConfigError(f"{source}: '{key}' writes {path}, which is also read as "
                              f"'{inputs[path]}'; a run would overwrite it. Give the output "
                              f"another name or folder.")


def _notices(tree: LoadedTree, strict: bool, already_warned: tuple) -> tuple[ConfigNotice, ...]:
    """Vocabulary notices of a loaded tree: warned (new ones only), or raised when strict."""
    notices = tuple(check_config(tree.data, lambda section, name=None:
                                 tree.origin(section, name)[0]))
    if strict and notices:
        listing = "\n  - ".join(str(n) for n in notices)
        raise ConfigError(f"{tree.origin('')[0]}: strict loading refuses {len(notices)} "
                          f"warning(s):\n  - {listing}")
    seen = {str(n) for n in already_warned}
    for notice in notices:
        if str(notice) not in seen:
            warnings.warn(str(notice), ConfigWarning, stacklevel=5)
    return notices


def _finding(entry: RequiredPath) -> str:
    return f"{entry.problem()} (in {entry.source})"


def _node_sets(data: dict, tree: LoadedTree, validate_files: bool
               ) -> tuple[dict, list[RequiredPath]]:
    """``node_sets_file`` definitions overlaid with the inline ``node_sets``."""
    merged: dict = {}
    required: list[RequiredPath] = []
    sets_file = data.get("node_sets_file")
    if sets_file is not None:
        label = tree.origin("node_sets_file")[0]
        sets_path = Path(checks.string(sets_file, "node_sets_file", label))
        entry = RequiredPath("node_sets_file", sets_path, "file", label)
        if entry.problem() is None:
            merged.update(load_node_sets_file(sets_path, "node_sets_file"))
        elif validate_files:
            raise ConfigError(f"{label}: {entry.problem()}; fix the path or remove the key.")
        else:
            required.append(entry)
    inline = data.get("node_sets", {})
    merged.update(check_definitions(inline, tree.origin("node_sets")[0]))
    return merged, required


def _source_form(data: dict, output: OutputSettings) -> dict:
    """``data`` as :meth:`SimulationConfig.to_dict` returns it."""
    source = copy.deepcopy(data)
    out = dict(source.get("output") or {})
    out["output_dir"] = str(output.output_dir)
    for key in OUTPUT_FILE_KEYS:
        value = getattr(output, key)
        if key not in out or value is None:    # defaults are re-applied on reading
            continue
        inside = output.output_dir in value.parents
        out[key] = str(value.relative_to(output.output_dir)) if inside else str(value)
    source["output"] = out
    return source


def load_config(path_or_dict: ConfigSource, base_dir: Optional[os.PathLike] = None,
                **options: Any) -> SimulationConfig:
    """Same as :meth:`SimulationConfig.from_json`."""
    return SimulationConfig.from_json(path_or_dict, base_dir, **options)


def load_circuit_config(path_or_dict: ConfigSource, base_dir: Optional[os.PathLike] = None,
                        **options: Any) -> SimulationConfig:
    """Load a circuit config (``run`` not required); for ``bmtk-like validate``."""
    options.setdefault("require_run", False)
    return SimulationConfig.from_json(path_or_dict, base_dir, **options)
