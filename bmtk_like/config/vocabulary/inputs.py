"""Input modules (the ``inputs`` section) and the keys each reads.

Sources: bmtk 1.2.0's ``SimInput``, ``BioSimulator``/``PointSimulator``/DiPDE
``from_config``, ``IClampMod`` and its readers, ``SEClamp``, ``XStimMod``, ``ComsolMod``,
the ecephys module, the spike-train readers and FilterNet's movie/audio inputs.
"""
from __future__ import annotations

from bmtk_like.config.vocabulary.keys import (IGNORED, NEST, NEURON, OURS, POPNET, SSN, Key, Module,
                                              Text, keys)

#: Keys every input entry may have.
COMMON = keys(
    Key("module", "string", "which kind of input this is (the modules below)", required=True),
    Key("input_type", "string", "the module's variant, e.g. spikes, current_clamp, csv",
        required=True),
    Key("node_set", "node set", "the nodes the input drives (a node-set name, a population "
        "name or a rule object)"),
    Key("enabled", "boolean", "false leaves the input out (as bmtk)", default=True),
)


def _section_place(acts: str) -> tuple[Key, ...]:
    """Where on the cell a NEURON clamp sits (bmtk's keys)."""
    return (
        Key("section_name", "string", "section the clamp sits on", default="soma", acts=acts),
        Key("section_index", "integer or list", "index of that section (or a [min, max] "
            "distance range in µm)", default=0, acts=acts),
        Key("section_dist", "number", "position along the section (0..1)", default=0.5,
            acts=acts),
    )


SPIKE_FILE_KEYS = keys(
    Key("input_file", "path", "the spike-trains file (a list: one per run with run.n_runs)",
        required=True),
    Key("file", "path", "bmtk_like's other name for input_file", origin=OURS),
    Key("population", "string", "only spikes of this population are read", acts=IGNORED),
    Key("populations", "list", "only spikes of these populations are read", acts=IGNORED),
    Key("units", "string", "time unit of a spikes file that does not say (ms or s)",
        default="ms", acts=IGNORED),
    Key("sep", "string", "column separator of a CSV spikes file", default=" ", acts=IGNORED),
    Key("default_population", "string", "population of a CSV without a population column",
        acts=IGNORED),
    Key("use_parrot_neurons", "boolean", "bmtk pointnet: relay spikes through parrot neurons",
        default=False, acts=IGNORED),
    Key("trial", "string", "NWB spikes: the trial to play", acts=IGNORED),
    Key("random_seed", "integer or string", "seed of generated spike inputs", acts=IGNORED),
    Key("electrode_file", "path", "SONATA schema key of spike inputs", acts=IGNORED),
)

IC_KEYS = keys(
    Key("amp", "number or list", "step amplitude(s); bmtk reads nA on NEURON and hands the "
        "number to NEST, i.e. pA there (amp_units overrides)", "nA (NEURON) / pA (NEST)"),
    Key("delay", "number or list", "start of each step (with nwb: offset of the sweep)", "ms"),
    Key("duration", "number or list", "length of each step", "ms"),
    Key("amp_units", "string", "\"nA\" or \"pA\": the unit amp is written in, whatever the "
        "simulator", default=Text("nA on NEURON, pA on NEST"), origin=OURS),
    Key("file", "path", "csv: table of timestamps and amplitudes; nwb: Allen ephys file"),
    Key("separator", "string", "csv: column separator (bmtk_like detects it)", default=" ",
        acts=IGNORED),
    Key("timestamps_column", "string", "csv: column of the times (bmtk_like reads "
        "timestamps/times/time)", "ms", default="timestamps", acts=IGNORED),
    Key("amplitudes_column", "string", "csv: column of the amplitudes (bmtk_like reads "
        "amps/amp/amplitudes)", default="amps", acts=IGNORED),
    Key("sweep_id", "integer or string", "nwb: the sweep to play (nwb clamps are not run by "
        "bmtk_like)", acts=IGNORED),
    Key("downsample", "number", "nwb: keep one sample per this interval", "ms", acts=IGNORED),
    Key("sweep_window", "list", "nwb: [start, stop] of the sweep to play", "ms", acts=IGNORED),
    *_section_place(IGNORED),
)

SE_KEYS = keys(
    Key("amp", "number", "clamped voltage during the step", "mV", required=True),
    Key("delay", "number", "start of the step", "ms", required=True),
    Key("duration", "number", "length of the step", "ms", required=True),
    Key("resistance", "number", "series resistance", "MΩ", default=1.0),
    Key("rs", "number", "bmtk_like's other name for resistance", "MΩ", origin=OURS),
    Key("vc", "number", "SEClamp.vc of NEURON", "mV", default=0.0),
    *_section_place(NEURON),
)

