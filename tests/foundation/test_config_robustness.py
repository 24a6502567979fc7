"""Whatever a user writes in a config, loading it fails only with a ConfigError."""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from bmtk_like.config import SimulationConfig
from bmtk_like.errors import ConfigError

FIXTURES = Path(os.environ.get("BMTK_LIKE_FIXTURES", Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "bmtk_examples"))
CONFIGS = sorted(FIXTURES.glob("*/config*.json"))
ODD_VALUES = [None, 3, -1.5, "x", "$", "${", [], [1, "a"], {}, {"a": [None]}, True]


def _leaf_paths(obj, prefix=()):
    if isinstance(obj, dict) and obj:
        for key, value in obj.items():
            yield from _leaf_paths(value, prefix + (key,))
    elif isinstance(obj, list) and obj:
        for i, value in enumerate(obj):
            yield from _leaf_paths(value, prefix + (i,))
    if prefix:
        yield prefix


def _replaced(config, path, value):
    config = copy.deepcopy(config)
    target = config
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return config


@pytest.mark.skipif(not CONFIGS, reason="shared bmtk fixtures not present")
@pytest.mark.parametrize("config_path", CONFIGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_any_odd_value_anywhere_gives_config_error_or_loads(config_path):
    raw = json.loads(config_path.read_text())
    n_errors = 0
    for path in _leaf_paths(raw):
        for value in ODD_VALUES:
            try:
                SimulationConfig.from_dict(_replaced(raw, path, value), config_path.parent,
                                           validate_files=False)
            except ConfigError as exc:
                assert str(exc).strip(), path
                n_errors += 1
    assert n_errors > 0
