"""The end of every run: one line per population group (cells, spikes, mean rate) and
``run_info.json`` in the output folder.

:func:`finish_run` is called by ``simulators.run`` once the backend has written its files. The
groups are the circuit's non-virtual nodes by ``pop_name`` (then ``model_name``; see
``bmtk_like.analysis.groups``), so a NEST, NEURON and popnet run of one circuit print the same
rows. Rates are spikes / (cells × window) over ``[run.tstart, run.tstop)`` (Hz); the density
level has no spikes and reports its rate trace's mean over the same window.

``run_info.json`` records what ``bmtk-like compare``/``plot`` need to read the folder back:
the config path, the backend, the files it wrote (relative to the folder), the window (ms)
and the summary rows.
"""
from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any, Optional

import numpy as np

from bmtk_like.errors import BmtkLikeError
from simulators.core.output import LOGGER_NAME, RUN_INFO_OUTPUTS

RUN_INFO = RUN_INFO_OUTPUTS[0]


def summarize(cfg: Any, result: Any, group_by: Any = None) -> list[dict]:
    """Rows ``{"group", "cells", "spikes", "rate_hz"}`` of one run (spikes None at the density level)."""
    from bmtk_like.analysis.groups import group_sizes, node_groups
    from bmtk_like.analysis.rates import mean_rates

    tstart = float(getattr(cfg.run, "tstart", 0.0) or 0.0)
    tstop = float(cfg.run.tstop)
    groups = node_groups(cfg, group_by)
    sizes = group_sizes(groups)
    rows = []
    if getattr(result, "spikes", None) is not None:
        spikes = result.spikes
        for name, members in groups.items():
            count = 0
            for pop, ids in members.items():
                spike_ids, times = spikes.get(pop, missing_ok=True)
                sel = (times >= tstart) & (times < tstop) & np.isin(spike_ids, ids)
                count += int(np.count_nonzero(sel))
            rate = count / (sizes[name] * (tstop - tstart) / 1000.0) if sizes[name] else math.nan
            rows.append({"group": name, "cells": sizes[name], "spikes": count, "rate_hz": rate})
    elif getattr(result, "rates", None):
        rates = mean_rates(result.rates, tstart, tstop)
        for name, rate in rates.items():
            rows.append({"group": name, "cells": sizes.get(name), "spikes": None, "rate_hz": rate})
    return rows


def summary_lines(rows: list[dict], backend: str = "") -> list[str]:
    """One human line per row, e.g. ``E: 400 cells, 1203 spikes, 3.01 Hz``."""
    width = max((len(str(r["group"])) for r in rows), default=0)
    lines = []
    for r in rows:
        cells = "?" if r["cells"] is None else str(r["cells"])
        spikes = "density level" if r["spikes"] is None else f"{r['spikes']} spikes"
        lines.append(f"{backend + ' ' if backend else ''}{str(r['group']):<{width}}  {cells:>7} cells  "
                     f"{spikes:>14}  {r['rate_hz']:8.3f} Hz")
    return lines


def write_run_info(cfg: Any, result: Any, rows: list[dict]) -> Optional[Path]:
    """Write ``run_info.json`` into the run's output folder; return its path (None without one)."""
    out_dir = getattr(result, "output_dir", None)
    if out_dir is None:
        return None
    path = Path(out_dir) / RUN_INFO
    files = {name: (str(Path(f).relative_to(out_dir)) if Path(f).is_relative_to(out_dir) else str(f))
             for name, f in (result.files or {}).items() if f is not None}
    files["run_info"] = RUN_INFO
    info = {"config": str(getattr(cfg, "path", "") or ""), "backend": result.backend, "files": files,
            "tstart_ms": float(getattr(cfg.run, "tstart", 0.0) or 0.0), "tstop_ms": float(cfg.run.tstop),
            "groups": [{**r, "rate_hz": None if r["rate_hz"] is None or math.isnan(r["rate_hz"])
                        else r["rate_hz"]} for r in rows]}
    path.write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return path


def _append_to_log(cfg: Any, lines: list[str]) -> None:
    log_file = getattr(cfg.output, "log_file", None)
    if not log_file or not lines:
        return
    path = Path(log_file)
    if not path.is_absolute():
        path = Path(cfg.output.output_dir) / path
    logger = logging.getLogger(LOGGER_NAME + ".summary")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(path, mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)s] %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    try:
        for line in lines:
            logger.info("summary: %s", line)
    finally:
        logger.removeHandler(handler)
        handler.close()


def finish_run(cfg: Any, result: Any) -> list[str]:
    """Summarise a finished run: rows in ``result.extra["summary"]``, lines in the log and
    ``run_info.json``; returns the lines (the CLI prints them). Only MPI rank 0 writes."""
    from simulators.core.launcher import launcher_rank

    try:
        rows = summarize(cfg, result)
    except (BmtkLikeError, OSError) as exc:    # an unreadable node table does not fail a finished run
        logging.getLogger(LOGGER_NAME).warning("no run summary: %s", exc)
        return []
    result.extra["summary"] = rows
    lines = summary_lines(rows)
    if launcher_rank() == 0:
        path = write_run_info(cfg, result, rows)
        if path is not None:
            result.files.setdefault("run_info", path)
        _append_to_log(cfg, lines)
    return lines
