"""Whether copies and exports mask secrets: on unless the user turns it off.

Copies (trace or span as JSON or Markdown), OTLP exports and SQL console exports leave the
machine more often than the database does; API keys and bearer tokens that an instrumented
app recorded in its traces should not travel with them by accident. One checkable entry in
the File menu turns masking off (remembered in the settings file); every copy and export reads
:func:`masking_on` on the UI thread and hands the redactor to its worker.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from spanscope.core.redaction import SecretRedactor, export_redactor, mask_table
from spanscope.ui.settings import app_settings

KEY = "exports/mask_secrets"
TITLE = "Mask &keys and tokens in copies and exports"


def masking_on() -> bool:
    """The user's choice; True when never changed."""
    value = app_settings().value(KEY, True)
    return value not in (False, "false", "0", 0)


def set_masking(on: bool) -> None:
    settings = app_settings()
    settings.setValue(KEY, on)
    settings.sync()


def current_redactor() -> SecretRedactor | None:
    """The redactor a copy or export should use now (None when the user opted out)."""
    return export_redactor(masking_on())


def table_masker(redactor: SecretRedactor | None) -> Callable[[pa.Table], pa.Table] | None:
    """A page rewriter for console exports: text cells masked, a column whose name says it
    is a secret (``api_key``) masked whole; None when nothing is to be masked."""
    if redactor is None:
        return None

    def mask(table: pa.Table) -> pa.Table:
        return mask_table(redactor, table)

    return mask
