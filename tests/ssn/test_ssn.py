"""The SSN rate backend against bmtk 1.2.0's own run of examples/ssn_network.

``bmtk_ssn_rates.csv`` is bmtk's output for the example (regenerate with
``tests/ssn/make_bmtk_reference.py``, which runs bmtk from its virtualenv).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from bmtk_like.errors import ConfigError
from simulators.core import run
from simulators.core.registry import canonical_name

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ssn_network"
BMTK_RATES = Path(__file__).with_name("bmtk_ssn_rates.csv")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    import importlib.util

    folder = tmp_path_factory.mktemp("ssn") / "ssn_network"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("network", "output", "inputs"))
    spec = importlib.util.spec_from_file_location("ssn_build", folder / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(folder)
    return folder


@pytest.fixture
def example(built, tmp_path):
    folder = tmp_path / "ssn_network"
    shutil.copytree(built, folder)
    return folder


def test_example_matches_bmtk_1_2_0_rates(example):
    """Every unit at every step within 1e-9 Hz of bmtk's own run (same equations, rounding only)."""
    result = run(example / "config.json")
    assert result.backend == "SSN" and canonical_name("ssn") == "SSN"
    ours = pd.read_csv(example / "output" / "rates.csv", sep=" ")
    ref = pd.read_csv(BMTK_RATES, sep=" ")
    assert list(ours.columns) == list(ref.columns) == ["population", "node_id", "timestamps", "firing_rates"]
    key = ["population", "node_id", "timestamps"]
    merged = ref.merge(ours, on=key, suffixes=("_bmtk", "_ours"), how="outer", validate="one_to_one")
    assert len(merged) == len(ref) == 8 * 600
    assert merged["firing_rates_bmtk"].max() > 1.0           # the units really respond to the ramp
    np.testing.assert_allclose(merged["firing_rates_ours"], merged["firing_rates_bmtk"], rtol=0, atol=1e-9)
    with h5py.File(example / "output" / "rates.h5") as h5:
        data = h5["rates/cortex/data"][()]
        assert data.shape == (600, 8)
        assert h5["rates/cortex/mapping/node_ids"][()].tolist() == list(range(8))
        np.testing.assert_allclose(h5["rates/cortex/mapping/time"][()], np.arange(600) * 0.5)
    assert set(result.rates) == {"cortex"}


def _edit(folder: Path, change) -> Path:
    path = folder / "config.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return path


def test_unknown_activation_and_missing_parameters_are_named(example):
    cfg = _edit(example, lambda d: d["run"].update(activation_function="sigmoid"))
    with pytest.raises(ConfigError, match="activation_function 'sigmoid'"):
        run(cfg)
    _edit(example, lambda d: d["run"].pop("activation_function"))
    (example / "components" / "ssn_models" / "i_unit.json").write_text('{"scaling_coef": 0.04, "exponent": 2}')
    with pytest.raises(ConfigError, match="i_unit.json has no 'decay_const'"):
        run(example / "config.json")


def test_initial_states_from_list_and_external_rates_from_npy(example):
    """A list input sets each unit's first value; an npy series drives every external unit."""
    np.save(example / "inputs" / "drive.npy", np.full(600, 30.0))
    initial = [0.5, 1.0, 1.5, 2.0, 0.1, 0.2, 0.3, 0.4]

    def change(d):
        d["inputs"]["init"] = {"input_type": "init_states", "module": "list", "initial_states": initial,
                               "node_set": "cortex"}
        d["inputs"]["drive"] = {"input_type": "external_rates", "module": "npy",
                                "file": "${configdir}/inputs/drive.npy", "node_set": "external"}
    result = run(_edit(example, change))
    res = result.extra["simulator"].results
    assert res[0, :8].tolist() == initial
    assert np.all(res[:, 8:] == 30.0)
    assert res[-1, :8].min() > 0.5      # a constant drive holds the network at a positive fixed point
