"""The one config vocabulary: every key SONATA and bmtk 1.2.0 give meaning to.

:data:`VOCABULARY` is data — a :class:`Key` per key (type, unit, default, meaning,
origin, where bmtk_like acts on it) and a :class:`Module` per input/report module. The
config loader accepts what it lists, warns about what it does not (with the closest
known key), ``bmtk-like validate`` reports the same, and ``docs/config_reference.md``
is generated from it::

    python -m bmtk_like.config.vocabulary --markdown > docs/config_reference.md
"""
from bmtk_like.config.vocabulary import inputs as _inputs
from bmtk_like.config.vocabulary import reports as _reports
from bmtk_like.config.vocabulary import sections as _sections
from bmtk_like.config.vocabulary.keys import Key, Module, Text, Vocabulary

VOCABULARY = Vocabulary(top=_sections.TOP, inputs=_inputs.MODULES, reports=_reports.MODULES,
                        input_common=_inputs.COMMON, report_common=_reports.COMMON)

__all__ = ["VOCABULARY", "Key", "Module", "Text", "Vocabulary"]
