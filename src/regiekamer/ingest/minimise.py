"""Minimisation, a named stage: keep only what the analyses need about a person.

The BSN becomes a keyed pseudonym, the birth date its year-month (first of the month), and
names, addresses, phone numbers and e-mail addresses are never copied out of the message.
"""

from __future__ import annotations

from regiekamer.privacy.pseudonym import Pseudonymiser


def birth_month(datum: str | None) -> str | None:
    """'2010-02-14' -> '2010-02-01'; None stays None."""
    if not datum or len(datum) < 7:
        return None
    return datum[:7] + "-01"


def client_row(
    pseudonymise: Pseudonymiser, bsn: str | None, geboortedatum: str | None, geslacht: str | None
) -> dict[str, str | None] | None:
    """The client as the store keeps it, or None when the BSN fails the elfproef."""
    client_id = pseudonymise(bsn) if bsn else None
    if client_id is None:
        return None
    return {
        "client_id": client_id,
        "geboortemaand": birth_month(geboortedatum),
        "geslacht": geslacht,
    }
