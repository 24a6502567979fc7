"""Top-level keys and the ``run``, ``conditions``, ``output``, ``components`` and
``networks`` sections, as SONATA and bmtk 1.2.0 define them (plus our few additions).

Sources: the SONATA simulation/circuit config specification, bmtk's
``SonataConfig._set_class_props``, ``BioSimulator``/``PointSimulator``/DiPDE
``from_config`` and the keys its modules read.
"""
from __future__ import annotations

from bmtk_like.config.vocabulary.keys import (BMTK, BOTH, IGNORED, NEST, NEURON, OURS, POPNET,
                                              SONATA, Key, Text, keys)

RUN = keys(
    Key("tstop", "number", "simulated time; the run covers [tstart, tstop)", "ms",
        required=True, origin=BOTH),
    Key("dt", "number", "integration time step (seconds in DiPDE-style popnet configs; "
        "bmtk's bionet defaults it to 0.1, its pointnet requires it)", "ms", required=True,
        origin=BOTH),
    Key("activation_function", "string", "SSN: activation of the rate units", default="relu", acts="SSN"),
    Key("tstart", "number", "start time of the run (checked to lie below tstop; the "
        "simulators start at 0, as bmtk's)", "ms", default=0.0, acts=IGNORED),
    Key("duration", "number", "bmtk pointnet's alternative to tstop (it wins when both are "
        "given there); used as tstop when tstop is absent", "ms", acts=NEST),
    Key("spike_threshold", "number", "membrane potential at which a NEURON cell spikes",
        "mV", default=-15.0, origin=BOTH, acts=NEURON),
    Key("dL", "number", "maximum length of a compartment when sections are discretised",
        "µm", default=20.0, acts=NEURON),
    Key("nsteps_block", "integer", "time steps between flushes of reports to disk", "steps",
        default=5000, acts="NEURON, NEST"),
    Key("nthreads", "integer", "threads per process", default=1, origin=OURS, acts=NEST),
    Key("coreneuron", "boolean", "simulate on CoreNEURON (NEURON builds the model; docs/coreneuron.md); "
        "an error on other backends", default=False, origin=OURS, acts=NEURON),
    Key("n_thread", "integer", "bmtk pointnet's name for the number of NEST threads",
        default=1, acts=NEST),
    Key("seed", "integer", "random seed of generated inputs (Poisson) and of NEST", origin=OURS),
    Key("random_seed", "integer", "SONATA's global random seed", origin=SONATA, acts=IGNORED),
    Key("block_run", "boolean", "run in blocks of block_size ms (bmtk pointnet/popnet)",
        default=False, acts=NEST),
    Key("block_size", "number", "length of one block when block_run is true", "ms",
        acts=NEST),
    Key("overwrite_output_dir", "boolean", "bmtk pointnet/popnet read it here as well as in "
        "output; output.overwrite_output_dir is the one bmtk_like honours", default=True,
        acts=IGNORED),
    Key("print_time", "boolean", "bmtk pointnet/popnet: print the simulated time",
        default=False, acts=IGNORED),
    Key("n_runs", "integer", "bmtk pointnet: repeat the run n times (one input file each)",
        default=1, acts=IGNORED),
    Key("precise_times", "boolean", "NEST spike generators keep off-grid spike times",
        default=False, acts=IGNORED),
    Key("allow_offgrid_spikes", "boolean", "NEST spike generators accept off-grid times",
        default=False, acts=IGNORED),
    Key("use_old_import3d", "boolean", "bmtk bionet: NEURON's old Import3d for SWC files",
        default=False, acts=IGNORED),
    Key("popnet_units", "string", "unit system of a popnet circuit: \"SI\" (s, V, as DiPDE) "
        "or \"ms_mV\"; default: guessed from the population JSONs", origin=OURS, acts=POPNET),
    Key("integration_method", "string", "SONATA: NEURON's integration method (0 = implicit "
        "Euler, 1 = Crank-Nicolson)", origin=SONATA, acts=IGNORED),
    Key("stimulus_seed", "integer", "SONATA: seed of stimuli", origin=SONATA, acts=IGNORED),
    Key("ionchannel_seed", "integer", "SONATA: seed of stochastic channels", origin=SONATA,
        acts=IGNORED),
    Key("minis_seed", "integer", "SONATA: seed of spontaneous minis", origin=SONATA,
        acts=IGNORED),
    Key("synapse_seed", "integer", "SONATA: seed of synapse randomness", origin=SONATA,
        acts=IGNORED),
    Key("electrodes_file", "path", "SONATA: electrode file for LFP reports", origin=SONATA,
        acts=IGNORED),
    Key("save_cell_vars", "list", "bmtk 0.0.x: variables to record (use reports now)",
        acts=IGNORED),
    Key("calc_ecp", "boolean", "bmtk 0.0.x: compute the extracellular potential (use an "
        "extracellular report now)", acts=IGNORED),
)

