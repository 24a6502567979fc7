import h5py
import numpy as np
import pytest

from bmtk_like.errors import ConfigError, SimulationError
from bmtk_like.reports import SpikeTrains
from simulators.core import Circuit, collect_inputs

from core_fixtures import input_spec, make_cfg


def _collect(tiny, **inputs):
    cfg = make_cfg(tiny, inputs=inputs, target_simulator="NEURON")    # IClamp amps in nA (clamp_units)
    return collect_inputs(Circuit.from_config(cfg), cfg)


def test_sonata_spikes_restricted_to_node_set(tiny):
    SpikeTrains({"lgn": ([0, 1, 3, 3], [5.0, 6.0, 7.0, 9.0])}).to_sonata(tiny / "in.h5")
    res = _collect(tiny, s=input_spec("s", "sonata", "spikes", {"population": "lgn", "node_ids": [1, 3]},
                                      input_file="in.h5"))
    ids, times = res.spikes[0].spikes.get("lgn")
    assert sorted(zip(ids.tolist(), times.tolist())) == [(1, 6.0), (3, 7.0), (3, 9.0)]


def test_legacy_gids_layout_takes_population_from_node_set(tiny):
    with h5py.File(tiny / "legacy.h5", "w") as h5:
        h5["spikes/gids"] = np.array([2, 0], dtype=np.uint32)
        h5["spikes/timestamps"] = np.array([3.5, 1.25])
    res = _collect(tiny, s=input_spec("s", "h5", "spikes", "lgn", input_file=str(tiny / "legacy.h5")))
    ids, times = res.spikes[0].spikes.get("lgn")
    assert sorted(zip(ids.tolist(), times.tolist())) == [(0, 1.25), (2, 3.5)]


def test_csv_spikes(tiny):
    (tiny / "in.csv").write_text("timestamps population node_ids\n1.0 lgn 0\n2.0 lgn 2\n")
    res = _collect(tiny, s=input_spec("s", "csv", "spikes", "lgn", input_file="in.csv"))
    assert res.spikes[0].spikes.get("lgn")[0].tolist() == [0, 2]


def test_missing_spike_file_names_input_and_paths(tiny):
    with pytest.raises(ConfigError, match=r"input 's'.*input_file 'nope.h5' does not exist"):
        _collect(tiny, s=input_spec("s", "sonata", "spikes", "lgn", input_file="nope.h5"))


def test_wrong_population_in_spike_file(tiny):
    SpikeTrains({"thalamus": ([0], [5.0])}).to_sonata(tiny / "in.h5")
    with pytest.raises(ConfigError, match=r"populations \['thalamus'\].*node_set selects \['lgn'\]"):
        _collect(tiny, s=input_spec("s", "sonata", "spikes", "lgn", input_file="in.h5"))


def test_poisson_input_keys_and_determinism(tiny):
    res = _collect(tiny, p=input_spec("p", "poisson", "spikes", "lgn", rate=50.0, delay=100.0,
                                      duration=400.0, seed=3))
    p = res.poisson[0]
    assert (p.tstart, p.tstop, p.seed) == (100.0, 500.0, 3)
    a, b = p.spike_trains(), p.spike_trains()
    ids, times = a.get("lgn")
    assert np.array_equal(times, b.get("lgn")[1])
    assert times.min() >= 100.0 and times.max() < 500.0
    assert 40 < ids.size < 120          # 4 nodes x 50 Hz x 0.4 s = 80 expected
    default = _collect(tiny, p=input_spec("p", "poisson", "spikes", "lgn", rate=[1, 2, 3, 4])).poisson[0]
    assert (default.tstart, default.tstop, default.seed) == (0.0, 1000.0, 0)


def test_poisson_errors(tiny):
    with pytest.raises(ConfigError, match="needs 'rate' in Hz"):
        _collect(tiny, p=input_spec("p", "poisson", "spikes", "lgn"))
    with pytest.raises(ConfigError, match="lists 2 values but the node_set has 4"):
        _collect(tiny, p=input_spec("p", "poisson", "spikes", "lgn", rate=[1, 2]))
    with pytest.raises(ConfigError, match="window"):
        _collect(tiny, p=input_spec("p", "poisson", "spikes", "lgn", rate=5, start=10, stop=5))


def test_iclamp_scalar_and_lists(tiny):
    res = _collect(tiny,
                   a=input_spec("a", "IClamp", "current_clamp", {"population": "cortex"},
                                amp=0.15, delay=500.0, duration=500.0),
                   b=input_spec("b", "IClamp", "current_clamp", {"population": "cortex"},
                                amp=[0.15, 0.175], delay=[100.0, 300.0], duration=[100.0, 100.0]))
    a, b = res.current_clamps
    assert a.node_set["cortex"].size == 6
    times, amps = a.waveform()
    assert times.tolist() == [500.0, 1000.0] and amps.tolist() == [0.15, 0.0]
    times, amps = b.waveform()
    assert times.tolist() == [100.0, 200.0, 300.0, 400.0]
    assert np.allclose(amps, [0.15, 0.0, 0.175, 0.0])


def test_iclamp_overlapping_steps_add(tiny):
    res = _collect(tiny, a=input_spec("a", "IClamp", "current_clamp", "cortex", amp=[1.0, 2.0],
                                      delay=[0.0, 5.0], duration=[10.0, 10.0], amp_units="pA"))
    times, amps = res.current_clamps[0].waveform()
    assert times.tolist() == [0.0, 5.0, 10.0, 15.0] and np.allclose(amps, [0.001, 0.003, 0.002, 0.0])


def test_iclamp_csv(tiny):
    (tiny / "clamp.csv").write_text("timestamps amps\n800.0 0.15\n1300.0 0.0\n")
    res = _collect(tiny, c=input_spec("c", "IClamp", "csv", {"population": "cortex"}, file="clamp.csv"))
    times, amps = res.current_clamps[0].waveform()
    assert times.tolist() == [800.0, 1300.0] and amps.tolist() == [0.15, 0.0]


def test_iclamp_errors(tiny):
    with pytest.raises(ConfigError, match=r"'delay' has 2 entries but another key has 3"):
        _collect(tiny, a=input_spec("a", "IClamp", "current_clamp", "cortex", amp=[1, 2, 3],
                                    delay=[1, 2], duration=1))
    with pytest.raises(ConfigError, match=r"needs 'duration'"):
        _collect(tiny, a=input_spec("a", "IClamp", "current_clamp", "cortex", amp=1, delay=2))
    with pytest.raises(SimulationError, match="NWB sweep.*not supported"):
        _collect(tiny, a=input_spec("a", "IClamp", "nwb", "cortex", file="x.nwb"))


def test_unknown_module_lists_supported(tiny):
    with pytest.raises(SimulationError, match=r"module 'xyz'.*supported modules: IClamp, csv"):
        _collect(tiny, a=input_spec("a", "xyz", "spikes", "lgn"))


def test_disabled_input_is_skipped_and_other_modules_passed_through(tiny):
    cfg = make_cfg(tiny, inputs={"a": input_spec("a", "xyz", "spikes", "lgn", enabled=False),
                                 "r": input_spec("r", "pop_rates", "csv", "lgn")})
    res = collect_inputs(Circuit.from_config(cfg), cfg, supported={"pop_rates"})
    assert [s.name for s in res.other] == ["r"] and not res.spikes


def test_missing_node_set(tiny):
    with pytest.raises(ConfigError, match="has no 'node_set'"):
        _collect(tiny, a=input_spec("a", "poisson", "spikes", None, rate=1.0))
