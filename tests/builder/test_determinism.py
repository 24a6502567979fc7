"""Same seed and script give byte-identical files, whatever the number of workers."""
from __future__ import annotations

import filecmp

import numpy as np

from builders import FixedInDegree, FixedOutDegree, FixedProbability, NetworkBuilder, NormalValues, vectorised

from builder_fixtures import make_ei


@vectorised
def weight_by_distance(sources, targets, rng, w0):
    d = np.linalg.norm(sources.positions - targets.positions, axis=1)
    return w0 * np.exp(-d / 100.0) + rng.normal(0.0, 0.01, len(d))


def per_pair(source, target):
    return np.random.randint(0, 3) if source["ei"] != target["ei"] else 0


def build_and_save(out, workers, seed=11):
    net = make_ei(seed=seed, n_exc=400, n_inh=100)
    net.add_edges(source={"ei": "e"}, target={"ei": "e"}, connection_rule=FixedProbability(0.05),
                  syn_weight=1.0, delay=1.0)
    cm = net.add_edges(source={"ei": "e"}, target={"ei": "i"}, connection_rule=FixedInDegree(20),
                       syn_weight=2.0, delay=1.0)
    cm.add_properties("syn_weight", rule=weight_by_distance, rule_params={"w0": 3.0}, dtypes=float)
    cm.add_properties("delay", rule=NormalValues(2.0, 0.2, lower=0.1), dtypes=float)
    net.add_edges(source={"ei": "i"}, target=net.nodes(), connection_rule=FixedOutDegree(30),
                  syn_weight=-4.0, delay=1.0)
    net.add_edges(source={"ei": "i"}, target={"ei": "e"}, connection_rule=per_pair, syn_weight=-1.0, delay=1.0)
    thal = NetworkBuilder("thal", seed=seed)
    thal.add_nodes(N=50, model_type="virtual", pop_name="tON")
    thal.add_edges(target=net.nodes(ei="e"), connection_rule=FixedProbability(0.1), syn_weight=5.0, delay=1.0)
    net.build(workers=workers, block_size=64)
    thal.build(workers=workers, block_size=64)
    net.save(str(out))
    thal.save(str(out))
    return net


def _same(a, b):
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert not mismatch and not errors
    return names


def test_rebuild_gives_identical_bytes(tmp_path):
    build_and_save(tmp_path / "one", workers=1)
    build_and_save(tmp_path / "two", workers=1)
    names = _same(tmp_path / "one", tmp_path / "two")
    assert "thal_v1_edges.h5" in names and "v1_v1_edges.h5" in names


def test_workers_give_identical_bytes(tmp_path):
    build_and_save(tmp_path / "serial", workers=1)
    build_and_save(tmp_path / "parallel", workers=2)
    _same(tmp_path / "serial", tmp_path / "parallel")


def test_other_seed_changes_edges(tmp_path):
    a = build_and_save(tmp_path / "a", workers=1, seed=1)
    b = build_and_save(tmp_path / "b", workers=1, seed=2)
    assert len(a.edges_table()) != len(b.edges_table()) or not a.edges_table().equals(b.edges_table())
    assert not filecmp.cmp(tmp_path / "a" / "v1_v1_edges.h5", tmp_path / "b" / "v1_v1_edges.h5", shallow=False)


def test_block_structure_does_not_leak_into_statistics():
    """Bigger blocks mean different streams but the same rule: in-degree is exact either way."""
    for block_size in (16, 10_000):
        net = make_ei(n_exc=400, n_inh=100)
        net.add_edges(source={"ei": "e"}, target=net.nodes(), connection_rule=FixedInDegree(25))
        net.build(block_size=block_size)
        assert np.all(np.bincount(net.edges_table().target_node_id, minlength=500) == 25)


def test_fresh_processes_with_other_hash_seeds_give_identical_bytes(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path
    here = Path(__file__).resolve().parent
    code = ("import sys; sys.path[:0] = [sys.argv[2], sys.argv[3]]; "
            "from pathlib import Path; from test_determinism import build_and_save; "
            "build_and_save(Path(sys.argv[1]), workers=1)")
    for hash_seed, out in (("1", "h1"), ("2", "h2")):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        done = subprocess.run([sys.executable, "-c", code, str(tmp_path / out), str(here), str(here.parents[1])],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    _same(tmp_path / "h1", tmp_path / "h2")


def _unseeded_script(out, workers: int) -> None:
    """A bmtk-style script: no builder seed, np.random.seed at the top, a per-pair rule on np.random."""
    np.random.seed(3)
    net = NetworkBuilder("v1")
    net.add_nodes(N=200, ei="e")
    net.add_edges(connection_rule=lambda s, t: np.random.randint(0, 2))
    lgn = NetworkBuilder("lgn")
    lgn.add_nodes(N=50, model_type="virtual")
    lgn.add_edges(target=net.nodes(), connection_rule=FixedProbability(0.1))
    net.build(workers=workers, block_size=50)
    lgn.build(workers=workers, block_size=50)
    net.save(out)
    lgn.save(out)


def test_unseeded_bmtk_script_gives_identical_bytes_for_any_workers(tmp_path):
    """build() leaves np.random as it found it, so the next builder draws the same seed with workers=2."""
    _unseeded_script(tmp_path / "w1", 1)
    _unseeded_script(tmp_path / "w2", 2)
    names = sorted(p.name for p in (tmp_path / "w1").iterdir())
    assert "lgn_v1_edges.h5" in names
    for name in names:
        assert filecmp.cmp(tmp_path / "w1" / name, tmp_path / "w2" / name, shallow=False), name
