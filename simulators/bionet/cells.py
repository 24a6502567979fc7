"""Cells of one rank: biophysical (SWC + parameter set), hoc templates, single compartments and
NEURON artificial cells (IntFire1/2/4), created node-type batch by node-type batch.

Model recipes (morphology template, biophysics program, artificial-cell parameters) are resolved
once per node type; per cell only the NEURON objects are made. Units: µm, ms, mV, nA.

``model_template`` values: ``ctdb:Biophys1.hoc`` (SWC + Allen fit, ``model_processing``
aibs_perisomatic/aibs_allactive), ``nml:<file>`` (SWC + NeuroML biophysics, perisomatic axon stub, as
BMTK), ``hoc:<Template>`` (a template from ``templates_dir``, called with the JSON's ``params``, else with
the morphology path, else with nothing; it must expose ``all``), ``single_compartment`` (one soma
section; its JSON gives ``L``/``diam`` µm (default 20), ``insert`` (mechanism names) and section or range
values such as ``cm``, ``Ra``, ``gnabar_hh``, or an Allen perisomatic fit), and ``nrn:IntFire1/2/4``.
Point neurons of other simulators (``nest:iaf_psc_delta``) run as the artificial cell that
``point_translation.py`` declares for them, with their own parameters (NEST names and units).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bmtk_like.errors import ModelTranslationError, SimulationError
from bmtk_like.morphology import swc_file
from simulators.bionet import biophysics, point_translation
from simulators.bionet.values import optional_text
from simulators.bionet.morphology import MorphologyTemplate, instantiate, load_template, template_from_sections

INTFIRE_TIME_KEYS = {"tau", "refrac", "taum", "taus", "taue", "taui1", "taui2"}
"""IntFire parameters BMTK's JSONs give in seconds (converted to ms)."""
INTFIRE_MODELS = ("IntFire1", "IntFire2", "IntFire4")
SINGLE_COMPARTMENT = ("single_compartment", "nrn:single_compartment")


@dataclass
class Cell:
    """One cell on this rank. ``sections`` is empty for artificial cells, whose ``hobj`` is the point process."""

    gid: int
    population: str
    node_id: int
    node_type_id: int
    sections: list = field(default_factory=list)
    kinds: list = field(default_factory=list)
    template: MorphologyTemplate | None = None
    hobj: Any = None
    position: np.ndarray = field(default_factory=lambda: np.zeros(3))
    rotation: np.ndarray = field(default_factory=lambda: np.zeros(3))
    detector: Any = None
    initial_state: dict = field(default_factory=dict)   # set after finitialize (translated point neurons)
    weight_per_unit: float = 1.0                         # NetCon weight per unit of an incoming edge's weight

    def __str__(self) -> str:
        return f"{self.population}[{self.node_id}]"

    @property
    def is_artificial(self) -> bool:
        return not self.sections

    @property
    def soma(self):
        return self.sections[0]


@dataclass
class CellModel:
    """What a node type needs to build its cells (resolved once per type)."""

    kind: str                            # biophysical | hoc | single | artificial
    description: str                     # "node type 100 of population v1" for messages
    template: MorphologyTemplate | None = None
    program: biophysics.BiophysicsProgram | None = None
    hoc_name: str | None = None
    hoc_args: tuple = ()
    artificial: str | None = None
    params: dict = field(default_factory=dict)
    translation: point_translation.PointTranslation | None = None   # a translated point neuron's table entry
    translated: point_translation.ArtificialCellSpec | None = None  # ... and its node type's values
    params_file: str | None = None
    extracellular: bool = False          # model_processing '...,extracellular': NEURON's extracellular everywhere

    @property
    def mechanisms(self) -> set[str]:
        return self.program.mechanisms if self.program is not None else set(self.params.get("insert", []))


def _component(components: dict, key: str, who: str) -> Path:
    from simulators.core.params import component_dir
    return component_dir(components, key, who)


def _load_json(folder: Path, name: str, who: str) -> dict:
    from simulators.core import load_params_json
    try:
        return load_params_json(folder, name)
    except Exception as exc:          # ConfigError from core: re-raise naming the node type
        raise SimulationError(f"{who}: {exc}") from None


