"""Progress bars: shown with elapsed/remaining time when asked (or on a terminal), absent otherwise."""
from __future__ import annotations

import importlib.util

import pytest

import simulators
from tests.cli.circuits import build_ei, write_config


@pytest.fixture(scope="module")
def ei(tmp_path_factory):
    return write_config(build_ei(tmp_path_factory.mktemp("ei")), tstop=200.0)


@pytest.mark.parametrize("level", ["NEST", "popnet", "NEURON"])
def test_runs_show_a_bar_with_eta_only_when_asked(ei, level, capsys):
    if importlib.util.find_spec({"NEST": "nest", "NEURON": "neuron", "popnet": "numpy"}[level]) is None:
        pytest.skip(f"needs {level}")
    simulators.run(ei, simulator=level, progress=True)
    err = capsys.readouterr().err
    assert f"{level}: 100%" in err and "200/200 ms [" in err and "<" in err      # [elapsed<remaining]
    simulators.run(ei, simulator=level, progress=False)
    assert "100%" not in capsys.readouterr().err
    simulators.run(ei, simulator=level)              # default: stderr is not a terminal under pytest
    assert "100%" not in capsys.readouterr().err


def test_builds_show_a_bar_over_blocks(tmp_path, capsys):
    from bmtk_like.progress import progress_setting
    from builders import NetworkBuilder
    from builders.rules import FixedProbability

    net = NetworkBuilder("net", seed=1)
    net.add_nodes(N=300, model_type="point_neuron")
    net.add_edges(source=net.nodes(), target=net.nodes(), connection_rule=FixedProbability(0.1), syn_weight=1.0)
    with progress_setting(True):
        net.build(block_size=100)
    assert "build net->net: 100%" in capsys.readouterr().err
    net.build(block_size=100)
    assert "100%" not in capsys.readouterr().err
