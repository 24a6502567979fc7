"""Fixtures of the NEST backend tests (helpers live in pn_fixtures.py)."""
import pytest


@pytest.fixture
def point_example(example_copy):
    """A private copy of BMTK's point_120cells example (with point_components beside it)."""
    return example_copy("point_120cells", "point_components")
