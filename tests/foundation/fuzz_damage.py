"""A seeded mutator of copies of the BMTK example files, and random bad builder calls (issue 11).

`damage(path, rng)` breaks one file the way files break in the wild (bytes overwritten or cut,
an HDF5 dataset shortened, retyped, deleted or given wild values, a CSV line dropped or a
token replaced, a JSON key removed or retyped) and returns what it did, so a failing case
can be named and replayed from its seed. `bad_builder_call(rng, folder)` makes one builder
call with one argument drawn from a pool of bad values and returns (argument name, call).
"""
from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any, Callable

import h5py
import numpy as np

WILD_NUMBERS = [-1, -7, 10 ** 6, 2 ** 40, 1e20, math.nan, math.inf, -math.inf, 0.5]
WILD_TOKENS = ["abc", "NaN", "-1", "1e20", "", "\x00", "1.5", "None", "inf", "[1, 2]", '"', "0x10"]
WILD_JSON = ["abc", -1, None, [], {}, 1e20, True, "NaN", [1, "a"], -0.5]


def damage(path: Path, rng: random.Random) -> str:
    """Damage ``path`` in place (by its kind); return a one-line description."""
    kind = path.suffix.lower()
    if kind == ".h5":
        return (_h5_structure if rng.random() < 0.7 else _bytes)(path, rng)
    if kind in (".csv", ".txt"):
        return (_csv if rng.random() < 0.85 else _bytes)(path, rng)
    if kind == ".json":
        return (_json if rng.random() < 0.8 else _bytes)(path, rng)
    return _bytes(path, rng)


def _bytes(path: Path, rng: random.Random) -> str:
    data = bytearray(path.read_bytes())
    if rng.random() < 0.3 and len(data) > 1:
        cut = rng.randrange(len(data))
        path.write_bytes(bytes(data[:cut]))
        return f"{path.name}: cut to {cut} bytes"
    start = rng.randrange(max(len(data), 1))
    length = rng.choice([1, 4, 16, 64, 512])
    fill = rng.choice(["zeros", "random", "0xff"])
    for i in range(start, min(start + length, len(data))):
        data[i] = 0 if fill == "zeros" else 0xFF if fill == "0xff" else rng.randrange(256)
    path.write_bytes(bytes(data))
    return f"{path.name}: {length} bytes at {start} set to {fill}"


def _datasets(h5: h5py.File) -> list[str]:
    names: list[str] = []
    h5.visititems(lambda name, item: names.append(name) if isinstance(item, h5py.Dataset) else None)
    return sorted(names)


def _h5_structure(path: Path, rng: random.Random) -> str:
    with h5py.File(path, "r+") as h5:
        names = _datasets(h5)
        if not names:
            return _bytes(path, rng)
        name = rng.choice(names)
        data = h5[name][()]
        attrs = dict(h5[name].attrs)
        op = rng.choice(["value", "value", "value", "shorten", "delete", "strings", "float_nan", "drop_attrs"])
        if op == "delete":
            del h5[name]
            return f"{path.name}: deleted {name}"
        if op == "drop_attrs":
            for key in list(h5[name].attrs):
                del h5[name].attrs[key]
            return f"{path.name}: dropped the attributes of {name}"
        arr = np.array(data)
        if op == "shorten" and arr.ndim and arr.shape[0] > 0:
            arr = arr[: rng.randrange(arr.shape[0])]
        elif op == "strings" and arr.ndim:
            arr = np.array([rng.choice(WILD_TOKENS) for _ in range(arr.shape[0])], dtype=object)
        elif op == "float_nan" and arr.ndim and arr.size:
            arr = arr.astype(float) if arr.dtype.kind in "iufb" else np.full(arr.shape, math.nan)
            arr.flat[rng.randrange(arr.size)] = math.nan
        elif arr.ndim and arr.size:
            value = rng.choice(WILD_NUMBERS)
            if arr.dtype.kind not in "iufb":
                arr, value = np.array([str(v) for v in arr.ravel().tolist()], dtype=object).reshape(arr.shape), str(value)
            elif arr.dtype.kind in "iub" and float(value).is_integer() and abs(value) < 2 ** 62:
                arr = arr.astype(np.int64)
            else:
                arr = arr.astype(float)
            arr.flat[rng.randrange(arr.size)] = value
        else:
            arr = np.array(rng.choice(WILD_NUMBERS))
        del h5[name]
        if arr.dtype == object:
            h5.create_dataset(name, data=arr.astype(str).astype(object), dtype=h5py.string_dtype())
        else:
            h5.create_dataset(name, data=arr)
        h5[name].attrs.update(attrs)
        return f"{path.name}: {op} on {name} -> shape {arr.shape} dtype {arr.dtype}"


