"""The course's E/I circuit, built with BMTK's calls (notebook 02 explains every line).

    from course_circuit import build_ei
    config = build_ei("work/ei")        # -> work/ei/config.pointnet.json, ready to run

200 excitatory + 50 inhibitory ``nest:iaf_psc_delta`` cells (NEST parameters: mV, ms, pF), each
driven by 100 of 500 virtual Poisson fibres at 10 Hz (1 mV jumps); E->all 0.3 mV and I->all
-1.5 mV with probability 0.1, delays 1.5 ms. The same files run on NEST, on NEURON (as IntFire1)
and at the population-density level.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

N_E, N_I, N_FIBRES = 200, 50, 500
LIF = {"C_m": 250.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": -70.0, "V_th": -50.0, "V_reset": -70.0,
       "V_m": -70.0, "I_e": 0.0}


def build_ei(folder: "str | Path", tstop_ms: float = 1000.0, w_inh: float = -1.5, seed: int = 42) -> Path:
    """Build the circuit, its input spikes and a pointnet config under ``folder``; return the config path."""
    from bmtk_like.reports import poisson_spike_trains
    from bmtk_like.scaffold import create_environment
    from builders import NetworkBuilder
    from builders.rules import FixedInDegree, FixedProbability

    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    net_dir = folder / "network"
    cortex = NetworkBuilder("cortex", seed=seed)
    cortex.add_nodes(N=N_E, pop_name="E", ei="e", model_type="point_neuron",
                     model_template="nest:iaf_psc_delta", dynamics_params="lif.json")
    cortex.add_nodes(N=N_I, pop_name="I", ei="i", model_type="point_neuron",
                     model_template="nest:iaf_psc_delta", dynamics_params="lif.json")
    cortex.add_edges(source=cortex.nodes(ei="e"), target=cortex.nodes(), connection_rule=FixedProbability(0.1),
                     syn_weight=0.3, delay=1.5, model_template="static_synapse", dynamics_params="exc.json")
    cortex.add_edges(source=cortex.nodes(ei="i"), target=cortex.nodes(), connection_rule=FixedProbability(0.1),
                     syn_weight=w_inh, delay=1.5, model_template="static_synapse", dynamics_params="inh.json")
    thalamus = NetworkBuilder("thalamus", seed=seed + 1)
    thalamus.add_nodes(N=N_FIBRES, pop_name="tON", model_type="virtual")
    thalamus.add_edges(source=thalamus.nodes(), target=cortex.nodes(), connection_rule=FixedInDegree(100),
                       syn_weight=1.0, delay=1.0, model_template="static_synapse", dynamics_params="exc.json")
    for net in (cortex, thalamus):
        net.build()
        net.save(str(net_dir))
    spikes = folder / "inputs" / "thalamus_spikes.h5"
    spikes.parent.mkdir(parents=True)
    poisson_spike_trains(np.arange(N_FIBRES), 10.0, 0.0, tstop_ms, population="thalamus",
                         seed=seed + 2).to_sonata(spikes)
    env = create_environment("pointnet", folder, network_dir=net_dir, tstop=tstop_ms, dt=0.1,
                             spikes_inputs=[f"thalamus:{spikes}"])
    (env.components_dir / "point_neuron_models" / "lif.json").write_text(json.dumps(LIF, indent=1))
    for name in ("exc.json", "inh.json"):
        (env.components_dir / "synaptic_models" / name).write_text("{}")
    return env.config
