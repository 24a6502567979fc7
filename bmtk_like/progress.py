"""Progress bars (tqdm, with ETA) for builds and runs: shown only when stderr is a terminal.

``simulators.run(..., progress=False)`` and ``bmtk-like --quiet`` turn them off for the run
(:func:`progress_enabled` reads the setting of the run in progress); ``progress=True`` forces them.
"""
from __future__ import annotations

import contextlib
import contextvars
import sys
from typing import Any, Iterator, Optional

_SETTING: contextvars.ContextVar[Optional[bool]] = contextvars.ContextVar("bmtk_like_progress",
                                                                          default=None)


@contextlib.contextmanager
def progress_setting(enabled: Optional[bool]) -> Iterator[None]:
    """Within the block, progress bars are ``enabled`` (None: when stderr is a terminal)."""
    token = _SETTING.set(enabled)
    try:
        yield
    finally:
        _SETTING.reset(token)


def progress_enabled(enabled: Optional[bool] = None) -> bool:
    """``enabled`` if given, else the run's setting, else whether stderr is a terminal."""
    if enabled is None:
        enabled = _SETTING.get()
    if enabled is None:
        enabled = sys.stderr.isatty()
    return bool(enabled)


def progress_bar(total: float, desc: str, unit: str = "ms", enabled: Optional[bool] = None) -> Any:
    """A tqdm bar over ``total`` ``unit`` (simulated ms by default), or None when disabled.

    Call ``bar.update(n)`` as the work advances and ``bar.close()`` at the end.
    """
    if not progress_enabled(enabled):
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit=unit, desc=desc, leave=True, file=sys.stderr,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} {unit} "
                           "[{elapsed}<{remaining}]")
