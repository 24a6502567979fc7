"""Built edges of one (source, target) network pair: blocks merged across edge types, in target order.

Blocks come from :mod:`builders.generate` (here or in worker processes) and are
merged in block order in this process, so the stored arrays — and the files
written from them — do not depend on the number of workers.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from bmtk_like.errors import BuilderError
from bmtk_like.progress import progress_bar
from builders.connection_map import ConnectionMap
from builders.generate import PairJob, TypeEdges, sort_by_target
from builders.placement import PLACEMENT_COLUMNS

_ACTIVE_JOBS: dict[int, PairJob] = {}


def _run_in_worker(args: tuple[int, int]) -> list[TypeEdges]:
    key, block = args
    return _ACTIVE_JOBS[key].run_block(block)


def run_blocks(job: PairJob, workers: int = 1) -> Iterator[list[TypeEdges]]:
    """Yield each block's edges in block order, computed here or by ``workers`` forked processes."""
    if workers <= 1 or job.n_blocks == 1:
        for block in range(job.n_blocks):
            yield job.run_block(block)
        return
    key = id(job)
    _ACTIVE_JOBS[key] = job
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            yield from pool.map(_run_in_worker, [(key, b) for b in range(job.n_blocks)])
    finally:
        _ACTIVE_JOBS.pop(key, None)


@dataclass
class EdgeBlock:
    """Merged edges of one block: rows sorted by (target, source), one column dict."""
    source: np.ndarray
    target: np.ndarray
    edge_type_id: np.ndarray
    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return int(self.source.size)


@dataclass
class PairEdges:
    """All built edges from ``source_network`` into ``target_network``."""
    source_network: str
    target_network: str
    n_source_nodes: int
    n_target_nodes: int
    cms: list[ConnectionMap]
    blocks: list[EdgeBlock] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return int(sum(len(b) for b in self.blocks))

    @property
    def n_synapses(self) -> int:
        return int(sum(int(b.columns["nsyns"].sum()) for b in self.blocks))

    @property
    def population(self) -> str:
        """bmtk's edge population name ``<source>_to_<target>``."""
        return f"{self.source_network}_to_{self.target_network}"

    def column_names(self) -> list[str]:
        return list(self.blocks[0].columns) if self.blocks else ["nsyns"]

    def concatenated(self) -> EdgeBlock:
        """Every block in one (for analysis; saving streams block by block)."""
        if not self.blocks:
            empty = np.empty(0, dtype=np.int64)
            return EdgeBlock(empty, empty, empty, {"nsyns": empty})
        return EdgeBlock(np.concatenate([b.source for b in self.blocks]),
                         np.concatenate([b.target for b in self.blocks]),
                         np.concatenate([b.edge_type_id for b in self.blocks]),
                         {k: np.concatenate([b.columns[k] for b in self.blocks]) for k in self.column_names()})


class _Schema:
    """Column names and dtypes of a pair's edge file, fixed the first time each column is seen."""

    def __init__(self, cms: list[ConnectionMap], placing: bool):
        self.names = ["nsyns"]
        self.dtypes: dict[str, np.dtype] = {"nsyns": np.dtype(np.uint32)}
        if placing:
            self.names += list(PLACEMENT_COLUMNS)
            self.dtypes.update(afferent_section_id=np.dtype(np.int64), afferent_section_pos=np.dtype(float))
        for cm in cms:
            for spec in cm.params:
                for name, dtype in zip(spec.names, spec.dtypes):
                    if name not in self.names:
                        self.names.append(name)
                    if dtype is not None and name not in self.dtypes:
                        self.dtypes[name] = np.dtype(dtype)

    def dtype(self, name: str, values: np.ndarray | None) -> np.dtype:
        if name not in self.dtypes:
            if values is None:
                self.dtypes[name] = np.dtype(float)        # only fills seen so far: NaN
            elif values.dtype.kind in "UOS":
                self.dtypes[name] = np.dtype(object)
            else:
                self.dtypes[name] = values.dtype
        return self.dtypes[name]


def _fill(cm: ConnectionMap, name: str, n: int, dtype: np.dtype) -> np.ndarray:
    """Values for a column an edge type does not compute: its edge-type scalar, else NaN / -1 / ''."""
    value = cm.edge_type_properties.get(name)
    if value is not None and np.isscalar(value):
        return np.full(n, value, dtype=dtype if dtype.kind != "O" else object)
    if dtype.kind == "f":
        return np.full(n, np.nan)
    if dtype.kind in "iu":
        return np.full(n, -1 if dtype.kind == "i" else 0, dtype=dtype)
    return np.full(n, "", dtype=object)


def collect_pair(job: PairJob, workers: int = 1) -> PairEdges:
    """Run every block of ``job`` and merge each block's edge types into one sorted block."""
    cm_of = {cm.edge_type_id: cm for cm in job.cms}
    schema = _Schema(job.cms, placing=any(p is not None for p in job.placers))
    value_offsets = {cm.edge_type_id: 0 for cm in job.cms}
    first = job.cms[0]
    pair = PairEdges(first.source_network_name, first.target_network_name, job.source_table.size,
                     job.target_table.size, job.cms)
    bar = progress_bar(job.n_blocks, f"build {first.source_network_name}->{first.target_network_name}",
                       unit="blocks") if job.n_blocks > 1 else None
    for type_blocks in run_blocks(job, workers):
        if bar is not None:
            bar.update(1)
        parts = []
        for te in type_blocks:
            cm = cm_of[te.edge_type_id]
            _fill_given_values(cm, te, value_offsets)
            cols = {}
            for name in schema.names:
                if name == "nsyns":
                    cols[name] = te.nsyns.astype(np.uint32)
                elif name in te.columns:
                    dtype = schema.dtype(name, te.columns[name])
                    cols[name] = te.columns[name].astype(dtype)
                else:
                    cols[name] = _fill(cm, name, te.source.size, schema.dtype(name, None))
            parts.append((te, cols))
        if not parts:
            continue
        source = np.concatenate([te.source for te, _ in parts])
        target = np.concatenate([te.target for te, _ in parts])
        type_id = np.concatenate([np.full(te.source.size, te.edge_type_id, dtype=np.uint32) for te, _ in parts])
        names = schema.names
        merged = sort_by_target(source, target, type_id, *(np.concatenate([c[n] for _, c in parts]) for n in names))
        if source.size:
            pair.blocks.append(EdgeBlock(merged[0], merged[1], merged[2], dict(zip(names, merged[3:]))))
    if bar is not None:
        bar.close()
    for cm in job.cms:
        for spec in cm.params:
            if spec.values is not None and value_offsets[cm.edge_type_id] != spec.values.size:
                raise BuilderError(f"{cm.describe()}: add_properties({spec.names}) got {spec.values.size} values "
                                   f"but the edge type has {value_offsets[cm.edge_type_id]} synapses; give one "
                                   "value per synapse.")
    return pair


def _fill_given_values(cm: ConnectionMap, te: TypeEdges, offsets: dict[int, int]) -> None:
    """Hand out ``add_properties(values=...)`` in build order (target block, then target, source)."""
    start = offsets[cm.edge_type_id]
    n = te.source.size
    for spec in cm.params:
        if spec.values is None:
            continue
        if start + n > spec.values.size:
            raise BuilderError(f"{cm.describe()}: add_properties({spec.names}) got {spec.values.size} values "
                               "but the edge type has more synapses; give one value per synapse.")
        chunk = spec.values[start:start + n]
        te.columns[spec.names[0]] = chunk.astype(spec.dtypes[0]) if spec.dtypes[0] is not None else chunk
    offsets[cm.edge_type_id] = start + n
