"""Analysis of simulation output: rates, run comparison and PNG plots.

- :func:`population_rates` mean (or binned) firing rate in Hz per population or node set;
- :func:`compare_rates` per-group mean rates of two runs (e.g. the same circuit on NEST and
  popnet) with differences and an optional tolerance check;
- :func:`plot_raster`, :func:`plot_rates`, :func:`plot_traces` write PNGs (Agg canvas,
  no display needed).

Times are ms, rates Hz.
"""
from bmtk_like.analysis.plotting import plot_raster, plot_rates, plot_traces
from bmtk_like.analysis.rates import (as_spike_trains, compare_rates, mean_rates,
                                      normalize_groups, population_rates)

__all__ = ["as_spike_trains", "compare_rates", "mean_rates", "normalize_groups", "plot_raster",
           "plot_rates", "plot_traces", "population_rates"]
