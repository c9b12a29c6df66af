"""Materialised KPI results in the store, so that faces answer in milliseconds.

A result is stored per (request key, KPI) with the versions of the tables that KPI reads
(``tabel_versie``, bumped by every ingest that changes a table). A lookup only returns rows whose
recorded versions still match: a new ingest invalidates exactly the KPIs that read what it touched.
The rows are a plain table (``kpi_resultaat``), one nullable column per dimension.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import duckdb
import pyarrow as pa

_DIMS = ("wet", "gemeente", "aanbieder", "productcategorie", "verwijzer", "leeftijdsgroep")
_COLUMNS = ("periode", *_DIMS, "waarde", "n", "voorlopig")
_TYPES = (pa.string(),) * 7 + (pa.float64(), pa.int64(), pa.bool_())


def table_versions(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The current version of every table (one query; pass it to ``source_version``)."""
    return dict(con.execute("SELECT tabel, versie FROM tabel_versie").fetchall())


def source_version(
    con: duckdb.DuckDBPyConnection,
    tables: Iterable[str],
    current: dict[str, int] | None = None,
) -> str:
    """A text fingerprint of the current versions of ``tables`` (from ``current`` when given,
    as read by ``table_versions`` in the same request)."""
    names = sorted(set(tables))
    found = current if current is not None else table_versions(con)
    return ",".join(f"{t}:{found.get(t, 0)}" for t in names)


def computed(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, str]:
    """KPI id -> source version of every cached result of one request key (one query)."""
    return dict(
        con.execute(
            "SELECT kpi, bronversie FROM kpi_berekening WHERE sleutel = ?", [key]
        ).fetchall()
    )


def lookup(
    con: duckdb.DuckDBPyConnection,
    key: str,
    kpi: str,
    version: str,
    dims: Sequence[str],
    known: dict[str, str] | None = None,
) -> pa.Table | None:
    """The cached cells (periode, dims, waarde, n, voorlopig) or None when absent or stale
    (``known``: what ``computed`` read for this key in the same connection, saving a query)."""
    if known is None:
        known = dict(
            con.execute(
                "SELECT kpi, bronversie FROM kpi_berekening WHERE sleutel = ? AND kpi = ?",
                [key, kpi],
            ).fetchall()
        )
    if known.get(kpi) != version:
        return None
    cols = ", ".join(["periode", *dims, "waarde", "n", "voorlopig"])
    order = ", ".join(f"{c} NULLS LAST" for c in ["periode", *dims])
    return con.execute(
        f"SELECT {cols} FROM kpi_resultaat WHERE sleutel = ? AND kpi = ? ORDER BY {order}",
        [key, kpi],
    ).to_arrow_table()


def save(
    con: duckdb.DuckDBPyConnection, key: str, kpi: str, version: str, cells: list[dict]
) -> None:
    """Replace the cached cells of ``kpi`` for this request, in one transaction."""
    data = pa.table(
        {c: pa.array([r.get(c) for r in cells], t) for c, t in zip(_COLUMNS, _TYPES, strict=True)}
    )
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM kpi_resultaat WHERE sleutel = ? AND kpi = ?", [key, kpi])
        con.execute("DELETE FROM kpi_berekening WHERE sleutel = ? AND kpi = ?", [key, kpi])
        con.register("cache_rows", data)
        con.execute(
            "INSERT INTO kpi_resultaat BY NAME SELECT ? AS sleutel, ? AS kpi, * FROM cache_rows",
            [key, kpi],
        )
        con.unregister("cache_rows")
        con.execute(
            "INSERT INTO kpi_berekening VALUES (?, ?, ?, current_timestamp)", [key, kpi, version]
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
