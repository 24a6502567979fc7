"""NEURON's ParallelContext, initialising MPI only when the process was launched by mpirun.

Nothing here runs at import time: ``import simulators.bionet`` never touches NEURON or MPI.
Under Open MPI/MPICH/PMIx (detected from the launcher's environment variables, size > 1) MPI is
started by mpi4py when installed (it also finalises MPI at exit), then NEURON joins it with
``h.nrnmpi_init()`` before the first ParallelContext is made. Without mpi4py, NEURON starts MPI and
an exit handler finalises it with ``h.quit`` (exit status 1 after an uncaught exception).
"""
from __future__ import annotations

import atexit
import importlib
import sys
from typing import Any

from simulators.core.launcher import launched_by_mpirun

_context = None
_state = {"finalized": False, "failed": False}


def context():
    """The process-wide ``h.ParallelContext`` (MPI started first if launched by mpirun)."""
    global _context
    if _context is None:
        from neuron import h
        if launched_by_mpirun():
            try:        # mpi4py (the MPI extra) initialises MPI and finalises it at exit, keeping exit codes
                importlib.import_module("mpi4py.MPI")
                finalized_by_mpi4py = True
            except ImportError:
                finalized_by_mpi4py = False
            h.nrnmpi_init()
            _context = h.ParallelContext()
            if int(_context.nhost()) > 1 and not finalized_by_mpi4py:
                _install_finalizer()
        else:
            _context = h.ParallelContext()
    return _context


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
