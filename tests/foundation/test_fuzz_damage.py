"""Fuzz (issue 11): random structural damage to copies of BMTK examples, random bad builder calls.

The invariant, for every case: our own error type with a message naming a file (or, for the
builder, the argument), or a clean run when the damage is harmless; never another exception,
never a hang, and never a changed user file. When the load refuses a circuit, `validate` has
a finding for it too. Each case is replayable from its seed (printed on failure).

Default: a short run (60 file cases, 200 builder calls: ~10 s of CPU); ``-m slow`` a longer one
(400 file cases, 2000 builder calls); ``BMTK_LIKE_FUZZ_CASES=N`` sets the number of file cases
of the long run (a few thousand locally: ~0.3 s of CPU each).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import random
import re
import shutil
import signal
import warnings
from pathlib import Path

import pytest

from bmtk_like.errors import BmtkLikeError, InputWarning, SimulationError
from tests.cli_validate import validate
from tests.conftest import FIXTURES
from tests.foundation.fuzz_damage import bad_builder_call, damage

EXAMPLES = {  # example -> (its components folder, config, files the mutator may damage)
    "point_120cells": ("point_components", "config.simulation.json",
                       ["network/*.h5", "network/*.csv", "inputs/*.h5", "config.*.json",
                        "../point_components/synaptic_models/*.json", "../point_components/cell_models/*.json"]),
    "pop_2pops": ("pop_components", "config.simulation.json",
                  ["network/*.h5", "network/*.csv", "inputs/*.csv", "config.simulation.json", "config.circuit.json",
                   "../pop_components/pop_models/*.json", "../pop_components/synaptic_models/*.json"]),
}
#: what a message names: a file (a path or a file name) or the config key at fault
NAMES_THE_PLACE = re.compile(r"/[\w.-]+/[\w.-]+|[\w.-]+\.(h5|csv|json|txt)\b|components\.\w+|input '|"
                             r"population '|connection \w+ -> \w+")
CASE_SECONDS = 30


@contextlib.contextmanager
def time_limit(seconds: int, what: str):
    """Fail (instead of hanging) when the block runs longer than ``seconds``."""
    def on_alarm(signum, frame):
        raise TimeoutError(f"{what} ran longer than {seconds} s")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _digests(root: Path) -> dict[Path, str]:
    return {p: hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))
            if p.is_file() and "output" not in p.relative_to(root).parts}


def _load(config: Path) -> None:
    """What `run` does first with the files, on every backend: config, circuit tables, inputs."""
    from bmtk_like.config import SimulationConfig
    from simulators.core import Circuit, collect_inputs
    cfg = SimulationConfig.from_json(config)
    collect_inputs(Circuit.from_config(cfg), cfg, supported={"pop_rates"})


def _run(config: Path) -> None:
    import simulators
    with contextlib.redirect_stdout(io.StringIO()):
        simulators.run(str(config), tstop=20.0)


def _refusal(what: str, call) -> BmtkLikeError | None:
    """Our error from ``call()``, or None when it ran; anything else fails the case."""
    try:
        call()
    except BmtkLikeError as exc:
        return exc
    except Exception as exc:                     # noqa: BLE001 -- the invariant: nothing but our errors
        raise AssertionError(f"{what}: raw {type(exc).__name__}: {exc}") from exc
    return None


def _one_file_case(seed: int, pristine: Path, work: Path, run_backend: bool) -> str:
    rng = random.Random(seed)
    example = rng.choice(sorted(EXAMPLES))
    components, config_name, patterns = EXAMPLES[example]
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(pristine, work)
    folder = work / example
    candidates = sorted(p for pattern in patterns for p in folder.glob(pattern))
    target = rng.choice(candidates)
    what = f"seed {seed}: {damage(target, rng)}"
    before = _digests(work)
    config = folder / config_name
    with time_limit(CASE_SECONDS, what), warnings.catch_warnings():
        warnings.simplefilter("ignore")          # config notices and InputWarnings are allowed; errors are checked
        try:
            findings = validate([config])
        except Exception as exc:                 # noqa: BLE001 -- the invariant: validate never raises
            raise AssertionError(f"{what}: validate raised {type(exc).__name__}: {exc}") from exc
        refused = _refusal(what, lambda: _load(config))
        # validate checks what every backend's load checks, and popnet's whole network (pure Python);
        # NEST/NEURON model refusals need the engines, so there only the naming invariant holds
        must_agree = refused is not None
        if refused is None and run_backend:
            refused = _refusal(what, lambda: _run(config))
            must_agree = refused is not None and example == "pop_2pops"
    if refused is not None:
        message = str(refused)
        assert NAMES_THE_PLACE.search(message), f"{what}: message names no file: {message}"
        if must_agree and not isinstance(refused, SimulationError):  # a backend's refusal of a valid file may be a warning
            assert any(f.severity == "error" for f in findings), \
                f"{what}: run refused ({message}) but validate found no error: {[str(f) for f in findings]}"
    assert _digests(work) == before, f"{what}: a user file changed"
    return "refused" if refused is not None else "ran"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("pristine")
    for example, (components, _, _) in EXAMPLES.items():
        shutil.copytree(FIXTURES / example, root / example)
        shutil.copytree(FIXTURES / components, root / components)
    return root


def _file_cases(pristine: Path, tmp_path: Path, seeds: range, run_every: int) -> dict[str, int]:
    outcomes = {"ran": 0, "refused": 0}
    failures = []
    for seed in seeds:                           # every case runs; all failures are listed at the end
        try:
            outcomes[_one_file_case(seed, pristine, tmp_path / "work", run_backend=seed % run_every == 0)] += 1
        except AssertionError as exc:
            failures.append(str(exc)[:400])
    assert not failures, f"{len(failures)} of {len(seeds)} cases failed:\n" + "\n".join(failures[:20])
    return outcomes


def test_damaged_files_short(pristine, tmp_path):
    outcomes = _file_cases(pristine, tmp_path, range(60), run_every=15)
    assert outcomes["refused"] > 8 and outcomes["ran"] > 5, outcomes    # the damage both bites and spares


@pytest.mark.slow
def test_damaged_files_long(pristine, tmp_path):
    n = int(os.environ.get("BMTK_LIKE_FUZZ_CASES", "400"))
    outcomes = _file_cases(pristine, tmp_path, range(1000, 1000 + n), run_every=25)
    assert outcomes["refused"] > n // 10, outcomes


def _builder_cases(seeds: range, tmp_path: Path, monkeypatch) -> dict[str, int]:
    monkeypatch.chdir(tmp_path)                  # relative output_dir values land in tmp_path
    folder = tmp_path / "net"
    folder.mkdir()
    mine = folder / "mine.txt"
    mine.write_text("a user file")
    outcomes = {"ran": 0, "refused": 0}
    for seed in seeds:
        name, script = bad_builder_call(random.Random(seed), folder)
        with time_limit(CASE_SECONDS, f"builder seed {seed}"):
            try:
                script()
                outcomes["ran"] += 1
            except BmtkLikeError as exc:
                assert name in str(exc) or "property name" in str(exc), f"seed {seed}: {name!r} not named in: {exc}"
                outcomes["refused"] += 1
            except Exception as exc:             # noqa: BLE001 -- the invariant: nothing but our errors
                raise AssertionError(f"builder seed {seed} ({name}): raw {type(exc).__name__}: {exc}") from exc
        assert mine.read_text() == "a user file"
    return outcomes


def test_bad_builder_arguments_short(tmp_path, monkeypatch):
    outcomes = _builder_cases(range(200), tmp_path, monkeypatch)
    assert outcomes["refused"] > 80 and outcomes["ran"] > 10, outcomes


@pytest.mark.slow
def test_bad_builder_arguments_long(tmp_path, monkeypatch):
    outcomes = _builder_cases(range(1000, 3000), tmp_path, monkeypatch)
    assert outcomes["refused"] > 500, outcomes
