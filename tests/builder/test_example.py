"""The builder demo in examples/builder_column builds, saves and refuses to overwrite."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from bmtk_like.errors import BuilderError
from bmtk_like.sonata import read_edges

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "builder_column" / "build.py"


@pytest.mark.slow
def test_builder_column_example(tmp_path):
    spec = importlib.util.spec_from_file_location("builder_column", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    v1, lgn = module.build(str(tmp_path))
    edges = read_edges(tmp_path / "v1_v1_edges.h5", tmp_path / "v1_v1_edge_types.csv")["v1_to_v1"]
    e_to_i = edges.edge_type_id == 101
    assert np.all(np.bincount(edges.target_node_id[e_to_i], minlength=5000)[4000:] == 80)
    ee = edges.edge_type_id == 100
    assert np.all(edges.column("delay")[ee] >= 1.0) and np.all(edges.column("delay")[ee] <= 1.0 + 300.0 / 500.0)
    thal = read_edges(tmp_path / "lgn_v1_edges.h5", tmp_path / "lgn_v1_edge_types.csv")["lgn_to_v1"]
    assert thal.target_node_id.max() < 2000          # tuning angle < 180 deg: the first half of Exc
    with pytest.raises(BuilderError, match="already exists; pass overwrite=True"):
        module.build(str(tmp_path))
