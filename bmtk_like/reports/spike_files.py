"""SONATA spike files (HDF5) and spike CSV tables, read and written as arrays.

HDF5 layout written (what libsonata and bmtk both read)::

    /  attrs magic=0x0A7A (uint32), version=[0, 1]
    /spikes/<population>            attr sorting: enum uint8 {none=0, by_id=1, by_time=2}
    /spikes/<population>/timestamps float64, attr units="ms"
    /spikes/<population>/node_ids   uint64

Readers also accept bmtk's string ``sorting`` (also on the node_ids dataset), int64/uint32
node ids, timestamps in seconds (``units="s"``, converted to ms) and the legacy layout
``/spikes/gids`` + ``/spikes/timestamps`` without a population, whose population name comes
from the caller.

CSV layout written: a header ``timestamps population node_ids`` then one row per spike,
space-separated, times in ms. Readers accept tabs or commas, ``gid``/``gids``/``node_id`` for
``node_ids``, a missing population column and header-less 2- or 3-column files.
"""
from __future__ import annotations

import enum
import io
from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple, Union

import h5py
import numpy as np
import pandas as pd

from bmtk_like.errors import SonataError
from bmtk_like.reports._files import (PathLike, attr_str, check_population_name, check_units_ms,
                                      open_h5_for_reading, open_h5_for_writing)

#: Population name given to spikes whose file names none (legacy h5, CSV without a column).
DEFAULT_POPULATION = "default"

SpikeArrays = Dict[str, Tuple[np.ndarray, np.ndarray]]  # population -> (node_ids, timestamps)


class SortOrder(enum.IntEnum):
    """Spike order in a file; the values are SONATA's ``sorting`` enum values."""

    none = 0
    by_id = 1
    by_time = 2


SORTING_DTYPE = h5py.enum_dtype({"none": 0, "by_id": 1, "by_time": 2}, basetype=np.uint8)
_SORT_NAMES = {"none": SortOrder.none, "unknown": SortOrder.none, "by_id": SortOrder.by_id,
               "id": SortOrder.by_id, "by_time": SortOrder.by_time, "time": SortOrder.by_time}


def parse_sort_order(value: Union[str, int, SortOrder, None]) -> SortOrder:
    """``"by_time"``/``"time"``, ``"by_id"``/``"id"``, ``"none"``/None or a SortOrder."""
    if value is None:
        return SortOrder.none
    if isinstance(value, enum.Enum) and not isinstance(value, SortOrder):
        value = value.name  # bmtk's own SortOrder enum
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if int(value) in (0, 1, 2):
            return SortOrder(int(value))
    elif isinstance(value, str) and value.strip().lower() in _SORT_NAMES:
        return _SORT_NAMES[value.strip().lower()]
    raise SonataError(f"unknown spike sort order {value!r}; use 'by_time', 'by_id' or 'none'")


def sort_spikes(node_ids: np.ndarray, timestamps: np.ndarray,
                sort_order: SortOrder) -> Tuple[np.ndarray, np.ndarray]:
    """Return the arrays ordered by (time, id) for by_time, (id, time) for by_id."""
    if sort_order == SortOrder.by_time:
        order = np.lexsort((node_ids, timestamps))
    elif sort_order == SortOrder.by_id:
        order = np.lexsort((timestamps, node_ids))
    else:
        return node_ids, timestamps
    return node_ids[order], timestamps[order]


def as_node_ids(values: Iterable, where: str) -> np.ndarray:
    """Node ids as uint64, refusing negative or non-integer values."""
    arr = np.asarray(values)
    if arr.dtype == np.uint64:
        return arr.reshape(-1)
    if arr.size and arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.floor(arr)):
            raise SonataError(f"{where}: node ids must be whole numbers")
    elif arr.size and arr.dtype.kind not in "iu":
        raise SonataError(f"{where}: node ids must be integers, got dtype {arr.dtype}")
    if arr.size and arr.min() < 0:
        raise SonataError(f"{where}: node ids must be >= 0, found {arr.min()}")
    return arr.astype(np.uint64).reshape(-1)


