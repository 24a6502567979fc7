"""BioNet on CoreNEURON (``--coreneuron`` / ``run.coreneuron``): the same spikes and reports as NEURON's solver.

Every CoreNEURON run is a subprocess: a process that loaded the mechanisms built for CoreNEURON keeps them,
and NEURON cannot load a second library with the same mechanism names for the other tests.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from bmtk_like.errors import ConfigError, SimulationError
from bmtk_like.reports import SpikeTrains
from tests.bionet.circuits import COMPONENTS, INTFIRE, SCNN1A, write_circuit

REPO = Path(__file__).resolve().parents[2]
MECHANISMS = COMPONENTS / "mechanisms"
REPORTS = {
    "soma": {"module": "membrane_report", "variable_name": ["v", "cai"], "cells": "net", "sections": "soma"},
    "syn": {"module": "netcon_report", "variable_name": "g", "cells": "net", "syn_type": "Exp2Syn"},
    "ecp": {"module": "extracellular", "cells": "net", "variable_name": "v", "file_name": "ecp.h5",
            "electrode_positions": str(COMPONENTS / "recXelectrodes" / "linear_electrode.csv")},
}


MPICH_VENV = REPO / ".venv-mpich"
"""MPICH's PyPI wheel in a virtualenv borrowing the test venv's packages (``make mpi-pip``)."""


def _cli(config: Path, *flags: str, mpi: int = 0, pip_mpi: bool = False) -> subprocess.CompletedProcess:
    python = str(MPICH_VENV / "bin" / "python") if pip_mpi else sys.executable
    command = [python, "-m", "bmtk_like", "run", str(config), *flags]
    if pip_mpi:
        if not (MPICH_VENV / ".installed-stamp").exists():
            pytest.skip(f"no {MPICH_VENV} (make mpi-pip installs MPICH's wheel from PyPI there)")
        command = [str(MPICH_VENV / "bin" / "mpiexec"), "-n", str(mpi), *command]
    elif mpi:
        if shutil.which("mpirun") is None:
            pytest.skip("mpirun is not installed (make mpi, or the pip set-up in docs/coreneuron.md)")
        command = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", str(mpi), *command]
    env = {**os.environ, "PYTHONPATH": str(REPO), "NEURON_MODULE_OPTIONS": "-nogui"}
    return subprocess.run(command, cwd=config.parent, capture_output=True, text=True, timeout=900, env=env)


def _scnn1a_network(folder: Path, n_cells: int, reports: dict | None = None) -> Path:
    """``n_cells`` Allen Scnn1a cells in a ring of Exp2Syn synapses, driven by 5 virtual fibres and a clamp."""
    rng = np.random.default_rng(7)
    exc = dict(edge_type_id=1, model_template="exp2syn", dynamics_params="AMPA_ExcToExc.json", delay=2.0,
               syn_weight=0.02, target_sections="['somatic', 'basal']", distance_range="[0.0, 150.0]")
    ring = dict(exc, edge_type_id=2, syn_weight=0.01)
    return write_circuit(
        folder, [SCNN1A], n_per_type=n_cells, n_virtual=5, tstop=300.0, dt=0.025,
        virtual_edges=dict(source=rng.integers(0, 5, 12 * n_cells), target=rng.integers(0, n_cells, 12 * n_cells),
                           edge_type=exc),
        recurrent_edges=dict(source=np.arange(n_cells), target=(np.arange(n_cells) + 1) % n_cells, edge_type=ring),
        spikes={i: list(np.sort(rng.uniform(0.0, 300.0, 30))) for i in range(5)},
        inputs={"clamp": {"input_type": "current_clamp", "module": "IClamp", "node_set": "net", "amp": 0.25,
                          "delay": 50.0, "duration": 100.0}},
        components={"mechanisms_dir": str(MECHANISMS)}, reports=reports)


def _datasets(path: Path) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    with h5py.File(path) as f5:
        f5.visititems(lambda name, obj: found.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return found


def _sorted_spikes(path: Path) -> tuple[np.ndarray, np.ndarray]:
    ids, times = SpikeTrains.from_sonata(path).get("net")
    order = np.lexsort((np.asarray(times), np.asarray(ids)))
    return np.asarray(ids)[order], np.asarray(times)[order]


def test_coreneuron_is_a_neuron_only_switch(tmp_path):
    from bmtk_like.cli import build_parser
    import simulators
    config = write_circuit(tmp_path, [INTFIRE], tstop=10.0)
    assert build_parser().parse_args(["run", str(config), "--coreneuron"]).coreneuron is True
    with pytest.raises(SimulationError, match="NEURON backend only, not NEST"):
        simulators.run(str(config), simulator="NEST", coreneuron=True)
    from bmtk_like.config import SimulationConfig
    data = SimulationConfig.from_json(str(config)).to_dict()
    data["run"]["coreneuron"] = "perhaps"
    with pytest.raises(ConfigError, match="run.coreneuron"):
        SimulationConfig.from_json(data, base_dir=tmp_path)
    data["run"]["coreneuron"] = True
    assert SimulationConfig.from_json(data, base_dir=tmp_path).run.coreneuron is True


def test_artificial_cells_are_refused_by_name(tmp_path):
    exc = dict(edge_type_id=1, model_template="NULL", dynamics_params="instantaneousExc.json", delay=1.0,
               syn_weight=1.5)
    config = write_circuit(tmp_path, [INTFIRE], n_per_type=2, n_virtual=1, spikes={0: [10.0]}, tstop=20.0,
                           virtual_edges=dict(source=[0, 0], target=[0, 1], edge_type=exc))
    proc = _cli(config, "--coreneuron")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "artificial cells" in proc.stderr and "node type 102 of population 'net'" in proc.stderr


def test_a_process_that_loaded_them_for_neuron_asks_for_a_fresh_one(allen_mechanisms):
    """NEURON cannot load a second build of loaded mechanisms: refused before compiling anything."""
    from types import SimpleNamespace
    from simulators.bionet import coreneuron
    network = SimpleNamespace(models={"t": SimpleNamespace(kind="biophysical", mechanisms={"NaTs", "pas"},
                                                           artificial=None, translation=None)},
                              circuit=SimpleNamespace(edges={}))
    with pytest.raises(SimulationError, match=r"\['NaTs'\].*already loaded them for NEURON's own solver.*fresh process"):
        coreneuron.load_mechanisms(network, allen_mechanisms)


@pytest.mark.slow
def test_same_spikes_and_reports_as_neuron(tmp_path):
    """Allen cells, Exp2Syn synapses, virtual inputs, a clamp: spikes identical, reports equal to float32."""
    config = _scnn1a_network(tmp_path / "net", 4, REPORTS)
    neuron_run = _cli(config)
    assert neuron_run.returncode == 0, neuron_run.stderr[-3000:]
    shutil.move(config.parent / "output", tmp_path / "neuron")
    data = json.loads(config.read_text())
    data["run"]["coreneuron"] = True                     # the config key, not the flag, this time
    config.write_text(json.dumps(data))
    core_run = _cli(config)
    assert core_run.returncode == 0, core_run.stderr[-3000:]
    core = config.parent / "output"
    assert "simulating on CoreNEURON" in (core / "log.txt").read_text()
    ids, times = _sorted_spikes(core / "spikes.h5")
    ref_ids, ref_times = _sorted_spikes(tmp_path / "neuron" / "spikes.h5")
    assert ref_ids.size >= 20 and np.unique(ref_ids).size == 4
    np.testing.assert_array_equal(ids, ref_ids)
    np.testing.assert_array_equal(times, ref_times)        # identical, not merely within one dt
    for name in ("soma.v.h5", "soma.cai.h5", "syn.h5", "ecp.h5"):
        mine, ref = _datasets(core / name), _datasets(tmp_path / "neuron" / name)
        assert mine.keys() == ref.keys()
        for key, values in ref.items():
            if values.dtype.kind == "f":
                assert np.ptp(values) > 0 or "mapping" in key
                np.testing.assert_allclose(mine[key], values, rtol=0, atol=1e-6 * max(1e-12, np.abs(values).max()),
                                           err_msg=f"{name}:{key}")


@pytest.mark.slow
def test_a_mechanism_coreneuron_cannot_compile_is_named(tmp_path):
    """neuron 9.0.2's NMODL cannot compile Allen's NaV.mod (KINETIC scheme + LINEAR initial block)."""
    mods = tmp_path / "mods"
    mods.mkdir()
    shutil.copy(MECHANISMS / "modfiles" / "NaV.mod", mods)
    models = tmp_path / "models"
    models.mkdir()
    (models / "nav.json").write_text('{"insert": ["NaV", "pas"]}')
    cell = dict(node_type_id=130, model_type="biophysical", model_template="single_compartment",
                dynamics_params="nav.json")
    config = write_circuit(tmp_path, [cell], tstop=10.0,
                           components={"mechanisms_dir": str(mods), "biophysical_neuron_models_dir": str(models)})
    proc = _cli(config, "--coreneuron")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "nrnivmodl -coreneuron . failed to compile the mechanisms in" in proc.stderr
    assert "(NaV.mod)" in proc.stderr and "redefinition of" in proc.stderr
    assert "without --coreneuron" in proc.stderr


@pytest.mark.slow
@pytest.mark.mpi
@pytest.mark.parametrize("pip_mpi", [False, True], ids=["debian-openmpi", "pypi-mpich"])
def test_two_ranks_give_the_serial_neuron_spikes(tmp_path, pip_mpi):
    """Under Debian's Open MPI, and under MPICH from its PyPI wheel (no system package, no root)."""
    config = _scnn1a_network(tmp_path / "net", 6)
    core_run = _cli(config, "--coreneuron", mpi=2, pip_mpi=pip_mpi)
    assert core_run.returncode == 0, core_run.stderr[-3000:]
    assert core_run.stdout.count("NEURON: outputs in") == 1
    assert "numprocs=2" in core_run.stdout               # NEURON joined the 2-rank MPI world
    assert "suspicious MPI" not in core_run.stderr
    shutil.move(config.parent / "output", tmp_path / "core")
    neuron_run = _cli(config)
    assert neuron_run.returncode == 0, neuron_run.stderr[-3000:]
    ref_ids, ref_times = _sorted_spikes(config.parent / "output" / "spikes.h5")
    ids, times = _sorted_spikes(tmp_path / "core" / "spikes.h5")
    assert ref_ids.size >= 20 and np.unique(ref_ids).size == 6
    np.testing.assert_array_equal(ids, ref_ids)
    np.testing.assert_array_equal(times, ref_times)


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["iclamp", "syns"])
def test_bio_1cell_fixture_gives_neurons_spikes_and_trace(tmp_path, variant):
    """BMTK's bio_1cell example (a NeuroML Scnn1a cell; current clamps, or virtual synapses)."""
    from tests.bionet.conftest import FIXTURES
    shutil.copytree(FIXTURES / "bio_1cell", tmp_path / "bio_1cell")
    (tmp_path / "bio_components").symlink_to(FIXTURES / "bio_components")
    config = tmp_path / "bio_1cell" / f"config.simulation_{variant}.json"
    runs = {}
    for name, flags in (("neuron", ()), ("core", ("--coreneuron",))):
        proc = _cli(config, "--quiet", "--output-dir", str(tmp_path / name), *flags)
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs[name] = tmp_path / name
    assert "simulating on CoreNEURON" in (runs["core"] / "log.txt").read_text()
    spikes = {name: SpikeTrains.from_sonata(folder / "spikes.h5").get("biocell") for name, folder in runs.items()}
    assert spikes["neuron"][0].size >= 20
    np.testing.assert_array_equal(spikes["core"][1], spikes["neuron"][1])
    traces = {name: _datasets(folder / "membrane_potential.h5") for name, folder in runs.items()}
    data_key = next(k for k in traces["neuron"] if k.endswith("/data"))
    assert np.ptp(traces["neuron"][data_key]) > 50.0                     # spikes in the trace
    np.testing.assert_array_equal(traces["core"][data_key], traces["neuron"][data_key])


