"""SpikeTrains: spikes of any number of populations, held as numpy columns.

Each population is a pair of arrays (node_ids uint64, timestamps float64 ms); added blocks
are kept as a list and concatenated on first read, so adding many blocks stays linear.
There is never one Python object per spike.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple, Union

import numpy as np
import pandas as pd

from bmtk_like.errors import SonataError
from bmtk_like.reports._files import check_population_name
from bmtk_like.reports.spike_files import (DEFAULT_POPULATION, PathLike, SortOrder, SpikeArrays,
                                           as_node_ids, as_timestamps, parse_sort_order,
                                           read_spikes, read_spikes_csv, read_spikes_sonata,
                                           sort_spikes, write_spikes_csv, write_spikes_sonata)

_EMPTY_IDS = np.zeros(0, dtype=np.uint64)
_EMPTY_TIMES = np.zeros(0, dtype=np.float64)


def _frozen(array: np.ndarray, source: object = None) -> np.ndarray:
    """A read-only array sharing no writable memory with ``source`` (the caller's array)."""
    if hasattr(source, "__array__"):
        source = np.asarray(source)
        if source.flags.writeable and np.may_share_memory(array, source):
            array = array.copy()  # read-only sources (another SpikeTrains) are shared as is
    array.flags.writeable = False
    return array


class SpikeTrains:
    """Spike times (ms) per population and node id, columnar.

    >>> st = SpikeTrains({"exc": ([0, 1, 0], [5.0, 7.5, 12.0])})
    >>> st.n_spikes(), st.spikes_for("exc", 0)
    (3, array([ 5., 12.]))
    """

    def __init__(self, population_arrays: Optional[Mapping[str, Tuple[Iterable, Iterable]]] = None,
                 source: Optional[Path] = None):
        self._blocks: Dict[str, List[Tuple[np.ndarray, np.ndarray]]] = {}
        self._trains: Dict[str, Tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # cache
        self.source = source  #: file the spikes were read from, if any
        for pop, (ids, times) in (population_arrays or {}).items():
            self.add_spikes(pop, ids, times)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_sonata(cls, path: PathLike, population: Optional[str] = None,
                    populations: Optional[Iterable[str]] = None) -> "SpikeTrains":
        """Read a SONATA spikes HDF5 file (``population`` names a legacy file's population)."""
        return cls(read_spikes_sonata(path, population, populations), source=Path(path))

    @classmethod
    def from_csv(cls, path: PathLike, population: Optional[str] = None,
                 populations: Optional[Iterable[str]] = None) -> "SpikeTrains":
        """Read a spikes CSV (``population`` for rows of a file without a population column)."""
        return cls(read_spikes_csv(path, population, populations), source=Path(path))

    @classmethod
    def load(cls, path: PathLike, population: Optional[str] = None,
             populations: Optional[Iterable[str]] = None) -> "SpikeTrains":
        """Read a spikes file, choosing CSV or SONATA HDF5 by its extension."""
        return cls(read_spikes(path, population, populations), source=Path(path))

    @classmethod
    def from_dataframe(cls, df: pd.DataFrame, population: Optional[str] = None) -> "SpikeTrains":
        """Columns ``node_ids`` (or ``node_id``/``gid``), ``timestamps`` (ms), ``population``.

        Without a population column every row goes to ``population`` (default "default").
        """
        lower = {str(c).lower(): c for c in df.columns}
        id_col = next((lower[c] for c in ("node_ids", "node_id", "gids", "gid") if c in lower),
                      None)
        time_col = next((lower[c] for c in ("timestamps", "times", "time") if c in lower), None)
        if id_col is None or time_col is None:
            raise SonataError(f"spikes DataFrame has columns {list(df.columns)}; it needs "
                              f"'node_ids' and 'timestamps' (and optionally 'population')")
        st = cls()
        ids = as_node_ids(df[id_col].to_numpy(), "spikes DataFrame")
        times = as_timestamps(df[time_col].to_numpy(), "spikes DataFrame")
        if "population" not in lower:
            st.add_spikes(population or DEFAULT_POPULATION, ids, times)
            return st
        pops = df[lower["population"]].astype(str).to_numpy()
        names, inverse = np.unique(pops, return_inverse=True)
        for k, name in enumerate(names):
            st.add_spikes(str(name), ids[inverse == k], times[inverse == k])
        return st

    def add_spikes(self, population: str, node_ids: Union[int, Iterable[int]],
                   timestamps: Union[float, Iterable[float]]) -> None:
        """Append spikes; a scalar node id is repeated for every time (ms)."""
        where = f"SpikeTrains.add_spikes(population={population!r})"
        check_population_name(population, where)
        times = as_timestamps(timestamps, where)
        ids = as_node_ids(node_ids, where)
        if ids.size == 1 and times.size != 1:
            ids = np.full(times.size, ids[0], dtype=np.uint64)
        if ids.shape != times.shape:
            raise SonataError(f"{where}: {ids.size} node ids but {times.size} timestamps; give "
                              f"one node id per spike time (or a single node id)")
        self._blocks.setdefault(population, []).append((_frozen(ids, node_ids),
                                                         _frozen(times, timestamps)))
        self._trains.pop(population, None)

    def merge(self, other: "SpikeTrains") -> "SpikeTrains":
        """A new SpikeTrains holding the spikes of both (populations are unioned)."""
        out = SpikeTrains()
        for source in (self, other):
            for pop in source.populations:
                out.add_spikes(pop, *source.get(pop))
        return out

    def gather(self, comm, root: int = 0) -> Optional["SpikeTrains"]:
        """Every rank's spikes merged on rank ``root`` of an mpi4py communicator (None on the
        other ranks); populations keep the order in which ranks hold them."""
        parts = comm.gather(self._population_arrays(), root=root)
        if comm.Get_rank() != root:
            return None
        out = SpikeTrains(source=self.source)
        for part in parts:
            for pop, (ids, times) in part.items():
                out.add_spikes(pop, ids, times)
        return out

    # ------------------------------------------------------------------ access
    def _arrays(self, population: str) -> Tuple[np.ndarray, np.ndarray]:
        blocks = self._blocks[population]
        if len(blocks) > 1:
            blocks[:] = [(_frozen(np.concatenate([b[0] for b in blocks])),
                          _frozen(np.concatenate([b[1] for b in blocks])))]
        return blocks[0]

    @property
    def populations(self) -> List[str]:
        """Population names, in the order they were first added."""
        return list(self._blocks)

    def get(self, population: str, missing_ok: bool = False) -> Tuple[np.ndarray, np.ndarray]:
        """(node_ids uint64, timestamps ms) of one population, in stored order (read-only).

        An unknown population is an error unless ``missing_ok`` (then empty arrays).
        """
        if population not in self._blocks:
            if missing_ok:
                return _EMPTY_IDS.copy(), _EMPTY_TIMES.copy()
            src = f" (read from {self.source})" if self.source else ""
            raise SonataError(f"spike trains{src} have no population {population!r}; "
                              f"populations: {self.populations}")
        return self._arrays(population)

    def trains(self, population: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every node's train at once: (node_ids, index_pointers, times).

        ``node_ids`` are the ascending ids that fired; ``times[index_pointers[i]:
        index_pointers[i + 1]]`` are node_ids[i]'s spike times in ms, ascending. The layout
        bulk-creates one spike generator per node without a per-spike Python loop.
        """
        if population not in self._trains:
            ids, times = sort_spikes(*self.get(population, missing_ok=True), SortOrder.by_id)
            starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if ids.size else \
                np.zeros(0, dtype=np.int64)
            pointers = np.append(starts, ids.size).astype(np.int64)
            self._trains[population] = (ids[starts], pointers, times)
        return self._trains[population]

    def spikes_for(self, population: str, node_id: int) -> np.ndarray:
        """Sorted spike times (ms) of one node; empty if it never fired."""
        nodes, pointers, times = self.trains(population)
        k = int(np.searchsorted(nodes, np.uint64(node_id)))
        if k == nodes.size or nodes[k] != np.uint64(node_id):
            return np.zeros(0, dtype=np.float64)
        return times[pointers[k]:pointers[k + 1]].copy()

    def node_ids(self, population: str) -> np.ndarray:
        """Sorted unique ids of the nodes of ``population`` that fired."""
        return np.unique(self.get(population, missing_ok=True)[0])

    def n_spikes(self, population: Optional[str] = None) -> int:
        """Number of spikes of one population, or of all."""
        pops = self.populations if population is None else [population]
        return int(sum(self.get(p, missing_ok=True)[1].size for p in pops))

    def __len__(self) -> int:
        return self.n_spikes()

    def time_range(self) -> Tuple[float, float]:
        """(first, last) spike time in ms over all populations; (nan, nan) if empty."""
        times = [self.get(p)[1] for p in self.populations if self.get(p)[1].size]
        if not times:
            return float("nan"), float("nan")
        return float(min(t.min() for t in times)), float(max(t.max() for t in times))

    def firing_rates(self, population: str, node_ids: Optional[Iterable[int]] = None,
                     tstart: float = 0.0, tstop: Optional[float] = None) -> np.ndarray:
        """Rate in Hz of each node in ``node_ids`` (default: 0..max id) over [tstart, tstop) ms.

        ``tstop`` defaults to the last spike time; nodes that never fired get 0.
        """
        ids, times = self.get(population, missing_ok=True)
        if tstop is None:
            tstop = float(times.max()) if times.size else tstart
        if tstop <= tstart:
            raise SonataError(f"firing_rates of population {population!r}: the window "
                              f"[{tstart}, {tstop}) ms is empty; give tstop > tstart")
        if node_ids is None:
            nodes = np.arange(int(ids.max()) + 1 if ids.size else 0, dtype=np.uint64)
        else:
            nodes = as_node_ids(node_ids, f"firing_rates of population {population!r}")
        in_window = (times >= tstart) & (times < tstop)
        counted, counts = np.unique(ids[in_window], return_counts=True)
        per_node = np.zeros(nodes.size, dtype=np.float64)
        if counted.size:
            pos = np.minimum(np.searchsorted(counted, nodes), counted.size - 1)
            hit = counted[pos] == nodes
            per_node[hit] = counts[pos[hit]]
        return per_node / ((tstop - tstart) / 1000.0)

    # ------------------------------------------------------------------ conversion
    def to_dataframe(self, populations: Optional[Iterable[str]] = None,
                     sort_order: Union[str, SortOrder, None] = None) -> pd.DataFrame:
        """One row per spike: columns ``node_ids``, ``timestamps`` (ms), ``population``."""
        pops = self.populations if populations is None else list(populations)
        frames = [pd.DataFrame({"node_ids": ids, "timestamps": times, "population": pop})
                  for pop in pops for ids, times in [self.get(pop)]]
        if not frames:
            return pd.DataFrame({"node_ids": _EMPTY_IDS, "timestamps": _EMPTY_TIMES,
                                 "population": pd.Series([], dtype=object)})
        df = pd.concat(frames, ignore_index=True)
        order = parse_sort_order(sort_order)
        if order == SortOrder.by_time:
            df = df.sort_values(["timestamps", "population", "node_ids"], kind="stable")
        elif order == SortOrder.by_id:
            df = df.sort_values(["population", "node_ids", "timestamps"], kind="stable")
        return df.reset_index(drop=True)

    def select(self, populations: Optional[Iterable[str]] = None,
               node_ids: Optional[Mapping[str, Iterable[int]]] = None,
               tstart: Optional[float] = None, tstop: Optional[float] = None) -> "SpikeTrains":
        """The spikes of some populations, nodes ({population: ids}) and/or [tstart, tstop) ms."""
        pops = self.populations if populations is None else list(populations)
        out = SpikeTrains(source=self.source)
        for pop in pops:
            ids, times = self.get(pop)
            keep = np.ones(ids.size, dtype=bool)
            if tstart is not None:
                keep &= times >= tstart
            if tstop is not None:
                keep &= times < tstop
            if node_ids is not None:
                wanted = node_ids.get(pop)
                keep &= np.isin(ids, as_node_ids([] if wanted is None else wanted,
                                                 f"select(population={pop!r})"))
            out.add_spikes(pop, ids[keep], times[keep])
        return out

    def sorted(self, sort_order: Union[str, SortOrder] = "by_time") -> "SpikeTrains":
        """A copy with each population's spikes sorted by time or by node id."""
        order = parse_sort_order(sort_order)
        return SpikeTrains({p: sort_spikes(*self.get(p), order) for p in self.populations},
                           source=self.source)

    def _population_arrays(self) -> SpikeArrays:
        return {p: self.get(p) for p in self.populations}

    def to_sonata(self, path: PathLike, sort_order: Union[str, SortOrder] = "by_time",
                  mode: str = "w") -> Path:
        """Write a SONATA spikes HDF5 file (mode "x" refuses to replace an existing file)."""
        return write_spikes_sonata(path, self._population_arrays(), sort_order, mode)

    def to_csv(self, path: PathLike, sort_order: Union[str, SortOrder] = "by_time",
               mode: str = "w") -> Path:
        """Write ``timestamps population node_ids`` rows, space-separated, times in ms."""
        return write_spikes_csv(path, self._population_arrays(), sort_order, mode)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpikeTrains):
            return NotImplemented
        if sorted(self.populations) != sorted(other.populations):
            return False
        for pop in self.populations:
            a = sort_spikes(*self.get(pop), SortOrder.by_id)
            b = sort_spikes(*other.get(pop), SortOrder.by_id)
            if not (np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])):
                return False
        return True

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        counts = ", ".join(f"{p}: {self.n_spikes(p)}" for p in self.populations)
        return f"SpikeTrains({counts or 'empty'})"
