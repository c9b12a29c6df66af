"""Users, roles, passwords, sessions and API tokens (DOMAIN.md §8).

- A role is ``beheerder``, ``regio``, ``accountant``, ``gemeente:<gemeentecode>`` or
  ``aanbieder:<AGB-code>``; the code after the colon is the user's tenant.
- Passwords are hashed with argon2id (argon2-cffi); the password itself is never stored.
  Weak passwords (shorter than ``MIN_PASSWORD_LENGTH``, a known default) are refused.
- After ``MAX_FAILED`` wrong passwords in a row an account is locked for ``LOCKOUT``.
- A session and an API token are random strings from ``secrets``; the store keeps only their
  sha256, so a copy of the store does not let anyone in. A session carries a CSRF token and
  expires after ``SESSION_TTL``.

Times are naive UTC. Functions take an open connection and write in the caller's transaction,
except `login`, whose failure counter must survive the refused login: call it outside a
transaction (autocommit).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from regiekamer.errors import AccountError, LoginError

ROLES = ("beheerder", "regio", "gemeente", "aanbieder", "accountant")
TENANT_ROLES = ("gemeente", "aanbieder")

MAX_FAILED = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_TTL = dt.timedelta(hours=8)
MIN_PASSWORD_LENGTH = 12

# Refused whatever digits or punctuation follow them ("Welkom2026!!" is still "welkom").
_DEFAULT_STEMS = frozenset(
    {
        "wachtwoord",
        "password",
        "passw0rd",
        "welkom",
        "welcome",
        "geheim",
        "admin",
        "beheerder",
        "regiekamer",
        "gemeente",
        "qwerty",
        "qwertyuiop",
        "azerty",
        "letmein",
        "changeme",
        "zomer",
        "winter",
        "lente",
        "herfst",
    }
)
_DEFAULT_WHOLE = frozenset({"123456789012", "1234567890123", "012345678901", "abcdefghijkl"})

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_GEMEENTECODE = re.compile(r"\d{4}")
_AGB = re.compile(r"\d{8}")

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106) defaults


@dataclass(frozen=True)
class Role:
    """A role and, for gemeente and aanbieder, the tenant it is confined to."""

    rol: str
    tenant: str | None = None

    def __str__(self) -> str:
        return f"{self.rol}:{self.tenant}" if self.tenant else self.rol


@dataclass(frozen=True)
class User:
    naam: str
    role: Role


@dataclass(frozen=True)
class Session:
    """A new session. ``token`` goes to the browser once (cookie) and is never stored."""

    token: str
    csrf: str
    verloopt: dt.datetime
    user: User


@dataclass(frozen=True)
class SessionUser:
    """Whom a session cookie belongs to, and the CSRF token forms must echo."""

    user: User
    csrf: str
    verloopt: dt.datetime

    def csrf_ok(self, supplied: str | None) -> bool:
        """True when a form's CSRF token matches this session's (constant-time compare)."""
        return bool(supplied) and hmac.compare_digest(self.csrf, supplied or "")


def utcnow() -> dt.datetime:
    """Now, as naive UTC (what the store's TIMESTAMP columns hold)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def token_hash(token: str) -> str:
    """The sha256 under which a session or API token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_role(text: str, con: duckdb.DuckDBPyConnection | None = None) -> Role:
    """``gemeente:0482``, ``aanbieder:12345678``, ``regio``, ``accountant`` or ``beheerder``.

    A gemeentecode must be four digits and, when a connection with a filled ``gemeente`` table
    is given, one of its codes. An AGB code must be eight digits.
    """
    rol, sep, tenant = text.strip().partition(":")
    rol, tenant = rol.strip().lower(), tenant.strip()
    if rol not in ROLES:
        raise AccountError(
            f"Onbekende rol '{text}'. Kies uit: beheerder, regio, accountant, "
            "gemeente:<gemeentecode>, aanbieder:<AGB-code>."
        )
    if rol not in TENANT_ROLES:
        if sep:
            raise AccountError(f"De rol '{rol}' heeft geen code na de dubbele punt.")
        return Role(rol)
    if not tenant:
        voorbeeld = "gemeente:0482" if rol == "gemeente" else "aanbieder:12345678"
        raise AccountError(f"De rol '{rol}' heeft een code nodig, bv. {voorbeeld}.")
    if rol == "gemeente":
        if not _GEMEENTECODE.fullmatch(tenant):
            raise AccountError(f"Gemeentecode '{tenant}' is geen code van 4 cijfers (bv. 0482).")
        if con is not None and not _known_gemeente(con, tenant):
            raise AccountError(f"Gemeentecode '{tenant}' staat niet in de gemeentetabel.")
    elif not _AGB.fullmatch(tenant):
        raise AccountError(f"AGB-code '{tenant}' is geen code van 8 cijfers.")
    return Role(rol, tenant)


def _known_gemeente(con: duckdb.DuckDBPyConnection, code: str) -> bool:
    """True when the gemeente table lists the code, or is empty (nothing to check against)."""
    total, found = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE gemeentecode = ?) FROM gemeente", [code]
    ).fetchone()
    return total == 0 or found > 0


def check_password(password: str, naam: str = "") -> None:
    """Refuse a weak password with a Dutch reason; return quietly when it will do."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"Wachtwoord te kort: gebruik minstens {MIN_PASSWORD_LENGTH} tekens "
            "(een zin van een paar woorden werkt goed)."
        )
    lowered = password.lower()
    stem = lowered.rstrip("0123456789!@#$%^&*()-_=+.,?;: ")
    if (
        lowered in _DEFAULT_WHOLE
        or stem in _DEFAULT_STEMS
        or len(set(lowered)) < 4
        or (len(naam) >= 4 and naam.lower() in lowered)
    ):
        raise AccountError(
            "Dit wachtwoord is te makkelijk te raden (een standaardwachtwoord, de "
            "gebruikersnaam of steeds hetzelfde teken). Kies een ander."
        )


