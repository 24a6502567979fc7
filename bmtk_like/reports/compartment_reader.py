"""Reading SONATA compartment reports (ours, bmtk's, neurodamus-style) per population.

The mapping is read once into memory; data columns are read from the file on demand, so a
large report is never loaded whole unless asked for.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, List, Optional

import h5py
import numpy as np
import pandas as pd

from bmtk_like.errors import SonataError
from bmtk_like.reports._files import PathLike, attr_str, check_units_ms, open_h5_for_reading
from bmtk_like.reports.spike_files import as_node_ids


class ReportPopulation:
    """One population of a compartment report: mapping arrays, time axis, data access."""

    def __init__(self, path: Path, name: str, grp: h5py.Group):
        where = f"compartment report {path}, population {name!r}"
        self.path, self.name = path, name
        if "data" not in grp or "mapping" not in grp:
            raise SonataError(f"{where} lacks 'data' or 'mapping'; expected /report/{name}/data "
                              f"and /report/{name}/mapping/(node_ids, index_pointers, time)")
        mapping = grp["mapping"]
        pointer_name = next((n for n in ("index_pointers", "index_pointer") if n in mapping), None)
        id_name = "node_ids" if "node_ids" in mapping else "gids"
        missing = [n for n in (id_name, "time") if n not in mapping]
        if pointer_name is None:
            missing.append("index_pointers")
        if missing:
            raise SonataError(f"{where}: mapping lacks {', '.join(missing)}")
        #: node ids (uint64), in file order
        self.node_ids = as_node_ids(mapping[id_name][()], where)
        #: data columns of node_ids[i] are index_pointers[i]:index_pointers[i + 1]
        self.index_pointers = mapping[pointer_name][()].astype(np.int64)
        data = grp["data"]
        self._data_path = data.name
        self.shape = tuple(data.shape)
        n_elements = self.shape[1] if len(self.shape) == 2 else -1
        if self.index_pointers.size != self.node_ids.size + 1 or len(self.shape) != 2 or \
                (self.index_pointers.size and self.index_pointers[-1] != n_elements):
            raise SonataError(f"{where}: mapping is inconsistent with data {self.shape}: "
                              f"{self.node_ids.size} node ids need {self.node_ids.size + 1} "
                              f"index pointers ending at the number of data columns")
        elem_name = "element_ids" if "element_ids" in mapping else "element_id"
        self.element_ids = mapping[elem_name][()].astype(np.uint32) \
            if elem_name in mapping else np.zeros(n_elements, np.uint32)
        self.element_pos = mapping["element_pos"][()].astype(np.float32) \
            if "element_pos" in mapping else np.full(n_elements, 0.5, np.float32)
        time = mapping["time"]
        factor = check_units_ms(time.attrs["units"], f"{where}, mapping/time") \
            if "units" in time.attrs else 1.0
        try:
            axis = np.asarray(time[()], dtype=np.float64).reshape(-1) * factor
        except (TypeError, ValueError):
            axis = np.zeros(0)
        if axis.size != 3 or not np.all(np.isfinite(axis)) or axis[2] <= 0 or axis[1] < axis[0]:
            raise SonataError(f"{where}: mapping/time is {np.asarray(time[()]).tolist()!r}; it must be "
                              "[tstart, tstop, dt] (3 finite numbers, dt > 0, tstop >= tstart)")
        tstart, tstop, dt = axis.tolist()
        self.tstart, self.tstop, self.dt = tstart, tstop, dt  # ms
        self.time_units = "ms"
        self.units = attr_str(data.attrs.get("units", ""))
        self.variable_name = attr_str(data.attrs.get("variable_name", ""))
        self._row_of = {int(n): i for i, n in enumerate(self.node_ids)} \
            if self.node_ids.size < 200_000 else None

    @property
    def times(self) -> np.ndarray:
        """Time (ms) of each data row: tstart + k * dt."""
        return self.tstart + np.arange(self.shape[0]) * self.dt

    @property
    def n_elements(self) -> int:
        return self.shape[1]

    def _node_row(self, node_id: int) -> int:
        if self._row_of is not None:
            row = self._row_of.get(int(node_id))
        else:
            hits = np.flatnonzero(self.node_ids == np.uint64(node_id))
            row = int(hits[0]) if hits.size else None
        if row is None:
            raise SonataError(f"compartment report {self.path}, population {self.name!r} has "
                              f"no node {node_id}; recorded nodes: "
                              f"{_summary(self.node_ids)}")
        return row

    def element_columns(self, node_id: int) -> slice:
        """Data columns of one node."""
        row = self._node_row(node_id)
        return slice(int(self.index_pointers[row]), int(self.index_pointers[row + 1]))

    def data(self, node_id: Optional[int] = None) -> np.ndarray:
        """Data (n_times, n_elements of the node, or of the whole population) as float32."""
        cols = slice(None) if node_id is None else self.element_columns(node_id)
        with h5py.File(self.path, "r") as h5:
            return h5[self._data_path][:, cols]

    def traces(self, node_ids: Optional[Iterable[int]] = None,
               element: str = "first") -> np.ndarray:
        """One trace per node, (n_times, n_nodes): its first element (the soma) or the
        ``"mean"`` over its elements. Nodes default to every recorded node."""
        nodes = self.node_ids if node_ids is None else as_node_ids(
            node_ids, f"compartment report {self.path}, population {self.name!r}")
        rows = np.array([self._node_row(n) for n in nodes.tolist()], dtype=np.int64)
        first = self.index_pointers[rows]
        if np.any(self.index_pointers[rows + 1] == first):
            empty = nodes[self.index_pointers[rows + 1] == first][0]
            raise SonataError(f"compartment report {self.path}, population {self.name!r}: "
                              f"node {empty} has no recorded element")
        if element == "first":
            cols, inverse = np.unique(first, return_inverse=True)
            with h5py.File(self.path, "r") as h5:
                data = h5[self._data_path]
                # h5py point selection is slow for many columns: read whole rows instead
                block = data[()][:, cols] if cols.size * 4 > self.n_elements else data[:, cols]
            return block[:, inverse]
        if element == "mean":
            block = self.data().astype(np.float64)
            widths = self.index_pointers[rows + 1] - first
            # column sums of each node's own span from one running sum over the elements
            csum = np.concatenate([np.zeros((block.shape[0], 1)), np.cumsum(block, axis=1)], 1)
            sums = csum[:, first + widths] - csum[:, first]
            return (sums / widths).astype(np.float32)
        raise SonataError(f"traces(element={element!r}): use 'first' or 'mean'")

    def to_dataframe(self, node_ids: Optional[Iterable[int]] = None,
                     element: str = "first") -> pd.DataFrame:
        """Traces as a table: index ``time`` (ms), one column per node id."""
        nodes = self.node_ids if node_ids is None else as_node_ids(node_ids, "to_dataframe")
        table = pd.DataFrame(self.traces(nodes, element), index=pd.Index(self.times, name="time"),
                             columns=[int(n) for n in nodes])
        table.columns.name = "node_id"
        return table

    def __repr__(self) -> str:
        return (f"ReportPopulation({self.name!r}, nodes={self.node_ids.size}, "
                f"elements={self.n_elements}, frames={self.shape[0]}, "
                f"variable={self.variable_name!r} [{self.units}])")


def _summary(ids: np.ndarray) -> str:
    shown = ", ".join(str(i) for i in ids[:8].tolist())
    return f"[{shown}{', ...' if ids.size > 8 else ''}] ({ids.size} nodes)"


class CompartmentReport:
    """A compartment report file: ``report[pop]`` is a :class:`ReportPopulation`.

    Old bmtk reports without populations (``/data`` and ``/mapping`` at the root, node ids
    in ``mapping/gids``) read as one population named ``population``.
    """

    def __init__(self, path: PathLike, population: str = "default"):
        self.path = Path(path)
        with open_h5_for_reading(self.path, "compartment report") as h5:
            root = h5.get("report")
            if root is None and "data" in h5 and "mapping" in h5:
                self._pops = {population: ReportPopulation(self.path, population, h5)}
                return
            if not isinstance(root, h5py.Group):
                raise SonataError(f"compartment report {self.path} has no /report group "
                                  f"(top-level keys: {sorted(h5.keys())}); expected "
                                  f"/report/<population>/data and mapping")
            self._pops: Dict[str, ReportPopulation] = {
                name: ReportPopulation(self.path, name, grp) for name, grp in root.items()
                if isinstance(grp, h5py.Group)}

    @classmethod
    def load(cls, path: PathLike, population: str = "default") -> "CompartmentReport":
        """Open a report file and read every population's mapping."""
        return cls(path, population)

    @property
    def populations(self) -> List[str]:
        return list(self._pops)

    def __getitem__(self, population: str) -> ReportPopulation:
        if population not in self._pops:
            raise SonataError(f"compartment report {self.path} has no population "
                              f"{population!r}; populations: {self.populations}")
        return self._pops[population]

    def __contains__(self, population: str) -> bool:
        return population in self._pops

    def __iter__(self):
        return iter(self._pops.values())

    def __repr__(self) -> str:
        return f"CompartmentReport({str(self.path)!r}, populations={self.populations})"
