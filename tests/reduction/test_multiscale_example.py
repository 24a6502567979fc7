"""examples/multiscale_v1 end to end at a small scale: NEURON, reduction, NEST, popnet, comparison."""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.neuron, pytest.mark.nest]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multiscale_v1"


def test_small_multiscale_run_compares_three_levels(tmp_path, monkeypatch):
    import simulators.reduction.reduce as red
    monkeypatch.setattr(red, "cache_dir", lambda: tmp_path / "cache")
    folder = tmp_path / "ms"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("network", "inputs", "output*", "reduced",
                                                                   "*.png", "comparison.csv", "__pycache__"))
    monkeypatch.syspath_prepend(str(folder))
    spec = importlib.util.spec_from_file_location("run_multiscale", folder / "run_multiscale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        table = module.main(folder, scale=0.15, tstop=500.0)
    finally:
        sys.modules.pop("build", None)
    saved = pd.read_csv(folder / "comparison.csv")
    assert sorted(saved["group"]) == ["Nr5a1", "PV", "Rorb", "Scnn1a"]
    assert (table["rate_NEURON"] > 0).any() and (table["rate_NEST"] > 0).any() and (table["rate_popnet"] > 0).any()
    report = pd.read_csv(folder / "reduced" / "reduction_report.csv")
    assert len(report) == 4 and (folder / "comparison.png").stat().st_size > 1000
