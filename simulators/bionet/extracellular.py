"""BMTK's ``extracellular`` report: the potential (mV) at electrode sites from every selected cell's membrane
currents (``i_membrane_``, nA, via ``cvode.use_fast_imem``) by the line-source approximation.

Each cell's transfer matrix (electrodes × segments) is computed once from its segment coordinates after
rotation and placement; after each run block the recorded currents are multiplied by it, so memory holds
one block of currents. Output: ``/ecp/data`` (frames × electrodes, mV), ``/ecp/time`` [0, tstop, dt] ms,
``/ecp/channel_id``, as BMTK writes.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from bmtk_like.errors import SimulationError
from simulators.bionet import parallel
from simulators.bionet.recording import report_cells

SIGMA_EXTRACELLULAR = 0.3  # S/m, BMTK's value


def read_electrodes(path: Path, who: str) -> np.ndarray:
    """Electrode positions (3, n) µm from a CSV with x_pos y_pos z_pos columns (space or comma separated)."""
    try:
        table = pd.read_csv(path, sep=r"[\s,]+", engine="python")
        return table[["x_pos", "y_pos", "z_pos"]].to_numpy(dtype=float).T
    except (OSError, KeyError, ValueError) as exc:
        raise SimulationError(f"{who}: cannot read electrode positions from {path} ({exc}); it needs columns "
                              "channel x_pos y_pos z_pos") from None


def transfer_resistance(electrodes: np.ndarray, p0: np.ndarray, p1: np.ndarray, diam: np.ndarray | None,
                        minimum_distance) -> np.ndarray:
    """Line-source transfer matrix (n_electrodes, n_segments): potential (mV) = T @ i_membrane_ (nA).

    Segments run from ``p0`` to ``p1`` (3, n) µm; σ = 0.3 S/m, so 1 nA at 1 µm gives 1/(4π·0.3) ≈ 0.265 mV.
    ``minimum_distance`` ('auto' = segment radius, a number in µm, or None) bounds the perpendicular
    distance when an electrode is next to a segment. The formula and units are BMTK's RecXElectrode's.
    """
    r05 = (p0 + p1) / 2.0
    dl = p1 - p0
    dlmag = np.linalg.norm(dl, axis=0)
    dlmag = np.where(dlmag > 0, dlmag, 1e-9)
    rm = diam / 2.0 if minimum_distance == "auto" else minimum_distance
    tr = np.zeros((electrodes.shape[1], r05.shape[1]))
    for j in range(electrodes.shape[1]):
        rel = electrodes[:, j:j + 1] - r05
        r2 = np.einsum("ij,ij->j", rel, rel)
        rll = np.abs(np.einsum("ij,ij->j", rel, dl) / dlmag)
        rT2 = r2 - rll ** 2
        up, low = rll + dlmag / 2.0, rll - dlmag / 2.0
        if minimum_distance:
            rm2 = np.broadcast_to(np.asarray(rm, float) ** 2, rT2.shape)
            rT2 = np.where(low < np.broadcast_to(rm, low.shape), np.fmax(rT2, rm2), rT2)
        tr[j] = np.log((up + np.sqrt(up ** 2 + rT2)) / (low + np.sqrt(low ** 2 + rT2))) / dlmag
    return tr / (4.0 * math.pi * SIGMA_EXTRACELLULAR)


class ExtracellularReport:
    """BMTK's ``extracellular`` report: potential at electrodes (mV) summed over the selected cells."""

    def __init__(self, network, spec, path: Path, tstop: float, dt: float):
        from neuron import h
        who = f"report {spec.name!r}"
        positions = spec.params.get("electrode_positions")
        if positions is None:
            raise SimulationError(f"{who}: an extracellular report needs electrode_positions (a CSV file)")
        self.electrodes = read_electrodes(Path(positions), who)
        self.path, self.tstop, self.dt = Path(path), tstop, dt
        min_dist = spec.params.get("minimum_distance")
        from simulators.bionet.morphology import placed_coords
        h.CVode().use_fast_imem(1)
        selection = report_cells(network, spec.cells)
        self.cells = []
        for pop, ids in selection.items():
            for cell in network.local_cells(pop, ids):
                if cell.template is None:
                    continue
                p0, p1 = placed_coords(cell.template, cell.position, cell.rotation)
                tr = transfer_resistance(self.electrodes, p0, p1, cell.template.seg_diam, min_dist)
                vecs = []
                for sec in cell.sections:
                    for seg in sec:
                        vec = h.Vector()
                        vec.record(seg._ref_i_membrane_)
                        vecs.append(vec)
                self.cells.append((tr, vecs))
        self.blocks: list[np.ndarray] = []
        self._skip_first = True

    @property
    def n_values(self) -> int:
        """Number of recorded membrane currents on this rank (values per time step)."""
        return sum(len(vecs) for _, vecs in self.cells)

    def drain(self) -> None:
        """Add this block's potentials (electrodes × frames) of every local cell; empty the current Vectors."""
        total = None
        for tr, vecs in self.cells:
            currents = np.stack([v.as_numpy() for v in vecs])      # (nseg, frames) nA
            for v in vecs:
                v.resize(0)
            part = tr @ currents
            total = part if total is None else total + part
        if total is None:
            total = np.zeros((self.electrodes.shape[1], 0))
        if self._skip_first and total.shape[1]:
            total = total[:, 1:]
        self._skip_first = False
        self.blocks.append(total.T)

    def close(self) -> None:
        import h5py
        mine = np.concatenate(self.blocks, axis=0) if self.blocks else np.zeros((0, self.electrodes.shape[1]))
        gathered = parallel.gather(mine)
        if gathered is None:
            return
        rows = max((g.shape[0] for g in gathered), default=0)
        data = sum((g for g in gathered if g.shape[0] == rows), np.zeros((rows, self.electrodes.shape[1])))
        with h5py.File(self.path, "w") as f5:
            ds = f5.create_dataset("/ecp/data", data=data.astype(np.float64))
            ds.attrs["units"] = "mV"
            tm = f5.create_dataset("/ecp/time", data=np.array([0.0, self.tstop, self.dt]))
            tm.attrs["units"] = "ms"
            f5.create_dataset("/ecp/channel_id", data=np.arange(self.electrodes.shape[1]))