def resolve_model(node_type: dict, components: dict, dL: float, who: str) -> CellModel:
    """Turn one node-type row (model_type, model_template, morphology, dynamics_params...) into a CellModel."""
    from simulators.core.levels import normalize_model_type
    model_type = normalize_model_type(optional_text(node_type.get("model_type")) or "")
    template = optional_text(node_type.get("model_template")) or ""
    processing, extracellular = _split_processing(optional_text(node_type.get("model_processing")), who)
    dyn_name = optional_text(node_type.get("dynamics_params"))
    directive, _, name = template.partition(":")
    if model_type in ("point_neuron",) or (directive == "nrn" and name in INTFIRE_MODELS):
        if directive == "nrn" and name in INTFIRE_MODELS:
            params = _load_json(_component(components, "point_neuron_models_dir", who), dyn_name, who) \
                if dyn_name else {}
            return CellModel("artificial", who, artificial=name, params=params)
        return _translated_point_model(template, dyn_name, components, who)
    if model_type != "biophysical":
        raise SimulationError(f"{who}: model_type {model_type!r} cannot be simulated by bionet; use "
                              "biophysical, point_neuron (nrn:IntFire1/2/4) or virtual")
    if template in SINGLE_COMPARTMENT:
        params = _load_json(_component(components, "biophysical_neuron_models_dir", who), dyn_name, who) \
            if dyn_name else {}
        program = biophysics.perisomatic(params, who) if "genome" in params else None
        return CellModel("single", who, program=program, params=params)
    if directive == "hoc":
        if processing:
            raise SimulationError(f"{who}: model_processing {processing!r} is not supported with hoc templates; "
                                  "do the processing inside the template or use ctdb:Biophys1.hoc")
        params = _load_json(_component(components, "biophysical_neuron_models_dir", who), dyn_name, who) \
            if dyn_name else {}
        args = params.get("params") if "params" in params else None
        morph = optional_text(node_type.get("morphology"))
        if args is None and morph is not None:       # BMTK's loadHOC: Template(morphology file)
            args = [str(swc_file(_component(components, "morphologies_dir", who), morph))]
        return CellModel("hoc", who, hoc_name=name,
                         hoc_args=tuple(args) if isinstance(args, list) else ((args,) if args is not None else ()),
                         params={"dL": dL, "insert": sorted(_template_inserts(components.get("templates_dir"),
                                                                              name))})
    morph = optional_text(node_type.get("morphology"))
    if morph is None:
        raise SimulationError(f"{who}: biophysical model_template {template!r} needs a morphology column "
                              "(an SWC file in components.morphologies_dir), or use single_compartment")
    swc = swc_file(_component(components, "morphologies_dir", who), morph)
    models_dir = _component(components, "biophysical_neuron_models_dir", who)
    if directive == "nml":
        return CellModel("biophysical", who, template=load_template(swc, "aibs_perisomatic", dL),
                         program=biophysics.neuroml(models_dir / name))
    if directive != "ctdb":
        raise SimulationError(f"{who}: unknown model_template {template!r}; bionet runs ctdb:Biophys1.hoc, "
                              "nml:<file>, hoc:<Template>, single_compartment and nrn:IntFire1/2/4")
    if processing not in (None, "aibs_perisomatic", "aibs_allactive"):
        raise SimulationError(f"{who}: unknown model_processing {processing!r}; use aibs_perisomatic or "
                              "aibs_allactive")
    params = _load_json(models_dir, dyn_name, who) if dyn_name else None
    program = None
    if processing == "aibs_perisomatic" and params is not None:
        program = biophysics.perisomatic(params, f"{who} ({dyn_name})")
    elif processing == "aibs_allactive":
        program = biophysics.allactive(params or {}, f"{who} ({dyn_name})")
    axon = processing if (processing == "aibs_allactive" or program is not None) else None
    return CellModel("biophysical", who, template=load_template(swc, axon, dL), program=program,
                     extracellular=extracellular)


