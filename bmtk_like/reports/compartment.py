"""SONATA compartment reports (membrane voltage, currents, any per-element variable).

Layout written, one group per population (libsonata's Soma/ElementReportReader and bmtk
both read it)::

    /report/<pop>/data                    float32 (n_times, n_elements), attrs units,
                                          variable_name
    /report/<pop>/mapping/node_ids        uint64 (n_nodes,)
    /report/<pop>/mapping/index_pointers  uint64 (n_nodes + 1,); hard link index_pointer
    /report/<pop>/mapping/element_ids     uint32 (n_elements,)   section id of each column
    /report/<pop>/mapping/element_pos     float32 (n_elements,)  position along the section
    /report/<pop>/mapping/time            float64 [tstart, tstop, dt], attr units="ms"

Columns index_pointers[i]:index_pointers[i+1] of ``data`` belong to node_ids[i]. Frame k is
the value at tstart + k*dt, and n_times = round((tstop - tstart) / dt) (tstop excluded),
bmtk's convention.

Long runs write in time blocks: ``CompartmentReportWriter.add_population`` creates the
dataset with its final shape (frames not yet written read as NaN), ``write_block`` fills
the next frames.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Dict, Iterable, Optional

import numpy as np

from bmtk_like.errors import SonataError
from bmtk_like.reports._files import PathLike, check_population_name, open_h5_for_writing
from bmtk_like.reports.spike_files import as_node_ids


def n_frames(tstart: float, tstop: float, dt: float) -> int:
    """Number of report frames for times tstart, tstart+dt, ... < tstop (ms)."""
    if not (dt > 0 and np.isfinite(dt)) or not tstop >= tstart:
        raise SonataError(f"report time axis [tstart={tstart}, tstop={tstop}, dt={dt}] ms is "
                          f"invalid; need dt > 0 and tstop >= tstart")
    return int(round((tstop - tstart) / dt))


class _PopulationCursor:
    def __init__(self, dataset, n_times: int):
        self.dataset = dataset
        self.n_times = n_times
        self.next_frame = 0


class CompartmentReportWriter:
    """Write one report file with any number of populations, frame blocks at a time.

    >>> with CompartmentReportWriter("v_report.h5") as w:       # doctest: +SKIP
    ...     w.add_population("cortex", node_ids, index_pointers, element_ids, element_pos,
    ...                      tstart=0.0, tstop=1000.0, dt=0.1, units="mV", variable_name="v")
    ...     for block in blocks:                                # (frames, n_elements)
    ...         w.write_block("cortex", block)
    """

    def __init__(self, path: PathLike, mode: str = "w"):
        self.path = Path(path)
        self._h5 = open_h5_for_writing(self.path, mode, "compartment report")
        self._cursors: Dict[str, _PopulationCursor] = {}

    def add_population(self, population: str, node_ids: Iterable[int],
                       index_pointers: Optional[Iterable[int]] = None,
                       element_ids: Optional[Iterable[int]] = None,
                       element_pos: Optional[Iterable[float]] = None, *,
                       tstart: float, tstop: float, dt: float, units: str = "mV",
                       time_units: str = "ms", variable_name: str = "v") -> int:
        """Create the population's datasets; returns the number of frames to write.

        Without ``index_pointers`` each node has one element (a soma report), with
        element id 0 and position 0.5 unless given.
        """
        where = f"compartment report {self.path}, population {population!r}"
        check_population_name(population, f"compartment report {self.path}")
        nodes = as_node_ids(node_ids, where)
        if index_pointers is None:
            pointers = np.arange(nodes.size + 1, dtype=np.uint64)
        else:
            pointers = as_node_ids(index_pointers, f"{where}, index_pointers")
        if pointers.size != nodes.size + 1 or (pointers.size and pointers[0] != 0) \
                or np.any(np.diff(pointers.astype(np.int64)) < 0):
            raise SonataError(f"{where}: index_pointers must be nondecreasing, start at 0 and "
                              f"have n_nodes + 1 = {nodes.size + 1} entries "
                              f"(got {pointers.size})")
        n_elements = int(pointers[-1]) if pointers.size else 0
        elem_ids = np.zeros(n_elements, dtype=np.uint32) if element_ids is None else \
            as_node_ids(element_ids, f"{where}, element_ids").astype(np.uint32)
        elem_pos = np.full(n_elements, 0.5, dtype=np.float32) if element_pos is None else \
            np.asarray(element_pos, dtype=np.float32).reshape(-1)
        for name, arr in (("element_ids", elem_ids), ("element_pos", elem_pos)):
            if arr.size != n_elements:
                raise SonataError(f"{where}: {name} has {arr.size} entries but index_pointers "
                                  f"declare {n_elements} elements")
        if time_units != "ms":
            raise SonataError(f"{where}: time_units {time_units!r} is not supported; "
                              f"reports are written in ms")
        n_times = n_frames(tstart, tstop, dt)
        root = self._h5.require_group("report")
        if population in root:
            raise SonataError(f"{where} already exists in the file; use another population "
                              f"name or write a new file (mode='w')")
        grp = root.create_group(population)
        mapping = grp.create_group("mapping")
        ids_ds = mapping.create_dataset("node_ids", data=nodes, dtype=np.uint64)
        # libsonata reads this flag to search node ids by bisection
        ids_ds.attrs["sorted"] = np.uint8(bool(np.all(np.diff(nodes.astype(np.int64)) > 0)))
        mapping.create_dataset("index_pointers", data=pointers, dtype=np.uint64)
        mapping["index_pointer"] = mapping["index_pointers"]  # hard link: bmtk reads this name
        mapping.create_dataset("element_ids", data=elem_ids, dtype=np.uint32)
        mapping.create_dataset("element_pos", data=elem_pos, dtype=np.float32)
        time = mapping.create_dataset("time", data=np.array([tstart, tstop, dt], np.float64))
        time.attrs["units"] = time_units
        data = grp.create_dataset("data", shape=(n_times, n_elements), dtype=np.float32,
                                  fillvalue=np.float32(np.nan))
        data.attrs["units"] = units
        data.attrs["variable_name"] = variable_name
        self._cursors[population] = _PopulationCursor(data, n_times)
        return n_times

    def write_block(self, population: str, block: np.ndarray,
                    start_frame: Optional[int] = None) -> None:
        """Write frames (n_frames_in_block, n_elements) after the last block, or at start_frame."""
        cursor = self._cursors.get(population)
        if cursor is None:
            raise SonataError(f"compartment report {self.path}: population {population!r} was "
                              f"not added; call add_population first (added: "
                              f"{list(self._cursors)})")
        block = np.asarray(block, dtype=np.float32)
        if block.ndim == 1:
            block = block[np.newaxis, :]
        start = cursor.next_frame if start_frame is None else int(start_frame)
        expected = cursor.dataset.shape[1]
        if block.ndim != 2 or block.shape[1] != expected:
            raise SonataError(f"compartment report {self.path}, population {population!r}: a "
                              f"block must be (frames, {expected} elements), got {block.shape}")
        if start < 0 or start + block.shape[0] > cursor.n_times:
            raise SonataError(f"compartment report {self.path}, population {population!r}: "
                              f"frames {start}..{start + block.shape[0] - 1} fall outside the "
                              f"{cursor.n_times} frames declared by [tstart, tstop, dt]")
        cursor.dataset[start:start + block.shape[0], :] = block
        cursor.next_frame = max(cursor.next_frame, start + block.shape[0])

    def frames_remaining(self, population: str) -> int:
        """Frames of ``population`` after the last one written so far."""
        cursor = self._cursors.get(population)
        if cursor is None:
            raise SonataError(f"compartment report {self.path}: population {population!r} was "
                              f"not added (added: {list(self._cursors)})")
        return cursor.n_times - cursor.next_frame

    def close(self) -> None:
        """Close the file; warns if a population has frames never written (left NaN)."""
        if self._h5 is None:
            return
        for pop, cursor in self._cursors.items():
            if cursor.next_frame < cursor.n_times:
                warnings.warn(f"compartment report {self.path}, population {pop!r}: only "
                              f"{cursor.next_frame} of {cursor.n_times} frames written; the "
                              f"rest read as NaN", RuntimeWarning, stacklevel=2)
        self._h5.close()
        self._h5 = None

    def __enter__(self) -> "CompartmentReportWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def write_compartment_report(path: PathLike, population: str, node_ids: Iterable[int],
                             index_pointers: Optional[Iterable[int]],
                             element_ids: Optional[Iterable[int]],
                             element_pos: Optional[Iterable[float]], data: np.ndarray,
                             tstart: float, tstop: float, dt: float, units: str = "mV",
                             time_units: str = "ms", variable_name: str = "v",
                             mode: str = "w") -> Path:
    """Write one population's whole report (data is n_times x n_elements); mode "a" adds it
    to an existing report file."""
    data = np.asarray(data, dtype=np.float32)
    n_times = n_frames(tstart, tstop, dt)
    if data.ndim != 2 or data.shape[0] != n_times:
        raise SonataError(f"compartment report {path}, population {population!r}: data "
                          f"has shape {data.shape}, expected ({n_times} frames for "
                          f"[{tstart}, {tstop}) ms at dt={dt}, n_elements)")
    with CompartmentReportWriter(path, mode=mode) as writer:
        writer.add_population(population, node_ids, index_pointers, element_ids, element_pos,
                              tstart=tstart, tstop=tstop, dt=dt, units=units,
                              time_units=time_units, variable_name=variable_name)
        writer.write_block(population, data)
    return Path(path)
