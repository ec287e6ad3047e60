"""The check `make run` does before the window starts: every missing Qt system library named,
and one install command per system."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from spanscope import desktop_libraries as dl

LDD_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-util.so.1 => not found
\tlibweird-thing.so.3 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
"""


def test_every_missing_library_is_named_once_in_order() -> None:
    missing = dl.missing_in(LDD_MISSING)
    assert missing.libraries == (
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1",
        "libxkbcommon-x11.so.0",
        "libxcb-util.so.1",
        "libweird-thing.so.3",
    )
    assert missing.unknown == ("libweird-thing.so.3",)


def test_one_command_per_system_installs_everything_known() -> None:
    missing = dl.missing_in(LDD_MISSING)
    assert missing.apt_command() == (
        "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 "
        "libxkbcommon-x11-0 libxcb-util1"
    )
    assert missing.dnf_command() == (
        "sudo dnf install -y xcb-util-cursor xcb-util-wm xcb-util-keysyms libxkbcommon-x11 xcb-util"
    )
    text = missing.message()
    assert "6 system libraries" in text
    assert missing.apt_command() in text and missing.dnf_command() in text
    assert "libweird-thing.so.3" in text.splitlines()[-1]  # named, to be searched for


def test_packages_shared_by_several_libraries_are_listed_once() -> None:
    missing = dl.missing_in(
        "libxcb-shm.so.0 => not found\nlibxcb-randr.so.0 => not found\nlibxcb.so.1 => not found\n"
    )
    assert missing.packages(1) == ["libxcb"]
    assert missing.packages(0) == ["libxcb-shm0", "libxcb-randr0", "libxcb1"]


def test_nothing_missing_reads_nothing() -> None:
    assert dl.missing_in("libc.so.6 => /lib/libc.so.6 (0x1)\n").libraries == ()


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {}, True),
        ("linux", {"QT_QPA_PLATFORM": "xcb"}, True),
        ("linux", {"QT_QPA_PLATFORM": "offscreen"}, False),
        ("linux", {"WAYLAND_DISPLAY": "wayland-0"}, False),
        ("darwin", {}, False),
        ("win32", {}, False),
    ],
)
def test_checked_only_where_the_xcb_plugin_loads(
    platform: str, env: dict[str, str], expected: bool
) -> None:
    assert dl.needs_check(platform, env) is expected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux only")
def test_the_installed_plugin_is_found_without_importing_qt() -> None:
    plugin = dl.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so" and plugin.exists()


def _run_check(tmp_path: Path, ldd_output: str) -> subprocess.CompletedProcess[str]:
    """`python -m spanscope.desktop_libraries` as `make run` runs it, with an `ldd` on PATH
    that hides libraries the way a fresh machine lacks them."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "ldd.out").write_text(ldd_output)
    ldd = bin_dir / "ldd"
    ldd.write_text(f"#!/bin/sh\ncat '{tmp_path / 'ldd.out'}'\n")
    ldd.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    return subprocess.run(
        [sys.executable, "-m", "spanscope.desktop_libraries"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux only")
def test_make_run_check_stops_with_the_install_command(tmp_path: Path) -> None:
    done = _run_check(tmp_path, LDD_MISSING)
    assert done.returncode == 1
    assert "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4" in done.stderr
    assert "sudo dnf install -y xcb-util-cursor" in done.stderr
    assert done.stdout == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux only")
def test_make_run_check_passes_quietly_when_all_is_there(tmp_path: Path) -> None:
    done = _run_check(tmp_path, "libc.so.6 => /lib/libc.so.6 (0x1)\n")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_readme_lists_every_package_the_check_may_ask_for() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text().replace("\\\n", " ")
    words = set(readme.split())
    everything = dl.Missing(tuple(dl.PACKAGES))
    assert set(everything.packages(0)) <= words
    assert set(everything.packages(1)) <= words
