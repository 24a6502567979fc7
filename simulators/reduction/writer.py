"""Writing a reduction: the point-level copy of the circuit, its config, the report and the f-I figure.

``DIR/network/``: the node files unchanged; node-types CSVs with ``point_model_template`` /
``point_dynamics_params`` on every biophysical type (its fitted JSON) and on every ``nrn:IntFire1`` type
(its NEST equivalent, see ``simulators/pointnet/intfire.py``); edge files whose ``syn_weight`` is, per edge, the point
weight (NEST units: pA for ``iaf_psc_exp``, mV for the IntFire equivalents), i.e. bionet's weight
``w`` (weight_function applied) × the fitted pA per unit weight of its (edge type, target type), or
× the synapse JSON's sign onto IntFire cells, or unchanged onto native NEST cells; ``nsyns`` is kept
(NEST multiplies by it as bionet adds ``nsyns`` synapses). Edge types onto reduced or IntFire targets
become ``static_synapse`` without dynamics_params; ``weight_function`` is cleared everywhere (its
values are in ``syn_weight``). The compartmental columns stay for reference: this copy is meant for
``--simulator NEST`` and ``--simulator popnet``; the original circuit remains the NEURON one.
"""
from __future__ import annotations

import copy
import csv
import json
import logging
import shutil
from pathlib import Path

import h5py
import numpy as np

from bmtk_like.sonata import read_types_csv, write_types_csv
from simulators.core.levels import POINT_DYNAMICS_PARAMS, POINT_MODEL_TEMPLATE

log = logging.getLogger("bmtk_like.reduction")
MULTIPLES = (1.5, 2.0, 3.0)
POINT_REPORT_VARIABLES = {"v": "V_m", "V_m": "V_m"}


def _intfire_equivalent(row: dict, models_dir) -> tuple[str, dict]:
    """('nest:<model>', parameters) standing for a ``nrn:IntFire*`` node type (see pointnet.intfire)."""
    from simulators.core import load_params_json
    from simulators.core.levels import split_template
    from simulators.pointnet.intfire import nest_equivalent
    _, model = split_template(row.get("model_template"))
    name = row.get("dynamics_params")
    params = load_params_json(Path(models_dir), str(name)) if name and models_dir is not None else {}
    nest_model, nest_params = nest_equivalent(model, params, f"node type {row.get('node_type_id')}")
    return f"nest:{nest_model}", nest_params


def _unique_name(path: Path, used: dict) -> str:
    name = path.name
    k = 1
    while name in used.values() and used.get(str(path)) != name:
        name = f"{k}_{path.name}"
        k += 1
    used[str(path)] = name
    return name


def _h5_set_weights(path: Path, population: str, weights: np.ndarray) -> None:
    with h5py.File(path, "r+") as f:
        grp = f["edges"][population]
        group_id = np.asarray(grp["edge_group_id"])
        group_index = np.asarray(grp["edge_group_index"])
        for gid in np.unique(group_id):
            sel = group_id == gid
            g = grp[str(int(gid))]
            n = len(g[next(iter(g.keys()))]) if len(g.keys()) else int(group_index[sel].max()) + 1
            values = np.zeros(n)
            values[group_index[sel]] = weights[sel]
            if "syn_weight" in g:
                del g["syn_weight"]
            g.create_dataset("syn_weight", data=values)