def add_user(con: duckdb.DuckDBPyConnection, naam: str, role: Role | str, password: str) -> User:
    """Create a user with an argon2id hash of the password."""
    if not _NAME.fullmatch(naam):
        raise AccountError(
            f"Gebruikersnaam '{naam}' is ongeldig: 1 tot 64 letters, cijfers of . _ @ -, "
            "beginnend met een letter of cijfer."
        )
    if isinstance(role, str):
        role = parse_role(role, con)
    check_password(password, naam)
    if con.execute("SELECT count(*) FROM gebruiker WHERE naam = ?", [naam]).fetchone()[0]:
        raise AccountError(f"Gebruiker '{naam}' bestaat al.")
    con.execute(
        "INSERT INTO gebruiker (naam, rol, tenant, wachtwoord_hash, aangemaakt) "
        "VALUES (?, ?, ?, ?, ?)",
        [naam, role.rol, role.tenant, _hasher.hash(password), utcnow()],
    )
    return User(naam, role)


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Every user with role, creation time and lock state (never a hash); ``geblokkeerd_tot``
    is only filled while the lockout lasts."""
    now = utcnow()
    rows = con.execute(
        "SELECT naam, rol, tenant, aangemaakt, geblokkeerd_tot, mislukt FROM gebruiker "
        "ORDER BY naam"
    ).fetchall()
    return [
        {
            "naam": naam,
            "rol": str(Role(rol, tenant)),
            "aangemaakt": aangemaakt,
            "geblokkeerd_tot": geblokkeerd if geblokkeerd and geblokkeerd > now else None,
            "mislukt": mislukt,
        }
        for naam, rol, tenant, aangemaakt, geblokkeerd, mislukt in rows
    ]


def get_user(con: duckdb.DuckDBPyConnection, naam: str) -> User | None:
    row = con.execute("SELECT rol, tenant FROM gebruiker WHERE naam = ?", [naam]).fetchone()
    return User(naam, Role(row[0], row[1])) if row else None


_REFUSED = "Onbekende gebruiker of onjuist wachtwoord."


def login(
    con: duckdb.DuckDBPyConnection, naam: str, password: str, *, now: dt.datetime | None = None
) -> User:
    """The user when name and password match; otherwise `LoginError`.

    Each wrong password counts; the ``MAX_FAILED``-th in a row locks the account for
    ``LOCKOUT``. While locked, even the right password is refused (and not checked).
    A right password resets the count. Run outside a transaction: the count must be kept.
    """
    now = now or utcnow()
    row = con.execute(
        "SELECT rol, tenant, wachtwoord_hash, mislukt, geblokkeerd_tot FROM gebruiker "
        "WHERE naam = ?",
        [naam],
    ).fetchone()
    if row is None:
        verify_password(_dummy_hash(), password)  # same work as for a real user: no timing oracle
        raise LoginError(_REFUSED)
    rol, tenant, stored, mislukt, geblokkeerd_tot = row
    if geblokkeerd_tot is not None and now < geblokkeerd_tot:
        raise LoginError(
            f"Account tijdelijk geblokkeerd na {MAX_FAILED} mislukte pogingen; probeer het na "
            f"{geblokkeerd_tot:%H:%M} (UTC) opnieuw."
        )
    if not verify_password(stored, password):
        mislukt += 1
        if mislukt >= MAX_FAILED:
            con.execute(
                "UPDATE gebruiker SET mislukt = 0, geblokkeerd_tot = ? WHERE naam = ?",
                [now + LOCKOUT, naam],
            )
            minutes = int(LOCKOUT.total_seconds() // 60)
            raise LoginError(
                f"{_REFUSED} Na {MAX_FAILED} mislukte pogingen is het account {minutes} "
                "minuten geblokkeerd."
            )
        con.execute("UPDATE gebruiker SET mislukt = ? WHERE naam = ?", [mislukt, naam])
        raise LoginError(_REFUSED)
    new_hash = _hasher.hash(password) if _hasher.check_needs_rehash(stored) else stored
    con.execute(
        "UPDATE gebruiker SET mislukt = 0, geblokkeerd_tot = NULL, wachtwoord_hash = ? "
        "WHERE naam = ?",
        [new_hash, naam],
    )
    return User(naam, Role(rol, tenant))


def verify_password(stored: str, password: str) -> bool:
    """True when ``password`` matches the argon2id hash ``stored`` (False for a bad hash)."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for an unknown name (made once, when first needed)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def new_session(
    con: duckdb.DuckDBPyConnection, user: User, *, now: dt.datetime | None = None
) -> Session:
    """Start a session for a logged-in user; only the token's sha256 is stored."""
    now = now or utcnow()
    con.execute("DELETE FROM sessie WHERE verloopt <= ?", [now])  # keep the table small
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verloopt = now + SESSION_TTL
    con.execute(
        "INSERT INTO sessie VALUES (?, ?, ?, ?)", [token_hash(token), user.naam, csrf, verloopt]
    )
    return Session(token, csrf, verloopt, user)


