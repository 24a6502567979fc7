"""Check a circuit (and its simulation config) before anyone runs it.

`validate(path)` takes a simulation/circuit config or SONATA files and returns a
list of `Finding`s; `bmtk-like validate` prints them and exits non-zero when any
is an error. Checks: files exist and parse; every node_type_id / edge_type_id has
a types-CSV row; edge endpoints name loaded populations and lie in their id
ranges; both edge indices agree with the edge table; node sets resolve.
"""
from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import h5py
import numpy as np

from bmtk_like.config.stimuli import is_gid_list
from bmtk_like.errors import BmtkLikeError, SonataError
from bmtk_like.sonata.columns import is_missing
from bmtk_like.sonata import EdgePopulation, NodePopulation, read_edges, read_index, read_nodes
from bmtk_like.sonata.checks import edge_endpoint_problems


@dataclass(frozen=True)
class Finding:
    """One problem found: ``severity`` is "error" or "warning"; ``where`` names the file/key."""

    severity: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity.upper()}: {self.where}: {self.message}"


def _types_file_for(h5_path: Path, kind: str) -> Path:
    """BMTK's naming: ``x_nodes.h5`` -> ``x_node_types.csv``, ``x_edges.h5`` -> ``x_edge_types.csv``."""
    return h5_path.with_name(h5_path.name.replace(f"_{kind}s.h5", f"_{kind}_types.csv"))


def _types_path(types_file, h5_file, kind: str) -> Path:
    """The config's types CSV, or BMTK's sibling name when the config gives none."""
    return Path(types_file) if types_file else _types_file_for(Path(h5_file), kind)


def validate(paths: Iterable[str | os.PathLike], strict: bool = False,
             simulators: Mapping[str, Iterable[str]] | None = None,
             run_checks: Callable[[Any, dict, dict], list[Finding]] | None = None) -> list[Finding]:
    """Validate configs (``*.json``) and/or SONATA ``*_nodes.h5``/``*_edges.h5`` files.

    ``strict`` turns every warning (unknown config keys, likely unit slips, ...) into an
    error, as ``load_config(..., strict=True)`` does for the config's own warnings.
    ``simulators`` (canonical backend name -> accepted names, as ``simulators.core.known_backends()``
    gives; the CLI passes it) lets ``target_simulator`` be checked; without it that key is not checked
    (the contract imports no backend). ``run_checks(config, nodes, edges)`` (the CLI passes
    ``simulators.core.validate_as_run.run_checks``) makes the checks `run` makes on inputs, model files
    and popnet populations, with run's words.
    """
    findings: list[Finding] = []
    node_files: list[tuple[Path, Path]] = []
    edge_files: list[tuple[Path, Path]] = []
    node_sets: dict = {}
    references: list[tuple[str, str, object]] = []     # (config file, key, node-set reference)
    component_checks: list = []                         # configs whose component files are checked
    for raw in paths:
        path = Path(raw)
        if path.suffix == ".json":
            config = _load_config(path, findings)
            if config is None:
                continue
            node_files += [(Path(n.nodes_file), _types_path(n.node_types_file, n.nodes_file, "node"))
                           for n in config.nodes if n.nodes_file and Path(n.nodes_file).exists()]
            edge_files += [(Path(e.edges_file), _types_path(e.edge_types_file, e.edges_file, "edge"))
                           for e in config.edges if e.edges_file and Path(e.edges_file).exists()]
            node_sets.update(config.node_sets)
            references += [(str(path), f"inputs.{name}.node_set", spec.node_set)
                           for name, spec in config.inputs.items()]
            references += [(str(path), f"reports.{name}.cells", spec.cells)
                           for name, spec in config.reports.items()
                           if spec.cells is not None and not is_gid_list(spec.cells)]
            findings += _check_target_simulator(config, path, simulators)
            findings += check_modules_run(config, path)
            component_checks.append(config)
        elif path.name.endswith("_nodes.h5"):
            node_files.append((path, _types_file_for(path, "node")))
        elif path.name.endswith("_edges.h5"):
            edge_files.append((path, _types_file_for(path, "edge")))
        else:
            findings.append(Finding("error", str(path), "not a config (.json) or SONATA *_nodes.h5/*_edges.h5 file"))
    nodes = _load_all(node_files, read_nodes, findings)
    edges = _load_all(edge_files, read_edges, findings)
    if not node_files:  # edges given alone: look for their populations' nodes files beside them
        siblings = {(Path(e.h5_file).with_name(f"{name}_nodes.h5"),
                     Path(e.h5_file).with_name(f"{name}_node_types.csv"))
                    for e in edges.values() for name in (e.source_population, e.target_population)}
        nodes = _load_all(sorted(p for p in siblings if p[0].exists()), read_nodes, findings)
    for pop in nodes.values():
        findings += _check_types(pop)
    for pop in edges.values():
        findings += _check_types(pop)
        findings += check_edge_population(pop, nodes)
    for config in component_checks:
        findings += check_component_files(config, nodes, edges)
        if run_checks is not None:
            findings += run_checks(config, nodes, edges)
    for pop in edges.values():
        findings += _check_delays(pop)
    if node_sets or references:
        findings += _check_node_sets(node_sets, nodes, references)
    if not node_files and not edge_files and not findings:
        findings.append(Finding("warning", ", ".join(map(str, paths)), "no nodes or edges files to check"))
    return _as_strict(findings) if strict else findings


