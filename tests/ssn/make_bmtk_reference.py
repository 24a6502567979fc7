"""Regenerate ``bmtk_ssn_rates.csv``: bmtk 1.2.0's own run of ``examples/ssn_network``.

Builds the example into a temporary folder with this checkout, runs it with bmtk's popnet
(``target_simulator`` SSN) from the bmtk virtualenv, and copies bmtk's ``rates.csv``
(space-separated population node_id timestamps firing_rates) here:

    PYTHONPATH=. .venv/bin/python tests/ssn/make_bmtk_reference.py [--bmtk-python .venv-bmtk/bin/python]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORE = Path(__file__).with_name("bmtk_ssn_rates.csv")
BMTK_RUN = """
from bmtk.simulator import popnet
cfg = popnet.Config.from_json('config.json')
cfg.build_env()
net = popnet.PopNetwork.from_config(cfg)
sim = popnet.PopSimulator.from_config(cfg, net)
sim.run()
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bmtk-python", default=str(ROOT / ".venv-bmtk" / "bin" / "python"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ssn_network"
        shutil.copytree(ROOT / "examples" / "ssn_network", folder,
                        ignore=shutil.ignore_patterns("network", "output", "inputs"))
        subprocess.run([sys.executable, "build.py"], cwd=folder, check=True, env={"PYTHONPATH": str(ROOT)})
        subprocess.run([args.bmtk_python, "-c", BMTK_RUN], cwd=folder, check=True)
        shutil.copy(folder / "output" / "rates.csv", STORE)
    print(f"wrote {STORE}")


if __name__ == "__main__":
    main()
