"""The BMTK example corpus: which configs bmtk 1.2.0 runs, which cannot run anywhere, and why.

Shared by the corpus test (test_bmtk_corpus.py) and the script that regenerates bmtk's reference
outputs (make_bmtk_reference.py), so both always speak of the same configs.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
#: The BMTK example folders, shared beside the checkout (as in tests/conftest.py); never written.
FIXTURES = Path(os.environ.get("BMTK_LIKE_FIXTURES", ROOT.parent / "shared" / "fixtures" / "bmtk_examples"))

#: (folder, config, simulator bmtk runs it on): every config bmtk 1.2.0 runs here.
BMTK_RUNNABLE = [
    ("point_120cells", "config.simulation.json", "NEST"),
    ("point_120cells", "config.simulation_iclamp.json", "NEST"),
    ("point_120cells", "config.simulation_iclamp.aslist.json", "NEST"),
    ("point_120cells", "config.simulation_iclamp.csv.json", "NEST"),
    ("point_iclamp", "config.simulation_iclamp.json", "NEST"),
    ("point_iclamp", "config.simulation_iclamp.aslist.json", "NEST"),
    ("point_iclamp", "config.simulation_iclamp.csv.json", "NEST"),
    ("point_stdp", "config.simulation_iclamp.json", "NEST"),
    ("point_stdp", "config.simulation_virtual.json", "NEST"),
    ("point_450glifs", "config.simulation.json", "NEST"),
    ("bio_1cell", "config.simulation_iclamp.json", "NEURON"),
    ("bio_1cell", "config.simulation_syns.json", "NEURON"),
    ("bio_intfire_ring", "config.simulation.json", "NEURON"),
    ("bio_advanced_stimuli", "config.simulation_iclamp.json", "NEURON"),
    ("bio_advanced_stimuli", "config.simulation_iclamp.aslist.json", "NEURON"),
    ("bio_advanced_stimuli", "config.simulation_iclamp.csv.json", "NEURON"),
    ("bio_advanced_stimuli", "config.simulation_spikes.json", "NEURON"),
    ("bio_advanced_stimuli", "config.simulation_spont_activity.json", "NEURON"),
    ("bio_14cells", "config.simulation.json", "NEURON"),
    ("bio_simulated_annealing", "config.simulation.json", "NEURON"),
]

#: Configs nobody can run, with the reason (the test lists them; it does not run them).
NOT_RUNNABLE = {
    "point_120cells/config.simulation_iclamp.nwb.json": "its NWB sweep file was never published",
    "point_iclamp/config.simulation_iclamp.nwb.json": "its NWB sweep file was never published",
    "bio_advanced_stimuli/config.simulation_iclamp.nwb.json": "its NWB sweep file was never published",
    "point_120cells/config.simulation_perturbations.json":
        "its input spikes CSV (inputs/thalamus_spikes.csv) was never published",
    "pop_2pops/config.json": "names a population_components folder that does not exist",
    "bio_advanced_stimuli/config.simulation_xstim.json":
        "bmtk 1.2.0 itself fails on it with NEURON 9 (no reference to compare with)",
    "bio_stp_models/config.simulation.json":
        "bmtk 1.2.0 did not finish it within 15 minutes on two cores (dt 0.01 ms, 2 s, 10 cells "
        "with i_membrane reports); too slow for a reference run. Ours runs it "
        "(tests/bionet/test_bionet_bmtk_synapses.py runs its first 20 ms)",
}

#: Configs bmtk 1.2.0 mis-reads, run for the reference with an equivalent config bmtk reads right:
#: {config: (patch merged into the config's JSON, why)}. Our run always uses the unchanged config.
#: bmtk 1.2.0's node-set filter selects no node of bio_advanced_stimuli for a node-types CSV
#: column rule ({"model_type": "biophysical"}; measured: 0 nodes, so its unchanged run injects no
#: current and writes no report), while SONATA and the example's README mean the 5 biophysical
#: cells, which are exactly population "bio".
_BIO_CELLS = ({"node_sets": {"biophys_cells": {"population": "bio"}}},
              "bmtk 1.2.0 selects no node for {'model_type': 'biophysical'}; population 'bio' is the same 5 cells")
BMTK_WORKAROUNDS = {f"bio_advanced_stimuli/{c}": _BIO_CELLS for c in (
    "config.simulation_iclamp.json", "config.simulation_iclamp.aslist.json", "config.simulation_iclamp.csv.json",
    "config.simulation_spikes.json", "config.simulation_spont_activity.json")}

#: DiPDE folders: no DiPDE on PyPI, so bmtk's popnet cannot run here; checked on their own.
DIPDE_CONFIGS = [("pop_2pops", "config.simulation.json"),
                 ("pop_7pops_converted", "config.simulation.json"),
                 ("pop_7pops_converted", "config.json")]
#: The DiPDE configs the corpus test runs. pop_7pops_converted (both configs: every population at
#: 0 Hz, ~1 CPU minute each) is run and pinned by tests/popnet/test_backend.py
#: ::test_pop_7pops_converted_mixes_unit_styles_per_file, so it is not run twice.
DIPDE_RUN_HERE = [("pop_2pops", "config.simulation.json")]

#: Reference traces keep one frame every this many ms (enough for a 1 mV RMS comparison).
TRACE_STEP_MS = 1.0
#: Report variables compared as membrane potential.
TRACE_VARIABLES = ("v", "V_m")


def reference_name(folder: str, config: str) -> str:
    return f"{folder}__{Path(config).stem.replace('.', '_')}"


def node_groups(folder: Path, population: str) -> np.ndarray | None:
    """Per-node group label of ``population`` in ``folder/network``: model_name, else pop_name,
    else node_type_id (as strings); None when the population is not found."""
    for nodes_file in sorted((folder / "network").glob("*nodes.h5")):
        with h5py.File(nodes_file, "r") as h5:
            if population not in h5.get("nodes", {}):
                continue
            grp = h5["nodes"][population]
            type_ids = grp["node_type_id"][()].astype(np.int64)
            columns = {}
            for sub in grp.values():
                if isinstance(sub, h5py.Group):
                    for name in ("model_name", "pop_name"):
                        if name in sub and name not in columns:
                            columns[name] = sub[name].asstr()[()] if sub[name].dtype.kind in "OS" \
                                else sub[name][()]
        types_file = nodes_file.with_name(nodes_file.name.replace("nodes.h5", "node_types.csv"))
        types = pd.read_csv(types_file, sep=r"\s+", engine="python").set_index("node_type_id")
        for name in ("model_name", "pop_name"):
            if name in columns:
                return np.asarray(columns[name]).astype(str)
            if name in types.columns:
                return types[name].reindex(type_ids).astype(str).to_numpy()
        return type_ids.astype(str)
    return None


def counts_by_model_name(config_path: Path, counts: dict[str, tuple[np.ndarray, np.ndarray]]
                         ) -> dict[str, int]:
    """``population/label`` -> spike count, from per-node counts (see node_groups for the label)."""
    out: dict[str, int] = {}
    for pop, (ids, n) in counts.items():
        labels = node_groups(Path(config_path).parent, pop)
        if labels is None:
            continue
        for label in np.unique(labels):
            members = np.flatnonzero(labels == label)
            out[f"{pop}/{label}"] = int(np.asarray(n)[np.isin(ids, members)].sum())
    return out


def trace_reports(config_path: Path) -> list[str]:
    """File names (under output_dir) of the config's enabled membrane-potential reports."""
    data = json.loads(Path(config_path).read_text())
    names = []
    for name, rep in (data.get("reports") or {}).items():
        var = rep.get("variable_name")
        var = var[0] if isinstance(var, list) and len(var) == 1 else var
        if rep.get("enabled", True) and var in TRACE_VARIABLES and \
                str(rep.get("module", "")).lower() in ("membrane_report", "multimeter_report", "multimeter"):
            names.append(Path(rep.get("file_name", f"{name}.h5")).name)
    return names


def read_spike_counts(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Population -> (node ids, spike count) of a SONATA spikes file."""
    out = {}
    with h5py.File(path, "r") as h5:
        for pop, grp in h5["spikes"].items():
            ids, counts = np.unique(grp["node_ids"][()].astype(np.int64), return_counts=True)
            out[pop] = (ids, counts)
    return out


def read_traces(output_dir: Path, files: list[str], every_ms: float = TRACE_STEP_MS
                ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Population -> (node ids, times ms, data frames x nodes) of the membrane-potential reports,
    keeping one frame every ``every_ms`` (0: every frame)."""
    found = {}
    for name in files:
        with h5py.File(output_dir / name, "r") as h5:
            for pop, grp in h5["report"].items():
                if pop in found:
                    continue
                start, stop, step = (float(x) for x in grp["mapping/time"][()])
                data = grp["data"][()]
                ids = grp["mapping/node_ids"][()].astype(np.int64)
                times = start + step * np.arange(data.shape[0])
                keep = max(1, int(round(every_ms / step)))
                found[pop] = (ids, times[::keep], data[::keep].astype(np.float32))
    return found
