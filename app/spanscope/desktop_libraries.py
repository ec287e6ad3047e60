"""Before the window starts on Linux: are the system libraries Qt's X11 (xcb) platform plugin
needs installed? If not, name every missing one and print the one command that installs them
all, for Debian/Ubuntu (apt) and Fedora (dnf).

Qt itself stops at the first missing library and names only that one, so a fresh machine needs
several rounds of guessing. This asks ``ldd`` about the plugin from the installed PySide6 (it
resolves the whole dependency tree and prints ``NAME => not found`` for each missing library)
and never imports Qt, so it works exactly when Qt would not.

``python -m spanscope.desktop_libraries`` exits with 1 when something is missing (``make run``
runs it first); nothing is checked off Linux or when Qt is told to use another platform.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Library file name → (Debian/Ubuntu package, Fedora package). The xcb plugin's whole tree as
# `ldd` shows it on a desktop install, minus what every system has (libc, libstdc++, zlib …).
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libXau.so.6": ("libxau6", "libXau"),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libpng16.so.16": ("libpng16-16", "libpng"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
}


@dataclass(frozen=True)
class Missing:
    """The libraries ``ldd`` could not find, and what installs them."""

    libraries: tuple[str, ...]

    @property
    def unknown(self) -> tuple[str, ...]:
        """Missing libraries with no package in the table (named, so they can be searched)."""
        return tuple(lib for lib in self.libraries if lib not in PACKAGES)

    def packages(self, system: int) -> list[str]:
        """Packages to install (0: apt, 1: dnf), each once, in the order first needed."""
        seen: dict[str, None] = {}
        for lib in self.libraries:
            if lib in PACKAGES:
                seen.setdefault(PACKAGES[lib][system], None)
        return list(seen)

    def apt_command(self) -> str:
        return "sudo apt-get install -y " + " ".join(self.packages(0))

    def dnf_command(self) -> str:
        return "sudo dnf install -y " + " ".join(self.packages(1))

    def message(self) -> str:
        """What the user reads: every missing library and the one command per system."""
        lines = [
            f"Spanscope's window needs {len(self.libraries)} system "
            f"librar{'y' if len(self.libraries) == 1 else 'ies'} that "
            f"{'is' if len(self.libraries) == 1 else 'are'} not installed:",
            "  " + " ".join(self.libraries),
        ]
        if self.packages(0):
            lines += [
                "Install them with one command:",
                f"  Debian/Ubuntu:  {self.apt_command()}",
                f"  Fedora:         {self.dnf_command()}",
            ]
        if self.unknown:
            lines.append(
                "Not in Spanscope's list (find the package with `apt-file search NAME` or "
                "`dnf provides '*/NAME'`): " + " ".join(self.unknown)
            )
        return "\n".join(lines)


def missing_in(ldd_output: str) -> Missing:
    """The libraries ``ldd`` reported as ``not found`` (each once, in its order)."""
    found: dict[str, None] = {}
    for line in ldd_output.splitlines():
        name, arrow, where = line.strip().partition("=>")
        if arrow and where.strip() == "not found":
            found.setdefault(name.strip(), None)
    return Missing(tuple(found))


def xcb_plugin() -> Path | None:
    """The xcb platform plugin of the installed PySide6, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        plugin = Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.exists():
            return plugin
    return None


def needs_check(platform: str = sys.platform, env: Mapping[str, str] = os.environ) -> bool:
    """Only Linux loads the xcb plugin, and not when Qt is told to use another platform or
    a Wayland session lets it use its Wayland plugin."""
    if not platform.startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.startswith("xcb")
    return not env.get("WAYLAND_DISPLAY")


def check(plugin: Path | None = None) -> Missing | None:
    """What is missing for ``plugin`` (the installed xcb plugin by default); None when the
    check cannot run (no ldd, no plugin), so a start is never blocked by the check itself."""
    plugin = plugin or xcb_plugin()
    ldd = shutil.which("ldd")
    if plugin is None or ldd is None:
        return None
    try:
        done = subprocess.run(
            [ldd, str(plugin)], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return missing_in(done.stdout)


def main() -> int:
    if not needs_check():
        return 0
    missing = check()
    if missing is None or not missing.libraries:
        return 0
    print(missing.message(), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
