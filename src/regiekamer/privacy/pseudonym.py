"""BSN -> keyed pseudonym (HMAC-SHA256). The key lives outside the store, never inside it."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
from pathlib import Path

from stdnum.nl import bsn as stdnum_bsn

from regiekamer.errors import ConfigError
from regiekamer.settings import Settings

_DIGITS = re.compile(r"[0-9]{8,9}")


def create_key_file(path: Path) -> bool:
    """Create a fresh random key with mode 0600; return False when one exists already."""
    if path.exists():
        return False
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return True


def load_key(settings: Settings) -> bytes:
    """The key from REGIEKAMER_KEY, else from the key file beside the store."""
    if settings.key:
        return settings.key.encode()
    path = settings.resolved_key_file()
    if not path.exists():
        raise ConfigError(
            f"Geen sleutel voor pseudonimisering: zet REGIEKAMER_KEY of maak {path} aan "
            "met 'regiekamer init'."
        )
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise ConfigError(
            f"Sleutelbestand {path} is leesbaar voor anderen; zet de rechten op 0600."
        )
    return path.read_text().strip().encode()


class Pseudonymiser:
    """Checks the elfproef and maps a BSN to a stable 32-hex-character pseudonym.

    Cached per process because one client has many lines; the cache lives only in memory.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[str, str | None] = {}

    def __call__(self, bsn: str) -> str | None:
        """The pseudonym, or None when the BSN fails the elfproef."""
        hit = self._cache.get(bsn, "")
        if hit != "":
            return hit
        value = None
        digits = bsn.strip()
        # Excel drops a leading zero: accept 8 digits and pad, so both spellings meet.
        # The shape is checked here, so stdnum's elfproef (checksum) can be called directly.
        if _DIGITS.fullmatch(digits):
            digits = digits.zfill(9)
            if digits != "000000000" and stdnum_bsn.checksum(digits) == 0:
                value = hmac.new(self._key, digits.encode(), hashlib.sha256).hexdigest()[:32]
        if len(self._cache) < 2_000_000:
            self._cache[bsn] = value
        return value

    def household(self, key: str) -> str | None:
        """A household key (a case system's number) -> its pseudonym, with the same secret.

        Domain-separated from the BSN pseudonym, so that a key that happens to be a BSN does
        not give that person's client_id. None for an empty or implausible key.
        """
        text = key.strip()
        if not text or len(text) > 64 or not text.isprintable():
            return None
        digest = hmac.new(self._key, b"huishouden\x00" + text.encode(), hashlib.sha256)
        return digest.hexdigest()[:32]
