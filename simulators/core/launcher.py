"""What an MPI launcher (mpirun, srun) says about this process, read from its environment.

No MPI library is imported: backends use this to decide whether to start MPI at all, and the CLI to
let only rank 0 report.
"""
from __future__ import annotations

import os

_SIZE_VARS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS")
_RANK_VARS = ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK")


def launched_by_mpirun() -> bool:
    """True when an MPI launcher started this process as one of several ranks."""
    return any(int(os.environ[var]) > 1 for var in _SIZE_VARS if os.environ.get(var, "").isdigit())


def launcher_rank() -> int:
    """This process's rank as the launcher set it (0 when not launched by one)."""
    return next((int(os.environ[var]) for var in _RANK_VARS if os.environ.get(var, "").isdigit()), 0)