def _as_strict(findings: list[Finding]) -> list[Finding]:
    """Every warning made an error (``validate --strict``)."""
    return [Finding("error", f.where, f.message) if f.severity == "warning" else f for f in findings]


def check_modules_run(config, path: Path) -> list[Finding]:
    """Inputs and reports the config's target_simulator does not run (from the vocabulary's
    ``runs_on``): an input there stops the run (error); a report is an error on NEST, which
    refuses it, and skipped elsewhere (warning)."""
    from bmtk_like.config.vocabulary import VOCABULARY
    from bmtk_like.config.vocabulary.lint import level_of
    level = level_of(config.target_simulator)
    if config.target_simulator is None and config.has_run:
        return [Finding("warning", f"{path}: target_simulator",
                        "the config names no target_simulator, so `bmtk-like run` needs "
                        "--simulator NEST, NEURON or popnet (add \"target_simulator\" to run "
                        "it as it is)")]
    if level is None:
        return []
    findings = []
    for kind, specs, lookup in (("input", config.inputs, VOCABULARY.input_module),
                                ("report", config.reports, VOCABULARY.report_module)):
        for name, spec in specs.items():
            module = lookup(spec.module)
            if module is None or level in module.runs_on:
                continue
            where = ", ".join(module.runs_on) or "no bmtk_like backend"
            fatal = kind == "input" or level == "NEST"
            findings.append(Finding("error" if fatal else "warning", f"{path}: {kind}s.{name}",
                                    f"module '{spec.module}' ({module.meaning}) runs on {where}, "
                                    f"not on {level} (target_simulator "
                                    f"'{config.target_simulator}'); the run "
                                    + ("stops there" if fatal else "skips it")))
    return findings


def _vocabulary_findings(config) -> list[Finding]:
    """The config's vocabulary notices (unknown keys, unit slips) as warnings."""
    return [Finding("warning", f"{notice.source}: {notice.key}", notice.message)
            for notice in config.notices]


def _load_config(path: Path, findings: list[Finding]):
    """Load a config without stopping at missing files: each becomes its own finding.

    Paths the loader itself tolerates (e.g. an absent mechanisms_dir) are warnings.
    """
    from bmtk_like.config import ConfigWarning, SimulationConfig  # config imports nothing heavy
    severity = "warning"
    with warnings.catch_warnings():     # the config's warnings become findings below
        warnings.simplefilter("ignore", ConfigWarning)
        try:        # the same require_run rule as load_config, so validate and run agree
            config = SimulationConfig.from_json(path)
        except BmtkLikeError:
            severity = "error"
            try:
                config = SimulationConfig.from_json(path, validate_files=False)
            except BmtkLikeError as exc:
                findings.append(Finding("error", str(path), str(exc)))
                return None
    for line in config.missing_files:
        findings.append(Finding(severity, str(path), f"missing: {line}"))
    findings += _vocabulary_findings(config)
    return config


def _load_all(pairs, reader, findings) -> dict:
    loaded: dict = {}
    for h5_path, types_path in pairs:
        try:
            for name, pop in reader(h5_path, types_path).items():
                if name in loaded:
                    findings.append(Finding("error", str(h5_path), f"population '{name}' is also defined in "
                                                                    f"'{loaded[name].h5_file}'"))
                loaded[name] = pop
        except BmtkLikeError as exc:
            findings.append(Finding("error", str(h5_path), str(exc)))
    return loaded


def _check_types(pop: NodePopulation | EdgePopulation) -> list[Finding]:
    try:
        pop._type_rows()
    except BmtkLikeError as exc:
        return [Finding("error", str(pop.h5_file), str(exc))]
    return []


