"""``reduce_circuit``: a biophysical circuit -> the same circuit at the point level (and so at the density level).

Steps: plan (``plan.py``) -> measure each biophysical node type in NEURON, in worker processes,
results cached in ``$BMTK_LIKE_CACHE/reduction/<hash>.json`` (the hash covers the node type, its
morphology and parameter files, the mechanisms, the synapse models and weights of the edge types
onto it, the run and conditions values used, and the protocol version: a rerun with nothing
changed does no simulation) -> fit (``fit.py``) -> check the fitted f-I on NEST -> write (``writer.py``).
"""
from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

import numpy as np

from bmtk_like.errors import SimulationError
from simulators.reduction import fit
from simulators.reduction.measure import measure
from simulators.reduction.plan import make_plan

log = logging.getLogger("bmtk_like.reduction")
POINT_MODELS = ("nest:iaf_psc_exp",)
FIT_VERSION = "7"


@dataclass
class TypeReduction:
    """One reduced node type: its measurements, point parameters and checks."""

    population: str
    node_type_id: int
    pop_name: str
    measurement: dict
    params: dict                        # NEST parameters of the point model
    weight_scale: dict                  # probe key -> pA per unit of the edge's bionet weight
    point_rates_hz: list = field(default_factory=list)
    free_tau: bool = False
    drive_gain: float = 1.0             # excitatory weight gain from the synaptic-drive calibration
    drive_point_rates_hz: list = field(default_factory=list)


@dataclass
class ReductionResult:
    out_dir: Path
    types: list
    config_path: Path
    report_path: Path
    timings: dict


def cache_dir() -> Path:
    from simulators.bionet.mechanisms import cache_root
    return cache_root() / "reduction"


def _measure_all(plan, workers: int, use_cache: bool) -> dict:
    results, todo = {}, []
    folder = cache_dir()
    for pair, task in plan.tasks.items():
        path = folder / f"{plan.hashes[pair]}.json"
        if use_cache and path.exists():
            results[pair] = json.loads(path.read_text())
        else:
            todo.append(pair)
    if not todo:
        return results
    mech = next(iter(plan.tasks.values())).components.get("mechanisms_dir")
    if mech is not None:            # compile once, before the workers start
        from simulators.bionet.mechanisms import compile_mechanisms, find_mod_files
        if find_mod_files(mech):
            compile_mechanisms(mech)
    folder.mkdir(parents=True, exist_ok=True)
    n = max(1, min(workers, len(todo)))
    log.info("measuring %d node types in NEURON with %d process(es)", len(todo), n)
    if n == 1:
        done = {pair: measure(plan.tasks[pair]) for pair in todo}
    else:
        # fork: no re-import of the caller's script (which may lack a __main__ guard); the parent has
        # made no NEURON object, only imported it for its version
        method = "fork" if "fork" in get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(n, mp_context=get_context(method)) as pool:
            futures = {pair: pool.submit(measure, plan.tasks[pair]) for pair in todo}
            done = {pair: f.result() for pair, f in futures.items()}
    for pair, meas in done.items():
        meas = json.loads(json.dumps(meas, default=float))
        tmp = folder / f".{plan.hashes[pair]}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(meas))
        tmp.replace(folder / f"{plan.hashes[pair]}.json")
        results[pair] = meas
    return results


def fit_type(meas: dict, dt: float) -> tuple[dict, dict, bool]:
    """(NEST iaf_psc_exp params, probe key -> pA per unit weight, tau_m freed) from one measurement."""
    membrane = fit.fit_membrane(meas, dt)
    params = dict(membrane["params"])
    traces = meas.get("psps", {})
    peak = {k: float(np.asarray(v)[int(np.argmax(np.abs(v)))]) if len(v) else 0.0 for k, v in traces.items()}
    for sign, name in ((1.0, "tau_syn_ex"), (-1.0, "tau_syn_in")):
        mine = [traces[k] for k in traces if np.sign(peak[k]) == sign]
        params[name] = fit.fit_tau_syn(mine, meas["dt"], params["tau_m"]) if mine else 2.0
    scale = {}
    for key, trace in traces.items():
        tau_s = params["tau_syn_ex"] if peak[key] >= 0 else params["tau_syn_in"]
        scale[key] = fit.weight_per_unit(trace, meas["psp_weights"][key], params["C_m"], params["tau_m"], tau_s,
                                         meas["dt"])
    return {k: float(v) for k, v in params.items()}, scale, bool(membrane["free_tau"])


