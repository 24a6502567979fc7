"""Small HDF5 helpers shared by the SONATA readers and writers.

Everything that touches h5py's error surface goes through here so that a user
gets a `SonataError` naming the file, never a bare h5py/OSError traceback.
"""
from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from bmtk_like.errors import BmtkLikeError, SonataError

#: SONATA magic number written as the root attribute ``magic``.
SONATA_MAGIC = np.uint32(0x0A7A)
#: SONATA format version written as the root attribute ``version``.
SONATA_VERSION = np.array([0, 1], dtype=np.uint32)

STRING_DTYPE = h5py.string_dtype(encoding="utf-8")


def open_h5(path: str | os.PathLike, what: str) -> h5py.File:
    """Open an HDF5 file read-only, turning h5py/OS errors into SonataError.

    ``what`` names the role of the file in the message, e.g. "nodes file".
    """
    path = Path(path)
    if not path.exists():
        raise SonataError(f"{what} '{path}' does not exist; check the path in your config or script.")
    if path.is_dir():
        raise SonataError(f"{what} '{path}' is a folder, expected an HDF5 file.")
    try:
        return h5py.File(path, "r")
    except (OSError, RuntimeError) as exc:
        raise SonataError(f"{what} '{path}' is not a readable HDF5 file ({exc}).") from None


def write_root_attributes(h5: h5py.File) -> None:
    """Write SONATA's root ``magic`` and ``version`` attributes."""
    h5.attrs["magic"] = SONATA_MAGIC
    h5.attrs["version"] = SONATA_VERSION


def dataset_kwargs(compression: str | None) -> dict:
    """h5py dataset options for the chosen compression (None = uncompressed, libsonata-safe)."""
    if compression is None:
        return {}
    if compression not in ("gzip", "lzf"):
        raise SonataError(f"compression must be None, 'gzip' or 'lzf', got {compression!r}.")
    return {"compression": compression, "chunks": True}


def as_storable(name: str, values) -> np.ndarray:
    """Convert a column to an array h5py can store (strings become UTF-8 vlen)."""
    arr = np.asarray(values)
    if arr.dtype.kind in ("U", "O", "S"):
        return np.array([("" if v is None else str(v)) for v in arr.tolist()], dtype=object)
    if arr.dtype.kind == "b":
        return arr.astype(np.uint8)
    if arr.dtype.kind not in "iufc":
        raise SonataError(f"column '{name}' has dtype {arr.dtype}, which SONATA cannot store; "
                          "use numbers or strings.")
    return arr


def create_column(group: h5py.Group, name: str, values, compression: str | None) -> None:
    """Create dataset ``name`` in ``group`` from a column of numbers or strings."""
    arr = as_storable(name, values)
    if arr.dtype == object:
        group.create_dataset(name, data=arr, dtype=STRING_DTYPE, **dataset_kwargs(compression))
    else:
        group.create_dataset(name, data=arr, **dataset_kwargs(compression))


def read_column(dataset: h5py.Dataset) -> np.ndarray:
    """Read a dataset whole; byte/vlen strings come back as a numpy str array."""
    data = dataset[()]
    if isinstance(data, np.ndarray) and data.dtype.kind in ("O", "S"):
        return np.array([v.decode() if isinstance(v, bytes) else str(v) for v in data.tolist()])
    return np.asarray(data)


def read_group_columns(group: h5py.Group, prefix: str = "") -> dict[str, np.ndarray]:
    """Read every dataset of a SONATA attribute group (and its dynamics_params subgroup)."""
    columns: dict[str, np.ndarray] = {}
    for key, item in group.items():
        if isinstance(item, h5py.Dataset):
            columns[prefix + key] = read_column(item)
        elif isinstance(item, h5py.Group) and key == "dynamics_params":
            columns.update(read_group_columns(item, prefix=prefix + "dynamics_params."))
    return columns


def read_populations(path, kind: str, types, types_file, populations, read_one) -> dict:
    """Open ``path`` and call ``read_one(group, name, types, path, types_file)`` for each
    population under ``/<kind>s`` (all, or the named ones), with SonataErrors naming the file."""
    other = "edges" if kind == "node" else "nodes"
    result = {}
    with open_h5(path, f"{kind}s file") as h5:
        try:
            root = h5.get(f"{kind}s")
            if not isinstance(root, h5py.Group):
                raise SonataError(f"{kind}s file '{path}' has no '/{kind}s' group; is it an {other} file?")
            names = list(root.keys())
            for name in populations or names:
                if name not in root:
                    raise SonataError(f"{kind}s file '{path}' has no population '{name}' (has: {names}).")
                where = f"{kind}s file '{path}', population '{name}'"
                if not isinstance(root[name], h5py.Group):
                    raise SonataError(f"{where}: '/{kind}s/{name}' is a dataset, expected a population group.")
                check_id_dataset(root[name], f"{kind}_type_id", where)
                try:
                    result[name] = read_one(root[name], name, types, path, types_file)
                except BmtkLikeError:
                    raise
                except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                    raise SonataError(f"{where}: not a valid SONATA {kind} population ({type(exc).__name__}: "
                                      f"{exc}); check it against the SONATA layout.") from None
        except BmtkLikeError:
            raise
        except (OSError, RuntimeError, KeyError) as exc:   # h5py's answers to damaged bytes
            raise SonataError(f"{kind}s file '{path}' is damaged: HDF5 cannot read it ({exc}); "
                              "rewrite or restore the file.") from None
    return result


def check_id_dataset(group: h5py.Group, key: str, where: str) -> None:
    """``group[key]``, when present, must be a 1-D dataset of integers (SonataError otherwise)."""
    if key not in group:
        return
    item = group[key]
    if not isinstance(item, h5py.Dataset):
        raise SonataError(f"{where}: '{key}' is a group, expected a 1-D integer dataset.")
    if item.ndim != 1 or item.dtype.kind not in "iu":
        raise SonataError(f"{where}: '{key}' must be a 1-D integer dataset, found shape {item.shape} "
                          f"dtype {item.dtype}.")
