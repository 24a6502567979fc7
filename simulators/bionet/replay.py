"""Replayed connections: bmtk's ``replay`` input on NEURON.

``{"module": "replay", "spikes_file": ..., "edges": {"edges_file": ..., "edge_types_file": ...},
"source_node_set": "all", "target_node_set": "all"}`` adds the synapses of an extra edges file
whose source cells do not fire themselves: each source node's recorded spikes (``spikes_file``,
SONATA h5 or CSV, ms) are played into its synapses. Synapses are placed like any other edge
(after the config's own edges, drawn from the same per-cell random streams). Both node sets
default to ``all`` (bmtk's default; no ``node_set`` is needed). Each replayed source plays from
its own gid, ``base + its network gid``, so it never mixes with the live cell.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bmtk_like.errors import ConfigError

MODULE = "replay"


@dataclass
class ReplayInput:
    """One replay input: its edge populations, spike trains and node selections."""

    name: str
    edges: list                    # EdgePopulation
    spikes: Any                    # SpikeTrains
    sources: dict[str, np.ndarray]
    targets: dict[str, np.ndarray]
    base: int = 0                  # first gid of this input's replay sources (set by the network)


def _param(spec: Any, key: str, default: Any = None) -> Any:
    params = getattr(spec, "params", None) or {}
    return params.get(key, getattr(spec, key, default))


def from_config(cfg: Any, network: Any) -> list[ReplayInput]:
    """The config's enabled ``replay`` inputs, read and resolved."""
    from bmtk_like.reports import SpikeTrains
    from bmtk_like.sonata import read_edges
    from simulators.core.inputs import resolve_input_path

    out = []
    for spec in (getattr(cfg, "inputs", None) or {}).values():
        if str(getattr(spec, "module", "")).lower() != MODULE or _param(spec, "enabled", True) is False:
            continue
        where = f"input '{spec.name}' (replay)"
        edges = _param(spec, "edges")
        if not isinstance(edges, dict) or "edges_file" not in edges or "edge_types_file" not in edges:
            raise ConfigError(f"{where}: needs 'edges': {{\"edges_file\": ..., \"edge_types_file\": ...}}, "
                              "the connections whose sources are replayed")
        key = "spikes_file" if _param(spec, "spikes_file") is not None else "input_file"
        spikes = SpikeTrains.load(resolve_input_path(cfg, _param(spec, key), spec, key))
        populations = read_edges(resolve_input_path(cfg, edges["edges_file"], spec, "edges.edges_file"),
                                 resolve_input_path(cfg, edges["edge_types_file"], spec, "edges.edge_types_file"))
        for pop in populations.values():
            for side in (pop.source_population, pop.target_population):
                if side not in network.gid_offset:
                    raise ConfigError(f"{where}: edge population {pop.name} connects node population "
                                      f"'{side}', which is not in the config's networks.nodes")
        out.append(ReplayInput(spec.name, list(populations.values()), spikes,
                               network.node_set(_param(spec, "source_node_set", "all")),
                               network.node_set(_param(spec, "target_node_set", "all"))))
    return out


def _member(network: Any, gids: np.ndarray, selection: dict[str, np.ndarray]) -> np.ndarray:
    members = [network.gid_offset[p] + ids for p, ids in selection.items() if p in network.gid_offset]
    return np.isin(gids, np.concatenate(members) if members else np.zeros(0, np.int64))


def keep_selected(network: Any, plan: Any, replay: ReplayInput) -> Any:
    """``plan`` restricted to rows from the input's sources onto its targets, sources moved to replay gids."""
    from simulators.bionet.synapses import SynapsePlan

    keep = _member(network, plan.source_gid, replay.sources) & _member(network, plan.target_gid, replay.targets)
    fields = ("target_gid", "source_gid", "sec_id", "sec_x", "weight", "delay", "model")
    cut = {f: getattr(plan, f)[keep] for f in fields}
    cut["source_gid"] = cut["source_gid"] + replay.base
    return SynapsePlan(models=plan.models, **cut)


def replay_spikes(network: Any, replay: ReplayInput) -> tuple[np.ndarray, np.ndarray]:
    """(times ms, replay gids) of the recorded spikes of the input's source nodes."""
    times, gids = [np.zeros(0)], [np.zeros(0, np.int64)]
    for pop, ids in replay.sources.items():
        if pop not in replay.spikes.populations or pop not in network.gid_offset:
            continue
        nids, ts = replay.spikes.get(pop)
        nids = np.asarray(nids, np.int64)
        sel = np.isin(nids, ids)
        times.append(np.asarray(ts, float)[sel])
        gids.append(replay.base + network.gid_offset[pop] + nids[sel])
    return np.concatenate(times), np.concatenate(gids)
