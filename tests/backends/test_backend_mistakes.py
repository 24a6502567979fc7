"""The same mistake gives the same error class and message on every backend, before any output is written."""
from __future__ import annotations

import json
import re

import pytest

import simulators
from bmtk_like.errors import ConfigError

from backend_circuit import SURFACE


def _edit(path, change):
    config = json.loads(path.read_text())
    change(config)
    path.write_text(json.dumps(config))
    return path


def _untouched(path):
    return not (path.parent / "output").exists()


def test_unknown_override(backend, circuit_config):
    path = circuit_config()
    with pytest.raises(ConfigError) as err:
        simulators.run(path, simulator=backend, tstpo=50.0)
    assert re.fullmatch(r"unknown run override\(s\) 'tstpo' \(did you mean 'tstop'\?\) for "
                        rf"{backend}( \(\w+\))?; accepted: [A-Za-z_, ]+", str(err.value)), str(err.value)
    assert "dt, " in str(err.value) and "tstop" in str(err.value)       # every backend takes tstop, dt
    assert _untouched(path)


def test_unknown_override_on_the_four_line_path(backend, package, circuit_config):
    path = circuit_config()
    _, network, simulator, _ = SURFACE[backend]
    conf = package.Config.from_json(path)
    net = getattr(package, network).from_config(conf)
    with pytest.raises(ConfigError, match=r"unknown run override\(s\) 'nthread'( \(did you mean '\w+'\?\))? "
                                          rf"for {backend}"):
        getattr(package, simulator).from_config(conf, net, nthread=2)
    assert _untouched(path)


def test_unknown_node_set(backend, circuit_config):
    path = _edit(circuit_config(), lambda c: c["inputs"]["drive"].update(node_set="fibres"))
    with pytest.raises(ConfigError, match=r"unknown node set 'fibres' in config .*config\.json; known node "
                                          r"sets: inhibitory, not_inhibitory; populations \(usable as node "
                                          r"sets\): ext, net"):
        simulators.run(path, simulator=backend)


def test_missing_components_folder(backend, circuit_config):
    path = _edit(circuit_config(), lambda c: c["components"].pop("point_neuron_models_dir"))
    with pytest.raises(ConfigError, match=r"the config has no components\.point_neuron_models_dir \(needed by "
                                          r".*node type 100 of population 'net'.*\); add it to the "
                                          r"'components' section"):
        simulators.run(path, simulator=backend)


def test_unknown_input_module(backend, circuit_config):
    def change(config):
        config["inputs"]["drive"]["module"] = "poison"
    path = _edit(circuit_config(), change)
    with pytest.raises(ConfigError, match=r"config\.json: input 'inputs\.drive' uses unknown module 'poison' "
                                          r"\(did you mean 'poisson'\?\); known modules: "):
        simulators.run(path, simulator=backend)


def test_tstop_not_a_whole_number_of_steps(backend, circuit_config):
    path = _edit(circuit_config(), lambda c: c["run"].update(tstop=100.05))
    with pytest.raises(ConfigError, match=r"run\.tstop 100\.05 ms is not a whole number of run\.dt 0\.1 ms steps"):
        simulators.run(path)
    assert _untouched(path)
