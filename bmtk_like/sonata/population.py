"""What node and edge populations share: per-row attributes from groups, plus
type-level columns from a types CSV, resolved per row as arrays.

A SONATA population stores each row's attributes in one of several groups
(``/<pop>/<group_id>/...``, addressed by ``*_group_id``/``*_group_index``) and
its type-level attributes in the types CSV, addressed by ``*_type_id``. Here the
groups are merged into per-row columns (in row order) once, on load, and a
column lookup returns a per-row array: the h5 attribute when the row's group has
it, else the types-CSV value.
"""
from __future__ import annotations

from typing import Iterator

import h5py
import numpy as np
import pandas as pd

from bmtk_like.errors import SonataError
from bmtk_like.sonata.h5util import read_group_columns


def merge_groups(pop_group: h5py.Group, prefix: str, n_rows: int, where: str) -> dict[str, np.ndarray]:
    """Merge a population's attribute groups into per-row columns.

    ``prefix`` is "node" or "edge". Rows whose group lacks a column get NaN
    (numbers) or "" (strings). Raises SonataError on inconsistent group ids.
    """
    group_names = sorted((k for k, v in pop_group.items() if isinstance(v, h5py.Group) and k.isdigit()),
                         key=int)
    if not group_names:
        return {}
    gid_key, gidx_key = f"{prefix}_group_id", f"{prefix}_group_index"
    if len(group_names) == 1 and (gid_key not in pop_group or gidx_key not in pop_group):
        columns = read_group_columns(pop_group[group_names[0]])
        return {k: v for k, v in columns.items() if len(v) == n_rows}
    group_id = pop_group[gid_key][()].astype(np.int64) if gid_key in pop_group else np.zeros(n_rows, np.int64)
    group_index = (pop_group[gidx_key][()].astype(np.int64) if gidx_key in pop_group
                   else np.arange(n_rows, dtype=np.int64))
    if len(group_id) != n_rows or len(group_index) != n_rows:
        raise SonataError(f"{where}: {gid_key}/{gidx_key} have {len(group_id)}/{len(group_index)} rows, "
                          f"expected {n_rows}.")
    unknown = np.setdiff1d(np.unique(group_id), [int(g) for g in group_names])
    if unknown.size:
        raise SonataError(f"{where}: {gid_key} refers to group(s) {unknown.tolist()} but the population has "
                          f"only {group_names}; add the group or fix {gid_key}.")
    merged: dict[str, np.ndarray] = {}
    for name in group_names:
        rows = np.flatnonzero(group_id == int(name))
        if rows.size == 0:
            continue
        columns = read_group_columns(pop_group[name])
        idx = group_index[rows]
        for key, values in columns.items():
            if idx.size and idx.max() >= len(values):
                raise SonataError(f"{where}: group {name} dataset '{key}' has {len(values)} rows but "
                                  f"{gidx_key} refers to row {idx.max()}.")
            if key not in merged:
                if values.dtype.kind in "US":
                    merged[key] = np.full(n_rows, "", dtype=object)
                else:
                    shape = (n_rows,) + values.shape[1:]
                    dtype = values.dtype if len(group_names) == 1 else np.result_type(values.dtype, np.float64)
                    merged[key] = np.full(shape, np.nan if dtype.kind in "fc" else 0, dtype=dtype)
            merged[key][rows] = values[idx]
    return {k: (v.astype(str) if v.dtype == object else v) for k, v in merged.items()}


class TypedPopulation:
    """Rows with per-row h5 attributes and per-type CSV attributes.

    Subclasses set ``name``, ``size``, ``type_ids`` (per-row int64 array),
    ``types`` (DataFrame indexed by type id), ``group_columns``, ``type_id_column``
    ("node_type_id"/"edge_type_id"), ``types_file``, ``h5_file``.
    """

    name: str
    size: int
    type_ids: np.ndarray
    types: pd.DataFrame
    group_columns: dict[str, np.ndarray]
    type_id_column: str
    types_file: str | None
    h5_file: str | None
    kind = "population"

    def _type_rows(self) -> np.ndarray:
        """Row position in ``types`` for every row; raises if a type id has no CSV row."""
        cached = getattr(self, "_type_rows_cache", None)
        if cached is not None:
            return cached
        known = self.types.index.to_numpy(dtype=np.int64)
        pos = np.searchsorted(known, self.type_ids)
        pos = np.clip(pos, 0, max(len(known) - 1, 0))
        bad = (len(known) == 0) | (known[pos] != self.type_ids) if len(known) else np.ones(self.size, bool)
        if np.any(bad):
            missing = np.unique(self.type_ids[bad])[:10].tolist()
            raise SonataError(f"{self.kind} '{self.name}' ({self.h5_file}) uses {self.type_id_column} "
                              f"{missing} which have no row in '{self.types_file}'; add them to the types CSV.")
        self._type_rows_cache = pos
        return pos

    @property
    def columns(self) -> list[str]:
        """Every column name available per row (h5 attributes and types-CSV columns)."""
        names = list(self.group_columns)
        names += [c for c in self.types.columns if c not in names]
        return names

    def has_column(self, name: str) -> bool:
        return name in self.group_columns or name in self.types.columns

    def column(self, name: str) -> np.ndarray:
        """Per-row values of ``name``: the h5 attribute if present, else the types-CSV column."""
        if name in self.group_columns:
            return self.group_columns[name]
        if name in self.types.columns:
            return self.types[name].to_numpy()[self._type_rows()]
        raise SonataError(f"{self.kind} '{self.name}' has no column '{name}' "
                          f"(h5 file '{self.h5_file}', types file '{self.types_file}'); "
                          f"available: {', '.join(self.columns)}.")

    def column_or(self, name: str, default) -> np.ndarray:
        """Like ``column`` but ``default`` (broadcast per row) when the column is absent."""
        if self.has_column(name):
            return self.column(name)
        return np.full(self.size, default)

    def type_batches(self) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(type_id, row indices)`` for each type present, rows ascending."""
        order = np.argsort(self.type_ids, kind="stable")
        sorted_ids = self.type_ids[order]
        starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]]) if self.size else []
        bounds = list(starts) + [self.size]
        for i in range(len(bounds) - 1):
            yield int(sorted_ids[bounds[i]]), order[bounds[i]:bounds[i + 1]]

    def type_row(self, type_id: int) -> dict:
        """The types-CSV row of ``type_id`` as a dict (NaN for missing values)."""
        if type_id not in self.types.index:
            raise SonataError(f"{self.kind} '{self.name}': {self.type_id_column} {type_id} has no row "
                              f"in '{self.types_file}'.")
        return self.types.loc[type_id].to_dict()

    def dynamics_params_for(self, rows: np.ndarray) -> dict[str, np.ndarray] | None:
        """Per-row ``dynamics_params`` values for ``rows`` (from the h5 subgroup), or None."""
        keys = [k for k in self.group_columns if k.startswith("dynamics_params.")]
        if not keys:
            return None
        return {k.split(".", 1)[1]: self.group_columns[k][rows] for k in keys}

    def to_dataframe(self) -> pd.DataFrame:
        """One row per node/edge with every column (slow-ish; for users, not hot paths)."""
        data = {}
        for name in self.columns:
            values = self.column(name)
            data[name] = list(values) if values.ndim > 1 else values
        return pd.DataFrame(data)
