"""The access log (NEN 7513 style): who did what, when, on whose behalf, with what result.

Append-only and tamper-evident: rows are numbered 1, 2, 3, … and each row's ``hash`` is
sha256 over the previous row's hash and the canonical JSON of its own fields (``vorige_hash``
of row 1 is 64 zeros). Changing, removing or reordering any row breaks the chain from that row
on, and `verify` names the first broken row. (Removing the *last* rows leaves a shorter chain
that is still whole; compare the count or last hash with a copy kept elsewhere to catch that.)

`record` writes in the caller's transaction, so an access and its log row commit together;
if the row cannot be written it raises `AccessLogError`, and the access must fail with it.
Texts pass through `redact`, so a BSN never lands in the log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import duckdb

from regiekamer.errors import AccessLogError
from regiekamer.privacy.redact import redact

GENESIS = "0" * 64


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def entry_hash(
    vorige_hash: str,
    volgnummer: int,
    tijd: dt.datetime,
    wie: str,
    namens: str | None,
    wat: str,
    resultaat: str,
) -> str:
    """sha256 over the previous hash and the canonical JSON (sorted keys, no spaces) of a row."""
    fields = {
        "volgnummer": volgnummer,
        "tijd": tijd.isoformat(timespec="microseconds"),
        "wie": wie,
        "namens": namens,
        "wat": wat,
        "resultaat": resultaat,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((vorige_hash + canonical).encode("utf-8")).hexdigest()


def record(
    con: duckdb.DuckDBPyConnection,
    wie: str,
    namens: str | None,
    wat: str,
    resultaat: str,
    *,
    tijd: dt.datetime | None = None,
) -> int:
    """Append one row to the chain; returns its volgnummer."""
    wie, wat, resultaat = redact(wie), redact(wat), redact(resultaat)
    namens = redact(namens) if namens is not None else None
    tijd = tijd or _utcnow()
    try:
        last = con.execute(
            "SELECT volgnummer, hash FROM toegangslog ORDER BY volgnummer DESC LIMIT 1"
        ).fetchone()
        volgnummer, vorige = (last[0] + 1, last[1]) if last else (1, GENESIS)
        digest = entry_hash(vorige, volgnummer, tijd, wie, namens, wat, resultaat)
        con.execute(
            "INSERT INTO toegangslog VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [volgnummer, tijd, wie, namens, wat, resultaat, vorige, digest],
        )
    except duckdb.Error as exc:
        raise AccessLogError(
            "Het toegangslog kan niet worden bijgeschreven; de handeling is daarom geweigerd."
        ) from exc
    return volgnummer


def verify(con: duckdb.DuckDBPyConnection) -> int | None:
    """The volgnummer of the first row whose link is broken, or None when the chain is whole.

    A row is broken when its number does not follow the previous one, its ``vorige_hash`` is
    not the previous row's hash, or its ``hash`` does not match its fields.
    """
    cur = con.execute(
        "SELECT volgnummer, tijd, wie, namens, wat, resultaat, vorige_hash, hash "
        "FROM toegangslog ORDER BY volgnummer"
    )
    expected_nr, previous = 1, GENESIS
    while batch := cur.fetchmany(10_000):
        for volgnummer, tijd, wie, namens, wat, resultaat, vorige, digest in batch:
            if (
                volgnummer != expected_nr
                or vorige != previous
                or digest != entry_hash(vorige, volgnummer, tijd, wie, namens, wat, resultaat)
            ):
                return volgnummer
            expected_nr, previous = volgnummer + 1, digest
    return None


def count(con: duckdb.DuckDBPyConnection) -> int:
    """The number of rows in the log."""
    return con.execute("SELECT count(*) FROM toegangslog").fetchone()[0]
