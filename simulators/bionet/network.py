"""`BioNetwork`: the circuit of a config instantiated on NEURON, on this MPI rank.

Gids: populations get consecutive gid ranges in config order (``gid = offset[pop] + node_id``, as
BMTK's GidPool). Non-virtual cells are dealt to ranks round robin by gid and built only on their
rank; virtual nodes are never built, their spikes are played by one PatternStim per rank into the
NetCons that listen to their gids.
"""
from __future__ import annotations

import gc
import logging
import time
import weakref
from pathlib import Path
from typing import Any

import numpy as np

from bmtk_like.errors import SimulationError
from bmtk_like.sonata.columns import MODEL_COLUMNS
from simulators.bionet import coreneuron, mechanisms, parallel, replay, short_delays, spontaneous
from simulators.bionet.cells import Cell, CellModel, build_cell, resolve_model
from simulators.bionet.synapses import SynapsePlan, make_synapses, plan_edges
from simulators.bionet.weights import network_weight_functions

log = logging.getLogger("bmtk_like.simulation")


_live_network: "weakref.ref[BioNetwork] | None" = None


def _set_initial_states(cells: list) -> None:
    for cell in cells:
        for key, value in cell.initial_state.items():
            setattr(cell.hobj, key, value)


class BioNetwork:
    """Cells, synapses and spike sources of one config on this rank."""

    def __init__(self, circuit, cfg: Any = None, dL: float | None = None, spike_threshold: float | None = None):
        self.circuit = circuit
        self.cfg = cfg
        run = getattr(cfg, "run", None)
        self.dL = float(dL if dL is not None else (getattr(run, "dL", 20.0) or 20.0))
        self.spike_threshold = float(spike_threshold if spike_threshold is not None
                                     else getattr(run, "spike_threshold", -15.0))
        self.pc = parallel.context()
        self.rank, self.nhost = int(self.pc.id()), int(self.pc.nhost())
        self.gid_offset: dict[str, int] = {}
        offset = 0
        for name, pop in circuit.nodes.items():
            self.gid_offset[name] = offset
            offset += int(pop.node_ids.max()) + 1 if pop.size else 0
        self.n_gids = offset
        self.spontaneous_gid = offset               # plays a syn_activity input's timestamps (spontaneous.py)
        self._spontaneous_times = np.zeros(0)
        self._relays: list = []                     # short-delay relays of played spikes (short_delays.py)
        self._replays: list = []                    # replay inputs (replay.py)
        self._relay_dt = 0.0
        self.cells: dict[int, Cell] = {}
        self.models: dict[tuple[str, str], CellModel] = {}    # (population, model key) -> model
        self._model_list: list[CellModel] = []
        self._model_of_node: dict[str, np.ndarray] = {}
        self._local_ids: dict[str, np.ndarray] = {}
        self._artificial: dict[str, np.ndarray] = {}
        self._translated: dict[str, np.ndarray] = {}        # point neurons of other simulators (IntFire1...)
        self._weight_per_unit: dict[str, np.ndarray] = {}   # NetCon weight per unit of edge weight, per node
        self._keep: list = []                     # NEURON objects that must stay alive
        self.synapses: list = []                  # point processes made for edges
        self.netcons: list = []                   # one NetCon per synapse / artificial-cell edge
        self._synapses_by_gid: dict[int, list] = {}
        self.n_synapses = self.n_netcons = 0
        self.built = False
        self.timings: dict[str, float] = {}
        self.weight_functions = network_weight_functions()
        self.use_coreneuron = coreneuron.requested(cfg)   # simulate on CoreNEURON (mechanisms built for it too)

    @classmethod
    def from_config(cls, cfg, dL: float | None = None, spike_threshold: float | None = None) -> "BioNetwork":
        """Load the circuit; nothing is built or written yet (``BioSimulator.from_config`` prepares the
        output folder and log, then builds).

        ``dL`` (µm) and ``spike_threshold`` (mV) override the config's run section.
        """
        from simulators.core import Circuit
        return cls(Circuit.from_config(cfg), cfg, dL, spike_threshold)

    def add_weight_function(self, function, name: str | None = None, vectorized: bool = True,
                            overwrite: bool = True) -> None:
        """Register a weight function on this network only (contract: ``simulators/core/weights.py``;
        ``function(batch)`` returns one weight per synapse, µS); call before the network is built."""
        self.weight_functions.add(function, name, vectorized=vectorized, overwrite=overwrite)

    # ---- queries --------------------------------------------------------------------------
    def is_local(self, population: str, node_ids: np.ndarray) -> np.ndarray:
        """Mask of ``node_ids`` of ``population`` whose cells live on this rank."""
        local = self._local_ids.get(population)
        if local is None or not local.size:
            return np.zeros(len(node_ids), dtype=bool)
        return np.isin(node_ids, local)

    def artificial_mask(self, population: str, node_ids: np.ndarray) -> np.ndarray:
        """Mask of ``node_ids`` of ``population`` that are artificial (IntFire) cells."""
        return self._artificial[population][node_ids]

    def translated_mask(self, population: str, node_ids: np.ndarray) -> np.ndarray:
        """Mask of ``node_ids`` of ``population`` that are translated point neurons (see ``point_translation``)."""
        return self._translated[population][node_ids]

    def weight_per_unit(self, population: str, node_ids: np.ndarray) -> np.ndarray:
        """NetCon weight per unit of edge weight onto ``node_ids`` (1 except for translated point neurons)."""
        return self._weight_per_unit[population][node_ids]

    def cell(self, population: str, node_id: int) -> Cell:
        """The local cell ``node_id`` of ``population``; SimulationError if it is not on this rank."""
        gid = self.gid_offset[population] + int(node_id)
        if gid not in self.cells:
            raise SimulationError(f"node {node_id} of population {population} is not a cell on rank {self.rank}")
        return self.cells[gid]

    def node_set(self, spec) -> dict[str, np.ndarray]:
        """Population -> node ids of a node-set spec; ``"all"`` (BMTK's default) is every node of every population."""
        if spec is None or (isinstance(spec, str) and spec == "all" and "all" not in self.circuit.node_sets):
            return {name: pop.node_ids for name, pop in self.circuit.nodes.items()}
        return self.circuit.node_set(spec)

    def synapses_on(self, cell: Cell) -> list:
        """Point processes made for edges onto ``cell`` (after `build`)."""
        return self._synapses_by_gid.get(cell.gid, [])

    def local_cells(self, population: str, node_ids: np.ndarray | None = None) -> list[Cell]:
        """Local cells of ``population`` (optionally only ``node_ids``), in node-id order."""
        local = self._local_ids.get(population, np.zeros(0, np.int64))
        if node_ids is not None:
            local = local[np.isin(local, node_ids)]
        return [self.cells[self.gid_offset[population] + int(n)] for n in local]

    # ---- building -------------------------------------------------------------------------
    def build(self) -> None:
        """Resolve models, load mechanisms, create this rank's cells, then connect them.

        NEURON holds one model per process: a previously built BioNetwork still alive is released
        first (its cells, synapses and spike sources are deleted), so it cannot feed this one.
        """
        global _live_network
        previous = _live_network() if _live_network is not None else None
        if previous is not None and previous is not self:
            previous.release()
        gc.collect()
        _live_network = weakref.ref(self)
        t0 = time.perf_counter()
        self.pc.gid_clear()
        self._resolve_models()
        self._load_mechanisms()
        self._create_cells()
        self.timings["create"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        self._connect()
        self.timings["connect"] = time.perf_counter() - t0
        self.built = True

    def release(self) -> None:
        """Delete this network's NEURON objects (cells, synapses, NetCons, spike sources)."""
        self.cells.clear()
        self.synapses, self.netcons, self._keep, self._synapses_by_gid = [], [], [], {}
        self.built = False

    def _resolve_models(self) -> None:
        """One CellModel per distinct (node type, per-node model columns) combination of every population."""
        comps = {k: Path(v) for k, v in self.circuit.components.items()}
        for name, pop in self.circuit.nodes.items():
            model_types = self.circuit.model_types(name)      # the level decisions live in simulators/core/levels.py
            self._artificial[name] = np.zeros(pop.size, dtype=bool)
            self._translated[name] = np.zeros(pop.size, dtype=bool)
            self._weight_per_unit[name] = np.ones(pop.size)
            virtual = model_types == "virtual"
            local = pop.node_ids[(~virtual) & ((self.gid_offset[name] + pop.node_ids) % self.nhost == self.rank)]
            self._local_ids[name] = np.sort(local)
            # BMTK lets morphology, dynamics_params... vary per node (h5 columns): one model per combination
            per_node = [c for c in MODEL_COLUMNS if c in getattr(pop, "group_columns", {})]
            keys = pop.node_type_id.astype(str)
            for column in per_node:
                keys = np.char.add(np.char.add(keys, "|"), pop.column(column).astype(str))
            model_of_node = np.full(pop.size, -1, dtype=np.int64)
            real = np.flatnonzero(~virtual)
            uniq, first, which = np.unique(keys[real], return_index=True, return_inverse=True)
            for k in range(uniq.size):
                node = real[first[k]]
                type_id = int(pop.node_type_id[node])
                row = pop.type_row(type_id)
                row.update({c: pop.column(c)[node] for c in per_node})
                row["model_type"] = model_types[node]
                who = f"node type {type_id} of population '{name}'" + \
                    (f" ({', '.join(f'{c}={row[c]}' for c in per_node)})" if per_node else "")
                model = resolve_model(row, comps, self.dL, who)
                self.models[(name, str(uniq[k]))] = model
                members = real[which.reshape(-1) == k]
                model_of_node[members] = len(self._model_list)
                self._model_list.append(model)
                if model.kind == "artificial":
                    self._artificial[name][members] = True
                if model.translation is not None:
                    self._translated[name][members] = True
            self._model_of_node[name] = model_of_node

    def _load_mechanisms(self) -> None:
        mech_dir = self.circuit.components.get("mechanisms_dir")
        if self.use_coreneuron:          # both engines load the build of nrnivmodl -coreneuron
            coreneuron.load_mechanisms(self, Path(mech_dir) if mech_dir is not None else None)
        elif mech_dir is not None and Path(mech_dir).is_dir() and mechanisms.find_mod_files(mech_dir):
            mechanisms.load_mechanisms(mech_dir)
        elif mech_dir is not None:
            log.warning("components.mechanisms_dir %s has no .mod files; only NEURON's built-in mechanisms "
                        "are available", mech_dir)
        needed = {m.description: m.mechanisms for m in self.models.values() if m.mechanisms}
        mechanisms.ensure_mechanisms(needed, Path(mech_dir) if mech_dir is not None else None)

    def _create_cells(self) -> None:
        from neuron import h
        templates_dir = self.circuit.components.get("templates_dir")
        with_state: list[Cell] = []
        for name, pop in self.circuit.nodes.items():
            local = self._local_ids[name]
            if not local.size:
                continue
            positions = pop.positions()
            angles = np.stack([np.nan_to_num(np.asarray(pop.column_or(f"rotation_angle_{a}axis", 0.0), float))
                               for a in "xyz"], axis=1)
            per_node = pop.dynamics_params_for(local) if hasattr(pop, "dynamics_params_for") else None
            for k, node_id in enumerate(local):
                type_id = int(pop.node_type_id[node_id])
                gid = self.gid_offset[name] + int(node_id)
                cell = Cell(gid=gid, population=name, node_id=int(node_id), node_type_id=type_id,
                            position=positions[node_id] if positions is not None else np.zeros(3),
                            rotation=angles[node_id])
                overrides = {key: vals[k] for key, vals in per_node.items()
                             if not (isinstance(vals[k], float) and np.isnan(vals[k]))} if per_node else None
                build_cell(self._model_list[self._model_of_node[name][node_id]], cell, overrides, templates_dir)
                self._register(cell)
                self.cells[gid] = cell
                self._weight_per_unit[name][node_id] = cell.weight_per_unit
                if cell.initial_state:
                    with_state.append(cell)
        if with_state:      # after the INITIAL blocks of finitialize (IntFire1's sets m = 0)
            self._keep.append(h.FInitializeHandler(1, lambda: _set_initial_states(with_state)))

    def _register(self, cell: Cell) -> None:
        from neuron import h
        self.pc.set_gid2node(cell.gid, self.rank)
        if cell.is_artificial:
            detector = h.NetCon(cell.hobj, None)
        else:
            detector = h.NetCon(cell.soma(0.5)._ref_v, None, sec=cell.soma)
            detector.threshold = self.spike_threshold
        self.pc.cell(cell.gid, detector)
        cell.detector = detector

    def _ordered_edges(self) -> list:
        """Edge populations in BMTK's connection order: recurrent (non-virtual source) first, then virtual."""
        edges = list(self.circuit.edges.values())
        virtual = [e for e in edges if self.circuit.is_virtual(e.source_population)]
        return [e for e in edges if e not in virtual] + virtual

    def _connect(self) -> None:
        draw_state: dict[int, np.random.RandomState] = {}
        plan = plan_edges(self, [e for e in self._ordered_edges()
                                 if not self.circuit.is_virtual(e.target_population)], draw_state)
        spont = spontaneous.from_config(self.cfg, self.circuit) if self.cfg is not None else None
        if spont is not None:
            spontaneous.rewire(self, plan, spont)
            self._spontaneous_times = spont.timestamps
        next_gid = self.spontaneous_gid + 1         # played sources beyond the cells' gids
        self._replays = replay.from_config(self.cfg, self) if self.cfg is not None else []
        for rep in self._replays:
            rep.base, next_gid = next_gid, next_gid + self.n_gids
            plan = _concatenate(plan, replay.keep_selected(self, plan_edges(self, rep.edges, draw_state), rep))
        dt = getattr(getattr(self.cfg, "run", None), "dt", None)
        if dt:
            self._relays = short_delays.relay_short_delays(plan, self._played_gid_mask(plan.source_gid),
                                                           next_gid, float(dt))
            self._relay_dt = float(dt)
        self.synapse_plan = plan
        self.synapses, self.netcons, self._synapses_by_gid = make_synapses(self, plan)
        self.n_synapses, self.n_netcons = len(self.synapses), len(self.netcons)

    def _played_gid_mask(self, gids: np.ndarray) -> np.ndarray:
        """Which ``gids`` are played spike sources (virtual nodes; syn_activity and replay sources, whose
        gids follow the cells'), not cells."""
        mask = gids >= self.n_gids
        for pop in self.circuit.virtual_populations():
            start = self.gid_offset[pop]
            mask |= (gids >= start) & (gids < start + self.circuit.nodes[pop].size)
        return mask

    def play_virtual_spikes(self, spike_trains) -> int:
        """Play SpikeTrains of virtual populations into the network (one PatternStim); returns n spikes."""
        from neuron import h
        times, gids = [], []
        for pop in spike_trains.populations:
            if pop not in self.gid_offset:
                continue
            if not self.circuit.is_virtual(pop):
                raise SimulationError(f"spike trains are given for population {pop}, whose nodes are cells, not "
                                      "virtual spike sources; point the input's node_set at a virtual population")
            ids, ts = spike_trains.get(pop)
            ids = np.asarray(ids, np.int64)
            if ts.size and np.any(np.asarray(ts) < 0):
                raise SimulationError(f"spike input for population {pop} has negative times; NEURON cannot "
                                      "play them (shift the trains to t >= 0 ms)")
            times.append(np.asarray(ts, np.float64))
            gids.append(self.gid_offset[pop] + ids)
        if self._spontaneous_times.size:
            times.append(self._spontaneous_times)
            gids.append(np.full(self._spontaneous_times.size, self.spontaneous_gid, np.int64))
        for rep in self._replays:
            rep_t, rep_g = replay.replay_spikes(self, rep)
            times.append(rep_t)
            gids.append(rep_g)
        if not times:
            return 0
        t = np.concatenate(times)
        g = np.concatenate(gids)
        if self._relays:
            extra_t, extra_g = short_delays.relayed_spikes(self._relays, t, g, self._relay_dt)
            t, g = np.concatenate([t, extra_t]), np.concatenate([g, extra_g])
        g = g.astype(np.float64)
        order = np.lexsort((g, t))
        tvec, gvec = h.Vector(t[order]), h.Vector(g[order])
        stim = h.PatternStim()
        stim.play(tvec, gvec)
        self._keep.extend([stim, tvec, gvec])
        return int(t.size)


def _concatenate(first: SynapsePlan, second: SynapsePlan) -> SynapsePlan:
    """One plan with the rows of both (``second``'s model indices moved after ``first``'s models)."""
    fields = ("target_gid", "source_gid", "sec_id", "sec_x", "weight", "delay")
    merged = {f: np.concatenate([getattr(first, f), getattr(second, f)]) for f in fields}
    merged["model"] = np.concatenate([first.model, second.model + len(first.models)])
    return SynapsePlan(models=list(first.models) + list(second.models), **merged)
