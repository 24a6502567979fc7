"""Reserved SONATA column names and the one rule for "this cell holds no value".

The names the SONATA spec (and BMTK) give a meaning to, defined once for the builders, the
readers, ``validate`` and every backend (as bluepysnap's ``sonata_constants``). A column not
listed here is a user attribute: it travels through unchanged.
"""
from __future__ import annotations

import math
from typing import Any, Optional

# ---- nodes (h5 group datasets or node-types CSV columns) ----------------------------------
NODE_TYPE_ID = "node_type_id"
NODE_ID = "node_id"
MODEL_TYPE = "model_type"
MODEL_TEMPLATE = "model_template"
MODEL_PROCESSING = "model_processing"
DYNAMICS_PARAMS = "dynamics_params"
MORPHOLOGY = "morphology"
POP_NAME = "pop_name"
POSITION_COLUMNS = ("x", "y", "z")
ROTATION_COLUMNS = ("rotation_angle_xaxis", "rotation_angle_yaxis", "rotation_angle_zaxis")
#: bmtk_like's reduced model beside a detailed one (see ``simulators/core/levels.py``).
POINT_MODEL_TEMPLATE = "point_model_template"
POINT_DYNAMICS_PARAMS = "point_dynamics_params"
#: Node columns that choose a cell model; any of them may be per node (h5) or per node type (CSV).
MODEL_COLUMNS = (MODEL_TYPE, MODEL_TEMPLATE, MODEL_PROCESSING, MORPHOLOGY, DYNAMICS_PARAMS)

# ---- edges -------------------------------------------------------------------------------
EDGE_TYPE_ID = "edge_type_id"
SOURCE_NODE_ID = "source_node_id"
TARGET_NODE_ID = "target_node_id"
SYN_WEIGHT = "syn_weight"
NSYNS = "nsyns"
DELAY = "delay"
WEIGHT_FUNCTION = "weight_function"
AFFERENT_SECTION_ID = "afferent_section_id"
AFFERENT_SECTION_POS = "afferent_section_pos"
#: BMTK's older names -> the SONATA names they mean (both are read; we write the SONATA ones).
LEGACY_EDGE_COLUMNS = {"sec_id": AFFERENT_SECTION_ID, "sec_x": AFFERENT_SECTION_POS}

# ---- missing values ----------------------------------------------------------------------
#: Spellings of "no value" in types CSVs (BMTK writes NONE and NULL; pandas reads these as NaN).
MISSING_VALUES = ["NONE", "NULL", "None", "null", "none", "NaN", "nan", ""]
_MISSING = frozenset(MISSING_VALUES)


def is_missing(value: Any) -> bool:
    """True when a table cell holds no value: None, a NaN, or text that is empty/NONE/NULL/NaN."""
    if value is None:
        return True
    if isinstance(value, float) or type(value).__module__ == "numpy":
        try:
            return math.isnan(value)
        except (TypeError, ValueError):
            pass
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return isinstance(value, str) and value.strip() in _MISSING


def text_or_none(value: Any) -> Optional[str]:
    """``value`` as stripped text, or None when :func:`is_missing` says it holds no value."""
    if is_missing(value):
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip()
