"""What every backend shares: the run sequence, circuit tables, node sets, inputs, output folder
and log, component parameter files, level translation, weight functions, the backend registry
and results. A backend supplies only the steps that differ.

Importing this package never imports NEST, NEURON or MPI.
"""
from bmtk_like.node_sets import NodeSetResolver
from simulators.core import registry
from simulators.core.circuit import Circuit
from simulators.core.inputs import (CurrentClamp, Inputs, PoissonInput, SpikeInput, collect_inputs,
                                    current_clamp, poisson_input, resolve_input_path, spike_input)
from simulators.core.levels import (DEFAULT_POPULATION_KEY, POINT_DYNAMICS_PARAMS, POINT_MODEL_TEMPLATE,
                                    PointModel, iter_point_models, normalize_model_type,
                                    point_model_for_type, population_groups, split_template)
from simulators.core.output import (close_logging, known_outputs, prepare_output_dir, report_file,
                                    setup_logging)
from simulators.core.params import clear_params_cache, component_dir, load_params_json
from simulators.core.registry import canonical_name, get_backend, known_backends, register_backend
from simulators.core.results import SimulationResult
from simulators.core.run import load_config, run
from simulators.core.sequence import (add_after_run_hook, begin_run, check_overrides, end_run, failures_logged,
                                      run_sequence)
from simulators.core.weights import EdgeBatch, WeightFunctions, add_weight_function, synaptic_weight

__all__ = [
    "Circuit", "CurrentClamp", "DEFAULT_POPULATION_KEY", "EdgeBatch", "Inputs", "NodeSetResolver",
    "POINT_DYNAMICS_PARAMS", "POINT_MODEL_TEMPLATE", "PointModel", "PoissonInput", "SimulationResult",
    "SpikeInput", "canonical_name", "clear_params_cache", "close_logging", "collect_inputs",
    "component_dir", "current_clamp", "get_backend", "iter_point_models", "known_backends", "known_outputs",
    "load_config", "load_params_json", "normalize_model_type", "point_model_for_type",
    "poisson_input", "population_groups", "prepare_output_dir", "register_backend", "registry",
    "report_file", "resolve_input_path", "run", "setup_logging", "spike_input", "split_template",
    "WeightFunctions", "add_after_run_hook", "add_weight_function", "begin_run", "check_overrides", "end_run",
    "failures_logged", "run_sequence", "synaptic_weight",
]
