"""Recorders: spikes (``pc.spike_record``), membrane and synapse reports (``Vector.record`` per element),
drained once per run block (the extracellular potential is in ``extracellular.py``).

NEURON records every step into Vectors (no Python per time step); after each block of
``run.nsteps_block`` steps the recorders copy the new frames out, empty the Vectors, and rank 0
writes them, so memory is bounded by the block size. Report frame k holds the value after step k+1
(BMTK's convention: the time axis is ``[tstart, tstop, dt]`` with tstop/dt frames).
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from bmtk_like.config.stimuli import is_gid_list
from bmtk_like.errors import SimulationError
from simulators.bionet import parallel

log = logging.getLogger("bmtk_like.simulation")


class SpikeRecorder:
    """Every local cell's threshold crossings at the soma (or IntFire events), in one pair of Vectors."""

    def __init__(self, network):
        from neuron import h
        self.network = network
        self.times, self.gids = h.Vector(), h.Vector()
        network.pc.spike_record(-1, self.times, self.gids)

    def collect(self):
        """All ranks' spikes as a SpikeTrains on rank 0 (None on other ranks)."""
        from bmtk_like.reports import SpikeTrains
        mine = (self.times.as_numpy().copy(), self.gids.as_numpy().astype(np.int64))
        gathered = parallel.gather(mine)
        if gathered is None:
            return None
        times = np.concatenate([g[0] for g in gathered])
        gids = np.concatenate([g[1] for g in gathered])
        spikes = SpikeTrains()
        offsets = self.network.gid_offset
        for pop, start in offsets.items():
            stop = start + self.network.circuit.nodes[pop].size
            sel = (gids >= start) & (gids < stop)
            if sel.any() or not self.network.circuit.is_virtual(pop):
                order = np.lexsort((gids[sel], times[sel]))
                spikes.add_spikes(pop, (gids[sel] - start)[order], times[sel][order])
        return spikes


def report_cells(network, cells) -> dict[str, np.ndarray]:
    """Population -> node ids of a report's ``cells``: a node set, or (BMTK) a list of gids."""
    if is_gid_list(cells):
        gids = np.asarray(cells, dtype=np.int64)
        out = {}
        for pop, start in network.gid_offset.items():
            size = network.circuit.nodes[pop].size
            ids = gids[(gids >= start) & (gids < start + size)] - start
            if ids.size:
                out[pop] = np.unique(ids)
        return out
    return network.node_set(cells)


def _report_elements(cell, sections, who: str) -> tuple[np.ndarray, np.ndarray]:
    """(section ids, x) of the report elements of ``cell`` for ``sections`` (soma | all | names)."""
    if sections in (None, "soma", "origin"):
        return np.array([0]), np.array([0.5])
    names = [sections] if isinstance(sections, str) else list(sections)
    if cell.template is not None:
        t = cell.template
        sec_ids = t.sections_of(names)
        keep = np.isin(t.seg_sec_id, sec_ids)
        return t.seg_sec_id[keep], t.seg_x[keep]
    ids, xs = [], []
    for i, (sec, kind) in enumerate(zip(cell.sections, cell.kinds)):
        if "all" in names or kind in names or {"basal": "dend", "apical": "apic", "somatic": "soma",
                                               "axonal": "axon"}.get(names[0]) == kind:
            for seg in sec:
                ids.append(i)
                xs.append(seg.x)
    if not ids:
        raise SimulationError(f"{who}: cell {cell} has no sections {sections!r}")
    return np.array(ids), np.array(xs)


def _report_window(params: dict, tstop: float, dt: float, who: str) -> tuple[float, float, float, int]:
    """(tstart, tstop, dt ms, simulation steps per frame) of a report's optional start_time/end_time/dt."""
    rdt = float(params.get("dt", dt))
    start = float(params.get("start_time", params.get("tstart", 0.0)))
    stop = float(params.get("end_time", params.get("tstop", tstop)))
    every = rdt / dt
    if rdt < dt or abs(every - round(every)) > 1e-6:
        raise SimulationError(f"{who}: dt {rdt} ms must be a whole multiple of run.dt {dt} ms")
    if not 0.0 <= start < stop <= tstop + 1e-9:
        raise SimulationError(f"{who}: need 0 <= start_time ({start}) < end_time ({stop}) <= run.tstop ({tstop}) ms")
    for name, value in (("start_time", start), ("end_time", stop)):
        if abs(value / dt - round(value / dt)) > 1e-6:
            raise SimulationError(f"{who}: {name} {value} ms is not a whole number of run.dt {dt} ms steps")
    return start, stop, rdt, int(round(every))