def check_edge_population(pop: EdgePopulation, nodes: dict[str, NodePopulation]) -> list[Finding]:
    """Endpoints within the node populations, and both indices consistent with the table."""
    where = f"{pop.h5_file} [{pop.name}]"
    findings = [Finding("error", where, f"{role} population '{pop_name}' is not among the loaded "
                                        f"node populations ({', '.join(nodes) or 'none'})")
                for role, pop_name in (("source", pop.source_population), ("target", pop.target_population))
                if pop_name not in nodes]
    findings += [Finding("error", where, problem)
                 for problem in edge_endpoint_problems(pop, {n: p.size for n, p in nodes.items()})]
    try:
        with h5py.File(pop.h5_file, "r") as h5:
            grp = h5["edges"][pop.name]
            for direction, ids in (("source_to_target", pop.source_node_id),
                                   ("target_to_source", pop.target_node_id)):
                index = read_index(grp, direction)
                if index is None:
                    findings.append(Finding("warning", where, f"no '{direction}' index; libsonata cannot query "
                                                              "edges by node without it"))
                    continue
                problem = index_problem(index[0], index[1], ids)
                if problem:
                    findings.append(Finding("error", where, f"index '{direction}': {problem}"))
    except SonataError as exc:
        findings.append(Finding("error", where, str(exc)))
    except (OSError, RuntimeError, KeyError) as exc:   # damaged bytes in the index datasets
        findings.append(Finding("error", where, f"cannot read the indices, the file is damaged ({exc})"))
    return findings


def index_problem(node_to_ranges: np.ndarray, range_to_edge: np.ndarray, ids: np.ndarray) -> str | None:
    """Describe how an index disagrees with the per-edge node ids, or None when it is right."""
    n_edges = ids.size
    if node_to_ranges.ndim != 2 or range_to_edge.ndim != 2 or range_to_edge.shape[1:] != (2,):
        return "datasets must be N x 2"
    if range_to_edge.size and (range_to_edge.min() < 0 or range_to_edge.max() > n_edges
                               or np.any(range_to_edge[:, 1] < range_to_edge[:, 0])):
        return "range_to_edge_id has ranges outside the edge table"
    if node_to_ranges.size and (node_to_ranges.max() > len(range_to_edge) or node_to_ranges.min() < 0
                                or np.any(node_to_ranges[:, 1] < node_to_ranges[:, 0])):
        return "node_id_to_ranges points past range_to_edge_id"
    ranges_per_node = node_to_ranges[:, 1] - node_to_ranges[:, 0]
    node_of_range = np.repeat(np.arange(len(node_to_ranges)), ranges_per_node)
    range_rows = _expand_ranges(node_to_ranges[:, 0], node_to_ranges[:, 1])
    lengths = range_to_edge[range_rows, 1] - range_to_edge[range_rows, 0]
    edge_ids = _expand_ranges(range_to_edge[range_rows, 0], range_to_edge[range_rows, 1])
    owner = np.repeat(node_of_range, lengths)
    if edge_ids.size != n_edges or np.unique(edge_ids).size != n_edges:
        return f"covers {np.unique(edge_ids).size} distinct edges of {n_edges}"
    wrong = ids[edge_ids] != owner
    if wrong.any():
        return f"{int(wrong.sum())} edges are listed under the wrong node (first: edge {int(edge_ids[wrong][0])})"
    return None


