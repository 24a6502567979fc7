"""Exception types of bmtk_like.

Every error a user can cause is one of these, and its message names the file,
population, node type or config key at fault and says what would fix it.
"""
from __future__ import annotations


class BmtkLikeError(Exception):
    """Base class of every error raised on purpose by bmtk_like."""


class ConfigError(BmtkLikeError, ValueError):
    """A simulation or circuit config is malformed: names the file and key."""


class SonataError(BmtkLikeError, ValueError):
    """A SONATA nodes/edges/types/spikes/report file is unreadable or inconsistent."""


class BuilderError(BmtkLikeError, ValueError):
    """A NetworkBuilder call is wrong: names the network, edge type and argument."""


class SimulationError(BmtkLikeError, RuntimeError):
    """A circuit cannot be instantiated or run on a backend."""


class ModelTranslationError(SimulationError):
    """A node/edge type has no model the chosen level can run."""


class InputWarning(UserWarning):
    """An input file holds something the run ignores, as bmtk does (e.g. spikes for node ids the
    population lacks). The message names the file, population and ids."""


class ConfigWarning(UserWarning):
    """A config key nobody defines (a likely typo) or a value that looks like a unit slip.

    The message names the file, the key and what was probably meant. ``strict=True``
    loading and ``bmtk-like validate --strict`` turn these into errors."""
