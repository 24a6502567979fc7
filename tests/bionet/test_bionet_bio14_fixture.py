"""The bio_14cells example (Allen perisomatic cells, IntFire1 cells, LGN/TW virtual inputs) against BMTK 1.2.0."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from tests.bionet.circuits import run

REFERENCE = Path(__file__).parent / "data" / "bio14_bmtk120_spikes.csv"


def _reference():
    table = np.loadtxt(REFERENCE, delimiter=",", skiprows=2)
    return table[:, 0].astype(int), table[:, 1]


@pytest.fixture(scope="module")
def bio14_result(tmp_path_factory, allen_mechanisms):
    from tests.bionet.conftest import FIXTURES
    root = tmp_path_factory.mktemp("bio14")
    shutil.copytree(FIXTURES / "bio_14cells", root / "bio_14cells")
    (root / "bio_components").symlink_to(FIXTURES / "bio_components")
    folder = root / "bio_14cells"
    import os
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = run(folder / "config.simulation.json")
    finally:
        os.chdir(cwd)
    return folder, result


@pytest.mark.slow
def test_spikes_equal_bmtk_120(bio14_result):
    folder, result = bio14_result
    ids, times = result.spikes.get("v1")
    ref_ids, ref_times = _reference()
    assert np.array_equal(np.bincount(ids.astype(int), minlength=14), np.bincount(ref_ids, minlength=14))
    for node in range(14):
        ours, theirs = np.sort(times[ids == node]), np.sort(ref_times[ref_ids == node])
        np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert (folder / "output" / "spikes.h5").exists() and (folder / "output" / "spikes.csv").exists()


@pytest.mark.slow
def test_soma_reports_have_bmtk_layout(bio14_result):
    folder, result = bio14_result
    with h5py.File(folder / "output" / "membrane_potential.h5") as f5:
        data = f5["report/v1/data"]
        assert data.shape == (30000, 10) and data.dtype == np.float32
        np.testing.assert_array_equal(f5["report/v1/mapping/time"][()], [0.0, 3000.0, 0.1])
        np.testing.assert_array_equal(f5["report/v1/mapping/node_ids"][()], np.arange(10))
        np.testing.assert_array_equal(f5["report/v1/mapping/index_pointers"][()], np.arange(11))
        v = data[()]
        assert -81.0 < v[0, 0] < -79.9            # one step after v_init = -80 mV
        assert v.max() > 0.0                      # the cells spike
    with h5py.File(folder / "output" / "calcium_concentration.h5") as f5:
        cai = f5["report/v1/data"][()]
        assert cai.shape == (30000, 10) and np.all(cai > 0) and cai.max() > 1e-4
    assert result.extra["skipped_reports"] == []
    with h5py.File(folder / "output" / "syn_report.h5") as f5:      # netcon_report of Exp2Syn tau1
        tau1 = f5["report/v1/data"][()]
        np.testing.assert_array_equal(f5["report/v1/mapping/node_ids"][()], [0, 1, 2, 3])
        assert tau1.shape[0] == 30000 and tau1.shape[1] > 20
        assert np.isin(tau1, np.float32([1.0, 2.7, 0.1, 0.2])).all()    # tau1 of the fixture's synapse JSONs


@pytest.mark.mpi
@pytest.mark.slow
def test_two_rank_run_writes_the_serial_spikes(bio14_result, tmp_path):
    if shutil.which("mpirun") is None:
        pytest.skip("mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)")
    folder, result = bio14_result
    config = json.loads((folder / "config.simulation.json").read_text())
    config["manifest"]["$OUTPUT_DIR"] = str(tmp_path / "mpi_output")
    config["run"]["tstop"] = 1000.0
    mpi_config = folder / "config.mpi.json"
    mpi_config.write_text(json.dumps(config))
    repo = Path(__file__).resolve().parents[2]
    script = "import simulators; simulators.run('config.mpi.json')"
    proc = subprocess.run(["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "2", sys.executable, "-c", script],
                          cwd=folder, capture_output=True, text=True, timeout=600,
                          env={**__import__("os").environ, "PYTHONPATH": str(repo)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    from bmtk_like.reports import SpikeTrains
    mpi_ids, mpi_times = SpikeTrains.from_sonata(tmp_path / "mpi_output" / "spikes.h5").get("v1")
    ids, times = result.spikes.get("v1")
    early = times < 1000.0
    order_a, order_b = np.lexsort((times[early], ids[early])), np.lexsort((mpi_times, mpi_ids))
    np.testing.assert_array_equal(ids[early][order_a], mpi_ids[order_b])
    np.testing.assert_allclose(times[early][order_a], mpi_times[order_b], atol=1e-9)
    with h5py.File(tmp_path / "mpi_output" / "membrane_potential.h5") as f5, \
            h5py.File(folder / "output" / "membrane_potential.h5") as serial:
        np.testing.assert_allclose(f5["report/v1/data"][()], serial["report/v1/data"][:10000], atol=1e-4)


@pytest.mark.slow
def test_extracellular_potential_equals_bmtk_120(tmp_path, allen_mechanisms):
    """The 86-site linear probe of bio_components, cells rotated and placed as in the node table."""
    from tests.bionet.conftest import FIXTURES
    shutil.copytree(FIXTURES / "bio_14cells", tmp_path / "bio_14cells")
    (tmp_path / "bio_components").symlink_to(FIXTURES / "bio_components")
    folder = tmp_path / "bio_14cells"
    config = json.loads((folder / "config.simulation.json").read_text())
    config["run"]["tstop"] = 300.0
    config["reports"] = {"ecp": {"cells": "all", "variable_name": "v", "module": "extracellular",
                                 "electrode_positions": "$BASE_DIR/../bio_components/recXelectrodes/linear_electrode.csv",
                                 "file_name": "ecp.h5", "electrode_channels": "all"}}
    (folder / "config.ecp.json").write_text(json.dumps(config))
    import os
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        run(folder / "config.ecp.json")
    finally:
        os.chdir(cwd)
    reference = np.load(Path(__file__).parent / "data" / "bio14_ecp_bmtk120.npz")
    with h5py.File(folder / "output" / "ecp.h5") as f5:
        np.testing.assert_array_equal(f5["ecp/time"][()], reference["time"])
        ours = f5["ecp/data"][:, reference["channels"]]
    assert np.abs(reference["data"]).max() > 1e-5
    np.testing.assert_allclose(ours, reference["data"], rtol=0, atol=1e-6 * np.abs(reference["data"]).max())