def _expand_ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenate ``arange(s, e)`` for every pair, without a Python loop."""
    lengths = np.maximum(np.asarray(ends, np.int64) - np.asarray(starts, np.int64), 0)
    if lengths.sum() == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(np.asarray(starts, np.int64) - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    return offsets + np.arange(lengths.sum())


def _check_node_sets(node_sets: dict, nodes: dict[str, NodePopulation],
                     references: list[tuple[str, str, object]] = ()) -> list[Finding]:
    """Every node set, and every input's ``node_set`` and report's ``cells``, resolves to nodes."""
    from bmtk_like.node_sets import NodeSetResolver
    resolver = NodeSetResolver(nodes, node_sets)
    checks = [(f"node_sets.{name}", name) for name in node_sets]
    checks += [(f"{source}: {key}", spec) for source, key, spec in references]
    findings = []
    for where, spec in checks:
        try:
            selected = resolver.resolve(spec)
            if sum(len(ids) for ids in selected.values()) == 0:
                findings.append(Finding("warning", where, f"{spec!r} selects no nodes"))
        except BmtkLikeError as exc:
            findings.append(Finding("error", where, str(exc)))
    return findings


def _check_target_simulator(config, path: Path, simulators: Mapping[str, Iterable[str]] | None) -> list[Finding]:
    """``target_simulator``, when given, names one of ``simulators`` (canonical name -> its names)."""
    if not config.target_simulator or simulators is None:
        return []
    wanted = str(config.target_simulator).strip().lower()
    names = {name: [str(a) for a in aliases] for name, aliases in simulators.items()}
    if any(wanted == n.lower() or wanted in (a.lower() for a in aliases) for n, aliases in names.items()):
        return []
    known = ", ".join(f"{n} (aliases: {', '.join(a)})" for n, a in names.items())
    return [Finding("error", f"{path}: target_simulator",
                    f"unknown simulator '{config.target_simulator}'; known simulators are: {known}. "
                    "Set target_simulator in the config to one of these.")]


#: model_type -> the components folder its node types' dynamics_params live in.
PARAMS_DIR_OF_MODEL_TYPE = {"biophysical": "biophysical_neuron_models_dir", "point_neuron": "point_neuron_models_dir",
                            "point_process": "point_neuron_models_dir", "point_soma": "point_neuron_models_dir",
                            "population": "population_models_dir"}


def _type_values(types, column: str) -> dict:
    """type id -> text value of ``column`` in a types table (missing/NONE left out)."""
    if column not in types.columns:
        return {}
    values = types[column]
    return {int(t): str(v).strip() for t, v in values.items()
            if isinstance(v, str) and not is_missing(v)}


def check_component_files(config, nodes: dict, edges: dict) -> list[Finding]:
    """Every node/edge type's dynamics_params (and morphology) names a file in its components folder."""
    findings: list[Finding] = []
    components = {k: Path(v) for k, v in (config.components or {}).items()}

    def need(where: str, folder_key: str, name: str, what: str) -> None:
        folder = components.get(folder_key)
        if folder is None:
            findings.append(Finding("error", where, f"{what} '{name}' needs components.{folder_key} in the config "
                                                    "(the folder holding it)"))
        elif folder.is_dir() and not (folder / name).is_file() and not (
                what == "morphology" and not name.endswith(".swc") and (folder / f"{name}.swc").is_file()):
            # bmtk's rule for morphology names: as written, else with ".swc" added
            findings.append(Finding("error", where, f"{what} '{name}' is not in components.{folder_key} ({folder})"))
        elif name.endswith(".json") and (folder / name).is_file():
            try:
                json.loads((folder / name).read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                findings.append(Finding("error", where, f"{what} file {folder / name} is not valid JSON "
                                                        f"(line {getattr(exc, 'lineno', '?')}, column "
                                                        f"{getattr(exc, 'colno', '?')}: {getattr(exc, 'msg', exc)})"))

    for pop in nodes.values():
        model_types = _type_values(pop.types, "model_type")
        for type_id, name in _type_values(pop.types, "dynamics_params").items():
            kind = model_types.get(type_id, "").lower()
            if kind in PARAMS_DIR_OF_MODEL_TYPE and name.endswith(".json"):
                need(f"{pop.types_file} [node type {type_id}]", PARAMS_DIR_OF_MODEL_TYPE[kind], name,
                     "dynamics_params")
        for type_id, name in _type_values(pop.types, "morphology").items():
            if model_types.get(type_id, "").lower() == "biophysical":
                need(f"{pop.types_file} [node type {type_id}]", "morphologies_dir", name, "morphology")
    for pop in edges.values():
        for type_id, name in _type_values(pop.types, "dynamics_params").items():
            if name.endswith(".json"):
                need(f"{pop.types_file} [edge type {type_id}]", "synaptic_models_dir", name, "dynamics_params")
    return findings


def _check_delays(pop: EdgePopulation) -> list[Finding]:
    """Delays of 0 ms are below every run.dt (NEST refuses them); negative/inf ones fail on read."""
    if not pop.has_column("delay"):
        return []
    delays = np.asarray(pop.column("delay"), dtype=float)
    if (delays == 0).any():
        return [Finding("warning", f"{pop.h5_file} [{pop.name}]", f"{int((delays == 0).sum())} edges have delay "
                                                                    "0 ms, below any run.dt (NEST refuses it; "
                                                                    "NEURON relays spikes played from virtual "
                                                                    "cells so they arrive on time)")]
    return []