def write_reduction(cfg, circuit, plan, types: list, out_dir: Path, point_model: str) -> dict:
    out_dir = Path(out_dir)
    net_dir, models_dir = out_dir / "network", out_dir / "point_neuron_models"
    net_dir.mkdir(parents=True, exist_ok=True)
    models_dir.mkdir(parents=True, exist_ok=True)
    by_pair = {(t.population, t.node_type_id): t for t in types}
    data = copy.deepcopy(cfg.data)
    used: dict = {}
    # nodes
    point_columns: dict = {}                   # (pop, ntid) -> (template, json name)
    for t in types:
        name = f"reduced_{t.population}_{t.node_type_id}.json"
        (models_dir / name).write_text(json.dumps(t.params, indent=2, sort_keys=True))
        point_columns[(t.population, t.node_type_id)] = (point_model, name)
    src_models = circuit.components.get("point_neuron_models_dir")
    for (pop, ntid), row in plan.artificial.items():
        template, params = _intfire_equivalent(row, src_models)
        name = f"intfire_{pop}_{ntid}.json"
        (models_dir / name).write_text(json.dumps(params, indent=2, sort_keys=True))
        point_columns[(pop, ntid)] = (template, name)
    if src_models is not None and Path(src_models).is_dir():
        for path in Path(src_models).glob("*.json"):
            if not (models_dir / path.name).exists():
                shutil.copy2(path, models_dir / path.name)
    types_of_file: dict = {}
    for entry in data["networks"]["nodes"]:
        for key in ("nodes_file", "node_types_file"):
            src = Path(entry[key])
            dst = net_dir / _unique_name(src, used)
            if key == "nodes_file":
                shutil.copy2(src, dst)
            else:
                types_of_file[str(src)] = dst
            entry[key] = str(dst)
    for pop, nodes in circuit.nodes.items():
        src = str(Path(nodes.node_types_file))
        dst = types_of_file.get(src)
        if dst is None:
            continue
        table = read_types_csv(src, "node_type_id")
        for (p, ntid), (template, name) in point_columns.items():
            if p == pop and ntid in table.index:
                table.loc[ntid, POINT_MODEL_TEMPLATE] = template
                table.loc[ntid, POINT_DYNAMICS_PARAMS] = name
        write_types_csv(dst, table, "node_type_id")
    # edges
    for entry in data["networks"].get("edges", []):
        src_h5, src_csv = Path(entry["edges_file"]), Path(entry["edge_types_file"])
        dst_h5, dst_csv = net_dir / _unique_name(src_h5, used), net_dir / _unique_name(src_csv, used)
        shutil.copy2(src_h5, dst_h5)
        table = read_types_csv(src_csv, "edge_type_id")
        converted: set = set()
        for edges in circuit.edges.values():
            if Path(edges.h5_file) != src_h5:
                continue
            w = plan.weights[edges.name]
            probes = plan.probe_of_edges[edges.name]
            point_w = w.weight.copy()
            trg_types = np.asarray(circuit.nodes[edges.target_population].node_type_id)[edges.target_node_id]
            for key in np.unique(probes[probes != ""]):
                sel = probes == key
                ntid = int(trg_types[np.flatnonzero(sel)[0]])
                t = by_pair[(edges.target_population, ntid)]
                point_w[sel] = w.weight[sel] * t.weight_scale.get(key, 0.0)
            onto_reduced = probes != ""
            onto_intfire = np.isin(trg_types, [n for (p, n) in plan.artificial if p == edges.target_population])
            point_w[onto_intfire] = w.weight[onto_intfire] * w.sign[onto_intfire]
            _h5_set_weights(dst_h5, edges.name, point_w)
            converted.update(np.unique(edges.edge_type_id[onto_reduced | onto_intfire]).tolist())
        for etid in converted:
            if etid in table.index:
                table.loc[etid, "model_template"] = "static_synapse"
                table.loc[etid, "dynamics_params"] = np.nan
        if "weight_function" in table.columns:
            table["weight_function"] = np.nan
        write_types_csv(dst_csv, table, "edge_type_id")
        entry["edges_file"], entry["edge_types_file"] = str(dst_h5), str(dst_csv)
    data["components"] = {**data.get("components", {}), "point_neuron_models_dir": str(models_dir)}
    data = _point_config(data, out_dir, [p for p in circuit.nodes if not circuit.is_virtual(p)])
    config_path = out_dir / "simulation_config.json"
    config_path.write_text(json.dumps(data, indent=2))
    report = write_report(types, out_dir / "reduction_report.csv", point_model)
    plot_fi(types, out_dir / "fI_curves.png")
    return {"config": config_path, "report": report}


