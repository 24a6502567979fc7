"""Vectorised connection rules: node tables in, ``(source_ids, target_ids, nsyns)`` arrays out.

A rule is called once per *block of targets* with the whole source selection
and a ``numpy.random.Generator`` private to that block, so blocks can be built
in any order or process and give the same edges. None allocates a
source × target matrix: costs grow with the edges made.

Write your own with the same signature::

    @vectorised
    def nearest_in_x(sources, targets, rng, n=5):
        ...                      # sources/targets: NodeArrays (node_ids, ['col'], positions)
        return source_ids, target_ids, nsyns     # or (source_ids, target_ids)

Rules whose choice depends on all targets at once (fixed out-degree, fixed
total number) draw their edges once in ``prepare`` and hand each block its share.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from scipy.spatial import cKDTree

from bmtk_like.errors import BuilderError
from builders.arguments import check_bool, check_count, check_nsyns, check_number, check_seed
from builders.node_table import NodeArrays
from builders.sampling import bernoulli_grid, counts_of_pairs, distinct_per_row, skip_index

Edges = tuple[np.ndarray, np.ndarray, np.ndarray]


def vectorised(func: Callable) -> Callable:
    """Mark ``func(sources, targets, rng, **params)`` as a vectorised rule (connection or property)."""
    func.vectorised = True
    return func


def is_vectorised(rule: Any) -> bool:
    return bool(getattr(rule, "vectorised", False))


class ConnectionRule:
    """Base class of vectorised connection rules.

    ``nsyns`` is the synapse count per connected pair: an int, or ``(low, high)``
    for a uniform integer count in ``[low, high]``. ``allow_autapses=False``
    forbids node i → node i when sources and targets are the same network.
    ``seed`` gives the rule its own random streams (default: the builder's seed).
    """
    vectorised = True

    def __init__(self, nsyns: int | tuple[int, int] = 1, allow_autapses: bool = True, seed: int | None = None):
        where = type(self).__name__
        self.nsyns = check_nsyns(nsyns, where)
        self.allow_autapses = check_bool(allow_autapses, "allow_autapses", where)
        self.seed = check_seed(seed, where)

    def prepare(self, sources: NodeArrays, targets: NodeArrays, rng: np.random.Generator) -> Any:
        """Work that needs every target at once; its result is passed to each ``connect``."""
        return None

    def connect(self, sources: NodeArrays, targets: NodeArrays, rng: np.random.Generator,
                state: Any = None) -> Edges:
        raise NotImplementedError

    # helpers -----------------------------------------------------------
    def synapse_counts(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if isinstance(self.nsyns, (tuple, list)):
            low, high = self.nsyns
            return rng.integers(int(low), int(high) + 1, size=n)
        return np.full(n, int(self.nsyns), dtype=np.int64)

    def forbid_self(self, sources: NodeArrays, targets: NodeArrays) -> bool:
        return not self.allow_autapses and sources.network_name == targets.network_name

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"


def _self_index(sources: NodeArrays, targets: NodeArrays) -> np.ndarray:
    """For each target, its row in ``sources`` (-1 if the target is not a source)."""
    pos = np.searchsorted(sources.node_ids, targets.node_ids)
    pos = np.minimum(pos, max(len(sources) - 1, 0))
    found = len(sources) > 0
    hit = (sources.node_ids[pos] == targets.node_ids) if found else np.zeros(len(targets), dtype=bool)
    return np.where(hit, pos, -1)


class FixedProbability(ConnectionRule):
    """Each (source, target) pair connects independently with probability ``p``."""

    def __init__(self, p: float, nsyns: int | tuple[int, int] = 1, allow_autapses: bool = True,
                 seed: int | None = None):
        super().__init__(nsyns, allow_autapses, seed)
        check_number(p, "p", "FixedProbability", minimum=0.0, required=True)
        if not 0.0 <= float(p) <= 1.0:
            raise BuilderError(f"FixedProbability: p must be in [0, 1], got {p}.")
        self.p = float(p)

    def connect(self, sources, targets, rng, state=None) -> Edges:
        rows, cols = bernoulli_grid(len(targets), len(sources), self.p, rng)
        src, trg = sources.node_ids[cols], targets.node_ids[rows]
        if self.forbid_self(sources, targets):
            keep = src != trg
            src, trg = src[keep], trg[keep]
        return src, trg, self.synapse_counts(src.size, rng)


class CountRule(ConnectionRule):
    """A rule fixing a number ``n`` of connections; ``allow_multapses`` lets a pair repeat (as nsyns)."""
    default_multapses = False

    def __init__(self, n: int, nsyns: int | tuple[int, int] = 1, allow_autapses: bool = True,
                 allow_multapses: bool | None = None, seed: int | None = None):
        super().__init__(nsyns, allow_autapses, seed)
        self.n = check_count(n, "n", type(self).__name__)
        self.allow_multapses = (self.default_multapses if allow_multapses is None
                                else check_bool(allow_multapses, "allow_multapses", type(self).__name__))


class FixedInDegree(CountRule):
    """Every target receives exactly ``n`` connections from distinct sources (or not, with multapses)."""

    def connect(self, sources, targets, rng, state=None) -> Edges:
        return _fixed_degree(sources, targets, self.n, self, rng, by="target")


class FixedOutDegree(CountRule):
    """Every source makes exactly ``n`` connections onto distinct targets of the selection."""

    def prepare(self, sources, targets, rng):
        src, trg, nsyns = _fixed_degree(targets, sources, self.n, self, rng, by="source")
        order = np.lexsort((src, trg))
        return src[order], trg[order], nsyns[order]

    def connect(self, sources, targets, rng, state=None) -> Edges:
        return _share_of_block(state, targets)


class FixedTotalNumber(CountRule):
    """Exactly ``n`` connections, (source, target) drawn uniformly over all allowed pairs (multapses allowed
    by default, as in NEST)."""
    default_multapses = True

    def prepare(self, sources, targets, rng):
        n_s, n_t = len(sources), len(targets)
        forbid = self.forbid_self(sources, targets)
        n_self = int(np.isin(targets.node_ids, sources.node_ids).sum()) if forbid else 0
        allowed = n_s * n_t - n_self
        if self.n > allowed and not self.allow_multapses:
            raise BuilderError(f"FixedTotalNumber: n={self.n} exceeds the {allowed} distinct pairs "
                               "available; lower n or set allow_multapses=True.")
        if self.n > 0 and allowed == 0:
            raise BuilderError("FixedTotalNumber: no allowed (source, target) pair; check the selections.")
        chosen = np.empty(0, dtype=np.int64)
        while chosen.size < self.n:
            need = self.n - chosen.size
            flat = rng.integers(0, n_s * n_t, size=need + need // 8 + 8, dtype=np.int64)
            if forbid:
                flat = flat[sources.node_ids[flat % n_s] != targets.node_ids[flat // n_s]]
            chosen = np.concatenate([chosen, flat])
            if not self.allow_multapses:
                _, first = np.unique(chosen, return_index=True)
                chosen = chosen[np.sort(first)]
            chosen = chosen[:self.n]
        src, trg, counts = counts_of_pairs(sources.node_ids[chosen % n_s], targets.node_ids[chosen // n_s])
        nsyns = counts * self.synapse_counts(counts.size, rng)
        return src, trg, nsyns

    def connect(self, sources, targets, rng, state=None) -> Edges:
        return _share_of_block(state, targets)


class OneToOne(ConnectionRule):
    """The i-th source connects to the i-th target (selections of equal size)."""

    def prepare(self, sources, targets, rng):
        if len(sources) != len(targets):
            raise BuilderError(f"OneToOne: source selection has {len(sources)} nodes but target "
                               f"selection has {len(targets)}; they must be the same size.")
        return targets.node_ids

    def connect(self, sources, targets, rng, state=None) -> Edges:
        rows = np.searchsorted(state, targets.node_ids)
        src, trg = sources.node_ids[rows], targets.node_ids
        if self.forbid_self(sources, targets):
            keep = src != trg
            src, trg = src[keep], trg[keep]
        return src, trg, self.synapse_counts(src.size, rng)


class AllToAll(ConnectionRule):
    """Every source connects to every target."""

    def connect(self, sources, targets, rng, state=None) -> Edges:
        src = np.tile(sources.node_ids, len(targets))
        trg = np.repeat(targets.node_ids, len(sources))
        if self.forbid_self(sources, targets):
            keep = src != trg
            src, trg = src[keep], trg[keep]
        return src, trg, self.synapse_counts(src.size, rng)


class DistanceProbability(ConnectionRule):
    """Connect with a probability falling with soma distance d (µm), zero beyond ``cutoff``.

    ``profile='gaussian'``: p = p_max·exp(-d²/(2σ²)), default cutoff 4σ;
    ``profile='exponential'``: p = p_max·exp(-d/λ) with λ = ``sigma``, default cutoff 5λ.
    ``axes`` picks the coordinates used (e.g. ``(0, 2)`` for x–z distance).
    Candidate pairs come from a k-d tree query within the cutoff, never all pairs.
    """

    def __init__(self, p_max: float, sigma: float, profile: str = "gaussian", cutoff: float | None = None,
                 nsyns: int | tuple[int, int] = 1, allow_autapses: bool = True,
                 axes: tuple[int, ...] = (0, 1, 2), seed: int | None = None):
        super().__init__(nsyns, allow_autapses, seed)
        if profile not in ("gaussian", "exponential"):
            raise BuilderError(f"DistanceProbability: profile must be 'gaussian' or 'exponential', got {profile!r}.")
        check_number(p_max, "p_max", "DistanceProbability", minimum=0.0, required=True)
        check_number(sigma, "sigma", "DistanceProbability", units=" µm", required=True)
        check_number(cutoff, "cutoff", "DistanceProbability", minimum=0.0, units=" µm")
        if sigma <= 0:
            raise BuilderError(f"DistanceProbability: sigma must be > 0 µm, got {sigma}.")
        self.p_max, self.sigma, self.profile = float(p_max), float(sigma), profile
        self.cutoff = float(cutoff) if cutoff is not None else (4.0 if profile == "gaussian" else 5.0) * self.sigma
        self.axes = tuple(axes)

    def probability(self, distance: np.ndarray) -> np.ndarray:
        """Connection probability at ``distance`` µm (0 beyond the cutoff)."""
        if self.profile == "gaussian":
            p = self.p_max * np.exp(-distance ** 2 / (2.0 * self.sigma ** 2))
        else:
            p = self.p_max * np.exp(-distance / self.sigma)
        return np.where(distance <= self.cutoff, p, 0.0)

    def prepare(self, sources, targets, rng):
        return cKDTree(sources.positions_or_error()[:, self.axes])

    def connect(self, sources, targets, rng, state=None) -> Edges:
        if len(targets) == 0 or len(sources) == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, empty
        block_tree = cKDTree(targets.positions_or_error()[:, self.axes])
        pairs = state.sparse_distance_matrix(block_tree, self.cutoff, output_type="ndarray")
        order = np.lexsort((pairs["i"], pairs["j"]))
        pairs = pairs[order]
        keep = rng.random(pairs.size) < self.probability(pairs["v"])
        src = sources.node_ids[pairs["i"][keep]]
        trg = targets.node_ids[pairs["j"][keep]]
        if self.forbid_self(sources, targets):
            ok = src != trg
            src, trg = src[ok], trg[ok]
        return src, trg, self.synapse_counts(src.size, rng)


def _fixed_degree(pool: NodeArrays, owners: NodeArrays, n: int, rule, rng, by: str) -> Edges:
    """``n`` partners from ``pool`` for each node of ``owners``; returns (source, target, nsyns)."""
    other = "sources" if by == "target" else "targets"
    forbid = rule.forbid_self(pool, owners) if by == "target" else rule.forbid_self(owners, pool)
    excluded = _self_index(pool, owners) if forbid else np.full(len(owners), -1, dtype=np.int64)
    n_cand = len(pool) - (excluded >= 0)
    if len(owners) and n > 0 and not rule.allow_multapses and np.any(n_cand < n):
        raise BuilderError(f"{type(rule).__name__}: n={n} but only {int(n_cand.min())} distinct {other} "
                           "are available; lower n or set allow_multapses=True.")
    if len(owners) and n > 0 and len(pool) == 0:
        raise BuilderError(f"{type(rule).__name__}: the {other} selection is empty.")
    counts = np.full(len(owners), n, dtype=np.int64)
    if rule.allow_multapses:
        rows = np.repeat(np.arange(len(owners)), counts)
        vals = np.floor(rng.random(rows.size) * n_cand[rows]).astype(np.int64)
    else:
        rows, vals = distinct_per_row(counts, n_cand, rng)
    vals = skip_index(vals, excluded[rows])
    mine, partner = owners.node_ids[rows], pool.node_ids[vals]
    src, trg = (partner, mine) if by == "target" else (mine, partner)
    if rule.allow_multapses:
        src, trg, counts = counts_of_pairs(src, trg)
        return src, trg, counts * rule.synapse_counts(counts.size, rng)
    return src, trg, rule.synapse_counts(src.size, rng)


def _share_of_block(state: Edges, targets: NodeArrays) -> Edges:
    """The prepared edges (sorted by target) whose target is in this block."""
    src, trg, nsyns = state
    if len(targets) == 0:
        return src[:0], trg[:0], nsyns[:0]
    lo, hi = np.searchsorted(trg, [targets.node_ids[0], targets.node_ids[-1] + 1])
    src, trg, nsyns = src[lo:hi], trg[lo:hi], nsyns[lo:hi]
    keep = np.isin(trg, targets.node_ids)
    return src[keep], trg[keep], nsyns[keep]


#: rule names usable as ``connection_rule='fixed_probability'`` with ``connection_params``
RULES: dict[str, type[ConnectionRule]] = {
    "fixed_probability": FixedProbability,
    "fixed_indegree": FixedInDegree,
    "fixed_in_degree": FixedInDegree,
    "fixed_outdegree": FixedOutDegree,
    "fixed_out_degree": FixedOutDegree,
    "fixed_total_number": FixedTotalNumber,
    "one_to_one": OneToOne,
    "all_to_all": AllToAll,
    "distance_probability": DistanceProbability,
}
