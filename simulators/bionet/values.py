"""Reading optional text cells of node/edge tables: the rule lives in ``bmtk_like.sonata.columns``."""
from bmtk_like.sonata.columns import text_or_none as optional_text

__all__ = ["optional_text"]
