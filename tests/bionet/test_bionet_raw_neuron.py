"""A small biophysical circuit run by bionet agrees with the same cells written in raw NEURON calls."""
from __future__ import annotations

import json

import numpy as np
import pytest

from tests.bionet.circuits import COMPONENTS, PVALB, SCNN1A, run, write_circuit

TSTOP, DT, V_INIT, CELSIUS, DL = 300.0, 0.025, -80.0, 34.0, 20.0
CELLS = [SCNN1A, SCNN1A, PVALB]
# virtual source -> (target, section id, x, weight uS); sections: 0 soma, 1.. dendrites
VIRTUAL = [(0, 0, 4, 0.5, 0.02), (1, 0, 0, 0.5, 0.012), (2, 1, 10, 0.3, 0.02),
           (3, 2, 0, 0.5, 0.01), (0, 2, 3, 0.7, 0.008), (1, 1, 0, 0.5, 0.006)]
RECURRENT = [(0, 2, 0, 0.5, 0.004), (1, 2, 2, 0.5, 0.004), (2, 0, 0, 0.5, 0.003)]   # (source, target, sec, x, w)
SPIKES = {0: [20.0, 25.0, 30.0, 90.0, 150.0, 152.0, 154.0, 156.0], 1: [40.0, 42.0, 44.0, 46.0, 200.0, 201.0],
          2: [60.0, 61.0, 62.0, 63.0, 64.0, 220.0, 221.0, 222.0], 3: [100.0, 102.0, 104.0]}
AMPA = json.loads((COMPONENTS / "synaptic_models" / "AMPA_ExcToExc.json").read_text())
GABA = json.loads((COMPONENTS / "synaptic_models" / "GABA_InhToExc.json").read_text())


def _edges(rows, etype):
    src, trg, sec, x, w = (np.array(c) for c in zip(*rows))
    return dict(source=src, target=trg, edge_type=etype,
                columns={"afferent_section_id": sec.astype(np.int64), "afferent_section_pos": x, "syn_weight": w})


def _bionet_spikes(tmp_path):
    exc = dict(edge_type_id=1, model_template="Exp2Syn", dynamics_params="AMPA_ExcToExc.json", delay=1.5)
    config = write_circuit(tmp_path, CELLS, n_virtual=4, virtual_edges=_edges(VIRTUAL, exc),
                           recurrent_edges=_edges(RECURRENT, dict(exc, edge_type_id=2, delay=2.0)),
                           spikes=SPIKES, tstop=TSTOP, dt=DT, conditions={"celsius": CELSIUS, "v_init": V_INIT})
    result = run(config)
    ids, times = result.spikes.get("net")
    return {n: np.sort(times[ids == n]) for n in range(len(CELLS))}


RAW_TEMPLATE = """
begintemplate RawAllenCell
public soma, dend, apic, axon, all, somatic, basal, apical, axonal
objref all, somatic, basal, apical, axonal, this
create soma[1], dend[1], apic[1], axon[1]
proc init() { localobj nl, i3d
  all = new SectionList() somatic = new SectionList() basal = new SectionList()
  apical = new SectionList() axonal = new SectionList()
  forall delete_section()
  nl = new Import3d_SWC_read()
  nl.quiet = 1
  nl.input($s1)
  i3d = new Import3d_GUI(nl, 0)
  i3d.instantiate(this)
}
endtemplate RawAllenCell
"""


def _raw_cell(h, cell_type):
    """One Allen perisomatic cell the textbook way: Import3d, stub axon, parameters from the fit JSON."""
    hobj = h.RawAllenCell(str(COMPONENTS / "morphologies" / cell_type["morphology"]))
    for sec in list(hobj.axon):
        h.delete_section(sec=sec)
    h.execute("create axon[2]", hobj)
    for sec in hobj.axon:
        sec.L, sec.diam = 30.0, 1.0
        hobj.axonal.append(sec=sec)
        hobj.all.append(sec=sec)
    hobj.axon[0].connect(hobj.soma[0](0.5), 0)
    hobj.axon[1].connect(hobj.axon[0](1.0), 0)
    h.define_shape()
    fit = json.loads((COMPONENTS / "biophysical_neuron_templates" / "ctdb" / cell_type["dynamics_params"]).read_text())
    passive, genome, erevs = fit["passive"][0], fit["genome"], fit["conditions"][0]["erev"]
    cm = {c["section"]: c["cm"] for c in passive["cm"]}
    sections = list(hobj.all)
    for sec in sections:
        kind = sec.name().split(".")[1][:4]
        sec.nseg = 1 + 2 * int(sec.L / (2 * DL))
        sec.Ra, sec.cm = passive["ra"], cm[kind]
        sec.insert("pas")
        sec.e_pas = passive["e_pas"]
        for gene in genome:
            if gene["section"] == kind:
                if gene["mechanism"]:
                    sec.insert(gene["mechanism"])
                setattr(sec, gene["name"], gene["value"])
        for erev in erevs:
            if erev["section"] == kind:
                sec.ena, sec.ek = erev["ena"], erev["ek"]
    return hobj, sections


def _raw_neuron_spikes():
    from neuron import h
    h.load_file("stdrun.hoc")
    h.load_file("import3d.hoc")
    if not hasattr(h, "RawAllenCell"):
        h(RAW_TEMPLATE)
    cells = [_raw_cell(h, t) for t in CELLS]
    keep, recorders = [], []
    for hobj, sections in cells:
        soma = sections[0]
        rec = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
        rec.threshold = -15.0
        tvec = h.Vector()
        rec.record(tvec)
        recorders.append(tvec)
        keep.append(rec)

    def synapse(target, sec_id, x):
        syn = h.Exp2Syn(cells[target][1][sec_id](x))
        syn.e, syn.tau1, syn.tau2 = AMPA["erev"], AMPA["tau1"], AMPA["tau2"]
        keep.append(syn)
        return syn

    events = []
    for src, trg, sec, x, w in VIRTUAL:
        nc = h.NetCon(None, synapse(trg, sec, x))
        nc.weight[0], nc.delay = w, 1.5
        keep.append(nc)
        events.extend((t + 1.5, nc) for t in SPIKES[src])
    for src, trg, sec, x, w in RECURRENT:
        soma = cells[src][1][0]
        nc = h.NetCon(soma(0.5)._ref_v, synapse(trg, sec, x), sec=soma)
        nc.threshold, nc.weight[0], nc.delay = -15.0, w, 2.0
        keep.append(nc)
    handler = h.FInitializeHandler(lambda: [nc.event(t) for t, nc in events])
    h.celsius, h.dt = CELSIUS, DT
    h.cvode_active(0)
    h.finitialize(V_INIT)
    h.continuerun(TSTOP)
    del handler
    return {n: np.array(v) for n, v in enumerate(recorders)}


@pytest.mark.slow
def test_spikes_match_a_raw_neuron_script(tmp_path, allen_mechanisms):
    ours = _bionet_spikes(tmp_path)
    raw = _raw_neuron_spikes()
    assert sum(len(v) for v in raw.values()) >= 6, "the circuit should spike for the comparison to mean anything"
    assert {n: len(v) for n, v in ours.items()} == {n: len(v) for n, v in raw.items()}
    for n in raw:
        np.testing.assert_allclose(ours[n], raw[n], atol=0.1)
