"""Load parsed files into the store: set-wise per batch of files, all in ONE transaction.

One ingest is one transaction: killed part-way, the store is exactly as before; finished, every
file is in. Within it, files are loaded in batches (many small files at once, a large file on
its own, streamed) so that a region's thousands of small messages cost a handful of statements.
File order inside a batch is kept through ``bestand_id``, which grows in the order the files
must be applied (by Dagtekening). Besides appending rows, loading applies what a record means
for what is stored: a message id used twice (9056), StatusAanlevering (1 new, 2 changed,
3 delete) for start/stop records, the latest version of an allocation, and reference upserts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from regiekamer.ingest import findings as F
from regiekamer.ingest.keyed import upsert_keyed_fact
from regiekamer.ingest.layouts import KEYED_FACTS, REFERENCE_KEYS
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
_MESSAGE_KEY = ("berichtsoort", "afzender", "identificatie")


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


@dataclass
class _File:
    """One parsed file in a batch, with what loading adds to it."""

    parsed: Parsed
    bestand_id: int
    findings: list[F.Finding]
    afgewezen: int
    loaded: bool = True  # False when the whole file was refused at load (9056)


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, data: object) -> Iterator[None]:
    """Arrow data visible to SQL as ``name`` for the duration of the block."""
    con.register(name, data)
    try:
        yield
    finally:
        con.unregister(name)


def already_loaded(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, tuple]:
    """sha256 -> (gelezen, geaccepteerd, afgewezen) for the files imported before."""
    with _registered(con, "new_shas", pa.table({"sha256": shas})):
        rows = con.execute(
            "SELECT sha256, gelezen, geaccepteerd, afgewezen FROM bestand "
            "WHERE sha256 IN (SELECT sha256 FROM new_shas)"
        ).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def _insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], rows: list[tuple]
) -> None:
    """Insert Python rows through Arrow: one statement, whatever the number of rows."""
    if not rows:
        return
    data = pa.table(dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)))
    with _registered(con, "new_rows", data):
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM new_rows")


def next_bestand_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(bestand_id), 0) + 1 FROM bestand").fetchone()[0]


def load_batch(
    con: duckdb.DuckDBPyConnection,
    batch: list[Parsed],
    first_id: int,
    received_at: datetime,
    *,
    stream: bool = False,
) -> list[Outcome]:
    """Load parsed files (ids first_id, first_id+1, ... in order) inside the open transaction.

    With ``stream`` the batch is one large file whose staged rows are scanned batch by batch
    instead of read into memory.
    """
    files = [_File(p, first_id + i, list(p.findings), p.afgewezen) for i, p in enumerate(batch)]
    _claim_messages(con, files)
    by_table: dict[str, list[_File]] = defaultdict(list)
    for f in files:
        if f.loaded:
            for table in f.parsed.staged:
                by_table[table].append(f)
    for table, members in by_table.items():
        cleanup = _register(con, table, members, stream)
        try:
            if table == "levering":
                _apply_levering(con, files)
            elif table == "toewijzing":
                _apply_toewijzing(con, files)
            elif table == "client":
                con.execute(
                    "INSERT OR IGNORE INTO client SELECT client_id, "
                    "CAST(any_value(geboortemaand) AS DATE), any_value(geslacht) "
                    "FROM staged GROUP BY client_id"
                )
            elif table in REFERENCE_KEYS:
                _upsert_reference(con, table)
            elif table in KEYED_FACTS:
                upsert_keyed_fact(con, table, KEYED_FACTS[table], files)
            else:
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM staged")
        finally:
            cleanup()
    bump_versions(con, list(by_table))
    _record_files(con, files, received_at)
    return [
        Outcome(
            f.parsed.naam,
            f.parsed.soort,
            "ingelezen",
            f.parsed.gelezen,
            f.parsed.gelezen - f.afgewezen,
            f.afgewezen,
            len(f.findings),
        )
        for f in files
    ]


def _register(
    con: duckdb.DuckDBPyConnection, table: str, members: list[_File], stream: bool
) -> Callable[[], None]:
    """Expose the staged rows of ``table`` as ``staged``, with their bestand_id.

    Returns what undoes it. A streamed file is scanned once, batch by batch.
    """
    if stream:
        (f,) = members
        con.register("staged_raw", read_staged(f.parsed.staged[table]))
        con.execute(
            "CREATE OR REPLACE TEMP VIEW staged AS SELECT *, "
            f"CAST({int(f.bestand_id)} AS BIGINT) AS bestand_id FROM staged_raw"
        )

        def undo_stream() -> None:
            con.execute("DROP VIEW IF EXISTS staged")
            con.unregister("staged_raw")

        return undo_stream
    tables = []
    for f in members:
        t = read_staged(f.parsed.staged[table]).read_all()  # small: at most a few batches
        tables.append(t.append_column("bestand_id", pa.array([f.bestand_id] * len(t), pa.int64())))
    con.register("staged", pa.concat_tables(tables, promote_options="default").combine_chunks())
    return lambda: con.unregister("staged")


def _claim_messages(con: duckdb.DuckDBPyConnection, files: list[_File]) -> None:
    """TR056: a sender's message id is unique per message type. A repeat refuses the file."""
    keyed = [f for f in files if f.parsed.bericht and f.parsed.staged]
    if not keyed:
        return
    keys = pa.table(
        {
            "bestand_id": [f.bestand_id for f in keyed],
            "berichtsoort": [f.parsed.soort for f in keyed],
            "afzender": [f.parsed.bericht["afzender"] for f in keyed],
            "identificatie": [f.parsed.bericht["identificatie"] for f in keyed],
        }
    )
    match = " AND ".join(f"b.{k} = m.{k}" for k in _MESSAGE_KEY)
    with _registered(con, "msg_keys", keys):
        refused = {
            r[0]
            for r in con.execute(f"""
            SELECT m.bestand_id FROM msg_keys m
            QUALIFY EXISTS (SELECT 1 FROM bericht b WHERE {match})
                 OR row_number() OVER (PARTITION BY {", ".join(_MESSAGE_KEY)}
                                       ORDER BY bestand_id) > 1""").fetchall()
        }
    rows = []
    for f in keyed:
        b = f.parsed.bericht
        if f.bestand_id in refused:
            f.loaded = False
            f.afgewezen = f.parsed.gelezen
            f.findings = [
                F.finding(
                    "9056",
                    bestand=f.parsed.naam,
                    bericht_id=b["identificatie"],
                    locatie="Header/BerichtIdentificatie",
                    veld="Identificatie",
                    identificatie=b["identificatie"],
                    afzender=b["afzender"],
                    aantal=f.parsed.gelezen,
                )
            ]
        else:
            rows.append(
                (
                    f.bestand_id,
                    f.parsed.soort,
                    f.parsed.wet,
                    b["afzender"],
                    b["ontvanger"],
                    b["identificatie"],
                    b["dagtekening"],
                )
            )
    _insert_rows(
        con,
        "bericht",
        (
            "bestand_id",
            "berichtsoort",
            "wet",
            "afzender",
            "ontvanger",
            "identificatie",
            "dagtekening",
        ),
        rows,
    )


