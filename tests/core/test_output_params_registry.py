import json
import logging
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import simulators
from bmtk_like.errors import ConfigError, SimulationError
from simulators.core import (close_logging, get_backend, known_backends, load_params_json,
                             prepare_output_dir, register_backend, setup_logging)
from simulators.core.registry import canonical_name

from core_fixtures import make_cfg


def test_output_dir_created(tiny):
    cfg = make_cfg(tiny)
    assert prepare_output_dir(cfg) == tiny / "output" and (tiny / "output").is_dir()


def test_output_dir_not_overwritten_without_permission(tiny):
    cfg = make_cfg(tiny, overwrite_output_dir=False)
    (tiny / "output").mkdir()
    (tiny / "output" / "spikes.h5").write_text("old")
    with pytest.raises(SimulationError, match=r"output folder .*output already holds files.*overwrite_output_dir"):
        prepare_output_dir(cfg)
    assert (tiny / "output" / "spikes.h5").read_text() == "old"


def test_overwrite_deletes_only_our_outputs(tiny):
    cfg = make_cfg(tiny, reports={"v": SimpleNamespace(name="v", params={})})
    out = tiny / "output"
    out.mkdir()
    for name in ("spikes.h5", "log.txt", "v.h5", "notes.txt"):
        (out / name).write_text("x")
    prepare_output_dir(cfg)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_overwrite_also_removes_another_levels_results(tiny):
    """A NEST run after a popnet run of the same config: popnet's rates do not linger beside new spikes."""
    cfg = make_cfg(tiny)
    out = tiny / "output"
    out.mkdir()
    for name in ("population_rates.h5", "population_rates.csv", "population_rates.png", "my_rates.csv"):
        (out / name).write_text("x")
    prepare_output_dir(cfg)
    assert sorted(p.name for p in out.iterdir()) == ["my_rates.csv"]


def test_a_failed_run_says_why_in_its_log(tiny):
    from simulators.core.output import log_failure
    cfg = make_cfg(tiny)
    prepare_output_dir(cfg)
    setup_logging(cfg, console=False)
    log_failure(SimulationError("node type 7 of population v1: no such model"))
    close_logging()
    assert "run failed: SimulationError: node type 7 of population v1: no such model" in \
        (tiny / "output" / "log.txt").read_text()


def test_log_file_written_and_closed(tiny):
    cfg = make_cfg(tiny)
    prepare_output_dir(cfg)
    logger = setup_logging(cfg, console=False)
    logger.info("hello run")
    close_logging()
    assert "hello run" in (tiny / "output" / "log.txt").read_text()
    from simulators.core.output import _OUR_HANDLER
    # pytest may attach its own capture handlers; none of the run's handlers may remain
    assert not [h for h in logging.getLogger("bmtk_like.simulation").handlers if getattr(h, _OUR_HANDLER, False)]


def test_params_json_cached_and_copied(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"C_m": 250.0, "tau": [1, 2]}))
    first = load_params_json(tmp_path, "a.json")
    first["tau"].append(3)
    assert load_params_json(tmp_path, "a.json") == {"C_m": 250.0, "tau": [1, 2]}
    assert load_params_json(None, tmp_path / "a.json")["C_m"] == 250.0


def test_params_json_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"'missing.json' not found in components directory"):
        load_params_json(tmp_path, "missing.json")
    (tmp_path / "bad.json").write_text("{oops")
    with pytest.raises(ConfigError, match=r"bad.json is not valid JSON \(line 1"):
        load_params_json(tmp_path, "bad.json")
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(ConfigError, match="must hold a JSON object"):
        load_params_json(tmp_path, "list.json")


def test_registry_names_and_laziness():
    assert canonical_name("nest") == "NEST" and canonical_name("PointNet") == "NEST"
    assert canonical_name("bionet") == "NEURON" and canonical_name("dipde") == "popnet"
    assert set(known_backends()) >= {"NEST", "NEURON", "popnet"}
    with pytest.raises(SimulationError, match=r"unknown simulator 'brian'.*NEST.*NEURON.*popnet"):
        get_backend("brian")


def test_run_dispatches_to_registered_backend(tiny):
    calls = []
    register_backend("dummy_test_backend", ("dtb",), lambda cfg, **kw: calls.append((cfg, kw)) or "ok")
    cfg = make_cfg(tiny, target_simulator="NEST")
    assert simulators.run(cfg, simulator="DTB", nthreads=2) == "ok"
    assert calls == [(cfg, {"nthreads": 2})]


def test_run_without_target_simulator(tiny):
    cfg = make_cfg(tiny, target_simulator=None)
    with pytest.raises(SimulationError, match="has no 'target_simulator'.*--simulator"):
        simulators.run(cfg)
    with pytest.raises(SimulationError, match="unknown simulator 'Brian2'"):
        simulators.run(cfg, simulator="Brian2")


def test_importing_core_and_pointnet_does_not_import_engines():
    import subprocess

    code = ("import sys, simulators, simulators.core, simulators.pointnet; "
            "from simulators.core import get_backend; get_backend('pointnet'); "
            "print(sorted(m for m in ('nest', 'neuron', 'mpi4py') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
