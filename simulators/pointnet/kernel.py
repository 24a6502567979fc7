"""Importing and configuring the NEST kernel (the only place that imports ``nest``).

NEST's banner and INFO/WARNING chatter are silenced unless the config sets
``output.quiet_simulator`` to false explicitly.
"""
from __future__ import annotations

import os
import warnings
from typing import Any, Optional

from bmtk_like.errors import SimulationError


def import_nest(quiet: bool = True) -> Any:
    """Import and return the ``nest`` module (quietly); SimulationError if not installed."""
    if quiet:
        os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import nest
    except ImportError as exc:
        raise SimulationError("the NEST backend needs NEST (pip install nest-simulator); "
                              f"importing it failed: {exc}") from exc
    return nest


def set_verbosity(nest: Any, quiet: bool) -> None:
    """ERROR-level NEST messages when quiet, INFO otherwise (works across NEST 3 versions)."""
    level_name = "ERROR" if quiet else "INFO"
    levels = getattr(nest, "VerbosityLevel", None)
    if levels is not None and hasattr(levels, level_name):
        nest.verbosity = getattr(levels, level_name)
    else:                                           # NEST < 3.9
        nest.set_verbosity(f"M_{level_name}")


def reset_kernel(dt: float, nthreads: int = 1, seed: Optional[int] = None, quiet: bool = True) -> Any:
    """Reset NEST and set resolution ``dt`` (ms), threads and ``rng_seed``; return ``nest``.

    ``seed`` None keeps NEST's default seed, so runs are still reproducible.
    """
    nest = import_nest(quiet)
    set_verbosity(nest, quiet)
    nest.ResetKernel()
    set_verbosity(nest, quiet)
    status = {"resolution": float(dt), "local_num_threads": int(nthreads), "print_time": False}
    if seed is not None:
        if not 1 <= int(seed) < 2 ** 31:
            raise SimulationError(f"run.seed {seed} is outside NEST's rng_seed range 1..2^31-1; "
                                  "choose another seed")
        status["rng_seed"] = int(seed)
    try:
        nest.SetKernelStatus(status)
    except Exception as exc:       # NEST raises its own error classes
        raise SimulationError(f"NEST rejected the kernel settings {status}: {exc}; check run.dt "
                              "(ms, > 0) and run.nthreads") from None
    return nest
