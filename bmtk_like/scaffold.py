"""``create_environment``: a runnable simulation folder, as BMTK's ``create_environment`` makes it.

    create_environment("pointnet", "sim", network_dir="network", tstop=500.0)

writes into ``sim/``:

- ``config.<level>.json`` — one config (circuit + simulation) with a manifest (``$BASE_DIR`` is
  ``${configdir}``, so the folder can be moved), ``target_simulator`` (``NEST``, ``NEURON`` or
  ``popnet``), ``run``, ``conditions`` (bionet), ``inputs``, ``reports``, ``output``
  (``$BASE_DIR/output``, ``log.txt``, ``spikes.h5``), ``components`` and ``networks``;
- ``components/<kind>_dir`` folders for the level (``point_neuron_models``, ``synaptic_models``,
  ``biophysical_neuron_models``, ``morphologies``, ``mechanisms``, ``templates``, ``population_models``);
- ``run_<level>.py`` — BMTK's four lines on bmtk_like's simulators;
- when the network folder holds no SONATA files: a starter circuit (``builders.starters``) with its
  components and input spikes, so the folder runs at once.

The network files are found as BMTK finds them: ``<name>_nodes.h5`` with ``<name>_node_types.csv``,
``<name>_edges.h5`` with ``<name>_edge_types.csv`` directly in the network folder. Units: ms, nA, Hz.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from bmtk_like.errors import ConfigError

#: level -> (target_simulator, simulators module, network class, simulator class, default dt ms)
LEVELS = {
    "pointnet": ("NEST", "pointnet", "PointNetwork", "PointSimulator", 0.1),
    "bionet": ("NEURON", "bionet", "BioNetwork", "BioSimulator", 0.025),
    "popnet": ("popnet", "popnet", "PopNetwork", "PopSimulator", 0.1),
}
#: components subfolders each level's config names (BMTK's names)
COMPONENT_DIRS = {
    "pointnet": ("point_neuron_models", "synaptic_models"),
    "bionet": ("biophysical_neuron_models", "point_neuron_models", "synaptic_models", "morphologies",
               "mechanisms", "templates"),
    "popnet": ("population_models", "point_neuron_models", "synaptic_models"),
}
SPIKE_MODULES = {".h5": "sonata", ".hdf5": "sonata", ".csv": "csv", ".nwb": "nwb"}

RUN_SCRIPT = '''"""Run this folder's simulation with BMTK's four lines, on bmtk_like's simulators.

    python {script} [{config}]

(the same as: bmtk-like run {config})
"""
import sys
from pathlib import Path

from simulators import {module}


def main(config_file):
    conf = {module}.Config.from_json(config_file)
    conf.build_env()
    net = {module}.{network}.from_config(conf)
    sim = {module}.{simulator}.from_config(conf, net)
    sim.run(){quit}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parent / "{config}"))
'''


@dataclass
class Environment:
    """What :func:`create_environment` wrote (absolute paths)."""

    base_dir: Path
    config: Path
    run_script: Path
    network_dir: Path
    components_dir: Path
    output_dir: Path
    starter: bool = False
    notes: list = field(default_factory=list)


def _pairs(value: Optional[Sequence[str]], option: str) -> list[tuple[str, Path]]:
    """``POP:FILE`` items (comma lists allowed, as BMTK) -> [(population, absolute path)]."""
    out = []
    for item in value or ():
        for part in str(item).split(","):
            pop, sep, path = part.partition(":")
            if not sep or not pop or not path:
                raise ConfigError(f"{option} {part!r}: expected POPULATION:FILE, e.g. {option} lgn:inputs/lgn_spikes.h5")
            file = Path(path).expanduser().resolve()
            if not file.is_file():
                raise ConfigError(f"{option} {part!r}: file {file} does not exist")
            out.append((pop, file))
    return out


def find_network_files(network_dir: Path) -> tuple[list[dict], list[dict]]:
    """BMTK's discovery: ``networks.nodes`` and ``networks.edges`` entries of a network folder."""
    nodes, edges = [], []
    for path in sorted(network_dir.glob("*_nodes.h5")):
        types = path.with_name(path.name[:-len("_nodes.h5")] + "_node_types.csv")
        if not types.is_file():
            raise ConfigError(f"network folder {network_dir}: {path.name} has no {types.name} beside it")
        nodes.append({"nodes_file": str(path), "node_types_file": str(types)})
    for path in sorted(network_dir.glob("*_edges.h5")):
        types = path.with_name(path.name[:-len("_edges.h5")] + "_edge_types.csv")
        if not types.is_file():
            raise ConfigError(f"network folder {network_dir}: {path.name} has no {types.name} beside it")
        edges.append({"edges_file": str(path), "edge_types_file": str(types)})
    return nodes, edges


