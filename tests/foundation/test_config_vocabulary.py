"""The one config vocabulary: legal bmtk/SONATA keys load quietly, typos are named with their
correction, unit slips are warned about, and validate's verdict is the loader's."""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
import warnings
from pathlib import Path

import pytest

from bmtk_like.config import KNOWN_INPUT_MODULES, VOCABULARY, load_config
from bmtk_like.config.vocabulary import markdown
from bmtk_like.config.vocabulary.lint import check_config
from bmtk_like.errors import BmtkLikeError, ConfigError, ConfigWarning
from tests.cli_validate import validate

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("BMTK_LIKE_FIXTURES", REPO.parent / "shared" / "fixtures" /
                               "bmtk_examples"))
CONFIGS = sorted(FIXTURES.glob("**/config*.json")) if FIXTURES.is_dir() else []
needs_fixtures = pytest.mark.skipif(not CONFIGS, reason="shared bmtk fixtures not present")


def _load(path, **options):
    """(config or None, ConfigError text or None, ConfigWarnings raised)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConfigWarning)
        try:
            return load_config(path, **options), None, [w for w in caught
                                                       if w.category is ConfigWarning]
        except ConfigError as exc:
            return None, str(exc), [w for w in caught if w.category is ConfigWarning]


def test_config_reference_is_generated_from_the_table():
    committed = (REPO / "docs" / "config_reference.md").read_text(encoding="utf-8")
    assert committed == markdown.render(), (
        "docs/config_reference.md is stale: run python -m bmtk_like.config.vocabulary "
        "--markdown > docs/config_reference.md")


def test_every_key_has_type_meaning_and_a_known_backend_word():
    def walk(table):
        for key in table.values():
            assert key.type and key.meaning, key.name
            assert key.acts in ("all", "NEURON", "NEST", "popnet", "SSN", "ignored", "NEURON, NEST"), key
            if key.children:
                yield from walk(key.children)
            yield key
    tables = [VOCABULARY.top, VOCABULARY.input_common, VOCABULARY.report_common]
    tables += [m.keys for m in (*VOCABULARY.inputs.values(), *VOCABULARY.reports.values())]
    assert sum(1 for table in tables for _ in walk(table)) > 250
    names = [n.lower() for n in VOCABULARY.module_names("input")]
    assert len(names) == len(set(names))
    for module in ("IClamp", "SEClamp", "syn_activity", "replay", "xstim", "pop_rates", "nwb",
                   "sonata", "csv", "h5", "ecephys_probe", "movie", "graiting"):
        assert module in KNOWN_INPUT_MODULES
    assert {"amp_units", "sweep_id", "separator"} <= set(VOCABULARY.input_module("IClamp").keys)
    assert "duration" in VOCABULARY.top["run"].children


#: BMTK's point examples clamp NEST cells with 0.15-0.2 (pA in bmtk: almost no current).
TINY_NEST_CLAMPS = {"point_120cells/config.simulation_iclamp.json": 3,
                    "point_120cells/config.simulation_iclamp.aslist.json": 1,
                    "point_iclamp/config.simulation_iclamp.json": 3,
                    "point_iclamp/config.simulation_iclamp.aslist.json": 1}


@needs_fixtures
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_config_has_no_unknown_key(path):
    """Every key of BMTK's own example configs is in the vocabulary; the only warnings are
    the tiny NEST clamp amplitudes of two point examples."""
    cfg, error, caught = _load(path, validate_files=False)
    # bio_stp_models names a list of gids as a node set, which the node-set reader refuses
    assert cfg is not None or "'node_sets.save_cell_vars'" in error
    expected = TINY_NEST_CLAMPS.get(str(path.relative_to(FIXTURES)), 0)
    messages = [str(w.message) for w in caught]
    assert len(messages) == expected and all("pA; if you meant nA add \"amp_units\": \"nA\""
                                             in m for m in messages), messages
    if cfg is not None:
        assert len(cfg.notices) == expected


#: Fixture configs the loader accepts but whose target backend refuses a module at run time.
RUN_REFUSES = {"bio_advanced_stimuli/config.simulation_xstim.json": "inputs.Extracellular_Stim"}


@needs_fixtures
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_validate_verdict_is_the_loaders(path):
    """validate errors exactly when the loader refuses the config, or (RUN_REFUSES) when the
    target backend would stop at a module it does not run."""
    cfg, error, _ = _load(path)
    findings = validate([path])
    errors = [f for f in findings if f.severity == "error"]
    refused = RUN_REFUSES.get(str(path.relative_to(FIXTURES)))
    assert bool(errors) == (cfg is None or refused is not None), (error, [str(f) for f in errors])
    if refused:
        assert [f.where.split(": ")[-1] for f in errors] == [refused]


@pytest.mark.nest
def test_a_module_the_backend_does_not_run_fails_validate_and_run_alike(point_copy):
    """pop_rates drives popnet only: validate says so for a NEST config, and the NEST run
    stops with the same verdict."""
    pytest.importorskip("nest")
    import simulators
    rates = point_copy / "rates.csv"
    rates.write_text("gid firing_rate\n100 10.0\n")
    path = _edit(point_copy / "config.simulation.json", lambda d: (
        d["run"].update(tstop=20.0), d.pop("reports"),
        d["inputs"].update(ext={"module": "pop_rates", "input_type": "csv",
                                "rates": str(rates), "node_set": "thalamus"})))
    errors = [f for f in validate([path]) if f.severity == "error"]
    assert [f.where.split(": ")[-1] for f in errors] == ["inputs.ext"]
    assert "runs on popnet, not on NEST" in errors[0].message
    with pytest.raises(BmtkLikeError, match=r"input 'ext': module 'pop_rates'"):
        simulators.run(path)


@pytest.fixture
def point_copy(tmp_path):
    if not FIXTURES.is_dir():
        pytest.skip("shared bmtk fixtures not present")
    for name in ("point_120cells", "point_components"):
        shutil.copytree(FIXTURES / name, tmp_path / name)
    return tmp_path / "point_120cells"


def _edit(path: Path, change) -> Path:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))
    return path


def test_misspelt_keys_are_named_with_their_correction(point_copy):
    def misspell(data):
        data["output"]["overwite_output_dir"] = data["output"].pop("overwrite_output_dir")
        data["run"]["tsop"] = 100.0
        data["inputs"]["noise"] = {"module": "poisson", "input_type": "spikes",
                                   "node_set": "thalamus", "rates": 5.0}
    path = _edit(point_copy / "config.simulation.json", misspell)
    cfg, _, caught = _load(path, validate_files=False)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 3 and all(m.startswith(f"{path}: unknown key '") for m in messages)
    assert any("'output.overwite_output_dir' (did you mean 'overwrite_output_dir'?)" in m
               for m in messages)
    assert any("'run.tsop' (did you mean 'tstop'?)" in m for m in messages)
    assert any("'inputs.noise.rates' (did you mean 'rate'?)" in m and "pop_rates" in m
               for m in messages)
    assert [n.suggestion for n in cfg.notices] == ["tstop", "overwrite_output_dir", "rate"]
    # validate reports the same as warnings; --strict (and strict loading) refuse them
    warned = [f for f in validate([path]) if "unknown key" in f.message]
    assert len(warned) == 3 and {f.severity for f in warned} == {"warning"}
    strict = [f for f in validate([path], strict=True) if "unknown key" in f.message]
    assert {f.severity for f in strict} == {"error"}
    with pytest.raises(ConfigError, match=r"strict loading refuses 3 warning"):
        load_config(path, strict=True, validate_files=False)


def test_a_typo_of_a_required_key_is_named_in_the_error(point_copy):
    path = _edit(point_copy / "config.simulation.json",
                 lambda d: d["run"].__setitem__("tsop", d["run"].pop("tstop")))
    with pytest.raises(ConfigError, match=r"missing required key 'run\.tstop' \('run\.tsop' is "
                                          r"there: a misspelling of 'tstop'\?\)"):
        load_config(path)
    assert any(f.severity == "error" and "run.tsop" in f.message for f in validate([path]))


def test_pop_rates_takes_rates_not_rate():
    data = {"inputs": {"ext": {"module": "pop_rates", "input_type": "csv", "rate": "r.csv",
                               "node_set": "ext"}}}
    (notice,) = check_config(data, lambda section, name=None: "sim.json")
    assert notice.key == "inputs.ext.rate" and notice.suggestion == "rates"
    assert "'rate' is a key of module poisson" in notice.message


def test_key_in_the_wrong_section_says_where_it_belongs():
    data = {"spikes_file": "spikes.h5", "run": {"tstop": 100.0, "dt": 0.1, "v_init": -70.0}}
    notices = check_config(data, lambda section, name=None: f"{section}.json")
    assert [(n.source, n.key) for n in notices] == [("spikes_file.json", "spikes_file"),
                                                   ("run.json", "run.v_init")]
    assert "'spikes_file' is a key of 'output'" in notices[0].message
    assert "'v_init' is a key of 'conditions'" in notices[1].message


@pytest.mark.parametrize("run, target, expected", [
    ({"tstop": 1.0, "dt": 0.1}, "NEURON", r"'run\.tstop' is 1 ms.*write \"tstop\": 1000"),
    ({"tstop": 30.0, "dt": 5.0}, "NEST", r"only 6\.0 time steps of dt = 5 ms"),
    ({"tstop": 1500.0, "dt": 0.1}, "DiPDE", r"'run\.dt' is 0\.1: BMTK's popnet .* seconds.*"
                                             r"write 0\.0001"),
    ({"tstop": 100.0, "duration": 200.0, "dt": 0.1}, "NEST", r"both tstop \(100 ms\) and "
                                                              r"duration \(200 ms\)"),
])
def test_unit_slips_say_what_was_probably_meant(run, target, expected):
    notices = check_config({"run": run, "target_simulator": target},
                           lambda section, name=None: "sim.json")
    assert len(notices) == 1
    assert re.search(expected, notices[0].message), notices[0].message


@pytest.mark.parametrize("run, target", [({"tstop": 1000.0, "dt": 0.1}, "NEST"),
                                         ({"tstop": 3000.0, "dt": 0.001}, "NEST"),
                                         ({"tstop": 1500.0, "dt": 0.002}, "DiPDE"),
                                         ({"tstop": 1500.0, "dt": 0.1, "popnet_units": "ms_mV"},
                                          "DiPDE"),
                                         ({"tstop": 1000.0, "dt": 0.1}, "popnet")])
def test_ordinary_runs_are_not_unit_slips(run, target):
    assert check_config({"run": run, "target_simulator": target},
                        lambda section, name=None: "sim.json") == []


def test_enabled_false_leaves_out_edges_inputs_and_reports(point_copy):
    circuit = _edit(point_copy / "config.circuit.json", lambda d: d["networks"]["edges"][0]
                    .update(enabled=False, name="recurrent"))
    path = _edit(point_copy / "config.simulation.json", lambda d: (
        d["inputs"]["thalamus_spikes"].update(enabled=False),
        d["reports"]["membrane_potential"].update(enabled=False)))
    cfg, error, caught = _load(path)
    assert error is None and caught == []
    assert [e.edges_file.name for e in cfg.edges] == ["thalamus_cortex_edges.h5"]
    assert cfg.inputs == {} and cfg.reports == {}
    assert circuit.exists()


def test_enabled_false_on_nodes_is_loaded_as_bmtk_does_with_a_warning(point_copy):
    _edit(point_copy / "config.circuit.json",
          lambda d: d["networks"]["nodes"][1].update(enabled=False))
    cfg, _, caught = _load(point_copy / "config.simulation.json")
    assert len(cfg.nodes) == 2
    assert [str(w.message).split(": ", 1)[1][:42] for w in caught] == \
        ["'networks.nodes[1].enabled' is false, but "]


def test_duration_stands_in_for_tstop(point_copy):
    path = _edit(point_copy / "config.simulation.json",
                 lambda d: d["run"].__setitem__("duration", d["run"].pop("tstop")))
    cfg, error, caught = _load(path)
    assert error is None and caught == []
    assert (cfg.run.tstop, cfg.run.duration) == (3000.0, 3000.0)
    path = _edit(path, lambda d: d["run"].update(tstop=1000.0))
    cfg, _, caught = _load(path)
    assert [n.key for n in cfg.notices] == ["run.duration"]          # the two disagree
    assert (cfg.run.tstop_for("NEST"), cfg.run.tstop_for("NEURON")) == (3000.0, 1000.0)


def test_inputs_without_node_set_take_bmtks_default(point_copy):
    path = _edit(point_copy / "config.simulation_iclamp.json",
                 lambda d: d["inputs"]["current_clamp_1"].pop("node_set"))
    cfg, error, _ = _load(path)
    assert error is None and cfg.inputs["current_clamp_1"].node_set == "all"
    path = _edit(path, lambda d: d["inputs"].update(spikes={
        "module": "sonata", "input_type": "spikes", "input_file": "inputs/thalamus_spikes.h5"}))
    with pytest.raises(ConfigError, match=r"input 'inputs\.spikes' has no 'node_set'"):
        load_config(path)


def test_input_type_is_checked_where_bmtk_dispatches_on_it():
    data = {"inputs": {"lgn": {"module": "sonata", "input_type": "spike", "node_set": "lgn",
                               "input_file": "s.h5"},
                       "stim": {"module": "xstim", "input_type": "lfp", "positions_file": "p.csv",
                                "waveform": {"shape": "sin", "del": 1.0, "dur": 2.0, "amp": 0.1,
                                             "freq": 10.0}}}}
    (notice,) = check_config(data, lambda section, name=None: "sim.json")
    assert notice.key == "inputs.lgn.input_type" and notice.suggestion == "spikes"


@pytest.mark.parametrize("target, amp, warned", [("NEST", 0.15, True), ("NEST", [380.0, 500.0], False),
                                                 ("NEURON", 0.1, False), ("NEURON", 450.0, True)])
def test_clamp_amplitudes_in_the_other_levels_unit_are_warned(target, amp, warned):
    entry = {"module": "IClamp", "input_type": "current_clamp", "amp": amp, "delay": 1.0,
             "duration": 2.0}
    data = {"target_simulator": target, "inputs": {"clamp": entry}}
    notices = check_config(data, lambda section, name=None: "sim.json")
    assert [n.key for n in notices] == (["inputs.clamp.amp"] if warned else [])
    entry["amp_units"] = "pA" if target == "NEURON" else "nA"
    assert check_config(data, lambda section, name=None: "sim.json") == []


@pytest.mark.parametrize("level", ["pointnet", "bionet", "popnet"])
def test_configs_written_by_init_use_only_the_vocabulary(level, tmp_path, capsys):
    from bmtk_like.cli import main
    assert main(["init", level, str(tmp_path / level)]) == 0
    (path,) = (tmp_path / level).glob("config*.json")
    cfg, error, caught = _load(path)
    assert error is None and [str(w.message) for w in caught] == [] and cfg.notices == ()


def test_cli_validate_strict_exits_1_on_a_typo(point_copy, capsys):
    from bmtk_like.cli import main
    path = _edit(point_copy / "config.simulation.json",
                 lambda d: d["output"].update(spikes_sort_ordr="id"))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "WARNING" in out and "'output.spikes_sort_ordr' (did you mean 'spikes_sort_order'?)" in out
    assert main(["validate", "--strict", str(path)]) == 1
    assert "ERROR" in capsys.readouterr().out


def test_validate_warns_when_run_would_need_simulator(point_copy):
    path = _edit(point_copy / "config.simulation.json", lambda d: d.pop("target_simulator"))
    (finding,) = [f for f in validate([path]) if "target_simulator" in f.where]
    assert finding.severity == "warning" and "--simulator NEST, NEURON or popnet" in finding.message


def _corpus_lists():
    """The compat suite's classification of the corpus (its slow test runs the runnable ones)."""
    sys.path.insert(0, str(REPO / "tests" / "compat"))
    try:
        import bmtk_corpus
    finally:
        sys.path.pop(0)
    runnable = [f"{f}/{c}" for f, c, _ in bmtk_corpus.BMTK_RUNNABLE]
    runnable += [f"{f}/{c}" for f, c in bmtk_corpus.DIPDE_CONFIGS]
    return runnable, bmtk_corpus.NOT_RUNNABLE


