"""Fixtures of the builder tests: small E/I networks built the bmtk way."""
from __future__ import annotations

import pytest

from builder_fixtures import make_ei
from builders import NetworkBuilder


@pytest.fixture
def ei_net() -> NetworkBuilder:
    return make_ei()
