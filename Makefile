# One-command set-up for bmtk_like. Everything lands in .venv/ inside the checkout.
#   make demo   set up, build the example E/I circuit, validate it, simulate it, write spikes + raster
#   make test   set up (incl. Open MPI from Debian when run as root), run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

BMTK_VENV := .venv-bmtk
MPICH_VENV := .venv-mpich

.PHONY: setup demo test test-fast mpi mpi-pip bmtk-ref

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[all]' -c constraints.txt
	touch $(STAMP)

setup: $(STAMP)

# Open MPI from Debian for the MPI tests; skipped (tests then say why) when not root.
mpi:
	@if command -v mpirun >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Open MPI from Debian..."; \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin libopenmpi-dev >/dev/null; \
	else echo "note: mpirun not found and not root: MPI tests will be skipped"; fi

# MPI from PyPI alone, no root (docs/coreneuron.md): MPICH's wheel in its own virtualenv, which borrows
# .venv's packages. Never install it into .venv itself: mpi4py would then prefer it under Debian's mpirun.
$(MPICH_VENV)/.installed-stamp: $(STAMP)
	@test -x $(MPICH_VENV)/bin/python || $(PY) -m venv $(MPICH_VENV)
	@$(BIN)/python -c "import sysconfig; print('import site; site.addsitedir(%r)' % sysconfig.get_paths()['purelib'])" \
	  > "$$($(MPICH_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/bmtk_like_venv.pth"
	@$(MPICH_VENV)/bin/python -m pip install -q $$(grep '^mpich==' constraints.txt) && touch $@ \
	  || echo "note: could not install the mpich wheel; the pip-MPI test will skip"

mpi-pip: $(MPICH_VENV)/.installed-stamp

# bmtk 1.2.0 in its own virtualenv: the reference our files must stay readable by (tests, benchmarks).
$(BMTK_VENV)/.installed-stamp:
	@test -x $(BMTK_VENV)/bin/python || $(PY) -m venv $(BMTK_VENV)
	@$(BMTK_VENV)/bin/python -m pip install -q bmtk==1.2.0 && touch $@ \
	  || echo "note: could not install bmtk 1.2.0; tests that read our files with bmtk will skip"

bmtk-ref: $(BMTK_VENV)/.installed-stamp

demo: setup
	$(BIN)/python examples/ei_network/run_demo.py

test: setup mpi mpi-pip bmtk-ref
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not mpi" $(PYTEST_ARGS)
