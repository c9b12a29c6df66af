"""Open the store: check it exists and has a schema version this code knows."""

from __future__ import annotations

from pathlib import Path

import duckdb

from regiekamer.errors import StoreError
from regiekamer.store import schema


def connect(
    path: Path, *, create: bool = False, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """A connection to the store; refuses a missing store unless ``create``."""
    if not create and not path.exists():
        raise StoreError(f"Store {path} bestaat niet; maak hem aan met 'regiekamer init'.")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        hint = (
            " Een ander proces (een ingest of de server) heeft de store open; probeer het "
            "opnieuw als dat klaar is."
            if "lock" in str(exc).lower()
            else ""
        )
        raise StoreError(f"Store {path} kan niet worden geopend.{hint} ({exc})") from exc
    found = schema.version(con)
    if found > schema.CURRENT_VERSION:
        con.close()
        raise StoreError(
            f"Store {path} heeft schemaversie {found}; deze regiekamer kent tot "
            f"{schema.CURRENT_VERSION}. Werk regiekamer bij."
        )
    if not read_only and found < schema.CURRENT_VERSION:
        schema.migrate(con)
    return con
