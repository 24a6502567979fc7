"""``docs/config_reference.md``, generated from the vocabulary (never edited by hand).

    python -m bmtk_like.config.vocabulary --markdown > docs/config_reference.md
"""
from __future__ import annotations

import json
from typing import Any, Iterator, Mapping

from bmtk_like.config.vocabulary import VOCABULARY
from bmtk_like.config.vocabulary.keys import IGNORED, Key, Module, Text

INTRO = """\
# Config reference

Every key that the SONATA specification and bmtk 1.2.0 give meaning to in simulation and
circuit configs, plus the few bmtk_like adds. Generated from `bmtk_like/config/vocabulary/`
by `python -m bmtk_like.config.vocabulary --markdown > docs/config_reference.md`; do not
edit by hand.

- **Source**: where the key is defined: SONATA, bmtk (1.2.0), or bmtk_like.
- **bmtk_like**: where bmtk_like gives the key its meaning: `all` backends, one level
  (`NEURON`, `NEST`, `popnet`), or `ignored` (accepted, because bmtk or SONATA define it,
  but it changes nothing here).
- A key listed nowhere is a warning naming the file, the key and the closest known key
  ("did you mean 'tstop'?"); `bmtk-like validate --strict` and `load_config(...,
  strict=True)` make such warnings errors. `"enabled": false` leaves an input, a report
  or a `networks.edges` entry out, as in bmtk.
- Units: ms, mV, nA (NEURON) and pA (NEST), µm — except that BMTK's popnet (DiPDE)
  configs give `run.dt` in seconds.
- Values that look like a unit slip are warnings too: a `run.tstop` of at most 10 ms and
  100 steps (seconds meant?), a `tstop` of fewer than 10 steps of `dt`, `tstop` and
  `duration` that disagree, a `dt` of 0.05 or more in a `"target_simulator": "DiPDE"` config
  (BMTK's popnet convention: seconds) without `run.popnet_units` (ms meant?), `conditions.celsius` above 200 (kelvin?), a positive `v_init`, and IClamp
  amplitudes without `amp_units` below 1 on NEST (bmtk's pA: nA meant?) or of 20 and more on
  NEURON (nA: pA meant?).
"""


def _default(key: Key) -> str:
    if key.required:
        return "required"
    if key.default is None:
        return ""
    if isinstance(key.default, Text):
        return str(key.default)
    return f"`{json.dumps(key.default, ensure_ascii=False)}`"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(table: Mapping[str, Key]) -> list[str]:
    lines = ["| Key | Type | Unit | Default | Meaning | Source | bmtk_like |",
             "|---|---|---|---|---|---|---|"]
    for key in table.values():
        meaning = key.meaning + (" (names are free)" if key.free else "")
        lines.append("| " + " | ".join(_cell(v) for v in (
            f"`{key.name}`", key.type, key.unit, _default(key), meaning, key.origin,
            key.acts)) + " |")
    return lines


def _nested(table: Mapping[str, Key], path: str, level: int) -> Iterator[list[str]]:
    """Sub-tables of the keys of ``table`` that have their own keys."""
    for key in table.values():
        if key.children is not None and not key.free:
            where = f"{path}.{key.name}" + ("[]" if key.type.startswith("list") else "")
            yield [f"{'#' * level} `{where}`", "", _sentence(key.meaning), "",
                   *_table(key.children), ""]
            yield from _nested(key.children, where, level + 1)
        if key.each is not None:
            where = f"{path}.{key.name}.<name>"
            yield [f"{'#' * level} `{where}`", "", _sentence(key.meaning), "",
                   *_table(key.each), ""]


def _module(module: Module, section: str) -> list[str]:
    names = ", ".join(f"`{n}`" for n in (module.name, *module.aliases))
    facts = [f"Spellings: {names}."]
    if module.input_types:
        facts.append("`input_type`: " + ", ".join(f"`{t}`" for t in module.input_types)
                     + (" (others are warned about)." if module.input_type_checked
                        else " (as bmtk's examples write it; not checked)."))
    runs = ", ".join(module.runs_on) if module.runs_on else f"{IGNORED}: no bmtk_like backend"
    facts.append(f"Runs on: {runs}.")
    if section == "inputs":
        facts.append("Default `node_set`: " + (f"`{module.node_set_default}`"
                                              if module.node_set_default else "required") + ".")
    lines = [f"### `{module.name}` — {module.meaning}", "", " ".join(facts), ""]
    if module.keys:
        lines += _table(module.keys)
    else:
        lines.append("No keys beyond the common ones.")
    lines.append("")
    for sub in _nested(module.keys, f"{section}.<name>", 4):
        lines += sub
    return lines


def render() -> str:
    """The whole reference as Markdown text."""
    lines = [INTRO, "## Top level", "", *_table(VOCABULARY.top), ""]
    for key in VOCABULARY.top.values():
        if key.children is not None and not key.free:
            lines += [f"## `{key.name}`", "", _sentence(key.meaning), "", *_table(key.children),
                      ""]
            for sub in _nested(key.children, key.name, 3):
                lines += sub
    for section, common, modules in (("inputs", VOCABULARY.input_common, VOCABULARY.inputs),
                                     ("reports", VOCABULARY.report_common, VOCABULARY.reports)):
        lines += [f"## `{section}`", "", f"Each entry of `{section}` is an object with a "
                  f"`module`; these keys apply to every module:", "", *_table(common), ""]
        for module in modules.values():
            lines += _module(module, section)
    return "\n".join(lines).rstrip() + "\n"