def _apply_point_results(t: TypeReduction, out: dict) -> None:
    """NEST's f-I rates and the synaptic-drive gain, applied to the excitatory weights of ``t``."""
    t.point_rates_hz = out["rates"]
    t.drive_gain = float(out["gain"])
    t.drive_point_rates_hz = out["drive_rates"]
    for key, scale in t.weight_scale.items():
        if scale > 0:
            t.weight_scale[key] = scale * t.drive_gain


def reduce_circuit(config, out_dir, point_model: str = "nest:iaf_psc_exp", workers: int = 2,
                   use_cache: bool = True, seed: int = 0) -> ReductionResult:
    """Reduce every biophysical node type of ``config``'s circuit and write the point-level copy to ``out_dir``.

    Returns the per-type results and the paths written (``simulation_config.json``,
    ``reduction_report.csv``, ``fI_curves.png``, ``network/``, ``point_neuron_models/``).
    """
    from bmtk_like.config import load_config
    from simulators.core import Circuit
    from simulators.reduction.writer import write_reduction
    if point_model not in POINT_MODELS:
        raise SimulationError(f"--point-model {point_model!r} is not available; choose one of {list(POINT_MODELS)}")
    timings = {}
    t0 = time.perf_counter()
    cfg = config if hasattr(config, "data") else load_config(config)
    circuit = Circuit.from_config(cfg)
    plan = make_plan(cfg, circuit, seed)
    if not plan.tasks:
        raise SimulationError(f"{cfg.path}: the circuit has no biophysical node type to reduce")
    timings["plan"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    measurements = _measure_all(plan, workers, use_cache)
    timings["measure"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    types = _fit_and_check(plan, measurements, circuit, float(cfg.run.dt), use_cache)
    timings["fit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    paths = write_reduction(cfg, circuit, plan, types, Path(out_dir), point_model)
    timings["write"] = time.perf_counter() - t0
    return ReductionResult(Path(out_dir), types, paths["config"], paths["report"], timings)


def _fit_and_check(plan, measurements: dict, circuit, dt: float, use_cache: bool) -> list:
    types, pending = [], {}
    for pair in plan.tasks:
        meas = measurements[pair]
        params, scale, free_tau = fit_type(meas, dt)
        pop, ntid = pair
        row = circuit.nodes[pop].type_row(ntid)
        name = str(row.get("pop_name", row.get("model_name", ntid)))
        t = TypeReduction(pop, ntid, name, meas, params, scale, [], free_tau)
        types.append(t)
        cached = cache_dir() / f"{plan.hashes[pair]}.point{FIT_VERSION}.json"
        if use_cache and cached.exists():
            _apply_point_results(t, json.loads(cached.read_text()))
        else:
            pending[pair] = (t, cached)
    if pending:
        from simulators.reduction.measure import DRIVE_MS
        from simulators.reduction.point_check import drive_gains, nest_rates
        nest_params = {pair: (dict(t.params), t.measurement["fi_amps_nA"]) for pair, (t, _) in pending.items()}
        rates = nest_rates(nest_params, dt)
        cases = {}
        for pair, (t, _) in pending.items():
            drive = t.measurement.get("drive")
            if drive:
                weight = t.weight_scale[drive["probe"]] * t.measurement["psp_weights"][drive["probe"]]
                cases[pair] = (dict(t.params), weight, drive["total_rates_hz"], drive["cell_rates_hz"])
        gains = drive_gains(cases, dt, DRIVE_MS) if cases else {}
        for pair, (t, path) in pending.items():
            gain, drive_rates = gains.get(pair, (1.0, []))
            out = {"rates": [float(r) for r in rates[pair]], "gain": gain, "drive_rates": drive_rates}
            path.write_text(json.dumps(out))
            _apply_point_results(t, out)
    return types