def _split_processing(processing: str | None, who: str) -> tuple[str | None, bool]:
    """BMTK applies comma-separated model_processing steps in order; ``extracellular`` (BMTK's
    ``set_extracellular``) inserts NEURON's extracellular mechanism in every section, after the others.
    Returns the remaining (single) processing name and whether extracellular was asked for."""
    if processing is None or "," not in processing and processing != "extracellular":
        return processing, False
    steps = [step.strip() for step in processing.split(",") if step.strip()]
    extracellular = "extracellular" in steps
    rest = [step for step in steps if step != "extracellular"]
    if len(rest) > 1:
        raise SimulationError(f"{who}: model_processing {processing!r} chains {rest}; bionet applies one of "
                              "aibs_perisomatic / aibs_allactive, optionally followed by extracellular")
    return (rest[0] if rest else None), extracellular


def _translated_point_model(template: str, dyn_name: str | None, components: dict, who: str) -> CellModel:
    """A point neuron of another simulator as the NEURON artificial cell ``point_translation`` declares."""
    from simulators.core.levels import split_template
    engine, model = split_template(template)
    translation = point_translation.find_translation(engine, model)
    if translation is None:
        why = point_translation.refusal(engine, model)
        if why is not None:
            raise ModelTranslationError(f"{who}: model_template {template!r} cannot run on NEURON: {why}")
        known = [f"nrn:{m}" for m in INTFIRE_MODELS] + sorted({f"{t.source} (runs as {t.neuron_model})"
                                                               for t in point_translation.TRANSLATIONS.values()})
        raise ModelTranslationError(f"{who}: model_template {template!r} cannot run on NEURON; point neurons need "
                                    f"one of: {', '.join(known)}; or run it on NEST")
    params = _load_json(_component(components, "point_neuron_models_dir", who), dyn_name, who) if dyn_name else {}
    spec = point_translation.translate(translation, params, who, dyn_name)
    return CellModel("artificial", who, artificial=spec.neuron_model, params=params, translation=translation,
                     translated=spec, params_file=dyn_name)


def _build_translated(model: CellModel, cell: Cell, overrides: dict | None) -> Cell:
    """An artificial cell with its node type's translated values (per-node ``overrides`` in source units)."""
    from neuron import h
    spec = model.translated
    if model.translation.mechanisms_dir is not None and not hasattr(h, spec.neuron_model):
        from simulators.bionet.mechanisms import load_mechanisms
        load_mechanisms(model.translation.mechanisms_dir)
    if overrides:
        spec = point_translation.translate(model.translation, {**model.params, **overrides},
                                           f"{model.description}, node {cell.node_id}", model.params_file)
    cell.hobj = getattr(h, spec.neuron_model)()
    for key, value in spec.parameters.items():
        setattr(cell.hobj, key, value)
    cell.initial_state = dict(spec.initial_state)
    cell.weight_per_unit = spec.weight_per_unit
    return cell


def build_cell(model: CellModel, cell: Cell, overrides: dict | None, templates_dir: Path | None) -> Cell:
    """Create the NEURON objects of ``cell`` following ``model``; per-node ``overrides`` last."""
    from neuron import h
    if model.translation is not None:
        return _build_translated(model, cell, overrides)
    if model.kind == "artificial":
        cell.hobj = getattr(h, model.artificial)()
        for key, value in {**model.params, **(overrides or {})}.items():
            if key in ("type", "level_of_detail"):
                continue
            scale = 1000.0 if key in INTFIRE_TIME_KEYS else 1.0
            try:
                setattr(cell.hobj, key, float(value) * scale)
            except (AttributeError, LookupError, TypeError, ValueError):
                raise SimulationError(f"{model.description}: {model.artificial} has no parameter {key!r} "
                                      "(from its dynamics_params)") from None
        return cell
    if model.kind == "biophysical":
        cell.template = model.template
        cell.sections = instantiate(model.template, cell)
        cell.kinds = model.template.kinds
    elif model.kind == "single":
        sec = h.Section(name="soma[0]", cell=cell)
        sec.L = float(model.params.get("L", 20.0))
        sec.diam = float(model.params.get("diam", 20.0))
        for mech in model.params.get("insert", []):
            sec.insert(mech)
        for key, value in model.params.items():
            if key not in ("L", "diam", "insert", "genome", "passive", "conditions") and \
                    isinstance(value, (int, float)):
                biophysics._set(sec, key, float(value), model.description)
        cell.sections = [sec]
        if model.template is None:         # one geometry per node type: tables computed once
            model.template = template_from_sections(cell.sections, None)
        cell.template, cell.kinds = model.template, model.template.kinds
    else:
        cell.hobj = _hoc_cell(model, templates_dir)
        sections = list(cell.hobj.all) if hasattr(cell.hobj, "all") else None
        if not sections:
            raise SimulationError(f"{model.description}: hoc template {model.hoc_name} has no public SectionList "
                                  "'all'; add 'public all' listing every section (soma first)")
        cell.sections = sections
        cell.template = template_from_sections(sections, model.params.get("dL"))
        cell.kinds = cell.template.kinds
    if model.extracellular:
        for sec in cell.sections:
            sec.insert("extracellular")
    if model.program is not None:
        model.program.apply(cell.sections, cell.kinds)
        if overrides:
            model.program.override(cell.sections, cell.kinds, overrides, f"{model.description}, node {cell.node_id}")
    elif overrides and model.kind == "single":
        for key, value in overrides.items():
            biophysics._set(cell.soma, key, float(value), model.description)
    elif overrides:
        _override_everywhere(cell, overrides, f"{model.description}, node {cell.node_id}")
    return cell


