#!/bin/sh
# The Linux desktop package (run by `make package` after the smoke test): checks the desktop
# entry, the AppStream metadata and the Flatpak manifest, then builds build/spanscope.flatpak
# from the bundle when flatpak-builder and the freedesktop 24.08 runtime and SDK are installed.
# A missing tool or runtime is said and skipped, so the folder bundle is still made without it.
#
#     packaging/flatpak.sh            # after `make package` built build/dist/spanscope
#     flatpak install --user build/spanscope.flatpak && flatpak run io.github.spanscope.Spanscope
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
app=io.github.spanscope.Spanscope
manifest="$here/$app.yml"
branch=24.08

case "$(uname -s)" in
    Linux) ;;
    *) echo "flatpak: Linux only; skipped"; exit 0 ;;
esac
if [ ! -x "$root/build/dist/spanscope/spanscope" ]; then
    echo "flatpak: no bundle at build/dist/spanscope (build it with: make package)" >&2
    exit 1
fi

if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$here/$app.desktop"
    echo "flatpak: desktop entry valid"
else
    echo "flatpak: desktop-file-validate not installed (desktop-file-utils): entry not checked"
fi
if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net --explain "$here/$app.metainfo.xml" >/dev/null
    echo "flatpak: AppStream metadata valid"
else
    echo "flatpak: appstreamcli not installed (appstream): metadata not checked"
fi

if ! command -v flatpak-builder >/dev/null; then
    echo "flatpak: flatpak-builder not installed: no .flatpak built (see packaging/README.md)"
    exit 0
fi
cd "$root/build"  # flatpak-builder keeps its state (.flatpak-builder/) in the current folder
flatpak-builder --show-manifest "$manifest" >/dev/null
echo "flatpak: manifest $app.yml read by flatpak-builder"

if ! flatpak info "org.freedesktop.Platform//$branch" >/dev/null 2>&1 ||
    ! flatpak info "org.freedesktop.Sdk//$branch" >/dev/null 2>&1; then
    echo "flatpak: runtime not installed (flatpak install flathub" \
        "org.freedesktop.Platform//$branch org.freedesktop.Sdk//$branch): no .flatpak built"
    exit 0
fi
flatpak-builder --force-clean --repo="$root/build/flatpak-repo" "$root/build/flatpak-app" "$manifest"
flatpak build-bundle "$root/build/flatpak-repo" "$root/build/spanscope.flatpak" "$app"
echo "flatpak: built build/spanscope.flatpak ($(du -h "$root/build/spanscope.flatpak" | cut -f1))"
