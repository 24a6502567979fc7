"""Shared pytest fixtures: the BMTK example circuits (read-only) and a NEST quietener."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("PYNEST_QUIET", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")     # no DISPLAY warning from NEURON

#: The real SONATA networks written by BMTK, shared beside the checkout.
FIXTURES = Path(os.environ.get("BMTK_LIKE_FIXTURES", ROOT.parent / "shared" / "fixtures" / "bmtk_examples"))


@pytest.fixture(scope="session")
def bmtk_examples() -> Path:
    """Folder of the BMTK example circuits; never modify files inside it."""
    if not FIXTURES.is_dir():
        pytest.fail(f"BMTK example fixtures not found at {FIXTURES}; set BMTK_LIKE_FIXTURES.")
    return FIXTURES


@pytest.fixture
def example_copy(bmtk_examples, tmp_path):
    """Copy one example (plus its components folder) into tmp_path and return the copy's folder."""
    def _copy(name: str, components: str | None = None) -> Path:
        shutil.copytree(bmtk_examples / name, tmp_path / name)
        if components:
            shutil.copytree(bmtk_examples / components, tmp_path / components)
        return tmp_path / name
    return _copy
