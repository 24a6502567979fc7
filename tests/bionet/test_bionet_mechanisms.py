"""Mechanism compilation, caching and loading."""
from __future__ import annotations

import pytest

from bmtk_like.errors import SimulationError
from simulators.bionet import mechanisms as mech

GOOD_MOD = """NEURON { SUFFIX leaktest RANGE g, e NONSPECIFIC_CURRENT i }
PARAMETER { g = 0.001 (S/cm2) e = -70 (mV) }
ASSIGNED { v (mV) i (mA/cm2) }
BREAKPOINT { i = g*(v - e) }
"""


def test_bmtk_mechanisms_folder_compiles_and_loads(allen_mechanisms):
    from neuron import h
    assert mech.find_mod_files(allen_mechanisms)          # BMTK's layout: mechanisms/modfiles/*.mod
    sec = h.Section(name="probe")
    for name in ("NaTs", "Kv3_1", "Ih", "SK", "CaDynamics", "Ca_HVA", "Im", "K_P"):
        sec.insert(name)
    assert {"NaTs", "Ih", "CaDynamics"} <= mech.loaded_mechanisms()


def test_modfiles_subfolder_is_found(tmp_path):
    (tmp_path / "modfiles").mkdir()
    (tmp_path / "modfiles" / "leak.mod").write_text(GOOD_MOD)
    assert [p.name for p in mech.find_mod_files(tmp_path)] == ["leak.mod"]
    assert mech.mechanism_names(mech.find_mod_files(tmp_path)) == {"leaktest"}


def test_cache_is_keyed_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("BMTK_LIKE_CACHE", str(tmp_path / "cache"))
    src = tmp_path / "mods"
    src.mkdir()
    (src / "leak.mod").write_text(GOOD_MOD)
    first = mech.compile_mechanisms(src)
    mtime = next(first.glob("**/libnrnmech.so")).stat().st_mtime_ns
    assert mech.compile_mechanisms(src) == first          # cached: no recompilation
    assert next(first.glob("**/libnrnmech.so")).stat().st_mtime_ns == mtime
    (src / "leak.mod").write_text(GOOD_MOD.replace("0.001", "0.002"))
    assert mech.compile_mechanisms(src) != first


def test_compile_failure_shows_compiler_message(tmp_path, monkeypatch):
    monkeypatch.setenv("BMTK_LIKE_CACHE", str(tmp_path / "cache"))
    src = tmp_path / "broken"
    src.mkdir()
    (src / "bad.mod").write_text("NEURON { SUFFIX bad RANGE g }\nBREAKPOINT { i = g*(v - }\n")
    with pytest.raises(SimulationError, match=r"nrnivmodl failed to compile the mechanisms in .*broken") as err:
        mech.compile_mechanisms(src)
    assert "bad.mod" in str(err.value) or "error" in str(err.value).lower()
    assert not list((tmp_path / "cache" / "mechanisms").glob("**/libnrnmech.so"))   # nothing half-built cached


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(SimulationError, match="has no .mod files.*mechanisms_dir"):
        mech.compile_mechanisms(tmp_path)


def test_missing_mechanism_names_node_type_and_folder(allen_mechanisms, tmp_path):
    with pytest.raises(SimulationError, match=r"node type 7.*\['NoSuchChan'\].*mechanisms_dir = .*mods"):
        mech.ensure_mechanisms({"node type 7 (population v1)": {"NaTs", "NoSuchChan"}}, tmp_path / "mods")


def test_identical_mechanisms_from_another_folder_are_reused(allen_mechanisms, tmp_path):
    """A user's own copy of BMTK's mechanisms (same names, same sources, CRLF or not) loads cleanly."""
    copy = tmp_path / "my_mechanisms" / "modfiles"
    copy.mkdir(parents=True)
    for path in mech.find_mod_files(allen_mechanisms):
        copy.joinpath(path.name).write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    assert mech.load_mechanisms(copy.parent) is None      # nothing new to load
    assert mech.load_mechanisms(allen_mechanisms) is None  # and loading the same folder again is a no-op


def test_a_different_source_for_a_loaded_mechanism_is_a_conflict(allen_mechanisms, tmp_path):
    src = tmp_path / "mods"
    src.mkdir()
    original = next(p for p in mech.find_mod_files(allen_mechanisms) if p.name == "NaTs.mod")
    (src / "NaTs.mod").write_text(original.read_text().replace("gbar = 0.00001", "gbar = 0.00002"))
    assert (src / "NaTs.mod").read_text() != original.read_text()
    with pytest.raises(SimulationError, match=r"NaTs\.mod defines \['NaTs'\].*different source.*NaTs\.mod"):
        mech.load_mechanisms(src)


def test_a_new_mechanism_beside_identical_ones_is_loaded(allen_mechanisms, tmp_path, monkeypatch):
    monkeypatch.setenv("BMTK_LIKE_CACHE", str(tmp_path / "cache"))
    src = tmp_path / "mods"
    src.mkdir()
    original = next(p for p in mech.find_mod_files(allen_mechanisms) if p.name == "Ih.mod")
    (src / "Ih.mod").write_bytes(original.read_bytes())
    (src / "leak.mod").write_text(GOOD_MOD)
    build = mech.load_mechanisms(src)
    assert build is not None and "leaktest" in mech.loaded_mechanisms()