POISSON_KEYS = keys(
    Key("rate", "number or list", "firing rate (one per node of the node set as a list)", "Hz",
        required=True, origin=OURS),
    Key("rate_hz", "number or list", "other name for rate", "Hz", origin=OURS),
    Key("firing_rate", "number or list", "other name for rate", "Hz", origin=OURS),
    Key("start", "number", "start of the trains", "ms", default=0.0, origin=OURS),
    Key("stop", "number", "end of the trains", "ms", default=Text("run.tstop"), origin=OURS),
    Key("delay", "number", "other name for start", "ms", origin=OURS),
    Key("duration", "number", "stop = start + duration", "ms", origin=OURS),
    Key("seed", "integer", "random seed", default=Text("run.seed, else 0"), origin=OURS),
)

POP_RATES_KEYS = keys(
    Key("rates", "path", "table 'gid firing_rate' (gid = node_type_id of the virtual "
        "population), optionally with times", required=True),
    Key("firing_rate", "number", "one constant rate for the whole node set", "Hz",
        origin=OURS),
    Key("file", "path", "other name for rates", origin=OURS),
    Key("input_file", "path", "other name for rates", origin=OURS),
)

SYN_ACTIVITY_KEYS = keys(
    Key("precell_filter", "object", "node properties selecting the presynaptic cells whose "
        "synapses are activated", required=True, free=True),
    Key("postcell_filter", "object", "node properties selecting the postsynaptic cells",
        default={}, free=True),
    Key("timestamps", "list", "times at which those synapses are activated", "ms",
        required=True),
)

REPLAY_KEYS = keys(
    Key("spikes_file", "path", "spikes of the source cells to replay", required=True),
    Key("edges", "object", "the edges to replay them through", required=True, children=keys(
        Key("edges_file", "path", "SONATA edges file", required=True),
        Key("edge_types_file", "path", "its edge-types CSV", required=True))),
    Key("source_node_set", "node set", "source cells whose spikes are replayed",
        default="all"),
    Key("target_node_set", "node set", "target cells that receive them", default="all"),
)

XSTIM_KEYS = keys(
    Key("positions_file", "path", "electrode positions (space-separated table)",
        required=True),
    Key("waveform", "object", "the stimulus waveform", required=True, children=keys(
        Key("shape", "string", "dc, sin or a waveform file", required=True),
        Key("del", "number", "start", "ms"), Key("dur", "number", "duration", "ms"),
        Key("amp", "number", "amplitude", "mA"), Key("freq", "number", "sin frequency", "Hz"),
        Key("phase", "number", "sin phase", "rad"),
        Key("offset", "number", "sin amplitude offset", "mA"),
        Key("file", "path", "waveform table (time, amplitude)"))),
    Key("mesh_files_dir", "path", "folder of the electrode meshes",
        default=Text("folder of positions_file")),
    Key("cells", "node set", "cells exposed to the field"),
    Key("set_nrn_mechanisms", "boolean", "insert NEURON's extracellular mechanism",
        default=True),
    Key("resistance", "number", "extracellular resistivity", "Ω·cm", default=300.0),
)

COMSOL_KEYS = keys(
    Key("comsol_files", "path or list", "COMSOL field file(s)", required=True),
    Key("waveforms", "path or list", "waveform file(s) of a quasi-static field"),
    Key("amplitudes", "number or list", "scaling of each field", default=1),
    Key("cells", "node set", "cells exposed to the field"),
    Key("set_nrn_mechanisms", "boolean", "insert NEURON's extracellular mechanism",
        default=True),
)

ECEPHYS_KEYS = keys(
    Key("input_file", "path or list", "NWB file(s) of recorded units"),
    Key("dandi_repo", "string", "DANDI set to read the NWB files from"),
    Key("mapping", "string", "how units map to nodes: units_map, sample, "
        "sample_with_replacement", required=True),
    Key("units", "object or path", "filter on units, or the units_map table", default={}),
    Key("interval", "object or list", "time window of the recording to play"),
    Key("interval_offset", "number", "shift of the played spikes", "ms", default=0.0),
    Key("missing_ids", "string", "what to do with nodes without a unit", default="fail"),
    Key("cache", "boolean", "cache the spike times", default=False),
    Key("with_replacement", "boolean", "sample units with replacement", default=False),
)

