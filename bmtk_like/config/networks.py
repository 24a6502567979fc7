"""The ``components`` and ``networks`` sections: where the circuit's files are."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from bmtk_like.config import checks
from bmtk_like.config.paths import RequiredPath
from bmtk_like.errors import ConfigError


@dataclass(frozen=True)
class NodesFiles:
    """One ``networks.nodes`` entry: a nodes HDF5 file and its node-types CSV.

    ``populations`` holds SONATA per-population overrides (``{"v1": {"type": ...}}``),
    empty when absent. An entry without ``node_types_file`` gets BMTK's sibling name
    (``x_nodes.h5`` -> ``x_node_types.csv``).
    """

    nodes_file: Path
    node_types_file: Optional[Path]
    populations: dict = field(default_factory=dict)


@dataclass(frozen=True)
class EdgesFiles:
    """One ``networks.edges`` entry: an edges HDF5 file and its edge-types CSV."""

    edges_file: Path
    edge_types_file: Optional[Path]
    populations: dict = field(default_factory=dict)


#: Components whose absence is reported but not an error (see RequiredPath.optional).
OPTIONAL_COMPONENTS = frozenset({"mechanisms_dir"})


def parse_components(components: Any, source: str) -> tuple[dict[str, Path], list[RequiredPath]]:
    """Validate ``components`` (name -> folder or file) and list the paths to check."""
    components = checks.mapping(components if components is not None else {}, "components",
                                source)
    paths: dict[str, Path] = {}
    required = []
    for name, value in components.items():
        key = f"components.{name}"
        paths[name] = Path(checks.string(value, key, source))
        kind = "dir" if name.endswith("_dir") else "any"
        required.append(RequiredPath(key, paths[name], kind, source,
                                     optional=name in OPTIONAL_COMPONENTS))
    return paths, required


def _entries(networks: dict, kind: str, source: str) -> list:
    value = networks.get(kind, [])
    if not isinstance(value, list):
        raise checks.wrong_type(source, f"networks.{kind}", value,
                                f"a list of {{\"{kind}_file\": ..., "
                                f"\"{kind[:-1]}_types_file\": ...}} objects")
    return value


def parse_networks(networks: Any, source: str) -> tuple[list[NodesFiles], list[EdgesFiles],
                                                        list[RequiredPath]]:
    """Validate ``networks`` into node and edge file pairs and list the paths to check.

    An edges entry with ``"enabled": false`` is left out, as bmtk does (bmtk loads a nodes
    entry whatever its ``enabled``; the vocabulary warns about that). Keys other than the
    ones read here (``name``, ...) are the vocabulary's business: accepted or warned about.
    """
    networks = checks.mapping(networks if networks is not None else {}, "networks", source)
    files: dict[str, list] = {"nodes": [], "edges": []}
    required: list[RequiredPath] = []
    for kind, record in (("nodes", NodesFiles), ("edges", EdgesFiles)):
        data_key, types_key = f"{kind}_file", f"{kind[:-1]}_types_file"
        for i, entry in enumerate(_entries(networks, kind, source)):
            where = f"networks.{kind}[{i}]"
            entry = checks.mapping(entry, where, source)
            if data_key not in entry:
                raise ConfigError(f"{source}: '{where}' has no '{data_key}'; each entry needs "
                                  f"\"{data_key}\" (HDF5) and \"{types_key}\" (CSV).")
            # other keys are checked against the vocabulary (a warning, not an error)
            if kind == "edges" and not checks.boolean(entry.get("enabled", True),
                                                      f"{where}.enabled", source):
                continue                # bmtk leaves a disabled edges entry out
            data_file = Path(checks.string(entry[data_key], f"{where}.{data_key}", source))
            required.append(RequiredPath(f"{where}.{data_key}", data_file, "file", source))
            types_file = entry.get(types_key)
            if types_file is None:      # BMTK's sibling name: x_nodes.h5 -> x_node_types.csv
                suffix = f"_{kind}.h5"
                if not data_file.name.endswith(suffix):
                    raise ConfigError(f"{source}: '{where}' has no '{types_key}'; add the types CSV of "
                                      f"{data_file.name}.")
                types_file = data_file.with_name(data_file.name[:-len(suffix)] + f"_{kind[:-1]}_types.csv")
            else:
                types_file = Path(checks.string(types_file, f"{where}.{types_key}", source))
            required.append(RequiredPath(f"{where}.{types_key}", types_file, "file", source))
            populations = checks.mapping(entry.get("populations", {}), f"{where}.populations",
                                         source)
            files[kind].append(record(data_file, types_file, dict(populations)))
    return files["nodes"], files["edges"], required