def as_timestamps(values: Iterable, where: str) -> np.ndarray:
    """Spike times as float64 ms, refusing NaN/inf."""
    try:
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise SonataError(f"{where}: spike times must be numbers ({exc})") from exc
    if arr.size and not np.all(np.isfinite(arr)):
        raise SonataError(f"{where}: spike times contain NaN or infinite values")
    return arr


# ----------------------------------------------------------------------------- HDF5
def write_spikes_sonata(path: PathLike, population_arrays: SpikeArrays,
                        sort_order: Union[str, SortOrder] = "by_time", mode: str = "w") -> Path:
    """Write {population: (node_ids, timestamps ms)} as a SONATA spikes file; returns path.

    ``mode="a"`` adds populations to an existing file (an existing population is an error),
    ``mode="x"`` refuses to replace an existing file.
    """
    order = parse_sort_order(sort_order)
    path = Path(path)
    with open_h5_for_writing(path, mode, "spikes file") as h5:
        root = h5.require_group("spikes")
        for pop, (ids, times) in population_arrays.items():
            where = f"spikes file {path}, population {pop!r}"
            check_population_name(pop, f"spikes file {path}")
            ids = as_node_ids(ids, where)
            times = as_timestamps(times, where)
            if ids.shape != times.shape:
                raise SonataError(f"{where}: {ids.size} node ids but {times.size} timestamps; "
                                  f"give one node id per spike time")
            if pop in root:
                raise SonataError(f"{where} already exists; write it once (merge the "
                                  f"SpikeTrains first) or use mode='w' to replace the file")
            ids, times = sort_spikes(ids, times, order)
            grp = root.create_group(pop)
            grp.attrs.create("sorting", int(order), dtype=SORTING_DTYPE)
            ts = grp.create_dataset("timestamps", data=times, dtype=np.float64)
            ts.attrs["units"] = "ms"
            grp.create_dataset("node_ids", data=ids, dtype=np.uint64)
    return path


def _read_pair(grp: h5py.Group, id_name: str, where: str) -> Tuple[np.ndarray, np.ndarray]:
    missing = [name for name in ("timestamps", id_name) if name not in grp]
    if missing:
        raise SonataError(f"{where} has no dataset {' or '.join(missing)}; a SONATA spikes "
                          f"population holds 'timestamps' and 'node_ids' of equal length")
    ts_ds, id_ds = grp["timestamps"], grp[id_name]
    if not isinstance(ts_ds, h5py.Dataset) or not isinstance(id_ds, h5py.Dataset):
        raise SonataError(f"{where}: 'timestamps' and '{id_name}' must be datasets")
    factor = check_units_ms(ts_ds.attrs["units"], f"{where}/timestamps") \
        if "units" in ts_ds.attrs else 1.0
    times = as_timestamps(ts_ds[()], where) * factor
    ids = as_node_ids(id_ds[()], where)
    if ids.shape != times.shape:
        raise SonataError(f"{where}: {id_name} has {ids.size} entries but timestamps has "
                          f"{times.size}; the two datasets must have one entry per spike")
    return ids, times


