"""The checks `run` makes on inputs, model files and (for popnet) the whole network, made by `validate`.

Each function calls the code `run` calls (`simulators.core.collect_inputs`, `load_params_json`,
`PopNetwork.from_config`, `bmtk_like.input_checks`), so a run's refusal is a validate finding
with the same words. It lives with the backends' shared code because it runs that code; the CLI hands
`RUN_CHECKS` to `bmtk_like.validate.validate(..., run_checks=...)` (the contract imports no backend).
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

from bmtk_like.errors import BmtkLikeError
from bmtk_like.validate import PARAMS_DIR_OF_MODEL_TYPE, Finding, _type_values



def _modules_some_backend_runs() -> frozenset[str]:
    """Input modules (and aliases, lower case) that some backend runs, from the config vocabulary's
    ``runs_on``; a module the *target* backend does not run is `check_modules_run`'s finding."""
    from bmtk_like.config.vocabulary.inputs import MODULES
    from simulators.core.inputs import CLAMP_MODULES, POISSON_MODULES, SPIKE_FILE_MODULES
    shared = {m.lower() for m in (*CLAMP_MODULES, *POISSON_MODULES, *SPIKE_FILE_MODULES)}  # checked by collect_inputs
    return frozenset(name.lower() for m in MODULES.values() if m.kind == "input" and m.runs_on
                     for name in (m.name, *m.aliases)) - shared


def check_inputs_as_run(config, nodes: dict) -> list[Finding]:
    """The inputs resolved as `run` resolves them (`simulators.core.collect_inputs`, and popnet's
    rates-file reader): its errors are errors here, its InputWarnings warnings, and a module no
    backend runs a warning (run refuses it; the config itself is valid)."""
    from bmtk_like.errors import InputWarning, SimulationError
    from bmtk_like.input_checks import read_pop_rates_table
    from simulators.core import Circuit, collect_inputs
    findings = []
    try:
        circuit = Circuit.from_config(config)
    except BmtkLikeError:
        return []                      # the circuit's own findings say why
    where = f"{config.path}: inputs"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        try:
            collect_inputs(circuit, config, supported=_modules_some_backend_runs(), backend="any simulator")
        except SimulationError as exc:
            findings.append(Finding("warning", where, f"run will refuse it: {exc}"))
        except BmtkLikeError as exc:
            findings.append(Finding("error", where, str(exc)))
    findings += [Finding("warning", where, str(w.message)) for w in caught if issubclass(w.category, InputWarning)]
    for name, spec in config.inputs.items():
        path = next((spec.params.get(k) for k in ("rates", "file", "input_file") if spec.params.get(k)), None)
        if str(spec.module).lower() == "pop_rates" and isinstance(path, (str, os.PathLike)) and Path(path).is_file():
            try:
                read_pop_rates_table(Path(path), f"input '{name}'")
            except BmtkLikeError as exc:
                findings.append(Finding("error", f"{where}.{name}", str(exc)))
    return findings


def check_models_as_run(config, nodes: dict, edges: dict) -> list[Finding]:
    """Model files read as `run` reads them (`simulators.core.load_params_json`: a JSON object), synapse
    JSONs' receptor_type (NEST), population node types' model_template (popnet)."""
    from bmtk_like.input_checks import check_population_template, synapse_params_problems
    from simulators.core.params import load_params_json
    findings = []
    components = {k: Path(v) for k, v in (config.components or {}).items()}

    def params_of(where: str, folder_key: str, name: str) -> dict | None:
        folder = components.get(folder_key)
        if folder is None or (name.endswith(".json") and not (folder / name).is_file()):
            return None                                   # check_component_files names it
        try:
            return load_params_json(folder, name)
        except BmtkLikeError as exc:
            findings.append(Finding("error", where, str(exc)))
            return None

    for pop in edges.values():
        for type_id, name in _type_values(pop.types, "dynamics_params").items():
            where = f"{pop.types_file} [edge type {type_id}]"
            params = params_of(where, "synaptic_models_dir", name)    # every backend reads it as JSON
            if params is not None:
                findings += [Finding("error", where, p) for p in synapse_params_problems(params, components[
                    "synaptic_models_dir"] / name)]
    for pop in nodes.values():
        model_types = _type_values(pop.types, "model_type")
        for type_id, name in _type_values(pop.types, "dynamics_params").items():
            kind = model_types.get(type_id, "").lower()
            if kind in PARAMS_DIR_OF_MODEL_TYPE and name.endswith(".json"):
                params_of(f"{pop.types_file} [node type {type_id}]", PARAMS_DIR_OF_MODEL_TYPE[kind], name)
        for type_id, template in _type_values(pop.types, "model_template").items():
            if model_types.get(type_id, "").lower() == "population":
                try:
                    check_population_template(template, f"node type {type_id} of population '{pop.name}' "
                                                        f"({pop.types_file})")
                except BmtkLikeError as exc:
                    findings.append(Finding("error", f"{pop.types_file} [node type {type_id}]", str(exc)))
    return findings


def check_population_level_as_run(config) -> list[Finding]:
    """For a popnet config, the density populations built as `run` builds them (`PopNetwork.from_config`:
    pure Python, no solver step), so a population JSON or rates file popnet refuses is an error here."""
    try:
        from simulators.core import Circuit
        from simulators.core.registry import canonical_name
        if not config.target_simulator or canonical_name(config.target_simulator) != "popnet":
            return []
        from simulators.popnet import PopNetwork
    except BmtkLikeError:                    # an unknown backend (reported above)
        return []
    try:
        Circuit.from_config(config)
    except BmtkLikeError:
        return []                            # the circuit's own findings say why
    try:
        PopNetwork.from_config(config)
    except BmtkLikeError as exc:
        return [Finding("error", f"{config.path}: popnet", str(exc))]
    return []


def run_checks(config, nodes: dict, edges: dict) -> list[Finding]:
    """Every check above for one loaded config: what `validate(..., run_checks=run_checks)` calls."""
    return (check_inputs_as_run(config, nodes) + check_models_as_run(config, nodes, edges)
            + check_population_level_as_run(config))
