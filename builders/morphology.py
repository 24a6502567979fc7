"""SWC morphologies and SONATA section numbering live in `bmtk_like.morphology`, shared
by the builder (synapse placement) and BioNet; re-exported here for builder users."""
from bmtk_like.morphology import *  # noqa: F401,F403
from bmtk_like.morphology import load_morphology, resolve_morphology_path  # noqa: F401