def read_spikes_sonata(path: PathLike, population: Optional[str] = None,
                       populations: Optional[Iterable[str]] = None) -> SpikeArrays:
    """Read a SONATA (or legacy) spikes file into {population: (node_ids, times ms)}.

    ``population``/``populations`` select populations; for the legacy layout without
    populations, ``population`` names the one population (default ``"default"``).
    """
    path = Path(path)
    wanted = None if populations is None else list(populations)
    if population is not None:
        wanted = [population] if wanted is None else wanted + [population]
    with open_h5_for_reading(path, "spikes file") as h5:
        if "spikes" not in h5 or not isinstance(h5["spikes"], h5py.Group):
            raise SonataError(f"spikes file {path} has no /spikes group (top-level keys: "
                              f"{sorted(h5.keys())}); a SONATA spikes file holds "
                              f"/spikes/<population>/timestamps and node_ids")
        root = h5["spikes"]
        groups = {name: obj for name, obj in root.items() if isinstance(obj, h5py.Group)}
        if not groups and "timestamps" in root and ("gids" in root or "node_ids" in root):
            id_name = "gids" if "gids" in root else "node_ids"
            name = population or (wanted[0] if wanted else DEFAULT_POPULATION)
            return {name: _read_pair(root, id_name, f"spikes file {path} (/spikes)")}
        if not groups:
            if "timestamps" in root or "gids" in root or "node_ids" in root:
                raise SonataError(f"spikes file {path}: /spikes holds {sorted(root.keys())} "
                                  f"but the legacy layout needs both 'gids' and 'timestamps'")
            return {}  # a run without spikes: /spikes exists, no population
        groups = _select_populations(groups, wanted, f"spikes file {path}")
        return {pop: _read_pair(grp, "node_ids", f"spikes file {path}, population {pop!r}")
                for pop, grp in groups.items()}


def _select_populations(found: dict, wanted: Optional[list], where: str) -> dict:
    """The entries of ``found`` named in ``wanted`` (all if None); unknown names are errors."""
    if wanted is None:
        return found
    unknown = [p for p in wanted if p not in found]
    if unknown:
        raise SonataError(f"{where} has no population {unknown[0]!r}; its populations are "
                          f"{sorted(found)}")
    return {p: found[p] for p in wanted}


def read_sorting(path: PathLike) -> Dict[str, SortOrder]:
    """The declared ``sorting`` of every population of a SONATA spikes file."""
    out = {}
    with open_h5_for_reading(path, "spikes file") as h5:
        root = h5.get("spikes")
        for pop, grp in (root.items() if isinstance(root, h5py.Group) else []):
            if not isinstance(grp, h5py.Group):
                continue
            attrs = grp.attrs if "sorting" in grp.attrs else (
                grp["node_ids"].attrs if "node_ids" in grp else {})
            raw = attrs.get("sorting", "none")
            try:
                out[pop] = parse_sort_order(int(raw) if np.issubdtype(
                    np.asarray(raw).dtype, np.integer) else attr_str(raw))
            except SonataError:
                out[pop] = SortOrder.none
    return out


# ----------------------------------------------------------------------------- CSV
_ID_COLUMNS = ("node_ids", "node_id", "gids", "gid")
_TIME_COLUMNS = ("timestamps", "timestamp", "times", "time", "spike_times")


def write_spikes_csv(path: PathLike, population_arrays: SpikeArrays,
                     sort_order: Union[str, SortOrder] = "by_time", mode: str = "w") -> Path:
    """Write spikes as ``timestamps population node_ids`` rows (space-separated, ms)."""
    order = parse_sort_order(sort_order)
    path = Path(path)
    if mode == "x" and path.exists():
        raise SonataError(f"spikes CSV {path} already exists and would be overwritten; remove "
                          f"it or allow overwriting (mode='w')")
    frames = []
    for pop, (ids, times) in population_arrays.items():
        where = f"spikes CSV {path}, population {pop!r}"
        ids, times = as_node_ids(ids, where), as_timestamps(times, where)
        if ids.shape != times.shape:
            raise SonataError(f"{where}: {ids.size} node ids but {times.size} timestamps")
        frames.append(pd.DataFrame({"timestamps": times, "population": pop, "node_ids": ids}))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {"timestamps": np.zeros(0), "population": np.zeros(0, dtype=object),
         "node_ids": np.zeros(0, dtype=np.uint64)})
    if order == SortOrder.by_time:
        table = table.sort_values(["timestamps", "population", "node_ids"], kind="stable")
    elif order == SortOrder.by_id:
        table = table.sort_values(["population", "node_ids", "timestamps"], kind="stable")
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, sep=" ", index=False, lineterminator="\n")
    return path


def _sniff_csv(first_line: str) -> Tuple[str, bool]:
    """(separator regex, has_header) from the first line of a spikes CSV."""
    sep = "," if ("," in first_line and "\t" not in first_line) else r"\s+"
    tokens = [t.strip().lower() for t in (first_line.split(",") if sep == "," else
                                          first_line.split())]
    known = set(_ID_COLUMNS + _TIME_COLUMNS + ("population",))
    return sep, any(t in known for t in tokens)


