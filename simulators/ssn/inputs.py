"""Initial states and external rates of SSN units, from the config's ``inputs`` (bmtk's modules).

``"input_type": "init_states"`` (every unit starts at 0 without one):
  * ``constant``: ``initial_state`` for every unit of ``node_set``;
  * ``list``: ``initial_states``, one per unit of ``node_set`` (``shuffle`` permutes them, seeded
    by ``seed`` or ``run.seed``);
  * ``random``: ``distribution`` uniform (``low``, ``high``), normal (``mean``, ``std``), poisson
    (``lambda``) or lognormal (``mean``, ``sigma``), seeded likewise;
  * ``csv``: ``file`` with columns ``index_col`` (default node_id) and ``value_col`` (default
    initial_state), separator ``sep`` (default a space).
``"input_type": "external_rates"`` (rates of external units per step; 0 without one):
  * ``npy``: ``file`` holding one series, given to every unit of ``node_set`` (cut or padded
    with zeros to the run's steps, as bmtk);
  * ``csv``: ``file`` with columns ``node_id``, ``population``, ``firing_rates`` (one row per
    step, in order), separator ``sep`` (default a space);
  * ``h5``/``sonata``: ``file`` with ``/rates/<population>/data`` (steps × nodes) and
    ``mapping/node_ids``.
``node_set`` defaults to "all". bmtk's ``function`` modules call Python functions registered
in a script, which a config alone cannot name: they are an error saying so.
"""
from __future__ import annotations

from typing import Any

import h5py
import numpy as np
import pandas as pd

from bmtk_like.errors import ConfigError

INIT_MODULES = ("constant", "list", "random", "csv")
RATE_MODULES = ("npy", "csv", "h5", "sonata")


def _p(spec: Any, key: str, default: Any = None) -> Any:
    return spec.params.get(key, default)


def initial_states(network: Any, specs: list, seed: Any) -> np.ndarray:
    """Initial rate of every recurrent unit."""
    out = np.zeros(network.n_recurrent)
    for spec in specs:
        where = f"input '{spec.name}' (init_states, module {spec.module})"
        units = network.units_of(spec.node_set or "all", where)
        units = units[units < network.n_recurrent]
        rng = np.random.default_rng(_p(spec, "seed", seed))
        if spec.module == "constant":
            values = np.full(units.size, float(_required(spec, "initial_state", where)))
        elif spec.module == "list":
            values = np.asarray(_required(spec, "initial_states", where), dtype=float)
            if values.size != units.size:
                raise ConfigError(f"{where}: initial_states has {values.size} values for {units.size} units")
            if _p(spec, "shuffle", False):
                values = rng.permutation(values)
        elif spec.module == "random":
            values = _random(spec, rng, units.size, where)
        elif spec.module == "csv":
            table = pd.read_csv(_required(spec, "file", where), sep=_p(spec, "sep", " "))
            index_col, value_col = _p(spec, "index_col", "node_id"), _p(spec, "value_col", "initial_state")
            for col in (index_col, value_col):
                if col not in table.columns:
                    raise ConfigError(f"{where}: {_p(spec, 'file')} has no column '{col}' (columns: "
                                      f"{list(table.columns)})")
            lookup = dict(zip(table[index_col].astype(int), table[value_col].astype(float)))
            ids = network.node_ids[units]
            has = np.array([int(i) in lookup for i in ids], dtype=bool)
            if _p(spec, "strict_mapping", False) and not has.all():
                raise ConfigError(f"{where}: node ids {ids[~has][:5].tolist()} are not in {_p(spec, 'file')}")
            units = units[has]
            values = np.array([lookup[int(i)] for i in ids[has]])
        else:
            raise _unknown(where, spec.module, INIT_MODULES)
        out[units] = values
    return out


def _random(spec: Any, rng: np.random.Generator, size: int, where: str) -> np.ndarray:
    dist = _required(spec, "distribution", where)
    if dist == "uniform":
        return rng.uniform(_p(spec, "low", 0.0), _p(spec, "high", 1.0), size)
    if dist == "normal":
        return rng.normal(_p(spec, "mean", 0.0), _p(spec, "std", 1.0), size)
    if dist == "poisson":
        return rng.poisson(_p(spec, "lambda", 1.0), size).astype(float)
    if dist == "lognormal":
        return rng.lognormal(_p(spec, "mean", 0.0), _p(spec, "sigma", 1.0), size)
    raise ConfigError(f"{where}: distribution '{dist}' is not one of uniform, normal, poisson, lognormal")


def external_rates(network: Any, specs: list, nsteps: int) -> np.ndarray:
    """Rates (steps × external units) of the external units."""
    n_rec = network.n_recurrent
    out = np.zeros((nsteps, network.n_units - n_rec))
    for spec in specs:
        where = f"input '{spec.name}' (external_rates, module {spec.module})"
        units = network.units_of(spec.node_set or "all", where)
        if spec.module == "npy":
            series = np.load(_required(spec, "file", where)).ravel()[:nsteps]
            series = np.concatenate([series, np.zeros(nsteps - series.size)])
            out[:, units[units >= n_rec] - n_rec] = series[:, None]
        elif spec.module == "csv":
            table = pd.read_csv(_required(spec, "file", where), sep=_p(spec, "sep", " "))
            for u in units[units >= n_rec]:
                rows = table[(table["node_id"] == network.node_ids[u]) & (table["population"] == network.populations[u])]
                if len(rows):
                    out[:, u - n_rec] = _fit(rows["firing_rates"].to_numpy(dtype=float), nsteps, where)
        elif spec.module in ("h5", "sonata"):
            with h5py.File(_required(spec, "file", where), "r") as h5:
                for u in units[units >= n_rec]:
                    grp = h5[f"rates/{network.populations[u]}"]
                    col = np.flatnonzero(grp["mapping/node_ids"][()] == network.node_ids[u])
                    if col.size:
                        out[:, u - n_rec] = _fit(grp["data"][:, col[0]], nsteps, where)
        elif spec.module == "function":
            raise ConfigError(f"{where}: bmtk's 'function' modules call a Python function registered in a run "
                              "script; give the rates as an npy, csv or h5 file instead")
        else:
            raise _unknown(where, spec.module, RATE_MODULES)
    return out


def _fit(series: np.ndarray, nsteps: int, where: str) -> np.ndarray:
    if series.size != nsteps:
        raise ConfigError(f"{where}: a rate series has {series.size} values but the run has {nsteps} steps "
                          "((tstop - tstart) / dt); one value per step is needed")
    return series


def _required(spec: Any, key: str, where: str) -> Any:
    if key not in spec.params:
        raise ConfigError(f"{where}: needs '{key}'; it has {sorted(spec.params)}")
    return spec.params[key]


def _unknown(where: str, module: str, known: tuple) -> ConfigError:
    return ConfigError(f"{where}: module '{module}' is not one of {list(known)}")
