"""Automatic reduction of biophysical circuits to point (and so density) models.

``reduce_circuit(config, out_dir)`` measures every biophysical node type in NEURON, fits a NEST
``iaf_psc_exp`` to its f-I curve and its synapses' somatic PSPs, and writes a copy of the circuit that
runs with ``--simulator NEST`` and ``--simulator popnet`` (see ``reduce.py`` for the steps, ``measure.py``
for the protocols, ``fit.py`` for the fit, ``writer.py`` for what is written). The CLI command is
``bmtk-like reduce CONFIG --out DIR``. Importing this package imports neither NEURON nor NEST.
"""
from simulators.reduction.reduce import ReductionResult, TypeReduction, reduce_circuit

__all__ = ["reduce_circuit", "ReductionResult", "TypeReduction"]
