"""Build the SSN example: a stabilized supralinear network of 4 excitatory and 4 inhibitory
rate units (two columns of 2 E + 2 I), driven by 2 external (virtual) units whose rates ramp
up and down. Writes ``network/`` (SONATA) and ``inputs/external_rates.csv``.

    python build.py            # from this folder; deterministic
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from builders import NetworkBuilder
from builders.rules import FixedProbability

HERE = Path(__file__).resolve().parent
DT_MS, TSTOP_MS = 0.5, 300.0
#: Ahmadian, Rubin & Miller (2013) 2-population SSN weights, split over the units they connect.
W = {("E", "E"): 1.25, ("E", "I"): 1.2, ("I", "E"): -0.65, ("I", "I"): -0.5}


def build(out_dir: Path = HERE) -> dict[str, Path]:
    cortex = NetworkBuilder("cortex")
    for name in ("E", "I"):
        cortex.add_nodes(N=4, pop_name=name, ei=name.lower(), column=np.array([0, 0, 1, 1]),
                         model_type="population", model_template="ssn:rate",
                         dynamics_params=f"{name.lower()}_unit.json")
    for (src, tgt), w in W.items():
        for col in (0, 1):      # within a column all-to-all; across columns 20% as strong
            for other, scale in ((col, 1.0), (1 - col, 0.2)):
                cortex.add_edges(source=cortex.nodes(pop_name=src, column=col),
                                 target=cortex.nodes(pop_name=tgt, column=other),
                                 connection_rule=FixedProbability(1.0, allow_autapses=True),
                                 syn_weight=w * scale / 2.0, model_template="ssn:weight")
    external = NetworkBuilder("external")
    external.add_nodes(N=2, pop_name="drive", model_type="virtual")
    for col in (0, 1):
        external.add_edges(source=external.nodes(node_id=col), target=cortex.nodes(column=col),
                           connection_rule=FixedProbability(1.0), syn_weight=1.0, model_template="ssn:weight")
    network_dir = Path(out_dir) / "network"
    for net in (cortex, external):
        net.build()
        net.save(str(network_dir), overwrite=True)

    nsteps = int(TSTOP_MS / DT_MS)
    t = np.arange(nsteps) * DT_MS
    ramp = np.clip(np.minimum(t - 20.0, 220.0 - t) / 50.0, 0.0, 1.0)       # 0 -> 1 -> 0
    rows = [pd.DataFrame({"node_id": node, "population": "external", "timestamps": t,
                          "firing_rates": peak * ramp}) for node, peak in ((0, 20.0), (1, 40.0))]
    inputs_dir = Path(out_dir) / "inputs"
    inputs_dir.mkdir(parents=True, exist_ok=True)
    rates = inputs_dir / "external_rates.csv"
    pd.concat(rows, ignore_index=True).to_csv(rates, sep=" ", index=False)
    return {"network": network_dir, "inputs": rates}


if __name__ == "__main__":
    for what, path in build().items():
        print(f"{what}: {path}")
