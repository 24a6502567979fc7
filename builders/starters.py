"""Starter circuits that ``bmtk-like init`` writes when the network folder is empty.

Small enough to run in seconds, complete enough to show every step (virtual input spikes,
recurrent E/I connections, a membrane report):

- point level (``pointnet``, ``popnet``): 80 excitatory + 20 inhibitory ``nest:iaf_psc_delta``
  cells (NEST's parameters, mV/ms/pF), each driven by 100 of 200 virtual Poisson fibres at
  10 Hz (1 mV jumps); E→all 0.3 mV, I→all −1.5 mV, p = 0.1, delays 1.5 ms. The same circuit
  runs on NEURON (as IntFire1) and at the density level.
- compartmental level (``bionet``): 10 single-compartment Hodgkin–Huxley cells (NEURON's built-in
  ``hh``; 18.8 µm soma) driven by 20 of 50 virtual fibres at 10 Hz through ``ExpSyn`` synapses
  (τ 2 ms, e 0 mV, 0.6 nS each) on the soma. No .mod files are needed.

Units: ms, mV, Hz; NEST weights in mV for iaf_psc_delta, NEURON synaptic weights in µS.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from builders.network import NetworkBuilder
from builders.rules import FixedInDegree, FixedProbability

#: NEST iaf_psc_delta parameters of the starter cells (mV, ms, pF)
LIF_PARAMS = {"C_m": 250.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": -70.0, "V_th": -50.0, "V_reset": -70.0,
              "V_m": -70.0, "I_e": 0.0}
#: the single-compartment HH cell (µm; NEURON built-in mechanism)
HH_PARAMS = {"L": 18.8, "diam": 18.8, "insert": ["hh"]}
INPUT_RATE_HZ = 10.0


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _input_spikes(n_fibres: int, tstop_ms: float, path: Path, seed: int) -> Path:
    from bmtk_like.reports import poisson_spike_trains
    path.parent.mkdir(parents=True, exist_ok=True)
    poisson_spike_trains(np.arange(n_fibres), INPUT_RATE_HZ, 0.0, tstop_ms, population="inputs",
                         seed=seed).to_sonata(path)
    return path


def point_starter(network_dir: Path, components: dict[str, Path], inputs_dir: Path, tstop_ms: float,
                  seed: int = 1) -> Path:
    """The E/I point circuit; returns the input spikes file (population ``inputs``)."""
    cortex = NetworkBuilder("cortex", seed=seed)
    cortex.add_nodes(N=80, pop_name="E", ei="e", model_type="point_neuron", model_template="nest:iaf_psc_delta",
                     dynamics_params="lif_exc.json")
    cortex.add_nodes(N=20, pop_name="I", ei="i", model_type="point_neuron", model_template="nest:iaf_psc_delta",
                     dynamics_params="lif_inh.json")
    cortex.add_edges(source=cortex.nodes(ei="e"), target=cortex.nodes(), connection_rule=FixedProbability(0.1),
                     syn_weight=0.3, delay=1.5, model_template="static_synapse", dynamics_params="exc.json")
    cortex.add_edges(source=cortex.nodes(ei="i"), target=cortex.nodes(), connection_rule=FixedProbability(0.1),
                     syn_weight=-1.5, delay=1.5, model_template="static_synapse", dynamics_params="inh.json")
    inputs = NetworkBuilder("inputs", seed=seed + 1)
    inputs.add_nodes(N=200, pop_name="input", model_type="virtual")
    inputs.add_edges(source=inputs.nodes(), target=cortex.nodes(), connection_rule=FixedInDegree(100),
                     syn_weight=1.0, delay=1.0, model_template="static_synapse", dynamics_params="exc.json")
    for net in (cortex, inputs):
        net.build()
        net.save(str(network_dir), overwrite=True)
    for name in ("lif_exc.json", "lif_inh.json"):
        _write_json(components["point_neuron_models_dir"] / name, LIF_PARAMS)
    for name in ("exc.json", "inh.json"):
        _write_json(components["synaptic_models_dir"] / name, {})
    return _input_spikes(200, tstop_ms, inputs_dir / "input_spikes.h5", seed + 2)


def bio_starter(network_dir: Path, components: dict[str, Path], inputs_dir: Path, tstop_ms: float,
                seed: int = 1) -> Path:
    """The single-compartment HH circuit; returns the input spikes file (population ``inputs``)."""
    cells = NetworkBuilder("cells", seed=seed)
    cells.add_nodes(N=10, pop_name="HH", model_type="biophysical", model_template="single_compartment",
                    dynamics_params="hh_soma.json")
    inputs = NetworkBuilder("inputs", seed=seed + 1)
    inputs.add_nodes(N=50, pop_name="input", model_type="virtual")
    inputs.add_edges(source=inputs.nodes(), target=cells.nodes(), connection_rule=FixedInDegree(20),
                     syn_weight=0.0006, delay=1.0, model_template="ExpSyn", dynamics_params="exc_expsyn.json",
                     afferent_section_id=0, afferent_section_pos=0.5)
    for net in (cells, inputs):
        net.build()
        net.save(str(network_dir), overwrite=True)
    _write_json(components["biophysical_neuron_models_dir"] / "hh_soma.json", HH_PARAMS)
    _write_json(components["synaptic_models_dir"] / "exc_expsyn.json", {"tau": 2.0, "e": 0.0})
    return _input_spikes(50, tstop_ms, inputs_dir / "input_spikes.h5", seed + 2)
