"""The access log's hash chain (privacy/access_log.py) and the users/log commands."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

import duckdb
import pytest
from typer.testing import CliRunner

from regiekamer.errors import AccessLogError, AccountError
from regiekamer.facade import Regiekamer
from regiekamer.faces.cli import app
from regiekamer.privacy import access_log

PASSWORD = "paard batterij nietje correct"


def _fill(con: duckdb.DuckDBPyConnection, n: int = 5) -> None:
    for i in range(1, n + 1):
        access_log.record(con, "anna", "gemeente:0482", f"kpi clienten {i}", "ok")


def test_chain_links_and_verifies(con: duckdb.DuckDBPyConnection) -> None:
    assert access_log.verify(con) is None  # an empty log is whole
    _fill(con)
    rows = con.execute(
        "SELECT volgnummer, vorige_hash, hash FROM toegangslog ORDER BY volgnummer"
    ).fetchall()
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0][1] == access_log.GENESIS
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, 5))
    assert access_log.verify(con) is None


def test_hash_is_sha256_over_previous_and_canonical_json() -> None:
    t = dt.datetime(2026, 3, 2, 9, 0, 0, 123456)
    h = access_log.entry_hash(access_log.GENESIS, 1, t, "anna", None, "inloggen", "ok")
    canonical = (
        '{"namens":null,"resultaat":"ok","tijd":"2026-03-02T09:00:00.123456",'
        '"volgnummer":1,"wat":"inloggen","wie":"anna"}'
    )
    assert h == hashlib.sha256((access_log.GENESIS + canonical).encode()).hexdigest()


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE toegangslog SET wat = 'niets gezien' WHERE volgnummer = 3",
        "UPDATE toegangslog SET tijd = tijd + INTERVAL 1 SECOND WHERE volgnummer = 3",
        "UPDATE toegangslog SET namens = NULL WHERE volgnummer = 3",
        "DELETE FROM toegangslog WHERE volgnummer = 3",
    ],
)
def test_tampering_names_the_row(con: duckdb.DuckDBPyConnection, tamper: str) -> None:
    _fill(con)
    con.execute(tamper)
    broken = access_log.verify(con)
    assert broken == (4 if tamper.startswith("DELETE") else 3)


def test_recomputed_hash_still_breaks_the_next_link(con: duckdb.DuckDBPyConnection) -> None:
    """Rewriting a row *and* its own hash is caught at the row after it."""
    _fill(con)
    tijd, vorige = con.execute(
        "SELECT tijd, vorige_hash FROM toegangslog WHERE volgnummer = 2"
    ).fetchone()
    forged = access_log.entry_hash(vorige, 2, tijd, "anna", "gemeente:0482", "vervalst", "ok")
    con.execute("UPDATE toegangslog SET wat = 'vervalst', hash = ? WHERE volgnummer = 2", [forged])
    assert access_log.verify(con) == 3


def test_record_joins_the_callers_transaction(con: duckdb.DuckDBPyConnection) -> None:
    _fill(con, 2)
    con.execute("BEGIN TRANSACTION")
    access_log.record(con, "anna", None, "export", "ok")
    con.execute("ROLLBACK")
    assert access_log.count(con) == 2
    assert access_log.verify(con) is None


def test_record_failure_raises_access_log_error(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE toegangslog")
    with pytest.raises(AccessLogError, match="toegangslog kan niet"):
        access_log.record(con, "anna", None, "export", "ok")


def test_no_bsn_in_the_log(con: duckdb.DuckDBPyConnection) -> None:
    access_log.record(con, "anna", None, "zoek cliënt 111222333", "ok")
    assert con.execute("SELECT wat FROM toegangslog").fetchone()[0] == "zoek cliënt [BSN]"


# --- the journal: group commit for the web app ---------------------------------------------


def test_concurrent_appends_form_one_whole_chain(kamer: Regiekamer) -> None:
    """40 threads appending at once: 40 distinct numbers, 1..40, and the chain verifies."""
    journal = access_log.Journal()
    got: list[int] = []
    start = threading.Barrier(40)

    def append(i: int) -> None:
        start.wait()
        got.append(journal.append(kamer._connect, f"u{i}", "regio", f"kpi {i}", "ok"))

    threads = [threading.Thread(target=append, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 41))
    con = kamer._connect()
    try:
        assert access_log.verify(con) is None
        rows = con.execute("SELECT volgnummer, wie FROM toegangslog").fetchall()
    finally:
        con.close()
    assert {wie for _, wie in rows} == {f"u{i}" for i in range(40)}


def test_journal_recovers_when_another_writer_moved_the_head(kamer: Regiekamer) -> None:
    """A row written past the journal (another process, or `record` in a transaction) makes
    its remembered head stale: the next append meets the primary key and writes on the
    store's head instead of forking the chain."""
    journal = access_log.Journal()
    assert journal.append(kamer._connect, "anna", None, "kpi", "ok") == 1
    con = kamer._connect()
    try:
        access_log.record(con, "bob", None, "export", "ok")  # number 2, not through the journal
    finally:
        con.close()
    assert journal.append(kamer._connect, "anna", None, "kpi", "ok") == 3
    con = kamer._connect()
    try:
        assert access_log.count(con) == 3 and access_log.verify(con) is None
    finally:
        con.close()