@pytest.mark.slow
@pytest.mark.parametrize("model", ["iaf_psc_exp", "iaf_psc_alpha"])
def test_nest_point_neurons_translated_to_our_artificial_cells_run_on_coreneuron(tmp_path, model):
    """bmtk_like's own artificial cells (mod/point_models) are compiled into CoreNEURON's library too."""
    from tests.crosslevel.test_three_levels import DT, LIF, write_point_circuit
    rng = np.random.default_rng(3)
    exc = np.sort(rng.choice(np.arange(1, 1900), 300, replace=False)) * DT
    inh = np.sort(rng.choice(np.arange(1, 1900), 80, replace=False)) * DT
    config = write_point_circuit(tmp_path, [{**LIF, "tau_syn_ex": 3.0, "tau_syn_in": 6.0},
                                            {**LIF, "V_m": -60.0, "I_e": 150.0, "V_reset": -65.0}],
                                 {0: exc, 1: inh}, [(900.0, 1.0), (-600.0, 1.5)])
    types = (tmp_path / "net_node_types.csv").read_text().replace("iaf_psc_delta", model)
    (tmp_path / "net_node_types.csv").write_text(types)
    data = json.loads(config.read_text())
    data["output"]["log_file"] = "log.txt"
    config.write_text(json.dumps(data))
    runs = {}
    for name, flags in (("neuron", ()), ("core", ("--coreneuron",))):
        proc = _cli(config, "--quiet", "--simulator", "NEURON", "--output-dir", str(tmp_path / name), *flags)
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs[name] = SpikeTrains.from_sonata(tmp_path / name / "spikes.h5").get("net")
    assert "simulating on CoreNEURON" in (tmp_path / "core" / "log.txt").read_text()
    assert np.unique(runs["neuron"][0]).size == 2 and runs["neuron"][0].size >= 20
    np.testing.assert_array_equal(runs["core"][0], runs["neuron"][0])
    np.testing.assert_array_equal(runs["core"][1], runs["neuron"][1])
