"""Bad files and configs (issue 11): each is refused where the file becomes a table, with a
message naming the file and what is wrong, and `validate` reports the same words.

Each test damages a copy of a real BMTK example, then checks both `run`'s loading boundary
(`Circuit.from_config` + `collect_inputs`, or the backend's own reader) and `validate`.
"""
from __future__ import annotations

import json
import re

import h5py
import numpy as np
import pytest

from bmtk_like.config import SimulationConfig
from bmtk_like.errors import BmtkLikeError, ConfigError, InputWarning, ModelTranslationError, SonataError
from bmtk_like.reports import CompartmentReport, SpikeTrains, write_compartment_report
from tests.cli_validate import validate
from simulators.core import Circuit, collect_inputs


@pytest.fixture
def point(example_copy):
    folder = example_copy("point_120cells", "point_components")
    return folder, folder / "config.simulation.json"


@pytest.fixture
def pop2(example_copy):
    folder = example_copy("pop_2pops", "pop_components")
    return folder, folder / "config.simulation.json"


def load(config_path):
    """What every backend does first: the config, the circuit tables, the inputs."""
    cfg = SimulationConfig.from_json(config_path)
    circuit = Circuit.from_config(cfg)
    collect_inputs(circuit, cfg, supported={"pop_rates"})
    return circuit


def errors(config_path) -> list[str]:
    return [f.message for f in validate([config_path]) if f.severity == "error"]


def refused(config_path, error_type, pattern: str) -> None:
    """`run`'s loading raises ``error_type`` matching ``pattern``; `validate` has a finding matching it."""
    with pytest.raises(error_type, match=pattern):
        load(config_path)
    found = errors(config_path)
    assert any(re.search(pattern, m) for m in found), found


def set_edge_ids(h5_path, population, key, index, value):
    with h5py.File(h5_path, "r+") as h5:
        grp = h5[f"edges/{population}"]
        data = grp[key][()].astype(np.int64)
        attrs = dict(grp[key].attrs)
        data[index] = value
        del grp[key]
        grp.create_dataset(key, data=data)
        grp[key].attrs.update(attrs)


def test_the_fixture_loads_and_validates_clean(point, pop2):
    for _, config in (point, pop2):
        load(config)
        assert errors(config) == []


@pytest.mark.parametrize("bad_id", [157, -1])
def test_edge_target_outside_its_population(point, bad_id):
    folder, config = point
    set_edge_ids(folder / "network/cortex_cortex_edges.h5", "cortex_to_cortex", "target_node_id", 0, bad_id)
    refused(config, SonataError, rf"1 edges have target_node_id outside 0\.\.119 of population 'cortex' "
                                 rf"\(first bad id {bad_id} at edge 0\)")


def test_edge_source_outside_its_population(point):
    folder, config = point
    set_edge_ids(folder / "network/thalamus_cortex_edges.h5", "thalamus_to_cortex", "source_node_id", 5, 100)
    refused(config, SonataError, r"source_node_id outside 0\.\.99 of population 'thalamus' \(first bad id 100")


def test_types_csv_without_header(point):
    folder, config = point
    csv = folder / "network/cortex_node_types.csv"
    csv.write_text("\n".join(csv.read_text().splitlines()[1:]) + "\n")
    refused(config, SonataError, r"cortex_node_types\.csv' has no header line: its first line \('100 e .*is "
                                 r"data\. Add a header naming the columns, starting with 'node_type_id'")


@pytest.mark.parametrize("row, shown", [("e garbage\n", "'e'"), ("\x00\x00\x00 1\n", None)])
def test_types_csv_with_a_damaged_row(point, row, shown):
    folder, config = point
    csv = folder / "network/cortex_node_types.csv"
    csv.write_text(csv.read_text() + row)
    if shown:
        refused(config, SonataError, rf"cortex_node_types\.csv', data row 3: node_type_id {shown} is not a "
                                     r"non-negative integer")
    else:
        refused(config, SonataError, r"cortex_node_types\.csv', line 4: contains NUL bytes")


def test_edge_types_csv_with_only_its_header(point):
    folder, config = point
    csv = folder / "network/cortex_cortex_edge_types.csv"
    csv.write_text(csv.read_text().splitlines()[0] + "\n")
    refused(config, SonataError, r"edge population 'cortex_to_cortex' .* uses edge_type_id \[100, 101\] which "
                                 r"have no row in '.*cortex_cortex_edge_types\.csv'")


def test_nan_syn_weight_in_the_edge_types_csv(point):
    folder, config = point
    csv = folder / "network/cortex_cortex_edge_types.csv"
    csv.write_text(csv.read_text().replace(" 2.0 1.5 ", " NaN 1.5 "))
    refused(config, SonataError, r"edge population 'cortex_to_cortex' .*cortex_cortex_edge_types\.csv\): \d+ edges "
                                 r"have a NaN or infinite syn_weight \(first: edge \d+, edge type 100\)")


