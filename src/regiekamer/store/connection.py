"""Open the store: check it exists and has a schema version this code knows."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from regiekamer.errors import StoreError
from regiekamer.store import schema
from regiekamer.store.query_limits import WATCHDOG

# Served stores: path -> the one read-write connection that stays open while the process runs.
_served: dict[Path, duckdb.DuckDBPyConnection] = {}
# Served stores: path -> seconds a connection handed out may run (store/query_limits.py).
_time_limit: dict[Path, float] = {}
_served_lock = threading.Lock()


def share_one_instance(path: Path, *, time_limit: float | None = None) -> None:
    """From now on, every connection of this process to ``path`` is a cursor on one read-write
    connection, opened (and migrated) here. DuckDB allows one configuration per database file in
    a process, and a server writes (sessions, the access log, the KPI cache) while it reads:
    read-only connections would be refused. A cursor is also much cheaper than a new connection
    with its schema check, which matters on every request (benchmarks/bench_web.py).

    With ``time_limit``, every connection handed out is interrupted when it is still busy that
    many seconds later (store/query_limits.py), unless it is asked for with ``watch=False``."""
    resolved = path.resolve()
    with _served_lock:
        if resolved not in _served:
            _served[resolved] = connect(path)
        if time_limit is not None:
            _time_limit[resolved] = time_limit


def is_served(path: Path) -> bool:
    """True when this process serves ``path`` (`share_one_instance`)."""
    return path.resolve() in _served


def connect(
    path: Path, *, create: bool = False, read_only: bool = False, watch: bool = True
) -> duckdb.DuckDBPyConnection:
    """A connection to the store; refuses a missing store unless ``create``. On a served store
    it is watched by the query time limit unless ``watch`` is False (a backup)."""
    resolved = path.resolve()
    anchor = _served.get(resolved)
    if anchor is not None:
        with _served_lock:  # a cursor is its own connection; creating one is not thread-safe
            cursor = anchor.cursor()
        if watch and resolved in _time_limit:
            WATCHDOG.watch(cursor, _time_limit[resolved])
        return cursor
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
