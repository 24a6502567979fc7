"""Node-set operators mean the same on every backend: one resolver (bmtk_like.node_sets) behind all of them."""
from __future__ import annotations

import numpy as np

from backend_circuit import SURFACE


def test_operators_in_the_config_select_the_same_nodes(backend, package, circuit_config):
    conf = package.Config.from_json(circuit_config())
    net = getattr(package, SURFACE[backend][1]).from_config(conf)
    circuit = net.circuit
    assert list(circuit.node_set("not_inhibitory")) == ["net"]
    np.testing.assert_array_equal(circuit.node_set("not_inhibitory")["net"], [0, 1, 2, 3])     # $ne
    np.testing.assert_array_equal(circuit.node_set("inhibitory")["net"], [4, 5, 6, 7])         # $regex
    np.testing.assert_array_equal(circuit.node_set({"population": "ext", "node_id": [1, 3]})["ext"], [1, 3])
