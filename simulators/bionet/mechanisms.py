"""NEURON mechanisms: compile a folder of .mod files once (cached by content) and load it.

The cache lives in ``$BMTK_LIKE_CACHE/mechanisms/<hash>/`` (default ``~/.cache/bmtk_like``),
where ``<hash>`` covers the .mod files' names and bytes and the NEURON version, so an edited
.mod file is recompiled and an unchanged one never is. Compilation runs ``nrnivmodl`` in a
scratch folder that is renamed into place only when it succeeded.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bmtk_like.errors import SimulationError

log = logging.getLogger("bmtk_like.simulation")

_loaded: dict[str, Path] = {}          # content hash -> mod folder it came from
_loaded_sources: dict[str, tuple[str, Path]] = {}   # mechanism name -> (sha256 of its .mod, that file)
_MECH_NAME = re.compile(r"\b(?:SUFFIX|POINT_PROCESS|ARTIFICIAL_CELL)\s+(\w+)")


def find_mod_files(folder: str | os.PathLike) -> list[Path]:
    """The .mod files of ``folder`` or of its ``modfiles/`` subfolder (BMTK's layout), sorted by name."""
    folder = Path(folder)
    mods = sorted(folder.glob("*.mod"))
    if not mods and (folder / "modfiles").is_dir():
        mods = sorted((folder / "modfiles").glob("*.mod"))
    return mods


def mechanism_names(mod_files: list[Path]) -> set[str]:
    """Names (SUFFIX / POINT_PROCESS / ARTIFICIAL_CELL) the .mod files define."""
    names: set[str] = set()
    for path in mod_files:
        names.update(_MECH_NAME.findall(path.read_text(errors="replace")))
    return names


def cache_root() -> Path:
    """Root of bmtk_like's on-disk cache (``$BMTK_LIKE_CACHE`` or ``~/.cache/bmtk_like``)."""
    root = os.environ.get("BMTK_LIKE_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "bmtk_like"


def content_hash(mod_files: list[Path], coreneuron: bool = False) -> str:
    """Hash of the .mod files' names and bytes, the NEURON version and the CoreNEURON flag (20 hex digits)."""
    import neuron
    digest = hashlib.sha256(f"neuron={neuron.__version__}{' coreneuron' if coreneuron else ''}".encode())
    for path in mod_files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def _nrnivmodl() -> str:
    local = Path(sys.executable).parent / "nrnivmodl"
    if local.exists():
        return str(local)
    found = shutil.which("nrnivmodl")
    if found is None:
        raise SimulationError("cannot compile NEURON mechanisms: 'nrnivmodl' was found neither next to "
                              f"{sys.executable} nor on PATH; install NEURON with pip install neuron")
    return found


def _library_in(build_dir: Path) -> Path | None:
    for candidate in build_dir.glob("*/.libs/libnrnmech.so"):
        return candidate
    for candidate in build_dir.glob("*/libnrnmech.so"):
        return candidate
    return None


_ERROR_LINE = re.compile(r"(?:(?:^|/)(\w+)\.(?:cpp|c|mod)[:\"].*\berror\b|\berror\b.* in file (\w+)\.mod)",
                         re.IGNORECASE)


def _failure_message(command: str, folder: Path, mods: list[Path], output: str) -> str:
    """The compiler's failure: which .mod files failed and their error lines (else the output's tail)."""
    found = [(line.strip(), m.group(1) or m.group(2)) for line in output.splitlines()
             if (m := _ERROR_LINE.search(line))]
    stems = {p.stem: p.name for p in mods}
    failed = sorted({stems[stem] for _, stem in found if stem in stems})
    detail = "\n".join(line for line, _ in found[:6]) if found else output.strip()[-3000:]
    hint = ("; NEURON itself compiles these files, so run this circuit without --coreneuron (run.coreneuron false) "
            "or give CoreNEURON-compatible versions of them" if "-coreneuron" in command else "")
    return (f"{command} failed to compile the mechanisms in {folder}"
            f"{' (' + ', '.join(failed) + ')' if failed else ''}{hint}:\n{detail}")


def compile_mechanisms(folder: str | os.PathLike, mod_files: list[Path] | None = None,
                       coreneuron: bool = False) -> Path:
    """Compile the .mod files of ``folder`` (or ``folder/modfiles``) into the cache; return the build dir.

    ``mod_files`` (default: all of the folder's) chooses a subset; ``coreneuron`` runs
    ``nrnivmodl -coreneuron``, which builds NEURON's ``libnrnmech.so`` and CoreNEURON's
    ``libcorenrnmech.so`` side by side (``mod_files`` also leaves out mechanisms already loaded from
    identical sources). Raises SimulationError naming the folder when it has no
    .mod files, and carrying the compiler's output when ``nrnivmodl`` fails.
    """
    folder = Path(folder)
    mods = find_mod_files(folder) if mod_files is None else list(mod_files)
    if not mods:
        raise SimulationError(f"mechanisms folder {folder} has no .mod files (looked in it and in its "
                              "modfiles/ subfolder); fix components.mechanisms_dir")
    build_dir = cache_root() / "mechanisms" / content_hash(mods, coreneuron)
    if _library_in(build_dir) is not None:
        return build_dir
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="build-", dir=build_dir.parent))
    try:
        for path in mods:
            shutil.copy2(path, scratch / path.name)
        log.info("compiling %d NEURON mechanisms from %s%s", len(mods), folder, " for CoreNEURON" * coreneuron)
        command = [_nrnivmodl()] + (["-coreneuron", "."] if coreneuron else [])
        proc = subprocess.run(command, cwd=scratch, capture_output=True, text=True)
        if proc.returncode != 0 or _library_in(scratch) is None:
            raise SimulationError(_failure_message(" ".join(["nrnivmodl"] + command[1:]), folder, mods,
                                                   proc.stderr + "\n" + proc.stdout))
        try:
            scratch.rename(build_dir)
        except OSError:          # another process finished the same build first: use theirs
            if _library_in(build_dir) is None:
                raise
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
    return build_dir


