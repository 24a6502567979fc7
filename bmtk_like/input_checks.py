"""Checks of what a config's inputs and component files say, shared by `run` and `validate`.

Each function is the one place a value is checked; the simulators call it where the
file is read and `bmtk_like.validate` calls it on the same files, so both answer a
mistake with the same words (a ConfigError/SonataError naming the file, input, key,
row or id, and what is expected).
"""
from __future__ import annotations

import difflib
import numbers
import warnings
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from bmtk_like.config.vocabulary import VOCABULARY
from bmtk_like.errors import ConfigError, InputWarning, ModelTranslationError
from bmtk_like.sonata.columns import is_missing

#: ``input_type`` values BMTK's simulators and SONATA configs use: every module's in the config
#: vocabulary, and the ones seen in the wild beside them (``lfp`` for xstim in bmtk's examples).
KNOWN_INPUT_TYPES = frozenset({t.lower() for m in VOCABULARY.inputs.values() for t in m.input_types} | {
    "spikes", "current_clamp", "voltage_clamp", "csv", "nwb", "lfp", "syn_activity",
    "external_rates", "init_states", "movie", "audio", "replay", "poisson", "poisson_spikes",
})
#: model_template values of ``model_type: population`` node types (DiPDE's, as BMTK writes them).
POPULATION_TEMPLATES = frozenset({"dipde:internal", "dipde:internalpopulation"})


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def check_input_type(name: str, input_type: Any, source: Any = "") -> None:
    """An input's ``input_type`` must be one BMTK knows (a typo would silently change its meaning)."""
    text = str(input_type).strip()
    if text.lower() not in KNOWN_INPUT_TYPES:
        where = f"{source}: " if source else ""
        raise ConfigError(f"{where}input '{name}' has unknown input_type {text!r}; {_did_you_mean(text.lower(), KNOWN_INPUT_TYPES)}"
                          f"known input types: {', '.join(sorted(KNOWN_INPUT_TYPES))}")


def spike_node_id_problem(population: str, node_ids: np.ndarray, size: int, path: Any, where: str = "") -> str | None:
    """Spike ids of ``population`` in the file at ``path`` that it lacks (>= ``size``), described, or None.

    BMTK ignores such spikes (its own bio_simulated_annealing example plays 100 LGN trains into 90
    LGN nodes), so this is a warning, not an error: the run plays the spikes of the nodes that exist.
    """
    ids = np.asarray(node_ids)
    if not ids.size or ids.max() < size:
        return None
    bad = np.unique(ids[ids >= size])
    prefix = f"{where}: " if where else ""
    shown = bad[:10].tolist() + (["..."] if bad.size > 10 else [])
    return (f"{prefix}spikes file {path} has spikes for {bad.size} node ids {shown} of population '{population}', "
            f"which has {size} nodes (ids 0..{size - 1}); they are ignored (as bmtk does). Was the file made for "
            "another network, or does the node_set name the wrong population?")


def warn_spike_node_ids(population: str, node_ids: np.ndarray, size: int, path: Any, where: str = "") -> None:
    """Warn (InputWarning) about spikes for nodes ``population`` lacks; see `spike_node_id_problem`."""
    problem = spike_node_id_problem(population, node_ids, size, path, where)
    if problem:
        warnings.warn(problem, InputWarning, stacklevel=2)


def read_pop_rates_table(path: Path, where: str) -> pd.DataFrame:
    """A BMTK PopNet rates file (``gid firing_rate [time]``) with whole-number gids and finite rates."""
    try:
        table = pd.read_csv(path, sep=r"[\s,]+", engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise ConfigError(f"{where}: cannot read rates file {path} ({str(exc).strip()}); expected columns "
                          "'gid firing_rate'") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    for col in ("gid", "firing_rate"):
        if col not in table.columns:
            alt = {"gid": ("node_type_id", "pop_id"), "firing_rate": ("rate", "rates", "rate_hz")}[col]
            found = next((a for a in alt if a in table.columns), None)
            if found is None:
                raise ConfigError(f"{where}: rates file {path} has columns {list(table.columns)}; it "
                                  f"needs '{col}' (gid = node_type_id of the virtual population, "
                                  "firing_rate in Hz)")
            table = table.rename(columns={found: col})
    for col in ["gid", "firing_rate"] + [c for c in ("time_ms", "time_s", "time", "times") if c in table.columns]:
        numbers_ = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(numbers_)
        if col == "gid":
            bad |= numbers_ != np.round(numbers_)
        elif col == "firing_rate":
            bad |= numbers_ < 0
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            expected = {"gid": "a whole number (the node_type_id)", "firing_rate": ">= 0 Hz and finite"}.get(
                col, "a finite time")
            raise ConfigError(f"{where}: rates file {path}, data row {row + 1}: {col} must be {expected}, "
                              f"got {str(table[col].iloc[row])!r}")
        table[col] = numbers_.astype(np.int64) if col == "gid" else numbers_
    return table


def synapse_params_problems(params: Mapping[str, Any], path: Any) -> list[str]:
    """Keys of a synapse JSON that NEST needs as whole numbers (``receptor_type``)."""
    value = params.get("receptor_type")
    if value is None:
        return []
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if isinstance(value, float) and value.is_integer():
        ok = True
    if not ok or int(value) < 0:
        return [f"synapse parameters {path}: receptor_type {value!r} is not a port number; give a whole "
                "number >= 0 (0 = the default port, 1.. = the model's receptor ports)"]
    return []


def check_population_template(template: Any, where: str) -> None:
    """``model_type: population`` node types run as DiPDE internal populations: the template must say so."""
    if is_missing(template):
        return
    text = str(template).strip()
    if text.lower() in POPULATION_TEMPLATES:
        return
    raise ModelTranslationError(f"{where}: model_template {text!r} is not a population model; use "
                                "'dipde:Internal' (or leave it empty) for model_type 'population'")
