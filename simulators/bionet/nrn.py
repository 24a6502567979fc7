"""BMTK's ``bionet.nrn`` helpers that existing run scripts call (``bionet.nrn.quit_execution()``)."""
from __future__ import annotations

import sys


def quit_execution() -> None:
    """End the run as BMTK's run scripts do: wait for every MPI rank, then exit the process (status 0).

    Outputs are already written by ``sim.run()``; MPI is finalised by the exit handlers of
    :mod:`simulators.bionet.parallel` (or by mpi4py)."""
    from simulators.bionet import parallel
    parallel.barrier()
    sys.stdout.flush()
    sys.exit(0)
