# Spanscope: `make run` opens the app, `make test` runs the whole suite headless.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: run test check lint golden bench package fuzz crash-loop check-exports clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamps so a second `make` does not reinstall; pyproject changes trigger a reinstall. A venv
# named from outside (`make check VENV=/path/to/.venv`) is used as it is, never reinstalled:
# it may be shared with another checkout.
ifneq ($(filter command line environment,$(origin VENV)),)
INSTALLED      :=
INSTALLED_TEST :=
else
INSTALLED      := $(VENV)/.installed
INSTALLED_TEST := $(VENV)/.installed-test
endif

# The checks read this checkout's code, whatever copy of the package the venv has installed.
HERE := PYTHONPATH=$(CURDIR)/app

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[test,dev]"
	touch $@ $(VENV)/.installed

# The window needs Qt's X11 system libraries on Linux: name every missing one and the command
# that installs them all before Qt stops at the first.
run: $(INSTALLED)
	$(PY) -m spanscope.desktop_libraries
	$(VENV)/bin/spanscope $(ARGS)

# The suite runs in one process per core (pytest-xdist); each test file stays in one process,
# so a file's module fixtures (a demo database, say) are built once. TEST_WORKERS=0 runs it in
# this process alone (a debugger, -x stopping at the first failure).
TEST_WORKERS ?= auto
test: check
	$(HERE) QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The guard rails (CONTRIBUTING.md, "Guard rails that run"): lint, types of the whole package,
# the import contracts of pyproject.toml, the command line running without Qt, and the table of
# conventions agreeing with the SQL mapping.
check: $(INSTALLED_TEST)
	$(VENV)/bin/ruff check app tests bench
	$(HERE) $(VENV)/bin/lint-imports
	$(HERE) $(VENV)/bin/mypy app/spanscope
	$(HERE) $(PY) -m pytest -q -p no:cacheprovider tests/test_headless.py tests/test_conventions.py

# Rewrite the expected rows of the golden tests after a meant mapping change; read the diff of
# tests/golden/*.csv against the inputs before committing it (tests/golden/README.md).
golden: $(INSTALLED_TEST)
	$(HERE) SPANSCOPE_UPDATE_GOLDEN=1 $(PY) -m pytest -q -p no:cacheprovider tests/test_golden.py
	git diff --stat -- tests/golden

bench: $(INSTALLED_TEST)
	$(PY) bench/bench.py $(BENCH_ARGS)

lint: check

# The bundle holds this checkout's app/ (PYTHONPATH), whatever copy the environment has
# installed; PyInstaller is installed once, without reinstalling the project.
package: $(INSTALLED_TEST)
	$(PY) -c "import PyInstaller" 2>/dev/null || $(PIP) install --quiet -e ".[package]"
	PYTHONPATH=app $(VENV)/bin/pyinstaller packaging/spanscope.spec --noconfirm \
		--distpath build/dist --workpath build/work
	PYTHON=$(PY) bash packaging/smoke.sh build/dist/spanscope/spanscope
	@du -sh build/dist/spanscope
	sh packaging/flatpak.sh

# Kill an import 200 times at random moments and check the database after each kill.
CRASH_RUNS ?= 200
crash-loop: $(INSTALLED_TEST)
	$(PY) bench/crash_loop.py --runs $(CRASH_RUNS)

# The long fuzz run: many hypothesis examples, then atheris when it installs (the suite runs
# a short version of the same tests).
FUZZ_EXAMPLES ?= 2000
fuzz: $(INSTALLED_TEST)
	SPANSCOPE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q \
		--timeout 7200 tests/test_fuzz_importers.py tests/test_fuzz_filters.py
	@if $(PIP) install --quiet -e ".[fuzz]"; then \
		$(PY) tests/fuzz_atheris.py filters -runs=200000 && \
		$(PY) tests/fuzz_atheris.py importers -runs=5000; \
	else echo "atheris did not install: the hypothesis run above is the fuzz run"; fi

# Every eval-set format loaded by its own consumer, each in its own environment (they do not
# install together; pins in tests/consumers/), then run end to end offline: promptfoo (npm;
# echo provider, offline grader) and an Inspect eval with its mock model.
CHECK_VENV ?= .venv-check-exports
CHECK_DIR  ?= build/check-exports
check-exports: $(INSTALLED_TEST)
	rm -rf $(CHECK_DIR)
	$(HERE) $(PY) tests/check_exports_e2e.py export $(CHECK_DIR)
	for tool in inspect ragas deepeval; do \
		test -x $(CHECK_VENV)-$$tool/bin/python || $(PYTHON) -m venv $(CHECK_VENV)-$$tool; \
		$(CHECK_VENV)-$$tool/bin/pip install --quiet -r tests/consumers/$$tool.txt || exit 1; \
		$(CHECK_VENV)-$$tool/bin/python tests/check_exports_e2e.py $$tool $(CHECK_DIR) || exit 1; \
	done
	$(PY) tests/check_exports_e2e.py promptfoo $(CHECK_DIR)

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
