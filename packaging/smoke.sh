#!/bin/sh
# Smoke test of a built bundle (run by `make package`): with the bundled executable only, import
# one file of every built-in format, query, price, diff and export them, and open the window
# offscreen with the demo dataset; fails on any sign of a missing module or data file.
#
#     packaging/smoke.sh [path/to/spanscope-executable]
#
# Defaults to build/dist/spanscope/spanscope (what `make package` builds). The checks are in
# smoke.py, run by the Python that built the bundle (PYTHON) or python3; it never imports
# Spanscope, so only the bundle is tested.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
exe=${1:-"$here/../build/dist/spanscope/spanscope"}
exec "${PYTHON:-python3}" "$here/smoke.py" "$exe"
