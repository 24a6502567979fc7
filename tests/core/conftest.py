"""Fixtures of the simulators.core tests (helpers live in core_fixtures.py)."""
import pytest

from core_fixtures import make_circuit_files


@pytest.fixture
def tiny(tmp_path):
    """A folder holding the tiny cortex/lgn circuit of core_fixtures.make_circuit_files."""
    make_circuit_files(tmp_path)
    return tmp_path
