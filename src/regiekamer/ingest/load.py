"""Load one parsed file into the store in ONE transaction: all of it, or nothing.

Besides appending rows, loading applies what a record means for what is already stored:
StatusAanlevering (1 new, 2 changed, 3 delete) for start/stop messages, the latest version of
an allocation, and upserts of reference tables. A file whose sha256 is known changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from regiekamer.ingest import findings as F
from regiekamer.ingest.layouts import REFERENCE_KEYS
from regiekamer.ingest.staging import Parsed, read_staged

_LEVERING_KEY = (
    "wet",
    "gemeente",
    "aanbieder",
    "client_id",
    "toewijzing_nummer",
    "begindatum",
    "soort",
)
_TOEWIJZING_KEY = ("wet", "gemeente", "toewijzing_nummer")


@dataclass
class Outcome:
    """What loading one file did."""

    naam: str
    soort: str
    status: str  # ingelezen | al ingelezen
    gelezen: int
    geaccepteerd: int
    afgewezen: int
    bevindingen: int


def load(con: duckdb.DuckDBPyConnection, parsed: Parsed, received_at: datetime) -> Outcome:
    """Apply one parsed file in one transaction; roll back on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        outcome = _load(con, parsed, received_at)
        con.execute("COMMIT")
        return outcome
    except BaseException:
        con.execute("ROLLBACK")
        raise


def already_loaded(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple | None:
    return con.execute(
        "SELECT gelezen, geaccepteerd, afgewezen FROM bestand WHERE sha256 = ?", [sha256]
    ).fetchone()


def _load(con: duckdb.DuckDBPyConnection, p: Parsed, received_at: datetime) -> Outcome:
    known = already_loaded(con, p.sha256)
    if known:
        return Outcome(p.naam, p.soort, "al ingelezen", *known, 0)
    bestand_id = con.execute("SELECT coalesce(max(bestand_id), 0) + 1 FROM bestand").fetchone()[0]
    findings = list(p.findings)
    rejected = p.afgewezen

    if p.bericht and p.staged and not _claim_message(con, p, bestand_id):
        findings = [
            F.finding(
                "9056",
                bestand=p.naam,
                bericht_id=p.bericht["identificatie"],
                locatie="Header/BerichtIdentificatie",
                veld="Identificatie",
                identificatie=p.bericht["identificatie"],
                afzender=p.bericht["afzender"],
                aantal=p.gelezen,
            )
        ]
        rejected = p.gelezen
    else:
        for table, path in p.staged.items():
            con.register("staged", read_staged(path))
            try:
                if table == "levering":
                    rejected += _apply_levering(con, p, bestand_id, findings)
                elif table == "toewijzing":
                    _apply_toewijzing(con, p, bestand_id, findings)
                elif table == "client":
                    con.execute(
                        "INSERT OR IGNORE INTO client SELECT client_id, "
                        "CAST(any_value(geboortemaand) AS DATE), any_value(geslacht) "
                        "FROM staged GROUP BY client_id"
                    )
                elif p.reference:
                    _upsert_reference(con, table, bestand_id)
                else:
                    con.execute(
                        f"INSERT INTO {table} BY NAME SELECT *, ? AS bestand_id FROM staged",
                        [bestand_id],
                    )
            finally:
                con.unregister("staged")

    con.executemany(
        "INSERT INTO bevinding VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [bestand_id, i, f.code, f.ernst, f.melding, f.bestand, f.bericht_id, f.locatie, f.veld]
            for i, f in enumerate(findings, start=1)
        ],
    ) if findings else None
    accepted = p.gelezen - rejected
    con.execute(
        "INSERT INTO bestand VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [bestand_id, p.sha256, p.naam, p.soort, received_at, p.gelezen, accepted, rejected],
    )
    return Outcome(p.naam, p.soort, "ingelezen", p.gelezen, accepted, rejected, len(findings))


def _claim_message(con: duckdb.DuckDBPyConnection, p: Parsed, bestand_id: int) -> bool:
    """Register the message id; False when the sender used it before for this type (TR056)."""
    b = p.bericht
    exists = con.execute(
        "SELECT 1 FROM bericht WHERE berichtsoort = ? AND afzender = ? AND identificatie = ?",
        [p.soort, b["afzender"], b["identificatie"]],
    ).fetchone()
    if exists:
        return False
    con.execute(
        "INSERT INTO bericht VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            bestand_id,
            p.soort,
            p.wet,
            b["afzender"],
            b["ontvanger"],
            b["identificatie"],
            b["dagtekening"],
        ],
    )
    return True


def _key_match(a: str, b: str, key: tuple[str, ...]) -> str:
    return " AND ".join(f"{a}.{k} IS NOT DISTINCT FROM {b}.{k}" for k in key)


