"""Fact tables replaced by key (``layouts.KEYED_FACTS``): uitkering, huishouden, cbs_cijfer.

A municipality exports its benefits again with end dates filled in, CBS publishes a revised
figure: the later row must replace the earlier one, not stand beside it. Unlike reference
tables these rows keep their full provenance (file, row). Two rows with the same key in ONE
file are no correction but a doubt: the last one is kept and the file gets a warning
(RK-UITK-02) for each row it replaced, so that nothing disappears unseen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import duckdb

from regiekamer.ingest import findings as F


class _LoadedFile(Protocol):  # load._File: what this module reads and adds to
    bestand_id: int
    findings: list[F.Finding]

    @property
    def parsed(self) -> object: ...


def upsert_keyed_fact(
    con: duckdb.DuckDBPyConnection,
    table: str,
    key: tuple[str, ...],
    files: Sequence[_LoadedFile] = (),
) -> None:
    """Load ``staged`` into ``table``: per key the last row (file order, then row) wins."""
    on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{k}" for k in key)
    cols = ", ".join(key)
    twice = con.execute(f"""
        SELECT bestand_id, regel, lead(regel) OVER w AS later FROM staged
        WINDOW w AS (PARTITION BY bestand_id, {cols} ORDER BY regel)
        QUALIFY later IS NOT NULL
        ORDER BY bestand_id, regel""").fetchall()
    by_id = {f.bestand_id: f for f in files}
    for bestand_id, regel, later in twice:
        f = by_id.get(bestand_id)
        if f is not None:
            f.findings.append(
                F.finding(
                    "RK-UITK-02",
                    bestand=f.parsed.naam,  # type: ignore[attr-defined]
                    locatie=f"rij {regel}",
                    sleutel=", ".join(k for k in key if k != "client_id") + " en cliënt",
                    later=later,
                )
            )
    con.execute(f"CREATE OR REPLACE TEMP TABLE stg AS SELECT * FROM {table} LIMIT 0")
    con.execute(f"""
        INSERT INTO stg BY NAME SELECT * FROM staged
        QUALIFY row_number() OVER (PARTITION BY {cols}
                                   ORDER BY bestand_id DESC, regel DESC) = 1""")
    con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM stg s WHERE {on})")
    con.execute(f"INSERT INTO {table} SELECT * FROM stg")
