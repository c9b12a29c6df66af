"""Users, roles, passwords, sessions, API tokens and scope (privacy/accounts.py, scope.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import ibis
import pytest

from regiekamer.errors import AccountError, LoginError, ScopeError
from regiekamer.facade import Regiekamer
from regiekamer.privacy import accounts
from regiekamer.privacy.accounts import Role, User
from regiekamer.privacy.scope import Scope
from regiekamer.settings import Settings
from regiekamer.store import schema
from regiekamer.store.connection import connect

PASSWORD = "paard batterij nietje correct"


# --- roles -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("gemeente:0482", Role("gemeente", "0482")),
        ("aanbieder:12345678", Role("aanbieder", "12345678")),
        ("regio", Role("regio")),
        (" Accountant ", Role("accountant")),
        ("beheerder", Role("beheerder")),
    ],
)
def test_role_parsing(text: str, role: Role, con: duckdb.DuckDBPyConnection) -> None:
    assert accounts.parse_role(text, con) == role
    assert accounts.parse_role(str(role)) == role


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("directeur", "Onbekende rol"),
        ("gemeente", "heeft een code nodig"),
        ("gemeente:482", "geen code van 4 cijfers"),
        ("gemeente:abcd", "geen code van 4 cijfers"),
        ("gemeente:9999", "staat niet in de gemeentetabel"),
        ("aanbieder:1234567", "geen code van 8 cijfers"),
        ("aanbieder:", "heeft een code nodig"),
        ("regio:0482", "heeft geen code"),
    ],
)
def test_role_errors_are_dutch(text: str, fragment: str, con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(AccountError, match=fragment):
        accounts.parse_role(text, con)


def test_gemeentecode_without_store_needs_only_four_digits() -> None:
    assert accounts.parse_role("gemeente:9999") == Role("gemeente", "9999")


# --- passwords ---------------------------------------------------------------------------


def test_stored_hash_is_argon2_never_the_password(kamer: Regiekamer) -> None:
    kamer.add_user("j.jansen", "gemeente:0482", PASSWORD)
    c = duckdb.connect(str(kamer.store), read_only=True)
    try:
        (stored,) = c.execute(
            "SELECT wachtwoord_hash FROM gebruiker WHERE naam = 'j.jansen'"
        ).fetchone()
    finally:
        c.close()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PASSWORD.encode() not in kamer.store.read_bytes()
    assert kamer.list_users()[0]["rol"] == "gemeente:0482"
    assert "wachtwoord_hash" not in kamer.list_users()[0]


@pytest.mark.parametrize(
    "weak", ["kort", "elf tekens!", "Wachtwoord123", "Welkom2026!!", "123456789012", "aaaaaaaaaaaa"]
)
def test_weak_passwords_refused(weak: str, con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(AccountError, match=r"Wachtwoord te kort|te makkelijk"):
        accounts.add_user(con, "p.pieters", "regio", weak)
    assert con.execute("SELECT count(*) FROM gebruiker").fetchone()[0] == 0


def test_password_containing_the_name_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(AccountError, match="te makkelijk"):
        accounts.add_user(con, "pieters", "regio", "ikbenpieters2026")
    accounts.add_user(con, "a", "regio", PASSWORD)  # a short name is not looked for


def test_duplicate_and_bad_names_refused(con: duckdb.DuckDBPyConnection) -> None:
    accounts.add_user(con, "anna", "regio", PASSWORD)
    with pytest.raises(AccountError, match="bestaat al"):
        accounts.add_user(con, "anna", "regio", PASSWORD)
    with pytest.raises(AccountError, match="ongeldig"):
        accounts.add_user(con, "anna bakker; DROP", "regio", PASSWORD)


# --- login and lockout -------------------------------------------------------------------


def test_login_right_and_wrong(con: duckdb.DuckDBPyConnection) -> None:
    accounts.add_user(con, "anna", "aanbieder:12345678", PASSWORD)
    assert accounts.login(con, "anna", PASSWORD) == User("anna", Role("aanbieder", "12345678"))
    with pytest.raises(LoginError, match="Onbekende gebruiker of onjuist wachtwoord"):
        accounts.login(con, "anna", PASSWORD + "x")
    with pytest.raises(LoginError, match="Onbekende gebruiker of onjuist wachtwoord"):
        accounts.login(con, "niemand", PASSWORD)


def test_lockout_after_five_failures(con: duckdb.DuckDBPyConnection) -> None:
    accounts.add_user(con, "anna", "regio", PASSWORD)
    t0 = dt.datetime(2026, 3, 2, 9, 0)
    for i in range(accounts.MAX_FAILED - 1):
        with pytest.raises(LoginError):
            accounts.login(con, "anna", f"fout {i}", now=t0)
    # A right password before the fifth failure still works and resets the count.
    accounts.login(con, "anna", PASSWORD, now=t0)
    for i in range(accounts.MAX_FAILED):
        with pytest.raises(LoginError) as exc:
            accounts.login(con, "anna", f"fout {i}", now=t0)
    assert "15 minuten geblokkeerd" in str(exc.value)
    # Locked: the right password is refused too, until the lockout is over.
    with pytest.raises(LoginError, match="tijdelijk geblokkeerd"):
        accounts.login(con, "anna", PASSWORD, now=t0 + dt.timedelta(minutes=14))
    assert accounts.login(con, "anna", PASSWORD, now=t0 + dt.timedelta(minutes=15, seconds=1))
    row = con.execute("SELECT mislukt, geblokkeerd_tot FROM gebruiker").fetchone()
    assert row == (0, None)


def test_facade_login_keeps_failure_count_and_logs(kamer: Regiekamer) -> None:
    kamer.add_user("anna", "regio", PASSWORD)
    for _ in range(accounts.MAX_FAILED):
        with pytest.raises(LoginError):
            kamer.login("anna", "helemaal fout")
    with pytest.raises(LoginError, match="geblokkeerd"):
        kamer.login("anna", PASSWORD)
    assert kamer.list_users()[0]["geblokkeerd_tot"] is not None
    check = kamer.verify_log()
    assert check.gebroken is None
    assert check.regels == 1 + accounts.MAX_FAILED + 1  # add, five failures, the locked try


# --- sessions and tokens -----------------------------------------------------------------


def test_session_lookup_csrf_and_expiry(con: duckdb.DuckDBPyConnection) -> None:
    user = accounts.add_user(con, "anna", "gemeente:0482", PASSWORD)
    t0 = dt.datetime(2026, 3, 2, 9, 0)
    session = accounts.new_session(con, user, now=t0)
    stored = con.execute("SELECT token_hash FROM sessie").fetchall()
    assert stored == [(accounts.token_hash(session.token),)]
    assert session.token not in str(stored)
    found = accounts.session_user(con, session.token, now=t0 + dt.timedelta(hours=7))
    assert found is not None and found.user == user
    assert found.csrf_ok(session.csrf)
    assert not found.csrf_ok("iets anders") and not found.csrf_ok(None)
    assert accounts.session_user(con, session.token, now=t0 + accounts.SESSION_TTL) is None
    assert accounts.session_user(con, "verzonnen", now=t0) is None
    accounts.end_session(con, session.token)
    assert accounts.session_user(con, session.token, now=t0) is None


def test_facade_login_session_and_token(kamer: Regiekamer) -> None:
    kamer.add_user("anna", "aanbieder:12345678", PASSWORD)
    session = kamer.login("anna", PASSWORD)
    found = kamer.session_user(session.token)
    assert found is not None and found.user.role == Role("aanbieder", "12345678")
    kamer.logout(session.token)
    assert kamer.session_user(session.token) is None

    token = kamer.new_token("anna", "koppeling BI")
    assert token.startswith("rk_") and len(token) > 40
    assert kamer.token_user(token) == User("anna", Role("aanbieder", "12345678"))
    assert kamer.token_user(token + "x") is None
    assert token.encode() not in kamer.store.read_bytes()
    with pytest.raises(AccountError, match="bestaat niet"):
        kamer.new_token("niemand")


# --- migration ---------------------------------------------------------------------------


def test_v2_store_migrates_to_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "oud.duckdb"
    c = duckdb.connect(str(path))
    c.execute("CREATE TABLE schema_versie (versie INTEGER PRIMARY KEY, toegepast_op TIMESTAMP)")
    for v in (1, 2):
        for stmt in schema.MIGRATIONS[v]:
            c.execute(stmt)
        c.execute("INSERT INTO schema_versie VALUES (?, current_timestamp)", [v])
    c.execute("INSERT INTO gemeente VALUES ('0482', 'Alblasserdam', NULL, NULL, NULL)")
    c.close()

    c = connect(path)
    try:
        assert schema.version(c) == schema.CURRENT_VERSION >= 3  # later migrations follow
        tables = {
            r[0] for r in c.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        assert {"gebruiker", "sessie", "api_token", "toegangslog"} <= tables
        assert c.execute("SELECT gemeentenaam FROM gemeente").fetchall() == [("Alblasserdam",)]
    finally:
        c.close()
    rk = Regiekamer(Settings(store=path, key="test-key", workers=1))
    rk.add_user("anna", "gemeente:0482", PASSWORD)
    assert [u["naam"] for u in rk.list_users()] == ["anna"]


# --- scope -------------------------------------------------------------------------------


def _facts() -> ibis.Table:
    return ibis.memtable(
        {
            "gemeente": ["0482", "0482", "0375", "0375"],
            "aanbieder": ["12345678", "87654321", "12345678", "87654321"],
            "n": [1, 2, 3, 4],
        }
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role("gemeente", "0482"), [1, 2]),
        (Role("aanbieder", "12345678"), [1, 3]),
        (Role("regio"), [1, 2, 3, 4]),
        (Role("accountant"), [1, 2, 3, 4]),
        (Role("beheerder"), [1, 2, 3, 4]),
    ],
)
def test_scope_rows(role: Role, expected: list[int]) -> None:
    scoped = Scope(role).rows(_facts())
    assert sorted(scoped.n.to_pyarrow().to_pylist()) == expected


def test_scope_fails_closed_without_the_column() -> None:
    budget = ibis.memtable({"gemeentecode": ["0482", "0375"], "budget_cent": [1, 2]})
    with pytest.raises(ScopeError, match="geen kolom 'gemeente'"):
        Scope(Role("gemeente", "0482")).rows(budget)
    own = Scope(Role("gemeente", "0482")).rows(budget, gemeente="gemeentecode")
    assert own.budget_cent.to_pyarrow().to_pylist() == [1]
    with pytest.raises(ScopeError):
        Scope(Role("aanbieder", "12345678")).rows(budget)


def test_sees_unsuppressed() -> None:
    gemeente = Scope.of(User("anna", Role("gemeente", "0482")))
    assert gemeente.sees_unsuppressed({"gemeente": "0482", "wet": "jw"})
    assert not gemeente.sees_unsuppressed({"gemeente": "0375"})
    assert not gemeente.sees_unsuppressed({"wet": "jw"})  # a region total
    aanbieder = Scope(Role("aanbieder", "12345678"))
    assert aanbieder.sees_unsuppressed({"aanbieder": "12345678", "gemeente": "0375"})
    assert not aanbieder.sees_unsuppressed({"gemeente": "0375"})
    assert Scope(Role("regio")).sees_unsuppressed({"gemeente": "0375"})
