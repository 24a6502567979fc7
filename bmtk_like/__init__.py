"""bmtk_like: one circuit, three scales.

The contract shared by builders and simulators: SONATA files, configs,
reports and analysis. Importing this package never imports NEST, NEURON or MPI.
"""
from bmtk_like.errors import (BmtkLikeError, BuilderError, ConfigError,
                              ModelTranslationError, SimulationError, SonataError)

__version__ = "0.1.0"

__all__ = ["BmtkLikeError", "BuilderError", "ConfigError", "ModelTranslationError",
           "SimulationError", "SonataError", "__version__"]
