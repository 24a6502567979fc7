"""The backend conformance suite runs every test once per backend (as PyNN's ``run_with_simulators``).

``backend`` is the canonical registry name; NEST and NEURON tests carry the ``nest``/``neuron`` markers
and are skipped (importorskip) where the engine is not installed. Nothing is read at import time.
"""
from __future__ import annotations

import importlib

import pytest

from backend_circuit import SURFACE, write_circuit

BACKENDS = [pytest.param("NEST", marks=pytest.mark.nest, id="NEST"),
            pytest.param("NEURON", marks=pytest.mark.neuron, id="NEURON"),
            pytest.param("popnet", id="popnet")]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """Canonical name of the backend under test (its engine imported, or the test skipped)."""
    engine = SURFACE[request.param][3]
    if engine is not None:
        pytest.importorskip(engine)
    return request.param


@pytest.fixture
def package(backend):
    """The backend's package (``simulators.pointnet`` ...)."""
    return importlib.import_module(f"simulators.{SURFACE[backend][0]}")


@pytest.fixture
def circuit_config(tmp_path, backend):
    """``write(folder='circuit', **write_circuit_arguments) -> config path`` of the shared small circuit, in a fresh folder, with
    ``target_simulator`` the backend under test (so outputs go to the config's own output_dir)."""
    def write(folder: str = "circuit", **changes):
        return write_circuit(tmp_path / folder, **{"target_simulator": backend, **changes})
    return write
