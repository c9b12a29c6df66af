"""`regiekamer selftest` (beheer/selftest.py): one line per rule, pass or fail, in Dutch; a
deployment set up well passes, each mistake fails its own rule; pip-audit without its database
says "niet uitgevoerd" and does not fail the run. Also through a running server."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from argon2 import PasswordHasher

from live import serve
from regiekamer.beheer.rules import FAILED, NOT_RUN, OK
from regiekamer.facade import Regiekamer
from regiekamer.faces.web.app import create_app
from regiekamer.privacy.pseudonym import create_key_file
from regiekamer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "een-lang-wachtwoord-2025"
RULES = (
    "minder dan 5 beheerders",
    "geen standaardwachtwoord",
    "sleutelbestand 0600 en buiten de storemap",
    "TLS buiten loopback",
    "bewaartermijn toegangslog minstens 5 jaar",
    "afhankelijkheden zonder bekende kwetsbaarheden",
)
HAS_PIP_AUDIT = importlib.util.find_spec("pip_audit") is not None


def _deployment(tmp_path: Path, *, users: bool = True) -> Settings:
    """A store in data/, its key in geheim/ (another directory), one beheerder, one analyst
    (each selftest verifies their argon2 hashes: slow by design, so only where it matters)."""
    (tmp_path / "geheim").mkdir()
    key_file = tmp_path / "geheim" / "sleutel"
    create_key_file(key_file)
    settings = Settings(store=tmp_path / "data" / "s.duckdb", key_file=key_file, workers=1)
    rk = Regiekamer(settings)
    rk.init()
    if users:
        rk.add_user("beheer", "beheerder", PASSWORD)
        rk.add_user("analist", "regio", PASSWORD)
    return settings


def _status(rules: list) -> dict[str, str]:
    return {r.regel: r.status for r in rules}


def _cli(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REGIEKAMER_")}
    clean |= {
        "PYTHONPATH": str(ROOT / "src"),
        "REGIEKAMER_STORE": str(settings.store),
        "REGIEKAMER_KEY_FILE": str(settings.key_file),
        "COLUMNS": "200",
    } | env
    return subprocess.run(
        [sys.executable, "-m", "regiekamer", "selftest", *args],
        capture_output=True,
        text=True,
        env=clean,
        timeout=300,
    )


def test_a_good_deployment_passes_and_pip_audit_says_it_did_not_run(tmp_path: Path) -> None:
    settings = _deployment(tmp_path)
    done = _cli(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(RULES)
    for rule, line in zip(RULES, lines, strict=True):
        assert rule in line
    audit = lines[-1]
    if HAS_PIP_AUDIT:
        assert audit.split()[0] in ("in", "fout", "niet")
    else:
        assert audit.startswith(NOT_RUN) and "niet geïnstalleerd" in audit
    assert all(ln.startswith(OK) for ln in lines[:-1]), done.stdout


def test_each_mistake_fails_its_own_rule(tmp_path: Path) -> None:
    settings = _deployment(tmp_path)
    rk = Regiekamer(settings)
    con = duckdb.connect(str(settings.store))
    # Four more beheerders (their hash is no argon2 hash: no login, and no slow verification).
    con.executemany(
        "INSERT INTO gebruiker (naam, rol, wachtwoord_hash, aangemaakt) "
        "VALUES (?, 'beheerder', 'uitgeschakeld', now())",
        [[f"beheer{i}"] for i in range(4)],
    )
    # An account from before the password rules, with a well-known password, and a demo user.
    con.execute(
        "INSERT INTO gebruiker (naam, rol, wachtwoord_hash, aangemaakt) "
        "VALUES ('oud', 'regio', ?, now())",
        [PasswordHasher().hash("Welkom123!")],
    )
    con.close()
    rk.add_user("demo-regio", "regio", PASSWORD, door="demo")
    settings.key_file.chmod(0o644)
    bad = settings.model_copy(update={"host": "0.0.0.0", "access_log_retention_years": 3})
    rules = {r.regel: r for r in Regiekamer(bad).selftest()}
    assert list(rules) == list(RULES)
    assert rules["minder dan 5 beheerders"].status == FAILED
    assert "5 beheerder" in rules["minder dan 5 beheerders"].toelichting
    wrong = rules["geen standaardwachtwoord"]
    assert wrong.status == FAILED and "oud" in wrong.toelichting
    assert "demo-regio (demogebruiker)" in wrong.toelichting
    assert "beheer," not in wrong.toelichting and "analist" not in wrong.toelichting
    assert "Welkom" not in wrong.toelichting  # which password it was is not shown
    key = rules["sleutelbestand 0600 en buiten de storemap"]
    assert key.status == FAILED and "0644" in key.toelichting
    tls = rules["TLS buiten loopback"]
    assert tls.status == FAILED and "0.0.0.0 zonder TLS" in tls.toelichting
    assert rules["bewaartermijn toegangslog minstens 5 jaar"].status == FAILED

    done = _cli(settings, REGIEKAMER_HOST="0.0.0.0")
    assert done.returncode == 1
    assert sum(ln.startswith(FAILED) for ln in done.stdout.splitlines()) == 4


def test_the_key_beside_the_store_fails(tmp_path: Path) -> None:
    """The default of `regiekamer init` (<store>.key) is fine for a demo, not for a deployment:
    a copy of the data directory would carry key and pseudonyms together."""
    store = tmp_path / "s.duckdb"
    rk = Regiekamer(Settings(store=store, workers=1))
    rk.init()
    rule = {r.regel: r for r in rk.selftest()}["sleutelbestand 0600 en buiten de storemap"]
    assert rule.status == FAILED and "in de map van de store" in rule.toelichting
    env_key = Regiekamer(Settings(store=store, key="uit-de-omgeving", workers=1))
    rule = {r.regel: r for r in env_key.selftest()}["sleutelbestand 0600 en buiten de storemap"]
    assert rule.status == OK and "REGIEKAMER_KEY" in rule.toelichting


def test_tls_outside_loopback_needs_a_certificate_that_loads(tmp_path: Path) -> None:
    settings = _deployment(tmp_path, users=False)
    cert, key = tmp_path / "geheim" / "cert.pem", tmp_path / "geheim" / "key.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=regiekamer.test", "-keyout", str(key), "-out", str(cert)],
        capture_output=True, timeout=120,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.skip("openssl kan geen testcertificaat maken")
    good = settings.model_copy(update={"host": "10.0.0.5", "tls_cert": cert, "tls_key": key})
    rule = _status(Regiekamer(good).selftest())["TLS buiten loopback"]
    assert rule == OK
    other = tmp_path / "geheim" / "other.pem"
    other.write_text(cert.read_text())  # a certificate is no private key
    wrong = good.model_copy(update={"tls_key": other})
    assert _status(Regiekamer(wrong).selftest())["TLS buiten loopback"] == FAILED
    for host in ("127.0.0.1", "::1", "localhost"):
        loop = settings.model_copy(update={"host": host})
        assert _status(Regiekamer(loop).selftest())["TLS buiten loopback"] == OK


def test_selftest_reaches_a_store_the_server_holds(tmp_path: Path) -> None:
    settings = _deployment(tmp_path)
    app = create_app(settings)
    with serve(app):
        done = _cli(settings, "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    rules = json.loads(done.stdout)
    assert [r["regel"] for r in rules] == list(RULES)
    assert [r["status"] for r in rules[:-1]] == [OK] * (len(RULES) - 1)
