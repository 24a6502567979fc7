"""``python -m bmtk_like.cli`` is the ``bmtk-like`` command."""
import sys

from bmtk_like.cli import main

sys.exit(main())
