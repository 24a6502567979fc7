"""Population firing-rate files: {population: (times ms, rates Hz)} in three layouts.

- HDF5 (``.h5``/``.hdf5``)::

      /rates/<pop>/times  float64, attr units="ms"
      /rates/<pop>/rates  float64, attr units="Hz"

- CSV (``.csv``): header ``population,time_ms,rate_hz``, comma-separated (``pandas.read_csv``
  reads it without options), one row per population and time.
- popnet text (``.txt``/``.dat``), bmtk PopNet's ``spike_rates.txt``: rows ``pop_id time rate``
  without a header, space-separated, **time in seconds** (what bmtk writes and what its
  users' plotting scripts multiply by 1000). We write seconds too, so those scripts keep
  working; readers convert to ms.

Readers also accept headers ``times``/``time`` (ms) or ``time_s`` (s) and
``rates``/``rate``/``firing_rate``, and tab or comma separators.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

import numpy as np
import pandas as pd

from bmtk_like.errors import SonataError
from bmtk_like.reports._files import (PathLike, check_population_name, check_units_ms,
                                      open_h5_for_reading, open_h5_for_writing)

RatesDict = Dict[str, Tuple[np.ndarray, np.ndarray]]  # population -> (times ms, rates Hz)

_POP_COLUMNS = ("population", "pop_id", "pop_name", "population_id", "gid", "node_id")
_TIME_COLUMNS = {"time_ms": 1.0, "times": 1.0, "time": 1.0, "t": 1.0, "time_s": 1000.0}
_RATE_COLUMNS = ("rate_hz", "rates", "rate", "firing_rate", "firing_rates")


def _checked(rates: Mapping[str, Tuple[np.ndarray, np.ndarray]], path: Path) -> RatesDict:
    out = {}
    for pop, pair in rates.items():
        try:
            times, values = pair
        except (TypeError, ValueError) as exc:
            raise SonataError(f"rates for {path}, population {pop!r}: give a pair "
                              f"(times ms, rates Hz)") from exc
        times = np.asarray(times, dtype=np.float64).reshape(-1)
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        if times.shape != values.shape:
            raise SonataError(f"rates for {path}, population {pop!r}: {times.size} times but "
                              f"{values.size} rates; give one rate per time")
        out[str(pop)] = (times, values)
    return out


def _rates_format(path: Path, fmt: Optional[str]) -> str:
    fmt = (fmt or {".h5": "h5", ".hdf5": "h5", ".csv": "csv", ".txt": "popnet",
                   ".dat": "popnet"}.get(path.suffix.lower(), "")).lower()
    if fmt not in ("h5", "csv", "popnet"):
        raise SonataError(f"rates file {path}: cannot tell the format from the extension; use "
                          f".h5, .csv or .txt (popnet text) or pass format='h5'|'csv'|'popnet'")
    return fmt


def write_rates(path: PathLike, rates: Mapping[str, Tuple[np.ndarray, np.ndarray]],
                format: Optional[str] = None, mode: str = "w") -> Path:
    """Write {population: (times ms, rates Hz)}; the format follows the extension.

    mode "x" refuses to replace an existing file.
    """
    path = Path(path)
    fmt = _rates_format(path, format)
    table = _checked(rates, path)
    if fmt == "h5":
        with open_h5_for_writing(path, mode, "rates file") as h5:
            root = h5.require_group("rates")
            for pop, (times, values) in table.items():
                check_population_name(pop, f"rates file {path}")
                if pop in root:
                    raise SonataError(f"rates file {path} already has population {pop!r}")
                grp = root.create_group(pop)
                grp.create_dataset("times", data=times).attrs["units"] = "ms"
                grp.create_dataset("rates", data=values).attrs["units"] = "Hz"
        return path
    if mode == "x" and path.exists():
        raise SonataError(f"rates file {path} already exists and would be overwritten")
    if mode not in ("w", "x"):
        raise SonataError(f"rates file {path}: text rates files are written whole (mode 'w')")
    frames = [pd.DataFrame({"population": pop, "t": t, "r": r}) for pop, (t, r) in table.items()]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {"population": [], "t": [], "r": []})
    path.parent.mkdir(parents=True, exist_ok=True)
    df["t"] = np.round(df["t"].to_numpy(dtype=float), 9)       # step times k·dt: no 0.30000000000000004
    if fmt == "csv":
        df.columns = ["population", "time_ms", "rate_hz"]
        df.to_csv(path, index=False, lineterminator="\n")
    else:
        df["t"] = np.round(df["t"] / 1000.0, 12)
        df.to_csv(path, sep=" ", index=False, header=False,
                  lineterminator="\n")
    return path


def _read_h5(path: Path) -> RatesDict:
    out: RatesDict = {}
    with open_h5_for_reading(path, "rates file") as h5:
        root = h5.get("rates")
        if root is None or not hasattr(root, "items"):
            raise SonataError(f"rates file {path} has no /rates group (top-level keys: "
                              f"{sorted(h5.keys())}); expected /rates/<population>/times, rates")
        for pop, grp in root.items():
            if not hasattr(grp, "keys") or "times" not in grp or "rates" not in grp:
                raise SonataError(f"rates file {path}, population {pop!r} needs datasets "
                                  f"'times' (ms) and 'rates' (Hz)")
            ts = grp["times"]
            factor = check_units_ms(ts.attrs["units"], f"rates file {path}, {pop}/times") \
                if "units" in ts.attrs else 1.0
            out[pop] = (ts[()].astype(np.float64) * factor, grp["rates"][()].astype(np.float64))
    return _checked(out, path)


def _read_text(path: Path, time_units: Optional[str]) -> RatesDict:
    if not path.is_file():
        raise SonataError(f"rates file {path} does not exist; check the path")
    try:
        text = path.read_text()
    except UnicodeDecodeError as exc:
        raise SonataError(f"rates file {path} is not a text file") from exc
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return {}
    sep = "," if "," in lines[0] else r"\s+"
    tokens = [t.strip().lower() for t in _split_line(lines[0], sep)]
    has_header = any(t in _POP_COLUMNS or t in _TIME_COLUMNS or t in _RATE_COLUMNS
                     for t in tokens)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, header=0 if has_header else None,
                         engine="c", dtype=str)
    except (pd.errors.ParserError, ValueError) as exc:
        raise SonataError(f"rates file {path} cannot be parsed: {exc}") from exc
    factor = 1000.0  # headerless: bmtk popnet text, seconds
    if has_header:
        cols = {str(c).strip().lower(): c for c in df.columns}
        pop_c = next((cols[c] for c in _POP_COLUMNS if c in cols), None)
        time_c = next((cols[c] for c in _TIME_COLUMNS if c in cols), None)
        rate_c = next((cols[c] for c in _RATE_COLUMNS if c in cols), None)
        if pop_c is None or time_c is None or rate_c is None:
            raise SonataError(f"rates file {path} has columns {list(df.columns)}; it needs "
                              f"'population', 'time_ms' and 'rate_hz' (or a header-less "
                              f"'pop_id time rate' popnet file)")
        factor = _TIME_COLUMNS[str(time_c).strip().lower()]
        df = df[[pop_c, time_c, rate_c]]
    elif df.shape[1] != 3:
        raise SonataError(f"rates file {path} has no header and {df.shape[1]} columns; "
                          f"expected 'pop_id time rate' rows")
    if time_units is not None:
        factor = check_units_ms(time_units, f"rates file {path}")
    df.columns = ["population", "t", "r"]
    values = {}
    for col in ("t", "r"):
        values[col] = pd.to_numeric(df[col], errors="coerce").to_numpy(np.float64)
        bad = np.flatnonzero(np.isnan(values[col]))
        if bad.size:
            raise SonataError(f"rates file {path}: non-numeric value {df[col].iloc[bad[0]]!r} "
                              f"on data row {bad[0] + 1}")
    pops = df["population"].astype(str).str.strip().to_numpy()
    out: RatesDict = {}
    for name in pd.unique(pops):
        sel = pops == name
        out[str(name)] = (values["t"][sel] * factor, values["r"][sel])
    return out


def _split_line(line: str, sep: str):
    """Split one line like pandas would with ``sep`` (',' or whitespace)."""
    return line.split(",") if sep == "," else line.split()


def read_rates(path: PathLike, format: Optional[str] = None,
               time_units: Optional[str] = None) -> RatesDict:
    """Read a rates file into {population: (times ms, rates Hz)}.

    ``time_units`` ('ms' or 's') overrides what the text header implies (a header-less
    popnet file is read as seconds).
    """
    path = Path(path)
    fmt = _rates_format(path, format)
    if fmt == "h5":
        return _read_h5(path)
    return _read_text(path, time_units)
