"""Biophysical parameter sets, compiled once per file into a `BiophysicsProgram` applied per section kind.

Supported sources (as BMTK's BioNet reads them):
- Allen Cell Types JSON fits (``ctdb:Biophys1.hoc``) with ``model_processing`` ``aibs_perisomatic``
  (``passive`` ra/cm/e_pas for every section, then ``genome`` mechanisms and values, then
  ``conditions.erev``) or ``aibs_allactive`` (genome values may be strings; ``glob`` entries skipped;
  reversal potentials set only where the ion exists).
- NeuroML 2 cell files (``nml:<file>``): resistivity, specificCapacitance, channelDensity(+Nernst)
  and concentrationModel per segmentGroup (soma, axon, dend, apic, all).
Units are NEURON's: S/cm², µF/cm², Ω·cm, mV, ms.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from bmtk_like.errors import SimulationError

KINDS = ("soma", "dend", "apic", "axon")


@dataclass
class BiophysicsProgram:
    """Ordered operations per section kind: ("insert", mech) | ("set", attr, value) | ("ion", attr, value).

    ``ion`` operations (ena, ek...) are applied only to sections where the ion exists.
    """

    source: str
    ops: dict[str, list[tuple]] = field(default_factory=lambda: {k: [] for k in KINDS})

    @property
    def mechanisms(self) -> set[str]:
        """Density mechanisms the program inserts."""
        return {op[1] for ops in self.ops.values() for op in ops if op[0] == "insert"}

    def add(self, kinds, *op) -> None:
        for kind in kinds:
            self.ops.setdefault(kind, []).append(op)

    def apply(self, sections, kinds: list[str]) -> None:
        """Run the program on ``sections`` whose kinds are ``kinds``."""
        from neuron import h
        for sec, kind in zip(sections, kinds):
            for op in self.ops.get(kind, ()):
                if op[0] == "insert":
                    sec.insert(op[1])
                elif op[0] == "set":
                    _set(sec, op[1], op[2], self.source)
                elif h.ismembrane(op[1][1:] + "_ion", sec=sec):
                    setattr(sec, op[1], op[2])

    def override(self, sections, kinds: list[str], values: dict, who: str) -> None:
        """Per-node overrides: ``name`` sets it wherever the program sets it, ``name.kind`` only in that kind."""
        for key, value in values.items():
            name, _, only = str(key).partition(".")
            targets = [k for k, ops in self.ops.items() if any(op[0] == "set" and op[1] == name for op in ops)]
            if only:
                targets = [k for k in targets if k == only]
            if not targets:
                raise SimulationError(f"{who}: per-node dynamics_params {key!r} is not a parameter set by "
                                      f"{self.source}; use one of its genome/passive names (e.g. gbar_NaTs, "
                                      "or gbar_NaTs.soma for one section kind)")
            for sec, kind in zip(sections, kinds):
                if kind in targets:
                    _set(sec, name, float(value), self.source)


def _set(sec, attr: str, value: float, source: str) -> None:
    try:
        setattr(sec, attr, value)
    except (AttributeError, LookupError, ValueError, RuntimeError, TypeError):
        raise SimulationError(f"{source}: cannot set {attr} = {value} on section {sec.name()}; the parameter does "
                              "not exist (is its mechanism inserted / spelled as in the .mod file?)") from None


def _kinds_of(section: str, source: str) -> list[str]:
    if section == "all":
        return list(KINDS)
    if section not in KINDS:
        raise SimulationError(f"{source}: unknown section {section!r}; expected one of {list(KINDS)} or 'all'")
    return [section]


def perisomatic(params: dict, source: str) -> BiophysicsProgram:
    """BMTK's ``set_params_peri`` for an Allen perisomatic fit."""
    prog = BiophysicsProgram(source)
    try:
        passive, conditions, genome = params["passive"][0], params["conditions"][0], params["genome"]
        cm = {c["section"]: float(c["cm"]) for c in passive["cm"]}
        for kind in KINDS:
            prog.add([kind], "set", "Ra", float(passive["ra"]))
            if kind in cm:
                prog.add([kind], "set", "cm", cm[kind])
            prog.add([kind], "insert", "pas")
            prog.add([kind], "set", "e_pas", float(passive["e_pas"]))
        for gene in genome:
            kinds = _kinds_of(gene["section"], source)
            if gene.get("mechanism"):
                prog.add(kinds, "insert", gene["mechanism"])
            prog.add(kinds, "set", gene["name"], float(gene["value"]))
        for erev in conditions.get("erev", []):
            prog.add(_kinds_of(erev["section"], source), "ion", "ena", float(erev["ena"]))
            prog.add(_kinds_of(erev["section"], source), "ion", "ek", float(erev["ek"]))
    except (KeyError, IndexError, TypeError) as exc:
        raise SimulationError(f"{source} is not an Allen perisomatic fit: missing {exc} (needs passive[0].ra/cm/"
                              "e_pas, conditions[0].erev and genome); use model_processing aibs_allactive for "
                              "all-active fits") from None
    return prog