class MembraneReport:
    """A SONATA compartment report of one range variable (``v``, ``cai``, ``i_membrane_``...)."""

    def __init__(self, network, spec, path: Path, variable: str, tstop: float, dt: float):
        from neuron import h
        self.network, self.path, self.variable = network, Path(path), variable
        who = f"report {spec.name!r}"
        self.tstart, self.tstop, self.dt, self._every = _report_window(spec.params, tstop, dt, who)
        self._first = int(round(self.tstart / dt))          # simulation frame of report frame 0
        self._n_frames = int(round((self.tstop - self.tstart) / self.dt))
        self._sim_frame = 0                                 # simulation frame of the next drained value
        self.local: dict[str, dict] = {}
        for pop, ids in report_cells(network, spec.cells).items():
            node_ids, counts, sec_ids, xs, vecs = [], [], [], [], []
            cells = network.local_cells(pop, ids)
            artificial = [cell.node_id for cell in cells if cell.is_artificial]
            if artificial and type(self) is MembraneReport:
                log.warning("%s: %d artificial cells (IntFire, e.g. translated nest: point neurons) of population "
                            "%s are left out (node ids %s...): NEURON keeps no per-step state for them; use their "
                            "spikes, or run on NEST to record V_m", who, len(artificial), pop, artificial[:5])
            for cell in cells:
                if cell.is_artificial:
                    continue
                sids, cxs, refs = self._elements(cell, spec, who)
                for ref in refs:
                    vec = h.Vector()
                    vec.record(ref)
                    vecs.append(vec)
                node_ids.append(cell.node_id)
                counts.append(len(sids))
                sec_ids.append(sids)
                xs.append(cxs)
            if node_ids:
                self.local[pop] = dict(node_ids=np.array(node_ids), counts=np.array(counts),
                                       sec_ids=np.concatenate(sec_ids), xs=np.concatenate(xs), vecs=vecs)
        self.writer = None
        self._skip_first = True

    def _elements(self, cell, spec, who: str) -> tuple[np.ndarray, np.ndarray, list]:
        """(section ids, x, NEURON references) of the values recorded on ``cell``."""
        sids, xs = _report_elements(cell, spec.sections, who)
        refs = []
        for sid, x in zip(sids, xs):
            try:
                refs.append(getattr(cell.sections[int(sid)](float(x)), f"_ref_{self.variable}"))
            except (AttributeError, NameError):
                raise SimulationError(
                    f"{who}: variable {self.variable!r} does not exist in section {cell.sections[int(sid)].name()} "
                    f"of node type {cell.node_type_id} (population {cell.population}); insert the mechanism that "
                    "defines it or record another variable") from None
        return sids, xs, refs

    @property
    def n_values(self) -> int:
        """Number of recorded Vectors on this rank (values per time step)."""
        return sum(len(d["vecs"]) for d in self.local.values())

    def open(self) -> None:
        """Gather the element mapping to rank 0 and create the file there."""
        from bmtk_like.reports import CompartmentReportWriter
        mapping = {pop: (d["node_ids"], d["counts"], d["sec_ids"], d["xs"]) for pop, d in self.local.items()}
        gathered = parallel.gather(mapping)
        if gathered is None:
            return
        self.writer = CompartmentReportWriter(self.path)
        self._order = {}
        units = "mV" if self.variable == "v" else ("mM" if self.variable.endswith("i") else "NA")
        for pop in self.network.circuit.nodes:
            parts = [(r, g[pop]) for r, g in enumerate(gathered) if pop in g]
            if not parts:
                continue
            node_ids = np.concatenate([p[1][0] for p in parts])
            counts = np.concatenate([p[1][1] for p in parts])
            sec_ids = np.concatenate([p[1][2] for p in parts])
            xs = np.concatenate([p[1][3] for p in parts])
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            order = np.argsort(node_ids, kind="stable")
            columns = np.concatenate([np.arange(starts[i], starts[i] + counts[i]) for i in order])
            self._order[pop] = ([r for r, _ in parts], columns)
            self.writer.add_population(pop, node_ids[order], np.concatenate([[0], np.cumsum(counts[order])]),
                                       sec_ids[columns], xs[columns], tstart=self.tstart, tstop=self.tstop,
                                       dt=self.dt, units=units, variable_name=self.variable)

    def drain(self) -> None:
        """Move the frames recorded since the last call into the file (rank 0), emptying the Vectors."""
        block, n_new = {}, 0
        for pop, d in self.local.items():
            arrays = [v.as_numpy().copy() for v in d["vecs"]]
            for v in d["vecs"]:
                v.resize(0)
            data = np.stack(arrays, axis=1)
            if self._skip_first:
                data = data[1:]          # the value at t = 0 is not a frame
            n_new = data.shape[0]
            block[pop] = data
        self._skip_first = False
        # keep simulation frames first, first + every, ... inside the report window
        frames = self._sim_frame + np.arange(n_new)
        keep = (frames >= self._first) & ((frames - self._first) % self._every == 0) & \
            ((frames - self._first) // self._every < self._n_frames)
        self._sim_frame += n_new
        block = {pop: data[keep].astype(np.float32) for pop, data in block.items()}
        gathered = parallel.gather(block)
        if gathered is None or self.writer is None:
            return
        for pop, (ranks, columns) in self._order.items():
            data = np.concatenate([gathered[r][pop] for r in ranks], axis=1)[:, columns]
            if data.shape[0]:
                self.writer.write_block(pop, data)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class SynapseReport(MembraneReport):
    """BMTK's ``netcon_report``/``syn_report``: a variable of every synapse of type ``syn_type`` on the cells.

    Elements are the synapses' (section id, x), ordered by location. bionet merges linear synapses of one
    edge type at one segment into one point process, so such a group is one element (BMTK: one per edge).
    """

    def _elements(self, cell, spec, who: str):
        syn_type = str(spec.params.get("syn_type", "Exp2Syn"))
        index = {sec: i for i, sec in enumerate(cell.sections)}
        found = []
        for syn in self.network.synapses_on(cell):
            if syn.hname().split("[")[0] != syn_type:
                continue
            seg = syn.get_segment()
            try:
                ref = getattr(syn, f"_ref_{self.variable}")
            except (AttributeError, NameError):
                raise SimulationError(f"{who}: synapse type {syn_type} has no variable {self.variable!r}") from None
            found.append((index[seg.sec], seg.x, ref))
        found.sort(key=lambda row: (row[0], row[1]))
        return (np.array([f[0] for f in found], dtype=np.int64), np.array([f[1] for f in found]),
                [f[2] for f in found])