def test_nan_syn_weight_per_edge_in_the_h5(point):
    folder, config = point
    with h5py.File(folder / "network/cortex_cortex_edges.h5", "r+") as h5:
        group = h5["edges/cortex_to_cortex/0"]
        n = h5["edges/cortex_to_cortex/edge_type_id"].shape[0]
        group.create_dataset("syn_weight", data=np.where(np.arange(n) == 7, np.nan, 1.0))
    refused(config, SonataError, r"1 edges have a NaN or infinite syn_weight \(first: edge 7, edge type 10[01]\)")


def test_non_numeric_delay_and_fractional_nsyns(point):
    folder, config = point
    csv = folder / "network/cortex_cortex_edge_types.csv"
    csv.write_text(csv.read_text().replace(" 2.0 1.5 ", " 2.0 soon "))
    refused(config, SonataError, r"delay 'soon' \(edge \d+, edge type 100\) is not a number")
    csv.write_text(csv.read_text().replace(" 2.0 soon ", " 2.0 1.5 "))
    with h5py.File(folder / "network/cortex_cortex_edges.h5", "r+") as h5:
        nsyns = h5["edges/cortex_to_cortex/0/nsyns"]
        values = nsyns[()].astype(float)
        values[2] = 1.5
        del h5["edges/cortex_to_cortex/0/nsyns"]
        h5["edges/cortex_to_cortex/0"].create_dataset("nsyns", data=values)
    refused(config, SonataError, r"1 edges have an nsyns that is not a whole number >= 0 \(first: edge 2")


def test_byte_corrupted_edges_file(point):
    folder, config = point
    path = folder / "network/cortex_cortex_edges.h5"
    data = bytearray(path.read_bytes())
    data[2000:2400] = bytes(b ^ 0x5A for b in data[2000:2400])
    path.write_bytes(bytes(data))
    refused(config, SonataError, r"edges file '.*cortex_cortex_edges\.h5' is damaged: HDF5 cannot read it")


def test_report_node_id_too_large_for_any_integer(point):
    folder, config = point
    data = json.loads(config.read_text())
    data["reports"]["membrane_potential"]["cells"]["node_id"] = [0, 1e20]
    config.write_text(json.dumps(data))
    pattern = r"node ids \[1e\+20\] are outside population 'cortex' \(ids 0\.\.119\)"
    cfg = SimulationConfig.from_json(config)
    with pytest.raises(ConfigError, match=pattern):
        Circuit.from_config(cfg).node_set(cfg.reports["membrane_potential"].cells)
    assert any(re.search(pattern, m) for m in errors(config))


def test_unknown_input_type(point):
    folder, config = point
    data = json.loads(config.read_text())
    data["inputs"]["thalamus_spikes"]["input_type"] = "spike"
    config.write_text(json.dumps(data))
    refused(config, ConfigError, r"input 'thalamus_spikes' has unknown input_type 'spike'; did you mean 'spikes'\?")


def warned(config_path, pattern: str) -> None:
    """`run`'s loading warns (InputWarning) and goes on; `validate` has a warning finding with the words."""
    with pytest.warns(InputWarning, match=pattern):
        load(config_path)
    findings = validate([config_path])
    assert not [f for f in findings if f.severity == "error"], [str(f) for f in findings]
    assert any(f.severity == "warning" and re.search(pattern, f.message) for f in findings), findings


def test_spikes_for_nodes_the_population_lacks_are_ignored_with_a_warning(point):
    """BMTK ignores them (its bio_simulated_annealing example plays 100 LGN trains into 90 nodes)."""
    folder, config = point
    spikes = folder / "inputs/thalamus_spikes.h5"
    ids, times = SpikeTrains.from_sonata(spikes).get("thalamus")
    SpikeTrains({"thalamus": (np.r_[ids, 250], np.r_[times, 10.0])}).to_sonata(spikes)
    warned(config, r"input 'thalamus_spikes': spikes file .*thalamus_spikes\.h5 has spikes for 1 node ids \[250\] "
                   r"of population 'thalamus', which has 100 nodes \(ids 0\.\.99\); they are ignored")
    data = json.loads(config.read_text())                       # the same spikes as a CSV file
    csv = folder / "inputs/thalamus_spikes.csv"
    SpikeTrains({"thalamus": (np.r_[ids, 250], np.r_[times, 10.0])}).to_csv(csv)
    data["inputs"]["thalamus_spikes"].update(module="csv", input_file=str(csv))
    config.write_text(json.dumps(data))
    warned(config, r"spikes file .*thalamus_spikes\.csv has spikes for 1 node ids \[250\]")
    cfg = SimulationConfig.from_json(config)                    # and the run plays the spikes of existing nodes
    with pytest.warns(InputWarning):
        played = collect_inputs(Circuit.from_config(cfg), cfg).spikes[0].spikes.get("thalamus")[0]
    assert played.max() < 100 and played.size == ids.size