CONDITIONS = keys(
    Key("celsius", "number", "temperature of the NEURON simulation", "°C", default=34.0,
        origin=BOTH, acts=NEURON),
    Key("v_init", "number", "initial membrane potential", "mV", default=-65.0, origin=BOTH),
    Key("spike_location", "string", "SONATA: where spikes are detected (soma or AIS)",
        default="soma", origin=SONATA, acts=IGNORED),
    Key("extracellular_calcium", "number", "SONATA: extracellular calcium concentration", "mM",
        origin=SONATA, acts=IGNORED),
    Key("randomize_gaba_rise_time", "boolean", "SONATA: randomise GABA-A rise times",
        default=False, origin=SONATA, acts=IGNORED),
    Key("mechanisms", "object", "SONATA: global mechanism variables by mechanism name",
        origin=SONATA, acts=IGNORED, free=True),
    Key("modifications", "object", "SONATA: changes applied to cells before the run",
        origin=SONATA, acts=IGNORED, free=True),
)

OUTPUT = keys(
    Key("output_dir", "path", "folder of every output file (relative to the config's folder)",
        default="output", origin=BOTH),
    Key("log_file", "path", "log file, under output_dir"),
    Key("spikes_file", "path", "SONATA spikes file, under output_dir (null: none)",
        default="spikes.h5", origin=BOTH),
    Key("spikes_file_csv", "path", "spikes as a CSV table, under output_dir"),
    Key("spikes_file_nwb", "path", "spikes as NWB, under output_dir", acts=IGNORED),
    Key("spikes_sort_order", "string", "order of the spikes file: \"time\", \"id\" or \"none\"",
        default="time", origin=BOTH),
    Key("overwrite_output_dir", "boolean", "replace the files of an existing output_dir; "
        "false refuses to write into a non-empty one", default=True),
    Key("quiet_simulator", "boolean", "silence the simulator's own printing", default=False,
        acts=NEST),
    Key("rates_file", "path", "population firing rates, under output_dir", acts=POPNET),
    Key("rates_file_csv", "path", "SSN: rates of every unit as a space-separated table", acts="SSN"),
    Key("rates_file_h5", "path", "SSN: rates of every unit as /rates/<population>/data", acts="SSN"),
    Key("cells", "node set", "SSN: the units the rates files hold (default: every recurrent unit)",
        acts="SSN"),
    Key("log_level", "string", "bmtk: logging level (DEBUG, INFO, WARNING, ...)",
        default="DEBUG", acts=IGNORED),
    Key("log_format", "string", "bmtk: logging format string", acts=IGNORED),
    Key("log_to_console", "boolean", "bmtk: also log to the terminal", default=True,
        acts=IGNORED),
    Key("compression", "string", "bmtk: HDF5 compression of spikes (bmtk_like writes none, "
        "which libsonata can read)", default="gzip", acts=IGNORED),
    Key("cache_to_disk", "boolean", "bmtk: buffer spikes in temporary files", default=True,
        acts=IGNORED),
    Key("rates_csv", "path", "bmtk FilterNet: firing rates as CSV", acts=IGNORED),
    Key("rates_h5", "path", "bmtk FilterNet: firing rates as HDF5", acts=IGNORED),
    Key("spikes_csv", "path", "bmtk FilterNet's name for spikes_file_csv", acts=IGNORED),
    Key("spikes_nwb", "path", "bmtk FilterNet's name for spikes_file_nwb", acts=IGNORED),
)

