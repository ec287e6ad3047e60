"""The Qt binding must keep Python's reference counts intact.

PySide6 6.12.0 returns None from void methods without taking a reference, which aborts
CPython 3.11 ("deallocating None") after enough calls: seconds of normal use. The version
range in pyproject.toml excludes it; this test fails if a broken build comes back.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel

class Probe(QObject):
    changed = Signal(int)

app = QApplication([])
label, probe = QLabel(), Probe()
before = sys.getrefcount(None)
for i in range(300_000):
    label.setText("x")
    probe.changed.emit(i)
print(sys.getrefcount(None) - before)
"""


def test_void_calls_and_signals_keep_none_alive() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert abs(int(done.stdout.strip().splitlines()[-1])) < 100
