"""SWC morphologies as NEURON sections, and random synapse sites on them.

Section numbering (``afferent_section_id``), shared with the NEURON backend:
the SWC tree is split into unbranched sections exactly as NEURON's Import3d
does, then numbered **soma first, then every dend (SWC type 3), then apic
(type 4), then axon (type 2)** — the order of BMTK's ``Biophys1`` ``all``
list. Within a type, sections are ordered by the file position of their first
own point (Import3d's order). A new section starts at a point whose parent is
the soma, a branch point, or a point of another type. The soma (every type-1
point) is one section ``soma[0]``; a single soma point of radius r becomes a
section of length 2r, as in Import3d. Sections attached to the soma hang from
``soma(0.5)``; others start at their parent's last point, whose coordinates they
repeat as their own first 3-D point. (BioNet's ``aibs_perisomatic`` later
replaces the axon by two stubs; axon ids then refer to those stubs, so target
``soma``/``basal``/``apical`` only.)

``afferent_section_pos`` is NEURON's x in [0, 1] along the section. Path
distance (µm) from the soma centre to x on a section is ``d0 + x·L``
(``d0`` = distance of the section's 0-end, 0 for sections on the soma).
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bmtk_like.errors import BuilderError
from bmtk_like.sonata.columns import is_missing

SWC_TYPES = {"soma": 1, "somatic": 1, "axon": 2, "axonal": 2, "dend": 3, "basal": 3, "apic": 4, "apical": 4}
TYPE_ORDER = (1, 3, 4, 2)    # numbering: soma, dend, apic, axon
TYPE_NAMES = {1: "soma", 2: "axon", 3: "dend", 4: "apic"}


@dataclass
class Morphology:
    """Sections of one SWC file in NEURON's numbering (arrays indexed by section id)."""
    path: str
    sec_type: np.ndarray        # SWC type code per section
    length: np.ndarray          # µm
    start_distance: np.ndarray  # µm from the soma centre to the section's x=0 end
    parent: np.ndarray          # parent section id (-1 for the soma)
    parent_x: np.ndarray        # where on the parent it attaches (0.5 on the soma, else 1.0)
    point_offsets: np.ndarray   # section s owns SWC points point_ids[point_offsets[s]:point_offsets[s+1]]
    point_ids: np.ndarray       # SWC sample ids, grouped by section, in file order

    @property
    def n_sections(self) -> int:
        return int(self.sec_type.size)

    def names(self) -> list[str]:
        """NEURON names, e.g. ['soma[0]', 'dend[0]', ..., 'apic[0]', ...]."""
        counters: dict[int, int] = {}
        out = []
        for t in self.sec_type:
            i = counters.get(int(t), 0)
            counters[int(t)] = i + 1
            out.append(f"{TYPE_NAMES.get(int(t), 'dend')}[{i}]")
        return out

    def place(self, n: int, sections: list[str] | tuple[str, ...], distance_range, rng: np.random.Generator,
              where: str = "") -> tuple[np.ndarray, np.ndarray]:
        """``n`` synapse sites uniform in path length over ``sections`` within ``distance_range`` (µm).

        Returns (section ids int64, x in [0, 1]). The soma spans distances
        [-L/2, L/2] around its centre (so [0, L/2] counts), as in BMTK.
        """
        codes = []
        for name in sections:
            if name not in SWC_TYPES:
                raise BuilderError(f"{where}target_sections entry {name!r} is not one of "
                                   f"{', '.join(sorted(SWC_TYPES))}.")
            codes.append(SWC_TYPES[name])
        dmin, dmax = float(distance_range[0]), float(distance_range[1])
        d0 = np.where(self.sec_type == 1, -self.length / 2.0, self.start_distance)
        lo, hi = np.maximum(d0, dmin), np.minimum(d0 + self.length, dmax)
        weight = np.where(np.isin(self.sec_type, codes), np.maximum(hi - lo, 0.0), 0.0)
        total = weight.sum()
        if total <= 0.0:
            raise BuilderError(f"{where}no part of sections {list(sections)} of morphology '{self.path}' lies "
                               f"within distance_range [{dmin}, {dmax}] µm; widen the range or the sections.")
        cumulative = np.cumsum(weight)
        u = rng.random(n) * total
        sec = np.minimum(np.searchsorted(cumulative, u, side="right"), self.n_sections - 1)
        offset = u - (cumulative[sec] - weight[sec])      # µm into the allowed part of the section
        distance = lo[sec] + offset
        x = np.clip((distance - d0[sec]) / self.length[sec], 0.0, 1.0)
        return sec.astype(np.int64), x


    def swc_ids(self, sec_id: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """bmtk's (swc_id, swc_dist) of section positions: the SWC sample near x, assuming evenly spaced samples.

        With n samples in the section, place = max(0, x·n - 1), the sample is
        number ceil(place) and swc_dist = ceil(place) - place (as bmtk's SWCReader.get_swc_id).
        """
        sec_id, x = np.asarray(sec_id, dtype=np.int64), np.asarray(x, dtype=float)
        n = self.point_offsets[sec_id + 1] - self.point_offsets[sec_id]
        place = np.maximum(0.0, x * n - 1.0)
        index = np.minimum(np.ceil(place).astype(np.int64), n - 1)
        single = n == 1
        swc_id = self.point_ids[self.point_offsets[sec_id] + np.where(single, 0, index)]
        return swc_id, np.where(single, x, index - place)


def parse_swc(path: str | os.PathLike) -> np.ndarray:
    """Rows (id, type, x, y, z, radius, parent) of an SWC file as a float array."""
    try:
        data = np.loadtxt(path, comments="#", ndmin=2)
    except (OSError, ValueError) as exc:
        raise BuilderError(f"morphology '{path}' could not be read as SWC: {exc}") from None
    if data.shape[1] < 7 or data.shape[0] == 0:
        raise BuilderError(f"morphology '{path}' is not an SWC file (need 7 columns: id type x y z r parent).")
    return data[:, :7]


@functools.lru_cache(maxsize=64)
def load_morphology(path: str) -> Morphology:
    """Read and split an SWC file into sections (cached per path)."""
    swc = parse_swc(path)
    ids = swc[:, 0].astype(np.int64)
    types = swc[:, 1].astype(np.int64)
    xyz = swc[:, 2:5]
    radius = swc[:, 5]
    parent_id = swc[:, 6].astype(np.int64)
    row_of = {int(i): r for r, i in enumerate(ids)}
    parent = np.array([row_of.get(int(p), -1) for p in parent_id], dtype=np.int64)
    soma_rows = np.flatnonzero(types == 1)
    if soma_rows.size == 0:
        raise BuilderError(f"morphology '{path}' has no soma point (SWC type 1).")
    n_children = np.bincount(parent[parent >= 0], minlength=ids.size)

    # split into sections: start at points whose parent is soma/branch point/other type
    section_of = np.full(ids.size, -1, dtype=np.int64)
    starts = []
    for r in range(ids.size):
        if types[r] == 1:
            continue
        p = parent[r]
        if p < 0 or types[p] == 1 or n_children[p] > 1 or types[p] != types[r]:
            section_of[r] = len(starts)
            starts.append(r)
        else:
            section_of[r] = section_of[p]
    # a chain can be listed before its parent point only in malformed files; follow parents
    for r in range(ids.size):
        if types[r] != 1 and section_of[r] < 0:
            raise BuilderError(f"morphology '{path}': point {ids[r]} comes before its parent.")

    soma_length = _soma_length(xyz[soma_rows], radius[soma_rows])
    raw_length = np.zeros(len(starts))
    for r in range(ids.size):
        if types[r] == 1:
            continue
        s, p = section_of[r], parent[r]
        if r == starts[s] and (p < 0 or types[p] == 1):
            continue                      # first point of a section on the soma: no segment before it
        raw_length[s] += np.linalg.norm(xyz[r] - xyz[p])
    raw_type = types[np.asarray(starts, dtype=np.int64)] if starts else np.empty(0, dtype=np.int64)
    raw_parent_sec = []
    for s, r in enumerate(starts):
        p = parent[r]
        raw_parent_sec.append(-1 if p < 0 or types[p] == 1 else section_of[p])

    order = [s for t in TYPE_ORDER[1:] for s in range(len(starts)) if raw_type[s] == t]
    order += [s for s in range(len(starts)) if raw_type[s] not in TYPE_ORDER]
    new_id = {s: i + 1 for i, s in enumerate(order)}
    n = len(order) + 1
    sec_type, length = np.ones(n, dtype=np.int64), np.zeros(n)
    parent_sec, parent_x = np.full(n, -1, dtype=np.int64), np.full(n, np.nan)
    length[0] = soma_length
    for s in order:
        i = new_id[s]
        sec_type[i], length[i] = raw_type[s], raw_length[s]
        parent_sec[i] = 0 if raw_parent_sec[s] < 0 else new_id[raw_parent_sec[s]]
        parent_x[i] = 0.5 if parent_sec[i] == 0 else 1.0
    points_of = [ids[soma_rows]] + [ids[section_of == s] for s in order]
    point_offsets = np.concatenate([[0], np.cumsum([p.size for p in points_of])]).astype(np.int64)
    point_ids = np.concatenate(points_of).astype(np.int64)
    start_distance = np.zeros(n)
    for s in sorted(order, key=lambda s: starts[s]):      # parents come first in file order
        i = new_id[s]
        pa = parent_sec[i]
        start_distance[i] = 0.0 if pa == 0 else start_distance[pa] + length[pa]
    return Morphology(str(path), sec_type, length, start_distance, parent_sec, parent_x, point_offsets, point_ids)


def _soma_length(points: np.ndarray, radii: np.ndarray) -> float:
    """Length of NEURON's soma section: 2r for one point, else the path through the points."""
    if points.shape[0] == 1:
        return float(2.0 * radii[0])
    return float(np.sum(np.linalg.norm(np.diff(points, axis=0), axis=1)))


def swc_file(morphologies_dir: str | os.PathLike, name: str) -> Path:
    """``morphologies_dir/name`` as bmtk resolves it: the name as written if that file exists,
    else with ``.swc`` appended (SONATA lets node types omit the extension). Existence is not
    checked further; a name such as ``Rbp4-Cre_KL100_Ai14-180747.06.01.01_495335491_m`` keeps its dots."""
    path = Path(morphologies_dir) / name
    if not path.exists() and not name.endswith(".swc"):
        return path.with_name(path.name + ".swc")
    return path


def resolve_morphology_path(morphology: str, morphologies_dir: str | os.PathLike | None,
                            where: str = "") -> str | None:
    """Absolute path of a node type's ``morphology`` file, or None if it cannot be placed here.

    An absolute path or an existing relative path is used as is; otherwise the
    file is looked up in ``morphologies_dir`` (a missing file there is an error).
    """
    if is_missing(morphology):
        return None
    name = str(morphology)
    if os.path.isabs(name) or (morphologies_dir is None and os.path.exists(name)):
        if not os.path.exists(name):
            raise BuilderError(f"{where}morphology file '{name}' does not exist.")
        return os.path.abspath(name)
    if morphologies_dir is None:
        return None
    path = str(swc_file(morphologies_dir, name))
    if not os.path.exists(path):
        raise BuilderError(f"{where}morphology '{name}' was not found in morphologies_dir "
                           f"'{morphologies_dir}'; fix the node type's morphology or the directory.")
    return os.path.abspath(path)