def _override_everywhere(cell: Cell, overrides: dict, who: str) -> None:
    """Per-node dynamics_params of a cell without a parameter program (hoc templates, plain ctdb):
    each value is set on every section that has that parameter; a parameter no section has is an error."""
    for key, value in overrides.items():
        value = float(value)
        if np.isnan(value):
            continue
        hit = False
        for sec in cell.sections:
            try:
                setattr(sec, key, value)
                hit = True
            except (AttributeError, LookupError, ValueError, RuntimeError, TypeError):
                continue
        if not hit:
            raise SimulationError(f"{who}: per-node dynamics_params {key!r} is not a parameter of any section of "
                                  "this cell (is its mechanism inserted / spelled as in the .mod file?)")


_loaded_hoc_dirs: set[str] = set()


def _hoc_cell(model: CellModel, templates_dir: Path | None):
    from neuron import h
    if not hasattr(h, model.hoc_name):
        if templates_dir is None or not Path(templates_dir).is_dir():
            raise SimulationError(f"{model.description}: hoc template {model.hoc_name!r} is not defined and "
                                  f"components.templates_dir ({templates_dir}) is not a folder; add the folder "
                                  "holding its .hoc file")
        if str(templates_dir) not in _loaded_hoc_dirs:
            h.load_file("stdlib.hoc")
            h.load_file("import3d.hoc")
            for hoc in sorted(Path(templates_dir).glob("*.hoc")):
                try:
                    loaded = h.load_file(str(hoc))
                except RuntimeError as exc:
                    loaded, why = 0, f" ({exc})"
                else:
                    why = ""
                if not loaded:
                    raise SimulationError(f"{model.description}: NEURON could not load template file {hoc}{why}; "
                                          "see NEURON's message above")
            _loaded_hoc_dirs.add(str(templates_dir))
        if not hasattr(h, model.hoc_name):
            raise SimulationError(f"{model.description}: no .hoc file in {templates_dir} defines template "
                                  f"{model.hoc_name!r} (begintemplate {model.hoc_name})")
    try:
        return getattr(h, model.hoc_name)(*model.hoc_args)
    except RuntimeError as exc:
        raise SimulationError(f"{model.description}: hoc template {model.hoc_name} failed to build with "
                              f"arguments {model.hoc_args}: {exc}") from None


_INSERT = re.compile(r"\binsert\s+([A-Za-z_]\w*)")


def _template_inserts(templates_dir, name: str) -> set[str]:
    """Mechanisms inserted inside ``begintemplate name`` ... ``endtemplate name`` in the folder's .hoc files,
    so that a missing one is reported (node type, mechanism, folder) before NEURON parses the file."""
    if templates_dir is None or not Path(templates_dir).is_dir():
        return set()
    block = re.compile(rf"begintemplate\s+{re.escape(name)}\b(.*?)endtemplate\s+{re.escape(name)}\b", re.S)
    found: set[str] = set()
    for hoc in sorted(Path(templates_dir).glob("*.hoc")):
        try:
            text = hoc.read_text(errors="replace")
        except OSError:
            continue
        for body in block.findall(text):
            code = re.sub(r'"[^"\n]*"|//[^\n]*|/\*.*?\*/', "", body, flags=re.S)    # no strings or comments
            found.update(_INSERT.findall(code))
    return found