def read_spikes_csv(path: PathLike, population: Optional[str] = None,
                    populations: Optional[Iterable[str]] = None) -> SpikeArrays:
    """Read a spikes CSV into {population: (node_ids, times ms)}.

    Rows without a population column go to ``population`` (default ``"default"``).
    """
    path = Path(path)
    if not path.is_file():
        raise SonataError(f"spikes CSV {path} does not exist; check the path")
    try:
        text = path.read_text()
    except UnicodeDecodeError as exc:
        raise SonataError(f"spikes CSV {path} is not a text file (is it HDF5? give it an "
                          f".h5 extension)") from exc
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise SonataError(f"spikes CSV {path} is empty; expected a header "
                          f"'timestamps population node_ids' and one row per spike")
    sep, has_header = _sniff_csv(lines[0])
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, header=0 if has_header else None,
                            engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        raise SonataError(f"spikes CSV {path} cannot be parsed: {exc}") from exc
    if not has_header:
        names = {2: ["timestamps", "node_ids"], 3: ["timestamps", "population", "node_ids"]}
        if table.shape[1] not in names:
            raise SonataError(f"spikes CSV {path} has no header and {table.shape[1]} columns; "
                              f"add the header 'timestamps population node_ids'")
        table.columns = names[table.shape[1]]
    table.columns = [str(c).strip() for c in table.columns]
    lower = {c.lower(): c for c in table.columns}
    id_col = next((lower[c] for c in _ID_COLUMNS if c in lower), None)
    time_col = next((lower[c] for c in _TIME_COLUMNS if c in lower), None)
    if id_col is None or time_col is None:
        need = [n for n, c in (("node_ids", id_col), ("timestamps", time_col)) if c is None]
        raise SonataError(f"spikes CSV {path} has no column {' or '.join(need)} (columns: "
                          f"{list(table.columns)}); the header must be "
                          f"'timestamps population node_ids' (also accepted: gid, node_id)")
    where = f"spikes CSV {path}"
    ids = as_node_ids(table[id_col].to_numpy(), where) \
        if table[id_col].dtype.kind in "iu" else _numeric_ids(table[id_col], where)
    times = as_timestamps(_numeric(table[time_col], where, time_col), where)
    if "population" in lower:
        pops = table[lower["population"]].astype(str).to_numpy()
    else:
        pops = np.full(ids.size, population or DEFAULT_POPULATION, dtype=object)
    out: SpikeArrays = {}
    names, inverse = np.unique(pops, return_inverse=True)
    for k, name in enumerate(names):
        sel = inverse == k
        out[str(name)] = (ids[sel], times[sel])
    wanted = None if populations is None else list(populations)
    if population is not None and "population" in lower:
        wanted = (wanted or []) + [population]
    return _select_populations(out, wanted, f"spikes CSV {path}")


def _numeric(column: pd.Series, where: str, name: str) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(np.isnan(values))
    if bad.size:
        raise SonataError(f"{where}: column {name!r} has a non-numeric value "
                          f"{column.iloc[bad[0]]!r} on data row {bad[0] + 1}")
    return values


def _numeric_ids(column: pd.Series, where: str) -> np.ndarray:
    return as_node_ids(_numeric(column, where, str(column.name)), where)


def read_spikes(path: PathLike, population: Optional[str] = None,
                populations: Optional[Iterable[str]] = None) -> SpikeArrays:
    """Read spikes from a ``.csv``/``.txt`` table or a SONATA HDF5 file (any other extension)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".txt", ".tsv", ".dat"):
        return read_spikes_csv(path, population=population, populations=populations)
    if suffix == ".nwb":
        raise SonataError(f"spikes file {path}: NWB spike files are not supported; convert "
                          f"it to SONATA HDF5 or CSV")
    return read_spikes_sonata(path, population=population, populations=populations)
