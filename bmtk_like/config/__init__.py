"""Simulation and circuit configs in the SONATA/BMTK vocabulary.

``load_config("simulation_config.json")`` reads a config (and the circuit or
simulation files it names), substitutes manifest variables, resolves relative
paths, checks every section once and returns an immutable
:class:`SimulationConfig`. Every mistake raises
:class:`bmtk_like.errors.ConfigError` naming the file and key.

Policies, in one place:

- Paths: relative paths are relative to the folder of the file that contains
  them (libsonata's rule; BMTK uses the working directory, which is the same
  when examples run from their folder). ``output`` file names (log_file,
  spikes_file, spikes_file_csv, rates_file, reports' file_name) live under
  ``output_dir`` unless absolute. See :mod:`bmtk_like.config.paths`.
- Split files: ``"network"``/``"simulation"`` may name other config files or
  hold config objects; sections merge key by key and the named file wins.
- Missing files: network files, components, input files and the node-sets
  file must exist, else one ConfigError lists every missing key and path.
  ``validate_files=False`` turns that into ``cfg.missing_files``.
  ``components.mechanisms_dir`` is only reported (cells may need only
  NEURON's built-in mechanisms; BMTK too runs without that folder).
- Units: values are kept as written (popnet configs give ``run.dt`` in
  seconds); backends convert. ``run.extra`` holds the raw ``run`` section.
- Node sets stay data; a population name used as a node set is resolved
  against the circuit by ``bmtk_like.node_sets`` (the one operator table).
- A file the run writes may not be one the config reads.
- Vocabulary: every key SONATA and bmtk 1.2.0 define is accepted (see
  :mod:`bmtk_like.config.vocabulary` and docs/config_reference.md); ``"enabled": false``
  leaves an input, report or edges entry out. An unknown key, or a value that looks
  like a unit slip, is a :class:`ConfigWarning` naming the file, the key and the
  closest known key (``cfg.notices``); ``strict=True`` makes them errors.
"""
from bmtk_like.config.networks import EdgesFiles, NodesFiles
from bmtk_like.config.run_output import OutputSettings, RunSettings
from bmtk_like.config.simulation_config import (SimulationConfig, load_circuit_config,
                                                load_config)
from bmtk_like.config.stimuli import (KNOWN_INPUT_MODULES, KNOWN_REPORT_MODULES, InputSpec,
                                      ReportSpec)
from bmtk_like.config.vocabulary import VOCABULARY
from bmtk_like.config.vocabulary.lint import ConfigNotice
from bmtk_like.errors import ConfigError, ConfigWarning

__all__ = ["SimulationConfig", "load_config", "load_circuit_config", "RunSettings",
           "OutputSettings", "NodesFiles", "EdgesFiles", "InputSpec", "ReportSpec",
           "KNOWN_INPUT_MODULES", "KNOWN_REPORT_MODULES", "ConfigError", "ConfigWarning",
           "ConfigNotice", "VOCABULARY"]
