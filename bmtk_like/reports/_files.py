"""Opening report files with errors a user can act on (never a raw h5py/OS traceback).

Shared by the spike, compartment-report and rates readers and writers of this package.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Union

import h5py
import numpy as np

from bmtk_like.errors import BmtkLikeError, SonataError

PathLike = Union[str, "os.PathLike[str]"]

#: Root attributes every SONATA HDF5 file we write carries.
SONATA_MAGIC = np.uint32(0x0A7A)
SONATA_VERSION = np.array([0, 1], dtype=np.uint32)


class _ReadOnlyFile(h5py.File):
    """An h5py.File whose ``with`` block turns h5py's answers to damaged bytes into a SonataError."""

    what = "HDF5 file"

    def __exit__(self, exc_type, exc, tb):
        name = self.filename
        super().__exit__(exc_type, exc, tb)
        if exc_type is not None and issubclass(exc_type, (RuntimeError, OSError, KeyError)) \
                and not issubclass(exc_type, BmtkLikeError):
            raise SonataError(f"{self.what} {name} is damaged: HDF5 cannot read it ({exc}); "
                              "rewrite or restore the file") from None
        return False


def open_h5_for_reading(path: PathLike, what: str) -> h5py.File:
    """Open ``path`` read-only; ``what`` (e.g. "spikes file") names it in error messages."""
    path = Path(path)
    if not path.exists():
        raise SonataError(f"{what} {path} does not exist; check the path (relative paths are "
                          f"resolved against the current directory, {Path.cwd()})")
    if path.is_dir():
        raise SonataError(f"{what} {path} is a folder, expected an HDF5 file")
    if not h5py.is_hdf5(path):
        raise SonataError(f"{what} {path} is not an HDF5 file; write it as HDF5 "
                          f"(or give it a .csv extension if it is a CSV table)")
    try:
        h5 = _ReadOnlyFile(path, "r")
    except (OSError, RuntimeError) as exc:  # locked, truncated or damaged files
        raise SonataError(f"{what} {path} cannot be opened as HDF5: {exc}") from None
    h5.what = what
    return h5


def open_h5_for_writing(path: PathLike, mode: str, what: str) -> h5py.File:
    """Create (mode "w") or extend (mode "a") an HDF5 file, making the parent folder.

    Mode "x" refuses to replace an existing file, for callers that must not overwrite output.
    """
    if mode not in ("w", "a", "x"):
        raise SonataError(f"cannot write {what} {path} with mode {mode!r}; use 'w' (replace), "
                          f"'a' (add populations to an existing file) or 'x' (new file only)")
    path = Path(path)
    if mode == "x" and path.exists():
        raise SonataError(f"{what} {path} already exists and would be overwritten; remove it, "
                          f"choose another path or allow overwriting (mode='w')")
    if mode == "a" and path.exists() and not h5py.is_hdf5(path):
        raise SonataError(f"cannot add to {what} {path}: it exists but is not an HDF5 file")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        h5 = h5py.File(path, mode)
    except OSError as exc:
        raise SonataError(f"cannot write {what} {path}: {exc}") from exc
    if "magic" not in h5.attrs:
        h5.attrs["magic"] = SONATA_MAGIC
        h5.attrs["version"] = SONATA_VERSION
    return h5


def attr_str(value: object) -> str:
    """An HDF5 attribute read by h5py (bytes, numpy string, enum int) as a Python str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    return str(value)


def check_units_ms(units: object, where: str) -> float:
    """Factor converting a time unit attribute to ms (1 for ms, 1000 for s)."""
    text = attr_str(units).strip().lower()
    if text in ("ms", "msec", "millisecond", "milliseconds"):
        return 1.0
    if text in ("s", "sec", "second", "seconds"):
        return 1000.0
    raise SonataError(f"{where} has time units {text!r}; expected 'ms' or 's'")


def check_population_name(name: object, where: str) -> str:
    """A population name usable as an HDF5 group name (non-empty, no '/')."""
    if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
        raise SonataError(f"{where}: population name {name!r} is not usable; give a "
                          f"non-empty string without '/'")
    return name