def loaded_mechanisms() -> set[str]:
    """Names of every density mechanism and point process NEURON currently knows."""
    from neuron import h
    names: set[str] = set()
    for kind in (0, 1):
        mt = h.MechanismType(kind)
        ref = h.ref("")
        for i in range(int(mt.count())):
            mt.select(i)
            mt.selected(ref)
            names.add(ref[0])
    return names


def _source_digest(path: Path) -> str:
    """sha256 of a .mod file's text with line ends normalised (CRLF copies of a file are the same source)."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def _split_already_loaded(folder: Path, mods: list[Path]) -> list[Path]:
    """The .mod files of ``folder`` still to load; files identical to loaded ones are dropped.

    A file whose mechanism names are all loaded from identical sources is reused (BMTK folders
    carry the same Allen channels); a name that is loaded from a different source, or built into
    NEURON, is a real conflict and raises SimulationError naming both files.
    """
    known = loaded_mechanisms()
    todo: list[Path] = []
    for path in mods:
        names = mechanism_names([path])
        clash = names & known
        if not clash:
            todo.append(path)
            continue
        digest = _source_digest(path)
        different = sorted(n for n in clash if _loaded_sources.get(n, ("", None))[0] != digest)
        if different:
            origins = sorted({str(_loaded_sources[n][1]) if n in _loaded_sources else "NEURON itself"
                              for n in different})
            raise SimulationError(
                f"mechanisms in {folder}: {path.name} defines {different}, which are already loaded in "
                f"this NEURON process from a different source ({', '.join(origins)}); NEURON cannot replace "
                "a mechanism: remove the duplicate .mod file or run the two configs in separate processes")
        if names - clash:
            raise SimulationError(
                f"mechanisms in {folder}: {path.name} defines {sorted(names)}, of which only "
                f"{sorted(clash)} are already loaded; split the file or run in a fresh process")
    return todo


def load_mechanisms(folder: str | os.PathLike, mod_files: list[Path] | None = None,
                    coreneuron: bool = False) -> Path | None:
    """Compile (if not cached) and load the mechanisms of ``folder`` into this NEURON process.

    Mechanisms already loaded from identical .mod sources are reused, so loading the same folder
    (or another folder with the same channel files) twice is harmless. A mechanism name loaded
    from a different source raises SimulationError. Returns the build dir of what was loaded now,
    or None when every mechanism of the folder was already loaded. ``mod_files`` (default: all of
    the folder's) and ``coreneuron`` as in `compile_mechanisms`.
    """
    import neuron
    folder = Path(folder)
    mods = find_mod_files(folder) if mod_files is None else list(mod_files)
    if not mods:
        raise SimulationError(f"mechanisms folder {folder} has no .mod files (looked in it and in its "
                              "modfiles/ subfolder); fix components.mechanisms_dir")
    todo = _split_already_loaded(folder, mods)
    if not todo:
        return None
    build_dir = compile_mechanisms(folder, todo, coreneuron)
    if build_dir.name in _loaded:
        return build_dir
    if not neuron.load_mechanisms(str(build_dir), warn_if_already_loaded=False):
        raise SimulationError(f"NEURON could not load the compiled mechanisms of {folder} from {build_dir}")
    _loaded[build_dir.name] = folder
    for path in todo:
        digest = _source_digest(path)
        for name in mechanism_names([path]):
            _loaded_sources[name] = (digest, path)
    return build_dir


def ensure_mechanisms(needed: dict[str, set[str]], mechanisms_dir: Path | None) -> None:
    """Make sure every mechanism the cells need is loaded.

    ``needed`` maps a node-type description (for messages) to the mechanism names its cells insert.
    Mechanisms come from NEURON itself and the config's ``components.mechanisms_dir`` (as in BMTK,
    whose bio folders carry their ``.mod`` files); anything missing raises SimulationError naming the
    node type, the mechanism and the folder searched.
    """
    known = loaded_mechanisms()
    missing = {who: names - known for who, names in needed.items() if names - known}
    if not missing:
        return
    who, names = next(iter(missing.items()))
    searched = (f"components.mechanisms_dir = {mechanisms_dir}" if mechanisms_dir is not None
                else "no components.mechanisms_dir in the config")
    raise SimulationError(
        f"{who} needs the NEURON mechanism(s) {sorted(names)}, which are not loaded ({searched}); "
        "add their .mod files to the mechanisms_dir folder (BMTK's bio examples carry them in "
        "components/mechanisms/modfiles) and set components.mechanisms_dir to it")
