"""SONATA files, mirroring the spec's nouns: node/edge populations, groups, types, indices.

Reads are columnar (a population loads as arrays); writes follow the rules that
let both bmtk and libsonata read our files (see docs/INTERNALS.md).
"""
from bmtk_like.sonata.edges import EdgeFileWriter, EdgePopulation, read_edges, read_index, write_edges
from bmtk_like.sonata.nodes import NodePopulation, normalize_model_type, read_nodes, write_nodes
from bmtk_like.sonata.types_csv import read_types_csv, write_types_csv

__all__ = ["EdgeFileWriter", "EdgePopulation", "NodePopulation", "normalize_model_type", "read_edges",
           "read_index", "read_nodes", "read_types_csv", "write_edges", "write_nodes", "write_types_csv"]
