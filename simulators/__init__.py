"""Simulators: run SONATA circuits on NEURON (bionet), NEST (pointnet) or the
population-density solver (popnet). Backends are imported only when they run."""
