# Spanscope: `make run` opens the app, `make test` runs the whole suite headless.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: run test bench lint package fuzz crash-loop clean

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

# Kill an import 200 times at random moments and check the database after each kill.
CRASH_RUNS ?= 200
crash-loop: $(VENV)/.installed-test
	$(PY) bench/crash_loop.py --runs $(CRASH_RUNS)

# The long fuzz run: many hypothesis examples, then atheris when it installs (the suite runs
# a short version of the same tests).
FUZZ_EXAMPLES ?= 2000
fuzz: $(VENV)/.installed-test
	SPANSCOPE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q \
		--timeout 7200 tests/test_fuzz_importers.py tests/test_fuzz_filters.py
	@if $(PIP) install --quiet -e ".[fuzz]"; then \
		$(PY) tests/fuzz_atheris.py filters -runs=200000 && \
		$(PY) tests/fuzz_atheris.py importers -runs=5000; \
	else echo "atheris did not install: the hypothesis run above is the fuzz run"; fi

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
