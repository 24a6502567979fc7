"""BioNet on CoreNEURON: NEURON builds the model, CoreNEURON (from the ``neuron`` wheel) simulates it.

Turned on by ``"run": {"coreneuron": true}`` or ``bmtk-like run CONFIG --coreneuron``. What changes:

* Mechanisms. ``nrnivmodl -coreneuron`` compiles, side by side, NEURON's ``libnrnmech.so`` and
  CoreNEURON's ``libcorenrnmech.so`` from the same .mod files; both sides must know the same
  mechanisms, so the NEURON process loads that build too (a process that already loaded them for
  NEURON's own solver cannot: an error asks for a fresh process). Only the .mod files defining a
  mechanism the circuit uses are compiled (cached like NEURON-only builds, ``compile_mechanisms``):
  CoreNEURON's translator (NMODL) rejects constructs NEURON's accepts (VERBATIM calls to hoc such as
  old ``vecevent.mod``; in 9.0.2, a KINETIC scheme next to a LINEAR block, as in Allen's ``NaV.mod``),
  and a folder should not fail for a file the circuit never inserts. A used file that fails is a
  SimulationError carrying NMODL's/the compiler's message.
* Run. ``h.cvode.cache_efficient(1)``, ``coreneuron.enable`` during ``pc.psolve``: the model is copied
  to CoreNEURON at each psolve, simulated there, and spikes, recorded Vectors and states come back.
  CoreNEURON runs the same fixed-step method (implicit Euler, staggered channel states) and the
  same event delivery as NEURON, so spikes are identical (checked by the tests, not assumed).
* Reports. Every report bionet writes (membrane, synapse, extracellular) records with ``Vector.record``,
  which CoreNEURON fills and hands back; the files equal NEURON's (tests/bionet/test_bionet_coreneuron.py).
* Limits, checked before the run so CoreNEURON never aborts the process: every mechanism in use must
  exist in CoreNEURON (its built-ins `CORENEURON_BUILTINS` or the compiled .mod files), so NEURON's
  IntFire1/2/4 artificial cells and the ``extracellular`` mechanism are refused, naming them;
  bmtk_like's own artificial cells (``mod/point_models``, NEST's iaf_psc_exp/alpha) are compiled in.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from bmtk_like.errors import SimulationError
from simulators.bionet import mechanisms

log = logging.getLogger("bmtk_like.simulation")

CORENEURON_BUILTINS = frozenset({"capacitance", "pas", "hh", "ExpSyn", "Exp2Syn", "NetStim", "PatternStim",
                                 "IClamp", "SEClamp"})
"""Mechanisms of CoreNEURON's own library (``libcorenrnmech_internal.so`` of the 9.0.2 wheel), ions aside."""

_state: dict = {"library": None, "names": frozenset()}   # the CoreNEURON mechanism library this process uses


def requested(cfg, overrides: dict | None = None) -> bool:
    """True when the run override ``coreneuron`` or the config's ``run.coreneuron`` asks for CoreNEURON."""
    if overrides and overrides.get("coreneuron") is not None:
        return bool(overrides["coreneuron"])
    return bool(getattr(getattr(cfg, "run", None), "coreneuron", False))


def used_mechanism_names(network) -> set[str] | None:
    """Names of the mechanisms and point processes the circuit's cells and synapses use (None: unknowable,
    a hoc template may insert anything)."""
    import numpy as np
    from simulators.bionet.synapses import STATIC_SYNAPSES, _NAME_ALIASES
    from simulators.bionet.values import optional_text
    names: set[str] = set()
    for model in network.models.values():
        if model.kind == "hoc":
            return None
        names |= set(model.mechanisms)
        if model.artificial:
            names.add(model.artificial)
    for edges in network.circuit.edges.values():
        if not edges.has_column("model_template"):
            continue
        for value in np.unique(np.asarray(edges.column("model_template")).astype(str)):
            template = optional_text(value)
            if template is None or template.lower() in STATIC_SYNAPSES:
                continue
            names.add(_NAME_ALIASES.get(template.lower(), template.split(":")[-1]))
    return names


def _translation_mod_files(network, used: set[str] | None) -> list[Path]:
    """.mod files of bmtk_like's own artificial cells (point neurons translated from NEST) the circuit uses."""
    folders = sorted({m.translation.mechanisms_dir for m in network.models.values()
                      if m.translation is not None and m.translation.mechanisms_dir is not None})
    return [p for folder in folders for p in mechanisms.find_mod_files(folder)
            if used is None or mechanisms.mechanism_names([p]) & used]


