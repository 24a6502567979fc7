"""Simulation output files: spikes, compartment reports and population rates.

Units throughout: times in ms, rates in Hz, report data in the units it is given
(``units`` attribute, mV for membrane voltage).

- :class:`SpikeTrains` columnar spikes per population; SONATA HDF5 and CSV read/write
  (``spike_files``), Poisson generators (``poisson``);
- :class:`CompartmentReportWriter` / :func:`write_compartment_report` and
  :class:`CompartmentReport` for SONATA compartment (and soma) reports;
- :func:`write_rates` / :func:`read_rates` population firing-rate files (HDF5, CSV,
  bmtk popnet text).
"""
from bmtk_like.reports.compartment import (CompartmentReportWriter, n_frames,
                                           write_compartment_report)
from bmtk_like.reports.compartment_reader import CompartmentReport, ReportPopulation
from bmtk_like.reports.poisson import (PoissonSpikeGenerator, inhomogeneous_poisson_spike_trains,
                                      poisson_spike_trains)
from bmtk_like.reports.rates import RatesDict, read_rates, write_rates
from bmtk_like.reports.spike_files import (DEFAULT_POPULATION, SortOrder, parse_sort_order,
                                           read_sorting, read_spikes, read_spikes_csv,
                                           read_spikes_sonata, write_spikes_csv,
                                           write_spikes_sonata)
from bmtk_like.reports.spike_trains import SpikeTrains

__all__ = ["CompartmentReport", "CompartmentReportWriter", "DEFAULT_POPULATION", "PoissonSpikeGenerator", "RatesDict",
           "ReportPopulation", "SortOrder", "SpikeTrains", "inhomogeneous_poisson_spike_trains",
           "n_frames", "parse_sort_order", "poisson_spike_trains", "read_rates", "read_sorting",
           "read_spikes", "read_spikes_csv", "read_spikes_sonata", "write_compartment_report",
           "write_rates", "write_spikes_csv", "write_spikes_sonata"]
