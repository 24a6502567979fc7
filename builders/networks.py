"""BMTK's module path ``bmtk.builder.networks``: ``from builders.networks import NetworkBuilder`` works too."""
from builders.network import NetworkBuilder

DenseNetwork = NetworkBuilder      # bmtk's default builder class name

__all__ = ["DenseNetwork", "NetworkBuilder"]
