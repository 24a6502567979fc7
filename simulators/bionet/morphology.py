"""Morphologies: each SWC file is read once (NEURON's Import3d), turned into a columnar template, and
replayed for every cell that uses it.

A `MorphologyTemplate` holds, in SONATA section order (``hobj.all`` after model processing, i.e.
soma, dend, apic, axon stubs for ``aibs_perisomatic``), each section's kind, parent, 3-D points
(µm) and number of segments (``nseg = 1 + 2·int(L / (2·dL))``), plus per-segment tables (section
id, x, area µm², path distance from the soma µm, length µm, SWC type, start/mid/end coordinates µm
relative to the soma centre) used to place synapses, choose report elements and compute the
extracellular potential. Building a cell from the template is a few bulk NEURON calls per section.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bmtk_like.errors import SimulationError

SWC_TYPE = {"soma": 1, "axon": 2, "dend": 3, "apic": 4}
SECTION_GROUP = {"soma": "soma", "somatic": "soma", "axon": "axon", "axonal": "axon",
                 "dend": "dend", "basal": "dend", "apic": "apic", "apical": "apic"}
"""BMTK's section-list names (and NEURON's) -> section kind."""

_HOC_TEMPLATE = """
begintemplate BmtkLikeSwcCell
public soma, dend, apic, axon, all, somatic, basal, apical, axonal
objref all, somatic, basal, apical, axonal
create soma[1], dend[1], apic[1], axon[1]
proc init() {
  all = new SectionList()  somatic = new SectionList()  basal = new SectionList()
  apical = new SectionList()  axonal = new SectionList()
  forall delete_section()
}
endtemplate BmtkLikeSwcCell
"""
_AXON_PROCESSING = ("aibs_perisomatic", "aibs_allactive")


@dataclass
class MorphologyTemplate:
    """One SWC file after model processing and the dL rule; all lengths in µm."""

    swc_path: Path
    processing: str | None
    kinds: list[str]                 # per section: soma | dend | apic | axon
    kind_index: np.ndarray           # per section: index within its kind (dend[3] -> 3)
    parent: np.ndarray               # per section: parent section id, -1 for the root
    parent_x: np.ndarray             # where on the parent it attaches
    child_end: np.ndarray            # which end of the child attaches (0 or 1)
    points: list[np.ndarray]         # per section: (n, 4) x, y, z, diam
    nseg: np.ndarray
    length: np.ndarray               # per section L
    seg_sec_id: np.ndarray           # per segment, cell order (section by section)
    seg_x: np.ndarray
    seg_area: np.ndarray
    seg_dist: np.ndarray
    seg_length: np.ndarray
    seg_type: np.ndarray
    seg_p0: np.ndarray               # (3, nseg) start, relative to the soma centre
    seg_p05: np.ndarray
    seg_p1: np.ndarray
    seg_diam: np.ndarray
    _choice_cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_sections(self) -> int:
        return len(self.kinds)

    @property
    def n_segments(self) -> int:
        return int(self.seg_sec_id.size)

    def sections_of(self, names) -> np.ndarray:
        """Section ids whose kind matches any of ``names`` (soma/somatic, dend/basal, apic/apical, axon/axonal, all)."""
        names = [names] if isinstance(names, str) else list(names)
        if "all" in names:
            return np.arange(self.n_sections)
        wanted = {_section_kind(name, self.swc_path) for name in names}
        return np.array([i for i, k in enumerate(self.kinds) if k in wanted], dtype=np.int64)

    def target_segments(self, section_names, distance_range) -> tuple[np.ndarray, np.ndarray]:
        """Segments a synapse may land on and their probabilities (overlap length with the range), as BMTK."""
        key = (tuple(section_names), tuple(float(d) for d in distance_range))
        if key not in self._choice_cache:
            dmin, dmax = key[1]
            d0 = self.seg_dist - self.seg_length / 2.0
            d1 = self.seg_dist + self.seg_length / 2.0
            overlap = np.maximum(0.0, np.minimum(d1, dmax) - np.maximum(d0, dmin)) / self.seg_length
            types = [SWC_TYPE[_section_kind(n, self.swc_path)] for n in section_names]
            candidates = np.intersect1d(np.flatnonzero(overlap > 0), np.flatnonzero(np.isin(self.seg_type, types)))
            weight = self.seg_length[candidates] * overlap[candidates]
            prob = weight / weight.sum() if weight.size else weight
            self._choice_cache[key] = (candidates, prob)
        return self._choice_cache[key]


def _section_kind(name: str, swc_path: Path | None) -> str:
    if name not in SECTION_GROUP:
        where = f"morphology {swc_path.name}" if swc_path is not None else "this cell"
        raise SimulationError(f"unknown section name {name!r} for {where} (in a report's sections or an edge type's "
                              f"target_sections); use one of {sorted(SECTION_GROUP)} or 'all'")
    return SECTION_GROUP[name]


_templates: dict[tuple, MorphologyTemplate] = {}


def nseg_for(length: np.ndarray, dL: float) -> np.ndarray:
    """BMTK's segment rule: an odd number of segments no longer than about dL µm."""
    return 1 + 2 * (np.asarray(length) / (2.0 * dL)).astype(np.int64)


