"""IClamp ``amp`` means what the config's own target_simulator makes of it (bmtk's meaning), on any level."""
import logging

import numpy as np
import pytest

from bmtk_like.errors import ConfigError
from simulators.core import Circuit, collect_inputs

from core_fixtures import input_spec, make_cfg


def _amps(tiny, target, simulator=None, **params):
    spec = input_spec("clamp", "IClamp", "current_clamp", "cortex", delay=100.0, duration=50.0, **params)
    cfg = make_cfg(tiny, inputs={"clamp": spec}, target_simulator=target)
    clamp = collect_inputs(Circuit.from_config(cfg), cfg, simulator=simulator).current_clamps[0]
    return clamp.waveform()[1].max()


@pytest.mark.parametrize("target,amp,expected_na", [
    ("NEST", 380.0, 0.38),          # bmtk's pointnet hands amp to NEST unchanged: pA
    ("pointnet", 380.0, 0.38),
    ("NEURON", 0.38, 0.38),         # NEURON's IClamp: nA
    (None, 0.38, 0.38),             # no target: the toolkit's nA
])
def test_amp_unit_follows_the_config_target(tiny, target, amp, expected_na):
    assert np.isclose(_amps(tiny, target, amp=amp), expected_na)


def test_explicit_amp_units_win(tiny):
    assert np.isclose(_amps(tiny, "NEST", amp=0.38, amp_units="nA"), 0.38)
    assert np.isclose(_amps(tiny, "NEURON", amp=380.0, amp_units="pA"), 0.38)
    with pytest.raises(ConfigError, match=r"amp_units 'mA'.*'nA'.*'pA'"):
        _amps(tiny, "NEST", amp=1.0, amp_units="mA")


def test_swapped_level_keeps_the_current_and_says_so(tiny, caplog):
    """A NEST config run on NEURON (--simulator NEURON): 380 pA stays 0.38 nA, with a warning saying how."""
    with caplog.at_level(logging.INFO, logger="bmtk_like.simulation"):
        assert np.isclose(_amps(tiny, "NEST", simulator="NEURON", amp=380.0), 0.38)
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1
    assert "amp read as pA because the config's target_simulator is NEST" in warned[0].getMessage()
    assert "running on NEURON, the same current is injected (380 pA = 0.38 nA" in warned[0].getMessage()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bmtk_like.simulation"):
        assert np.isclose(_amps(tiny, "NEST", simulator="NEST", amp=380.0), 0.38)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "amp read as pA" in caplog.text


def test_iclamp_without_node_set_drives_all(tiny):
    spec = input_spec("clamp", "IClamp", "current_clamp", None, amp=0.1, delay=1.0, duration=2.0)
    cfg = make_cfg(tiny, inputs={"clamp": spec}, target_simulator="NEURON")
    clamp = collect_inputs(Circuit.from_config(cfg), cfg).current_clamps[0]
    assert set(clamp.node_set) == {"cortex", "lgn"}
