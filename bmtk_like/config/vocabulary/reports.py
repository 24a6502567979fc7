"""Report modules (the ``reports`` section) and the keys each reads.

Sources: bmtk 1.2.0's ``simulation_reports`` (defaults, combining of membrane reports),
bionet's ``SomaReport``/``MembraneReport``/``NetconReport``/``EcpMod``/``ClampReport``/
``SaveSynapses``, pointnet's ``MultimeterMod``/``WeightRecorder``/``SpikesMod``, and the
SONATA report keys.
"""
from __future__ import annotations

from bmtk_like.config.vocabulary.keys import (BOTH, IGNORED, NEST, NEURON, SONATA, Key, Module,
                                              Text, keys)

#: Keys every report entry may have.
COMMON = keys(
    Key("module", "string", "which kind of report this is (the modules below)", required=True),
    Key("cells", "node set", "the cells recorded (a node-set name, rule object or a list of "
        "gids)", default=Text("every non-virtual node"), origin=BOTH),
    Key("file_name", "path", "output file, under output_dir", default=Text("<report name>.h5"),
        origin=BOTH),
    Key("enabled", "boolean", "false leaves the report out (as bmtk)", default=True,
        origin=BOTH),
)

_TRACE_KEYS = (
    Key("variable_name", "string or list", "variable(s) recorded, e.g. v, cai (NEURON) or "
        "V_m (NEST)", required=True, origin=BOTH),
    Key("sections", "string", "where on the cell: soma or all (bmtk's own default is all)",
        default="soma", origin=BOTH, acts=NEURON),
    Key("dt", "number", "sampling interval", "ms", default=Text("run.dt"), origin=SONATA),
    Key("start_time", "number", "start of the recording", "ms", default=0.0, origin=SONATA,
        acts=NEURON),
    Key("end_time", "number", "end of the recording", "ms", default=Text("run.tstop"),
        origin=SONATA, acts=NEURON),
    Key("tstart", "number", "bmtk pointnet's name for start_time", "ms", acts=NEURON),
    Key("tstop", "number", "bmtk pointnet's name for end_time", "ms", acts=NEURON),
    Key("interval", "number", "bmtk pointnet's name for dt", "ms", acts=IGNORED),
    Key("unit", "string", "SONATA: unit of the recorded variable", origin=SONATA,
        acts=IGNORED),
    Key("type", "string", "SONATA: compartment, summation or synapse", origin=SONATA,
        acts=IGNORED),
    Key("scaling", "string", "SONATA: scaling of summation reports (area or none)",
        origin=SONATA, acts=IGNORED),
    Key("compartments", "string", "SONATA: center or all compartments of each section",
        origin=SONATA, acts=IGNORED),
    Key("format", "string", "SONATA schema: output format", origin=SONATA, acts=IGNORED),
    Key("transform", "object or string", "bmtk: function applied to each variable",
        default={}, acts=IGNORED),
    Key("buffer", "boolean", "bmtk: keep samples in memory between flushes", default=True,
        acts=IGNORED),
    Key("gids", "list", "bmtk bionet's old form of cells", acts=IGNORED),
    Key("to_h5", "boolean", "bmtk pointnet: convert NEST's files to SONATA", default=True,
        acts=IGNORED),
    Key("delete_dat", "boolean", "bmtk pointnet: delete NEST's own files", default=True,
        acts=IGNORED),
)
TRACE_KEYS = keys(*_TRACE_KEYS)
NETCON_KEYS = keys(*_TRACE_KEYS, Key("syn_type", "string", "synapse model recorded",
                                     default="Exp2Syn", acts=NEURON))