def load_template(swc_path: str | Path, processing: str | None, dL: float) -> MorphologyTemplate:
    """The template of ``swc_path`` after ``processing`` with segment length ``dL`` µm (cached)."""
    swc_path = Path(swc_path)
    key = (str(swc_path.resolve()), processing if processing in _AXON_PROCESSING else None, float(dL))
    if key not in _templates:
        if not swc_path.is_file():
            raise SimulationError(f"morphology file {swc_path} does not exist; check the morphology column "
                                  "of the node types and components.morphologies_dir")
        _templates[key] = _build_template(swc_path, key[1], float(dL))
    return _templates[key]


def _import_swc(swc_path: Path):
    from neuron import h
    h.load_file("stdlib.hoc")
    h.load_file("import3d.hoc")
    if not hasattr(h, "BmtkLikeSwcCell"):
        h(_HOC_TEMPLATE)
    cell = h.BmtkLikeSwcCell()
    reader = h.Import3d_SWC_read()
    reader.quiet = 1
    try:
        reader.input(str(swc_path))
        h.Import3d_GUI(reader, 0).instantiate(cell)
    except RuntimeError as exc:
        raise SimulationError(f"NEURON could not read the SWC morphology {swc_path}: {exc}") from None
    if len(list(cell.soma)) == 0:
        raise SimulationError(f"morphology {swc_path} has no soma (SWC type 1) points; bionet needs a soma")
    return cell


def _replace_axon(cell, processing: str) -> None:
    """BMTK's axon replacement: two 30 µm stubs (diam 1 µm, or the old axon's diameters for all-active)."""
    from neuron import h
    axon = list(cell.axon)
    diams = [axon[0].diam, axon[-1].diam] if axon and processing == "aibs_allactive" else [1.0, 1.0]
    for sec in axon:
        h.delete_section(sec=sec)
    h.execute("create axon[2]", cell)
    attach = 1.0 if processing == "aibs_allactive" else 0.5
    for sec, diam in zip(cell.axon, diams):
        sec.L = 30.0
        sec.diam = diam
        cell.axonal.append(sec=sec)
        cell.all.append(sec=sec)
    cell.axon[0].connect(cell.soma[0](attach), 0)
    cell.axon[1].connect(cell.axon[0](1.0), 0)
    h.define_shape()


def _points(sec) -> np.ndarray:
    n = int(sec.n3d())
    return np.array([[sec.x3d(i), sec.y3d(i), sec.z3d(i), sec.diam3d(i)] for i in range(n)], dtype=np.float64)


def _build_template(swc_path: Path, processing: str | None, dL: float) -> MorphologyTemplate:
    from neuron import h
    cell = _import_swc(swc_path)
    if processing is not None:
        _replace_axon(cell, processing)
    template = template_from_sections(list(cell.all), dL, swc_path, processing)
    for sec in list(cell.all):
        h.delete_section(sec=sec)
    return template


def _kind_and_index(name: str) -> tuple[str, int]:
    last = name.split(".")[-1]
    kind, _, rest = last.partition("[")
    return kind, int(rest.rstrip("]")) if rest else 0


