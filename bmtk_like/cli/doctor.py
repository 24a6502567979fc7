"""Report what this installation can run: Python, bmtk_like, NEST, NEURON, MPI, compiled
mechanisms, plotting and notebook support. Always exits 0; read the lines marked ``missing``.

    bmtk-like doctor
"""
from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

HELP = "show which backends, versions, MPI and mechanisms are available"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mechanisms", default=None, metavar="DIR",
                        help="also check this mechanisms folder (compiled .mod files)")


def _version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def _probe(module: str, code: str) -> tuple[bool, str]:
    """Import ``module`` in a child process (NEST prints a banner and may abort): (ok, detail)."""
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYNEST_QUIET": "1", "NEURON_MODULE_OPTIONS": "-nogui"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    if proc.returncode == 0:
        return True, proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    tail = (proc.stderr.strip().splitlines() or ["import failed"])[-1]
    return False, tail


def _line(ok: bool | None, name: str, detail: str) -> str:
    mark = {True: "ok     ", False: "missing", None: "note   "}[ok]
    return f"  [{mark}] {name:<22} {detail}"


def _mechanism_lines(folder: str | None) -> list[str]:
    """Compiled mechanism sets in bmtk_like's cache, and the state of ``folder`` if given."""
    cache = Path(os.environ.get("BMTK_LIKE_CACHE") or Path.home() / ".cache" / "bmtk_like") / "mechanisms"
    built = sorted(p for p in cache.glob("*") if any(p.glob("*/.libs/libnrnmech.*")) or any(p.glob("*/libnrnmech.*")))
    lines = [_line(None, "compiled mechanisms", f"{len(built)} set(s) cached in {cache} (compiled on first use "
                                                "by content hash; NEURON built-ins hh, pas, IntFire* need none)")]
    if folder:
        mods = sorted(Path(folder).glob("*.mod")) or sorted((Path(folder) / "modfiles").glob("*.mod"))
        if not mods:
            lines.append(_line(False, "mechanisms folder", f"{folder}: no .mod files (nor in modfiles/)"))
        else:
            names = ", ".join(m.stem for m in mods[:8]) + (" ..." if len(mods) > 8 else "")
            lines.append(_line(True, "mechanisms folder", f"{folder}: {len(mods)} .mod files ({names})"))
    return lines


def run(args: argparse.Namespace) -> int:
    from bmtk_like import __version__

    print(f"bmtk-like {__version__} (Python {platform.python_version()}, {sys.executable})")
    lines = []
    for dist in ("numpy", "scipy", "h5py", "pandas", "matplotlib", "tqdm"):
        v = _version(dist)
        lines.append(_line(v is not None, dist, v or "pip install " + dist))
    ok, detail = _probe("nest", "import nest; print(nest.__version__ if hasattr(nest, '__version__') "
                                "else nest.GetKernelStatus('build_info')['version'])")
    lines.append(_line(ok, "NEST (pointnet)", f"version {detail}" if ok else
                       f"not importable ({detail}); pip install nest-simulator"))
    ok, detail = _probe("neuron", "import neuron; print(neuron.__version__)")
    lines.append(_line(ok, "NEURON (bionet)", f"version {detail}" if ok else
                       f"not importable ({detail}); pip install neuron"))
    nrnivmodl = shutil.which("nrnivmodl") or (str(Path(sys.executable).with_name("nrnivmodl"))
                                              if Path(sys.executable).with_name("nrnivmodl").exists() else None)
    lines.append(_line(nrnivmodl is not None, "nrnivmodl", nrnivmodl or
                       "not found: .mod mechanisms cannot be compiled (comes with pip install neuron)"))
    lines.append(_line(True, "popnet (density)", "built in (numpy/scipy)"))
    v = _version("mpi4py")
    lines.append(_line(v is not None, "mpi4py", v or "pip install mpi4py (for mpirun -n N bmtk-like run ...)"))
    mpirun = shutil.which("mpirun") or shutil.which("mpiexec")
    lines.append(_line(mpirun is not None, "mpirun", mpirun or
                       "not found (Debian: apt-get install openmpi-bin libopenmpi-dev)"))
    for dist in ("libsonata", "nbclient", "ipykernel"):
        v = _version(dist)
        lines.append(_line(v is not None if dist == "libsonata" else (v is not None or None), dist,
                           v or f"optional: pip install {dist}"))
    lines += _mechanism_lines(args.mechanisms)
    print("\n".join(lines))
    return 0
