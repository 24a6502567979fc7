"""Every backend has BMTK's surface and writes the same outputs under the same names and policy."""
from __future__ import annotations

import json

import numpy as np
import pytest

import simulators
from bmtk_like.config import SimulationConfig
from bmtk_like.errors import SimulationError
from simulators.core import SimulationResult, canonical_name

from backend_circuit import N_CELLS, SURFACE

#: Files each level writes (SimulationResult.files keys) for the shared circuit's config.
SPIKING_FILES = {"spikes_h5": "spikes.h5", "spikes_csv": "spikes.csv", "log": "log.txt"}
RATE_FILES = {"rates_h5": "population_rates.h5", "rates_csv": "population_rates.csv", "log": "log.txt"}


def expected_files(backend: str) -> dict:
    return RATE_FILES if backend == "popnet" else SPIKING_FILES


def test_package_exposes_bmtks_names(backend, package):
    _, network, simulator, _ = SURFACE[backend]
    assert package.Config is SimulationConfig
    assert callable(getattr(package, network).from_config)
    assert callable(getattr(package, simulator).from_config)
    assert callable(package.run_config)
    assert canonical_name(SURFACE[backend][0]) == backend         # the package name is an alias


def test_four_line_script_and_run_config_write_the_same_files(backend, package, circuit_config):
    path = circuit_config()
    _, network, simulator, _ = SURFACE[backend]
    conf = package.Config.from_json(path)
    net = getattr(package, network).from_config(conf)
    assert not (path.parent / "output").exists()            # loading a circuit writes nothing
    sim = getattr(package, simulator).from_config(conf, net)
    four_lines = sim.run()
    assert isinstance(four_lines, SimulationResult) and four_lines.backend == backend
    names = {k: p.name for k, p in four_lines.files.items() if k in expected_files(backend)}
    assert names == expected_files(backend)
    for file in four_lines.files.values():
        assert file.exists(), file
    log = (path.parent / "output" / "log.txt").read_text()
    assert f"{backend} run finished" in log
    one_call = package.run_config(conf)
    assert set(one_call.files) == set(four_lines.files)


def test_the_same_circuit_gives_spikes_or_rates_on_every_level(backend, circuit_config):
    result = simulators.run(circuit_config(), simulator=backend)
    if backend == "popnet":
        rates = result.rates
        assert {"E", "I"} <= set(rates)
        assert all(np.all(np.isfinite(r)) for _, r in rates.values())
        assert rates["E"][1][-200:].mean() > 1.0               # driven well above threshold now and then
    else:
        ids, times = result.spikes.get("net")
        assert times.size > 0 and set(np.unique(ids)) <= set(range(N_CELLS))
        assert times.max() <= 100.0


def test_a_full_output_folder_is_left_alone_without_overwrite(backend, circuit_config):
    path = circuit_config()
    out = path.parent / "output"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    config = json.loads(path.read_text())
    config["output"]["overwrite_output_dir"] = False
    path.write_text(json.dumps(config))
    with pytest.raises(SimulationError, match=r"output folder .*output already holds files and "
                                              r"output\.overwrite_output_dir is false"):
        simulators.run(path, simulator=backend)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_overwrite_replaces_our_files_and_keeps_the_users(backend, circuit_config):
    path = circuit_config()
    out = path.parent / "output"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for name in expected_files(backend).values():
        (out / name).write_text("stale")
    simulators.run(path, simulator=backend)
    assert (out / "notes.txt").read_text() == "mine"
    for name in expected_files(backend).values():
        assert (out / name).read_bytes() != b"stale", name


def test_importing_every_backend_package_imports_no_engine():
    """Plain imports (no module __getattr__): the names exist, and NEST, NEURON, mpi4py stay unloaded."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys\n"
            "from simulators import bionet, pointnet, popnet\n"
            "names = [pointnet.PointNetwork, pointnet.PointSimulator, bionet.BioNetwork, bionet.BioSimulator,\n"
            "         bionet.nrn.quit_execution, bionet.synaptic_weight, popnet.PopNetwork, popnet.PopSimulator]\n"
            "print(sorted(m for m in ('nest', 'neuron', 'mpi4py') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
