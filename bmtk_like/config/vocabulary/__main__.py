"""``python -m bmtk_like.config.vocabulary --markdown``: print docs/config_reference.md."""
from __future__ import annotations

import argparse
import sys

from bmtk_like.config.vocabulary.markdown import render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bmtk_like.config.vocabulary",
                                     description=__doc__.strip().splitlines()[0])
    parser.add_argument("--markdown", action="store_true", required=True,
                        help="print the config reference as Markdown")
    parser.parse_args(argv)
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
