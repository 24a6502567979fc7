"""Vectorised connection rules: statistics, exact counts, cutoffs, autapses and multapses."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from builders import (AllToAll, DistanceProbability, FixedInDegree, FixedOutDegree, FixedProbability,
                      FixedTotalNumber, NetworkBuilder, OneToOne, vectorised)
from builders.sampling import bernoulli_grid, distinct_per_row


def _net(n=400, seed=3, positions=None):
    net = NetworkBuilder("net", seed=seed)
    net.add_nodes(N=n, pop_name="A", positions=positions if positions is not None else
                  np.random.default_rng(1).uniform(0, 500, (n, 3)))
    return net


def _edges(net, rule, block_size=64, **kw):
    net.add_edges(source=net.nodes(), target=net.nodes(), connection_rule=rule, **kw)
    net.build(block_size=block_size)
    return net.edges_table()


def test_bernoulli_grid_matches_binomial_counts():
    rng = np.random.default_rng(0)
    rows, cols = bernoulli_grid(2000, 500, 0.05, rng)
    counts = np.bincount(rows, minlength=2000)
    # per-row count is Binomial(500, 0.05): mean 25, var 23.75
    assert abs(counts.mean() - 25.0) < 0.5
    assert abs(counts.var() - 23.75) < 3.0
    assert np.all(np.diff(rows * 500 + cols) > 0)          # distinct cells, row-major order
    assert bernoulli_grid(10, 10, 1.0, rng)[0].size == 100
    assert bernoulli_grid(10, 10, 0.0, rng)[0].size == 0


def test_fixed_probability_gives_binomial_indegrees():
    table = _edges(_net(1000), FixedProbability(0.1))
    indeg = np.bincount(table.target_node_id, minlength=1000)
    assert abs(indeg.mean() - 100.0) < 1.5
    # a chi-square-like check of the spread: Binomial(1000, 0.1) sd = 9.49
    assert 8.5 < indeg.std() < 10.5
    ks = stats.kstest(indeg, stats.binom(1000, 0.1).cdf)
    assert ks.statistic < 0.07


def test_fixed_probability_no_autapses():
    table = _edges(_net(300), FixedProbability(0.5, allow_autapses=False))
    assert not np.any(table.source_node_id == table.target_node_id)
    with_self = _edges(_net(300), FixedProbability(1.0))
    assert np.sum(with_self.source_node_id == with_self.target_node_id) == 300


@pytest.mark.parametrize("autapses", [True, False])
def test_fixed_indegree_is_exact_and_distinct(autapses):
    table = _edges(_net(200), FixedInDegree(30, allow_autapses=autapses))
    assert np.all(np.bincount(table.target_node_id, minlength=200) == 30)
    pairs = table.target_node_id.to_numpy() * 200 + table.source_node_id.to_numpy()
    assert np.unique(pairs).size == pairs.size
    assert autapses or not np.any(table.source_node_id == table.target_node_id)


def test_fixed_indegree_dense_rows_use_complement():
    table = _edges(_net(50), FixedInDegree(45, allow_autapses=False))
    assert np.all(np.bincount(table.target_node_id, minlength=50) == 45)
    assert not np.any(table.source_node_id == table.target_node_id)


def test_fixed_indegree_with_multapses_sums_to_n():
    table = _edges(_net(20), FixedInDegree(60, allow_multapses=True))
    per_target = np.bincount(table.target_node_id, weights=table.nsyns, minlength=20)
    assert np.all(per_target == 60)
    assert table.nsyns.max() > 1


def test_fixed_outdegree_is_exact():
    table = _edges(_net(300), FixedOutDegree(12, allow_autapses=False))
    assert np.all(np.bincount(table.source_node_id, minlength=300) == 12)
    assert not np.any(table.source_node_id == table.target_node_id)


def test_fixed_outdegree_with_multapses_sums_to_n():
    table = _edges(_net(20), FixedOutDegree(60, allow_multapses=True))
    per_source = np.bincount(table.source_node_id, weights=table.nsyns, minlength=20)
    assert np.all(per_source == 60)
    assert table.nsyns.max() > 1


def test_fixed_total_number():
    table = _edges(_net(100), FixedTotalNumber(2500, allow_multapses=False))
    assert len(table) == 2500 and table.nsyns.sum() == 2500
    table = _edges(_net(10), FixedTotalNumber(500, allow_multapses=True, allow_autapses=False))
    assert table.nsyns.sum() == 500
    assert not np.any(table.source_node_id == table.target_node_id)


def test_one_to_one_and_all_to_all():
    net = NetworkBuilder("a", seed=1)
    net.add_nodes(N=5, pop_name="x")
    net.add_nodes(N=5, pop_name="y")
    net.add_edges(source=net.nodes(pop_name="x"), target=net.nodes(pop_name="y"), connection_rule=OneToOne(nsyns=3))
    net.add_edges(source=net.nodes(pop_name="y"), target=net.nodes(pop_name="x"), connection_rule=AllToAll())
    net.build(block_size=3)
    t = net.edges_table()
    one = t[t.edge_type_id == 100]
    assert list(zip(one.source_node_id, one.target_node_id)) == [(i, i + 5) for i in range(5)]
    assert np.all(one.nsyns == 3)
    assert (t.edge_type_id == 101).sum() == 25


@pytest.mark.parametrize("profile", ["gaussian", "exponential"])
def test_distance_rule_respects_cutoff_and_profile(profile):
    rng = np.random.default_rng(5)
    pos = rng.uniform(0, 1000, (3000, 3)) * np.array([1, 1, 0.05])
    rule = DistanceProbability(p_max=0.8, sigma=60.0, profile=profile, cutoff=150.0, allow_autapses=False)
    net = _net(3000, positions=pos)
    table = _edges(net, rule, block_size=500)
    d = np.linalg.norm(pos[table.source_node_id] - pos[table.target_node_id], axis=1)
    assert d.max() <= 150.0 and len(table) > 1000
    # connected fraction of close pairs ~ p(d): compare in two distance bins
    from scipy.spatial import cKDTree
    all_pairs = cKDTree(pos).query_pairs(150.0, output_type="ndarray")
    all_d = np.linalg.norm(pos[all_pairs[:, 0]] - pos[all_pairs[:, 1]], axis=1)
    for lo, hi in ((0.0, 40.0), (80.0, 120.0)):
        n_possible = 2 * np.sum((all_d >= lo) & (all_d < hi))      # both directions
        n_made = np.sum((d >= lo) & (d < hi))
        expected = np.mean(rule.probability(all_d[(all_d >= lo) & (all_d < hi)])) * n_possible
        assert abs(n_made - expected) < 5 * np.sqrt(expected) + 5


def test_user_vectorised_rule_and_param_passing():
    @vectorised
    def nearest_neighbour_in_id(sources, targets, rng, offset):
        src = (targets.node_ids + offset) % 50
        return src, targets.node_ids, np.full(len(targets), 2)

    net = _net(50)
    net.add_edges(connection_rule=nearest_neighbour_in_id, connection_params={"offset": 1})
    net.build(block_size=7)
    t = net.edges_table()
    assert list(t.source_node_id) == [(i + 1) % 50 for i in range(50)] and np.all(t.nsyns == 2)


def test_rule_by_name():
    table = _edges(_net(100), "fixed_indegree", connection_params={"n": 4})
    assert np.all(np.bincount(table.target_node_id, minlength=100) == 4)


def test_distinct_per_row_mixed_density():
    rng = np.random.default_rng(2)
    rows, vals = distinct_per_row(np.array([0, 3, 10, 9]), np.array([5, 5, 10, 12]), rng)
    assert list(np.bincount(rows, minlength=4)) == [0, 3, 10, 9]
    for r in range(4):
        v = vals[rows == r]
        assert np.unique(v).size == v.size and (v.size == 0 or v.max() < [5, 5, 10, 12][r])


def test_rule_seed_overrides_builder_seed():
    tables = []
    for builder_seed in (1, 2):
        net = _net(200, seed=builder_seed)
        net.add_edges(connection_rule=FixedProbability(0.1, seed=42))
        net.add_edges(connection_rule=FixedProbability(0.1))
        net.build()
        tables.append(net.edges_table())
    a, b = tables
    same = a[a.edge_type_id == 100].reset_index(drop=True), b[b.edge_type_id == 100].reset_index(drop=True)
    assert same[0].equals(same[1])
    assert not a[a.edge_type_id == 101].reset_index(drop=True).equals(b[b.edge_type_id == 101].reset_index(drop=True))


def test_bmtk_iterators_one_to_all_and_all_to_one():
    def out_rule(source, targets, k):
        return [k if t.node_id == (source.node_id + 1) % 30 else 0 for t in targets]

    def in_rule(sources, target):
        return [1 if s["group"] == target["group"] else None for s in sources]

    net = NetworkBuilder("it", seed=1)
    net.add_nodes(N=30, group=np.arange(30) % 3)
    net.add_edges(connection_rule=out_rule, connection_params={"k": 2}, iterator="one_to_all")
    net.add_edges(connection_rule=in_rule, iterator="all_to_one")
    net.build(block_size=8)
    t = net.edges_table()
    ring = t[t.edge_type_id == 100]
    assert sorted(zip(ring.source_node_id, ring.target_node_id)) == [(i, (i + 1) % 30) for i in range(30)]
    assert np.all(ring.nsyns == 2)
    same = t[t.edge_type_id == 101]
    assert len(same) == 30 * 10 and np.all(same.source_node_id % 3 == same.target_node_id % 3)
    assert np.all(np.diff(t.target_node_id) >= 0)


def test_fixed_probability_memory_grows_with_edges_not_pairs():
    """20,000 x 20,000 pairs at p = 5e-4: a dense pair matrix would need >= 400 MB."""
    import tracemalloc
    net = NetworkBuilder("big", seed=1)
    net.add_nodes(N=20_000)
    net.add_edges(connection_rule=FixedProbability(5e-4))
    tracemalloc.start()
    net.build()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert 150_000 < net.nedges < 250_000
    assert peak < 40e6, f"peak {peak / 1e6:.0f} MB"


def test_edges_and_nodes_iter_compat():
    net = _net(50)
    net.add_edges(connection_rule=FixedInDegree(2), syn_weight=1.5)
    net.build()
    rows = net.edges(target_node_id=[3, 4])
    assert len(rows) == 4 and {r["target_node_id"] for r in rows} == {3, 4}
    assert [n.node_id for n in net.nodes_iter([5, 6])] == [5, 6]
