"""`regiekamer selftest`: is this deployment set up safely? One rule per line (docs/beheer.md).

A rule that cannot be checked here (pip-audit without its database) says so as "niet
uitgevoerd"; that is no failure, but it is never reported as passed either.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import ssl
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import duckdb

from regiekamer.beheer.rules import NOT_RUN, Rule
from regiekamer.privacy.accounts import verify_password
from regiekamer.settings import Settings

MAX_ADMINS = 4  # fewer than 5 beheerders: every extra one is one more way in
MIN_RETENTION_YEARS = 5  # NEN 7513 and the BIO: keep the access log at least five years

# Well-known defaults, tried against every account (argon2: verified, never compared). Older
# stores may hold them (the password rules of privacy/accounts.py refuse them for new ones).
# Short on purpose: each try costs one argon2 verification (tens of milliseconds, by design).
DEFAULT_PASSWORDS = (
    "Welkom123!", "Welkom01", "wachtwoord", "password", "admin", "regiekamer", "changeme",
)  # fmt: skip
DEMO_PREFIX = "demo-"  # `regiekamer demo` shows the passwords of its demo-<rol> users on screen


def run(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[Rule]:
    return [
        _admins(con),
        _default_passwords(con, settings.workers),
        _key_file(settings),
        _tls(settings),
        _retention(settings),
        _pip_audit(),
    ]


def _admins(con: duckdb.DuckDBPyConnection) -> Rule:
    (n,) = con.execute("SELECT count(*) FROM gebruiker WHERE rol = 'beheerder'").fetchone()
    return Rule.of("minder dan 5 beheerders", n <= MAX_ADMINS, f"{n} beheerder(s)")


def _default_passwords(con: duckdb.DuckDBPyConnection, workers: int) -> Rule:
    users = con.execute("SELECT naam, wachtwoord_hash FROM gebruiker ORDER BY naam").fetchall()

    def known(user: tuple[str, str]) -> bool:
        naam, stored = user
        return naam.startswith(DEMO_PREFIX) or any(
            verify_password(stored, p) for p in (*DEFAULT_PASSWORDS, naam)
        )

    # argon2 releases the GIL: verify the accounts side by side.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = [
            f"{naam} (demogebruiker)" if naam.startswith(DEMO_PREFIX) else naam
            for (naam, _), hit in zip(users, pool.map(known, users), strict=True)
            if hit
        ]
    if found:
        return Rule.of(
            "geen standaardwachtwoord", False, "wijzig of verwijder: " + ", ".join(found)
        )
    return Rule.of(
        "geen standaardwachtwoord", True, f"{len(users)} accounts: geen demogebruiker, geen "
        f"van {len(DEFAULT_PASSWORDS)} bekende wachtwoorden, niet de gebruikersnaam",
    )  # fmt: skip


def _key_file(settings: Settings) -> Rule:
    name = "sleutelbestand 0600 en buiten de storemap"
    if settings.key:
        return Rule.of(name, True, "sleutel uit REGIEKAMER_KEY (geen bestand)")
    path = settings.resolved_key_file()
    if not path.exists():
        return Rule.of(name, False, f"{path} bestaat niet")
    problems = []
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode != 0o600:
        problems.append(f"mode {mode:04o}, moet 0600 zijn")
    store_dir = settings.store.resolve().parent
    if path.resolve().is_relative_to(store_dir):
        problems.append(
            f"staat in de map van de store ({store_dir}): een kopie van die map bevat dan "
            "sleutel en gegevens samen; zet REGIEKAMER_KEY_FILE op een pad erbuiten"
        )
    return Rule.of(name, not problems, "; ".join(problems) or f"{path}, mode 0600")


def _tls(settings: Settings) -> Rule:
    name = "TLS buiten loopback"
    if _loopback(settings.host):
        return Rule.of(name, True, f"luistert alleen op {settings.host} (loopback)")
    missing = [
        label
        for label, path in (("tls_cert", settings.tls_cert), ("tls_key", settings.tls_key))
        if path is None or not path.exists()
    ]
    if missing:
        return Rule.of(
            name, False, f"luistert op {settings.host} zonder TLS: zet {', '.join(missing)}"
        )
    try:  # the same loading uvicorn does at start: a wrong pair fails here, not at 3 a.m.
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            settings.tls_cert, settings.tls_key
        )
    except (ssl.SSLError, OSError) as exc:
        return Rule.of(name, False, f"certificaat of sleutel onbruikbaar ({exc})")
    return Rule.of(name, True, f"luistert op {settings.host} met TLS ({settings.tls_cert})")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name or 0.0.0.0-like wildcard: reachable from outside


def _retention(settings: Settings) -> Rule:
    years = settings.access_log_retention_years
    return Rule.of(
        "bewaartermijn toegangslog minstens 5 jaar",
        years >= MIN_RETENTION_YEARS,
        f"{years} jaar (REGIEKAMER_ACCESS_LOG_RETENTION_YEARS)",
    )


def _pip_audit() -> Rule:
    name = "afhankelijkheden zonder bekende kwetsbaarheden"
    # Run in this interpreter, so that it audits the environment regiekamer runs in.
    if importlib.util.find_spec("pip_audit") is None:
        return Rule(name, NOT_RUN, "pip-audit is niet geïnstalleerd; niet gecontroleerd")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        return Rule(name, NOT_RUN, "pip-audit kreeg geen antwoord van de kwetsbaarhedendatabase")
    try:
        found = json.loads(done.stdout)
    except json.JSONDecodeError:  # no report: most often the database was not reachable
        reason = (done.stderr.strip().splitlines() or ["geen uitvoer"])[-1][:200]
        return Rule(name, NOT_RUN, f"kwetsbaarhedendatabase niet bereikbaar ({reason})")
    vulnerable = [
        f"{d['name']} {d['version']}" for d in found.get("dependencies", []) if d.get("vulns")
    ]
    if vulnerable:
        return Rule.of(name, False, "kwetsbaar: " + ", ".join(vulnerable))
    return Rule.of(name, True, f"{len(found.get('dependencies', []))} pakketten gecontroleerd")
