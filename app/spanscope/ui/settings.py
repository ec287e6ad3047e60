"""The app's settings file, in one place so every panel reads and writes the same one."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from spanscope import paths


def app_settings() -> QSettings:
    """The settings file (INI) in the app's data directory."""
    return QSettings(str(paths.settings_file()), QSettings.Format.IniFormat)
