"""`PopNetwork`: a SONATA circuit as density populations and their connections.

Edges between groups (see :mod:`simulators.popnet.groups`) become one
``solver.Connection`` per (source group, target group):

* synapses per target cell = Σ nsyns over the edges / number of target nodes;
* weight distribution = the edges' voltage jumps (``syn_weight``), each weighted
  by its nsyns;
* coarse-grained point neurons follow BMTK's point semantics instead: an edge is
  one synapse of weight ``syn_weight × nsyns``, converted to a jump by the target
  model (see :mod:`simulators.popnet.groups`);
* delay distribution = the edges' ``delay``, weighted the same way; edges without
  a delay get ``popnet.default_delay`` (ms, default 0 for population circuits and
  NEST's 1 ms for coarse-grained point ones).
Weights and delays are treated as independent distributions.

Units, per file (one circuit may mix DiPDE's seconds/volts JSONs with ms/mV ones,
as BMTK's pop_7pops_converted does): every population JSON is converted on read by
its own unit system (rule in :mod:`simulators.popnet.units`); an edge is read in
the unit system of its *target* population (``syn_weight`` V and ``delay`` s into
a seconds/volts population, mV and ms into an ms/mV one); ``run.dt`` is seconds
when any population JSON is seconds/volts (BMTK's popnet configs), else ms. An edge
delay longer than the run is warned about (it is usually a unit slip: the input
never arrives).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import numpy as np

import logging

from bmtk_like.errors import ConfigError
from simulators.core import Circuit
from simulators.core.levels import DEFAULT_POPULATION_KEY
from simulators.core.weights import PER_SYNAPSE_BUILTINS, EdgeBatch, WeightFunctions
from simulators.popnet import distributions as dists
from simulators.popnet import units as U
from simulators.popnet.external_rates import combine, external_rates
from simulators.popnet.groups import Group, circuit_groups
from simulators.popnet.solver import Connection, ExternalPopulation, Population


def popnet_settings(cfg: Any) -> dict:
    """The optional ``popnet`` section of a config (grid overrides, group_by, units)."""
    data = getattr(cfg, "data", {}) or {}
    section = data.get("popnet", {}) or {}
    if not isinstance(section, dict):
        raise ConfigError(f"config {getattr(cfg, 'path', '')}: 'popnet' must be an object with keys "
                          "like group_by, dv, v_min, units, default_delay")
    return dict(section)


LOG = logging.getLogger("bmtk_like.simulation.popnet")


def _config_units(groups: list[Group], cfg: Any, settings: dict) -> str:
    """Unit system of ``run.dt``: explicit ``popnet.units`` / ``run.popnet_units``, else
    seconds when any population JSON is seconds/volts (DiPDE), else ms."""
    explicit = settings.get("units", (getattr(cfg.run, "extra", {}) or {}).get("popnet_units"))
    if explicit is not None:
        return U.parse_units(explicit, f"config {getattr(cfg, 'path', '')} popnet units")
    systems = {g.units for g in groups if not g.external and g.source != "point"}
    return U.SI if U.SI in systems else U.MS_MV


@dataclass
class PopNetwork:
    """Internal and external density populations with their connections (ms, mV, Hz)."""

    populations: list[Population]
    externals: list[ExternalPopulation]
    connections: list[Connection]
    groups: list[Group] = field(default_factory=list)
    units: str = U.MS_MV
    circuit: Optional[Circuit] = None
    notes: list = field(default_factory=list)
    """Warnings found while mapping (also logged into the run's log file)."""

    @classmethod
    def from_config(cls, cfg: Any, group_by: Optional[str] = None,
                    weight_functions: Optional[Mapping[str, Any]] = None) -> "PopNetwork":
        """Read the circuit of ``cfg`` and map it onto density populations.

        Edge types naming a ``weight_function`` get their jump sizes (mV per synapse) from it
        (``simulators/core/weights.py``): the built-ins, the global ones (``@synaptic_weight``) or
        ``weight_functions`` (name -> function) for this network.
        """
        circuit = Circuit.from_config(cfg)
        settings = popnet_settings(cfg)
        key = group_by or settings.get("group_by", DEFAULT_POPULATION_KEY)
        forced = settings.get("units")
        groups, member = circuit_groups(circuit, key, U.parse_units(forced, "popnet.units") if forced else None)
        units = _config_units(groups, cfg, settings)
        pops = []
        for g in groups:
            if g.external:
                continue
            params = dict(g.params)
            for name in ("dv", "v_min"):
                if name in settings:
                    params[name] = float(settings[name])
            params.setdefault("dv", 0.1)
            params.setdefault("v_min", min(-params.get("threshold", 20.0), params.get("v_reset", 0.0)))
            pops.append(Population(g.label, **params))
        rates = external_rates(circuit, cfg, groups, float(cfg.run.tstop))
        externals = [ExternalPopulation(g.label, combine(rates.get(i, [0.0])))
                     for i, g in enumerate(groups) if g.external]
        default_delay = float(settings.get("default_delay",
                                           1.0 if any(g.source == "point" for g in groups) else 0.0))
        notes: list[str] = []
        functions = WeightFunctions(PER_SYNAPSE_BUILTINS)
        for name, func in (weight_functions or {}).items():
            functions.add(func, name)
        conns = _connections(circuit, groups, member, default_delay, float(cfg.run.tstop), notes, functions)
        return cls(pops, externals, conns, groups, units, circuit, notes)

    def run_dt_ms(self, cfg: Any) -> float:
        """``run.dt`` in ms (seconds in DiPDE-unit configs)."""
        return U.config_time_to_ms(cfg.run.dt, self.units)


def _connections(circuit: Circuit, groups: list[Group], member: dict[str, np.ndarray],
                 default_delay: float, tstop_ms: float, notes: list,
                 functions: Optional[WeightFunctions] = None) -> list[Connection]:
    src_all, tgt_all, n_all, w_all, d_all = [], [], [], [], []
    # per target group: mV per syn_weight unit and ms per delay unit (its own unit system)
    si = np.array([g.units == U.SI and not g.external for g in groups] + [False])
    w_scale = np.where(si, U.weight_to_mv(1.0, U.SI), 1.0)
    t_scale = np.where(si, U.config_time_to_ms(1.0, U.SI), 1.0)
    for name, edges in circuit.edges.items():
        src = member[edges.source_population][np.asarray(edges.source_node_id, dtype=np.int64)]
        tgt = member[edges.target_population][np.asarray(edges.target_node_id, dtype=np.int64)]
        keep = (src >= 0) & (tgt >= 0)
        if not edges.has_column("syn_weight"):
            raise ConfigError(f"edge population '{name}' has no syn_weight; popnet needs the voltage "
                              "jump per synapse (mV, or V in DiPDE-unit circuits)")
        batch = EdgeBatch(edges, None, np.arange(edges.size), circuit.nodes[edges.source_population],
                          circuit.nodes[edges.target_population])
        weight = (functions or WeightFunctions(PER_SYNAPSE_BUILTINS)).weights(
            batch, f"edge population '{name}'") * w_scale[tgt]
        nsyns = np.asarray(edges.nsyns(), dtype=float)
        point = np.array([g.source == "point" for g in groups] + [False])[tgt]
        if point.any():   # one synapse of weight syn_weight x nsyns, current -> voltage jump
            factors = np.array([g.extra.get("weight_to_mv", (1.0, 1.0)) for g in groups] + [(1.0, 1.0)])
            w_pt = weight * nsyns
            w_pt = w_pt * np.where(w_pt >= 0, factors[tgt, 0], factors[tgt, 1])
            weight = np.where(point, w_pt, weight)
            nsyns = np.where(point, 1.0, nsyns)
        if edges.has_column("delay"):
            delay = np.asarray(edges.column("delay"), dtype=float) * t_scale[tgt]
            if np.isinf(delay).any():
                raise ConfigError(f"edges {edges.name}: infinite delay in {edges.h5_file} or its edge types CSV; "
                                  "give a delay in ms")
            delay = np.where(np.isnan(delay), default_delay, delay)      # missing in some groups/types
            late = keep & (delay >= tstop_ms)
            if late.any():
                names = sorted({groups[t].label for t in tgt[late]})
                notes.append(f"edges {name}: {int(late.sum())} edges into {names} have delays >= run.tstop "
                             f"({tstop_ms:g} ms; read as {'s' if si[tgt[late]].any() else 'ms'}), so their input "
                             "never arrives; seconds/volts (DiPDE) population JSONs make their edges' delays "
                             "seconds: check the delay units")
                LOG.warning(notes[-1])
        else:
            delay = np.full(edges.size, default_delay)
        for lst, arr in ((src_all, src), (tgt_all, tgt), (n_all, nsyns),
                         (w_all, weight), (d_all, delay)):
            lst.append(arr[keep])
    if not src_all:
        return []
    src, tgt, nsyn, w, d = (np.concatenate(a) for a in (src_all, tgt_all, n_all, w_all, d_all))
    if np.any(~np.isfinite(w)):
        raise ConfigError("some edges between populations have no syn_weight value; set it in the "
                          "edge types CSV or the edges file")
    conns = []
    pairs, inverse = np.unique(np.stack([src, tgt], axis=1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    for k, (s, t) in enumerate(pairs):
        sel = inverse == k
        weights = nsyn[sel]
        total = weights.sum()
        if total <= 0:
            continue
        target = groups[t]
        if target.external:
            raise ConfigError(f"edges target the virtual population '{target.label}'; virtual "
                              "nodes cannot receive connections")
        wv, wi = np.unique(w[sel], return_inverse=True)
        dv_, di = np.unique(d[sel], return_inverse=True)
        wdist = dists.discrete(wv, np.bincount(wi.ravel(), weights=weights))
        ddist = dists.discrete(dv_, np.bincount(di.ravel(), weights=weights))
        conns.append(Connection(groups[s].label, target.label, float(total / target.node_ids.size),
                                wdist, ddist))
    return conns