def template_from_sections(sections: list, dL: float | None, swc_path: Path | None = None,
                           processing: str | None = None) -> MorphologyTemplate:
    """The template of live NEURON ``sections`` (in SONATA order); sets their nseg by the dL rule first.

    Used for SWC imports and for cells made by hoc templates or as single compartments, so synapse
    placement, reports and the extracellular potential treat every compartmental cell alike.
    """
    from neuron import h
    if any(sec.n3d() == 0 for sec in sections):
        h.define_shape()
    index = {sec: i for i, sec in enumerate(sections)}
    kinds, kind_index = zip(*(_kind_and_index(sec.name()) for sec in sections))
    parent, parent_x, child_end = [], [], []
    for sec in sections:
        pseg = sec.parentseg()
        parent.append(index[pseg.sec] if pseg is not None and pseg.sec in index else -1)
        parent_x.append(0.0 if pseg is None else pseg.x)
        child_end.append(h.section_orientation(sec=sec))
    if dL is not None:
        for sec in sections:
            sec.nseg = int(nseg_for(sec.L, dL))
    h.distance(sec=sections[0])
    seg_rows = [(i, seg.x, seg.area(), h.distance(seg), sec.L / sec.nseg, SWC_TYPE.get(kinds[i], 0), seg.diam)
                for i, sec in enumerate(sections) for seg in sec]
    cols = np.array(seg_rows, dtype=np.float64).T
    points = [_points(sec) for sec in sections]
    soma = [points[i] for i, k in enumerate(kinds) if k == "soma"] or points[:1]
    p0, p05, p1 = _segment_coords(points, [sec.nseg for sec in sections], np.concatenate(soma)[:, :3].mean(axis=0))
    return MorphologyTemplate(
        swc_path=swc_path, processing=processing, kinds=list(kinds), kind_index=np.array(kind_index, dtype=np.int64),
        parent=np.array(parent, dtype=np.int64), parent_x=np.array(parent_x), child_end=np.array(child_end),
        points=points, nseg=np.array([sec.nseg for sec in sections], dtype=np.int64),
        length=np.array([sec.L for sec in sections]), seg_sec_id=cols[0].astype(np.int64), seg_x=cols[1],
        seg_area=cols[2], seg_dist=cols[3], seg_length=cols[4], seg_type=cols[5].astype(np.int64),
        seg_p0=p0, seg_p05=p05, seg_p1=p1, seg_diam=cols[6])


def _segment_coords(points, nsegs, soma_centre) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start, middle and end of every segment, interpolated along the 3-D points (as BMTK's seg_coords)."""
    starts, mids, ends = [], [], []
    for pts, nseg in zip(points, nsegs):
        xyz = pts[:, :3] - soma_centre
        arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(xyz, axis=0), axis=1))])
        arc = arc / arc[-1] if arc[-1] > 0 else np.linspace(0.0, 1.0, len(arc))
        centres = (np.arange(nseg) + 0.5) / nseg
        for out, xs in ((starts, centres - 0.5 / nseg), (mids, centres), (ends, centres + 0.5 / nseg)):
            out.append(np.stack([np.interp(xs, arc, xyz[:, k]) for k in range(3)]))
    return np.concatenate(starts, axis=1), np.concatenate(mids, axis=1), np.concatenate(ends, axis=1)


def instantiate(template: MorphologyTemplate, owner) -> list:
    """Create the sections of one cell from ``template``; names are ``<owner>.<kind>[i]``. Returns them in order."""
    from neuron import h
    sections = []
    for kind, k_index, pts, nseg in zip(template.kinds, template.kind_index, template.points, template.nseg):
        sec = h.Section(name=f"{kind}[{k_index}]", cell=owner)
        if len(pts):
            h.pt3dadd(h.Vector(pts[:, 0]), h.Vector(pts[:, 1]), h.Vector(pts[:, 2]), h.Vector(pts[:, 3]), sec=sec)
        sections.append(sec)
    for sec, parent, px, end in zip(sections, template.parent, template.parent_x, template.child_end):
        if parent >= 0:
            sec.connect(sections[parent](px), end)
    for sec, nseg, length in zip(sections, template.nseg, template.length):
        if abs(sec.L - length) > 1e-9:       # 3-D points are single precision: keep the template's exact L
            sec.L = length
        sec.nseg = int(nseg)
    return sections


def rotation_matrix(angles_xyz) -> np.ndarray:
    """BMTK's rotation: R = Rx·Ry·Rz for angles (radians) about the x, y and z axes."""
    def about(axis, theta):
        axis = np.asarray(axis, dtype=float)
        a = np.cos(theta / 2.0)
        b, c, d = -axis * np.sin(theta / 2.0)
        return np.array([[a * a + b * b - c * c - d * d, 2 * (b * c + a * d), 2 * (b * d - a * c)],
                         [2 * (b * c - a * d), a * a + c * c - b * b - d * d, 2 * (c * d + a * b)],
                         [2 * (b * d + a * c), 2 * (c * d - a * b), a * a + d * d - b * b - c * c]])
    rx, ry, rz = (about(ax, float(t)) for ax, t in zip(np.eye(3), angles_xyz))
    return rx @ (ry @ rz)


def placed_coords(template: MorphologyTemplate, soma_position, angles_xyz) -> tuple[np.ndarray, np.ndarray]:
    """Segment start and end points (3, nseg) in µm after rotating about the soma and moving it to soma_position."""
    rot = rotation_matrix(angles_xyz)
    shift = np.asarray(soma_position, dtype=float).reshape(3, 1)
    return rot @ template.seg_p0 + shift, rot @ template.seg_p1 + shift
