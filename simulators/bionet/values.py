"""Reading optional text cells of node/edge tables (types CSVs spell a missing value NONE, NULL, NaN...)."""
from __future__ import annotations

import math

from bmtk_like.sonata.types_csv import MISSING_VALUES


def optional_text(value) -> str | None:
    """``value`` as stripped text, or None when it is missing (None, NaN, '', NONE, NULL...)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return None if text in MISSING_VALUES else text
