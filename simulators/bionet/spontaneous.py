"""Spontaneous synaptic activity: bmtk's ``syn_activity`` input on NEURON.

A config input ``{"module": "syn_activity", "precell_filter": {...}, "timestamps": [ms, ...],
"postcell_filter": {...}}`` changes how the recurrent edges (edges whose source cells are not
virtual) are connected, as bmtk's BioNet does:

- a synapse whose source cell matches ``precell_filter`` (and whose target matches
  ``postcell_filter``, default: every cell) is activated at every ``timestamps`` time (ms, plus the
  edge's delay) with its usual weight, whatever its source cell does;
- every other recurrent synapse gets weight 0 (bmtk silences them while the input is on).

Edges from virtual populations are not touched. Filters are node-set rules (``population``,
node-types CSV or h5 columns; a list value means any of). bmtk keeps only one such input: the
last one wins, and we say so. The timestamps are played by the network's spike player from one
extra source gid (``BioNetwork.spontaneous_gid``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from bmtk_like.errors import ConfigError

MODULE = "syn_activity"
log = logging.getLogger("bmtk_like.simulation")


@dataclass
class SpontaneousActivity:
    """Which recurrent synapses fire on their own (source/target gids masks), and when (ms)."""

    name: str
    pre: dict[str, np.ndarray]              # population -> node ids of matching source cells
    post: Optional[dict[str, np.ndarray]]   # None: every target
    timestamps: np.ndarray


def _param(spec: Any, key: str, default: Any = None) -> Any:
    params = getattr(spec, "params", None) or {}
    return params.get(key, getattr(spec, key, default))


def from_config(cfg: Any, circuit: Any) -> Optional[SpontaneousActivity]:
    """The config's (last) enabled ``syn_activity`` input, resolved on ``circuit``; None if none."""
    specs = [s for s in (getattr(cfg, "inputs", None) or {}).values()
             if str(getattr(s, "module", "")).lower() == MODULE and _param(s, "enabled", True) is not False]
    if not specs:
        return None
    if len(specs) > 1:
        log.warning("inputs %s are all syn_activity; as in bmtk only the last one (%r) is used",
                    [s.name for s in specs], specs[-1].name)
    spec = specs[-1]
    where = f"input '{spec.name}' (syn_activity)"
    pre = _param(spec, "precell_filter")
    if not isinstance(pre, dict) or not pre:
        raise ConfigError(f"{where}: needs 'precell_filter', a dict of node properties selecting the "
                          "presynaptic cells whose synapses fire, e.g. {\"model_name\": \"Scnn1a\"}")
    post = _param(spec, "postcell_filter") or None
    if post is not None and not isinstance(post, dict):
        raise ConfigError(f"{where}: 'postcell_filter' must be a dict of node properties, got {post!r}")
    stamps = _param(spec, "timestamps")
    try:
        times = np.atleast_1d(np.asarray(stamps, dtype=np.float64))
    except (TypeError, ValueError):
        times = np.array([np.nan])
    if stamps is None or times.size == 0 or not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ConfigError(f"{where}: 'timestamps' must be a time or a list of times >= 0 ms, "
                          f"got {stamps!r}")
    return SpontaneousActivity(spec.name, circuit.node_set(pre),
                               circuit.node_set(post) if post is not None else None, np.sort(times))


def _member_gids(network: Any, selection: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([network.gid_offset[pop] + ids for pop, ids in selection.items()
                           if pop in network.gid_offset] or [np.zeros(0, np.int64)])


def rewire(network: Any, plan: Any, spont: SpontaneousActivity) -> tuple[int, int]:
    """Point the matching recurrent synapses of ``plan`` at the spontaneous source, silence the rest.

    Returns (activated, silenced) row counts. ``plan`` is changed in place; its rows keep their
    places, so synapse locations are drawn exactly as without the input."""
    virtual_gids = _member_gids(network, {p: network.circuit.nodes[p].node_ids
                                          for p in network.circuit.virtual_populations()})
    recurrent = ~np.isin(plan.source_gid, virtual_gids)
    match = recurrent & np.isin(plan.source_gid, _member_gids(network, spont.pre))
    if spont.post is not None:
        match &= np.isin(plan.target_gid, _member_gids(network, spont.post))
    silenced = recurrent & ~match
    plan.source_gid[match] = network.spontaneous_gid
    plan.weight[silenced] = 0.0
    log.info("input '%s' (syn_activity): %d recurrent synapse(s) fire at %d time(s) from %g ms; %d other "
             "recurrent synapse(s) silenced (weight 0), as in bmtk", spont.name, int(match.sum()),
             spont.timestamps.size, float(spont.timestamps[0]), int(silenced.sum()))
    return int(match.sum()), int(silenced.sum())