COMPONENTS = keys(
    Key("morphologies_dir", "path", "folder of the SWC/ASC morphologies", origin=BOTH,
        acts=NEURON),
    Key("synaptic_models_dir", "path", "folder of the synapse JSONs named by edge types",
        origin=BOTH),
    Key("mechanisms_dir", "path", "folder of the .mod files (compiled with nrnivmodl)",
        origin=BOTH, acts=NEURON),
    Key("biophysical_neuron_models_dir", "path", "folder of the cell-parameter JSONs of "
        "biophysical node types", origin=BOTH),
    Key("point_neuron_models_dir", "path", "folder of the point-neuron parameter JSONs",
        origin=BOTH),
    Key("templates_dir", "path", "folder of hoc/NeuroML cell templates", origin=BOTH,
        acts=NEURON),
    Key("population_models_dir", "path", "folder of the population JSONs (popnet)",
        acts=POPNET),
    Key("filter_models_dir", "path", "bmtk FilterNet: folder of the LGN filter JSONs",
        acts=IGNORED),
    Key("nest_modules", "string or list", "bmtk pointnet: NEST extension modules to install",
        acts=IGNORED),
    Key("alternate_morphologies", "object", "SONATA: other morphology formats by name "
        "(h5v1, neurolucida-asc)", origin=SONATA, acts=IGNORED, free=True),
    Key("spine_morphologies_dir", "path", "SONATA: spine morphologies", origin=SONATA,
        acts=IGNORED),
    Key("vasculature_file", "path", "SONATA: vasculature morphology", origin=SONATA,
        acts=IGNORED),
    Key("vasculature_mesh", "path", "SONATA: vasculature mesh", origin=SONATA, acts=IGNORED),
    Key("end_feet_area", "path", "SONATA: astrocyte end-feet areas", origin=SONATA,
        acts=IGNORED),
    Key("microdomains_file", "path", "SONATA: astrocyte microdomains", origin=SONATA,
        acts=IGNORED),
)

_POPULATION_COMMON = (
    Key("type", "string", "SONATA population type (biophysical, point_neuron, virtual, ...; "
        "chemical, electrical, ... for edges)", origin=SONATA, acts=IGNORED),
    Key("morphologies_dir", "path", "this population's morphology folder", origin=SONATA,
        acts=IGNORED),
    Key("biophysical_neuron_models_dir", "path", "this population's cell-model folder",
        origin=SONATA, acts=IGNORED),
    Key("alternate_morphologies", "object", "other morphology formats by name",
        origin=SONATA, acts=IGNORED, free=True),
    Key("spine_morphologies_dir", "path", "spine morphologies", origin=SONATA, acts=IGNORED),
)
NODE_POPULATION = keys(
    *_POPULATION_COMMON,
    Key("spatial_segment_index_dir", "path", "spatial index of segments", origin=SONATA,
        acts=IGNORED),
    Key("vasculature_file", "path", "vasculature morphology", origin=SONATA, acts=IGNORED),
    Key("vasculature_mesh", "path", "vasculature mesh", origin=SONATA, acts=IGNORED),
    Key("microdomains_file", "path", "astrocyte microdomains", origin=SONATA, acts=IGNORED),
    Key("provenance", "object", "where the population came from", origin=SONATA,
        acts=IGNORED, free=True),
)
EDGE_POPULATION = keys(
    *_POPULATION_COMMON,
    Key("spatial_synapse_index_dir", "path", "spatial index of synapses", origin=SONATA,
        acts=IGNORED),
    Key("endfeet_meshes_file", "path", "astrocyte end-feet meshes", origin=SONATA,
        acts=IGNORED),
)


def _entry_common(kind: str, each: dict) -> tuple[Key, ...]:
    """Keys shared by nodes and edges entries."""
    return (
        Key("populations", "object", f"the {kind} populations of the file to read (all when "
            f"absent), each with its SONATA settings", origin=SONATA, free=True, each=each),
        Key("name", "string", "a label for the entry (bmtk's builder writes it)",
            acts=IGNORED),
    )
NODES_ENTRY = keys(
    Key("nodes_file", "path", "SONATA nodes HDF5 file", required=True, origin=BOTH),
    Key("node_types_file", "path", "node-types CSV", default=Text("<x>_node_types.csv beside "
        "<x>_nodes.h5"), origin=BOTH),
    *_entry_common("node", NODE_POPULATION),
    Key("enabled", "boolean", "bmtk reads it on edges entries only: a nodes entry is always "
        "loaded", default=True, acts=IGNORED),
)
EDGES_ENTRY = keys(
    Key("edges_file", "path", "SONATA edges HDF5 file", required=True, origin=BOTH),
    Key("edge_types_file", "path", "edge-types CSV", default=Text("<x>_edge_types.csv beside "
        "<x>_edges.h5"), origin=BOTH),
    *_entry_common("edge", EDGE_POPULATION),
    Key("enabled", "boolean", "false leaves this edges entry out of the circuit (as bmtk)",
        default=True),
)
GAP_JUNCTIONS_ENTRY = keys(
    Key("gap_juncs_file", "path", "bmtk bionet: gap-junction edges file", acts=IGNORED),
)
NETWORKS = keys(
    Key("nodes", "list of objects", "the node files of the circuit", origin=BOTH,
        children=NODES_ENTRY),
    Key("edges", "list of objects", "the edge files of the circuit", origin=BOTH,
        children=EDGES_ENTRY),
    Key("gap_juncs", "list of objects", "bmtk bionet: gap-junction files", acts=IGNORED,
        children=GAP_JUNCTIONS_ENTRY),
)