def test_receptor_type_that_is_not_a_port(point):
    folder, config = point
    syn = folder.parent / "point_components/synaptic_models/ExcToInh.json"
    syn.write_text(json.dumps({**json.loads(syn.read_text()), "receptor_type": "abc"}))
    pattern = r"ExcToInh\.json: receptor_type 'abc' is not a port number"
    assert any(re.search(pattern, m) for m in errors(config)), errors(config)
    pytest.importorskip("nest")
    import simulators
    with pytest.raises(ConfigError, match=pattern):
        simulators.run(str(config), tstop=5.0)


@pytest.mark.parametrize("table, pattern", [
    ("gid firing_rate\n100 fifteen\n", r"data row 1: firing_rate must be >= 0 Hz and finite, got 'fifteen'"),
    ("gid firing_rate\nabc 15.0\n", r"data row 1: gid must be a whole number \(the node_type_id\), got 'abc'"),
    ("gid firing_rate\n100.5 15.0\n", r"data row 1: gid must be a whole number \(the node_type_id\), got '100.5'"),
])
def test_popnet_rates_file_values(pop2, table, pattern):
    folder, config = pop2
    (folder / "inputs/external_rates.csv").write_text(table)
    assert any(re.search(pattern, m) for m in errors(config)), errors(config)
    import simulators
    with pytest.raises(ConfigError, match=r"input 'external_pop_rates': rates file .*external_rates\.csv, " + pattern):
        simulators.run(str(config))


def test_unknown_popnet_model_template(pop2):
    folder, config = pop2
    csv = folder / "network/internal_node_types.csv"
    csv.write_text(csv.read_text().replace("dipde:Internal", "dipde:Internl", 1))
    pattern = r"node type 100 of population 'internal' .*: model_template 'dipde:Internl' is not a population model"
    assert any(re.search(pattern, m) for m in errors(config)), errors(config)
    import simulators
    with pytest.raises(ModelTranslationError, match=pattern):
        simulators.run(str(config))


def test_compartment_report_with_a_shortened_time_axis(tmp_path):
    path = tmp_path / "v.h5"
    write_compartment_report(path, "cortex", np.array([0, 1]), np.array([0, 1, 2]), np.zeros(2), np.full(2, 0.5),
                             np.zeros((4, 2), np.float32), 0.0, 4.0, 1.0)
    with h5py.File(path, "r+") as h5:
        del h5["report/cortex/mapping/time"]
        h5["report/cortex/mapping"].create_dataset("time", data=[0.0, 4.0])
    with pytest.raises(SonataError, match=r"v\.h5, population 'cortex': mapping/time is \[0\.0, 4\.0\]; it must be "
                                          r"\[tstart, tstop, dt\]"):
        CompartmentReport(path, "cortex")


def test_byte_corrupted_spikes_file_names_it(tmp_path):
    path = tmp_path / "spikes.h5"
    SpikeTrains({"v1": (np.arange(200) % 7, np.linspace(0, 100, 200))}).to_sonata(path)
    size = path.stat().st_size
    damaged = 0
    for start in range(0, size - 64, 97):          # every 97th offset: some damage is harmless, none is raw
        data = bytearray(path.read_bytes())
        data[start:start + 64] = bytes(64)
        bad = tmp_path / f"bad{start}.h5"
        bad.write_bytes(bytes(data))
        try:
            SpikeTrains.from_sonata(bad)
        except BmtkLikeError as exc:
            assert str(bad) in str(exc)
            damaged += 1
    assert damaged > 0


def test_cli_prints_one_error_line_and_debug_shows_the_traceback(point, capsys):
    from bmtk_like.cli import main
    folder, config = point
    set_edge_ids(folder / "network/cortex_cortex_edges.h5", "cortex_to_cortex", "target_node_id", 0, -1)
    assert main(["run", str(config)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: edges file ") and "first bad id -1" in err[0], err
    assert "Traceback" not in "\n".join(err)
    with pytest.raises(SonataError, match="first bad id -1"):    # --debug: the exception itself, with its traceback
        main(["run", str(config), "--debug"])
    assert main(["validate", str(config)]) == 1
    assert "first bad id -1" in capsys.readouterr().out


def test_cli_lists_each_missing_file_on_its_own_line(point, capsys):
    from bmtk_like.cli import main
    folder, config = point
    (folder / "network/cortex_nodes.h5").unlink()
    (folder / "inputs/thalamus_spikes.h5").unlink()
    assert main(["run", str(config)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert all(line.startswith("error: ") for line in err), err
    assert sum("does not exist" in line for line in err) == 2, err
