"""Every course notebook (examples/course/*.ipynb) executes top to bottom, in a scratch copy of the folder.

Each notebook ends with assertions on what it computed (f-I against the LIF formula, rates, the levels'
comparison), so a notebook that runs but shows wrong numbers fails here too.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COURSE = REPO / "examples" / "course"
NOTEBOOKS = sorted(COURSE.glob("*.ipynb"))

pytestmark = [pytest.mark.slow, pytest.mark.nest, pytest.mark.neuron]
for _module in ("nbclient", "nbformat", "ipykernel", "nest", "neuron"):
    if importlib.util.find_spec(_module) is None:
        pytest.skip(f"the course notebooks need {_module} (pip install -e '.[all]')", allow_module_level=True)


def test_the_course_has_six_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(notebook, tmp_path, monkeypatch, bmtk_examples):
    import nbformat
    from nbclient import NotebookClient

    work = tmp_path / "examples" / "course"
    skip = shutil.ignore_patterns("work", ".ipynb_checkpoints", "__pycache__", "network", "output*", "reduced")
    shutil.copytree(COURSE, work, ignore=skip)
    shutil.copytree(COURSE.parent / "multiscale_v1", work.parent / "multiscale_v1", ignore=skip)   # notebook 5
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("BMTK_LIKE_FIXTURES", str(bmtk_examples))
    monkeypatch.delenv("MPLBACKEND", raising=False)            # the kernel's inline backend draws the figures
    nb = nbformat.read(work / notebook.name, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    figures = sum(1 for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
                  if "image/png" in out.get("data", {}))
    assert figures >= 1, f"{notebook.name} drew no figure"
