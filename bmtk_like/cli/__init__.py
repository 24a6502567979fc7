"""The ``bmtk-like`` command.

Every subcommand is a module of this package exposing

    HELP: str                                   one line for ``bmtk-like --help``
    add_arguments(parser) -> None               its options (argparse)
    run(args) -> int                            the exit code

and is registered by adding its module name to :data:`SUBCOMMANDS` below — nothing else.
Modules import heavy packages (NEST, NEURON, matplotlib, simulators) inside ``run``, so
``bmtk-like --help`` stays fast. Errors of our own types (``bmtk_like.errors``) are printed
as ``error: ...`` lines by :func:`report_error` and exit 2 (``--debug``: the traceback).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from bmtk_like.errors import BmtkLikeError

#: subcommand name -> module under bmtk_like.cli (the one place a subcommand is registered)
SUBCOMMANDS: dict[str, str] = {
    "init": "init_env",
    "validate": "validate",
    "run": "run",
    "plot": "plot",
    "compare": "compare",
    "raster": "raster",
    "doctor": "doctor",
    "reduce": "reduce",
}


def _version() -> str:
    from bmtk_like import __version__
    return f"bmtk-like {__version__}"


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="bmtk-like",
        description="One circuit, three scales: scaffold, validate, run (NEURON, NEST, popnet), "
                    "plot and compare SONATA simulations.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in SUBCOMMANDS.items():
        module = importlib.import_module(f"bmtk_like.cli.{module_name}")
        p = sub.add_parser(name, help=module.HELP, description=module.__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(func=module.run)
    return parser


def report_error(exc: BaseException | str) -> int:
    """Print a user error on stderr, one ``error: ...`` line per line of its message (a list of
    problems stays a list); return the exit code (2)."""
    lines = [line.strip().lstrip("- ").strip() for line in str(exc).splitlines()]
    for line in [line for line in lines if line] or [type(exc).__name__]:
        print(f"error: {line}", file=sys.stderr)
    return 2


def _show_config_warnings() -> None:
    """Config warnings (typos, unit slips) print as ``warning: ...`` lines, like errors."""
    import warnings
    from bmtk_like.errors import ConfigWarning
    default = warnings.showwarning
    if getattr(default, "config_warnings_as_lines", False):
        return

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, ConfigWarning):
            print(f"warning: {message}", file=file or sys.stderr)
        else:
            default(message, category, filename, lineno, file, line)
    show.config_warnings_as_lines = True
    warnings.showwarning = show


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bmtk-like`` console script; returns the exit code.

    ``--debug`` (before or after the command) lets the exception through, with its traceback.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    parser = build_parser()
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an error")
    args = parser.parse_args([a for a in argv if a != "--debug"])
    _show_config_warnings()
    try:
        return int(args.func(args) or 0)
    except BmtkLikeError as exc:
        if debug:
            raise
        return report_error(exc)
    except Exception as exc:  # a bug of ours, not the user's: say so, keep the traceback behind --debug
        if debug:
            raise
        report_error(f"internal error ({type(exc).__name__}: {exc}); please report it with the output of "
                     "the same command run with --debug")
        return 3
