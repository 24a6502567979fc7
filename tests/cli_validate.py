"""`validate` as the CLI calls it: with the checks `run` makes (simulators.core.validate_as_run)."""
from __future__ import annotations

from bmtk_like.validate import validate as _validate
from simulators.core.validate_as_run import run_checks


def validate(paths, **kwargs):
    """bmtk_like.validate.validate(paths, run_checks=run_checks, **kwargs)."""
    return _validate(paths, run_checks=run_checks, **kwargs)
