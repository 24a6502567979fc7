"""Level translation: which model a node type has at each level of detail.

The one place where a node type's columns are read to decide how it runs:

- ``model_type`` is normalised: ``point_process`` (BMTK's old name) means
  ``point_neuron``; empty values mean ``virtual`` only when written so.
- A node type may carry a reduced point model beside its detailed one, in the
  node-types CSV (or h5 group) columns named by :data:`POINT_MODEL_TEMPLATE` and
  :data:`POINT_DYNAMICS_PARAMS` (e.g. ``nest:glif_psc`` and ``cell_472_glif.json``).
  A ``biophysical`` node type can run on NEST only through these columns; a ``nrn:IntFire1``
  point neuron carrying them runs on NEST as the NEST model they name.
- The population level groups nodes by :data:`DEFAULT_POPULATION_KEY`
  (``pop_name``), configurable per call.
- A ``point_neuron`` whose model belongs to another simulator runs on NEURON as the
  artificial cell declared in ``simulators/bionet/point_translation.py`` (the one
  table of NEURON translations: ``nest:iaf_psc_delta`` -> ``IntFire1``, exact).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional

import numpy as np

from bmtk_like.errors import ModelTranslationError
from bmtk_like.sonata import normalize_model_type as sonata_model_type
from bmtk_like.sonata.columns import POINT_DYNAMICS_PARAMS, POINT_MODEL_TEMPLATE, POP_NAME, is_missing

DEFAULT_POPULATION_KEY = POP_NAME

MODEL_TYPES = ("biophysical", "point_neuron", "virtual", "population")
#: Level of detail of model types beyond SONATA's spelling aliases.
_LEVEL_ALIASES = {"single_compartment": "biophysical"}


def normalize_model_type(model_type: Any) -> str:
    """Level of a model_type: SONATA's aliases (``point_process`` -> ``point_neuron``,
    see `bmtk_like.sonata.normalize_model_type`), and ``single_compartment`` is biophysical."""
    text = sonata_model_type(model_type)
    return _LEVEL_ALIASES.get(text, text)


def split_template(model_template: Any) -> tuple[str, str]:
    """Split ``"nest:iaf_psc_alpha"`` into ``("nest", "iaf_psc_alpha")``.

    A template without a prefix gives ``("", template)``; a missing one ``("", "")``.
    """
    if not _present(model_template):
        return "", ""
    text = str(model_template).strip()
    prefix, sep, name = text.partition(":")
    if not sep:
        return "", text
    return prefix.strip().lower(), name.strip()


@dataclass(frozen=True)
class PointModel:
    """A point-neuron description of one node type.

    Attributes:
        model_template: full template string, e.g. ``"nest:iaf_psc_alpha"``.
        engine: template prefix (``"nest"``, ``"nrn"``, or ``""``).
        model: model name without prefix, e.g. ``"iaf_psc_alpha"``.
        dynamics_params: parameter file name (relative to the point-neuron
            components dir) or None when the node type has none.
        source: ``"native"`` (a point_neuron type), ``"reduced"`` (a detailed type's
            point_* columns) or ``"translated"`` (a ``nrn:`` point neuron's point_* columns,
            e.g. IntFire1 as ``nest:iaf_psc_delta``).
    """

    model_template: str
    engine: str
    model: str
    dynamics_params: Optional[str]
    source: str


def _present(value: Any) -> bool:
    return not is_missing(value)


def point_model_for_type(node_type: Mapping[str, Any], *, population: str = "?",
                         node_type_id: Any = "?") -> Optional[PointModel]:
    """The point model of one node type (a row of the node-types table as a mapping).

    Returns None for virtual node types. Raises ModelTranslationError naming the
    population and node type when no point model can be derived (a biophysical type
    without ``point_model_template``, a ``population`` type, or a missing template).
    """
    mtype = normalize_model_type(node_type.get("model_type"))
    where = f"node type {node_type_id} of population '{population}'"
    if mtype == "virtual":
        return None
    if mtype == "point_neuron" and split_template(node_type.get("model_template"))[0] == "nrn" \
            and _present(node_type.get(POINT_MODEL_TEMPLATE)):
        template = node_type.get(POINT_MODEL_TEMPLATE)          # a NEURON cell's NEST equivalent
        engine, model = split_template(template)
        params = node_type.get(POINT_DYNAMICS_PARAMS)
        return PointModel(str(template).strip(), engine, model,
                          str(params).strip() if _present(params) else None, "translated")
    if mtype == "point_neuron":
        template = node_type.get("model_template")
        if not _present(template):
            raise ModelTranslationError(
                f"{where} is a point_neuron without a model_template; add e.g. "
                "model_template='nest:iaf_psc_alpha' to its node type")
        engine, model = split_template(template)
        params = node_type.get("dynamics_params")
        return PointModel(str(template).strip(), engine, model,
                          str(params).strip() if _present(params) else None, "native")
    if mtype == "biophysical":
        template = node_type.get(POINT_MODEL_TEMPLATE)
        if not _present(template):
            raise ModelTranslationError(
                f"{where} is biophysical and has no point model; add the columns "
                f"'{POINT_MODEL_TEMPLATE}' (e.g. 'nest:glif_psc') and "
                f"'{POINT_DYNAMICS_PARAMS}' (a JSON in point_neuron_models_dir) to its "
                "node type to run it at the point level")
        engine, model = split_template(template)
        params = node_type.get(POINT_DYNAMICS_PARAMS)
        return PointModel(str(template).strip(), engine, model,
                          str(params).strip() if _present(params) else None, "reduced")
    if mtype == "population":
        raise ModelTranslationError(
            f"{where} has model_type 'population', which has no single-cell model; run it "
            "with the popnet simulator or give the node type a point_neuron model")
    raise ModelTranslationError(
        f"{where} has unknown model_type '{node_type.get('model_type')}'; expected one of "
        f"{', '.join(MODEL_TYPES)} (or point_process)")


def node_model_types(nodes) -> np.ndarray:
    """Normalised model_type per node of a NodePopulation (object array of str)."""
    if not nodes.has_column("model_type"):
        return np.full(nodes.size, "", dtype=object)
    raw = nodes.column("model_type")
    uniq, inverse = np.unique(np.asarray(raw, dtype=str), return_inverse=True)
    normalised = np.array([normalize_model_type(u) for u in uniq], dtype=object)
    return normalised[inverse]


def iter_point_models(nodes) -> Iterator[tuple[Any, np.ndarray, Optional[PointModel]]]:
    """Yield ``(node_type_id, node_ids, PointModel | None)`` per node type of a population.

    Node-type columns are read from the types table; the model of virtual types is None.
    """
    for type_id, ids in nodes.type_batches():
        row = nodes.type_row(type_id)
        yield type_id, ids, point_model_for_type(row, population=nodes.name, node_type_id=type_id)


def population_groups(nodes, key: str = DEFAULT_POPULATION_KEY) -> dict[str, np.ndarray]:
    """Group a NodePopulation's node ids by the value of column ``key``.

    Returns group label -> sorted node ids. Raises ModelTranslationError naming the
    population when it has no ``key`` column.
    """
    if not nodes.has_column(key):
        raise ModelTranslationError(
            f"population '{nodes.name}' has no column '{key}' to group nodes into "
            f"populations; add a '{key}' column to its node types or choose another key")
    values = np.asarray(nodes.column(key), dtype=str)
    uniq, inverse = np.unique(values, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(uniq) + 1))
    ids = np.asarray(nodes.node_ids, dtype=np.int64)[order]
    return {str(label): ids[bounds[i]:bounds[i + 1]] for i, label in enumerate(uniq)}
