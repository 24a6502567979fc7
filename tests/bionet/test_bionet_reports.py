"""Membrane reports (any variable, any sections) and the extracellular potential."""
from __future__ import annotations

import math

import h5py
import numpy as np
import pytest

from bmtk_like.errors import SimulationError
from tests.bionet.circuits import COMPONENTS, PVALB, SCNN1A, run, write_circuit

CLAMP = {"steps": {"input_type": "current_clamp", "module": "IClamp", "node_set": "net",
                   "amp": 0.4, "delay": 10.0, "duration": 30.0}}


def _report(name, variable="v", sections="soma", **params):
    return {name: {"cells": "net", "variable_name": variable, "module": "membrane_report", "sections": sections,
                   **params}}


def test_all_sections_report_maps_every_segment(tmp_path, allen_mechanisms):
    reports = {**_report("v_all", sections="all"), **_report("v_soma"), **_report("v_apic", sections="apical")}
    result = run(write_circuit(tmp_path, [SCNN1A], inputs=CLAMP, reports=reports, tstop=50.0, dt=0.1))
    template = result.extra["network"].cell("net", 0).template
    out = tmp_path / "output"
    with h5py.File(out / "v_all.h5") as f_all, h5py.File(out / "v_soma.h5") as f_soma, \
            h5py.File(out / "v_apic.h5") as f_apic:
        mapping = f_all["report/net/mapping"]
        np.testing.assert_array_equal(mapping["element_ids"][()], template.seg_sec_id)
        np.testing.assert_allclose(mapping["element_pos"][()], template.seg_x, atol=1e-6)
        np.testing.assert_array_equal(mapping["index_pointers"][()], [0, template.n_segments])
        data = f_all["report/net/data"][()]
        assert data.shape == (500, template.n_segments)
        soma_column = np.flatnonzero((template.seg_sec_id == 0))[0]
        np.testing.assert_array_equal(data[:, soma_column], f_soma["report/net/data"][:, 0])
        apic_ids = f_apic["report/net/mapping/element_ids"][()]
        assert apic_ids.size and all(template.kinds[i] == "apic" for i in apic_ids)
        assert data.max() > 0.0                                   # the clamp makes it spike


def test_first_frame_is_the_value_after_one_step(tmp_path, allen_mechanisms):
    from neuron import h
    result = run(write_circuit(tmp_path, [SCNN1A], reports=_report("v_soma"), tstop=5.0, dt=0.1))
    with h5py.File(tmp_path / "output" / "v_soma.h5") as f5:
        frames = f5["report/net/data"][:, 0]
        np.testing.assert_array_equal(f5["report/net/mapping/time"][()], [0.0, 5.0, 0.1])
    assert frames.size == 50
    cell = result.extra["network"].cell("net", 0)
    assert h.t == pytest.approx(5.0)
    assert frames[-1] == pytest.approx(cell.soma(0.5).v, abs=1e-5)  # frame k = value after step k + 1
    assert frames[0] != pytest.approx(-80.0, abs=1e-6)


def test_calcium_report_on_sections_without_calcium_names_the_node_type(tmp_path, allen_mechanisms):
    with pytest.raises(SimulationError, match=r"report 'ca_all'.*'cai'.*dend.*node type 101"):
        run(write_circuit(tmp_path, [PVALB], reports=_report("ca_all", variable="cai", sections="all")))


def test_line_source_transfer_matches_a_point_source_far_away():
    from simulators.bionet.extracellular import SIGMA_EXTRACELLULAR, transfer_resistance
    p0 = np.array([[0.0], [-0.5], [0.0]])
    p1 = np.array([[0.0], [0.5], [0.0]])
    electrodes = np.array([[300.0], [0.0], [0.0]])
    tr = transfer_resistance(electrodes, p0, p1, np.array([1.0]), None)
    assert tr[0, 0] == pytest.approx(1.0 / (4 * math.pi * SIGMA_EXTRACELLULAR * 300.0), rel=1e-5)


def test_extracellular_report_is_written_per_electrode(tmp_path, allen_mechanisms):
    ecp = {"ecp": {"cells": "net", "variable_name": "v", "module": "extracellular", "file_name": "ecp.h5",
                   "electrode_positions": str(COMPONENTS / "recXelectrodes" / "linear_electrode.csv")}}
    run(write_circuit(tmp_path, [SCNN1A], inputs=CLAMP, reports=ecp, tstop=50.0, dt=0.1,
                      node_columns={"x": np.array([10.0]), "y": np.array([-10.0]), "z": np.array([0.0])}))
    with h5py.File(tmp_path / "output" / "ecp.h5") as f5:
        data = f5["ecp/data"][()]
        np.testing.assert_array_equal(f5["ecp/time"][()], [0.0, 50.0, 0.1])
        np.testing.assert_array_equal(f5["ecp/channel_id"][()], np.arange(data.shape[1]))
    assert data.shape[0] == 500 and data.shape[1] >= 4
    assert np.abs(data).max() > 1e-4                    # the spiking soma is 5 um from the first electrodes
    assert np.abs(data[:95]).max() < np.abs(data[100:]).max()    # before the clamp the cell is quiet


def test_report_window_and_sampling_interval(tmp_path, allen_mechanisms):
    reports = {**_report("v_full"), **_report("v_window", dt=0.5, start_time=10.0, end_time=30.0)}
    run(write_circuit(tmp_path, [SCNN1A], inputs=CLAMP, reports=reports, tstop=50.0, dt=0.1))
    with h5py.File(tmp_path / "output" / "v_full.h5") as full, h5py.File(tmp_path / "output" / "v_window.h5") as win:
        np.testing.assert_array_equal(win["report/net/mapping/time"][()], [10.0, 30.0, 0.5])
        sampled = win["report/net/data"][:, 0]
        assert sampled.size == 40
        np.testing.assert_array_equal(sampled, full["report/net/data"][100:300:5, 0])


def test_report_dt_finer_than_the_run_is_an_error(tmp_path, allen_mechanisms):
    with pytest.raises(SimulationError, match=r"report 'v_fine': dt 0.05 ms must be a whole multiple of run.dt 0.1"):
        run(write_circuit(tmp_path, [SCNN1A], reports=_report("v_fine", dt=0.05), tstop=10.0, dt=0.1))