ECP_KEYS = keys(
    Key("electrode_positions", "path", "electrode positions (CSV)", required=True),
    Key("electrode_channels", "string or list", "channels recorded", default="all",
        acts=IGNORED),
    Key("contributions_dir", "path", "folder for each cell's contribution", acts=IGNORED),
    Key("file_name_nwb", "path", "also write the potential as NWB", acts=IGNORED),
    Key("variable_name", "string", "variable whose currents are summed", default="v",
        acts=IGNORED),
    Key("cell_bounds", "list", "bmtk: cells bounding box", acts=IGNORED),
    Key("minimum_distance", "number or string", "closest distance of a segment to an "
        "electrode", "µm"),
    Key("dt", "number", "sampling interval", "ms", default=Text("run.dt"), origin=SONATA,
        acts=IGNORED),
    Key("start_time", "number", "start", "ms", origin=SONATA, acts=IGNORED),
    Key("end_time", "number", "end", "ms", origin=SONATA, acts=IGNORED),
)

CLAMP_KEYS = keys(
    Key("variable_name", "string", "clamp type reported: se, ic or f_ic", required=True),
    Key("buffer", "boolean", "bmtk: keep samples in memory", default=True, acts=IGNORED),
)

SPIKES_KEYS = keys(     # bmtk_like takes the spike files from the output section
    Key("spikes_file", "path", "SONATA spikes file", default=Text("output.spikes_file"),
        acts=IGNORED),
    Key("spikes_file_csv", "path", "CSV spikes file", acts=IGNORED),
    Key("spikes_file_nwb", "path", "NWB spikes file", acts=IGNORED),
    Key("spikes_sort_order", "string", "time, id or none", acts=IGNORED),
    Key("cache_to_disk", "boolean", "bmtk: buffer spikes in files", acts=IGNORED),
    Key("compression", "string", "bmtk: HDF5 compression", acts=IGNORED),
)

WEIGHT_KEYS = keys(
    Key("nest_model", "string", "the plastic NEST synapse model recorded",
        default="stdp_synapse"),
    Key("model_template", "string", "name given to the recorded copy of that model",
        default=Text("<nest_model>_recorded")),
    Key("output_dir", "path", "folder of file_name (bmtk_like: output.output_dir)",
        default=Text("output.output_dir"), acts=IGNORED),
    Key("clean_temp_file", "boolean", "delete NEST's own files", default=True, acts=IGNORED),
    Key("recorder_properties", "object", "extra weight_recorder parameters", default={},
        acts=IGNORED, free=True),
)

SAVE_SYNAPSES_KEYS = keys(
    Key("network_dir", "path", "folder to write the synapse locations to", required=True),
    Key("single_file", "boolean", "one file for all edge populations", default=False),
)

_NONE: tuple[str, ...] = ()

MODULES = {m.name: m for m in (
    Module("membrane_report", "report", "membrane variables of cells over time (compartment "
           "report)", TRACE_KEYS, runs_on=(NEURON, NEST)),
    Module("multimeter_report", "report", "NEST multimeter recordings (V_m, ...); a membrane "
           "report on NEURON", TRACE_KEYS, aliases=("multimeter",), runs_on=(NEURON, NEST)),
    Module("netcon_report", "report", "synapse variables over time (NEURON)", NETCON_KEYS,
           aliases=("syn_report",), runs_on=(NEURON,)),
    Module("extracellular", "report", "extracellular potential at electrodes (NEURON)",
           ECP_KEYS, aliases=("ecp",), runs_on=(NEURON,)),
    Module("clamp_report", "report", "currents of the clamps (NEURON)", CLAMP_KEYS,
           runs_on=_NONE),
    Module("SEClamp", "report", "bmtk's SEClamp report module", keys(), runs_on=_NONE),
    Module("spikes_report", "report", "spikes (normally set in output)", SPIKES_KEYS,
           runs_on=(NEURON, NEST)),
    Module("weight_recorder", "report", "weights of plastic synapses over time (NEST)",
           WEIGHT_KEYS, runs_on=(NEST,)),
    Module("save_synapses", "report", "write the synapse locations NEURON placed",
           SAVE_SYNAPSES_KEYS, aliases=("SaveSynapses",), runs_on=_NONE),
)}