@needs_fixtures
def test_validate_agrees_with_the_runs_of_the_corpus():
    """Every config tests/compat runs (and compares with bmtk) validates without an error; every
    config it lists as unrunnable for a missing file, or whose module no backend runs, has one."""
    runnable, not_runnable = _corpus_lists()
    for relpath in runnable:
        errors = [str(f) for f in validate([FIXTURES / relpath]) if f.severity == "error"]
        assert errors == [], relpath
    for relpath, why in not_runnable.items():
        if "never published" in why or "does not exist" in why or relpath in RUN_REFUSES:
            assert any(f.severity == "error" for f in validate([FIXTURES / relpath])), relpath


def test_the_contract_imports_no_backend():
    """Only the CLI (and scaffold's run-script template text) may name the simulators package."""
    import re
    root = Path(__file__).resolve().parents[2] / "bmtk_like"
    offenders = [f"{path.relative_to(root)}:{n}" for path in root.rglob("*.py") if "cli" not in path.parts
                 and path.name != "scaffold.py"          # its run-script template is text, not an import
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if re.match(r"\s*(from simulators[\s.]|import simulators)", line)]
    assert offenders == []


def test_syn_activity_is_not_called_refused_by_validate():
    """bionet runs syn_activity (bio_advanced_stimuli): validate must not say the run refuses it."""
    findings = validate([FIXTURES / "bio_advanced_stimuli/config.simulation_spont_activity.json"])
    assert not [f for f in findings if "refuse" in f.message], [str(f) for f in findings]
