"""One weight-function contract (simulators/core/weights.py) on every backend."""
from __future__ import annotations

import numpy as np
import pytest

import simulators
from bmtk_like.errors import ConfigError
from simulators.core import weights


@pytest.fixture
def doubled():
    """A global batch weight function ``conformance_doubled`` (syn_weight x 2), removed afterwards."""
    weights.add_weight_function(lambda batch: batch.syn_weight() * 2.0, "conformance_doubled")
    yield "conformance_doubled"
    weights._GLOBAL.pop("conformance_doubled", None)


@pytest.fixture
def doubled_per_edge():
    """BMTK's per-edge form, registered with @synaptic_weight."""
    @weights.synaptic_weight(name="conformance_doubled_per_edge")
    def doubled(edge_props, source, target):
        return edge_props["syn_weight"] * 2.0
    yield "conformance_doubled_per_edge"
    weights._GLOBAL.pop("conformance_doubled_per_edge", None)


def _outcome(backend, result):
    if backend == "popnet":
        return {name: r for name, (_, r) in result.rates.items()}
    return result.spikes.get("net")


@pytest.mark.parametrize("form", ["doubled", "doubled_per_edge"])
def test_a_weight_function_means_the_same_as_the_weights_it_returns(backend, circuit_config, request, form):
    name = request.getfixturevalue(form)
    by_function = simulators.run(circuit_config("a", syn_weight=1.5, edge_type={"weight_function": name}))
    by_value = simulators.run(circuit_config("b", syn_weight=3.0))
    a, b = _outcome(backend, by_function), _outcome(backend, by_value)
    if backend == "popnet":
        assert a.keys() == b.keys()
        for pop in a:
            np.testing.assert_allclose(a[pop], b[pop], rtol=1e-12, atol=1e-12)
    else:
        assert a[1].size > 0
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_allclose(a[1], b[1], atol=1e-9)


def test_an_unregistered_weight_function_is_the_same_error(backend, circuit_config):
    path = circuit_config(edge_type={"weight_function": "nowhere_defined"})
    with pytest.raises(ConfigError, match=r"edge population 'ext_to_net' names weight_function "
                                          r"'nowhere_defined', which is not registered; register it with "
                                          r"net\.add_weight_function\(fn, 'nowhere_defined'\) or @synaptic_weight"):
        simulators.run(path)