def _point_config(data: dict, out_dir: Path, cell_populations: list) -> dict:
    out = data.get("output", {})
    data["output"] = {"output_dir": str(out_dir / "output"), "log_file": "log.txt", "spikes_file": "spikes.h5",
                      "spikes_file_csv": "spikes.csv", "overwrite_output_dir": True,
                      **({"spikes_sort_order": out["spikes_sort_order"]} if "spikes_sort_order" in out else {})}
    reports = {}
    for name, spec in (data.get("reports") or {}).items():
        var = spec.get("variable_name")
        if spec.get("module") in ("membrane_report", "multimeter_report") and var in POINT_REPORT_VARIABLES:
            spec = {k: v for k, v in spec.items() if k not in ("sections",)}
            spec["variable_name"] = POINT_REPORT_VARIABLES[var]
            cells = spec.get("cells")
            if isinstance(cells, list) and cells and all(isinstance(c, int) for c in cells):
                if len(cell_populations) != 1:       # bionet gids span populations: no safe translation
                    log.info("report %r lists gids over several populations; left out of the reduced config", name)
                    continue
                spec["cells"] = {"population": cell_populations[0], "node_ids": cells}
            reports[name] = spec
        else:
            log.info("report %r (%s of %r) has no point-level counterpart; left out of the reduced config",
                     name, spec.get("module"), var)
    data["reports"] = reports
    data["target_simulator"] = "NEST"
    return data


def write_report(types: list, path: Path, point_model: str) -> Path:
    """One row per reduced node type (see the README's 'Reduction' section for the columns)."""
    rows = []
    for t in types:
        m = t.measurement
        mult = list(m["fi_multiples"])
        row = {"population": t.population, "node_type_id": t.node_type_id, "pop_name": t.pop_name,
               "point_model": point_model, **{k: round(v, 4) for k, v in sorted(t.params.items())},
               "tau_m_freed": t.free_tau, "v_rest_mV": round(m["v_rest_0"], 3), "r_in_MOhm": round(m["r_in"], 2),
               "tau_m_cell_ms": round(m["tau_m"], 2), "v_firing_mV": round(m["v_firing"], 2),
               "rheobase_nA": round(m["rheobase_nA"], 5)}
        for k in MULTIPLES:
            i = mult.index(k)
            label = f"{k:g}x"
            row[f"rate_cell_{label}"] = round(m["fi_rates_hz"][i], 3)
            row[f"rate_point_{label}"] = round(t.point_rates_hz[i], 3)
        row["drive_gain_ex"] = round(t.drive_gain, 3)
        drive = m.get("drive")
        if drive:
            row["drive_probe"] = drive["probe"]
            row["drive_rates_cell"] = " ".join(f"{r:.1f}" for r in drive["cell_rates_hz"])
            row["drive_rates_point"] = " ".join(f"{r:.1f}" for r in t.drive_point_rates_hz)
        i2 = mult.index(2.0)
        row["rel_error_2x"] = round(abs(t.point_rates_hz[i2] - m["fi_rates_hz"][i2]) / max(m["fi_rates_hz"][i2], 1e-9),
                                    4)
        rows.append(row)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def plot_fi(types: list, path: Path) -> Path:
    """Cell (dots) and NEST point model (lines) f-I curves, one panel per type."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    n = len(types)
    fig = Figure(figsize=(3.2 * n, 3.0))
    FigureCanvasAgg(fig)
    for k, t in enumerate(types):
        ax = fig.add_subplot(1, n, k + 1)
        amps = np.asarray(t.measurement["fi_amps_nA"])
        ax.plot(amps, t.measurement["fi_rates_hz"], "o", color="k", label="NEURON cell")
        ax.plot(amps, t.point_rates_hz, "-", color="C1", label="point (NEST)")
        ax.set_title(f"{t.pop_name} ({t.node_type_id})", fontsize=9)
        ax.set_xlabel("step current (nA)")
        if k == 0:
            ax.set_ylabel("rate (Hz)")
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    return path
