"""Checks of the values a user wrote in nodes/edges files, made once where files become tables.

`read_edges` refuses an edge population whose per-edge values make no sense
(`edge_value_problems`); `simulators.core.Circuit` and `bmtk_like.validate` both
check edge endpoints against the loaded node populations (`edge_endpoint_problems`),
with the same words, so whatever a run refuses is already a `validate` finding.
Backends then trust the tables: ids index node arrays, counts are whole numbers.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from bmtk_like.errors import SonataError
from bmtk_like.sonata.columns import DELAY, NSYNS, SYN_WEIGHT, is_missing

#: per-edge columns that must be numbers (syn_weight and delay finite, nsyns whole and >= 0).
NUMERIC_EDGE_COLUMNS = (SYN_WEIGHT, DELAY, NSYNS)


def _where(pop) -> str:
    return f"edge population '{pop.name}' ({pop.h5_file}, types {pop.types_file})"


def _numbers(pop, column: str) -> tuple[np.ndarray | None, str | None]:
    """``column`` per edge as float, or (None, problem) when some value is not a number."""
    values = pop.column(column)
    try:
        return np.asarray(values, dtype=float), None
    except (TypeError, ValueError):
        pass
    numbers = np.array([_to_float(v) for v in values], dtype=float)
    bad = np.flatnonzero(np.isnan(numbers) & ~_is_missing(values))
    type_id = int(pop.type_ids[bad[0]])
    return None, (f"{_where(pop)}: {column} {values[bad[0]]!r} (edge {int(bad[0])}, edge type {type_id}) is not "
                  f"a number; {column} must be numeric in the edge-types CSV and the edges file.")


def _to_float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _is_missing(values: np.ndarray) -> np.ndarray:
    return np.array([is_missing(v) for v in values], dtype=bool)


def _first(pop, mask: np.ndarray) -> str:
    """'edge i, edge type t' of the first row in ``mask``."""
    row = int(np.flatnonzero(mask)[0])
    return f"first: edge {row}, edge type {int(pop.type_ids[row])}"


def edge_value_problems(pop) -> list[str]:
    """What is wrong with the per-edge numbers of ``pop`` (empty when nothing is).

    ``syn_weight`` must be a finite number on every edge (NaN is an error: a missing weight
    would run as no synapse), ``delay`` finite and >= 0 ms (missing means the simulator's
    default), ``nsyns`` a whole number >= 0 (missing means 1).
    """
    problems = []
    for column in NUMERIC_EDGE_COLUMNS:
        if not pop.has_column(column) or pop.size == 0:
            continue
        numbers, problem = _numbers(pop, column)
        if problem:
            problems.append(problem)
            continue
        if column == SYN_WEIGHT:
            bad = ~np.isfinite(numbers)
            if bad.any():
                problems.append(f"{_where(pop)}: {int(bad.sum())} edges have a NaN or infinite syn_weight "
                                f"({_first(pop, bad)}); give every edge type a finite syn_weight.")
        elif column == DELAY:
            bad = (numbers < 0) | np.isinf(numbers)
            if bad.any():
                problems.append(f"{_where(pop)}: {int(bad.sum())} edges have a negative or infinite delay "
                                f"({_first(pop, bad)}); delays are in ms and must be >= run.dt.")
        else:
            present = ~np.isnan(numbers)
            bad = present & ((numbers < 0) | np.isinf(numbers) | (numbers != np.round(numbers)))
            if bad.any():
                problems.append(f"{_where(pop)}: {int(bad.sum())} edges have an nsyns that is not a whole "
                                f"number >= 0 ({_first(pop, bad)}: {numbers[bad][0]!r}); nsyns counts "
                                "synapses.")
    return problems


def edge_endpoint_problems(pop, node_sizes: Mapping[str, int]) -> list[str]:
    """Endpoints of ``pop`` outside their node populations (``node_sizes``: population -> N).

    Negative ids are refused too (numpy would wrap -1 to the last node and wire the wrong
    cell). A population absent from ``node_sizes`` is reported by the caller, not here.
    """
    problems = []
    for role, pop_name, ids in (("source", pop.source_population, pop.source_node_id),
                                ("target", pop.target_population, pop.target_node_id)):
        if pop_name not in node_sizes or ids.size == 0:
            continue
        n = int(node_sizes[pop_name])
        bad = (ids < 0) | (ids >= n)
        if bad.any():
            problems.append(f"{int(bad.sum())} edges have {role}_node_id outside 0..{n - 1} of population "
                            f"'{pop_name}' (first bad id {int(ids[bad][0])} at edge {int(np.flatnonzero(bad)[0])})")
    return problems


def check_edge_endpoints(pop, node_sizes: Mapping[str, int]) -> None:
    """Raise SonataError naming the edges file when an endpoint lies outside its population."""
    problems = edge_endpoint_problems(pop, node_sizes)
    if problems:
        raise SonataError(f"edges file '{pop.h5_file}', population '{pop.name}': " + "; ".join(problems)
                          + ". Rebuild the edges for these node populations or fix the ids.")