def allactive(params: dict, source: str) -> BiophysicsProgram:
    """BMTK's ``set_params_allactive`` for an Allen all-active fit."""
    prog = BiophysicsProgram(source)
    try:
        passive = params["passive"][0]
        conditions = params.get("conditions", [{}])[0]
        for kind in KINDS:
            prog.add([kind], "insert", "pas")
            if "e_pas" in passive:
                prog.add([kind], "set", "e_pas", float(passive["e_pas"]))
            if "ra" in passive:
                prog.add([kind], "set", "Ra", float(passive["ra"]))
        for entry in passive.get("cm", []):
            prog.add(_kinds_of(entry["section"], source), "set", "cm", float(entry["cm"]))
        for gene in params["genome"]:
            if gene["section"] == "glob":
                continue
            kinds = _kinds_of(gene["section"], source)
            if gene.get("mechanism"):
                prog.add(kinds, "insert", gene["mechanism"])
            prog.add(kinds, "set", gene["name"], float(gene["value"]))
        for erev in conditions.get("erev", []):
            if erev["section"] in KINDS:
                prog.add([erev["section"]], "ion", "ek", float(erev["ek"]))
                prog.add([erev["section"]], "ion", "ena", float(erev["ena"]))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise SimulationError(f"{source} is not an Allen all-active fit: bad or missing {exc}") from None
    return prog


_UNIT_SCALE = {"S_per_cm2": 1.0, "mS_per_cm2": 1e-3, "S_per_m2": 1e-4, "uF_per_cm2": 1.0, "F_per_m2": 100.0,
               "ohm_cm": 1.0, "kohm_cm": 1e3, "ohm_m": 100.0, "mV": 1.0, "V": 1e3, "ms": 1.0, "s": 1e3, "": 1.0}


def _quantity(text: str, source: str) -> float:
    parts = text.split()
    unit = parts[1] if len(parts) > 1 else ""
    if unit not in _UNIT_SCALE and unit not in ("mM", "um"):
        raise SimulationError(f"{source}: unsupported NeuroML unit {unit!r} in {text!r}")
    return float(parts[0]) * _UNIT_SCALE.get(unit, 1.0)


def neuroml(path: Path) -> BiophysicsProgram:
    """A NeuroML 2 cell file's biophysical properties, applied as BMTK's NMLLoad does."""
    source = f"NeuroML file {path}"
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise SimulationError(f"cannot read {source}: {exc}") from None
    prog = BiophysicsProgram(source)
    for elem in root.iter():
        tag = elem.tag.split("}")[-1]
        attrs = elem.attrib
        if tag not in ("resistivity", "specificCapacitance", "channelDensity", "channelDensityNernst",
                       "concentrationModel"):
            continue
        group = attrs.get("segmentGroup")
        if group is None:
            raise SimulationError(f"{source}: <{tag} id={attrs.get('id')!r}> has no segmentGroup")
        kinds = _kinds_of({"somatic": "soma", "axonal": "axon", "basal": "dend", "dendritic": "dend",
                           "apical": "apic"}.get(group.lower(), group.lower()), source)
        if tag == "resistivity":
            prog.add(kinds, "set", "Ra", _quantity(attrs["value"], source))
        elif tag == "specificCapacitance":
            prog.add(kinds, "set", "cm", _quantity(attrs["value"], source))
        elif tag == "concentrationModel":
            prog.add(kinds, "insert", attrs["id"])
            prog.add(kinds, "set", f"gamma_{attrs['type']}", _quantity(attrs["gamma"], source))
            prog.add(kinds, "set", f"decay_{attrs['type']}", _quantity(attrs["decay"], source))
        elif attrs["ionChannel"] == "pas":
            prog.add(kinds, "insert", "pas")
            prog.add(kinds, "set", "g_pas", _quantity(attrs["condDensity"], source))
            prog.add(kinds, "set", "e_pas", _quantity(attrs["erev"], source))
        else:
            prog.add(kinds, "insert", attrs["ionChannel"])
            prog.add(kinds, "set", attrs.get("id", f"gbar_{attrs['ionChannel']}"),
                     _quantity(attrs["condDensity"], source))
            if "erev" in attrs and attrs.get("ion") in ("na", "k"):
                prog.add(kinds, "set", "e" + attrs["ion"], _quantity(attrs["erev"], source))
    return prog
