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


# Configuration files (verevening.yaml, incentive.yaml; analyses/configfile.py). The location is
# the line in the YAML file, the field its path (``varianten[1].regel.alpha``).
_RULES_CONFIG = [
    Rule("RK-CONF-01", FOUT, "Configuratie onleesbaar", "Het YAML-bestand is onleesbaar: {reden}."),
    Rule("RK-CONF-02", FOUT, "Onbekend veld", "Het veld {veld} is onbekend (een tikfout?)."),
    Rule("RK-CONF-03", FOUT, "Verplicht veld ontbreekt", "Het verplichte veld {veld} ontbreekt."),
    Rule(
        "RK-CONF-04",
        FOUT,
        "Waarde ongeldig",
        "De waarde '{waarde}' in {veld} is ongeldig: {uitleg}.",
    ),
    Rule("RK-CONF-05", FOUT, "Dubbele id", "De id '{waarde}' komt meer dan één keer voor."),
    Rule(
        "RK-VV-01",
        FOUT,
        "Onbekend vereveningsmodel",
        "Het model '{waarde}' bestaat niet; kies uit {keuze}.",
    ),
    Rule(
        "RK-VV-02",
        FOUT,
        "Onbekende verdeelsleutel",
        "De verdeelsleutel '{waarde}' bestaat niet; kies uit {keuze}.",
    ),
    Rule(
        "RK-VV-03",
        FOUT,
        "Onbekend segment",
        "Segment '{waarde}' in {veld} is niet gedefinieerd onder segmenten.",
    ),
    Rule(
        "RK-VV-04",
        FOUT,
        "Segment zonder regel",
        "Variant '{variant}' zegt niet hoe segment '{segment}' wordt verdeeld: geef 'regel' "
        "(voor alle segmenten) of een regel voor '{segment}' onder 'regels'.",
    ),
    Rule(
        "RK-VV-05",
        FOUT,
        "Parameter ontbreekt",
        "Model {model} vraagt het veld {veld}.",
    ),
    Rule(
        "RK-VV-06",
        WAARSCHUWING,
        "Parameter niet gebruikt",
        "Model {model} gebruikt {veld} niet; het veld wordt genegeerd.",
    ),
    Rule(
        "RK-VV-07",
        FOUT,
        "Gladstrijken niet mogelijk",
        "Het drempelmodel rekent per cliënt met de kosten van dit jaar; gladstrijken over drie "
        "jaar kan daar niet bij.",
    ),
    Rule(
        "RK-INC-01",
        FOUT,
        "Onbekende KPI",
        "De KPI '{waarde}' staat niet in de catalogus (zie regiekamer kpi --list).",
    ),
    Rule(
        "RK-INC-02",
        FOUT,
        "Band zonder grens",
        "Een band vraagt 'vanaf' en/of 'onder' (de KPI-waarde waarbij de band geldt).",
    ),
    Rule(
        "RK-INC-03",
        FOUT,
        "Geen doelbudget",
        "Regeling '{regeling}' geeft geen doelbudget: geef 'doelbudget' per aanbieder of "
        "'doelbudget_uit: contract'.",
    ),
]
CATALOGUE.update({r.code: r for r in _RULES_CONFIG})
# Forecast scenarios (analyses/prognose/scenario.py) are refused whole, with one message: the
# code of a ScenarioError (their cases: tests/test_fuzz.py).
_RULES_SCENARIO = [
    Rule("RK-SCEN-01", FOUT, "Scenario onleesbaar", "{reden}"),
    Rule("RK-SCEN-02", FOUT, "Scenarioknop ongeldig", "{reden}"),
]
CATALOGUE.update({r.code: r for r in _RULES_SCENARIO})
SCENARIO_CODES = frozenset(r.code for r in _RULES_SCENARIO)
# Raised while reading a configuration file, not a data file: tests/test_verevening.py has their
# cases (tests/test_rules.py has those of the ingest rules).
CONFIG_CODES = frozenset(r.code for r in _RULES_CONFIG)
# Participatiewet, households and CBS StatLine imports (docs/integraal.md).
_RULES_INTEGRAAL = [
    Rule(
        "RK-UITK-01",
        FOUT,
        "Einde voor begin",
        "De {veld} {einde} ligt voor de begindatum {begin}; de rij is afgewezen.",
    ),
    Rule(
        "RK-UITK-02",
        WAARSCHUWING,
        "Dubbele sleutel in één bestand",
        "Rij {later} heeft dezelfde {sleutel} als deze rij en vervangt haar; alleen de laatste "
        "rij is bewaard.",
    ),
    Rule(
        "RK-CBS-01",
        FOUT,
        "Geen bekende CBS-tabel",
        "Het bestand lijkt een StatLine-download, maar de kolommen passen bij geen tabel die "
        "regiekamer kent. Verwacht voor {tabel}: {kolommen}. Ontbrekend: {ontbrekend}.",
    ),
    Rule(
        "RK-CBS-02",
        FOUT,
        "CBS-cel ongeldig",
        "De waarde '{waarde}' in {veld} is geen geldige {soort}; de rij is afgewezen.",
    ),
]
_RULES.extend(_RULES_INTEGRAAL)
CATALOGUE.update({r.code: r for r in _RULES_INTEGRAAL})
# Performance agreements (afspraken.yaml and the dashboard form; docs/afspraken.md). Read like a
# configuration file: tests/test_afspraken.py has their cases.
_RULES_AFSPRAKEN = [
    Rule(
        "RK-AFSPR-01",
        FOUT,
        "Onbekende KPI",
        "De KPI '{waarde}' staat niet in de catalogus (zie regiekamer kpi --list).",
    ),
    Rule(
        "RK-AFSPR-02",
        FOUT,
        "Scope past niet bij het niveau",
        "Een afspraak op niveau {niveau} {uitleg}.",
    ),
    Rule(
        "RK-AFSPR-03",
        FOUT,
        "Onbekende partij",
        "De {soort} '{waarde}' is niet bekend in de store (referentiegegevens of contracten).",
    ),
    Rule(
        "RK-AFSPR-04",
        FOUT,
        "KPI niet op deze grain",
        "De KPI {kpi} kan hier niet worden gemeten: {reden}.",
    ),
    Rule(
        "RK-AFSPR-05",
        FOUT,
        "Periode ongeldig",
        "De periode klopt niet: {reden}.",
    ),
    Rule(
        "RK-AFSPR-06",
        FOUT,
        "Dubbele afspraak",
        "Afspraak '{waarde}' staat meer dan eens in het bestand; elke afspraak één keer.",
    ),
    Rule(
        "RK-AFSPR-07",
        WAARSCHUWING,
        "Afgesproken na aanvang",
        "Afspraak {afspraak} is op {op} gemaakt, na het begin van de periode ({begin}): "
        "afgesproken na aanvang, niet vooraf.",
    ),
]
CATALOGUE.update({r.code: r for r in _RULES_AFSPRAKEN})
AFSPRAKEN_CODES = frozenset(r.code for r in _RULES_AFSPRAKEN)