def _csv(path: Path, rng: random.Random) -> str:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if not lines:
        path.write_text(rng.choice(WILD_TOKENS))
        return f"{path.name}: empty file given a token"
    op = rng.choice(["token", "token", "token", "drop_line", "drop_header", "dup_line", "drop_token", "add_token"])
    i = rng.randrange(len(lines))
    words = lines[i].split(" ")
    if op == "drop_line":
        del lines[i]
    elif op == "drop_header":
        del lines[0]
    elif op == "dup_line":
        lines.insert(i, lines[i])
    elif op == "drop_token" and len(words) > 1:
        del words[rng.randrange(len(words))]
        lines[i] = " ".join(words)
    elif op == "add_token":
        words.insert(rng.randrange(len(words) + 1), rng.choice(WILD_TOKENS))
        lines[i] = " ".join(words)
    else:
        op = "token"
        words[rng.randrange(len(words))] = rng.choice(WILD_TOKENS)
        lines[i] = " ".join(words)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"{path.name}: {op} at line {i + 1}"


def _json_paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append(prefix + (key,))
            out += _json_paths(value, prefix + (key,))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            out.append(prefix + (k,))
            out += _json_paths(value, prefix + (k,))
    return out


def _json(path: Path, rng: random.Random) -> str:
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return _bytes(path, rng)
    paths = _json_paths(data)
    if not paths:
        path.write_text(json.dumps(rng.choice(WILD_JSON)))
        return f"{path.name}: replaced by a scalar"
    where = rng.choice(paths)
    parent = data
    for key in where[:-1]:
        parent = parent[key]
    if rng.random() < 0.35 and isinstance(parent, dict):
        del parent[where[-1]]
        op = "deleted"
    else:
        parent[where[-1]] = rng.choice(WILD_JSON)
        op = f"set to {parent[where[-1]]!r}"
    path.write_text(json.dumps(data, allow_nan=True))
    return f"{path.name}: {'/'.join(map(str, where))} {op}"


# ----------------------------------------------------------------------------- builder calls
BAD_VALUES = ["abc", -3, -0.5, 2.5, math.nan, math.inf, None, [], {}, (5, 2), [1, [2]], True, 10 ** 30, "a/b",
              object()]


def bad_builder_call(rng: random.Random, folder: Path) -> tuple[str, Callable[[], Any]]:
    """One builder script with one argument replaced by a bad value: (argument name, run it)."""
    from builders import NetworkBuilder
    from builders.rules import AllToAll, FixedInDegree, FixedProbability, FixedTotalNumber

    value = rng.choice(BAD_VALUES)
    site = rng.choice(["seed", "N", "prop", "positions", "rule_n", "rule_p", "nsyns", "connection_rule",
                       "connection_params", "delay", "syn_weight", "property_name", "output_dir", "overwrite",
                       "workers", "block_size", "edge_prop_name", "autapses"])

    def script():
        net = NetworkBuilder("net", seed=value if site == "seed" else 1)
        props = {"pop_name": "E", "model_type": "point_neuron"}
        if site == "prop":
            props["tau"] = [value] * 4
        if site == "positions":
            props["positions"] = value
        if site == "property_name":
            props[str(value)] = 1.0
        net.add_nodes(N=value if site == "N" else 4, **props)
        rule: Any = 1
        if site == "rule_n":
            rule = rng.choice([FixedInDegree, FixedTotalNumber])(value)
        elif site == "rule_p":
            rule = FixedProbability(value)
        elif site == "nsyns":
            rule = AllToAll(nsyns=value)
        elif site == "autapses":
            rule = AllToAll(allow_autapses=value)
        elif site == "connection_rule":
            rule = value
        edge_props = {"syn_weight": value if site == "syn_weight" else 1.0,
                      "delay": value if site == "delay" else 1.0}
        if site == "edge_prop_name":
            edge_props[str(value)] = 2
        cm = net.add_edges(connection_rule=rule, connection_params=value if site == "connection_params" else None,
                           **edge_props)
        if site == "edge_prop_name" and rng.random() < 0.5:
            cm.add_properties(str(value), rule=lambda s, t: 1.0, dtypes=float)
        net.build(workers=value if site == "workers" else 1, block_size=value if site == "block_size" else 4096)
        net.save(output_dir=value if site == "output_dir" else folder,
                 overwrite=value if site == "overwrite" else True)
        return net

    name = {"rule_n": "n", "rule_p": "p", "autapses": "allow_autapses", "property_name": "property name",
            "edge_prop_name": "property name", "prop": "tau"}.get(site, site)
    return name, script
