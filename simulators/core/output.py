"""The output folder policy and the run log.

Policy (``output.overwrite_output_dir``):

- the folder does not exist -> it is created (with parents);
- it exists and holds files, and ``overwrite_output_dir`` is false -> SimulationError
  naming the folder; nothing is touched;
- it exists and ``overwrite_output_dir`` is true -> only the files this run will
  write (log, spikes h5/csv, rates, report files) are removed; anything else in the
  folder is left alone. We never delete a folder. "This run" includes the files any backend
  writes under their default names (:data:`RATES_OUTPUTS`), so switching the level of a config
  never leaves another level's results beside the new ones.

A run that fails after the log is open writes the error to the log (:func:`log_failure`).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Iterable, Optional

from bmtk_like.errors import SimulationError

LOGGER_NAME = "bmtk_like.simulation"
_OUR_HANDLER = "_bmtk_like_run_handler"


#: popnet's rate outputs (default names) in the output folder.
RATES_OUTPUTS = ("population_rates.h5", "population_rates.csv", "population_rates.png")
#: the run summary every backend's run leaves (simulators.core.summary)
RUN_INFO_OUTPUTS = ("run_info.json",)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def report_file(cfg: Any, report: Any) -> Path:
    """Path of a report's h5 file: ``file_name`` param, else ``<output_dir>/<report name>.h5``."""
    out_dir = Path(cfg.output.output_dir)
    params = _get(report, "params", {}) or {}
    fname = params.get("file_name") or f"{_get(report, 'name')}.h5"
    path = Path(fname)
    return path if path.is_absolute() else out_dir / path


def known_outputs(cfg: Any, extra: Iterable[str | Path] = ()) -> list[Path]:
    """Every file a run of ``cfg`` may write: log, spikes h5/csv, rates, reports, ``extra``."""
    out = cfg.output
    out_dir = Path(out.output_dir)
    names: list[Path] = []
    for attr in ("log_file", "spikes_file", "spikes_file_csv", "rates_file"):
        value = _get(out, attr)
        if value:
            path = Path(value)
            names.append(path if path.is_absolute() else out_dir / path)
    for report in (cfg.reports or {}).values():
        names.append(report_file(cfg, report))
    for value in (*extra, *RATES_OUTPUTS, *RUN_INFO_OUTPUTS):
        path = Path(value)
        names.append(path if path.is_absolute() else out_dir / path)
    return names


def prepare_output_dir(cfg: Any, extra_outputs: Iterable[str | Path] = ()) -> Path:
    """Create or clean the output folder of ``cfg`` following the policy above; return it."""
    out_dir = Path(cfg.output.output_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise SimulationError(f"output.output_dir {out_dir} exists and is a file, not a folder; "
                              "choose another output_dir")
    if not out_dir.exists():
        out_dir.mkdir(parents=True)
        return out_dir
    if not any(out_dir.iterdir()):
        return out_dir
    if not bool(_get(cfg.output, "overwrite_output_dir", False)):
        raise SimulationError(
            f"output folder {out_dir} already holds files and output.overwrite_output_dir is "
            "false; set \"overwrite_output_dir\": true in the config's output section, or "
            "choose an empty or new output_dir")
    _close_file_handlers()      # a previous run's log may still be open
    for path in known_outputs(cfg, extra_outputs):
        if path.is_file():
            path.unlink()
    return out_dir


def _close_file_handlers() -> None:
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        if getattr(handler, _OUR_HANDLER, False):
            logger.removeHandler(handler)
            handler.close()


def setup_logging(cfg: Any, console: Optional[bool] = None) -> logging.Logger:
    """Configure the ``bmtk_like.simulation`` logger for one run and return it.

    Writes INFO and above to ``output.log_file`` (under the output folder) when the
    config names one, and to stderr when ``console`` is true (default: when stderr is
    a terminal). Handlers of a previous run are closed first, so repeated runs in one
    process never write to an old log. Call :func:`close_logging` at the end.
    """
    logger = logging.getLogger(LOGGER_NAME)
    _close_file_handlers()
    logger.setLevel(logging.INFO)
    logger.propagate = False
    fmt = logging.Formatter("%(asctime)s [%(levelname)s] %(message)s", "%Y-%m-%d %H:%M:%S")
    log_file = _get(cfg.output, "log_file")
    if log_file:
        path = Path(log_file)
        if not path.is_absolute():
            path = Path(cfg.output.output_dir) / path
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, mode="a", encoding="utf-8")
        handler.setFormatter(fmt)
        setattr(handler, _OUR_HANDLER, True)
        logger.addHandler(handler)
    if console is None:
        console = sys.stderr.isatty()
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(fmt)
        setattr(stream, _OUR_HANDLER, True)
        logger.addHandler(stream)
    return logger


def log_failure(exc: BaseException) -> None:
    """Write a failed run's error to its log (when the log is open), so log.txt says why it stopped."""
    logger = logging.getLogger(LOGGER_NAME)
    if any(getattr(h, _OUR_HANDLER, False) for h in logger.handlers):
        logger.error("run failed: %s: %s", type(exc).__name__, exc)


def close_logging() -> None:
    """Close the run's log handlers (flushes the log file)."""
    _close_file_handlers()