def test_journal_failure_fails_every_caller_and_writes_nothing(kamer: Regiekamer) -> None:
    journal = access_log.Journal()
    con = kamer._connect()
    con.execute("ALTER TABLE toegangslog RENAME TO weg")
    con.close()
    with pytest.raises(AccessLogError, match="toegangslog kan niet"):
        journal.append(kamer._connect, "anna", None, "kpi", "ok")


def test_a_served_read_is_refused_when_its_log_row_cannot_be_written(kamer: Regiekamer) -> None:
    kamer.add_user("anna", "regio", PASSWORD)
    anna = kamer.login("anna", PASSWORD).user
    con = kamer._connect()
    con.execute("ALTER TABLE toegangslog RENAME TO weg")
    con.close()
    with pytest.raises(AccessLogError):
        kamer.kpi_for(anna, year=2025, kpis=["clienten"])


# --- the command line --------------------------------------------------------------------


def test_cli_users_add_list_token_and_log_verify(kamer: Regiekamer) -> None:
    runner = CliRunner()
    store = ["--store", str(kamer.store)]
    added = runner.invoke(
        app,
        ["users", "add", "--name", "anna", "--role", "gemeente:0482", "--password-stdin", *store],
        input=PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.output
    assert "Gebruiker anna toegevoegd met rol gemeente:0482" in added.output

    weak = runner.invoke(
        app,
        ["users", "add", "--name", "bob", "--role", "regio", "--password-stdin", *store],
        input="welkom\n",
    )
    assert weak.exit_code != 0 and isinstance(weak.exception, AccountError)

    listed = runner.invoke(app, ["users", "list", *store])
    assert listed.exit_code == 0 and "anna" in listed.output and "bob" not in listed.output

    token = runner.invoke(app, ["users", "token", "--name", "anna", *store])
    assert token.exit_code == 0
    assert kamer.token_user(token.stdout.strip()).naam == "anna"

    ok = runner.invoke(app, ["log", "verify", *store])
    assert ok.exit_code == 0
    assert "Keten in orde: 2 regels" in ok.output  # the user and the token

    c = duckdb.connect(str(kamer.store))
    c.execute("UPDATE toegangslog SET wat = 'niets' WHERE volgnummer = 1")
    c.close()
    broken = runner.invoke(app, ["log", "verify", *store])
    assert broken.exit_code == 1
    assert "Keten gebroken bij regel 1" in broken.output


def test_cli_password_prompt_is_hidden_and_confirmed(kamer: Regiekamer) -> None:
    result = CliRunner().invoke(
        app,
        ["users", "add", "--name", "anna", "--role", "regio", "--store", str(kamer.store)],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
