"""NEURON's ParallelContext, initialising MPI only when the process was launched by mpirun.

Nothing here runs at import time: ``import simulators.bionet`` never touches NEURON or MPI.
Under Open MPI/MPICH/PMIx (detected from the launcher's environment variables, size > 1) MPI is
started by mpi4py when installed (it also finalises MPI at exit), then NEURON joins it with
``h.nrnmpi_init()`` before the first ParallelContext is made: the MPI library mpi4py loaded is made
visible to NEURON first (`share_mpi_library`), so both use the same one, whether it is the system's
Open MPI or an MPI wheel from PyPI (``pip install mpich``, see docs/coreneuron.md) that NEURON's own
search for ``libmpi.so`` would miss or would pass over for the system's. Without mpi4py, NEURON starts MPI and
an exit handler finalises it with ``h.quit`` (exit status 1 after an uncaught exception).
"""
from __future__ import annotations

import atexit
import ctypes
import importlib
import os
import re
import sys
from typing import Any

from simulators.core.launcher import launched_by_mpirun

_context = None
_state = {"finalized": False, "failed": False}


def context():
    """The process-wide ``h.ParallelContext`` (MPI started first if launched by mpirun)."""
    global _context
    if _context is None:
        if launched_by_mpirun():
            # before NEURON's import, which under an MPI launcher already looks for an MPI library
            try:        # mpi4py (the MPI extra) initialises MPI and finalises it at exit, keeping exit codes
                importlib.import_module("mpi4py.MPI")
                finalized_by_mpi4py = True
                share_mpi_library()
            except ImportError:
                finalized_by_mpi4py = False
            from neuron import h
            h.nrnmpi_init()
            _context = h.ParallelContext()
            if int(_context.nhost()) > 1 and not finalized_by_mpi4py:
                _install_finalizer()
        else:
            from neuron import h
            _context = h.ParallelContext()
    return _context


_LIBMPI = re.compile(r"/lib(?:mpi|mpich)\.so[.\d]*$")


def share_mpi_library() -> list[str]:
    """Re-open the MPI library this process loaded (mpi4py opens it privately) with RTLD_GLOBAL.

    NEURON then finds ``MPI_Initialized`` already in the process and uses that library (choosing its
    Open MPI or MPICH glue by the symbols) instead of searching for ``libmpi.so`` itself. Linux only
    (reads /proc/self/maps); elsewhere nothing changes. Returns the libraries shared.
    """
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if _LIBMPI.search(line.strip())})
    except OSError:
        return []
    for path in paths:
        ctypes.CDLL(path, mode=os.RTLD_GLOBAL)
    return paths


def _install_finalizer() -> None:
    """Finalize NEURON's MPI at exit (else mpirun reports an improper exit), keeping a failure exit code."""
    previous_hook = sys.excepthook

    def hook(*exc_info):
        _state["failed"] = True
        previous_hook(*exc_info)

    def finalize():
        if _state["finalized"]:
            return
        _state["finalized"] = True
        from neuron import h
        sys.stdout.flush()
        sys.stderr.flush()
        h.quit(1 if _state["failed"] else 0)

    sys.excepthook = hook
    atexit.register(finalize)


def gather(obj: Any) -> list | None:
    """``obj`` of every rank, in rank order, on rank 0 (None elsewhere); no MPI needed when serial."""
    pc = context()
    if int(pc.nhost()) == 1:
        return [obj]
    result = pc.py_gather(obj, 0)
    return list(result) if int(pc.id()) == 0 else None


def is_root() -> bool:
    return int(context().id()) == 0


def barrier() -> None:
    pc = context()
    if int(pc.nhost()) > 1:
        pc.barrier()
