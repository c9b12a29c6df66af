"""Materialised KPI results in the store, so that faces answer in milliseconds.

A result is stored per (request key, KPI) with the versions of the tables that KPI reads
(``tabel_versie``, bumped by every ingest that changes a table). A lookup only returns rows whose
recorded versions still match: a new ingest invalidates exactly the KPIs that read what it touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import duckdb


def source_version(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> str:
    """A text fingerprint of the current versions of ``tables``."""
    names = sorted(set(tables))
    found = dict(
        con.execute(
            "SELECT tabel, versie FROM tabel_versie WHERE list_contains(?, tabel)", [names]
        ).fetchall()
    )
    return ",".join(f"{t}:{found.get(t, 0)}" for t in names)


def lookup(con: duckdb.DuckDBPyConnection, key: str, kpi: str, version: str) -> list[dict] | None:
    """The cached rows of ``kpi`` for this request, or None when absent or stale."""
    row = con.execute(
        "SELECT rijen FROM kpi_resultaat WHERE sleutel = ? AND kpi = ? AND bronversie = ?",
        [key, kpi, version],
    ).fetchone()
    return None if row is None else json.loads(row[0])


def save(con: duckdb.DuckDBPyConnection, key: str, kpi: str, version: str, rows: list) -> None:
    con.execute(
        "INSERT OR REPLACE INTO kpi_resultaat VALUES (?, ?, ?, ?, current_timestamp)",
        [key, kpi, version, json.dumps(rows, default=str)],
    )
