"""simulators.core on BMTK's point_120cells example, loaded through the real SimulationConfig."""
import numpy as np
import pytest

from bmtk_like.config import SimulationConfig
from simulators.core import Circuit, collect_inputs


@pytest.fixture
def example(example_copy):
    return example_copy("point_120cells", "point_components")


def test_example_circuit_tables_and_node_sets(example):
    cfg = SimulationConfig.from_json(example / "config.simulation.json")
    circuit = Circuit.from_config(cfg)
    assert {k: v.size for k, v in circuit.nodes.items()} == {"cortex": 120, "thalamus": 100}
    assert {k: v.size for k, v in circuit.edges.items()} == {"cortex_to_cortex": 1469,
                                                             "thalamus_to_cortex": 1192}
    assert circuit.is_virtual("thalamus") and not circuit.is_virtual("cortex")
    # point_process in the CSV is a point neuron; node-types columns work in rules
    assert circuit.model_types("cortex")[0] == "point_neuron"
    assert circuit.node_set({"model_type": "virtual"})["thalamus"].size == 100
    inh = circuit.node_set({"pop_name": "LIF_inh"})["cortex"]
    assert inh.size == 40 and np.all(circuit.nodes["cortex"].column("ei")[inh] == "i")
    assert circuit.node_set({"population": "cortex", "node_id": [0, 20, 60, 80, 100]})["cortex"].size == 5


def test_example_inputs(example):
    cfg = SimulationConfig.from_json(example / "config.simulation.json")
    inputs = collect_inputs(Circuit.from_config(cfg), cfg)
    assert inputs.spikes[0].spikes.n_spikes("thalamus") == 3024
    cfg = SimulationConfig.from_json(example / "config.simulation_iclamp.csv.json")
    clamp = collect_inputs(Circuit.from_config(cfg), cfg).current_clamps[0]
    times, amps = clamp.waveform()
    assert times.tolist() == [800.0, 1300.0, 1800.0, 2300.0, 2800.0, 3300.0]
    # a NEST config: amps are pA as bmtk's pointnet reads them, stored in nA
    assert np.allclose(amps, np.array([0.15, 0.0, 0.175, 0.0, 0.2, 0.0]) / 1000) and clamp.node_set["cortex"].size == 120
    cfg = SimulationConfig.from_json(example / "config.simulation_iclamp.aslist.json")
    times, amps = collect_inputs(Circuit.from_config(cfg), cfg).current_clamps[0].waveform()
    assert times.tolist() == [500.0, 1000.0, 1500.0, 2000.0, 2500.0, 3000.0]
    assert np.allclose(amps, np.array([0.15, 0.0, 0.175, 0.0, 0.2, 0.0]) / 1000)