#: other names of components subfolders in BMTK's examples -> the config key they fill
COMPONENT_ALIASES = {"cell_models": "point_neuron_models_dir", "point_neuron_templates": "point_neuron_models_dir",
                     "biophysical_neuron_templates": "biophysical_neuron_models_dir",
                     "pop_models": "population_models_dir"}


def existing_components(comp_dir: Path) -> dict[str, Path]:
    """Config keys for the subfolders of an existing components folder (BMTK's names and aliases);
    a ``biophysical_neuron_templates`` folder whose JSONs sit in ``ctdb/`` maps to that subfolder."""
    if not comp_dir.is_dir():
        return {}
    out: dict[str, Path] = {}
    for sub in sorted(p for p in comp_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        key = COMPONENT_ALIASES.get(sub.name, f"{sub.name}_dir")
        if sub.name == "biophysical_neuron_templates" and not any(sub.glob("*.json")) and (sub / "ctdb").is_dir():
            sub = sub / "ctdb"
        out.setdefault(key, sub)
    return out


def _portable(path: Path, base: Path, var: str = "$BASE_DIR") -> str:
    """``$BASE_DIR/...`` for paths inside the folder, else the absolute path."""
    try:
        return f"{var}/{path.resolve().relative_to(base.resolve()).as_posix()}"
    except ValueError:
        return str(path.resolve())


def _report_cells(report_nodes: Optional[str], nodes: list[dict]) -> object:
    if not report_nodes:
        return "all"
    pop, sep, ids = str(report_nodes).rpartition(":")
    try:
        node_ids = [int(x) for x in ids.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"--report-nodes {report_nodes!r}: expected node ids like 0,1,2 or POP:0,1,2") from None
    if not sep:
        from bmtk_like.sonata import read_nodes
        from bmtk_like.sonata.nodes import normalize_model_type
        real = []
        for entry in nodes:
            for name, popn in read_nodes(entry["nodes_file"], entry["node_types_file"]).items():
                if not popn.has_column("model_type") or any(normalize_model_type(m) != "virtual"
                                                            for m in set(popn.column("model_type").tolist())):
                    real.append(name)
        if len(real) != 1:
            raise ConfigError(f"--report-nodes {report_nodes!r}: the network has populations {real}; say which, "
                              f"e.g. --report-nodes {real[0] if real else 'POP'}:{ids}")
        pop = real[0]
    return {"population": pop, "node_id": node_ids}


def create_environment(simulator: str, base_dir: "str | os.PathLike[str]", network_dir=None, components_dir=None,
                       output_dir=None, tstop: float = 1000.0, dt: Optional[float] = None,
                       current_clamp: Optional[Sequence[float]] = None, spikes_inputs: Sequence[str] = (),
                       rates_inputs: Sequence[str] = (), report_vars: Sequence[str] = (),
                       report_nodes: Optional[str] = None, compile_mechanisms: Optional[Callable[[Path], Any]] = None,
                       overwrite: bool = False, starter: bool = True) -> Environment:
    """Write a runnable simulation folder for ``simulator`` (``pointnet``, ``bionet``, ``popnet``).

    ``tstop``/``dt`` ms (dt default: 0.1, bionet 0.025); ``current_clamp`` (amp nA, delay ms,
    duration ms) on every cell; ``spikes_inputs`` / ``rates_inputs`` ``"POP:FILE"`` items;
    ``report_vars`` membrane variables (``v``, ``V_m``, ``cai``; ``POP:VAR`` for one population) on
    ``report_nodes`` (``"0,1,2"`` or ``"POP:0,1,2"``; default all cells). Existing config/run
    script files are kept unless ``overwrite``; a network is never replaced. ``compile_mechanisms``
    (bionet): a function compiling a folder of .mod files (the CLI passes
    ``simulators.bionet.mechanisms.compile_mechanisms``; this contract imports no backend).
    """
    level = str(simulator).lower()
    if level not in LEVELS:
        raise ConfigError(f"init: unknown level {simulator!r}; choose pointnet (NEST), bionet (NEURON) or popnet "
                          "(population density)")
    target, module, network_cls, simulator_cls, default_dt = LEVELS[level]
    base = Path(base_dir).expanduser().resolve()
    if base.is_file():
        raise ConfigError(f"init: {base} is a file; give a folder for the simulation")
    base.mkdir(parents=True, exist_ok=True)
    config_path, script_path = base / f"config.{level}.json", base / f"run_{level}.py"
    for path in (config_path, script_path):
        if path.exists() and not overwrite:
            raise ConfigError(f"init: {path} already exists; pass --overwrite to replace it (the network and "
                              "components are never deleted)")
    net_dir = Path(network_dir).expanduser().resolve() if network_dir else base / "network"
    comp_dir = Path(components_dir).expanduser().resolve() if components_dir else base / "components"
    out_dir = Path(output_dir).expanduser().resolve() if output_dir else base / "output"
    if network_dir and not net_dir.is_dir():
        raise ConfigError(f"init --network {network_dir}: no such folder")
    net_dir.mkdir(parents=True, exist_ok=True)
    components = existing_components(comp_dir)
    if not components:
        components = {f"{name}_dir": comp_dir / name for name in COMPONENT_DIRS[level]}
        for path in components.values():
            path.mkdir(parents=True, exist_ok=True)
    env = Environment(base, config_path, script_path, net_dir, comp_dir, out_dir)

    nodes, edges = find_network_files(net_dir)
    inputs: dict = {}
    reports: dict = {}
    conditions = {"celsius": 34.0, "v_init": -80.0}
    starter_spikes = base / "inputs" / "input_spikes.h5"
    if not nodes and starter:
        from builders import starters
        make = starters.bio_starter if level == "bionet" else starters.point_starter
        make(net_dir, components, starter_spikes.parent, float(tstop))
        what = ("10 single-compartment Hodgkin-Huxley cells (NEURON's hh) driven by 50 Poisson fibres"
                if level == "bionet" else "80 E + 20 I nest:iaf_psc_delta cells driven by 200 Poisson fibres")
        env.notes.append(f"network folder was empty: wrote a starter circuit into {net_dir}: {what} "
                         "(builders/starters.py)")
        nodes, edges = find_network_files(net_dir)
    elif not nodes:
        env.notes.append(f"network folder {net_dir} is empty: build a network into it, then rerun init "
                         "with --overwrite")
    env.starter = starter_spikes.is_file() and (net_dir / "inputs_nodes.h5").is_file()
    if env.starter:         # the starter's input, and what its cells need (also when init runs again)
        inputs["input_spikes"] = {"input_type": "spikes", "module": "sonata",
                                  "input_file": _portable(starter_spikes, base), "node_set": "inputs"}
        if level == "bionet" and (net_dir / "cells_nodes.h5").is_file():
            conditions = {"celsius": 6.3, "v_init": -65.0}     # squid HH kinetics
            reports["membrane_potential"] = {"module": "membrane_report", "variable_name": "v",
                                             "cells": {"population": "cells", "node_id": [0, 1, 2]},
                                             "sections": "soma"}
        elif level == "pointnet" and (net_dir / "cortex_nodes.h5").is_file():
            reports["membrane_potential"] = {"module": "membrane_report", "variable_name": "V_m",
                                             "cells": {"population": "cortex", "node_id": [0, 1, 80]},
                                             "sections": "soma"}

    if current_clamp is not None:
        if level == "popnet":
            raise ConfigError("init --iclamp: the population-density level takes no current clamp (it has no "
                              "single cells); drive it with --spikes-input or --rates-input")
        if len(current_clamp) != 3:
            raise ConfigError(f"init --iclamp {current_clamp}: expected AMP,DELAY,DURATION (nA, ms, ms)")
        amp, delay, duration = (float(x) for x in current_clamp)
        # --iclamp takes nA; say so, since a NEST config's bare amp means pA (as in bmtk)
        inputs["current_clamp"] = {"input_type": "current_clamp", "module": "IClamp", "node_set": "all",
                                   "amp": amp, "amp_units": "nA", "delay": delay, "duration": duration}
    for pop, path in _pairs(spikes_inputs, "--spikes-input"):
        module_name = SPIKE_MODULES.get(path.suffix.lower())
        if module_name is None:
            raise ConfigError(f"--spikes-input {pop}:{path}: unknown spikes file type {path.suffix!r}; "
                              "use .h5 (SONATA), .csv or .nwb")
        inputs[f"{pop}_spikes"] = {"input_type": "spikes", "module": module_name,
                                   "input_file": _portable(path, base), "node_set": pop}
    for pop, path in _pairs(rates_inputs, "--rates-input"):
        if level != "popnet":
            raise ConfigError(f"--rates-input {pop}:{path}: population rates drive the density level only; on "
                              f"{level} give spike trains (--spikes-input) or a Poisson input in the config")
        inputs[f"{pop}_rates"] = {"input_type": "csv", "module": "pop_rates", "rates": _portable(path, base),
                                  "node_set": pop}
    for item in report_vars or ():
        for var in str(item).split(","):
            pop, sep, name = var.strip().rpartition(":")
            name = "V_m" if level == "pointnet" and name == "v" else name    # NEST's name of the membrane potential
            cells = _report_cells(report_nodes, nodes) if report_nodes else ({"population": pop} if sep else "all")
            reports[f"{name}_report"] = {"module": "membrane_report", "variable_name": name, "cells": cells,
                                         "sections": "soma"}

    run = {"tstart": 0.0, "tstop": float(tstop), "dt": float(dt) if dt is not None else default_dt}
    if level == "bionet":
        run.update(dL=20.0, spike_threshold=-15.0, nsteps_block=5000)
    config = {
        "manifest": {"$BASE_DIR": "${configdir}", "$NETWORK_DIR": _portable(net_dir, base),
                     "$COMPONENTS_DIR": _portable(comp_dir, base), "$OUTPUT_DIR": _portable(out_dir, base)},
        "target_simulator": target,
        "run": run,
        **({"conditions": conditions} if level == "bionet" else {}),
        "inputs": inputs,
        "components": {k: _portable(v, comp_dir, "$COMPONENTS_DIR") for k, v in components.items()},
        "output": {"output_dir": "$OUTPUT_DIR", "log_file": "log.txt", "spikes_file": "spikes.h5",
                   "overwrite_output_dir": True, **({"quiet_simulator": True} if level == "pointnet" else {})},
        "reports": reports,
        "networks": {"nodes": [{k: _portable(Path(v), net_dir, "$NETWORK_DIR") for k, v in n.items()} for n in nodes],
                     "edges": [{k: _portable(Path(v), net_dir, "$NETWORK_DIR") for k, v in e.items()} for e in edges]},
    }
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    script_path.write_text(RUN_SCRIPT.format(script=script_path.name, config=config_path.name, module=module,
                                             network=network_cls, simulator=simulator_cls,
                                             quit="\n    bionet.nrn.quit_execution()" if level == "bionet" else ""),
                           encoding="utf-8")
    if compile_mechanisms:
        env.notes.append(_compile(level, components.get("mechanisms_dir"), compile_mechanisms))
    return env


def _compile(level: str, mechanisms_dir: Optional[Path], compile_mechanisms: Callable[[Path], Any]) -> str:
    if level != "bionet" or mechanisms_dir is None:
        raise ConfigError("init --compile-mechanisms: only bionet (NEURON) uses compiled mechanisms")
    if not (any(mechanisms_dir.glob("*.mod")) or any((mechanisms_dir / "modfiles").glob("*.mod"))):
        return (f"--compile-mechanisms: {mechanisms_dir} has no .mod files; NEURON's built-ins (hh, pas, ExpSyn, "
                "Exp2Syn, IntFire*) need none. Put your .mod files in it (or its modfiles/) and rerun, or just run: "
                "they are compiled on first use")
    return f"compiled the mechanisms of {mechanisms_dir} into {compile_mechanisms(mechanisms_dir)}"
