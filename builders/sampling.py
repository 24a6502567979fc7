"""Random sampling kernels whose cost grows with the edges drawn, never with all pairs.

Used by the connection rules in :mod:`builders.rules`. Every function takes a
``numpy.random.Generator`` and returns arrays; none allocates a rows × columns
matrix unless the result itself is at least half that size.
"""
from __future__ import annotations

import numpy as np


def bernoulli_grid(n_rows: int, n_cols: int, p: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Cells of an ``n_rows × n_cols`` grid kept independently with probability ``p``.

    Geometric skipping over the flattened grid: the gaps between kept cells are
    geometric, so the cost is proportional to the number kept. Returns
    ``(row, col)`` int64 arrays in row-major order.
    """
    total = int(n_rows) * int(n_cols)
    if total == 0 or p <= 0.0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    if p >= 1.0:
        flat = np.arange(total, dtype=np.int64)
    else:
        expected = total * p
        chunks, last = [], -1
        while True:
            size = int(expected - (last + 1) * p + 6.0 * np.sqrt(expected) + 64)
            gaps = rng.geometric(p, size=max(size, 64))
            positions = last + np.cumsum(gaps, dtype=np.int64)
            inside = positions[positions < total]
            chunks.append(inside)
            if inside.size < positions.size:
                break
            last = int(positions[-1])
        flat = np.concatenate(chunks)
    return flat // n_cols, flat % n_cols


def distinct_per_row(counts: np.ndarray, n_candidates: np.ndarray | int,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """For each row r choose ``counts[r]`` distinct integers in ``[0, n_candidates[r])``.

    Returns ``(row, value)`` sorted by row then value. Rows asking for more than
    half their candidates draw the complement instead, so rejection stays cheap.
    """
    counts = np.asarray(counts, dtype=np.int64)
    n_rows = counts.size
    n_cand = np.broadcast_to(np.asarray(n_candidates, dtype=np.int64), (n_rows,))
    if np.any(counts > n_cand):
        bad = int(np.argmax(counts > n_cand))
        raise ValueError(f"row {bad} asks for {int(counts[bad])} distinct values out of {int(n_cand[bad])}")
    dense = counts * 2 > n_cand
    rows_out, vals_out = [], []
    sparse_rows = np.flatnonzero(~dense)
    if sparse_rows.size:
        r, v = _rejection_distinct(sparse_rows, counts[sparse_rows], n_cand[sparse_rows], rng)
        rows_out.append(r)
        vals_out.append(v)
    dense_rows = np.flatnonzero(dense)
    if dense_rows.size:
        # draw the values to leave out, then keep the rest of each row
        excl_r, excl_v = _rejection_distinct(dense_rows, n_cand[dense_rows] - counts[dense_rows],
                                             n_cand[dense_rows], rng)
        for_rows = np.repeat(dense_rows, n_cand[dense_rows])
        starts = np.cumsum(n_cand[dense_rows]) - n_cand[dense_rows]
        local = np.arange(for_rows.size, dtype=np.int64) - np.repeat(starts, n_cand[dense_rows])
        keep = np.ones(for_rows.size, dtype=bool)
        offset_of_row = np.zeros(n_rows, dtype=np.int64)
        offset_of_row[dense_rows] = starts
        keep[offset_of_row[excl_r] + excl_v] = False
        rows_out.append(for_rows[keep])
        vals_out.append(local[keep])
    if not rows_out:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    rows = np.concatenate(rows_out)
    vals = np.concatenate(vals_out)
    order = np.lexsort((vals, rows))
    return rows[order], vals[order]


def _rejection_distinct(rows: np.ndarray, counts: np.ndarray, n_cand: np.ndarray,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw with replacement, redraw duplicates until each row's values are distinct."""
    row_of = np.repeat(rows, counts)
    bound = np.repeat(n_cand, counts)
    values = np.floor(rng.random(row_of.size) * bound).astype(np.int64)
    scale = int(n_cand.max()) + 1 if n_cand.size else 1
    while True:
        key = row_of * scale + values
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        dup = np.zeros(key.size, dtype=bool)
        dup[order[1:]] = sorted_key[1:] == sorted_key[:-1]
        n_dup = int(dup.sum())
        if n_dup == 0:
            return row_of, values
        values[dup] = np.floor(rng.random(n_dup) * bound[dup]).astype(np.int64)


def skip_index(values: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """Map draws from ``[0, n-1)`` onto ``[0, n)`` minus ``excluded`` (per value; -1 = none)."""
    shifted = values.copy()
    has = excluded >= 0
    shifted[has & (values >= excluded)] += 1
    return shifted


def counts_of_pairs(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Collapse repeated (source, target) pairs into one row with a count; sorted by target, source."""
    if source.size == 0:
        return source, target, np.empty(0, dtype=np.int64)
    key = np.stack([target, source])
    unique, counts = np.unique(key, axis=1, return_counts=True)
    return unique[1], unique[0], counts.astype(np.int64)
