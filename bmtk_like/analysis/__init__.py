"""Analysis of simulation output: rates, comparison of runs and levels, PNG plots.

- :func:`population_rates` mean (or binned) firing rate in Hz per population or node set;
- :func:`compare_levels` per-group mean rates of two or more output folders of one circuit
  (e.g. NEURON, NEST and popnet) side by side, with a tolerance check (``bmtk-like compare``);
- :func:`compare_rates` the same for two in-memory results;
- :func:`node_groups` the circuit's cells grouped by ``pop_name`` (then ``model_name``);
- :func:`read_output` an output folder read back (config, level, window, spikes, rates);
- :func:`plot_raster`, :func:`plot_rates`, :func:`plot_traces`, :func:`plot_comparison` write
  PNGs (Agg canvas, no display needed).

Times are ms, rates Hz.
"""
from bmtk_like.analysis.compare import compare_levels, format_table, plot_comparison
from bmtk_like.analysis.groups import group_sizes, node_groups
from bmtk_like.analysis.outputs import RunOutput, read_output
from bmtk_like.analysis.plotting import plot_raster, plot_rates, plot_traces
from bmtk_like.analysis.rates import (as_spike_trains, compare_rates, mean_rates,
                                      normalize_groups, population_rates)

__all__ = ["RunOutput", "as_spike_trains", "compare_levels", "compare_rates", "format_table", "group_sizes",
           "mean_rates", "node_groups", "normalize_groups", "plot_comparison", "plot_raster", "plot_rates",
           "plot_traces", "population_rates", "read_output"]
