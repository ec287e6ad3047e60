#!/bin/sh
# Smoke test of a built bundle: the executable starts, prints its version and exits 0.
#
#     packaging/smoke.sh [path/to/spanscope-executable]
#
# Defaults to build/dist/spanscope/spanscope (what `make package` builds).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
exe=${1:-"$here/../build/dist/spanscope/spanscope"}

if [ ! -x "$exe" ]; then
    echo "smoke: no executable at $exe (build it with: make package)" >&2
    exit 1
fi

# No display is needed for --version, but make sure Qt never tries to open one.
status=0
output=$(QT_QPA_PLATFORM=offscreen "$exe" --version 2>&1) || status=$?
echo "$output"

if [ "$status" -ne 0 ]; then
    echo "smoke: FAILED: '$exe --version' exited with status $status" >&2
    exit 1
fi
case "$output" in
    *[Ss]panscope*) ;;
    *)
        echo "smoke: FAILED: '$exe --version' did not mention spanscope" >&2
        exit 1
        ;;
esac
echo "smoke: ok"
