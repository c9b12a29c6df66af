"""The findings catalogue: one rule, one code, one Dutch message.

A code is the official iStandaarden retourcode where the same rule applies (WJ001), else our own
``RK-...`` code. Severity ``fout`` rejects the record; ``waarschuwing`` keeps it. Messages are
templates filled with the finding's parameters and pass :func:`redact` so that a BSN never
appears in a finding.
"""

from __future__ import annotations

from dataclasses import dataclass

from regiekamer.privacy.redact import redact

FOUT = "fout"
WAARSCHUWING = "waarschuwing"


@dataclass(frozen=True)
class Rule:
    code: str
    ernst: str
    titel: str
    sjabloon: str


_RULES = [
    Rule(
        "0001",
        FOUT,
        "Bericht technisch afgekeurd",
        "Bericht is afgekeurd om technische redenen: {reden}. Alle {aantal} records van dit "
        "bericht zijn afgewezen.",
    ),
    Rule(
        "9056",
        FOUT,
        "Identificatie niet uniek",
        "Berichtidentificatie {identificatie} van afzender {afzender} is al eerder ingelezen "
        "met andere inhoud (TR056). Alle {aantal} records van dit bericht zijn afgewezen.",
    ),
    Rule(
        "S300",
        FOUT,
        "Gemeentecode ongeldig",
        "Gemeentecode {waarde} komt niet voor in de CBS-gemeentelijke indeling (TR378); "
        "{aantal} record(s) afgewezen.",
    ),
    Rule(
        "9063",
        FOUT,
        "Geen eerder bericht om te verwijderen",
        "StatusAanlevering 3 (verwijderen), maar er is geen eerder {soort} met dezelfde sleutel "
        "ontvangen; er valt niets te verwijderen.",
    ),
    Rule(
        "9074",
        WAARSCHUWING,
        "Eerder bericht met dezelfde sleutel",
        "Er is al een {soort} met dezelfde sleutel ontvangen (StatusAanlevering 1); "
        "het nieuwe bericht vervangt het eerdere.",
    ),
    Rule(
        "RK-STATUS-01",
        WAARSCHUWING,
        "Wijziging zonder eerder bericht",
        "StatusAanlevering 2 (gewijzigd), maar er is geen eerder {soort} met dezelfde sleutel; "
        "opgeslagen als nieuw.",
    ),
    Rule(
        "RK-BSN-01",
        FOUT,
        "BSN ongeldig",
        "Het BSN voldoet niet aan de elfproef; het record is afgewezen (het nummer wordt niet "
        "getoond).",
    ),
    Rule(
        "RK-BESTAND-01",
        FOUT,
        "Bestand niet herkend",
        "Het bestand is geen iJw/iWmo-bericht en geen bekende tabel: {reden}.",
    ),
    Rule(
        "RK-BESTAND-02", FOUT, "Bestand onleesbaar", "Het bestand kan niet worden gelezen: {reden}."
    ),
    Rule(
        "RK-TABEL-01",
        FOUT,
        "Kolomindeling niet herkend",
        "De kolommen passen bij geen enkele tabelindeling. Verwacht bijvoorbeeld voor "
        "{tabel}: {kolommen}. Ontbrekend: {ontbrekend}.",
    ),
    Rule("RK-TABEL-02", FOUT, "Verplicht veld leeg", "Het verplichte veld {veld} is leeg."),
    Rule(
        "RK-TABEL-03",
        FOUT,
        "Waarde ongeldig",
        "De waarde '{waarde}' in {veld} is geen geldige {soort}.",
    ),
    Rule(
        "RK-TABEL-04",
        FOUT,
        "Code buiten codelijst",
        "De code '{waarde}' in {veld} komt niet voor in codelijst {codelijst}.",
    ),
    Rule(
        "RK-TABEL-05",
        WAARSCHUWING,
        "Geen UTF-8",
        "Het bestand is geen geldige UTF-8; het is gelezen als Windows-1252.",
    ),
    Rule(
        "RK-TABEL-06",
        FOUT,
        "Rij heeft te veel of te weinig velden",
        "De rij heeft {aantal} velden waar de kopregel er {verwacht} heeft.",
    ),
    Rule(
        "RK-DECL-01",
        WAARSCHUWING,
        "Totaalbedrag klopt niet",
        "TotaalIngediendBedrag {totaal} cent ({dc}) is niet gelijk aan de som van de "
        "prestaties, {som} cent.",
    ),
    Rule(
        "RK-TOEW-01",
        WAARSCHUWING,
        "Oudere versie van een toewijzing",
        "Toewijzing {nummer} is al opgeslagen uit een bericht met een latere dagtekening; "
        "deze oudere versie is niet overgenomen.",
    ),
    Rule(
        "RK-CONTRACT-01",
        FOUT,
        "Contractbestand onleesbaar",
        "Het contractbestand kan niet als contracten worden gelezen: {reden}.",
    ),
    Rule(
        "RK-CONTRACT-02",
        FOUT,
        "Contract zonder gemeenten",
        "Contract {contract} noemt geen gemeenten en geen bekende jeugdregio ('{regio}').",
    ),
    Rule(
        "RK-CONTRACT-03",
        FOUT,
        "Onbekend veld in contract",
        "Het veld '{veld}' bestaat niet in een contract (zie docs/contracten.md); het contract "
        "is afgewezen zodat een verschreven veld niet ongemerkt wegvalt.",
    ),
]

CATALOGUE: dict[str, Rule] = {r.code: r for r in _RULES}


# The fields of a finding, in the order every output uses (JSON keys, table and XLSX columns).
FINDING_FIELDS = ("code", "ernst", "melding", "bestand", "bericht_id", "locatie", "veld")


@dataclass(frozen=True)
class Finding:
    """One finding: what is wrong, how bad, and exactly where."""

    code: str
    ernst: str
    melding: str
    bestand: str
    bericht_id: str | None
    locatie: str
    veld: str | None


def finding(
    code: str,
    *,
    bestand: str,
    locatie: str,
    bericht_id: str | None = None,
    veld: str | None = None,
    **params: object,
) -> Finding:
    """Build a finding from the catalogue; an unknown code is a programming error."""
    rule = CATALOGUE[code]
    melding = redact(rule.sjabloon.format(veld=veld, **params))
    return Finding(code, rule.ernst, melding, bestand, bericht_id, redact(locatie), veld)