_MOVIE_COMMON = (
    Key("frame_rate", "number", "frames per second", "Hz", default=1000.0),
    Key("y_dir", "string", "direction of the y axis (up or down)", default="down"),
    Key("evaluation_options", "object", "options of the filter evaluation", free=True),
)
MOVIE_KEYS = keys(
    Key("data_file", "path", "numpy movie (t, rows, cols)"), Key("data", "list", "movie array"),
    Key("normalize", "boolean or list", "rescale the movie's contrast", default=False),
    Key("row_range", "list", "row positions", "degrees"),
    Key("col_range", "list", "column positions", "degrees"),
    Key("labels", "list", "axis labels"), Key("units", "string", "unit of the axes"),
    Key("t_range", "list", "frame times", "s"), Key("flip_y", "boolean", "flip vertically"),
    *_MOVIE_COMMON,
)
GRATING_KEYS = keys(
    Key("row_size", "number", "height", "degrees"), Key("col_size", "number", "width", "degrees"),
    Key("gray_screen_dur", "number", "grey screen before the grating", "ms", default=0.0),
    Key("cpd", "number", "spatial frequency", "cycles/degree", default=0.05),
    Key("temporal_f", "number", "temporal frequency", "Hz", default=4),
    Key("theta", "number", "orientation", "degrees", default=45),
    Key("phase", "number", "phase", "degrees", default=0.0),
    Key("contrast", "number", "contrast", default=1.0),
    Key("degrees_per_pixel", "number", "resolution", "degrees"),
    Key("row_size_new", "number", "resampled height"), Key("col_size_new", "number",
                                                            "resampled width"),
    *_MOVIE_COMMON,
)
FLASH_KEYS = keys(
    Key("row_size", "number", "height", "degrees"), Key("col_size", "number", "width", "degrees"),
    Key("t_on", "number", "flash onset", "ms"), Key("t_off", "number", "flash offset", "ms"),
    Key("max_intensity", "number", "flash intensity", default=1), *_MOVIE_COMMON,
)
LOOMING_KEYS = keys(
    Key("row_size", "number", "height", "degrees"), Key("col_size", "number", "width", "degrees"),
    Key("t_looming", "number", "duration of the looming", "s", default=1),
    Key("gray_screen_dur", "number", "grey screen before it", "s", default=0.5),
    Key("gray_sceen_dur", "number", "bmtk's misspelt key for gray_screen_dur (read as such)",
        "s"),
    *_MOVIE_COMMON,
)
AUDIO_KEYS = keys(
    Key("data_file", "path", "wav or mat file"), Key("stim_number", "integer", "mat: stimulus"),
    Key("interp_to_freq", "boolean", "interpolate the cochleagram to frequencies"),
    Key("normalize", "boolean or list", "rescale the cochleagram"), *_MOVIE_COMMON,
)

#: bmtk popnet ``ssn``: initial states and external rates of rate units (simulators/ssn/inputs.py).
SSN_FILE_KEYS = keys(
    Key("file", "path", "SSN: the table (csv), array (npy) or rates file (h5) to read", acts=SSN),
    Key("sep", "string", "SSN csv: column separator", default=" ", acts=SSN),
    Key("index_col", "string", "SSN init_states csv: node id column", default="node_id", acts=SSN),
    Key("value_col", "string", "SSN init_states csv: value column", default="initial_state", acts=SSN),
    Key("strict_mapping", "boolean", "SSN init_states csv: every node must be in the file",
        default=False, acts=SSN),
)
SSN_INIT_KEYS = keys(
    Key("initial_state", "number", "SSN constant: the initial rate of every unit", acts=SSN),
    Key("initial_states", "list", "SSN list: one initial rate per unit", acts=SSN),
    Key("shuffle", "boolean", "SSN list: permute the values", default=False, acts=SSN),
    Key("distribution", "string", "SSN random: uniform, normal, poisson or lognormal", acts=SSN),
    Key("low", "number", "SSN random uniform: lower bound", default=0.0, acts=SSN),
    Key("high", "number", "SSN random uniform: upper bound", default=1.0, acts=SSN),
    Key("mean", "number", "SSN random normal/lognormal: mean", default=0.0, acts=SSN),
    Key("std", "number", "SSN random normal: standard deviation", default=1.0, acts=SSN),
    Key("sigma", "number", "SSN random lognormal: sigma", default=1.0, acts=SSN),
    Key("lambda", "number", "SSN random poisson: mean", default=1.0, acts=SSN),
    Key("seed", "integer", "SSN random/shuffle: seed (default run.seed)", origin=OURS, acts=SSN),
    Key("init_function", "function", "bmtk: a Python function (scripts only)", acts=IGNORED),
    Key("inputs_generator", "function", "bmtk: a Python function (scripts only)", acts=IGNORED),
)
SSN_TYPES = ("init_states", "external_rates")

_NO_BACKEND: tuple[str, ...] = ()
_FILTERNET = "bmtk FilterNet (LGN) input; no bmtk_like backend runs FilterNet"

