"""Node-types and edge-types CSV files.

SONATA types tables are space-separated text with a header line. Files in the
wild (written by BMTK) use CRLF line ends, may lack the ``population`` column and
spell missing values ``NONE`` or ``NULL``; we read all of that and write the
strict form: space separated, LF line ends, with a ``population`` column.
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from bmtk_like.errors import SonataError
from bmtk_like.sonata.columns import MISSING_VALUES


def read_types_csv(path: str | os.PathLike, id_column: str) -> pd.DataFrame:
    """Read a node/edge types CSV into a DataFrame indexed by ``id_column``.

    ``NONE``/``NULL`` become NaN. Raises SonataError naming the file when it is
    missing, unparsable, lacks ``id_column`` or repeats a type id.
    """
    path = Path(path)
    if not path.is_file():
        raise SonataError(f"types file '{path}' does not exist; check node_types_file/edge_types_file.")
    try:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        raise SonataError(f"types file '{path}' is not UTF-8 text (byte {exc.start}); is it a binary "
                          "file? Write the types table as space-separated text.") from None
    except OSError as exc:
        raise SonataError(f"types file '{path}' cannot be read ({exc.strerror or exc}).") from None
    if not text.strip():
        raise SonataError(f"types file '{path}' is empty; it needs a header line with '{id_column}'.")
    if "\0" in text:
        line_no = text.count("\n", 0, text.index("\0")) + 1
        raise SonataError(f"types file '{path}', line {line_no}: contains NUL bytes (a damaged or "
                          "binary file); rewrite the line as space-separated text.")
    try:
        table = pd.read_csv(io.StringIO(text), sep=" ", skipinitialspace=True,
                            na_values=MISSING_VALUES, keep_default_na=False, quotechar='"')
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise SonataError(f"types file '{path}' could not be parsed as space-separated CSV: "
                          f"{str(exc).strip()}") from None
    table = table.loc[:, [c for c in table.columns if not str(c).startswith("Unnamed")]]
    if id_column not in table.columns:
        first = text.lstrip().split("\n", 1)[0]
        if first.split() and _is_integer_text(first.split()[0]):
            raise SonataError(f"types file '{path}' has no header line: its first line ('{first[:60]}') "
                              f"is data. Add a header naming the columns, starting with '{id_column}'.")
        raise SonataError(f"types file '{path}' has no '{id_column}' column "
                          f"(columns: {', '.join(map(str, table.columns))}).")
    table[id_column] = _type_ids(table[id_column], path, id_column)
    duplicated = table[id_column][table[id_column].duplicated()].tolist()
    if duplicated:
        raise SonataError(f"types file '{path}' lists {id_column} {duplicated} more than once.")
    return table.set_index(id_column, drop=False).sort_index()


def _is_integer_text(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _type_ids(values: pd.Series, path: Path, id_column: str) -> np.ndarray:
    """The id column as int64; SonataError naming the line of a missing, non-integer or negative id."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers) | (numbers != np.round(numbers)) | (numbers < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SonataError(f"types file '{path}', data row {row + 1}: {id_column} {values.iloc[row]!r} is not a "
                          f"non-negative integer; every row needs a whole-number {id_column} (is the row "
                          "damaged, or are its values shifted by a missing column?).")
    return numbers.astype(np.int64)


def _format_value(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "NULL"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def write_types_csv(path: str | os.PathLike, table: pd.DataFrame | Iterable[Mapping],
                    id_column: str, population: str | None = None) -> None:
    """Write a types table: space separated, LF line ends, ``id_column`` first.

    ``table`` is a DataFrame or a list of dicts (one per type; missing keys are
    written as NULL). When ``population`` is given a ``population`` column is
    added (or overwritten) with that name.
    """
    if not isinstance(table, pd.DataFrame):
        rows = list(table)
        columns: list[str] = []
        for row in rows:
            columns.extend(k for k in row if k not in columns)
        table = pd.DataFrame([[row.get(c) for c in columns] for row in rows], columns=columns)
    else:
        table = table.reset_index(drop=id_column in table.columns)
    if id_column not in table.columns:
        raise SonataError(f"cannot write '{path}': the types table has no '{id_column}' column.")
    if population is not None:
        table = table.assign(population=population)
    ordered = [id_column] + [c for c in table.columns if c != id_column]
    with open(path, "w", newline="\n", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=" ", lineterminator="\n", quotechar='"',
                            quoting=csv.QUOTE_MINIMAL)
        writer.writerow(ordered)
        for record in table[ordered].itertuples(index=False, name=None):
            writer.writerow([_format_value(v) for v in record])
