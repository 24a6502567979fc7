"""`bmtk-like run` and a BMTK-shaped run script under mpirun: one report line, serial spikes, clean exit."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bmtk_like.reports import SpikeTrains
from tests.bionet.circuits import INTFIRE, run, write_circuit

pytestmark = [pytest.mark.mpi, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]

BMTK_SCRIPT = """
from simulators import bionet
conf = bionet.Config.from_json("config.json")
conf.build_env()
net = bionet.BioNetwork.from_config(conf)
sim = bionet.BioSimulator.from_config(conf, network=net)
sim.run()
bionet.nrn.quit_execution()
print("not reached")
"""


def _mpirun(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    if shutil.which("mpirun") is None:
        pytest.skip("mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)")
    return subprocess.run(["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "2", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.fixture
def intfire_circuit(tmp_path) -> Path:
    """Six IntFire1 cells (dealt to both ranks) driven by one virtual fibre."""
    exc = dict(edge_type_id=1, model_template="NULL", dynamics_params="instantaneousExc.json", delay=1.0,
               syn_weight=1.5)
    return write_circuit(tmp_path, [INTFIRE], n_per_type=6, n_virtual=1, spikes={0: [10.0, 30.0, 50.0]},
                         virtual_edges=dict(source=[0] * 6, target=list(range(6)), edge_type=exc), tstop=80.0)


def test_cli_under_mpirun_reports_once_and_writes_the_serial_spikes(intfire_circuit):
    serial_ids, serial_times = run(intfire_circuit).spikes.get("net")
    assert serial_ids.size == 18
    shutil.rmtree(intfire_circuit.parent / "output")
    proc = _mpirun([sys.executable, "-m", "bmtk_like", "run", str(intfire_circuit)], intfire_circuit.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("NEURON: outputs in") == 1, proc.stdout
    ids, times = SpikeTrains.from_sonata(intfire_circuit.parent / "output" / "spikes.h5").get("net")
    a, b = np.lexsort((serial_times, serial_ids)), np.lexsort((times, ids))
    np.testing.assert_array_equal(np.asarray(ids)[b], np.asarray(serial_ids)[a])
    np.testing.assert_allclose(np.asarray(times)[b], np.asarray(serial_times)[a], atol=1e-9)


def test_bmtk_run_script_ending_in_quit_execution(intfire_circuit):
    (intfire_circuit.parent / "run_bionet.py").write_text(BMTK_SCRIPT)
    proc = _mpirun([sys.executable, "run_bionet.py"], intfire_circuit.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "not reached" not in proc.stdout
    assert SpikeTrains.from_sonata(intfire_circuit.parent / "output" / "spikes.h5").n_spikes("net") == 18