MODULES = {m.name: m for m in (
    Module("sonata", "input", "spike trains from a SONATA spikes file; SSN: external rates",
           {**SPIKE_FILE_KEYS, **SSN_FILE_KEYS}, ("spikes", "external_rates"), aliases=("h5", "hdf5"),
           input_type_checked=True, runs_on=(NEURON, NEST, POPNET, SSN)),
    Module("csv", "input", "spike trains from a CSV table (timestamps, node_ids[, population]); SSN: "
           "initial states or external rates", {**SPIKE_FILE_KEYS, **SSN_FILE_KEYS}, ("spikes",) + SSN_TYPES,
           input_type_checked=True, runs_on=(NEURON, NEST, POPNET, SSN)),
    Module("constant", "input", "SSN: one initial rate for every unit", SSN_INIT_KEYS, ("init_states",),
           runs_on=(SSN,), node_set_default="all"),
    Module("list", "input", "SSN: a list of initial rates", SSN_INIT_KEYS, ("init_states",),
           runs_on=(SSN,), node_set_default="all"),
    Module("random", "input", "SSN: random initial rates", SSN_INIT_KEYS, ("init_states",),
           runs_on=(SSN,), node_set_default="all"),
    Module("npy", "input", "SSN: one external-rate series (numpy .npy) for every unit of the node set",
           SSN_FILE_KEYS, ("external_rates",), runs_on=(SSN,), node_set_default="all"),
    Module("nwb", "input", "spike trains from an NWB file", SPIKE_FILE_KEYS, ("spikes",),
           runs_on=_NO_BACKEND, input_type_checked=True),
    Module("spikes", "input", "bmtk_like: spike trains from a SONATA or CSV file (by suffix)",
           SPIKE_FILE_KEYS, ("spikes",), origin=OURS),
    Module("function", "input", "bmtk: spikes (or SSN states/rates) from a Python function (scripts only)",
           {**keys(Key("spikes_function", "function", "a Python callable")), **SSN_INIT_KEYS},
           ("spikes",) + SSN_TYPES, runs_on=_NO_BACKEND),
    Module("poisson", "input", "bmtk_like: Poisson spike trains drawn at run time",
           POISSON_KEYS, ("spikes",), aliases=("poisson_spikes",), origin=OURS),
    Module("IClamp", "input", "current steps (or a CSV/NWB waveform) injected into cells",
           IC_KEYS, ("current_clamp", "csv", "file", "nwb", "allen"), runs_on=(NEURON, NEST),
           node_set_default="all", input_type_checked=True),
    Module("SEClamp", "input", "a single-electrode voltage clamp (NEURON)", SE_KEYS,
           ("voltage_clamp",), runs_on=(NEURON,), node_set_default="all"),
    Module("pop_rates", "input", "firing rates of virtual populations (popnet)",
           POP_RATES_KEYS, ("csv",), runs_on=(POPNET,)),
    Module("syn_activity", "input", "spontaneous synaptic activity: synapses from cells "
           "matching precell_filter fire at timestamps (NEURON)", SYN_ACTIVITY_KEYS,
           ("syn_activity",), runs_on=(NEURON,), node_set_default="all"),
    Module("replay", "input", "replays recorded spikes through a set of edges (NEURON)",
           REPLAY_KEYS, ("replay_spikes", "spikes"), runs_on=(NEURON,), node_set_default="all"),
    Module("xstim", "input", "extracellular stimulation from electrodes (NEURON)", XSTIM_KEYS,
           ("extracellular_stimulation", "xstim"), runs_on=_NO_BACKEND,
           node_set_default="all"),
    Module("comsol", "input", "extracellular field from COMSOL (NEURON)", COMSOL_KEYS,
           ("extracellular_stimulation", "comsol"), runs_on=_NO_BACKEND,
           node_set_default="all"),
    Module("ecephys_probe", "input", "spikes of recorded units (NWB) mapped onto virtual "
           "nodes", ECEPHYS_KEYS, ("spikes",), runs_on=_NO_BACKEND),
    Module("movie", "input", _FILTERNET + ": a movie", MOVIE_KEYS, ("movie",),
           runs_on=_NO_BACKEND,
           node_set_default="all"),
    Module("graiting", "input", _FILTERNET + ": a drifting grating", GRATING_KEYS, ("movie",),
           aliases=("grating",), runs_on=_NO_BACKEND,
           node_set_default="all"),
    Module("full_field_flash", "input", _FILTERNET + ": a full-field flash", FLASH_KEYS,
           ("movie",), runs_on=_NO_BACKEND,
           node_set_default="all"),
    Module("looming", "input", _FILTERNET + ": a looming disc", LOOMING_KEYS, ("movie",),
           runs_on=_NO_BACKEND,
           node_set_default="all"),
    Module("wav_file", "input", _FILTERNET + ": audio as a cochleagram", AUDIO_KEYS,
           ("audio",), aliases=("mat_file",), runs_on=_NO_BACKEND,
           node_set_default="all"),
)}
