"""Compare runs of one circuit at different levels: per-group mean rates side by side.

:func:`compare_levels` reads each output folder (spikes of a NEURON/NEST run, or the rates of
a density run; see :mod:`bmtk_like.analysis.outputs`), groups the circuit's non-virtual nodes by
a node-table column (default ``pop_name``, falling back to ``model_name``; see
:mod:`bmtk_like.analysis.groups`) and returns one row per group:

- ``cells``: nodes in the group;
- ``rate_<label>``: mean rate per cell (Hz) over the window in each run (label = the run's
  backend, e.g. ``rate_NEST``, ``rate_popnet``);
- ``rel_diff_<label>``: (rate − first) / first for every run after the first;
- ``ok``: False when the group fires ≥ ``min_rate_hz`` in the first run and some other run
  differs from it by more than ``tolerance`` (relative), or lacks the group.

``table.attrs["passed"]`` is True when every row is ok. Rates in Hz, times in ms.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from bmtk_like.analysis.groups import group_sizes, node_groups
from bmtk_like.analysis.outputs import RunOutput, read_output, require_config, run_window
from bmtk_like.analysis.rates import mean_rates, population_rates
from bmtk_like.errors import SonataError

#: default relative tolerance of compare_levels / bmtk-like compare
DEFAULT_TOLERANCE = 0.25
#: groups firing below this (Hz) in the first run are shown but never fail the comparison
MIN_RATE_HZ = 1.0

OutputLike = Union[str, "os.PathLike[str]", RunOutput, Any]


def _as_output(item: OutputLike, config: Optional[Path]) -> RunOutput:
    if isinstance(item, RunOutput):
        return item
    folder = getattr(item, "output_dir", item)        # a SimulationResult
    return read_output(folder, config)


def _labels(outputs: list[RunOutput], labels: Optional[Sequence[str]]) -> list[str]:
    if labels is not None:
        if len(labels) != len(outputs) or len(set(labels)) != len(labels):
            raise SonataError(f"compare: give one distinct label per output ({len(outputs)}), got {list(labels)}")
        return [str(x) for x in labels]
    names = [o.label for o in outputs]
    return [n if names.count(n) == 1 else f"{n}:{o.folder.name}" for n, o in zip(names, outputs)]


def group_rates(out: RunOutput, groups: dict, window: Tuple[float, float]) -> dict:
    """{group: mean rate Hz} of one folder over ``window`` (spikes if it has them, else rates)."""
    t0, t1 = window
    if out.spikes_file is not None:
        return population_rates(out.spikes(), t0, t1, groups)
    rates = mean_rates(out.rates(), t0, t1)
    missing = [name for name in groups if name not in rates]
    if missing:
        raise SonataError(
            f"{out.folder}: the density run has no population {', '.join(map(repr, missing))} (it has "
            f"{', '.join(map(repr, rates))}); popnet groups cells by popnet.group_by (default pop_name): "
            "compare with the same --group-by, or rerun popnet grouped by that column")
    return {name: rates[name] for name in groups}


def compare_levels(outputs: Sequence[OutputLike], labels: Optional[Sequence[str]] = None,
                   group_by: Any = None, window: Optional[Tuple[float, float]] = None,
                   tolerance: float = DEFAULT_TOLERANCE, config: "str | os.PathLike[str] | None" = None,
                   min_rate_hz: float = MIN_RATE_HZ) -> pd.DataFrame:
    """Per-group mean rates (Hz) of two or more runs of one circuit; see the module docstring.

    ``outputs``: output folders (or SimulationResults, or RunOutputs), the reference first.
    ``window``: (start, stop) ms; default each run's own [tstart, tstop). ``config``: the
    simulation config whose circuit gives the groups (default: the first folder's, from its
    ``run_info.json``). ``tolerance``: relative, e.g. 0.25 for 25%.
    """
    config_path = Path(config) if config is not None else None
    runs = [_as_output(item, config_path) for item in outputs]
    if len(runs) < 2:
        raise SonataError(f"compare needs at least two output folders, got {len(runs)}")
    if not tolerance >= 0:
        raise SonataError(f"--tolerance must be >= 0 (a relative difference, e.g. 0.25), got {tolerance}")
    names = _labels(runs, labels)
    groups = node_groups(require_config(runs[0]) if config_path is None else config_path, group_by)
    sizes = group_sizes(groups)
    table = pd.DataFrame({"cells": [sizes[g] for g in groups]}, index=pd.Index(list(groups), name="group"))
    for name, run in zip(names, runs):
        rates = group_rates(run, groups, run_window(run, window))
        table[f"rate_{name}"] = [rates.get(g, np.nan) for g in groups]
    ref = table[f"rate_{names[0]}"].to_numpy(dtype=float)
    ok = np.ones(len(table), dtype=bool)
    checked = ref >= min_rate_hz
    for name in names[1:]:
        other = table[f"rate_{name}"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(other == ref, 0.0, (other - ref) / ref)
        table[f"rel_diff_{name}"] = rel
        ok &= ~checked | (np.isfinite(rel) & (np.abs(rel) <= tolerance))
    table["ok"] = ok
    table.attrs.update(passed=bool(ok.all()), tolerance=float(tolerance), min_rate_hz=float(min_rate_hz),
                       labels=names, folders=[str(r.folder) for r in runs])
    return table


def format_table(table: pd.DataFrame) -> str:
    """The comparison as aligned text (rates to 3 decimals, differences in %)."""
    shown = table.copy()
    for col in shown.columns:
        if col.startswith("rate_"):
            shown[col] = shown[col].map(lambda v: f"{v:.3f}")
        elif col.startswith("rel_diff_"):
            shown[col] = shown[col].map(lambda v: f"{100 * v:+.1f}%" if np.isfinite(v) else "n/a")
    shown["ok"] = shown["ok"].map({True: "ok", False: "DIFFERS"})
    return shown.to_string()


def plot_comparison(table: pd.DataFrame, out_png: "str | os.PathLike[str]", title: Optional[str] = None) -> Path:
    """Grouped bars: one group of bars per population, one bar per run (Hz), saved as a PNG."""
    from matplotlib.figure import Figure

    from bmtk_like.analysis.plotting import _save

    labels = [c[len("rate_"):] for c in table.columns if c.startswith("rate_")]
    x = np.arange(len(table))
    width = 0.8 / max(len(labels), 1)
    fig = Figure(figsize=(max(5.0, 1.2 * len(table) + 2.5), 4))
    ax = fig.subplots()
    for k, label in enumerate(labels):
        ax.bar(x + (k - (len(labels) - 1) / 2) * width, table[f"rate_{label}"].to_numpy(dtype=float),
               width, label=label, color=f"C{k % 10}")
    ax.set_xticks(x)
    ax.set_xticklabels([str(g) for g in table.index])
    ax.set_xlabel("population")
    ax.set_ylabel("mean firing rate (Hz)")
    tol = table.attrs.get("tolerance")
    ax.set_title(title or ("mean rates per level" + (f" (tolerance {100 * tol:g}%)" if tol is not None else "")))
    ax.legend(title="run", fontsize="small")
    fig.tight_layout()
    return _save(fig, out_png)
