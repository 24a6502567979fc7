"""Fixtures of the BioNet tests: NEURON with the Allen mechanisms compiled once per session."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("BMTK_LIKE_FIXTURES", ROOT.parent / "shared" / "fixtures" / "bmtk_examples"))

pytest.importorskip("neuron", reason="BioNet tests need NEURON (pip install neuron)")


#: BMTK's mechanisms folder of the example circuits (the Allen channels, synapses, vecevent).
ALLEN_MECHANISMS = FIXTURES / "bio_components" / "mechanisms"


@pytest.fixture(scope="session")
def allen_mechanisms() -> Path:
    """Compile (cached by content) and load the fixtures' BMTK mechanisms once; returns their folder."""
    from simulators.bionet.mechanisms import load_mechanisms
    load_mechanisms(ALLEN_MECHANISMS)
    return ALLEN_MECHANISMS


@pytest.fixture(scope="session")
def bio_components() -> Path:
    """The read-only bio_components folder of the BMTK example circuits."""
    return FIXTURES / "bio_components"


@pytest.fixture
def bio14(tmp_path) -> Path:
    """A writable copy of the bio_14cells example (and its components) under tmp_path."""
    shutil.copytree(FIXTURES / "bio_14cells", tmp_path / "bio_14cells")
    (tmp_path / "bio_components").symlink_to(FIXTURES / "bio_components")
    return tmp_path / "bio_14cells"