def _record_files(
    con: duckdb.DuckDBPyConnection, files: list[_File], received_at: datetime
) -> None:
    """The bestand rows (with their balanced counts) and every finding, in two inserts."""
    _insert_rows(
        con,
        "bestand",
        (
            "bestand_id",
            "sha256",
            "naam",
            "soort",
            "ontvangen_op",
            "gelezen",
            "geaccepteerd",
            "afgewezen",
        ),
        [
            (
                f.bestand_id,
                f.parsed.sha256,
                f.parsed.naam,
                f.parsed.soort,
                received_at,
                f.parsed.gelezen,
                f.parsed.gelezen - f.afgewezen,
                f.afgewezen,
            )
            for f in files
        ],
    )
    _insert_rows(
        con,
        "bevinding",
        ("bestand_id", "volgnummer", *F.FINDING_FIELDS),
        [
            (f.bestand_id, i, *(getattr(x, k) for k in F.FINDING_FIELDS))
            for f in files
            for i, x in enumerate(f.findings, start=1)
        ],
    )


def _key_match(a: str, b: str, key: tuple[str, ...]) -> str:
    return " AND ".join(f"{a}.{k} IS NOT DISTINCT FROM {b}.{k}" for k in key)


def _apply_levering(con: duckdb.DuckDBPyConnection, files: list[_File]) -> None:
    """StatusAanlevering on start/stop records, in file order, then record order."""
    key = ", ".join(_LEVERING_KEY)
    by_id = {f.bestand_id: f for f in files}
    con.execute("CREATE OR REPLACE TEMP TABLE stg AS SELECT * FROM levering LIMIT 0")
    con.execute("INSERT INTO stg BY NAME SELECT * FROM staged")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE stg_status AS
        SELECT s.*,
               lag(s.status_aanlevering) OVER (PARTITION BY {key}
                                               ORDER BY s.bestand_id, s.regel) AS vorige,
               row_number() OVER (PARTITION BY {key}
                                  ORDER BY s.bestand_id DESC, s.regel DESC) = 1 AS laatste,
               EXISTS (SELECT 1 FROM levering l WHERE {_key_match("l", "s", _LEVERING_KEY)})
                   AS in_store
        FROM stg s""")
    notable = con.execute("""
        SELECT bestand_id, regel, bericht_id, soort, status_aanlevering,
               CASE WHEN vorige IS NULL THEN in_store ELSE vorige <> '3' END AS bestaat
        FROM stg_status
        WHERE (status_aanlevering = '3' AND NOT bestaat)
           OR (status_aanlevering = '1' AND bestaat)
           OR (status_aanlevering = '2' AND NOT bestaat)
        ORDER BY bestand_id, regel""").fetchall()
    for bestand_id, regel, bericht_id, soort, status, _bestaat in notable:
        f = by_id[bestand_id]
        code = {"3": "9063", "1": "9074", "2": "RK-STATUS-01"}[status]
        if code == "9063":
            f.afgewezen += 1
        where = f"{'Start' if soort == 'start' else 'Stop'}Product {regel}"
        if f.parsed.soort.startswith("tabel"):
            where = f"rij {regel}"
        f.findings.append(
            F.finding(
                code,
                bestand=f.parsed.naam,
                bericht_id=bericht_id,
                locatie=where,
                veld="StatusAanlevering",
                soort=f"{soort}bericht",
            )
        )
    match = _key_match("l", "s", _LEVERING_KEY)
    con.execute(f"""
        DELETE FROM levering l WHERE EXISTS (
            SELECT 1 FROM stg_status s WHERE s.laatste AND {match})""")
    con.execute("""
        INSERT INTO levering BY NAME
        SELECT * EXCLUDE (vorige, laatste, in_store) FROM stg_status
        WHERE laatste AND status_aanlevering <> '3'""")


def _apply_toewijzing(con: duckdb.DuckDBPyConnection, files: list[_File]) -> None:
    """Keep the latest version of every allocation (by Dagtekening, then arrival)."""
    key = ", ".join(_TOEWIJZING_KEY)
    by_id = {f.bestand_id: f for f in files}
    match = _key_match("t", "s", _TOEWIJZING_KEY)
    con.execute("CREATE OR REPLACE TEMP TABLE stg AS SELECT * FROM toewijzing LIMIT 0")
    con.execute(f"""
        INSERT INTO stg BY NAME
        SELECT * FROM staged
        QUALIFY row_number() OVER (PARTITION BY {key}
            ORDER BY CAST(dagtekening AS DATE) DESC, bestand_id DESC, regel DESC) = 1""")
    stale = con.execute(f"""
        SELECT s.bestand_id, s.regel, s.bericht_id, s.toewijzing_nummer FROM stg s
        JOIN toewijzing t ON {match} AND t.dagtekening > s.dagtekening
        ORDER BY 1, 2""").fetchall()
    for bestand_id, regel, bericht_id, nummer in stale:
        f = by_id[bestand_id]
        where = (
            f"rij {regel}" if f.parsed.soort.startswith("tabel") else f"ToegewezenProduct {regel}"
        )
        f.findings.append(
            F.finding(
                "RK-TOEW-01",
                bestand=f.parsed.naam,
                bericht_id=bericht_id,
                locatie=where,
                veld="dagtekening",
                nummer=nummer,
            )
        )
    con.execute(f"""
        DELETE FROM stg s WHERE EXISTS (
            SELECT 1 FROM toewijzing t WHERE {match} AND t.dagtekening > s.dagtekening)""")
    con.execute(f"DELETE FROM toewijzing t WHERE EXISTS (SELECT 1 FROM stg s WHERE {match})")
    con.execute("INSERT INTO toewijzing SELECT * FROM stg")


def bump_versions(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Mark tables as changed, so cached KPI results that read them are computed again."""
    for table in tables:
        con.execute(
            "INSERT INTO tabel_versie VALUES (?, 1) "
            "ON CONFLICT (tabel) DO UPDATE SET versie = tabel_versie.versie + 1",
            [table],
        )


def _upsert_reference(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Reference rows replace earlier rows with the same key; the last row wins."""
    key = REFERENCE_KEYS[table]
    con.execute(f"CREATE OR REPLACE TEMP TABLE stg AS SELECT * FROM {table} LIMIT 0")
    con.execute(f"""
        INSERT INTO stg BY NAME SELECT * EXCLUDE (regel, bericht_id) FROM staged
        QUALIFY row_number() OVER (PARTITION BY {", ".join(key)}
                                   ORDER BY bestand_id DESC, regel DESC) = 1""")
    con.execute(f"""
        DELETE FROM {table} t WHERE EXISTS (
            SELECT 1 FROM stg s WHERE {_key_match("t", "s", key)})""")
    con.execute(f"INSERT INTO {table} SELECT * FROM stg")
