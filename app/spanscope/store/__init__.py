"""The DuckDB file: schema and migrations, the single writer, and the read queries."""

from spanscope.store.database import (
    SCHEMA_VERSION,
    Database,
    DatabaseLocked,
    SchemaTooNew,
    StoreError,
)

__all__ = ["SCHEMA_VERSION", "Database", "DatabaseLocked", "SchemaTooNew", "StoreError"]
