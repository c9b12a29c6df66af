"""`regiekamer check`: is this store whole? Schema version, row counts and checksums against a
backup's manifest, the access log's hash chain, and no plain BSN in any text column."""

from __future__ import annotations

import re
from collections.abc import Iterator

import duckdb

from regiekamer.beheer import backup
from regiekamer.beheer.rules import Rule
from regiekamer.privacy import access_log
from regiekamer.privacy.pseudonym import Pseudonymiser
from regiekamer.privacy.redact import redact
from regiekamer.store import schema
from regiekamer.store.query_limits import fetch

# Pseudonyms and hashes are hex; a run of nine decimal digits inside one is no BSN.
_HEX_TOKEN = re.compile(r"[0-9a-f]{32,}")
_RUN = re.compile(r"(?<![0-9])[0-9]{8,9}(?![0-9])")  # a BSN, or one that lost its leading zero


def run(
    con: duckdb.DuckDBPyConnection, manifest: dict | None = None, key: bytes | None = None
) -> list[Rule]:
    """Every rule on the store behind ``con``, in one read transaction (one moment in time);
    ``key`` (the pseudonymisation key) makes the BSN scan exact (see `plain_bsns`)."""
    con.execute("BEGIN TRANSACTION")
    try:
        rules = [_schema_version(con, manifest)]
        if manifest is not None:
            rules.append(_against_manifest(con, manifest))
        rules.append(_access_log(con))
        rules.append(_no_bsn(con, key))
    finally:
        con.execute("ROLLBACK")
    return rules


def _schema_version(con: duckdb.DuckDBPyConnection, manifest: dict | None) -> Rule:
    found = schema.version(con)
    expected = schema.CURRENT_VERSION if manifest is None else manifest["schemaversie"]
    return Rule.of(
        "schemaversie",
        found == expected,
        f"{found}" + ("" if found == expected else f", verwacht {expected}"),
    )


def _against_manifest(con: duckdb.DuckDBPyConnection, manifest: dict) -> Rule:
    present = set(backup.tables(con))
    wrong = []
    for table, expected in manifest["tabellen"].items():
        if table not in present:
            wrong.append(f"{table} (ontbreekt)")
            continue
        found = backup.table_facts(con, table)
        if found["rijen"] != expected["rijen"]:
            wrong.append(f"{table} ({found['rijen']} rijen, manifest {expected['rijen']})")
        elif found["controlegetal"] != expected["controlegetal"]:
            wrong.append(f"{table} (inhoud gewijzigd)")
    n = len(manifest["tabellen"])
    if wrong:
        return Rule.of("rijen en controlegetallen", False, "afwijkend: " + "; ".join(wrong))
    return Rule.of("rijen en controlegetallen", True, f"{n} tabellen gelijk aan het manifest")


def _access_log(con: duckdb.DuckDBPyConnection) -> Rule:
    broken = access_log.verify(con)  # the same check as `regiekamer log verify`
    n = access_log.count(con)
    if broken is None:
        return Rule.of("toegangslog", True, f"hashketen heel ({n} regels)")
    return Rule.of("toegangslog", False, f"hashketen gebroken bij regel {broken} (van {n})")


def plain_bsns(
    con: duckdb.DuckDBPyConnection, key: bytes | None = None
) -> Iterator[tuple[str, str, int]]:
    """(table, column, how many values) of text cells that hold a BSN, outside hex pseudonyms
    and hashes. Without ``key``: every nine-digit number that passes the elfproef (what
    `redact` masks; one in eleven arbitrary numbers does). With the key: an eight- or
    nine-digit number whose pseudonym is a client of this store, i.e. that client's BSN."""
    pseudonym = Pseudonymiser(key) if key is not None else None
    columns = con.execute(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_schema, table_name) "
        "WHERE c.table_schema = 'main' AND t.table_type = 'BASE TABLE' "
        "AND (c.data_type = 'VARCHAR' OR c.data_type LIKE 'VARCHAR[]%') "
        "ORDER BY c.table_name, c.ordinal_position"
    ).fetchall()
    digits = 8 if pseudonym else 9
    for table, column in columns:
        # Only cells with enough digits in a row come to Python for the elfproef.
        cur = con.execute(
            f'SELECT DISTINCT "{column}"::VARCHAR AS v FROM "{table}" '
            f"WHERE regexp_matches(\"{column}\"::VARCHAR, '[0-9]{{{digits}}}')"
        )
        hits: set[str] = set()
        for (value,) in fetch(cur):
            text = _HEX_TOKEN.sub(" ", value)
            if pseudonym is None:
                if redact(text) != text:
                    hits.add(value)
            else:
                hits.update(p for m in _RUN.findall(text) if (p := pseudonym(m)) is not None)
        if hits and pseudonym is not None:
            (n,) = con.execute(
                "SELECT count(*) FROM client WHERE client_id IN (SELECT unnest(?::VARCHAR[]))",
                [sorted(hits)],
            ).fetchone()
        else:
            n = len(hits)
        if n:
            yield table, column, n


def _no_bsn(con: duckdb.DuckDBPyConnection, key: bytes | None) -> Rule:
    found = [f"{t}.{c} ({n})" for t, c, n in plain_bsns(con, key)]
    how = "met de sleutel: geen nummer is het BSN van een cliënt" if key else (
        "zonder sleutel: geen nummer doorstaat de elfproef"
    )  # fmt: skip
    if not found:
        return Rule.of("geen BSN", True, how)
    if key:
        return Rule.of("geen BSN", False, "BSN van een cliënt in " + ", ".join(found))
    return Rule.of(
        "geen BSN", False, "mogelijk een BSN (doorstaat de elfproef) in " + ", ".join(found)
        + "; met de sleutel ingesteld onderscheidt check een BSN van een ander nummer",
    )  # fmt: skip
