"""Small networks shared by the builder tests."""
from __future__ import annotations

import numpy as np

from builders import NetworkBuilder


def make_ei(seed: int = 7, n_exc: int = 80, n_inh: int = 20) -> NetworkBuilder:
    """A small E/I point network with positions, per-node and per-type columns."""
    rng = np.random.default_rng(0)
    net = NetworkBuilder("v1", seed=seed)
    net.add_nodes(N=n_exc, pop_name="Exc", ei="e", model_type="point_neuron",
                  model_template="nest:iaf_psc_alpha", dynamics_params="exc.json",
                  positions=rng.uniform(0, 200, size=(n_exc, 3)), tuning_angle=rng.uniform(0, 360, n_exc))
    net.add_nodes(N=n_inh, pop_name="Inh", ei="i", model_type="point_neuron",
                  model_template="nest:iaf_psc_alpha", dynamics_params="inh.json",
                  positions=rng.uniform(0, 200, size=(n_inh, 3)))
    return net