def load_mechanisms(network, mechanisms_dir: Path | None) -> None:
    """Compile for CoreNEURON (if not cached) and load the .mod files the circuit uses, from ``mechanisms_dir``
    and bmtk_like's own artificial cells, as one library; point CoreNEURON at it. Without .mod files
    CoreNEURON runs on its built-ins."""
    used = used_mechanism_names(network)
    mods = mechanisms.find_mod_files(mechanisms_dir) if mechanisms_dir is not None and \
        Path(mechanisms_dir).is_dir() else []
    if used is not None:
        mods = [p for p in mods if mechanisms.mechanism_names([p]) & used]
    own = _translation_mod_files(network, used)
    mods = mods + [p for p in own if p.name not in {m.name for m in mods}]
    if not mods:
        return
    folder = mechanisms_dir if mechanisms_dir is not None else own[0].parent
    names = frozenset(mechanisms.mechanism_names(mods))
    if _state["library"] is not None and names <= _state["names"]:
        return              # a build loaded earlier in this process covers them
    already = names & mechanisms.loaded_mechanisms()
    if already or _state["library"] is not None:
        raise SimulationError(
            f"the mechanisms {sorted(already or names - _state['names'])} of {folder} are needed for "
            "CoreNEURON, but this NEURON process already loaded "
            + ("them for NEURON's own solver" if already else f"CoreNEURON's library {_state['library']}")
            + " and cannot load a second build of the same mechanisms: run the CoreNEURON simulation in a "
            "fresh process")
    build_dir = mechanisms.load_mechanisms(folder, mods, coreneuron=True)
    library = next(build_dir.glob("*/libcorenrnmech.so"), None)
    if library is None:
        raise SimulationError(f"nrnivmodl -coreneuron built no libcorenrnmech.so in {build_dir}; delete that "
                              "folder and run again")
    os.environ["CORENEURONLIB"] = str(library)    # read by NEURON when it first hands a model to CoreNEURON
    _state.update(library=library, names=names)
    log.info("CoreNEURON mechanisms %s from %s", sorted(names), library)


def _mechanisms_in_use() -> dict[str, str]:
    """Mechanism name -> an example section name, for every density mechanism and point process in use."""
    from neuron import h
    found: dict[str, str] = {}
    for sec in h.allsec():
        for mech in sec(0.5):
            found.setdefault(mech.name(), sec.name())
    if not found:              # no sections: nothing but artificial cells (checked by model); and
        return found           # pp_begin needs a section to exist
    mt = h.MechanismType(1)
    ref = h.ref("")
    for i in range(int(mt.count())):
        mt.select(i)
        mt.selected(ref)
        if mt.pp_begin() is not None:
            found.setdefault(ref[0], "a point process")
    return found


def check_model(network) -> None:
    """Refuse, before CoreNEURON sees it, a model using a mechanism CoreNEURON does not have."""
    available = CORENEURON_BUILTINS | _state["names"]
    artificial = sorted({f"{m.description} ({m.artificial})" for m in network.models.values()
                         if m.kind == "artificial" and m.artificial not in available})
    if artificial:
        raise SimulationError(
            f"CoreNEURON cannot run NEURON's built-in artificial cells (IntFire1/2/4 are not in the 9.0.2 wheel's "
            f"CoreNEURON library): {', '.join(artificial)}; run without --coreneuron (run.coreneuron false)")
    missing = {name: where for name, where in _mechanisms_in_use().items()
               if name not in available and not name.endswith("_ion")}
    if missing:
        detail = ", ".join(f"{name} (in {where})" for name, where in sorted(missing.items()))
        raise SimulationError(
            f"CoreNEURON has no mechanism {detail}: it knows {sorted(available)}; add the .mod files to "
            "components.mechanisms_dir (they are compiled with nrnivmodl -coreneuron) or run without --coreneuron")


def prepare_run(network) -> None:
    """Check the model, then switch NEURON to hand ``pc.psolve`` to CoreNEURON (before ``h.finitialize``).
    CoreNEURON prints its banner and statistics only when the log is at DEBUG level."""
    from neuron import coreneuron, h
    check_model(network)
    if h.cvode.active():
        raise SimulationError("CoreNEURON runs fixed time steps only; the variable-step CVode is active")
    h.cvode.cache_efficient(1)
    log.info("simulating on CoreNEURON (mechanisms: built-ins%s)", f", {sorted(_state['names'])}" * bool(_state["names"]))
    coreneuron.enable = True
    coreneuron.verbose = 2 if log.isEnabledFor(logging.DEBUG) else 0


def finish_run() -> None:
    """Give ``pc.psolve`` back to NEURON (a later run in this process may not want CoreNEURON)."""
    from neuron import coreneuron
    coreneuron.enable = False
