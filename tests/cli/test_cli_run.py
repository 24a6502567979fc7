"""`bmtk-like run/doctor/--version`: output folders per level, --output-dir, the per-population summary."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bmtk_like.cli import SUBCOMMANDS, build_parser, main
from bmtk_like.reports import SpikeTrains
from tests.cli.circuits import build_ei, write_config

REPO = Path(__file__).resolve().parents[2]
needs_nest = pytest.mark.skipif(importlib.util.find_spec("nest") is None, reason="needs NEST")


@pytest.fixture(scope="module")
def ei(tmp_path_factory) -> Path:
    folder = build_ei(tmp_path_factory.mktemp("ei"))
    return write_config(folder)


def test_version_and_every_registered_subcommand_has_help(capsys):
    from bmtk_like import __version__
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"bmtk-like {__version__}"
    parser = build_parser()
    for name in SUBCOMMANDS:
        with pytest.raises(SystemExit):
            parser.parse_args([name, "--help"])
        assert "usage: bmtk-like " + name in capsys.readouterr().out


def test_doctor_names_backends_and_exits_0():
    done = subprocess.run([sys.executable, "-m", "bmtk_like", "doctor"], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ("NEST (pointnet)", "NEURON (bionet)", "popnet (density)", "mpirun", "compiled mechanisms"):
        assert name in done.stdout
    if importlib.util.find_spec("nest") is not None:
        assert "[ok     ] NEST (pointnet)        version 3." in done.stdout


@needs_nest
def test_run_prints_one_summary_line_per_population_matching_the_spikes(ei, capsys):
    assert main(["run", str(ei), "--quiet"]) == 0
    assert "summary" not in capsys.readouterr().out          # --quiet: files only
    assert main(["run", str(ei)]) == 0
    out = capsys.readouterr().out
    ids, times = SpikeTrains.from_sonata(ei.parent / "output" / "spikes.h5").get("cortex")
    n_e = int(np.count_nonzero(ids < 80))
    n_i = int(ids.size - n_e)
    assert n_e > 0 and n_i > 0
    e_line = next(line for line in out.splitlines() if line.strip().startswith("E "))
    assert " 80 cells" in e_line and f" {n_e} spikes" in e_line
    assert f"{n_e / 80 / 0.3:.3f} Hz" in e_line                          # spikes / (cells x 0.3 s)
    i_line = next(line for line in out.splitlines() if line.strip().startswith("I "))
    assert f" {n_i} spikes" in i_line
    log = (ei.parent / "output" / "log.txt").read_text()
    assert f"summary: {e_line.strip()}" in log
    info = json.loads((ei.parent / "output" / "run_info.json").read_text())
    assert info["backend"] == "NEST" and info["tstop_ms"] == 300.0
    assert {g["group"]: g["spikes"] for g in info["groups"]} == {"E": n_e, "I": n_i}


@needs_nest
def test_another_level_writes_beside_and_output_dir_wins(ei, tmp_path, capsys):
    assert main(["run", str(ei), "--quiet"]) == 0
    before = (ei.parent / "output" / "spikes.h5").read_bytes()
    assert main(["run", str(ei), "--simulator", "popnet", "--quiet"]) == 0
    assert (ei.parent / "output_popnet" / "population_rates.csv").is_file()
    assert (ei.parent / "output" / "spikes.h5").read_bytes() == before    # NEST's results untouched
    assert not (ei.parent / "output" / "population_rates.csv").exists()
    assert main(["run", str(ei), "--simulator", "pointnet", "--output-dir", str(tmp_path / "mine"),
                 "--quiet"]) == 0     # an alias of the target level keeps ... unless --output-dir
    assert (tmp_path / "mine" / "spikes.h5").is_file() and (tmp_path / "mine" / "log.txt").is_file()
    assert "outputs in " + str(tmp_path / "mine") in capsys.readouterr().out


@needs_nest
def test_config_warnings_print_as_one_line(ei, capsys):
    assert main(["run", str(ei), "--tstop", "5", "--quiet", "--output-dir", str(ei.parent / "short")]) == 0
    err = capsys.readouterr().err
    assert "warning: " in err and "'run.tstop' is 5" in err
    assert "return _run(" not in err and "ConfigWarning" not in err
