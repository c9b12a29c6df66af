"""Materialised KPI results in the store, so that faces answer in milliseconds.

A result is stored per (request key, KPI) with the versions of the tables that KPI reads
(``tabel_versie``, bumped by every ingest that changes a table). A lookup only returns rows whose
recorded versions still match: a new ingest invalidates exactly the KPIs that read what it touched.
The rows are a plain table (``kpi_resultaat``), one nullable column per dimension.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

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


def lookup(
    con: duckdb.DuckDBPyConnection, key: str, wanted: dict[str, tuple[str, Sequence[str]]]
) -> dict[str, pa.Table]:
    """The cached cells (periode, dims, waarde, n, voorlopig) of every KPI in ``wanted``
    (id -> (source version, output dims)) whose cached result is still current; stale or absent
    KPIs are left out. One query for the whole request: a page asks for up to 28 KPIs at once."""
    if not wanted:
        return {}
    ids = list(wanted)
    marks = ", ".join("?" for _ in ids)
    current = dict(
        con.execute(
            f"SELECT kpi, bronversie FROM kpi_berekening WHERE sleutel = ? AND kpi IN ({marks})",
            [key, *ids],
        ).fetchall()
    )
    fresh = [k for k in ids if current.get(k) == wanted[k][0]]
    if not fresh:
        return {}
    marks = ", ".join("?" for _ in fresh)
    cached = con.execute(
        f"SELECT kpi, {', '.join(_COLUMNS)} FROM kpi_resultaat "
        f"WHERE sleutel = ? AND kpi IN ({marks})",
        [key, *fresh],
    ).to_arrow_table()
    found = {}
    for k in fresh:
        dims = list(wanted[k][1])
        cells = cached.filter(pc.equal(cached["kpi"], k)).select(
            ["periode", *dims, "waarde", "n", "voorlopig"]
        )
        order = [(c, "ascending", "at_end") for c in ["periode", *dims]]
        found[k] = cells.sort_by(order) if cells.num_rows else cells
    return found


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


class Memo:
    """The output rows of recent cached results, in this process, so that a server answers a
    repeated request without reading ``kpi_resultaat`` again. Keyed like the store's cache by
    (request key, KPI, source version): a new ingest changes the version, so a stale entry is
    never returned, only forgotten. Bounded by the number of rows it holds (least recently used
    out first). The rows are shared between callers, who must not change them."""

    def __init__(self, max_rows: int = 200_000) -> None:
        self.max_rows = max_rows
        self._entries: OrderedDict[tuple[str, str, str], list[dict]] = OrderedDict()
        self._rows = 0
        self._lock = threading.Lock()

    def get(self, key: str, kpi: str, version: str) -> list[dict] | None:
        with self._lock:
            found = self._entries.get((key, kpi, version))
            if found is not None:
                self._entries.move_to_end((key, kpi, version))
            return found

    def put(self, key: str, kpi: str, version: str, rows: list[dict]) -> None:
        if len(rows) > self.max_rows:
            return
        with self._lock:
            old = self._entries.pop((key, kpi, version), None)
            self._rows -= len(old) if old is not None else 0
            self._entries[(key, kpi, version)] = rows
            self._rows += len(rows)
            while self._rows > self.max_rows:
                _, dropped = self._entries.popitem(last=False)
                self._rows -= len(dropped)
