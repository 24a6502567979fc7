"""Builder arguments are checked at the call (issue 11): a BuilderError naming the network,
the edge type and the argument, never a numpy/os traceback and never a silent write."""
from __future__ import annotations

import math

import h5py
import pytest

from bmtk_like.errors import BuilderError
from builders import NetworkBuilder
from builders.rules import AllToAll, DistanceProbability, FixedInDegree, FixedProbability, FixedTotalNumber


def small_net(name: str = "cortex") -> NetworkBuilder:
    net = NetworkBuilder(name, seed=1)
    net.add_nodes(N=10, pop_name="E", model_type="point_neuron", model_template="nest:iaf_psc_delta")
    return net


@pytest.mark.parametrize("seed", ["abc", -1, 1.5, True])
def test_seed(seed):
    with pytest.raises(BuilderError, match=rf"NetworkBuilder\('v1'\): seed={seed!r} must be None or a whole number"):
        NetworkBuilder("v1", seed=seed)


@pytest.mark.parametrize("make, pattern", [
    (lambda: FixedInDegree("five"), r"FixedInDegree: n='five' must be a whole number >= 0"),
    (lambda: FixedInDegree(-3), r"FixedInDegree: n=-3 must be a whole number >= 0"),
    (lambda: FixedTotalNumber(-5), r"FixedTotalNumber: n=-5 must be a whole number >= 0"),
    (lambda: AllToAll(nsyns=(5, 2)), r"AllToAll: nsyns=\(5, 2\) must be .* range \(low, high\) .* low <= high"),
    (lambda: AllToAll(nsyns=-1), r"AllToAll: nsyns=-1 must be a whole number >= 0"),
    (lambda: FixedProbability("half"), r"FixedProbability: p='half' must be a finite number >= 0"),
    (lambda: FixedProbability(0.1, allow_autapses="no"), r"FixedProbability: allow_autapses='no' must be True or False"),
    (lambda: DistanceProbability(0.5, sigma=math.nan), r"DistanceProbability: sigma=nan must be a finite number"),
])
def test_rule_arguments(make, pattern):
    with pytest.raises(BuilderError, match=pattern):
        make()


def test_whole_float_counts_are_accepted():
    assert FixedInDegree(5.0).n == 5 and AllToAll(nsyns=[1, 3]).nsyns == (1, 3)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"connection_params": 5}, r"connection_params=5 must be a dict"),
    ({"delay": math.nan}, r"delay=nan must be a finite number >= 0 \(ms\)"),
    ({"delay": math.inf}, r"delay=inf must be a finite number >= 0 \(ms\)"),
    ({"delay": "abc"}, r"delay='abc' must be a finite number >= 0 \(ms\)"),
    ({"syn_weight": math.nan}, r"syn_weight=nan must be a finite number"),
    ({"connection_rule": -2}, r"connection_rule \(synapses per pair\)=-2 must be a whole number >= 0"),
    ({"connection_rule": 2.5}, r"connection_rule \(synapses per pair\)=2\.5 must be a whole number >= 0"),
    ({"**": {"a/b": 1}}, r"property name 'a/b' is not usable as a column"),
])
def test_add_edges_arguments_name_network_and_edge_type(kwargs, pattern):
    net = small_net()
    extra = kwargs.pop("**", {})
    kwargs.setdefault("connection_rule", 1)
    with pytest.raises(BuilderError, match=r"network 'cortex': edge type 100: add_edges: " + pattern):
        net.add_edges(**kwargs, **extra)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"positions": "abc"}, r"positions='abc' must be an \(3, 3\) array of numbers"),
    ({"positions": [[0, 0, 0], [1, 1, 1], [2, 2, math.nan]]}, r"positions has shape \(3, 3\); expected \(3, 3\) finite"),
    ({"foo": [[1, 2], [3], [4]]}, r"property 'foo' is a ragged list"),
    ({"a/b": [1, 2, 3]}, r"property name 'a/b' is not usable as a column"),
    ({"a/b": "x"}, r"property name 'a/b' is not usable as a column"),
])
def test_add_nodes_arguments(kwargs, pattern):
    with pytest.raises(BuilderError, match=r"network 'v1': add_nodes: " + pattern):
        NetworkBuilder("v1").add_nodes(N=3, **kwargs)


def test_rule_returning_strings_as_counts():
    net = small_net()
    net.add_edges(connection_rule=lambda source, target: "3")
    with pytest.raises(BuilderError, match=r"network 'cortex', edge type 100 .*connection_rule returned nsyns '3' "
                                           r"\(str\); synapse counts must be whole numbers"):
        net.build()


def test_add_properties_name_with_a_slash():
    cm = small_net().add_edges(connection_rule=1)
    with pytest.raises(BuilderError, match=r"edge type 100 .*add_properties: property name 'a/b' is not usable"):
        cm.add_properties("a/b", rule=lambda s, t: 1.0, dtypes=float)


def test_save_arguments(tmp_path):
    net = small_net()
    with pytest.raises(BuilderError, match=r"network 'cortex': save: output_dir=123 must be a folder path"):
        net.save(output_dir=123)
    a_file = tmp_path / "file"
    a_file.write_text("mine")
    with pytest.raises(BuilderError, match=r"network 'cortex': save: output_dir '.*file' is an existing file"):
        net.save(a_file)
    with pytest.raises(BuilderError, match=r"cannot create the folder '.*file' for"):
        net.save_nodes(nodes_file_name=str(a_file / "n.h5"), output_dir=tmp_path)
    assert a_file.read_text() == "mine"


def test_overwrite_must_be_a_bool_and_the_files_stay(tmp_path):
    net = small_net()
    net.save(tmp_path)
    before = (tmp_path / "cortex_nodes.h5").read_bytes()
    with pytest.raises(BuilderError, match=r"network 'cortex': save: overwrite='no' must be True or False"):
        net.save(tmp_path, overwrite="no")
    with pytest.raises(BuilderError, match=r"already exists; pass overwrite=True"):
        net.save(tmp_path, overwrite=False)
    assert (tmp_path / "cortex_nodes.h5").read_bytes() == before
    net.save(tmp_path, overwrite=True)
    with h5py.File(tmp_path / "cortex_nodes.h5") as h5:
        assert h5["nodes/cortex/node_type_id"].shape == (10,)