def _apply_levering(
    con: duckdb.DuckDBPyConnection, p: Parsed, bestand_id: int, findings: list[F.Finding]
) -> int:
    """StatusAanlevering on start/stop records; returns how many were rejected (9063)."""
    key = ", ".join(_LEVERING_KEY)
    con.execute("CREATE OR REPLACE TEMP TABLE stg AS SELECT * FROM levering LIMIT 0")
    con.execute("INSERT INTO stg BY NAME SELECT *, ? AS bestand_id FROM staged", [bestand_id])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE stg_status AS
        SELECT s.*,
               lag(s.status_aanlevering) OVER (PARTITION BY {key} ORDER BY s.regel) AS vorige,
               row_number() OVER (PARTITION BY {key} ORDER BY s.regel DESC) = 1 AS laatste,
               EXISTS (SELECT 1 FROM levering l WHERE {_key_match("l", "s", _LEVERING_KEY)})
                   AS in_store
        FROM stg s""")
    rows = con.execute("""
        SELECT regel, bericht_id, soort, status_aanlevering,
               CASE WHEN vorige IS NULL THEN in_store ELSE vorige <> '3' END AS bestaat
        FROM stg_status ORDER BY regel""").fetchall()
    rejected = 0
    for regel, bericht_id, soort, status, bestaat in rows:
        what = f"{soort}bericht"
        loc = f"{'Start' if soort == 'start' else 'Stop'}Product {regel}"
        code = None
        if status == "3" and not bestaat:
            code, rejected = "9063", rejected + 1
        elif status == "1" and bestaat:
            code = "9074"
        elif status == "2" and not bestaat:
            code = "RK-STATUS-01"
        if code:
            findings.append(
                F.finding(
                    code,
                    bestand=p.naam,
                    bericht_id=bericht_id,
                    locatie=loc,
                    veld="StatusAanlevering",
                    soort=what,
                )
            )
    con.execute(f"""
        DELETE FROM levering l WHERE EXISTS (
            SELECT 1 FROM stg_status s WHERE s.laatste AND {_key_match("l", "s", _LEVERING_KEY)})""")
    con.execute("""
        INSERT INTO levering BY NAME
        SELECT * EXCLUDE (vorige, laatste, in_store) FROM stg_status
        WHERE laatste AND status_aanlevering <> '3'""")
    return rejected


def _apply_toewijzing(
    con: duckdb.DuckDBPyConnection, p: Parsed, bestand_id: int, findings: list[F.Finding]
) -> None:
    """Keep the latest version of every allocation (by Dagtekening, then arrival)."""
    key = ", ".join(_TOEWIJZING_KEY)
    con.execute("CREATE OR REPLACE TEMP TABLE stg AS SELECT * FROM toewijzing LIMIT 0")
    con.execute(
        f"""
        INSERT INTO stg BY NAME
        SELECT * FROM (SELECT *, ? AS bestand_id FROM staged)
        QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY regel DESC) = 1""",
        [bestand_id],
    )
    stale = con.execute(f"""
        SELECT s.regel, s.bericht_id, s.toewijzing_nummer FROM stg s JOIN toewijzing t
        ON {_key_match("t", "s", _TOEWIJZING_KEY)} AND t.dagtekening > s.dagtekening""").fetchall()
    for regel, bericht_id, nummer in stale:
        findings.append(
            F.finding(
                "RK-TOEW-01",
                bestand=p.naam,
                bericht_id=bericht_id,
                locatie=f"ToegewezenProduct {regel}",
                veld="Dagtekening",
                nummer=nummer,
            )
        )
    con.execute(f"""
        DELETE FROM stg s WHERE EXISTS (SELECT 1 FROM toewijzing t
            WHERE {_key_match("t", "s", _TOEWIJZING_KEY)} AND t.dagtekening > s.dagtekening)""")
    con.execute(f"""
        DELETE FROM toewijzing t WHERE EXISTS (
            SELECT 1 FROM stg s WHERE {_key_match("t", "s", _TOEWIJZING_KEY)})""")
    con.execute("INSERT INTO toewijzing SELECT * FROM stg")


def _upsert_reference(con: duckdb.DuckDBPyConnection, table: str, bestand_id: int) -> None:
    """Reference rows replace earlier rows with the same key; the last row of a file wins."""
    key = REFERENCE_KEYS[table]
    cols = ", ".join(key)
    con.execute(f"CREATE OR REPLACE TEMP TABLE stg AS SELECT * FROM {table} LIMIT 0")
    con.execute(
        f"""
        INSERT INTO stg BY NAME SELECT * EXCLUDE (regel, bericht_id) FROM (
            SELECT *, ? AS bestand_id FROM staged)
        QUALIFY row_number() OVER (PARTITION BY {cols} ORDER BY regel DESC) = 1""",
        [bestand_id],
    )
    con.execute(f"""
        DELETE FROM {table} t WHERE EXISTS (
            SELECT 1 FROM stg s WHERE {_key_match("t", "s", key)})""")
    con.execute(f"INSERT INTO {table} SELECT * FROM stg")