POPNET_SECTION = keys(
    Key("group_by", "string", "node column that groups nodes into populations",
        default="pop_name", origin=OURS, acts=POPNET),
    Key("dv", "number", "voltage grid step of the density solver", "mV", default=0.1,
        origin=OURS, acts=POPNET),
    Key("v_min", "number", "lower end of the voltage grid", "mV", origin=OURS, acts=POPNET),
    Key("units", "string", "unit system of the population JSONs: \"SI\" or \"ms_mV\"",
        origin=OURS, acts=POPNET),
    Key("default_delay", "number", "delay of connections without one", "ms", origin=OURS, acts=POPNET),
    Key("jump_tol", "number", "neglected Poisson tail of the jumps per internal step", default=1e-7, origin=OURS, acts=POPNET),
    Key("max_substep", "number", "longest internal step of the density solver (run.dt is the reporting "
        "interval); default chosen from the grid, 0.1-0.5", "ms", origin=OURS, acts=POPNET),
    Key("refine", "boolean", "refine each voltage grid for its jump sizes", default=True, origin=OURS,
        acts=POPNET),
    Key("accelerate", "boolean or \"auto\"", "run the density solver's loop compiled with numba",
        default="auto", origin=OURS, acts=POPNET),
)

#: Every top-level key; ``inputs`` and ``reports`` entries are described per module.
TOP = keys(
    Key("manifest", "object", "path variables ($NAME / ${NAME}) used in the other values",
        origin=BOTH, free=True),
    Key("version", "string or number", "SONATA config version", origin=SONATA, acts=IGNORED),
    Key("target_simulator", "string", "backend to run on: NEURON, NEST or DiPDE/popnet",
        origin=BOTH),
    Key("target_simulator_version", "string or number", "version of that simulator",
        origin=BOTH, acts=IGNORED),
    Key("network", "path or object", "the circuit config (file or inline)", origin=BOTH),
    Key("simulation", "path or object", "the simulation config (file or inline)", origin=BOTH),
    Key("run", "object", "time span and numerics of the run", origin=BOTH, children=RUN),
    Key("conditions", "object", "initial and global conditions", origin=BOTH,
        children=CONDITIONS),
    Key("components", "object", "folders of the model files the circuit names", origin=BOTH,
        children=COMPONENTS),
    Key("networks", "object", "the circuit's node and edge files", origin=BOTH,
        children=NETWORKS),
    Key("node_sets_file", "path", "JSON file of node-set definitions", origin=BOTH),
    Key("node_sets", "object", "node-set definitions by name (they win over node_sets_file)",
        free=True),
    Key("node_set", "string", "SONATA: the node set simulated (default all nodes)",
        origin=SONATA, acts=IGNORED),
    Key("inputs", "object", "stimuli by name; see the input modules", origin=BOTH, free=True),
    Key("reports", "object", "recordings by name; see the report modules", origin=BOTH,
        free=True),
    Key("output", "object", "where and how results are written", origin=BOTH,
        children=OUTPUT),
    Key("popnet", "object", "density-solver settings", origin=OURS, acts=POPNET,
        children=POPNET_SECTION),
    Key("gid_mapping_file", "path", "bmtk 0.0.x: gid table", acts=IGNORED),
    Key("config_path", "path", "written by bmtk into the copy of a config in output_dir",
        acts=IGNORED),
    Key("config_dir", "path", "written by bmtk into the copy of a config in output_dir",
        acts=IGNORED),
    Key("metadata", "object", "SONATA: free-form notes", origin=SONATA, acts=IGNORED,
        free=True),
    Key("beta_features", "object", "SONATA: experimental settings", origin=SONATA,
        acts=IGNORED, free=True),
    Key("connection_overrides", "list", "SONATA: changes to connections at run time",
        origin=SONATA, acts=IGNORED, free=True),
)