def session_user(
    con: duckdb.DuckDBPyConnection, token: str, *, now: dt.datetime | None = None
) -> SessionUser | None:
    """Whom an unexpired session token belongs to, or None."""
    row = con.execute(
        "SELECT s.naam, s.csrf, s.verloopt, g.rol, g.tenant FROM sessie s "
        "JOIN gebruiker g USING (naam) WHERE s.token_hash = ? AND s.verloopt > ?",
        [token_hash(token), now or utcnow()],
    ).fetchone()
    if row is None:
        return None
    naam, csrf, verloopt, rol, tenant = row
    return SessionUser(User(naam, Role(rol, tenant)), csrf, verloopt)


def end_session(con: duckdb.DuckDBPyConnection, token: str) -> None:
    """Log out: the session token no longer works."""
    con.execute("DELETE FROM sessie WHERE token_hash = ?", [token_hash(token)])


def new_api_token(
    con: duckdb.DuckDBPyConnection, naam: str, omschrijving: str | None = None
) -> str:
    """A new API token for an existing user; returned once, only its sha256 is stored."""
    if get_user(con, naam) is None:
        raise AccountError(f"Gebruiker '{naam}' bestaat niet.")
    token = "rk_" + secrets.token_urlsafe(32)
    con.execute(
        "INSERT INTO api_token VALUES (?, ?, ?, ?)",
        [token_hash(token), naam, omschrijving, utcnow()],
    )
    return token


def token_user(con: duckdb.DuckDBPyConnection, token: str) -> User | None:
    """Whom an API token belongs to, or None."""
    row = con.execute(
        "SELECT t.naam, g.rol, g.tenant FROM api_token t JOIN gebruiker g USING (naam) "
        "WHERE t.token_hash = ?",
        [token_hash(token)],
    ).fetchone()
    return User(row[0], Role(row[1], row[2])) if row else None
