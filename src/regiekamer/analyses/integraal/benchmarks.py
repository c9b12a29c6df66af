"""CBS StatLine figures beside the municipality: its own, its youth-care region's, the nation's.

The figures come from ``cbs_cijfer`` (ingest/statline.py). Per CBS table the latest period of
the asked year is used, else of the latest earlier year (CBS publishes a year or more later).

- *gemeente*: the row of ``GM<code>``;
- *regio*: the municipality's youth-care region (reference table ``gemeente``): for counts,
  the sum over the region's municipalities when CBS gives every one of them (a sum over part
  of the region would pass for the region's figure); a rate cannot be summed and has none;
- *land*: the ``NL01`` row.

CBS publishes these as aggregates (already protected by CBS), so they need no disclosure
control of ours.
"""

from __future__ import annotations

import duckdb

from regiekamer.ingest.statline import TABLES

TITELS = {t.tabel: t.titel for t in TABLES}
# Measures that are rates: never summed over municipalities.
RATES = ("per_1000",)


def is_rate(maatstaf: str) -> bool:
    return any(r in maatstaf for r in RATES)


def beside(con: duckdb.DuckDBPyConnection, gemeente: str, year: int) -> list[dict]:
    """One row per (tabel, maatstaf, categorie) the municipality has a CBS figure for."""
    region = con.execute(
        "SELECT jeugdregio FROM gemeente WHERE gemeentecode = ?", [gemeente]
    ).fetchone()
    jeugdregio = region[0] if region else None
    rows = con.execute(
        """
        WITH chosen AS (  -- per table: the latest period of the latest year <= the asked one
            SELECT tabel, max(periode) AS periode FROM cbs_cijfer
            WHERE jaar = (SELECT max(jaar) FROM cbs_cijfer c2
                          WHERE c2.tabel = cbs_cijfer.tabel AND c2.jaar <= ?)
              AND regiocode = 'GM' || ?
            GROUP BY tabel),
        cells AS (SELECT c.* FROM cbs_cijfer c JOIN chosen USING (tabel, periode)),
        members AS (SELECT gemeentecode FROM gemeente WHERE jeugdregio = ?)
        SELECT tabel, periode, maatstaf, categorie,
            max(waarde) FILTER (WHERE regiocode = 'GM' || ?) AS gemeente_waarde,
            sum(waarde) FILTER (WHERE regiosoort = 'gemeente'
                                AND gemeente IN (SELECT gemeentecode FROM members))
                AS regio_som,
            count(waarde) FILTER (WHERE regiosoort = 'gemeente'
                                  AND gemeente IN (SELECT gemeentecode FROM members))
                AS regio_gemeenten,
            max(waarde) FILTER (WHERE regiosoort = 'land') AS land_waarde
        FROM cells
        GROUP BY ALL
        HAVING count(*) FILTER (WHERE regiocode = 'GM' || ?) > 0
        ORDER BY tabel, maatstaf, categorie
        """,
        [year, gemeente, jeugdregio, gemeente, gemeente],
    ).fetchall()
    members = con.execute(
        "SELECT count(*) FROM gemeente WHERE jeugdregio = ?", [jeugdregio]
    ).fetchone()[0]
    out = []
    for tabel, periode, maatstaf, categorie, own, som, n, land in rows:
        # A sum over part of the region would look like the region's figure: only when whole.
        regio = None if is_rate(maatstaf) or n != members else som
        out.append(
            {
                "tabel": tabel,
                "titel": TITELS.get(tabel, tabel),
                "periode": periode,
                "maatstaf": maatstaf,
                "categorie": categorie,
                "gemeente": gemeente,
                "gemeente_waarde": own,
                "jeugdregio": jeugdregio,
                "regio_waarde": regio,
                "regio_gemeenten": n,
                "regio_gemeenten_totaal": members,
                "land_waarde": land,
            }
        )
    return out
