# Spanscope: `make run` opens the app, `make test` runs the whole suite headless.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: run test bench lint package fuzz clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamps so a second `make` does not reinstall; pyproject changes trigger a reinstall.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[test,dev]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(VENV)/bin/spanscope $(ARGS)

test: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(PY) bench/bench.py $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/mypy app/spanscope/model app/spanscope/store app/spanscope/importers app/spanscope/core
	$(VENV)/bin/lint-imports

package: $(VENV)/.installed-test
	$(PIP) install --quiet -e ".[package]"
	$(VENV)/bin/pyinstaller packaging/spanscope.spec --noconfirm --distpath build/dist --workpath build/work
	bash packaging/smoke.sh build/dist/spanscope/spanscope

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
